"""Factories for TikTok orders, webhook bodies and hub records used across tests."""

from __future__ import annotations

import itertools
import json
import zlib
from typing import Any

from tiktok_shop.models import Order
from tiktok_shop.signing import webhook_signature

TIKTOK_SECRET = {
    "app_key": "test-app-key",
    "app_secret": "test-app-secret",
    "access_token": "TTP_test_access",
    "refresh_token": "TTP_test_refresh",
    "shop_id": "7495540735365777507",
    "shop_cipher": "ROW_test_cipher",
}
EXTENSIV_SECRET = {
    "client_id": "test-client",
    "client_secret": "test-client-secret",
    "customer_id": 12,
    "user_id": "1523",
}

WAREHOUSE_ID = "7068517275539719942"
FACILITY_ID = "1"
_ids = itertools.count(576461413038785752)


def address(**overrides: Any) -> dict[str, Any]:
    """A shippable US recipient address in the documented shape (reference §4.1.2)."""
    value = {
        "name": "Dana Example",
        "first_name": "Dana",
        "last_name": "Example",
        "phone_number": "(+1)555-0100",
        "address_line1": "100 Test Street",
        "address_line2": "Unit 4",
        "postal_code": "89501",
        "region_code": "US",
        "full_address": "100 Test Street, Reno, NV 89501",
        "district_info": [
            {"address_level_name": "Country", "address_name": "United States", "address_level": "L0"},
            {"address_level_name": "State", "address_name": "NV", "address_level": "L1"},
            {"address_level_name": "County", "address_name": "Washoe", "address_level": "L2"},
            {"address_level_name": "City", "address_name": "Reno", "address_level": "L3"},
        ],
    }
    value.update(overrides)
    return value


def order_payload(
    order_id: str | None = None,
    status: str = "AWAITING_SHIPMENT",
    skus: dict[str, int] | None = None,
    warehouse_id: str | None = WAREHOUSE_ID,
    fulfillment_type: str = "FULFILLMENT_BY_SELLER",
    recipient_address: dict[str, Any] | None | str = "default",
    update_time: int = 1_700_000_000,
    **overrides: Any,
) -> dict[str, Any]:
    """An order as Get Order Detail returns it: one line item per unit (reference §4.1.4)."""
    order_id = order_id or str(next(_ids))
    skus = skus if skus is not None else {"TSHIRT-RED-L": 2, "MUG-01": 1}
    line_ids = itertools.count(1)
    line_items = [
        {
            "id": f"{order_id}{next(line_ids):03d}",
            "sku_id": f"17295929697122{zlib.crc32(sku.encode()) % 100000:05d}",
            "product_id": "1729592969712207008",
            "seller_sku": sku,
            "product_name": f"Product {sku}",
            "sale_price": "19.99",
            "currency": "USD",
            "display_status": "AWAITING_SHIPMENT",
        }
        for sku, units in skus.items()
        for _ in range(units)
    ]
    if recipient_address == "default":
        recipient_address = address() if status not in ("UNPAID", "ON_HOLD") else None
    payload = {
        "id": order_id,
        "status": status,
        "fulfillment_type": fulfillment_type,
        "shipping_type": "SELLER",
        "warehouse_id": warehouse_id,
        "create_time": update_time - 3600,
        "update_time": update_time,
        "paid_time": update_time - 3500,
        "is_on_hold_order": status == "ON_HOLD",
        "is_buyer_request_cancel": False,
        "recipient_address": recipient_address or {},
        "line_items": line_items,
    }
    payload.update(overrides)
    return payload


def tiktok_order(**kwargs: Any) -> Order:
    return Order.model_validate(order_payload(**kwargs))


def webhook_body(
    order_id: str, status: str = "AWAITING_SHIPMENT", timestamp: int = 1_700_000_000, **extra: Any
) -> bytes:
    """A compact order-status webhook body (samples/tiktok/webhook-01-order-status-change.json shape)."""
    body = {
        "type": 1,
        "tts_notification_id": extra.pop("notification_id", f"n-{order_id}-{status}"),
        "shop_id": TIKTOK_SECRET["shop_id"],
        "timestamp": timestamp,
        "data": {
            "is_on_hold_order": status == "ON_HOLD",
            "order_id": order_id,
            "order_status": status,
            "update_time": timestamp,
            **extra,
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


def signed(body: bytes, secret: dict[str, Any] = TIKTOK_SECRET) -> str:
    return webhook_signature(secret["app_key"], secret["app_secret"], body)


def api_gateway_event(body: bytes, authorization: str | None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return {
        "resource": "/webhooks/tiktok",
        "path": "/webhooks/tiktok",
        "httpMethod": "POST",
        "headers": headers,
        "requestContext": {"requestId": "req-1", "stage": "Prod"},
        "body": body.decode(),
        "isBase64Encoded": False,
    }
