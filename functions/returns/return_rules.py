"""Pure rules of the returns flow: which returns need the warehouse, what Extensiv should expect,
and what to tell TikTok once the warehouse has counted what came back.

No I/O here. The intake and the receipts pull gather what the rules need (the return as the
hub keeps it, the hub's order, SKU records, facilities that shipped the order, the receiver)
and act on the decision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from extensiv.models import ReceiverCreate, ReceiverItem, ReceiverLine
from hub.orders import OrderRecord, OrderState
from hub.returns import ReturnHoldReason, ReturnLine, ReturnRecord, ReturnState, TikTokReturn
from hub.skus import SkuRecord
from tiktok_shop.models import ReturnOrder

REFUND_ONLY = "REFUND"
BUYER_SHIPPED_ITEM = "BUYER_SHIPPED_ITEM"
APPROVE_RECEIVED_PACKAGE = "APPROVE_RECEIVED_PACKAGE"
# NOTE: reference/tiktok-shop.md §4.6: a parcel is on its way (or about to be) in these
# statuses; the warehouse should expect it. A REFUND-only request never has a parcel.
PARCEL_STATUSES = frozenset({"AWAITING_BUYER_SHIP", BUYER_SHIPPED_ITEM})
# Still waiting for the buyer: a receipt that arrives now is approved once TikTok catches up.
WAITING_STATUSES = frozenset({"RETURN_OR_REFUND_REQUEST_PENDING", "AWAITING_BUYER_SHIP"})
# NOTE: reference §4.6: the search enum, the hsib19 misspelling, the newer replacement and
# exchange statuses and the overview page's older vocabulary all end a return. Any status not
# listed anywhere here is kept as an opaque string and never treated as closed.
SUCCESS_STATUSES = frozenset(
    {"RETURN_OR_REFUND_REQUEST_SUCCESS", "RETURN_OR_REFUND_REQUEST_COMPLETE", "REQUEST_SUCCESS"}
)
CLOSED_STATUSES = SUCCESS_STATUSES | frozenset(
    {
        "REFUND_OR_RETURN_REQUEST_REJECT",
        "RETURN_OR_REFUND_REQUEST_REJECT",
        "REJECT_RECEIVE_PACKAGE",
        "RETURN_OR_REFUND_REQUEST_CANCEL",
        "RETURN_OR_REFUND_REQUEST_CANCELLED",
        "REPLACEMENT_REQUEST_REJECT",
        "REPLACEMENT_REQUEST_REFUND_SUCCESS",
        "REPLACEMENT_REQUEST_CANCEL",
        "REPLACEMENT_REQUEST_COMPLETE",
        "EXCHANGE_REQUEST_CANCEL",
        "EXCHANGE_REQUEST_COMPLETE",
        "EXCHANGE_REQUEST_REFUND_SUCCESS",
        "REQUEST_REJECTED",
        "RECEIVE_REJECTED",
        "RETURN_OR_REFUND_CANCEL",
    }
)
# NOTE: Extensiv marks split ORDERS with `-<digits>` suffixes (reference/extensiv.md §8.8).
# Receivers are another resource, but a reference that ends in digits after a hyphen could
# still be read as a split by a person or a tool, so the return id follows the prefix directly.
RECEIVER_PREFIX = "RMA"


def receiver_reference(return_id: str) -> str:
    """The Extensiv `referenceNum` of a return's receiver: `RMA<TikTok return id>`."""
    return f"{RECEIVER_PREFIX}{return_id}"


def return_id_from_reference(reference_num: str | None) -> str | None:
    """The TikTok return id a receiver reference names, or None when the connector did not create it."""
    if not reference_num or not reference_num.startswith(RECEIVER_PREFIX):
        return None
    return_id = reference_num[len(RECEIVER_PREFIX) :]
    return return_id if return_id.isdigit() else None


def facts_from_tiktok(ret: ReturnOrder) -> TikTokReturn:
    """The hub's view of a TikTok return: one unit per returned line item (reference §4.1.4)."""
    lines = [
        ReturnLine(
            order_line_item_id=line.order_line_item_id,
            master_sku=(line.seller_sku or "").strip() or None,
            quantity=1,
            return_line_item_id=line.return_line_item_id,
        )
        for line in ret.return_line_items
    ]
    return TikTokReturn(
        return_id=ret.return_id,
        order_id=ret.order_id,
        return_type=ret.return_type,
        tiktok_status=ret.return_status,
        update_time=ret.update_time,
        lines=lines,
        tracking_number=(ret.return_tracking_number or "").strip() or None,
        carrier=(ret.return_provider_name or "").strip() or None,
    )


def is_closed_on_tiktok(status: str | None) -> bool:
    return status in CLOSED_STATUSES


