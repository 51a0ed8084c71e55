"""Arrivals pushed to the Extensiv sandbox as receivers, exactly once, and their receipts pulled back."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from arrival_push import ArrivalPushIncomplete

from extensiv.models import ReceiverCreate, ReceiverLine
from hub.arrivals import ArrivalHoldReason, ArrivalState, arrival_counts
from tests.integration.arrivals.conftest import declaration
from tests.support.catalog_sandboxes import CUSTOMER_ID


def test_arrival_is_pushed_once_as_a_receiver_with_translated_skus(world):
    world.skus.set_channel_sku("CAP-BLUE", "EXT-CAP")
    world.declare(declaration(lines={"TEE-RED-S": 24, "CAP-BLUE": 6}))

    first = world.push()
    second = world.push()

    assert (first, second) == ({"pushed": 1}, {})
    (post,) = world.receiver_posts()
    body = json.loads(post["body"])
    assert (body["referenceNum"], body["facilityIdentifier"], body["isReturn"]) == ("PO-1001", {"id": 1}, False)
    assert body["expectedDate"] == "2025-07-01T00:00:00"
    assert body["receiveItems"] == [
        {"itemIdentifier": {"sku": "TEE-RED-S"}, "qty": 24},
        {"itemIdentifier": {"sku": "EXT-CAP"}, "qty": 6},
    ]
    record = world.arrivals.get("PO-1001")
    (receiver,) = world.sandboxes.receivers()
    assert (record.state, record.receiver_id) == (ArrivalState.PUSHED, str(receiver["receiverId"]))
    assert [(line.sku, line.extensiv_sku) for line in record.lines] == [
        ("TEE-RED-S", "TEE-RED-S"),
        ("CAP-BLUE", "EXT-CAP"),
    ]


def test_receipt_with_a_one_unit_shortfall_is_recorded_as_variance(world):
    # GIVEN the warehouse receives every receiver on its next tick, one unit short (the demo's setup)
    world.sandboxes.extensiv_control("config", {"receive_after_seconds": 0, "receipt_shortfall": 1})
    world.declare(declaration(lines={"TEE-RED-S": 24, "EXT-CAP": 12}))
    world.push()

    before = world.pull()
    world.sandboxes.extensiv_control("tick")
    after = world.pull()
    again = world.pull()

    assert "receipts_pulled" not in before
    assert before["receivers_open"] >= 1
    assert (after["receipts_pulled"], after["receipts_with_variance"], after["units_short"]) == (1, 1, 1)
    assert "receipts_pulled" not in again
    assert again["receipts_already_recorded"] == 1
    record = world.arrivals.get("PO-1001")
    assert record.state == ArrivalState.RECEIVED
    variances = {line.sku: line.variance for line in record.receipt.lines}
    assert sorted(variances.values()) == [Decimal(0), Decimal(1)]
    assert (record.receipt.expected_units, record.receipt.received_units) == (36, 35)
    counts = arrival_counts(world.hub)
    assert (counts["arrivals_pushed"], counts["receipts_pulled"], counts["receipt_variance_units"]) == (1, 1, 1)


def test_receipt_records_what_the_warehouse_counted_per_master_sku(world):
    world.skus.set_channel_sku("CAP-BLUE", "EXT-CAP")
    world.declare(declaration(lines={"TEE-RED-S": 24, "CAP-BLUE": 6}))
    world.push()
    receiver_id = world.arrivals.get("PO-1001").receiver_id

    world.receive(receiver_id, {"TEE-RED-S": 20, "EXT-CAP": 7})
    counts = world.pull()

    receipt = world.arrivals.get("PO-1001").receipt
    assert [(line.sku, line.extensiv_sku, line.expected, line.received, line.variance) for line in receipt.lines] == [
        ("TEE-RED-S", "TEE-RED-S", 24, 20, 4),
        ("CAP-BLUE", "EXT-CAP", 6, 7, -1),
    ]
    assert (counts["units_short"], counts["units_over"]) == (4, 1)


def test_create_whose_answer_was_lost_is_adopted_by_reference_not_sent_twice(world):
    world.declare(declaration())
    world.sandboxes.fault(match="^/inventory/receivers$", method="POST", kind="lost_response")

    with pytest.raises(ArrivalPushIncomplete, match="PO-1001"):
        world.push()
    assert world.arrivals.get("PO-1001").state == ArrivalState.SUBMITTING
    counts = world.push()

    assert counts == {"adopted": 1}
    assert len(world.receiver_posts()) == 1
    assert len(world.sandboxes.receivers()) == 1
    assert world.arrivals.get("PO-1001").state == ArrivalState.PUSHED


def test_receiver_already_in_extensiv_under_the_arrival_id_is_adopted(world):
    world.declare(declaration())
    existing = world.extensiv.create_receiver(
        ReceiverCreate(
            customer_id=CUSTOMER_ID,
            facility_id=1,
            reference_num="PO-1001",
            items=[ReceiverLine(sku="TEE-RED-S", qty=Decimal(24))],
        )
    )

    counts = world.push()

    assert counts == {"adopted": 1}
    assert world.arrivals.get("PO-1001").receiver_id == str(existing.receiver_id)
    assert len(world.sandboxes.receivers()) == 1


def test_arrival_with_a_sku_extensiv_lacks_is_held_then_pushed_once_the_item_exists(world):
    world.declare(declaration(lines={"NEW-SKU-1": 5}))

    held = world.push()
    record = world.arrivals.get("PO-1001")
    assert held == {"held": 1}
    assert (record.state, record.reason, record.reason_detail) == (
        ArrivalState.HELD,
        ArrivalHoldReason.UNKNOWN_SKU.value,
        "NEW-SKU-1",
    )

    world.sandboxes.extensiv_control("items", {"items": [{"sku": "NEW-SKU-1", "description": "New"}]})
    assert world.push() == {}  # not due yet
    world.clock[0] += 901
    assert world.push() == {"pushed": 1}


def test_resync_retries_held_arrivals_at_once(world):
    world.declare(declaration(lines={"NEW-SKU-1": 5}))
    world.push()
    world.sandboxes.extensiv_control("items", {"items": [{"sku": "NEW-SKU-1", "description": "New"}]})

    assert world.push(resync=True) == {"pushed": 1}


def test_return_and_foreign_receivers_are_not_receipts_of_an_arrival(world):
    world.declare(declaration())
    for reference, is_return in (("PO-1001", True), ("SOMEONE-ELSE", False)):
        created = world.extensiv.create_receiver(
            ReceiverCreate(
                customer_id=CUSTOMER_ID,
                facility_id=1,
                reference_num=reference,
                is_return=is_return,
                items=[ReceiverLine(sku="TEE-RED-S", qty=Decimal(1))],
            )
        )
        world.receive(created.receiver_id)

    counts = world.pull()

    assert counts == {"receivers_seen": 1, "receivers_not_ours": 1}
    assert world.arrivals.get("PO-1001").state == ArrivalState.NEW


def test_receipt_cursor_is_the_latest_receiver_date_and_the_next_pull_overlaps_it(world):
    world.declare(declaration())
    world.push()
    receiver = world.receive(world.arrivals.get("PO-1001").receiver_id)
    world.pull()
    cursor = world.sync_state.cursor("receipts_pull")

    world.pull()

    assert cursor == receiver["readOnly"]["lastModifiedDate"]
    query = world.sandboxes.requests_to("GET", "^/inventory/receivers$")[-1]["query"]
    assert query["receivertype"] == "0"
    assert "readOnly.lastModifiedDate=ge=" in query["rql"]
    since = query["rql"].split("readOnly.lastModifiedDate=ge=")[1].split(";")[0]
    assert since < cursor
