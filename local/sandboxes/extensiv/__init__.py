"""Extensiv 3PL Warehouse Manager sandbox: a loopback HTTP server that plays the real API.

`create_app` builds the Flask app; `ExtensivSandbox` runs it on 127.0.0.1 together with the
warehouse ticker that picks, ships, cancels, receives and recounts on its own schedule.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..harness import SandboxServer
from .app import create_app
from .config import Carrier, SandboxConfig
from .state import WarehouseState

__all__ = ["Carrier", "ExtensivSandbox", "SandboxConfig", "WarehouseState", "WarehouseTicker", "create_app"]

logger = logging.getLogger(__name__)


class WarehouseTicker:
    """Calls `state.tick()` every `ticker_interval_seconds` (read afresh each time) until stopped."""

    def __init__(self, state: WarehouseState) -> None:
        self._state = state
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="extensiv-sandbox-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._state.config.ticker_interval_seconds):
            try:
                self._state.tick()
            except Exception:
                logger.exception("sandbox warehouse tick failed")


class ExtensivSandbox:
    """The sandbox server plus its ticker, for tests and the local runner.

    `config` may be a `SandboxConfig` or a dict of its fields; `seed_data` may hold
    `facilities`, `items` and `stock` lists in the shapes the `/_sandbox` routes accept.
    """

    def __init__(
        self,
        config: SandboxConfig | dict[str, Any] | None = None,
        seed_data: dict[str, Any] | None = None,
        port: int = 0,
        ticker: bool = True,
    ) -> None:
        if isinstance(config, dict):
            config = SandboxConfig.model_validate(config)
        self.state = WarehouseState(config, seed_data)
        self.app = create_app(self.state)
        self._server = SandboxServer(self.app, port=port)
        self._ticker = WarehouseTicker(self.state) if ticker else None

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> ExtensivSandbox:
        self._server.start()
        if self._ticker:
            self._ticker.start()
        return self

    def stop(self) -> None:
        if self._ticker:
            self._ticker.stop()
        self._server.stop()

    def __enter__(self) -> ExtensivSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
