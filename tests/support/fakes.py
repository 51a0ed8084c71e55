"""Small in-memory stand-ins for the two API clients, one behaviour each, for flow unit tests.

Integration tests use the real clients against the sandboxes over HTTP; these fakes only
keep flow tests fast and let a test script an exact failure (a 5xx, a crash after create).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from extensiv.errors import error_from_response
from extensiv.models import ExtensivOrder, OrderCreate
from tiktok_shop.models import Order


class FakeTikTok:
    """Answers Get Order Detail and Search Orders from a dict of orders."""

    def __init__(self, *orders: Order) -> None:
        self.orders = {order.id: order for order in orders}
        self.detail_calls: list[list[str]] = []

    def put(self, order: Order) -> None:
        self.orders[order.id] = order

    def get_orders(self, ids: list[str]) -> list[Order]:
        self.detail_calls.append(list(ids))
        return [self.orders[order_id] for order_id in ids if order_id in self.orders]

    def iter_orders_updated_since(self, update_time_ge: int, update_time_lt: int | None = None) -> Iterator[Order]:
        for order in sorted(self.orders.values(), key=lambda order: order.update_time or 0):
            update_time = order.update_time or 0
            if update_time >= update_time_ge and (update_time_lt is None or update_time < update_time_lt):
                yield order


class FakeExtensiv:
    """Keeps created orders by reference number and rejects a second one, as Extensiv does."""

    def __init__(self, known_skus: set[str] | None = None) -> None:
        self.orders: dict[str, ExtensivOrder] = {}
        self.bodies: list[dict] = []
        self.known_skus = known_skus
        self.fail_next_creates: list[Exception] = []
        self.crash_after_next_create = False
        self.lookups: list[str] = []

    def create_order(self, order: OrderCreate) -> ExtensivOrder:
        body = order.to_body()
        self.bodies.append(body)
        if self.fail_next_creates:
            raise self.fail_next_creates.pop(0)
        if order.reference_num in self.orders:
            raise error_from_response(400, _model_validation("Duplicate", "ReferenceNum", order.reference_num))
        for line in order.order_items:
            if self.known_skus is not None and line.sku not in self.known_skus:
                raise error_from_response(400, _model_validation("DoesNotExist", "ItemIdentifier.Sku", line.sku))
        created = ExtensivOrder(
            order_id=1000 + len(self.orders),
            reference_num=order.reference_num,
            facility_id=order.facility_id,
            customer_id=order.customer_id,
        )
        self.orders[order.reference_num] = created
        if self.crash_after_next_create:
            self.crash_after_next_create = False
            raise SimulatedCrash("the function died after Extensiv created the order")
        return created

    def find_order_by_reference(self, reference_num: str) -> ExtensivOrder | None:
        self.lookups.append(reference_num)
        return self.orders.get(reference_num)


class SimulatedCrash(BaseException):  # noqa: N818 - like a Lambda timeout: nothing catches it
    """Raised to model the process dying between the Extensiv call and the hub write."""


def server_error() -> Exception:
    return error_from_response(503, "Service Unavailable")


def _model_validation(code: str, name: str, value: str) -> str:
    return json.dumps(
        {
            "$type": "WMS.V2.Generic.Models.Exceptions.ModelValidationException, WMS.V2.Generic.Models",
            "ModelType": "Order",
            "Properties": [{"Name": name, "Value": value}],
            "ErrorCode": code,
            "Hint": f"{name} {value}: {code}",
        }
    )
