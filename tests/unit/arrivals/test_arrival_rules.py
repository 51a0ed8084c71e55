"""Pure arrival rules: SKU translation, the receiver body, receipt variance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from arrival_rules import extensiv_lines, receipt_for, receiver_create_for

from extensiv.models import Receiver
from hub.arrivals import ArrivalLine, ArrivalRecord, ArrivalSpec, ArrivalState, ReceiptLine
from hub.skus import SkuRecord


def arrival(*lines: ArrivalLine, notes: str | None = None) -> ArrivalRecord:
    return ArrivalRecord(
        arrival_id="PO-1001",
        state=ArrivalState.PUSHED,
        supplier="Acme Apparel",
        expected_date="2025-07-01T00:00:00",
        facility_id="1",
        lines=lines or (ArrivalLine("TEE-1", 24, "TEE-1"),),
        po_number="PO-77",
        notes=notes,
    )


def receiver(*lines: tuple[str, float], status: int = 1) -> Receiver:
    return Receiver.model_validate(
        {
            "readOnly": {"receiverId": 31, "status": status, "lastModifiedDate": "2025-07-02T10:00:00"},
            "referenceNum": "PO-1001",
            "arrivalDate": "2025-07-02T09:30:00",
            "receiveItems": [{"itemIdentifier": {"sku": sku}, "qty": qty} for sku, qty in lines],
        }
    )


# --- translation and the receiver body -------------------------------------------------------------


def test_lines_translate_through_channel_skus_and_keep_unknown_skus():
    skus = {"TEE-BLK-M": SkuRecord("TEE-BLK-M", channel_sku="3PL-TEE-BLACK-M"), "MUG-1": SkuRecord("MUG-1")}

    lines = extensiv_lines((ArrivalLine("TEE-BLK-M", 24), ArrivalLine("MUG-1", 6), ArrivalLine("NEW-9", 2)), skus)

    assert [(line.sku, line.extensiv_sku) for line in lines] == [
        ("TEE-BLK-M", "3PL-TEE-BLACK-M"),
        ("MUG-1", "MUG-1"),
        ("NEW-9", "NEW-9"),
    ]


def test_receiver_body_carries_the_arrival_id_facility_date_and_extensiv_skus():
    record = arrival(
        ArrivalLine("TEE-BLK-M", 24, "3PL-TEE-BLACK-M"), ArrivalLine("MUG-1", 6, "MUG-1"), notes="2 pallets"
    )

    body = receiver_create_for(record, record.lines, customer_id=12).to_body()

    assert body["referenceNum"] == "PO-1001"
    assert body["customerIdentifier"] == {"id": 12}
    assert body["facilityIdentifier"] == {"id": 1}
    assert (body["expectedDate"], body["poNum"], body["isReturn"]) == ("2025-07-01T00:00:00", "PO-77", False)
    assert body["receiveItems"] == [
        {"itemIdentifier": {"sku": "3PL-TEE-BLACK-M"}, "qty": 24},
        {"itemIdentifier": {"sku": "MUG-1"}, "qty": 6},
    ]
    assert body["notes"] == "Supplier: Acme Apparel\n2 pallets"


def test_receiver_body_sends_one_line_per_extensiv_sku():
    record = arrival(ArrivalLine("TEE-A", 2, "EXT-TEE"), ArrivalLine("TEE-B", 3, "EXT-TEE"))

    body = receiver_create_for(record, record.lines, customer_id=12).to_body()

    assert body["receiveItems"] == [{"itemIdentifier": {"sku": "EXT-TEE"}, "qty": 5}]


# --- variance ----------------------------------------------------------------------------------------


def test_shortfall_is_a_positive_variance_per_sku():
    record = arrival(ArrivalLine("TEE-BLK-M", 24, "3PL-TEE-BLACK-M"), ArrivalLine("MUG-1", 12, "MUG-1"))

    receipt = receipt_for(record, receiver(("3PL-TEE-BLACK-M", 23), ("MUG-1", 12)))

    assert receipt.lines == (
        ReceiptLine("TEE-BLK-M", "3PL-TEE-BLACK-M", Decimal(24), Decimal(23)),
        ReceiptLine("MUG-1", "MUG-1", Decimal(12), Decimal(12)),
    )
    assert [line.variance for line in receipt.lines] == [Decimal(1), Decimal(0)]
    assert (receipt.expected_units, receipt.received_units, receipt.variance_units) == (36, 35, 1)
    assert receipt.has_variance
    assert (receipt.receiver_id, receipt.arrival_date) == ("31", "2025-07-02T09:30:00")


def test_overage_is_a_negative_variance():
    receipt = receipt_for(arrival(), receiver(("TEE-1", 25)))

    assert receipt.lines[0].variance == Decimal(-1)


def test_exact_receipt_has_no_variance():
    receipt = receipt_for(arrival(), receiver(("TEE-1", 24)))

    assert not receipt.has_variance
    assert receipt.variance_units == 0


def test_skus_match_without_case_and_split_lines_add_up():
    receipt = receipt_for(arrival(), receiver(("tee-1", 10), ("TEE-1", 13)))

    assert [(line.sku, line.received, line.variance) for line in receipt.lines] == [("TEE-1", 23, 1)]


def test_sku_received_but_not_announced_shows_with_nothing_expected():
    receipt = receipt_for(arrival(), receiver(("TEE-1", 24), ("SURPRISE-1", 3)))

    assert receipt.lines[1] == ReceiptLine("SURPRISE-1", "SURPRISE-1", Decimal(0), Decimal(3))
    assert receipt.lines[1].variance == Decimal(-3)


def test_sku_announced_but_missing_from_the_receiver_counts_as_not_received():
    record = arrival(ArrivalLine("TEE-1", 24, "TEE-1"), ArrivalLine("MUG-1", 6, "MUG-1"))

    receipt = receipt_for(record, receiver(("TEE-1", 24)))

    assert [(line.sku, line.received, line.variance) for line in receipt.lines] == [("TEE-1", 24, 0), ("MUG-1", 0, 6)]


def test_variance_of_a_line_never_pushed_uses_the_master_sku():
    record = arrival(ArrivalLine("TEE-1", 4))

    receipt = receipt_for(record, receiver(("TEE-1", 4)))

    assert receipt.lines[0].extensiv_sku == "TEE-1"


# --- the declaration itself --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"arrival_id": " "}, "arrival_id is required"),
        ({"lines": ()}, "at least one line"),
        ({"lines": (ArrivalLine("A", 1), ArrivalLine("A", 2))}, "each SKU may appear once"),
        ({"lines": (ArrivalLine("A", 0),)}, "quantity above zero"),
    ],
)
def test_arrival_spec_refuses_an_invalid_declaration(changes, message):
    fields = {
        "arrival_id": "PO-1",
        "supplier": "Acme",
        "expected_date": "2025-07-01T00:00:00",
        "facility_id": "1",
        "lines": (ArrivalLine("A", 1),),
    }

    with pytest.raises(ValueError, match=message):
        ArrivalSpec(**{**fields, **changes})
