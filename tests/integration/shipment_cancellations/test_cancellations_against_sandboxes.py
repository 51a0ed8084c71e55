"""Shipment cancellations both ways over HTTP, with the real clients against both sandboxes.

Each test hands a TikTok sandbox order to the Extensiv sandbox with the real shipping-request
flow, then cancels it on one side and runs the direction that carries it to the other.
"""

from __future__ import annotations

import logging

from buyer_cancellations import BuyerCancellations
from fulfillment_pull import FulfillmentPull
from fulfillment_push import FulfillmentPush
from warehouse_cancellations import WarehouseCancellations

from connector_common.direction import RunCounts
from hub.orders import OrderState

CANCEL_ORDER = r"^/return_refund/202309/cancellations$"
CANCELER = r"^/orders/\d+/canceler$"


def warehouse_pass(world) -> RunCounts:
    counts = RunCounts()
    WarehouseCancellations(world.extensiv, world.tiktok, world.orders, world.sync_state).run(counts)
    return counts


def buyer_pass(world) -> RunCounts:
    counts = RunCounts()
    BuyerCancellations(world.tiktok, world.extensiv, world.orders, world.sync_state).run(counts)
    return counts


def cancellation(world, cancel_id: str) -> dict:
    return next(c for c in world.tiktok_state()["cancellations"] if c["cancel_id"] == cancel_id)


def test_warehouse_cancellation_reaches_tiktok_with_a_reason_tiktok_accepts(world):
    order = world.place_order({"TEE-RED-S": 1, "MUG-01": 1})
    extensiv_id = world.submit(order.id)
    world.warehouse_cancel(extensiv_id)

    counts = warehouse_pass(world)

    assert (counts["cancelled_by_warehouse"], counts["cancelled_on_tiktok"]) == (1, 1)
    assert world.tiktok_order(order.id).status == "CANCELLED"
    [sent] = world.tiktok_requests("POST", CANCEL_ORDER)
    assert '"cancel_reason":"seller_cancel_reason_out_of_stock"' in sent["body"]
    assert f'"order_id":"{order.id}"' in sent["body"]
    record = world.orders.get(order.id)
    assert (record.state, record.reason, record.cancelled_by) == (
        OrderState.CANCELLED,
        "cancelled_by_warehouse",
        "warehouse",
    )
    assert record.tiktok_cancel_status == "CANCELLATION_REQUEST_SUCCESS"


def test_warehouse_cancellation_is_sent_to_tiktok_once(world):
    order = world.place_order({"MUG-01": 1})
    world.warehouse_cancel(world.submit(order.id))
    warehouse_pass(world)

    again = warehouse_pass(world)

    assert again["cancelled_on_tiktok"] == 0
    assert len(world.tiktok_requests("POST", CANCEL_ORDER)) == 1


def test_warehouse_cancellation_after_a_failed_cancel_searches_before_cancelling_again(world):
    # GIVEN TikTok applied the cancel but the connector saw a 5xx (no idempotency key there)
    order = world.place_order({"MUG-01": 1})
    world.warehouse_cancel(world.submit(order.id))
    world.lose_tiktok_responses("POST", CANCEL_ORDER)
    first = warehouse_pass(world)
    assert first["failed"] == 1

    # WHEN the next pass reads the order again, THEN it sees the cancellation and sends nothing
    second = warehouse_pass(world)

    assert second["already_cancelled_on_tiktok"] == 1
    assert len(world.tiktok_requests("POST", CANCEL_ORDER)) == 1
    assert world.orders.get(order.id).state == OrderState.CANCELLED


def test_buyer_cancellation_before_shipping_cancels_the_extensiv_order_with_if_match(world):
    order = world.place_order({"TEE-RED-S": 2})
    extensiv_id = world.submit(order.id)
    cancel_id = world.buyer_cancel(order.id)

    counts = buyer_pass(world)

    assert (counts["cancelled_by_buyer"], counts["requests_approved"]) == (1, 1)
    assert world.extensiv_order(extensiv_id)["status"] == 2
    # The sandbox answers 428 without If-Match and 412 for a stale one, as Extensiv does.
    [canceler] = world.extensiv_requests("POST", CANCELER)
    assert canceler["headers"]["if-match"]
    assert '"reason"' in canceler["body"]
    assert cancellation(world, cancel_id)["status"] == "CANCELLATION_REQUEST_SUCCESS"
    [approval] = world.tiktok_requests("POST", rf"/cancellations/{cancel_id}/approve$")
    assert approval["query"]["idempotency_key"] == f"approve-{cancel_id}"
    assert world.tiktok_order(order.id).status == "CANCELLED"
    record = world.orders.get(order.id)
    assert (record.state, record.cancelled_by, record.cancel_request_response) == (
        OrderState.CANCELLED,
        "buyer",
        "approved",
    )


