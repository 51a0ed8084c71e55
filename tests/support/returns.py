"""Factories for TikTok returns (Search Returns shape, reference §4.6) and hub return records."""

from __future__ import annotations

import itertools
from typing import Any

from hub.orders import OrderRecord, OrderState
from hub.returns import ReturnLine, ReturnRecord, ReturnState
from tiktok_shop.models import ReturnOrder

_return_ids = itertools.count(4035318504086604100)


def return_payload(
    order_id: str,
    skus: dict[str, int] | None = None,
    return_id: str | None = None,
    return_type: str = "RETURN_AND_REFUND",
    status: str = "AWAITING_BUYER_SHIP",
    update_time: int = 1_700_000_000,
    tracking_number: str = "",
    provider_name: str = "",
) -> dict[str, Any]:
    """One `return_orders[]` entry: one return line item per returned unit."""
    return_id = return_id or str(next(_return_ids))
    skus = skus if skus is not None else {"TSHIRT-RED-L": 1}
    line_numbers = itertools.count(1)
    lines = []
    for sku, units in skus.items():
        for _ in range(units):
            number = next(line_numbers)
            lines.append(
                {
                    "return_line_item_id": f"{return_id[:6]}{number:03d}",
                    "order_line_item_id": f"{order_id}{number:03d}",
                    "sku_id": "1729592969712201234",
                    "seller_sku": sku,
                    "sku_name": "Standard",
                    "product_name": f"Product {sku}",
                }
            )
    return {
        "order_id": order_id,
        "return_id": return_id,
        "return_type": return_type,
        "return_status": status,
        "role": "BUYER",
        "return_tracking_number": tracking_number,
        "return_provider_name": provider_name,
        "return_line_items": lines,
        "create_time": update_time - 600,
        "update_time": update_time,
    }


def tiktok_return(order_id: str, **kwargs: Any) -> ReturnOrder:
    return ReturnOrder.model_validate(return_payload(order_id, **kwargs))


def return_record(
    order_id: str = "576461413038785752",
    skus: dict[str, int] | None = None,
    state: ReturnState = ReturnState.RECORDED,
    return_type: str = "RETURN_AND_REFUND",
    status: str = "AWAITING_BUYER_SHIP",
    **fields: Any,
) -> ReturnRecord:
    skus = skus if skus is not None else {"TSHIRT-RED-L": 1}
    lines = [
        ReturnLine(order_line_item_id=f"{order_id}{index:03d}", master_sku=sku)
        for index, sku in enumerate((sku for sku, units in skus.items() for _ in range(units)), start=1)
    ]
    values: dict[str, Any] = {
        "return_id": "4035318504086604100",
        "order_id": order_id,
        "state": state,
        "return_type": return_type,
        "tiktok_status": status,
        "lines": lines,
        **fields,
    }
    return ReturnRecord(**values)


def order_record(
    order_id: str = "576461413038785752",
    state: OrderState = OrderState.SUBMITTED,
    facility_id: str | None = "1",
    **fields: Any,
) -> OrderRecord:
    return OrderRecord(order_id=order_id, state=state, facility_id=facility_id, **fields)
