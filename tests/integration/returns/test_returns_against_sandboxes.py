"""Returns both ways with a moto hub and the real clients against both sandboxes over HTTP."""

from __future__ import annotations

import logging

import pytest
from return_intake import IntakeSettings, ReturnIntake
from return_receipts import ReceiptSettings, ReturnReceipts

from connector_common.direction import RunCounts
from hub.fulfillments import FulfillmentRepository
from hub.orders import OrderRepository
from hub.returns import ReturnHoldReason, ReturnRepository, ReturnState
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from tests.integration.returns.conftest import CUSTOMER_ID, FACILITY_ID, record_shipped_order


@pytest.fixture
def intake(hub, shop, warehouse) -> ReturnIntake:
    return ReturnIntake(
        returns=ReturnRepository(hub),
        orders=OrderRepository(hub),
        skus=SkuRepository(hub),
        fulfillments=FulfillmentRepository(hub),
        tiktok=shop.client,
        extensiv=warehouse.client,
        sync_state=SyncStateRepository(hub),
        settings=IntakeSettings(customer_id=CUSTOMER_ID),
    )


@pytest.fixture
def receipts(hub, shop, warehouse) -> ReturnReceipts:
    return ReturnReceipts(
        returns=ReturnRepository(hub),
        tiktok=shop.client,
        extensiv=warehouse.client,
        sync_state=SyncStateRepository(hub),
        settings=ReceiptSettings(),
    )


def run(direction) -> RunCounts:
    counts = RunCounts()
    direction.run(counts)
    return counts


def expected_return(shop, hub, intake, skus: dict[str, int], buyer_shipped: bool = True) -> tuple[str, str]:
    """GIVEN a shipped order in the hub and a return the buyer opened and (optionally) shipped,
    WHEN the intake runs, THEN Extensiv expects the return. Returns (order id, return id)."""
    order_id = shop.shipped_order(skus)
    record_shipped_order(hub, order_id)
    return_id = shop.open_return(order_id)
    shop.tick(2 if buyer_shipped else 1)
    run(intake)
    return order_id, return_id


# --- TikTok -> Extensiv ---------------------------------------------------------------------------


def test_parcel_return_becomes_one_extensiv_return_receiver_and_a_second_run_creates_nothing(
    shop, warehouse, hub, intake
):
    order_id = shop.shipped_order({"TEE-BLK-M": 2, "MUG-01": 1})
    record_shipped_order(hub, order_id)
    return_id = shop.open_return(order_id)
    shop.tick()  # the seller's approval: AWAITING_BUYER_SHIP

    first = run(intake)
    second = run(intake)

    receivers = warehouse.return_receivers()
    assert len(receivers) == 1
    receiver = receivers[0]
    assert receiver["referenceNum"] == f"RMA{return_id}"
    assert receiver["facilityId"] == int(FACILITY_ID)
    assert sorted((line["sku"], line["qty"]) for line in receiver["lines"]) == [
        ("3PL-TEE-BLACK-M", 2.0),
        ("MUG-01", 1.0),
    ]
    created = warehouse.client.get_receiver(receiver["receiverId"])
    assert (created.is_return, created.external_id) == (True, return_id)
    assert len(warehouse.requests_to("POST", "/inventory/receivers")) == 1
    assert (first["expected_created"], second["expected_created"]) == (1, 0)

    record = ReturnRepository(hub).get(return_id)
    assert (record.state, record.receiver_id, record.facility_id) == (
        ReturnState.EXPECTED,
        str(receiver["receiverId"]),
        FACILITY_ID,
    )
    assert record.order_id == order_id
    assert record.expected == {"3PL-TEE-BLACK-M": 2, "MUG-01": 1}
    assert sorted(line.master_sku for line in record.lines) == ["MUG-01", "TEE-BLK-M", "TEE-BLK-M"]


