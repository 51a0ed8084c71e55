"""Extensiv -> hub -> TikTok: an order the warehouse cancelled is cancelled on TikTok.

Reads the Extensiv orders changed since its own cursors, facility by facility with an overlap
window each (Extensiv dates carry no time zone and are in each facility's zone,
reference/extensiv.md §8.6; see hub.extensiv_feed). A cancelled one that is the
connector's, and that the connector did not cancel itself for a TikTok cancellation, is
marked cancelled in the hub (`cancelled_by_warehouse`), then on TikTok:
- nothing when TikTok has it cancelled (or a seller cancellation open) already;
- the buyer's pending cancel request approved, when there is one;
- otherwise Cancel Order with a seller reason TikTok accepts for the order's status.
Cancel Order takes no idempotency key (reference §4.5), so the order's cancellations are
searched before every attempt, and a cancellation sent once is recorded in the hub.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from cancel_reasons import DONE_STATUSES, PENDING, approve_key, is_buyer_request, seller_cancel_reason

from connector_common.direction import RunCounts
from extensiv.models import ExtensivOrder
from hub.errors import HubError, TransitionRejected
from hub.extensiv_feed import ExtensivFeed, FacilityWindow
from hub.fulfillments import reference_candidates
from hub.locations import LocationRepository
from hub.orders import CancelledBy, OrderRecord, OrderRepository, OrderState
from hub.sync_state import SyncStateRepository
from tiktok_shop.errors import TikTokShopError, ValidationFailed
from tiktok_shop.models import Order

logger = logging.getLogger(__name__)

DIRECTION = "warehouse_cancellations"
CANCELLED_ON_TIKTOK = frozenset({"CANCELLED", "CANCEL"})
CANCELLED_BY_CONNECTOR = frozenset({CancelledBy.BUYER, CancelledBy.SELLER, CancelledBy.TIKTOK})


class OrderNotReadable(Exception):  # noqa: N818 - a reason to try the order again later
    """TikTok does not return the order (yet); the cancellation is tried again on the next pass."""


class WarehouseCancellations:
    """One pass of the Extensiv -> TikTok direction; `run` is the work `run_direction` calls."""

    def __init__(
        self,
        extensiv,
        tiktok,
        orders: OrderRepository,
        sync_state: SyncStateRepository,
        region: str = "US",
        overlap_seconds: int = 7200,
        initial_lookback_seconds: int = 3 * 86400,
        clock: Callable[[], float] = time.time,
        locations: LocationRepository | None = None,
    ) -> None:
        self.extensiv = extensiv
        self.tiktok = tiktok
        self.orders = orders
        self.sync_state = sync_state
        self.region = region
        self.feed = ExtensivFeed(DIRECTION, sync_state, locations, overlap_seconds, initial_lookback_seconds, clock)

    def run(self, counts: RunCounts) -> None:
        self.feed.read(lambda window: self._read_facility(window, counts))
        logger.info("warehouse cancellations done", extra=counts.values)

    def _read_facility(self, window: FacilityWindow, counts: RunCounts) -> None:
        # The cursor stops before the first order that failed, so the next pass reads it again.
        orders = self.extensiv.iter_orders_modified_since(
            window.since, detail=None, facility_id=window.extensiv_facility_id
        )
        for order in orders:
            counts.add("extensiv_orders_read")
            if order.is_canceled:
                try:
                    self._propagate(order, counts)
                except (HubError, TikTokShopError, OrderNotReadable):
                    counts.add("failed")
                    window.failed()
                    logger.exception(
                        "warehouse cancellation not propagated",
                        extra={"extensiv_order_id": order.order_id, "facility_id": window.facility_id},
                    )
                    continue
            window.processed(order.last_modified_date)

    def _propagate(self, extensiv_order: ExtensivOrder, counts: RunCounts) -> None:
        record = self._hub_order(extensiv_order.reference_num)
        if record is None:
            return
        extensiv_order_id = str(extensiv_order.order_id)
        if record.extensiv_order_id and record.extensiv_order_id != extensiv_order_id:
            counts.add("split_part_cancelled")
            logger.error(
                "the warehouse cancelled one part of a split order; TikTok is left unchanged",
                extra={"order_id": record.order_id, "extensiv_order_id": extensiv_order_id},
            )
            return
        if record.cancel_request_id or record.cancelled_by in CANCELLED_BY_CONNECTOR:
            # The connector cancelled it in Extensiv for a TikTok cancellation: nothing to send back.
            return
        if record.tiktok_cancel_status:
            return
        if record.state in (OrderState.SHIPPED, OrderState.FULFILLED):
            logger.error(
                "Extensiv reports as cancelled an order the hub has as shipped",
                extra={"order_id": record.order_id, "extensiv_order_id": extensiv_order_id},
            )
            return
        if record.state == OrderState.CANCELLED and record.cancelled_by != CancelledBy.WAREHOUSE:
            return

        if record.state != OrderState.CANCELLED:
            self._mark_cancelled(record, extensiv_order_id)
            counts.add("cancelled_by_warehouse")
        self._cancel_on_tiktok(record.order_id, counts)

    def _mark_cancelled(self, record: OrderRecord, extensiv_order_id: str) -> None:
        try:
            self.orders.cancel_after_hand_off(
                record.order_id, CancelledBy.WAREHOUSE, f"Extensiv order {extensiv_order_id} cancelled"
            )
        except TransitionRejected:
            current = self.orders.get(record.order_id)
            if current is None or current.state != OrderState.CANCELLED:
                raise
        logger.info(
            "order cancelled by the warehouse",
            extra={"order_id": record.order_id, "extensiv_order_id": extensiv_order_id},
        )

    def _cancel_on_tiktok(self, order_id: str, counts: RunCounts) -> None:
        order = self._tiktok_order(order_id)
        if order.status in CANCELLED_ON_TIKTOK:
            self.orders.record_tiktok_cancel(order_id, None, "already_cancelled")
            counts.add("already_cancelled_on_tiktok")
            return

        cancellations = list(self.tiktok.iter_cancellations(order_ids=[order_id]))
        seller_side = [c for c in cancellations if not is_buyer_request(c)]
        open_seller = next((c for c in seller_side if c.cancel_status in DONE_STATUSES | {PENDING}), None)
        if open_seller is not None:
            self.orders.record_tiktok_cancel(order_id, open_seller.cancel_id, open_seller.cancel_status or PENDING)
            counts.add("already_cancelled_on_tiktok")
            return
        buyer_request = next((c for c in cancellations if is_buyer_request(c) and c.cancel_status == PENDING), None)
        if buyer_request is not None:
            self._approve_buyer_request(order_id, buyer_request.cancel_id, counts)
            return

        reason = seller_cancel_reason(order.status, self.region)
        if reason is None:
            self.orders.record_tiktok_cancel(order_id, None, f"not_cancellable_{order.status}")
            counts.add("not_cancellable_on_tiktok")
            logger.error(
                "TikTok does not let a seller cancel the order in its status",
                extra={"order_id": order_id, "tiktok_status": order.status},
            )
            return
        try:
            result = self.tiktok.cancel_order(order_id, reason)
        except ValidationFailed as exc:
            self.orders.record_tiktok_cancel(order_id, None, f"refused_{exc.code}")
            counts.add("tiktok_refused")
            logger.error(
                "TikTok refused to cancel the order",
                extra={"order_id": order_id, "code": exc.code, "request_id": exc.request_id},
            )
            return
        self.orders.record_tiktok_cancel(order_id, result.cancel_id, result.cancel_status or "requested")
        counts.add("cancelled_on_tiktok")
        logger.info(
            "warehouse cancellation sent to TikTok",
            extra={"order_id": order_id, "cancel_id": result.cancel_id, "cancel_reason": reason},
        )

    def _approve_buyer_request(self, order_id: str, cancel_id: str, counts: RunCounts) -> None:
        """The buyer asked to cancel anyway: approving avoids a seller-fault cancellation."""
        try:
            self.tiktok.approve_cancellation(cancel_id, approve_key(cancel_id))
        except ValidationFailed as exc:
            self.orders.record_tiktok_cancel(order_id, cancel_id, f"approval_refused_{exc.code}")
            counts.add("tiktok_refused")
            logger.error(
                "TikTok refused the approval of the buyer's cancel request",
                extra={"order_id": order_id, "cancel_id": cancel_id, "code": exc.code},
            )
            return
        self.orders.record_cancel_response(order_id, cancel_id, "approved")
        self.orders.record_tiktok_cancel(order_id, cancel_id, "buyer_request_approved")
        counts.add("cancelled_on_tiktok")
        logger.info("buyer's cancel request approved for a warehouse cancellation", extra={"order_id": order_id})

    def _tiktok_order(self, order_id: str) -> Order:
        found = self.tiktok.get_orders([order_id])
        if not found:
            raise OrderNotReadable(f"TikTok does not return order {order_id}")
        return found[0]

    def _hub_order(self, reference_num: str) -> OrderRecord | None:
        for candidate in reference_candidates(reference_num):
            record = self.orders.get(candidate)
            if record is not None:
                return record
        return None
