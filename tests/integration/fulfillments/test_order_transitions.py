"""The order states fulfillments and cancellations add: shipped, fulfilled, cancelled by whom,
and the too-late-to-cancel record (moto hub)."""

from __future__ import annotations

import pytest

from hub.errors import TransitionRejected
from hub.orders import CancelledBy, OrderRepository, OrderState

ORDER_ID = "576461413038785752"


@pytest.fixture
def orders(aws) -> OrderRepository:
    return OrderRepository(aws.hub)


def submitted(orders: OrderRepository, order_id: str = ORDER_ID) -> None:
    orders.observe(order_id, "AWAITING_SHIPMENT", 1_800_000_000, "7068517275539719942")
    claim = orders.claim(order_id, 120)
    orders.mark_submitted(claim, "50001", "1", how="created")


def test_submitted_order_moves_to_shipped_then_fulfilled_with_audit(orders):
    submitted(orders)

    shipped = orders.mark_shipped(ORDER_ID, "50001", "2026-12-04T08:15:00")
    fulfilled = orders.mark_fulfilled(ORDER_ID, packages=2)

    assert (shipped.state, fulfilled.state) == (OrderState.SHIPPED, OrderState.FULFILLED)
    assert fulfilled.shipped_at is not None
    assert fulfilled.fulfilled_at is not None
    events = [entry["event"] for entry in orders.audit_trail(ORDER_ID)]
    assert events[-2:] == ["shipped", "fulfilled"]


def test_only_a_submitted_order_can_be_marked_shipped(orders):
    orders.observe(ORDER_ID, "AWAITING_SHIPMENT", 1, None)

    with pytest.raises(TransitionRejected):
        orders.mark_shipped(ORDER_ID, "50001", None)


def test_fulfilled_order_is_not_fulfilled_twice(orders):
    submitted(orders)
    orders.mark_fulfilled(ORDER_ID, packages=1)

    with pytest.raises(TransitionRejected):
        orders.mark_fulfilled(ORDER_ID, packages=1)


@pytest.mark.parametrize("by", [CancelledBy.WAREHOUSE, CancelledBy.BUYER])
def test_submitted_order_is_cancelled_saying_who_cancelled(orders, by):
    submitted(orders)

    record = orders.cancel_after_hand_off(ORDER_ID, by, "detail")

    assert (record.state, record.reason, record.cancelled_by) == (OrderState.CANCELLED, by.reason, by.value)


def test_shipped_order_cannot_be_cancelled(orders):
    submitted(orders)
    orders.mark_shipped(ORDER_ID, "50001", None)

    with pytest.raises(TransitionRejected):
        orders.cancel_after_hand_off(ORDER_ID, CancelledBy.BUYER)
    assert orders.get(ORDER_ID).state == OrderState.SHIPPED


def test_too_late_to_cancel_is_recorded_once_per_cancellation_and_listed(orders):
    submitted(orders)
    orders.mark_shipped(ORDER_ID, "50001", None)

    first = orders.record_too_late_to_cancel(ORDER_ID, "4035318504086604100", "shipped")
    again = orders.record_too_late_to_cancel(ORDER_ID, "4035318504086604100", "shipped")

    assert (first, again) == (True, False)
    record = orders.get(ORDER_ID)
    assert (record.state, record.too_late_to_cancel, record.too_late_cancel_id) == (
        OrderState.SHIPPED,
        True,
        "4035318504086604100",
    )
    assert [r.order_id for r in orders.list_too_late_to_cancel()] == [ORDER_ID]
    events = [entry["event"] for entry in orders.audit_trail(ORDER_ID)]
    assert events.count("too_late_to_cancel") == 1


def test_cancel_request_and_its_answer_are_kept_on_the_order(orders):
    submitted(orders)

    orders.note_cancel_request(ORDER_ID, "4035318504086604100")
    record = orders.record_cancel_response(ORDER_ID, "4035318504086604100", "approved")

    assert (record.cancel_request_id, record.cancel_request_response, record.state) == (
        "4035318504086604100",
        "approved",
        OrderState.SUBMITTED,
    )


def test_annotating_an_unknown_order_is_rejected(orders):
    with pytest.raises(TransitionRejected):
        orders.note_cancel_request("404", "1")