def test_pending_and_refund_only_returns_send_nothing_to_extensiv(shop, warehouse, hub, intake):
    refund_order = shop.shipped_order({"MUG-01": 1})
    pending_order = shop.shipped_order({"TEE-RED-S": 1})
    for order_id in (refund_order, pending_order):
        record_shipped_order(hub, order_id)
    refund_id = shop.open_return(refund_order, return_type="REFUND")
    pending_id = shop.open_return(pending_order)

    counts = run(intake)

    assert warehouse.return_receivers() == []
    returns = ReturnRepository(hub)
    assert (returns.get(refund_id).state, returns.get(refund_id).reason) == (ReturnState.RECORDED, "refund_only")
    assert (returns.get(pending_id).state, returns.get(pending_id).reason) == (ReturnState.RECORDED, "no_parcel_yet")
    assert counts["not_for_warehouse"] == 2


def test_lost_answer_after_the_receiver_was_created_is_adopted_not_created_again(shop, warehouse, hub, intake):
    order_id = shop.shipped_order({"TEE-RED-S": 1})
    record_shipped_order(hub, order_id)
    return_id = shop.open_return(order_id)
    shop.tick()
    # The receiver is created, but its answer never reaches the connector (as after a crash).
    warehouse.fault({"match": "^/inventory/receivers$", "method": "POST", "kind": "lost_response"})

    failed = run(intake)
    recovered = run(intake)

    assert (failed["failed"], recovered["expected_found"]) == (1, 1)
    assert len(warehouse.return_receivers()) == 1
    assert len(warehouse.requests_to("POST", "/inventory/receivers")) == 1
    assert ReturnRepository(hub).get(return_id).state == ReturnState.EXPECTED


def test_receipt_of_a_receiver_whose_creation_was_lost_is_adopted_with_it(shop, warehouse, hub, intake, receipts):
    order_id = shop.shipped_order({"TEE-RED-S": 1})
    record_shipped_order(hub, order_id)
    return_id = shop.open_return(order_id)
    shop.tick(2)
    warehouse.fault({"match": "^/inventory/receivers$", "method": "POST", "kind": "lost_response"})
    run(intake)
    # GIVEN the warehouse received the parcel before the connector learnt the receiver's id
    warehouse.receive(warehouse.return_receivers()[0]["receiverId"])

    early = run(receipts)
    adopted = run(intake)
    answered = run(receipts)

    assert early["receivers_not_recorded_yet"] == 1
    assert (adopted["expected_found"], adopted["receipts_recorded"]) == (1, 1)
    assert answered["approved"] == 1
    assert ReturnRepository(hub).get(return_id).state == ReturnState.APPROVED


def test_return_takes_the_facility_that_shipped_the_order(shop, warehouse, hub, intake):
    order_id = shop.shipped_order({"TEE-RED-S": 1})
    record_shipped_order(hub, order_id, facility_id="2")
    return_id = shop.open_return(order_id)
    shop.tick()

    run(intake)

    assert [receiver["facilityId"] for receiver in warehouse.return_receivers()] == [2]
    assert ReturnRepository(hub).get(return_id).facility_id == "2"


# --- orphans -------------------------------------------------------------------------------------


def test_orphan_return_is_recorded_and_reported_then_proceeds_once_the_order_is_known(
    shop, warehouse, hub, intake, caplog
):
    # GIVEN an order shipped before the connector knew it (not in the hub) and a return for it
    order_id = shop.shipped_order({"TEE-RED-S": 1})
    return_id = shop.open_return(order_id)
    shop.tick()

    with caplog.at_level(logging.ERROR, logger="return_intake"):
        first = run(intake)
        second = run(intake)

    returns = ReturnRepository(hub)
    record = returns.get(return_id)
    assert (record.state, record.reason, record.orphan) == (ReturnState.HELD, ReturnHoldReason.ORDER_UNKNOWN, True)
    assert [orphan.return_id for orphan in returns.list_orphans()] == [return_id]
    assert (first["orphans"], second["orphans"]) == (1, 1)
    reported = [entry for entry in caplog.records if getattr(entry, "return_id", None) == return_id]
    assert len(reported) == 1
    assert warehouse.return_receivers() == []

    # WHEN the order reaches the hub, THEN the next run sends the return on
    record_shipped_order(hub, order_id)
    run(intake)

    record = returns.get(return_id)
    assert (record.state, record.orphan) == (ReturnState.EXPECTED, False)
    assert len(warehouse.return_receivers()) == 1