def test_buyer_cancellation_carried_to_extensiv_is_not_sent_back_as_a_warehouse_cancellation(world):
    order = world.place_order({"TEE-RED-S": 1})
    world.submit(order.id)
    world.buyer_cancel(order.id)
    buyer_pass(world)

    counts = warehouse_pass(world)

    assert counts["cancelled_on_tiktok"] == 0
    assert world.tiktok_requests("POST", CANCEL_ORDER) == []
    assert world.orders.get(order.id).cancelled_by == "buyer"


def test_buyer_cancellation_after_shipping_is_recorded_too_late_rejected_and_logged(world, caplog):
    order = world.place_order({"TEE-RED-S": 1})
    extensiv_id = world.submit(order.id)
    world.ship(extensiv_id)
    FulfillmentPull(world.extensiv, world.orders, world.fulfillments, world.skus, world.sync_state).run(RunCounts())
    cancel_id = world.buyer_cancel(order.id)

    with caplog.at_level(logging.ERROR):
        counts = buyer_pass(world)

    assert (counts["too_late_to_cancel"], counts["requests_rejected"]) == (1, 1)
    record = world.orders.get(order.id)
    assert (record.state, record.too_late_to_cancel, record.too_late_cancel_id) == (
        OrderState.SHIPPED,
        True,
        cancel_id,
    )
    assert [r.order_id for r in world.orders.list_too_late_to_cancel()] == [order.id]
    assert cancellation(world, cancel_id)["status"] == "CANCELLATION_REQUEST_CANCELLED"
    [rejection] = world.tiktok_requests("POST", rf"/cancellations/{cancel_id}/reject$")
    assert '"reject_reason":"seller_reject_apply_product_has_been_packed"' in rejection["body"]
    assert world.extensiv_requests("POST", CANCELER) == []
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and "after the warehouse shipped" in r.message]
    assert [getattr(r, "order_id", None) for r in errors] == [order.id]

    # AND once the request is answered, the tracking goes out (TikTok blocks it while pending)
    pushed = RunCounts()
    FulfillmentPush(world.tiktok, world.orders, world.fulfillments, world.carrier_overrides, world.skus).run(pushed)
    assert pushed["packages_pushed"] == 1


def test_too_late_is_reported_once_not_on_every_pass(world, caplog):
    order = world.place_order({"MUG-01": 1})
    world.ship(world.submit(order.id))
    world.buyer_cancel(order.id)
    buyer_pass(world)
    caplog.clear()

    with caplog.at_level(logging.ERROR):
        again = buyer_pass(world)

    assert again["too_late_to_cancel"] == 0
    assert [r for r in caplog.records if "after the warehouse shipped" in r.message] == []


def test_extensiv_order_closed_between_read_and_cancel_is_too_late(world):
    # GIVEN the hub still has the order as submitted (the pull has not seen the shipment)
    order = world.place_order({"CAP-BLK": 1})
    world.ship(world.submit(order.id))
    cancel_id = world.buyer_cancel(order.id)

    counts = buyer_pass(world)

    assert counts["too_late_to_cancel"] == 1
    assert world.orders.get(order.id).too_late_cancel_id == cancel_id
    assert world.extensiv_requests("POST", CANCELER) == []


def test_cancellation_tiktok_completed_by_itself_stops_the_shipment(world):
    # GIVEN TikTok cancelled the order on its own (e.g. a system cancel), nobody asked the seller
    order = world.place_order({"TEE-RED-S": 1})
    extensiv_id = world.submit(order.id)
    world.tiktok_control_status(order.id, "CANCELLED")

    counts = buyer_pass(world)

    assert counts["cancelled_by_tiktok"] == 1
    assert world.extensiv_order(extensiv_id)["status"] == 2
    assert world.orders.get(order.id).cancelled_by == "tiktok"


def test_warehouse_cancellation_approves_a_pending_buyer_request_instead_of_a_seller_cancel(world):
    # GIVEN the buyer asked to cancel and the warehouse cancelled on its own before the connector ran
    order = world.place_order({"TEE-RED-S": 1})
    world.warehouse_cancel(world.submit(order.id))
    cancel_id = world.buyer_cancel(order.id)

    counts = warehouse_pass(world)

    # THEN no seller-fault cancellation: the buyer's request is approved
    assert counts["cancelled_on_tiktok"] == 1
    assert world.tiktok_requests("POST", CANCEL_ORDER) == []
    assert cancellation(world, cancel_id)["status"] == "CANCELLATION_REQUEST_SUCCESS"
    assert world.tiktok_order(order.id).status == "CANCELLED"
    record = world.orders.get(order.id)
    assert (record.cancelled_by, record.cancel_request_response) == ("warehouse", "approved")
