"""TikTok Shop sandbox: an HTTP server on 127.0.0.1 that plays the Partner API for the local stack.

    with TikTokSandbox({"hold_seconds": 5, "webhook_url": "http://127.0.0.1:9000/hook"}) as sandbox:
        credentials = requests.get(f"{sandbox.url}/_sandbox/credentials", timeout=5).json()

`create_app(config)` builds the Flask app alone (its background threads live in
`app.extensions["tiktok_sandbox"]`); `TikTokSandbox` also runs it on a loopback port.
"""

from __future__ import annotations

from typing import Any

from ..harness import SandboxServer
from .app import SandboxRuntime, create_app
from .state import ShopState

__all__ = ["SandboxRuntime", "TikTokSandbox", "create_app"]


class TikTokSandbox:
    """The sandbox app, its ticker and webhook threads, served on 127.0.0.1:`port` (0 = any free)."""

    def __init__(self, config: dict[str, Any] | None = None, port: int = 0) -> None:
        self.app = create_app(config, start_background=False)
        self.runtime: SandboxRuntime = self.app.extensions["tiktok_sandbox"]
        self._server = SandboxServer(self.app, port=port)

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def state(self) -> ShopState:
        return self.runtime.state

    def start(self) -> TikTokSandbox:
        self.runtime.start()
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        self.runtime.stop()

    def __enter__(self) -> TikTokSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