# --- Extensiv -> TikTok ---------------------------------------------------------------------------


def test_receipt_moves_the_tiktok_return_forward_and_approves_it_once(shop, warehouse, hub, intake, receipts):
    _, return_id = expected_return(shop, hub, intake, {"TEE-BLK-M": 1, "MUG-01": 1})
    receiver_id = ReturnRepository(hub).get(return_id).receiver_id
    warehouse.receive(receiver_id)

    first = run(receipts)
    second = run(receipts)

    record = ReturnRepository(hub).get(return_id)
    assert record.state == ReturnState.APPROVED
    assert record.tiktok_action == "APPROVE_RECEIVED_PACKAGE"
    assert record.received == {"3PL-TEE-BLACK-M": 1, "MUG-01": 1}
    assert record.variance == {}
    assert shop.return_status(return_id) == "RETURN_OR_REFUND_REQUEST_SUCCESS"
    approvals = shop.requests_to(f"/returns/{return_id}/approve")
    assert len(approvals) == 1
    assert approvals[0]["query"]["idempotency_key"] == record.tiktok_action_key
    assert approvals[0]["body"] == '{"decision":"APPROVE_RECEIVED_PACKAGE"}'
    assert (first["receipts_recorded"], first["approved"], second["approved"]) == (1, 1, 0)


def test_receipt_before_tiktok_registers_the_parcel_waits_then_approves(shop, warehouse, hub, intake, receipts):
    _, return_id = expected_return(shop, hub, intake, {"TEE-RED-S": 1}, buyer_shipped=False)
    warehouse.receive(ReturnRepository(hub).get(return_id).receiver_id)

    waiting = run(receipts)
    shop.tick()  # the buyer's parcel is registered: BUYER_SHIPPED_ITEM
    approving = run(receipts)

    assert (waiting["waiting_on_tiktok"], approving["approved"]) == (1, 1)
    assert ReturnRepository(hub).get(return_id).state == ReturnState.APPROVED
    assert shop.return_status(return_id) == "RETURN_OR_REFUND_REQUEST_SUCCESS"


def test_shortfall_is_held_for_the_operator_and_nothing_is_rejected(shop, warehouse, hub, intake, receipts):
    _, return_id = expected_return(shop, hub, intake, {"TEE-BLK-M": 2})
    receiver_id = ReturnRepository(hub).get(return_id).receiver_id
    warehouse.receive(receiver_id, {"3PL-TEE-BLACK-M": 1})

    counts = run(receipts)
    run(receipts)

    record = ReturnRepository(hub).get(return_id)
    assert (record.state, record.reason) == (ReturnState.HELD, ReturnHoldReason.RECEIPT_SHORTFALL)
    assert record.reason_detail == "3PL-TEE-BLACK-M expected 2 received 1"
    assert record.received == {"3PL-TEE-BLACK-M": 1}
    assert record.variance == {"3PL-TEE-BLACK-M": -1}
    assert counts["held_receipt_shortfall"] == 1
    assert shop.return_status(return_id) == "BUYER_SHIPPED_ITEM"
    assert shop.requests_to(f"/returns/{return_id}/approve") == []
    assert shop.requests_to(f"/returns/{return_id}/reject") == []


def test_receiver_the_connector_did_not_create_is_left_alone(shop, warehouse, hub, receipts):
    from extensiv.models import ReceiverCreate, ReceiverLine

    created = warehouse.client.create_receiver(
        ReceiverCreate(
            customer_id=CUSTOMER_ID,
            facility_id=1,
            reference_num="WALK-IN-7",
            items=[ReceiverLine(sku="MUG-01", qty=1)],
            is_return=True,
        )
    )
    warehouse.receive(str(created.receiver_id))

    counts = run(receipts)

    assert (counts["receivers_seen"], counts["unmatched_receivers"]) == (1, 1)
    assert ReturnRepository(hub).list() == []
