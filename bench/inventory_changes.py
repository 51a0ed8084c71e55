"""Benchmark 4: stock reaches TikTok within a schedule tick, and only what changed is pushed.

M SKUs, each its own TikTok product, stocked in one Extensiv facility linked to one TikTok
warehouse. After a first run aligns TikTok with Extensiv, each round changes the stock of a
few SKUs in the Extensiv sandbox (none in one round) and invokes the inventory function's
real handler once, as its schedule does. Counted from the TikTok sandbox's request log:
Update Inventory calls per changed SKU (target exactly 1.0, and 0 calls when nothing
changed); read back from both sandboxes: TikTok's quantity equals Extensiv's available for
every SKU after every run. Stock latency is the schedule interval (worst case: the change
lands just after a run) plus the measured run time, compared with an hourly paid connector.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path
from typing import Any

from bench import stats
from bench.stack import FACILITY_ID, ROOT, WAREHOUSE_ID, Stack, running_stack
from tests.support import template
from tests.support.handlers import LambdaContext

NAME = "inventory_changes"
UPDATE_INVENTORY = "^/product/[0-9]+/products/[0-9]+/inventory/update$"
CHANGES_PER_ROUND = (5, 0, 12, 1)


def available() -> bool:
    """Whether this tree has the inventory function this benchmark drives."""
    return (Path(ROOT) / "functions" / "inventory" / "app.py").is_file() and "InventoryFunction" in template.template()[
        "Resources"
    ]


def run(skus: int = 40, seed: int = 5) -> dict[str, Any]:
    rng = random.Random(seed)
    interval = stats.schedule_seconds(template.parameter_default("InventorySchedule"))
    names = [f"BENCH-SKU-{index:03d}" for index in range(skus)]
    on_hand = {name: rng.randint(1, 500) for name in names}
    with running_stack(PULL_INVENTORY="true", INVENTORY_SKU_SCOPE="", INVENTORY_DEFAULT_BUFFER="0") as stack:
        _seed(stack, on_hand)
        app = stack.inventory_app()
        first = _run_once(stack, app)
        rounds = []
        for changes in CHANGES_PER_ROUND:
            # Every picked SKU really changes: up or down by 1 to 50 units, never below zero.
            for sku in rng.sample(names, changes):
                step = rng.randint(1, 50)
                on_hand[sku] = on_hand[sku] + step if on_hand[sku] < step or rng.random() < 0.5 else on_hand[sku] - step
                _set_stock(stack, {sku: on_hand[sku]})
            rounds.append({"changed_skus": changes, **_run_once(stack, app)})
    return summarize(first, rounds, interval, skus)


def _seed(stack: Stack, on_hand: dict[str, int]) -> None:
    products = [
        {"title": name, "skus": [{"seller_sku": name, "inventory": [{"warehouse_id": WAREHOUSE_ID, "quantity": 0}]}]}
        for name in on_hand
    ]
    stack.tiktok_control.post("/_sandbox/products", {"products": products})
    _set_stock(stack, on_hand)


def _set_stock(stack: Stack, on_hand: dict[str, int]) -> None:
    stock = [{"sku": sku, "facilityId": int(FACILITY_ID), "onHand": units} for sku, units in on_hand.items()]
    stack.extensiv_control.post("/_sandbox/stock", {"stock": stock})


def _run_once(stack: Stack, app: Any) -> dict[str, Any]:
    stack.tiktok_control.session.delete(f"{stack.tiktok.url}/_sandbox/requests", timeout=10).raise_for_status()
    began = time.monotonic()
    response = app.handler({"action": "run"}, LambdaContext())
    elapsed = time.monotonic() - began
    log = stack.tiktok_control.get("/_sandbox/requests")["requests"]
    return {
        "run_s": round(elapsed, 3),
        "update_calls": stats.count_requests(log, "POST", UPDATE_INVENTORY),
        "tiktok_calls": len(log),
        "counts": response.get("counts", {}),
        "mismatched_skus": _mismatches(stack),
    }


def _mismatches(stack: Stack) -> list[str]:
    """SKUs whose TikTok quantity in the linked warehouse differs from Extensiv's available in the facility."""
    extensiv = {
        row["sku"]: int(row["available"])
        for row in stack.extensiv_control.get("/_sandbox/state")["stock"]
        if str(row["facilityId"]) == FACILITY_ID
    }
    tiktok = {
        row["seller_sku"]: row["available_quantity"]
        for row in stack.tiktok_control.get("/_sandbox/state")["inventory"]
        if row["warehouse_id"] == WAREHOUSE_ID
    }
    return sorted(sku for sku, units in extensiv.items() if re.match("BENCH-SKU-", sku) and tiktok.get(sku) != units)


def summarize(first: dict[str, Any], rounds: list[dict[str, Any]], interval: float, skus: int) -> dict[str, Any]:
    """Checks: update calls per changed SKU, calls when nothing changed, TikTok equal to Extensiv, stock latency."""
    changed = sum(entry["changed_skus"] for entry in rounds)
    updates = sum(entry["update_calls"] for entry in rounds)
    idle_updates = sum(entry["update_calls"] for entry in rounds if entry["changed_skus"] == 0)
    mismatched = sum(len(entry["mismatched_skus"]) for entry in [first, *rounds])
    worst_latency = interval + max(entry["run_s"] for entry in [first, *rounds])
    checks = [
        stats.equals(NAME, "update calls per changed SKU", stats.ratio(updates, changed), 1.0),
        stats.equals(NAME, "update calls when nothing changed", float(idle_updates), 0),
        stats.equals(NAME, "SKUs where TikTok != Extensiv after a run", float(mismatched), 0),
        stats.info(NAME, "worst-case stock latency (s)", worst_latency),
        stats.at_least(
            NAME, "hourly baseline/worst stock latency", stats.ratio(stats.HOURLY_BASELINE_S, worst_latency), 10.0
        ),
    ]
    details = {"skus": skus, "schedule_s": interval, "first_run": first, "rounds": rounds}
    return {"name": NAME, "checks": checks, "details": details}