def needs_warehouse(return_type: str | None, status: str | None) -> bool:
    """A parcel comes back: any return but a refund-only one, once the buyer is told to ship it."""
    return return_type != REFUND_ONLY and status in PARCEL_STATUSES


def expected_quantities(lines: Iterable[ReturnLine], skus: Mapping[str, SkuRecord]) -> tuple[dict[str, int], list[str]]:
    """Units per Extensiv SKU (the channel SKU where one is set), and the lines without a seller SKU."""
    expected: dict[str, int] = defaultdict(int)
    missing: list[str] = []
    for line in lines:
        if not line.master_sku:
            missing.append(line.order_line_item_id or "?")
            continue
        record = skus.get(line.master_sku)
        extensiv_sku = record.extensiv_sku if record else line.master_sku
        expected[extensiv_sku] += line.quantity
    return dict(sorted(expected.items())), missing


def pick_facility(order_facility_id: str | None, shipped_facility_ids: Iterable[str]) -> str | None:
    """The facility the parcel goes back to: the one that shipped the order, else the routed one.

    NOTE: an Extensiv order (and its split parts) lives in one facility; when recorded shipments
    disagree, the facility the order was routed to wins if it is among them.
    """
    shipped = sorted({str(facility) for facility in shipped_facility_ids if facility})
    if len(shipped) == 1:
        return shipped[0]
    if shipped:
        return order_facility_id if order_facility_id in shipped else shipped[0]
    return order_facility_id


def receiver_for(
    record: ReturnRecord,
    expected: Mapping[str, int],
    facility_id: str,
    customer_id: int,
) -> ReceiverCreate:
    """The expected return in Extensiv: a receiver flagged `isReturn` (reference/extensiv.md §7.3).

    The TikTok order id goes in `poNum`, the return id in `externalId`; the return parcel's
    carrier and tracking number go along when TikTok knows them.
    """
    return ReceiverCreate(
        customer_id=customer_id,
        facility_id=int(facility_id),
        reference_num=receiver_reference(record.return_id),
        items=[ReceiverLine(sku=sku, qty=Decimal(quantity)) for sku, quantity in sorted(expected.items())],
        is_return=True,
        po_num=record.order_id,
        external_id=record.return_id,
        notes=f"TikTok Shop return {record.return_id} of order {record.order_id}",
        carrier=record.carrier,
        tracking_number=record.tracking_number,
    )


class IntakeAction(StrEnum):
    CREATE = "create"
    WAIT = "wait"
    CLOSE = "close"
    HOLD = "hold"
    SKIP = "skip"


@dataclass(frozen=True)
class IntakeDecision:
    action: IntakeAction
    reason: str | None = None
    detail: str | None = None
    orphan: bool = False
    facility_id: str | None = None
    expected: dict[str, int] = field(default_factory=dict)

    @classmethod
    def hold(cls, reason: ReturnHoldReason, detail: str | None = None, orphan: bool = False) -> IntakeDecision:
        return cls(IntakeAction.HOLD, reason.value, detail, orphan=orphan)


def decide_intake(
    record: ReturnRecord,
    order: OrderRecord | None,
    skus: Mapping[str, SkuRecord],
    shipped_facility_ids: Iterable[str] = (),
) -> IntakeDecision:
    """Apply the intake rules in the order an operator would check them."""
    if record.is_final:
        return IntakeDecision(IntakeAction.SKIP, record.state.value)
    if record.receiver_id:
        if record.state == ReturnState.EXPECTED and is_closed_on_tiktok(record.tiktok_status):
            return IntakeDecision(IntakeAction.CLOSE, "closed_on_tiktok", record.tiktok_status)
        return IntakeDecision(IntakeAction.SKIP, "receiver_exists")
    if record.state == ReturnState.CREATING:
        return IntakeDecision(IntakeAction.SKIP, "being_created")
    if is_closed_on_tiktok(record.tiktok_status):
        return IntakeDecision(IntakeAction.CLOSE, "closed_on_tiktok", record.tiktok_status)

    orphan = order is None
    if not needs_warehouse(record.return_type, record.tiktok_status):
        reason = "refund_only" if record.return_type == REFUND_ONLY else "no_parcel_yet"
        return IntakeDecision(IntakeAction.WAIT, reason, record.tiktok_status, orphan=orphan)
    if order is None:
        return IntakeDecision.hold(ReturnHoldReason.ORDER_UNKNOWN, f"order {record.order_id}", orphan=True)
    if order.state == OrderState.SKIPPED:
        # Not shipped by the warehouse (fulfilled by TikTok, or shipped before the connector).
        return IntakeDecision(IntakeAction.CLOSE, "not_shipped_by_warehouse", order.reason)

    facility_id = pick_facility(order.facility_id, shipped_facility_ids)
    if facility_id is None:
        return IntakeDecision.hold(ReturnHoldReason.ORDER_NOT_IN_EXTENSIV, f"order state {order.state.value}")
    expected, missing = expected_quantities(record.lines, skus)
    if missing or not expected:
        return IntakeDecision.hold(ReturnHoldReason.MISSING_SKU, ",".join(missing) or "no lines")
    return IntakeDecision(IntakeAction.CREATE, facility_id=facility_id, expected=expected)


