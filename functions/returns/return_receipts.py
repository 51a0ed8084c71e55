"""Extensiv return receipts -> hub -> the TikTok return moved forward as its state allows.

Return receivers changed since the cursor are read back facility by facility, each facility
with its own cursor and overlap (Extensiv dates carry no time zone and are in each facility's
zone; see hub.extensiv_feed). A closed receiver is what the warehouse counted; its quantities
are recorded against the return once, with the variance per SKU. Then every received return is
looked up on TikTok again and answered: approved when everything came back and the buyer's
parcel is registered, held for the operator when anything is missing or unexpected (never
rejected by the connector), left waiting while TikTok has not caught up.

The approval carries an idempotency key that is the same on every retry, and the hub notes
the request before it is sent, so a crash after the call is recognised on the next run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from return_rules import (
    ReceiptAction,
    ReceiptDecision,
    decide_on_receipt,
    receipt_variance,
    received_quantities,
    return_id_from_reference,
)

from connector_common.direction import RunCounts
from extensiv.models import OrderStatus, Receiver, ReceiverType
from hub.errors import TransitionRejected
from hub.extensiv_feed import ExtensivFeed, FacilityWindow
from hub.locations import LocationRepository
from hub.returns import ReturnHoldReason, ReturnRecord, ReturnRepository, ReturnState, approval_key
from hub.sync_state import SyncStateRepository
from tiktok_shop.errors import NotFound, RateLimited, TikTokServerError, TikTokUnavailable, ValidationFailed
from tiktok_shop.models import ReturnOrder

logger = logging.getLogger(__name__)

DIRECTION = "returns_from_extensiv"
# NOTE: reference/tiktok-shop.md §4.6 gives no maximum for `order_ids`; ten per search keeps
# each call small, as Search Products' seller_skus limit does elsewhere.
ORDER_IDS_PER_SEARCH = 10


@dataclass(frozen=True)
class ReceiptSettings:
    overlap_seconds: int = 12 * 3600
    initial_lookback_seconds: int = 7 * 86400


class ReturnReceipts:
    """Reads Extensiv return receipts into the hub and answers the TikTok returns they settle."""

    def __init__(
        self,
        returns: ReturnRepository,
        tiktok,
        extensiv,
        sync_state: SyncStateRepository,
        settings: ReceiptSettings,
        clock: Callable[[], float] = time.time,
        locations: LocationRepository | None = None,
    ) -> None:
        self.returns = returns
        self.tiktok = tiktok
        self.extensiv = extensiv
        self.sync_state = sync_state
        self.settings = settings
        self.feed = ExtensivFeed(
            DIRECTION, sync_state, locations, settings.overlap_seconds, settings.initial_lookback_seconds, clock
        )

    def run(self, counts: RunCounts, resync: bool = False) -> None:
        """One scheduled pass: record new receipts, then answer TikTok for every received return.

        `resync` reads every facility again from the initial lookback."""
        self.feed.read(lambda window: self._read_facility(window, counts), resync=resync)
        self.answer_on_tiktok(counts)
        logger.info("return receipts done", extra=counts.values)

    def _read_facility(self, window: FacilityWindow, counts: RunCounts) -> None:
        receivers = self.extensiv.iter_receivers(
            modified_since=window.since,
            receiver_type=ReceiverType.RETURN,
            facility_id=window.extensiv_facility_id,
        )
        for receiver in receivers:
            counts.add("receivers_seen")
            self.record(receiver, counts)
            window.processed(receiver.last_modified_date)

    def record(self, receiver: Receiver, counts: RunCounts) -> ReturnRecord | None:
        """Record a closed (or cancelled) return receiver against its TikTok return."""
        return_id = return_id_from_reference(receiver.reference_num)
        record = self.returns.get(return_id) if return_id else None
        if record is not None and record.receiver_id is None:
            # Created, but the creator died before recording it: the intake adopts it (and its
            # receipt) when it takes the claim over.
            counts.add("receivers_not_recorded_yet")
            return record
        if record is None or record.receiver_id != str(receiver.receiver_id):
            counts.add("unmatched_receivers")
            logger.info(
                "return receiver not created by the connector",
                extra={"receiver_id": receiver.receiver_id, "return_id": return_id},
            )
            return None

        if receiver.status == OrderStatus.CANCELED:
            return self._cancelled(record, receiver, counts)
        if not receiver.is_received or record.received_at is not None:
            return record

        received = received_quantities(record.expected, receiver.items)
        variance = receipt_variance(record.expected, received)
        stored = self.returns.record_receipt(
            record.return_id, str(receiver.receiver_id), received, variance, receiver.last_modified_date
        )
        if stored is None:
            return record
        counts.add("receipts_recorded")
        if variance:
            counts.add("receipts_with_variance")
        logger.info(
            "return received by the warehouse",
            extra={
                "return_id": record.return_id,
                "receiver_id": receiver.receiver_id,
                "variance_skus": sorted(variance),
            },
        )
        return stored

    def answer_on_tiktok(self, counts: RunCounts) -> None:
        """Move every received return forward on TikTok as far as its state there allows."""
        due = self.returns.list_by_state(ReturnState.RECEIVED)
        due += [
            record
            for record in self.returns.list_by_state(ReturnState.HELD)
            if record.hold_reason == ReturnHoldReason.TIKTOK_STATUS_NOT_ACTIONABLE
        ]
        if not due:
            return
        current = self._read_tiktok(sorted({record.order_id for record in due}))
        for record in due:
            self._answer(record, current.get(record.return_id), counts)

    # --- one return ---------------------------------------------------------------------------

    def _answer(self, record: ReturnRecord, ret: ReturnOrder | None, counts: RunCounts) -> None:
        if ret is not None and ret.return_status != record.tiktok_status:
            try:
                record = self.returns.note_tiktok_status(record.return_id, ret.return_status, ret.update_time)
            except TransitionRejected:
                record = self.returns.get(record.return_id) or record
        decision = decide_on_receipt(
            record.expected,
            record.received,
            record.tiktok_status,
            approval_requested=record.tiktok_action_key is not None,
        )
        try:
            self._act(record, decision, counts)
        except TransitionRejected:
            counts.add("already_moved_on")

    def _act(self, record: ReturnRecord, decision: ReceiptDecision, counts: RunCounts) -> None:
        if decision.action == ReceiptAction.APPROVE:
            self._approve(record, decision.decision or "", counts)
        elif decision.action == ReceiptAction.ALREADY_APPROVED:
            self.returns.mark_approved(record.return_id, decision.decision or "", "found_on_tiktok")
            counts.add("approved")
        elif decision.action == ReceiptAction.CLOSE:
            self.returns.close(record.return_id, decision.reason or "closed", decision.detail)
            counts.add("closed")
        elif decision.action == ReceiptAction.WAIT:
            counts.add("waiting_on_tiktok")
        else:
            self._hold(record, decision, counts)

    def _approve(self, record: ReturnRecord, decision: str, counts: RunCounts) -> None:
        key = record.tiktok_action_key or approval_key(record.return_id, decision)
        self.returns.note_action_requested(record.return_id, decision, key)
        try:
            self.tiktok.approve_return(record.return_id, decision, key)
        except (ValidationFailed, NotFound) as exc:
            detail = f"{exc.code}: {exc.message}"[:300]
            self.returns.hold(record.return_id, ReturnHoldReason.TIKTOK_REJECTED, detail)
            counts.add(f"held_{ReturnHoldReason.TIKTOK_REJECTED.value}")
            logger.error(
                "TikTok refused to approve the received return",
                extra={"return_id": record.return_id, "code": exc.code},
            )
            return
        except (TikTokUnavailable, TikTokServerError, RateLimited) as exc:
            # The same idempotency key goes out again on the next run.
            self.returns.note_error(record.return_id, f"{type(exc).__name__}: {exc}")
            counts.add("failed")
            logger.warning(
                "approving the received return failed; it will be tried again",
                extra={"return_id": record.return_id, "error": type(exc).__name__},
            )
            return

        stored = self.returns.mark_approved(record.return_id, decision, "approved")
        counts.add("approved")
        if stored.received_at is not None and stored.tiktok_action_at is not None:
            latency = int(stored.tiktok_action_at - stored.received_at)
            if latency > counts["approve_latency_s"]:
                counts.values["approve_latency_s"] = latency
        logger.info("received return approved on TikTok", extra={"return_id": record.return_id, "decision": decision})

    def _hold(self, record: ReturnRecord, decision: ReceiptDecision, counts: RunCounts) -> None:
        reason = ReturnHoldReason(decision.reason)
        if record.state == ReturnState.HELD and record.reason == reason.value:
            counts.add(f"still_held_{reason.value}")
            return
        self.returns.hold(record.return_id, reason, decision.detail)
        counts.add(f"held_{reason.value}")
        # A shortfall is never rejected by the connector: a rejected buyer may open a dispute
        # the seller can lose, so a person decides (SPEC "returns").
        logger.warning(
            "received return held for the operator",
            extra={"return_id": record.return_id, "reason": reason.value, "detail": decision.detail},
        )

    def _cancelled(self, record: ReturnRecord, receiver: Receiver, counts: RunCounts) -> ReturnRecord:
        if record.state != ReturnState.EXPECTED:
            return record
        counts.add(f"held_{ReturnHoldReason.RECEIVER_CANCELLED.value}")
        logger.warning(
            "the warehouse cancelled the expected return",
            extra={"return_id": record.return_id, "receiver_id": receiver.receiver_id},
        )
        return self.returns.hold(record.return_id, ReturnHoldReason.RECEIVER_CANCELLED, "cancelled in Extensiv")

    # --- reads ---------------------------------------------------------------------------------

    def _read_tiktok(self, order_ids: list[str]) -> dict[str, ReturnOrder]:
        current: dict[str, ReturnOrder] = {}
        for batch in _chunks(order_ids, ORDER_IDS_PER_SEARCH):
            for ret in self.tiktok.iter_returns(order_ids=batch):
                current[ret.return_id] = ret
        return current


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


__all__ = ["DIRECTION", "ReceiptSettings", "ReturnReceipts"]
