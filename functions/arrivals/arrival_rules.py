"""Pure rules of the arrivals direction: SKU translation, the receiver body and the variance of a
receipt. No I/O here. (The receipt cursors are hub.extensiv_feed's, one per facility.)
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from extensiv.models import Receiver, ReceiverCreate, ReceiverLine
from hub.arrivals import ArrivalLine, ArrivalRecord, Receipt, ReceiptLine
from hub.skus import SkuRecord


def extensiv_lines(lines: tuple[ArrivalLine, ...], skus: Mapping[str, SkuRecord]) -> tuple[ArrivalLine, ...]:
    """Each line with the SKU Extensiv knows it by: the channel SKU where the hub maps one.

    A SKU the hub does not know is sent as written (it may exist only in the warehouse).
    """
    return tuple(
        ArrivalLine(line.sku, line.quantity, skus[line.sku].extensiv_sku if line.sku in skus else line.sku)
        for line in lines
    )


def receiver_create_for(arrival: ArrivalRecord, lines: tuple[ArrivalLine, ...], customer_id: int) -> ReceiverCreate:
    """The Extensiv receiver of an arrival; its reference number is the arrival id.

    Lines that translate to the same Extensiv SKU are sent as one line.
    """
    quantities: dict[str, int] = {}
    for line in lines:
        sku = line.extensiv_sku or line.sku
        quantities[sku] = quantities.get(sku, 0) + int(line.quantity)
    # NOTE: ReceiverCreate has no supplier field (reference/extensiv.md §7.1); it goes in the notes.
    notes = f"Supplier: {arrival.supplier}" + (f"\n{arrival.notes}" if arrival.notes else "")
    return ReceiverCreate(
        customer_id=customer_id,
        facility_id=int(arrival.facility_id),
        reference_num=arrival.arrival_id,
        items=[ReceiverLine(sku=sku, qty=Decimal(qty)) for sku, qty in quantities.items()],
        expected_date=arrival.expected_date,
        po_num=arrival.po_number,
        notes=notes,
        carrier=arrival.carrier,
        tracking_number=arrival.tracking_number,
    )


def receipt_for(arrival: ArrivalRecord, receiver: Receiver) -> Receipt:
    """What the warehouse received against what the arrival announced, per SKU.

    SKUs are compared without case (Extensiv matches SKUs that way, reference §8.5). A SKU the
    warehouse received but the arrival did not list shows with expected 0; a listed SKU the
    receiver lacks shows as received 0.
    """
    expected: dict[str, tuple[str, str, Decimal]] = {}
    for line in arrival.lines:
        extensiv_sku = line.extensiv_sku or line.sku
        key = extensiv_sku.casefold()
        master_sku, _, quantity = expected.get(key, (line.sku, extensiv_sku, Decimal(0)))
        expected[key] = (master_sku, extensiv_sku, quantity + Decimal(int(line.quantity)))

    received: dict[str, tuple[str, Decimal]] = {}
    for item in receiver.items:
        sku = item.sku or ""
        key = sku.casefold()
        spelled, quantity = received.get(key, (sku, Decimal(0)))
        received[key] = (spelled, quantity + item.qty)

    lines = [
        ReceiptLine(master_sku, extensiv_sku, quantity, received.get(key, ("", Decimal(0)))[1])
        for key, (master_sku, extensiv_sku, quantity) in expected.items()
    ]
    lines += [
        ReceiptLine(spelled, spelled, Decimal(0), quantity)
        for key, (spelled, quantity) in received.items()
        if key not in expected
    ]
    arrival_date = receiver.arrival_date or receiver.last_modified_date
    return Receipt(str(receiver.receiver_id), tuple(lines), arrival_date)
