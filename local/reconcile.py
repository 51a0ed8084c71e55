"""The reconciliation report: TikTok against Extensiv, order by order, from the sandboxes and the hub.

Pure: it takes the sandboxes' `/_sandbox/state` bodies and hub order records and returns
the summary `make run` prints as its last line. `routable` is what TikTok says should reach
the warehouse (seller-fulfilled, past the buyer's hold, not cancelled inside it, from a linked
warehouse, every SKU known to Extensiv), independent of what the connector did.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from hub.orders import OrderRecord, OrderState

NOT_YET_SHIPPABLE = {"UNPAID", "ON_HOLD"}


def routable_order_ids(
    tiktok_state: Mapping[str, Any],
    linked_warehouses: set[str],
    extensiv_skus: set[str],
    channel_skus: Mapping[str, str],
    cancelled_in_hold: set[str],
) -> set[str]:
    """Orders TikTok releases to the seller that the warehouse can fulfil."""
    routable = set()
    for order in tiktok_state["orders"]:
        if order["fulfillment_type"] != "FULFILLMENT_BY_SELLER" or order["status"] in NOT_YET_SHIPPABLE:
            continue
        if order["id"] in cancelled_in_hold or order["warehouse_id"] not in linked_warehouses:
            continue
        skus = {
            channel_skus.get(line["seller_sku"].strip(), line["seller_sku"].strip()) for line in order["line_items"]
        }
        if skus <= extensiv_skus:
            routable.add(order["id"])
    return routable


def summarize(
    tiktok_state: Mapping[str, Any],
    extensiv_state: Mapping[str, Any],
    hub_orders: Iterable[OrderRecord],
    routable: set[str],
    dead_lettered: int,
    customer_id: int | None = None,
) -> dict[str, Any]:
    """The reconciliation summary; `missing` and `duplicates` must both be zero for a clean run."""
    tiktok_ids = {order["id"] for order in tiktok_state["orders"]}
    extensiv_orders = [
        order
        for order in extensiv_state["orders"]
        if customer_id is None or order.get("customerId", customer_id) == customer_id
    ]
    per_reference = Counter(order["referenceNum"] for order in extensiv_orders)
    records = list(hub_orders)
    held = Counter(record.reason or "unknown" for record in records if record.state == OrderState.HELD)
    states = Counter(record.state.value for record in records)

    hold_ends = {order["id"]: order.get("hold_until") for order in tiktok_state["orders"]}
    latencies = [
        record.submitted_at - hold_ends[record.order_id]
        for record in records
        if record.submitted_at and hold_ends.get(record.order_id)
    ]
    return {
        "tiktok_orders": len(tiktok_ids),
        "routable": len(routable),
        "extensiv_orders": len(per_reference),
        "routable_in_extensiv": len(routable & set(per_reference)),
        "missing": sorted(routable - set(per_reference)),
        "unexpected_in_extensiv": sorted(set(per_reference) - routable),
        "duplicates": sum(count - 1 for count in per_reference.values() if count > 1),
        "held": dict(sorted(held.items())),
        "hub_states": dict(sorted(states.items())),
        "dead_lettered": dead_lettered,
        "hold_end_to_extensiv_s": _distribution(latencies),
    }


def _distribution(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "median": round(statistics.median(values), 1),
        "max": round(max(values), 1),
        "count": len(values),
    }


def fulfillment_summary(
    tiktok_state: Mapping[str, Any],
    extensiv_state: Mapping[str, Any],
    hub_orders: Iterable[OrderRecord],
    too_late: Iterable[OrderRecord],
) -> dict[str, Any]:
    """Shipped Extensiv orders against tracking on TikTok, and who cancelled what."""
    shipped = {order["referenceNum"] for order in extensiv_state["orders"] if order.get("status") == 1}
    with_tracking = {
        package["order_id"]
        for package in tiktok_state.get("packages", [])
        if package.get("shipped") and package.get("tracking_number")
    }
    reasons = Counter(record.reason for record in hub_orders if record.state == OrderState.CANCELLED)
    return {
        "shipped": len(shipped),
        "tracking_on_tiktok": len(shipped & with_tracking),
        "shipped_without_tracking_on_tiktok": sorted(shipped - with_tracking),
        "cancelled_by_buyer": reasons.get("cancelled_by_buyer", 0),
        "cancelled_by_warehouse": reasons.get("cancelled_by_warehouse", 0),
        "cancelled_in_hold": reasons.get("cancelled_on_tiktok", 0),
        "too_late_to_cancel": len(list(too_late)),
    }