# --- receipts ---------------------------------------------------------------------------------


def received_quantities(expected: Mapping[str, int], items: Iterable[ReceiverItem]) -> dict[str, Decimal]:
    """What the closed receiver holds per SKU, named as the connector sent it where they match.

    NOTE: Extensiv compares SKUs without case (reference/extensiv.md §8.5), so `tee-1` received
    against an expected `TEE-1` counts for `TEE-1`. A receiver's `qty` counts as received only
    once the receiver is closed (§7.2); the caller checks that.
    """
    by_folded = {sku.casefold(): sku for sku in expected}
    received: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        if not item.sku:
            continue
        sku = by_folded.get(item.sku.casefold(), item.sku)
        received[sku] += item.qty
    return dict(sorted(received.items()))


def receipt_variance(expected: Mapping[str, int], received: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Received minus expected per SKU, only where they differ (negative = short)."""
    variance = {}
    for sku in sorted(set(expected) | set(received)):
        difference = Decimal(received.get(sku, 0)) - Decimal(expected.get(sku, 0))
        if difference:
            variance[sku] = difference
    return variance


class ReceiptAction(StrEnum):
    APPROVE = "approve"
    ALREADY_APPROVED = "already_approved"
    WAIT = "wait"
    HOLD = "hold"
    CLOSE = "close"


@dataclass(frozen=True)
class ReceiptDecision:
    action: ReceiptAction
    reason: str | None = None
    detail: str | None = None
    decision: str | None = None

    @classmethod
    def hold(cls, reason: ReturnHoldReason, detail: str | None = None) -> ReceiptDecision:
        return cls(ReceiptAction.HOLD, reason.value, detail)


def decide_on_receipt(
    expected: Mapping[str, int],
    received: Mapping[str, float | Decimal],
    tiktok_status: str | None,
    approval_requested: bool = False,
) -> ReceiptDecision:
    """What to tell TikTok about a return the warehouse has counted.

    Everything expected came back and the buyer shipped it: approve the received package. Less
    came back: hold for the operator with the variance and never reject by itself, because a
    rejected buyer may open a dispute the seller can lose. A status this code does not know is
    held too, and looked at again on the next run.
    """
    if approval_requested and tiktok_status in SUCCESS_STATUSES:
        return ReceiptDecision(ReceiptAction.ALREADY_APPROVED, decision=APPROVE_RECEIVED_PACKAGE)
    if is_closed_on_tiktok(tiktok_status):
        return ReceiptDecision(ReceiptAction.CLOSE, "closed_on_tiktok", tiktok_status)

    variance = receipt_variance(expected, {sku: Decimal(str(qty)) for sku, qty in received.items()})
    short = {sku: diff for sku, diff in variance.items() if diff < 0}
    if short:
        return ReceiptDecision.hold(ReturnHoldReason.RECEIPT_SHORTFALL, describe_variance(expected, received, short))
    extra = {sku: diff for sku, diff in variance.items() if diff > 0}
    if extra:
        detail = describe_variance(expected, received, extra)
        return ReceiptDecision.hold(ReturnHoldReason.RECEIPT_UNEXPECTED_ITEMS, detail)

    if tiktok_status == BUYER_SHIPPED_ITEM:
        return ReceiptDecision(ReceiptAction.APPROVE, decision=APPROVE_RECEIVED_PACKAGE)
    if tiktok_status in WAITING_STATUSES:
        return ReceiptDecision(ReceiptAction.WAIT, "waiting_for_tiktok", tiktok_status)
    return ReceiptDecision.hold(ReturnHoldReason.TIKTOK_STATUS_NOT_ACTIONABLE, tiktok_status or "no status")


def describe_variance(expected: Mapping[str, int], received: Mapping[str, float | Decimal], skus: Iterable[str]) -> str:
    """`SKU expected 2 received 1; ...` for the operator."""
    parts = [
        f"{sku} expected {_number(expected.get(sku, 0))} received {_number(received.get(sku, 0))}"
        for sku in sorted(skus)
    ]
    return "; ".join(parts)


def _number(value: float | Decimal | int) -> str:
    number = Decimal(str(value))
    return str(number.quantize(Decimal(1))) if number == number.to_integral_value() else str(number.normalize())
