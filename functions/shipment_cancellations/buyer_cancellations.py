"""TikTok -> Extensiv: a cancellation on TikTok stops the shipment while the warehouse can.

TikTok cancellations (Search Cancellations by update time, plus the orders a webhook names)
are looked at only for orders that reached Extensiv; before that, the shipping-request flow
reads the order's status itself (an ON_HOLD buyer cancel never reaches the warehouse).

- A buyer's pending request: every Extensiv part of the order is cancelled with If-Match while
  none has shipped, the hub order becomes `cancelled_by_buyer`, and the request is approved.
- A cancellation TikTok completed (approved in Seller Center, by TikTok itself, or a seller
  cancel): the Extensiv order is cancelled the same way.
- Too late (the warehouse shipped or closed it): the hub records `too_late_to_cancel`, a
  pending request is rejected with the "packed" reason, and an ERROR is logged once.

Approve and reject carry an idempotency key made from the cancellation id, the same on every
retry (reference/tiktok-shop.md §6.4).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from enum import StrEnum

from cancel_reasons import (
    DONE_STATUSES,
    PENDING,
    approve_key,
    cancelled_by_role,
    is_buyer_request,
    reject_key,
    reject_reason,
)

from connector_common.direction import RunCounts
from extensiv.errors import ExtensivError, OperationRejected
from extensiv.models import ExtensivOrder
from hub.errors import HubError, TransitionRejected
from hub.orders import CancelledBy, OrderRecord, OrderRepository, OrderState
from hub.sync_state import SyncStateRepository
from tiktok_shop.errors import TikTokShopError, ValidationFailed
from tiktok_shop.models import Cancellation

logger = logging.getLogger(__name__)

DIRECTION = "buyer_cancellations"
CANCELLED_ON_TIKTOK = frozenset({"CANCELLED", "CANCEL"})
HANDED_OFF = frozenset({OrderState.SUBMITTED, OrderState.SHIPPED, OrderState.FULFILLED, OrderState.CANCELLED})
# NOTE: reference/extensiv.md §3.5 [M]: a closed order answers 403 with these codes.
CLOSED_ORDER_CODES = ("OrderConfirmed", "AlreadyCompleted")
ORDER_ID_BATCH = 50


class Stop(StrEnum):
    """What happened when the connector tried to stop the shipment in Extensiv."""

    CANCELLED = "cancelled"
    ALREADY_CANCELLED = "already_cancelled"
    SHIPPED = "shipped"


class BuyerCancellations:
    """The TikTok -> Extensiv direction; `run` is the work `run_direction` calls."""

    def __init__(
        self,
        tiktok,
        extensiv,
        orders: OrderRepository,
        sync_state: SyncStateRepository,
        overlap_seconds: int = 600,
        initial_lookback_seconds: int = 3 * 86400,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tiktok = tiktok
        self.extensiv = extensiv
        self.orders = orders
        self.sync_state = sync_state
        self.overlap_seconds = overlap_seconds
        self.initial_lookback_seconds = initial_lookback_seconds
        self.clock = clock

    def run(self, counts: RunCounts) -> None:
        """Poll: every cancellation updated since the cursor (minus an overlap for index lag)."""
        now = int(self.clock())
        stored = self.sync_state.cursor(DIRECTION)
        cursor = int(stored) if stored else now - self.initial_lookback_seconds
        newest = cursor
        failed = False

        # Oldest change first; the cursor stops before the first cancellation that failed.
        for cancellation in self.tiktok.iter_cancellations(update_time_ge=max(0, cursor - self.overlap_seconds)):
            counts.add("cancellations_read")
            if not self._handle_safely(cancellation, counts):
                failed = True
            elif not failed and cancellation.update_time:
                newest = max(newest, cancellation.update_time)

        if newest != cursor:
            self.sync_state.advance_cursor(DIRECTION, str(newest))
        logger.info("buyer cancellations done", extra={"cursor": newest, "counts": counts.values})

    def handle_orders(self, order_ids: Iterable[str], counts: RunCounts) -> None:
        """The fast path for orders a webhook named: their cancellations, now."""
        ids = sorted({str(order_id) for order_id in order_ids})
        for start in range(0, len(ids), ORDER_ID_BATCH):
            for cancellation in self.tiktok.iter_cancellations(order_ids=ids[start : start + ORDER_ID_BATCH]):
                counts.add("cancellations_read")
                self._handle_safely(cancellation, counts)

    def _handle_safely(self, cancellation: Cancellation, counts: RunCounts) -> bool:
        try:
            self._handle(cancellation, counts)
        except (HubError, TikTokShopError, ExtensivError):
            counts.add("failed")
            logger.exception(
                "cancellation not carried to Extensiv",
                extra={"order_id": cancellation.order_id, "cancel_id": cancellation.cancel_id},
            )
            return False
        return True

    def _handle(self, cancellation: Cancellation, counts: RunCounts) -> None:
        record = self.orders.get(cancellation.order_id)
        if record is None or record.state not in HANDED_OFF or not record.extensiv_order_id:
            return
        if cancellation.cancel_status == PENDING and is_buyer_request(cancellation):
            self._answer_request(cancellation, record, counts)
        elif cancellation.cancel_status in DONE_STATUSES:
            self._follow_completed(cancellation, record, counts)

    def _answer_request(self, cancellation: Cancellation, record: OrderRecord, counts: RunCounts) -> None:
        if record.cancel_request_id == cancellation.cancel_id and record.cancel_request_response:
            return
        if record.state == OrderState.CANCELLED:
            # Cancelled in Extensiv already (by this flow before a crash, or by the warehouse).
            self._approve(cancellation, record, counts)
            return
        if record.state in (OrderState.SHIPPED, OrderState.FULFILLED):
            self._too_late(cancellation, record, "the warehouse shipped the order", counts)
            return

        outcome = self._stop_shipment(record, cancellation)
        if outcome == Stop.SHIPPED:
            self._too_late(cancellation, record, "the Extensiv order is closed (shipped)", counts)
            return
        self._note_latency(outcome, cancellation, counts)
        self._mark_cancelled(record, CancelledBy.BUYER, cancellation.cancel_id, counts)
        self._approve(cancellation, record, counts)

    def _follow_completed(self, cancellation: Cancellation, record: OrderRecord, counts: RunCounts) -> None:
        """TikTok cancelled the order without waiting for the connector: stop the shipment too."""
        if record.state == OrderState.CANCELLED or cancellation.cancel_id == record.tiktok_cancel_id:
            return
        if not is_buyer_request(cancellation) and not self._whole_order_cancelled(record.order_id):
            # NOTE: sellers in US/UK may cancel single line items (reference §4.5); the warehouse
            # order is not changed line by line.
            counts.add("partial_cancellation")
            logger.warning(
                "TikTok cancelled part of an order; the Extensiv order is left unchanged",
                extra={"order_id": record.order_id, "cancel_id": cancellation.cancel_id},
            )
            return
        if record.state in (OrderState.SHIPPED, OrderState.FULFILLED):
            self._too_late(cancellation, record, "the warehouse shipped the order", counts, answer=False)
            return

        outcome = self._stop_shipment(record, cancellation)
        if outcome == Stop.SHIPPED:
            self._too_late(cancellation, record, "the Extensiv order is closed (shipped)", counts, answer=False)
            return
        self._note_latency(outcome, cancellation, counts)
        self._mark_cancelled(record, cancelled_by_role(cancellation.role), cancellation.cancel_id, counts)

    def _stop_shipment(self, record: OrderRecord, cancellation: Cancellation) -> Stop:
        """Cancel every open Extensiv part of the order, unless one of them has shipped."""
        parts = self.extensiv.find_orders_by_reference(record.order_id)
        if not parts:
            parts = [self.extensiv.get_order(int(str(record.extensiv_order_id)), detail=None)]
        if any(_has_shipped(part) for part in parts):
            return Stop.SHIPPED
        open_parts = [part for part in parts if not part.is_canceled]
        if not open_parts:
            return Stop.ALREADY_CANCELLED

        # Written before Extensiv is changed: the warehouse direction must not take this
        # cancellation for the warehouse's own and cancel on TikTok as the seller.
        self.orders.note_cancel_request(record.order_id, cancellation.cancel_id)
        reason = f"Cancelled on TikTok Shop ({cancellation.role or 'unknown'}, cancellation {cancellation.cancel_id})"
        for part in open_parts:
            try:
                self.extensiv.cancel_order(part.order_id, reason)
            except OperationRejected as exc:
                if any(exc.has_code(code) for code in CLOSED_ORDER_CODES):
                    return Stop.SHIPPED
                raise
            logger.info(
                "Extensiv order cancelled for a TikTok cancellation",
                extra={"order_id": record.order_id, "extensiv_order_id": part.order_id},
            )
        return Stop.CANCELLED

    def _note_latency(self, outcome: Stop, cancellation: Cancellation, counts: RunCounts) -> None:
        """The run's longest wait from the TikTok cancellation to the Extensiv cancel, in `cancel_latency_s`."""
        if outcome != Stop.CANCELLED or not cancellation.create_time:
            return
        latency = max(0, int(self.clock()) - cancellation.create_time)
        counts.values["cancel_latency_s"] = max(latency, counts["cancel_latency_s"])

    def _mark_cancelled(self, record: OrderRecord, by: CancelledBy, cancel_id: str, counts: RunCounts) -> None:
        try:
            self.orders.cancel_after_hand_off(record.order_id, by, f"TikTok cancellation {cancel_id}")
        except TransitionRejected:
            current = self.orders.get(record.order_id)
            if current is None or current.state != OrderState.CANCELLED:
                raise
            return
        counts.add(by.reason)

    def _approve(self, cancellation: Cancellation, record: OrderRecord, counts: RunCounts) -> None:
        try:
            self.tiktok.approve_cancellation(cancellation.cancel_id, approve_key(cancellation.cancel_id))
        except ValidationFailed as exc:
            counts.add("answer_refused")
            logger.warning(
                "TikTok did not take the approval of a cancel request",
                extra={"order_id": record.order_id, "cancel_id": cancellation.cancel_id, "code": exc.code},
            )
            return
        self.orders.record_cancel_response(record.order_id, cancellation.cancel_id, "approved")
        counts.add("requests_approved")

    def _too_late(
        self,
        cancellation: Cancellation,
        record: OrderRecord,
        detail: str,
        counts: RunCounts,
        answer: bool = True,
    ) -> None:
        """The shipment could not be stopped: recorded, answered, and told to the operator once."""
        first_time = self.orders.record_too_late_to_cancel(record.order_id, cancellation.cancel_id, detail)
        if answer and not (record.cancel_request_id == cancellation.cancel_id and record.cancel_request_response):
            self._reject(cancellation, record, counts)
        if first_time:
            counts.add("too_late_to_cancel")
            logger.error(
                "cancellation came after the warehouse shipped; the shipment was not stopped",
                extra={
                    "order_id": record.order_id,
                    "cancel_id": cancellation.cancel_id,
                    "role": cancellation.role,
                    "extensiv_order_id": record.extensiv_order_id,
                    "detail": detail,
                },
            )

    def _reject(self, cancellation: Cancellation, record: OrderRecord, counts: RunCounts) -> None:
        cancel_id = cancellation.cancel_id
        try:
            self.tiktok.reject_cancellation(cancel_id, reject_reason(None), reject_key(cancel_id))
        except ValidationFailed as exc:
            counts.add("answer_refused")
            logger.warning(
                "TikTok did not take the rejection of a cancel request",
                extra={"order_id": record.order_id, "cancel_id": cancel_id, "code": exc.code},
            )
            return
        self.orders.record_cancel_response(record.order_id, cancel_id, "rejected")
        counts.add("requests_rejected")

    def _whole_order_cancelled(self, order_id: str) -> bool:
        found = self.tiktok.get_orders([order_id])
        return bool(found) and found[0].status in CANCELLED_ON_TIKTOK


def _has_shipped(order: ExtensivOrder) -> bool:
    """Closed and not cancelled: confirmed by the warehouse (reference/extensiv.md §3.4)."""
    return order.is_shipped or (order.is_closed and not order.is_canceled)
