"""TikTok returns -> hub -> expected returns in Extensiv, each created exactly once.

Two sources bring returns in: a poll of TikTok by update time (with an overlap, since the
search index can lag), and return webhooks (type 12), which only name the order; either way
the return is read from TikTok before anything is decided. A return that needs the warehouse
becomes one Extensiv receiver flagged as a return, for the facility that shipped the order.

Exactly once: a claim in the hub (a conditional write with a lease) lets one invocation
create the receiver, and that invocation first asks Extensiv for the receiver's reference,
so neither a crash after the Extensiv call nor a second stack on the same warehouse can
create it twice. A return whose order the hub never saw is kept, flagged and held.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from return_rules import (
    IntakeAction,
    IntakeDecision,
    decide_intake,
    facts_from_tiktok,
    needs_warehouse,
    receipt_variance,
    received_quantities,
    receiver_for,
    receiver_reference,
)

from connector_common.direction import RunCounts
from extensiv.errors import ExtensivError, ValidationFailed
from extensiv.models import Receiver
from hub.errors import TransitionRejected
from hub.orders import OrderRepository
from hub.returns import ReturnClaim, ReturnHoldReason, ReturnRecord, ReturnRepository, ReturnState
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from tiktok_shop.models import ReturnOrder

logger = logging.getLogger(__name__)

DIRECTION = "returns_to_extensiv"


def order_id_of_event(body: str) -> str:
    """The order a forwarded return webhook names: `{"order_id": ...}` or the webhook envelope itself.

    Raises ValueError for a body that names no order (it goes to the dead-letter queue).
    """
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise ValueError("return event is not JSON") from exc
    if isinstance(document, dict) and isinstance(document.get("data"), dict):
        document = document["data"]
    order_id = document.get("order_id") if isinstance(document, dict) else None
    if order_id in (None, ""):
        raise ValueError("return event names no order_id")
    return str(order_id)


@dataclass(frozen=True)
class IntakeSettings:
    customer_id: int
    lease_seconds: float = 120.0
    overlap_seconds: int = 600
    lag_seconds: int = 5
    initial_lookback_seconds: int = 7 * 86400


class ReturnIntake:
    """Reads TikTok returns into the hub and creates the Extensiv expected returns they need."""

    def __init__(
        self,
        returns: ReturnRepository,
        orders: OrderRepository,
        skus: SkuRepository,
        fulfillments,
        tiktok,
        extensiv,
        sync_state: SyncStateRepository,
        settings: IntakeSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.returns = returns
        self.orders = orders
        self.skus = skus
        self.fulfillments = fulfillments
        self.tiktok = tiktok
        self.extensiv = extensiv
        self.sync_state = sync_state
        self.settings = settings
        self.clock = clock

    def run(self, counts: RunCounts, resync: bool = False) -> None:
        """One scheduled pass: returns updated since the cursor, then the hub's unfinished ones."""
        now = int(self.clock())
        stored = None if resync else self.sync_state.cursor(DIRECTION)
        cursor = int(stored) if stored else now - self.settings.initial_lookback_seconds
        until = now - self.settings.lag_seconds
        since = max(0, cursor - self.settings.overlap_seconds)

        seen: set[str] = set()
        for ret in self.tiktok.iter_returns(update_time_ge=since):
            seen.add(ret.return_id)
            self.process(ret, counts)
        self.sweep(counts, skip=seen)

        # A return that failed after its claim is found again by the sweep, so the cursor moves.
        self.sync_state.advance_cursor(DIRECTION, str(max(cursor, until)))
        logger.info("return intake done", extra={"cursor": until, "counts": counts.values})

    def process_order(self, order_id: str, counts: RunCounts) -> None:
        """A return webhook named this order: read its returns from TikTok and process each."""
        for ret in self.tiktok.iter_returns(order_ids=[order_id]):
            self.process(ret, counts)

    def process(self, ret: ReturnOrder, counts: RunCounts) -> ReturnRecord:
        """Record one TikTok return and take it as far as it can go now."""
        counts.add("returns_seen")
        record = self.returns.observe(facts_from_tiktok(ret))
        return self._advance(record, counts)

    def sweep(self, counts: RunCounts, skip: Iterable[str] = ()) -> None:
        """Returns the hub must look at again: held for a cause that may have cleared, claims whose
        lease ran out (a crashed attempt), and recorded returns that need the warehouse."""
        skipped = set(skip)
        due: dict[str, ReturnRecord] = {}
        for record in self.returns.list_by_state(ReturnState.HELD):
            reason = record.hold_reason
            if reason is not None and reason.before_receiver and reason.rechecked:
                due[record.return_id] = record
        for record in self.returns.list_by_state(ReturnState.CREATING):
            if (record.lease_until or 0) < self.clock():
                due[record.return_id] = record
        for record in self.returns.list_by_state(ReturnState.RECORDED):
            if needs_warehouse(record.return_type, record.tiktok_status):
                due[record.return_id] = record
        for return_id, record in due.items():
            if return_id not in skipped:
                counts.add("returns_rechecked")
                self._advance(record, counts)

    def _advance(self, record: ReturnRecord, counts: RunCounts) -> ReturnRecord:
        decision = self._decide(record)
        try:
            if record.state == ReturnState.CREATING:
                return self._resume(record, decision, counts)
            if decision.action == IntakeAction.CREATE:
                return self._create(record, decision, counts)
            if decision.action == IntakeAction.HOLD:
                return self._hold(record, decision, counts)
            if decision.action == IntakeAction.CLOSE:
                return self._close(record, decision, counts)
            if decision.action == IntakeAction.WAIT:
                return self._wait(record, decision, counts)
        except TransitionRejected:
            counts.add("already_moved_on")
            return self.returns.get(record.return_id) or record
        return record

    def _decide(self, record: ReturnRecord) -> IntakeDecision:
        order = self.orders.get(record.order_id)
        master_skus = sorted({line.master_sku for line in record.lines if line.master_sku})
        # A claim left by a crashed attempt is decided as if the return were recorded: whoever
        # takes the claim over asks Extensiv first, then acts on that decision.
        subject = replace(record, state=ReturnState.RECORDED) if record.state == ReturnState.CREATING else record
        shipped = self._shipped_facilities(record) if order is not None else set()
        return decide_intake(subject, order, self.skus.get_many(master_skus), shipped)

    # --- claim, then find or create ---------------------------------------------------------

    def _create(self, record: ReturnRecord, decision: IntakeDecision, counts: RunCounts) -> ReturnRecord:
        claim = self._claim(record, counts)
        if claim is None:
            return record
        return self._settle_claim(record, claim, decision, counts)

    def _resume(self, record: ReturnRecord, decision: IntakeDecision, counts: RunCounts) -> ReturnRecord:
        if (record.lease_until or 0) >= self.clock():
            counts.add("busy")
            return record
        claim = self._claim(record, counts)
        if claim is None:
            return record
        return self._settle_claim(record, claim, decision, counts)

    def _claim(self, record: ReturnRecord, counts: RunCounts) -> ReturnClaim | None:
        try:
            return self.returns.claim(record.return_id, self.settings.lease_seconds)
        except TransitionRejected:
            counts.add("busy")
            return None

    def _settle_claim(
        self, record: ReturnRecord, claim: ReturnClaim, decision: IntakeDecision, counts: RunCounts
    ) -> ReturnRecord:
        # NOTE: Extensiv is always asked first, not only after a crash: receivers carry no
        # idempotency key, and a second stack (or a restored hub) must not create a return twice.
        reference = receiver_reference(record.return_id)
        try:
            existing = self.extensiv.find_receiver_by_reference(reference)
            if existing is None and decision.action == IntakeAction.CREATE:
                body = receiver_for(record, decision.expected, decision.facility_id or "", self.settings.customer_id)
                created = self.extensiv.create_receiver(body)
                return self._expected(record, claim, created, "created", decision, counts)
        except ValidationFailed as exc:
            return self._rejected(record, claim, decision, exc, counts)
        except ExtensivError as exc:
            self.returns.release(claim, f"{type(exc).__name__}: {exc}")
            counts.add("failed")
            logger.error(
                "expected return not created; it will be tried again",
                extra={"return_id": record.return_id, "order_id": record.order_id, "error": type(exc).__name__},
            )
            return record
        if existing is not None:
            return self._expected(record, claim, existing, "found", decision, counts)
        return self._settle_without_receiver(record, claim, decision, counts)

    def _expected(
        self,
        record: ReturnRecord,
        claim: ReturnClaim,
        receiver: Receiver,
        how: str,
        decision: IntakeDecision,
        counts: RunCounts,
    ) -> ReturnRecord:
        created = decision.action == IntakeAction.CREATE
        expected = decision.expected if created else _expected_of(record, receiver)
        facility_id = decision.facility_id if created and decision.facility_id else str(receiver.facility_id or "")
        reference = receiver_reference(record.return_id)
        stored = self.returns.mark_expected(claim, str(receiver.receiver_id), reference, facility_id, expected, how)
        counts.add(f"expected_{how}")
        logger.info(
            "expected return in Extensiv",
            extra={
                "return_id": record.return_id,
                "order_id": record.order_id,
                "receiver_id": receiver.receiver_id,
                "facility_id": facility_id,
                "how": how,
            },
        )
        self._note_latency(stored, counts)
        if receiver.is_received:
            stored = self._record_early_receipt(stored, receiver, counts)
        return stored

    def _settle_without_receiver(
        self, record: ReturnRecord, claim: ReturnClaim, decision: IntakeDecision, counts: RunCounts
    ) -> ReturnRecord:
        """A claim taken over from a crashed attempt that created nothing, for a return that no
        longer needs a receiver: apply the decision under the claim."""
        if decision.action == IntakeAction.HOLD:
            reason = ReturnHoldReason(decision.reason)
            counts.add(f"held_{reason.value}")
            return self.returns.hold(record.return_id, reason, decision.detail, claim=claim, orphan=decision.orphan)
        if decision.action == IntakeAction.CLOSE:
            counts.add("closed")
            return self.returns.close(record.return_id, decision.reason or "closed", decision.detail, claim=claim)
        counts.add("not_for_warehouse")
        return self.returns.wait(record.return_id, decision.reason or "waiting", decision.orphan, claim=claim)

    def _rejected(
        self,
        record: ReturnRecord,
        claim: ReturnClaim,
        decision: IntakeDecision,
        exc: ValidationFailed,
        counts: RunCounts,
    ) -> ReturnRecord:
        if exc.is_duplicate:
            # Created meanwhile by someone else (or our own lost answer): adopt it.
            existing = self.extensiv.find_receiver_by_reference(receiver_reference(record.return_id))
            if existing is not None:
                return self._expected(record, claim, existing, "found", decision, counts)
            self.returns.release(claim, "duplicate reported but reference not found")
            counts.add("failed")
            return record
        if exc.is_unknown_item:
            reason, detail = ReturnHoldReason.UNKNOWN_SKU, exc.unknown_sku
        else:
            reason, detail = ReturnHoldReason.EXTENSIV_REJECTED, exc.error_code or str(exc)[:200]
        stored = self.returns.hold(record.return_id, reason, detail, claim=claim)
        counts.add(f"held_{reason.value}")
        logger.error(
            "Extensiv refused the expected return",
            extra={"return_id": record.return_id, "order_id": record.order_id, "reason": reason.value},
        )
        return stored

    def _record_early_receipt(self, record: ReturnRecord, receiver: Receiver, counts: RunCounts) -> ReturnRecord:
        """The receiver found was received already: record it now, the receipts pull may be past it."""
        received = received_quantities(record.expected, receiver.items)
        variance = receipt_variance(record.expected, received)
        stored = self.returns.record_receipt(
            record.return_id, str(receiver.receiver_id), received, variance, receiver.last_modified_date
        )
        if stored is not None:
            counts.add("receipts_recorded")
            return stored
        return record

    def _hold(self, record: ReturnRecord, decision: IntakeDecision, counts: RunCounts) -> ReturnRecord:
        reason = ReturnHoldReason(decision.reason)
        if decision.orphan:
            counts.add("orphans")
        if record.state == ReturnState.HELD and record.reason == reason.value:
            return record
        stored = self.returns.hold(record.return_id, reason, decision.detail, orphan=decision.orphan)
        counts.add(f"held_{reason.value}")
        if decision.orphan:
            logger.error(
                "return for an order the hub never saw; held until the order is known",
                extra={"return_id": record.return_id, "order_id": record.order_id},
            )
        else:
            logger.warning(
                "return held",
                extra={"return_id": record.return_id, "order_id": record.order_id, "reason": reason.value},
            )
        return stored

    def _close(self, record: ReturnRecord, decision: IntakeDecision, counts: RunCounts) -> ReturnRecord:
        stored = self.returns.close(record.return_id, decision.reason or "closed", decision.detail)
        counts.add("closed")
        if record.state == ReturnState.EXPECTED:
            counts.add("closed_while_expected")
            logger.warning(
                "return closed on TikTok while Extensiv still expects it; cancel the receiver in Extensiv",
                extra={"return_id": record.return_id, "receiver_id": record.receiver_id, "status": decision.detail},
            )
        return stored

    def _wait(self, record: ReturnRecord, decision: IntakeDecision, counts: RunCounts) -> ReturnRecord:
        counts.add("not_for_warehouse")
        if decision.orphan:
            counts.add("orphans")
        unchanged = (
            record.state == ReturnState.RECORDED
            and record.orphan == decision.orphan
            and record.reason == decision.reason
        )
        if unchanged:
            return record
        if decision.orphan and not record.orphan:
            logger.warning(
                "return for an order the hub never saw",
                extra={"return_id": record.return_id, "order_id": record.order_id, "reason": decision.reason},
            )
        return self.returns.wait(record.return_id, decision.reason or "waiting", decision.orphan)

    # --- helpers -----------------------------------------------------------------------------

    def _shipped_facilities(self, record: ReturnRecord) -> set[str]:
        """Facilities of the Extensiv shipments that carried the returned lines (any, if unknown)."""
        if self.fulfillments is None:
            return set()
        returned = {line.order_line_item_id for line in record.lines if line.order_line_item_id}
        packages = self.fulfillments.packages_of(record.order_id)
        carried = {package.extensiv_order_id for package in packages if returned & set(package.order_line_item_ids)}
        shipments = self.fulfillments.shipments_of(record.order_id)
        if carried:
            shipments = [shipment for shipment in shipments if shipment.extensiv_order_id in carried]
        # NOTE: shipment records may not carry the facility yet; then the order's routed facility is used.
        facilities = {getattr(shipment, "facility_id", None) for shipment in shipments}
        return {str(facility) for facility in facilities if facility}

    def _note_latency(self, record: ReturnRecord, counts: RunCounts) -> None:
        if record.expected_at is None or not record.tiktok_update_time:
            return
        latency = int(record.expected_at - record.tiktok_update_time)
        if latency >= 0 and latency > counts["expected_latency_s"]:
            counts.values["expected_latency_s"] = latency


def _expected_of(record: ReturnRecord, receiver: Receiver) -> dict[str, int]:
    """The quantities a receiver found in Extensiv expects, for the hub's record of it."""
    expected: dict[str, int] = {}
    for item in receiver.items:
        if item.sku:
            expected[item.sku] = expected.get(item.sku, 0) + int(item.qty)
    return expected or {line.master_sku: line.quantity for line in record.lines if line.master_sku}
