"""Returns in the demo: buyers open a few returns on shipped orders, the warehouse receives them.

For `make run` (local/run.py), against the two loopback sandboxes:

    opened = open_returns(tiktok_url, count=3, refund_only=1)      # once some orders have shipped
    received = receive_returns(extensiv_url, short_every=3)         # now and then afterwards
    counts = returns_summary(hub)   # {"returns_to_extensiv": ..., "returns_received": ...}

A REFUND-only request never reaches the warehouse; the others move on the TikTok sandbox's
return timer (PENDING -> AWAITING_BUYER_SHIP -> BUYER_SHIPPED_ITEM, `step_seconds` apart).
`receive_returns` receives each open return receiver with explicit quantities, so the Extensiv
sandbox's own `receipt_shortfall` (meant for arrivals) never applies to returns; every
`short_every`-th return comes back one unit short and is held for the operator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import requests

from hub.returns import ReturnRepository
from hub.table import HubTable

TIMEOUT = 10
RETURN_AND_REFUND = "RETURN_AND_REFUND"
REFUND_ONLY = "REFUND"


def returnable_order_ids(tiktok_state: Mapping[str, Any]) -> list[str]:
    """Orders with a shipped package and no return yet, oldest first."""
    shipped = {package["order_id"] for package in tiktok_state.get("packages", []) if package.get("shipped")}
    with_returns = {ret["order_id"] for ret in tiktok_state.get("returns", [])}
    orders = sorted(tiktok_state.get("orders", []), key=lambda order: (order.get("create_time") or 0, order["id"]))
    return [order["id"] for order in orders if order["id"] in shipped and order["id"] not in with_returns]


def open_returns(
    tiktok_url: str,
    count: int = 3,
    refund_only: int = 1,
    step_seconds: float = 15.0,
    session: requests.Session | None = None,
) -> list[dict[str, Any]]:
    """Open up to `count` returns on shipped orders (the first `refund_only` of them refund-only).

    Returns `[{"return_id", "order_id", "return_type"}]` for the returns opened.
    """
    http = session or requests
    state = _get(http, f"{tiktok_url}/_sandbox/state")
    opened = []
    for index, order_id in enumerate(returnable_order_ids(state)[:count]):
        return_type = REFUND_ONLY if index < refund_only else RETURN_AND_REFUND
        body = {"order_id": order_id, "return_type": return_type, "step_seconds": step_seconds}
        response = _post(http, f"{tiktok_url}/_sandbox/returns", body)
        opened.append({"return_id": response["return_id"], "order_id": order_id, "return_type": return_type})
    return opened


def receipts_to_make(extensiv_state: Mapping[str, Any], short_every: int = 3) -> list[dict[str, Any]]:
    """What the warehouse counts for each open return receiver: `{"receiver_id", "quantities"}`.

    Every `short_every`-th return receiver (by id, counting closed ones too, so the choice never
    changes between calls) is one unit short on its first line; 0 means never short.
    """
    returns = sorted(
        (receiver for receiver in extensiv_state.get("receivers", []) if receiver.get("isReturn")),
        key=lambda receiver: receiver["receiverId"],
    )
    receipts = []
    for position, receiver in enumerate(returns, start=1):
        if receiver.get("status") != 0 or not receiver.get("lines"):
            continue
        quantities = _quantities(receiver["lines"])
        if short_every and position % short_every == 0:
            first = receiver["lines"][0]["sku"]
            quantities[first] = max(0.0, quantities[first] - 1)
        receipts.append({"receiver_id": receiver["receiverId"], "quantities": quantities})
    return receipts


def receive_returns(
    extensiv_url: str, short_every: int = 3, session: requests.Session | None = None
) -> list[dict[str, Any]]:
    """Receive every open return receiver in the Extensiv sandbox; returns what was received."""
    http = session or requests
    receipts = receipts_to_make(_get(http, f"{extensiv_url}/_sandbox/state"), short_every)
    for receipt in receipts:
        url = f"{extensiv_url}/_sandbox/receivers/{receipt['receiver_id']}/receive"
        _post(http, url, {"quantities": receipt["quantities"]})
    return receipts


def returns_summary(hub: HubTable) -> dict[str, int]:
    """The two counts the `make run` summary shows for returns."""
    summary = ReturnRepository(hub).summary()
    return {"returns_to_extensiv": summary["returns_to_extensiv"], "returns_received": summary["returns_received"]}


def _quantities(lines: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    quantities: dict[str, float] = {}
    for line in lines:
        quantities[line["sku"]] = quantities.get(line["sku"], 0.0) + float(line["qty"])
    return quantities


def _get(http: Any, url: str) -> Any:
    response = http.get(url, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


def _post(http: Any, url: str, body: Any) -> Any:
    response = http.post(url, json=body, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()
