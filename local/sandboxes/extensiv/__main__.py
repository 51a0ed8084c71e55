"""Run the Extensiv sandbox on 127.0.0.1: `python -m local.sandboxes.extensiv --port 8082 --config file.json`.

The config file is one JSON object: any `SandboxConfig` field, plus optional `facilities`,
`items` and `stock` lists that seed the warehouse.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from . import ExtensivSandbox

SEED_KEYS = ("facilities", "items", "stock")


def _load(path: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    if path is None:
        return {}, {}
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    seed = {key: document.pop(key) for key in SEED_KEYS if key in document}
    return document, seed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.sandboxes.extensiv", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--config", help="JSON file with settings and optional seed data")
    parser.add_argument("--no-ticker", action="store_true", help="keep the warehouse still (no auto-ship)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    settings, seed = _load(args.config)
    sandbox = ExtensivSandbox(settings, seed, port=args.port, ticker=not args.no_ticker).start()
    logging.getLogger(__name__).info("extensiv sandbox listening", extra={"url": sandbox.url})
    # The runner reads this line to learn the port when it passed 0.
    sys.stdout.write(json.dumps({"extensiv_sandbox": sandbox.url}) + "\n")
    sys.stdout.flush()

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    sandbox.stop()


if __name__ == "__main__":
    main()
