"""The pure returns rules: which returns need the warehouse, what Extensiv expects, what TikTok hears."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from return_intake import order_id_of_event
from return_rules import (
    APPROVE_RECEIVED_PACKAGE,
    IntakeAction,
    ReceiptAction,
    decide_intake,
    decide_on_receipt,
    expected_quantities,
    facts_from_tiktok,
    needs_warehouse,
    pick_facility,
    receipt_variance,
    received_quantities,
    receiver_for,
    receiver_reference,
    return_id_from_reference,
)

from extensiv.models import ReceiverItem
from hub.orders import OrderState
from hub.returns import ReturnHoldReason, ReturnLine, ReturnState, approval_key
from hub.skus import SkuRecord
from tests.support.returns import order_record, return_record
from tiktok_shop.models import ReturnPage

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tiktok"
# reference/extensiv.md §8.8: the suffix Extensiv gives split orders.
SPLIT_SUFFIX = re.compile(r"-\d+$")


# --- which returns need the warehouse ---------------------------------------------------------


@pytest.mark.parametrize(
    ("return_type", "status", "expected"),
    [
        ("RETURN_AND_REFUND", "AWAITING_BUYER_SHIP", True),
        ("RETURN_AND_REFUND", "BUYER_SHIPPED_ITEM", True),
        ("REPLACEMENT", "BUYER_SHIPPED_ITEM", True),
        ("RETURN_AND_REFUND", "RETURN_OR_REFUND_REQUEST_PENDING", False),
        ("RETURN_AND_REFUND", "RETURN_OR_REFUND_REQUEST_SUCCESS", False),
        ("REFUND", "AWAITING_BUYER_SHIP", False),
        ("REFUND", "RETURN_OR_REFUND_REQUEST_PENDING", False),
        ("RETURN_AND_REFUND", "SOME_FUTURE_STATUS", False),
    ],
)
def test_needs_warehouse_only_when_a_parcel_comes_back(return_type, status, expected):
    assert needs_warehouse(return_type, status) is expected


def test_facts_from_tiktok_read_the_documented_search_sample():
    document = json.loads((FIXTURES / "return-search-202309.response.json").read_text())
    ret = ReturnPage.model_validate(document["data"]).return_orders[0]

    facts = facts_from_tiktok(ret)

    assert (facts.return_id, facts.order_id) == ("4035318504086604100", "577686530908261117")
    assert facts.return_type == "REFUND"
    assert facts.tiktok_status == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert facts.lines == [
        ReturnLine("576473917261451851", "PUTIH 1 TALI", 1, return_line_item_id="4035227657962164811")
    ]
    assert (facts.tracking_number, facts.carrier) == ("213456789098765433456", "J&T Express")


# --- lines, SKUs and the receiver body --------------------------------------------------------


def test_expected_quantities_count_one_unit_per_line_item_in_extensiv_skus():
    lines = [ReturnLine(f"L{n}", sku) for n, sku in enumerate(["TEE-BLK-M", "TEE-BLK-M", "MUG-01"])]
    skus = {"TEE-BLK-M": SkuRecord("TEE-BLK-M", channel_sku="3PL-TEE-BLACK-M")}

    expected, missing = expected_quantities(lines, skus)

    assert expected == {"3PL-TEE-BLACK-M": 2, "MUG-01": 1}
    assert missing == []


def test_expected_quantities_name_lines_without_a_seller_sku():
    expected, missing = expected_quantities([ReturnLine("L1", None), ReturnLine("L2", "MUG-01")], {})

    assert (expected, missing) == ({"MUG-01": 1}, ["L1"])


def test_receiver_reference_cannot_be_read_as_a_split_order_and_names_the_return():
    reference = receiver_reference("4035318504086604100")

    assert not SPLIT_SUFFIX.search(reference)
    assert not reference.isdigit()
    assert return_id_from_reference(reference) == "4035318504086604100"


@pytest.mark.parametrize("reference", [None, "", "PO-778", "576461413038785752-R1", "RMA-12", "RMAabc"])
def test_return_id_from_reference_ignores_receivers_the_connector_did_not_create(reference):
    assert return_id_from_reference(reference) is None


def test_receiver_for_builds_an_expected_return_with_the_order_reference_and_tracking():
    record = return_record(order_id="576461413038785752", tracking_number="9400111202555842332669", carrier="USPS")

    body = receiver_for(record, {"3PL-TEE-BLACK-M": 2, "MUG-01": 1}, "2", customer_id=12).to_body()

    assert body == {
        "customerIdentifier": {"id": 12},
        "facilityIdentifier": {"id": 2},
        "referenceNum": "RMA4035318504086604100",
        "isReturn": True,
        "receiveItems": [
            {"itemIdentifier": {"sku": "3PL-TEE-BLACK-M"}, "qty": 2},
            {"itemIdentifier": {"sku": "MUG-01"}, "qty": 1},
        ],
        "transactionEntryType": 4,
        "poNum": "576461413038785752",
        "externalId": "4035318504086604100",
        "notes": "TikTok Shop return 4035318504086604100 of order 576461413038785752",
        "carrier": "USPS",
        "trackingNumber": "9400111202555842332669",
    }


def test_receiver_for_leaves_tracking_out_until_tiktok_knows_it():
    body = receiver_for(return_record(), {"MUG-01": 1}, "1", customer_id=12).to_body()

    assert "trackingNumber" not in body
    assert "carrier" not in body


@pytest.mark.parametrize(
    ("routed", "shipped", "expected"),
    [
        ("1", [], "1"),
        ("1", ["2"], "2"),
        ("1", ["2", "1"], "1"),
        (None, [], None),
        (None, ["3"], "3"),
    ],
)
def test_pick_facility_prefers_the_facility_that_shipped_the_order(routed, shipped, expected):
    assert pick_facility(routed, shipped) == expected


# --- the intake decision ------------------------------------------------------------------------


def test_decide_intake_creates_for_a_parcel_return_of_a_shipped_order():
    record = return_record(skus={"TEE-BLK-M": 2})
    skus = {"TEE-BLK-M": SkuRecord("TEE-BLK-M", channel_sku="3PL-TEE-BLACK-M")}

    decision = decide_intake(record, order_record(facility_id="1"), skus, shipped_facility_ids=["2"])

    assert decision.action == IntakeAction.CREATE
    assert (decision.facility_id, decision.expected) == ("2", {"3PL-TEE-BLACK-M": 2})


def test_decide_intake_holds_an_orphan_return_that_needs_the_warehouse():
    decision = decide_intake(return_record(), None, {})

    assert decision.action == IntakeAction.HOLD
    assert decision.reason == ReturnHoldReason.ORDER_UNKNOWN.value
    assert decision.orphan


def test_decide_intake_flags_an_orphan_refund_without_holding_it():
    decision = decide_intake(return_record(return_type="REFUND", status="RETURN_OR_REFUND_REQUEST_PENDING"), None, {})

    assert (decision.action, decision.reason, decision.orphan) == (IntakeAction.WAIT, "refund_only", True)


@pytest.mark.parametrize(
    ("return_type", "status", "reason"),
    [
        ("REFUND", "AWAITING_BUYER_SHIP", "refund_only"),
        ("RETURN_AND_REFUND", "RETURN_OR_REFUND_REQUEST_PENDING", "no_parcel_yet"),
    ],
)
def test_decide_intake_waits_while_no_parcel_is_coming(return_type, status, reason):
    decision = decide_intake(return_record(return_type=return_type, status=status), order_record(), {})

    assert (decision.action, decision.reason, decision.orphan) == (IntakeAction.WAIT, reason, False)


@pytest.mark.parametrize("status", ["RETURN_OR_REFUND_REQUEST_CANCEL", "REFUND_OR_RETURN_REQUEST_REJECT"])
def test_decide_intake_closes_a_return_tiktok_closed(status):
    decision = decide_intake(return_record(status=status), order_record(), {})

    assert (decision.action, decision.detail) == (IntakeAction.CLOSE, status)


def test_decide_intake_closes_a_return_of_an_order_the_warehouse_did_not_ship():
    order = order_record(state=OrderState.SKIPPED, facility_id=None, reason="not_seller_fulfilled")

    decision = decide_intake(return_record(), order, {})

    assert (decision.action, decision.reason) == (IntakeAction.CLOSE, "not_shipped_by_warehouse")


def test_decide_intake_holds_a_return_of_an_order_never_sent_to_extensiv():
    order = order_record(state=OrderState.HELD, facility_id=None)

    decision = decide_intake(return_record(), order, {})

    assert (decision.action, decision.reason) == (IntakeAction.HOLD, ReturnHoldReason.ORDER_NOT_IN_EXTENSIV.value)


def test_decide_intake_holds_a_return_line_without_a_seller_sku():
    record = replace(return_record(), lines=[ReturnLine("576461413038785752001", None)])

    decision = decide_intake(record, order_record(), {})

    assert (decision.action, decision.reason) == (IntakeAction.HOLD, ReturnHoldReason.MISSING_SKU.value)
    assert decision.detail == "576461413038785752001"


def test_decide_intake_closes_an_expected_return_that_tiktok_closed():
    record = return_record(state=ReturnState.EXPECTED, status="RETURN_OR_REFUND_REQUEST_CANCEL", receiver_id="7001")

    decision = decide_intake(record, order_record(), {})

    assert decision.action == IntakeAction.CLOSE


def test_decide_intake_leaves_a_return_with_a_receiver_alone():
    record = return_record(state=ReturnState.EXPECTED, status="BUYER_SHIPPED_ITEM", receiver_id="7001")

    assert decide_intake(record, order_record(), {}).action == IntakeAction.SKIP


# --- receipts and the TikTok answer ----------------------------------------------------------


def test_received_quantities_match_expected_skus_without_case():
    items = [ReceiverItem(sku="3pl-tee-black-m", qty=Decimal(1)), ReceiverItem(sku="3PL-TEE-BLACK-M", qty=Decimal(1))]

    assert received_quantities({"3PL-TEE-BLACK-M": 2}, items) == {"3PL-TEE-BLACK-M": Decimal(2)}


def test_receipt_variance_lists_only_skus_that_differ():
    variance = receipt_variance({"A": 2, "B": 1}, {"A": Decimal(1), "B": Decimal(1), "C": Decimal(1)})

    assert variance == {"A": Decimal(-1), "C": Decimal(1)}


def test_decide_on_receipt_approves_a_complete_receipt_of_a_shipped_parcel():
    decision = decide_on_receipt({"A": 2}, {"A": 2}, "BUYER_SHIPPED_ITEM")

    assert (decision.action, decision.decision) == (ReceiptAction.APPROVE, APPROVE_RECEIVED_PACKAGE)


def test_decide_on_receipt_waits_while_tiktok_has_not_registered_the_parcel():
    decision = decide_on_receipt({"A": 1}, {"A": 1}, "AWAITING_BUYER_SHIP")

    assert decision.action == ReceiptAction.WAIT


@pytest.mark.parametrize("status", ["BUYER_SHIPPED_ITEM", "AWAITING_BUYER_SHIP"])
def test_decide_on_receipt_holds_a_shortfall_for_the_operator_and_never_rejects(status):
    decision = decide_on_receipt({"A": 2, "B": 1}, {"A": 1, "B": 1}, status)

    assert decision.action == ReceiptAction.HOLD
    assert decision.reason == ReturnHoldReason.RECEIPT_SHORTFALL.value
    assert decision.detail == "A expected 2 received 1"
    assert decision.decision is None


def test_decide_on_receipt_holds_items_nobody_expected():
    decision = decide_on_receipt({"A": 1}, {"A": 1, "Z": 1}, "BUYER_SHIPPED_ITEM")

    assert (decision.action, decision.reason) == (ReceiptAction.HOLD, ReturnHoldReason.RECEIPT_UNEXPECTED_ITEMS.value)
    assert decision.detail == "Z expected 0 received 1"


def test_decide_on_receipt_keeps_an_unknown_status_as_an_opaque_string():
    decision = decide_on_receipt({"A": 1}, {"A": 1}, "EXCHANGE_REQUEST_PENDING_NEW")

    assert decision.action == ReceiptAction.HOLD
    assert decision.reason == ReturnHoldReason.TIKTOK_STATUS_NOT_ACTIONABLE.value
    assert decision.detail == "EXCHANGE_REQUEST_PENDING_NEW"


def test_decide_on_receipt_closes_a_return_tiktok_closed():
    assert decide_on_receipt({"A": 1}, {"A": 1}, "RETURN_OR_REFUND_REQUEST_CANCEL").action == ReceiptAction.CLOSE


def test_decide_on_receipt_recognises_its_own_approval_after_a_crash():
    decision = decide_on_receipt({"A": 1}, {"A": 1}, "RETURN_OR_REFUND_REQUEST_SUCCESS", approval_requested=True)

    assert decision.action == ReceiptAction.ALREADY_APPROVED


def test_approval_key_is_stable_per_return_and_decision():
    first = approval_key("4035318504086604100", APPROVE_RECEIVED_PACKAGE)

    assert first == approval_key("4035318504086604100", APPROVE_RECEIVED_PACKAGE)
    assert first != approval_key("4035318504086604101", APPROVE_RECEIVED_PACKAGE)
    assert 0 < len(first) <= 255


# --- forwarded webhook events ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"order_id": "576486316948490001", "return_id": "4035318504086604100", "source": "webhook_return"}',
        '{"type": 12, "shop_id": "1", "timestamp": 1, "data": {"order_id": 576486316948490001, "return_id": "1"}}',
    ],
)
def test_order_id_of_event_reads_the_trigger_or_the_webhook_envelope(body):
    assert order_id_of_event(body) == "576486316948490001"


@pytest.mark.parametrize("body", ["not json", "{}", '{"data": {}}', "[]"])
def test_order_id_of_event_refuses_a_body_without_an_order(body):
    with pytest.raises(ValueError, match="return event"):
        order_id_of_event(body)
