"""Cancellation rules that need an exact answer from either side: moto hub, small fakes."""

from __future__ import annotations

import json

import pytest
from buyer_cancellations import BuyerCancellations

from connector_common.direction import RunCounts
from extensiv.errors import error_from_response
from extensiv.models import ExtensivOrder
from hub.orders import OrderRepository, OrderState
from hub.sync_state import SyncStateRepository
from tests.support.factories import order_payload
from tiktok_shop.models import Cancellation, Order

ORDER_ID = "576461413038785752"
CANCEL_ID = "4035318504086604100"


class TikTokFake:
    """Cancellations to list and the order to read; approvals and rejections are recorded."""

    def __init__(self, *cancellations: Cancellation, order_status: str = "AWAITING_SHIPMENT") -> None:
        self.cancellations = list(cancellations)
        self.order = Order.model_validate(order_payload(order_id=ORDER_ID, status=order_status))
        self.answers: list[tuple[str, str, str]] = []

    def iter_cancellations(self, update_time_ge=None, order_ids=None):
        return [c for c in self.cancellations if order_ids is None or c.order_id in order_ids]

    def get_orders(self, ids):
        return [self.order]

    def approve_cancellation(self, cancel_id, idempotency_key):
        self.answers.append(("approve", cancel_id, idempotency_key))

    def reject_cancellation(self, cancel_id, reject_reason, idempotency_key, comment=None):
        self.answers.append(("reject", cancel_id, reject_reason))


class ExtensivFake:
    """The order's Extensiv parts; cancels are recorded, or refused with `refusal`."""

    def __init__(self, *parts: ExtensivOrder, refusal: Exception | None = None) -> None:
        self.parts = list(parts)
        self.refusal = refusal
        self.cancelled: list[int] = []

    def find_orders_by_reference(self, reference_num):
        return [part for part in self.parts if part.reference_num.startswith(reference_num)]

    def cancel_order(self, order_id, reason, etag=None):
        if self.refusal is not None:
            raise self.refusal
        self.cancelled.append(order_id)
        return True


def part(order_id: int, reference: str = ORDER_ID, status: int = 0, closed: bool = False) -> ExtensivOrder:
    return ExtensivOrder(order_id=order_id, reference_num=reference, status=status, is_closed=closed)


def cancellation(status: str = "CANCELLATION_REQUEST_PENDING", role: str = "BUYER") -> Cancellation:
    return Cancellation(
        cancel_id=CANCEL_ID, order_id=ORDER_ID, cancel_status=status, role=role, update_time=1_800_000_000
    )


@pytest.fixture
def orders(aws) -> OrderRepository:
    return OrderRepository(aws.hub)


@pytest.fixture
def submitted(orders):
    orders.observe(ORDER_ID, "AWAITING_SHIPMENT", 1, "7068517275539719942")
    orders.mark_submitted(orders.claim(ORDER_ID, 120), "50001", "1", how="created")


def run(aws, tiktok, extensiv) -> RunCounts:
    counts = RunCounts()
    BuyerCancellations(tiktok, extensiv, OrderRepository(aws.hub), SyncStateRepository(aws.hub)).run(counts)
    return counts


@pytest.mark.usefixtures("submitted")
def test_extensiv_refusing_the_cancel_because_the_order_closed_is_too_late(aws, orders):
    # GIVEN the order read open, then closed before the canceler ran (403 OrderConfirmed)
    body = json.dumps(
        {
            "$type": "WMS.V2.Generic.Models.Exceptions.OperationException, WMS.V2.Generic.Models",
            "ActionNameType": "Order",
            "ActionName": "Cancel",
            "ErrorCode": "OrderConfirmed",
            "Hint": "The order has been confirmed",
        }
    )
    tiktok = TikTokFake(cancellation())
    extensiv = ExtensivFake(part(50001), refusal=error_from_response(403, body))

    counts = run(aws, tiktok, extensiv)

    assert counts["too_late_to_cancel"] == 1
    assert tiktok.answers == [("reject", CANCEL_ID, "seller_reject_apply_product_has_been_packed")]
    assert orders.get(ORDER_ID).state == OrderState.SUBMITTED


@pytest.mark.usefixtures("submitted")
def test_every_open_part_of_a_split_order_is_cancelled(aws, orders):
    tiktok = TikTokFake(cancellation())
    extensiv = ExtensivFake(
        part(50001), part(50002, f"{ORDER_ID}-1"), part(50003, f"{ORDER_ID}-2", status=2, closed=True)
    )

    run(aws, tiktok, extensiv)

    assert extensiv.cancelled == [50001, 50002]
    assert orders.get(ORDER_ID).cancelled_by == "buyer"
    assert tiktok.answers == [("approve", CANCEL_ID, f"approve-{CANCEL_ID}")]


@pytest.mark.usefixtures("submitted")
def test_one_shipped_part_makes_the_whole_buyer_cancellation_too_late(aws):
    tiktok = TikTokFake(cancellation())
    extensiv = ExtensivFake(part(50001), part(50002, f"{ORDER_ID}-1", status=1, closed=True))

    counts = run(aws, tiktok, extensiv)

    assert counts["too_late_to_cancel"] == 1
    assert extensiv.cancelled == []


@pytest.mark.usefixtures("submitted")
def test_request_answered_already_is_not_answered_again(aws, orders):
    orders.record_cancel_response(ORDER_ID, CANCEL_ID, "approved")
    tiktok = TikTokFake(cancellation())
    extensiv = ExtensivFake(part(50001))

    run(aws, tiktok, extensiv)

    assert (tiktok.answers, extensiv.cancelled) == ([], [])


@pytest.mark.usefixtures("submitted")
def test_partial_seller_cancellation_leaves_the_extensiv_order_alone(aws, orders):
    tiktok = TikTokFake(cancellation("CANCELLATION_REQUEST_SUCCESS", role="SELLER"), order_status="AWAITING_SHIPMENT")
    extensiv = ExtensivFake(part(50001))

    counts = run(aws, tiktok, extensiv)

    assert counts["partial_cancellation"] == 1
    assert extensiv.cancelled == []
    assert orders.get(ORDER_ID).state == OrderState.SUBMITTED


def test_cancellation_of_an_order_not_handed_to_extensiv_is_left_to_the_shipping_requests(aws, orders):
    # An ON_HOLD buyer cancel: the order never reached the warehouse.
    orders.observe(ORDER_ID, "ON_HOLD", 1, None)
    tiktok = TikTokFake(cancellation("CANCELLATION_REQUEST_SUCCESS"))
    extensiv = ExtensivFake(part(50001))

    counts = run(aws, tiktok, extensiv)

    assert counts.values == {"cancellations_read": 1}
    assert (tiktok.answers, extensiv.cancelled) == ([], [])
    assert orders.get(ORDER_ID).state == OrderState.RECEIVED


def test_withdrawn_request_changes_nothing(aws, orders, submitted):
    tiktok = TikTokFake(cancellation("CANCELLATION_REQUEST_CANCELLED"))
    extensiv = ExtensivFake(part(50001))

    run(aws, tiktok, extensiv)

    assert (tiktok.answers, extensiv.cancelled) == ([], [])


def test_cursor_moves_to_the_newest_update_time_seen(aws, submitted):
    run(aws, TikTokFake(cancellation("CANCELLATION_REQUEST_CANCELLED")), ExtensivFake(part(50001)))

    assert SyncStateRepository(aws.hub).cursor("buyer_cancellations") == "1800000000"
