"""Run the TikTok Shop sandbox on 127.0.0.1 until interrupted.

    python -m local.sandboxes.tiktok_shop --port 8765 --config sandbox.json

The config file is either a flat object of `/_sandbox/config` keys, or an object with
`config`, `warehouses`, `products` and `orders` (each seeded through the same code as the
matching control route, in that order).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from . import TikTokSandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.sandboxes.tiktok_shop", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--config", type=Path, help="JSON file with sandbox config and optional seed data")
    args = parser.parse_args(argv)

    seed = json.loads(args.config.read_text()) if args.config else {}
    config, seed_data = _split_seed(seed)
    sandbox = TikTokSandbox(config, port=args.port)
    _seed(sandbox, seed_data)
    sandbox.start()
    sys.stdout.write(f"TikTok Shop sandbox listening on {sandbox.url}\n")
    sys.stdout.flush()

    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    sandbox.stop()
    return 0


def _split_seed(seed: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    sections = {"config", "warehouses", "products", "orders"}
    if not sections & set(seed):
        return seed, {}
    return seed.get("config", {}), {key: seed[key] for key in ("warehouses", "products", "orders") if key in seed}


def _seed(sandbox: TikTokSandbox, seed_data: dict[str, Any]) -> None:
    state = sandbox.state
    if seed_data.get("warehouses"):
        state.add_warehouses(seed_data["warehouses"])
    if seed_data.get("products"):
        state.add_products(seed_data["products"])
    if seed_data.get("orders"):
        state.add_orders(seed_data["orders"])


if __name__ == "__main__":
    sys.exit(main())
