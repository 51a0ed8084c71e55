"""The scheduled safety net: find orders a webhook never announced, and orders left waiting.

Two sources feed the shipping-requests queue from here:
- TikTok orders updated since the cursor (minus an overlap, since the search index can lag),
- hub orders that need another look: held for a reason that clears by itself (the buyer's
  hold window), claims whose lease expired (a crashed attempt), orders received but never
  processed, and operator holds, re-checked now and then in case the cause was fixed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connector_common.queues import ShippingRequestMessage, ShippingRequestQueue
from hub.orders import HoldReason, OrderRecord, OrderRepository, OrderState
from hub.sync_state import SyncStateRepository

logger = logging.getLogger(__name__)

DIRECTION = "shipping_requests_poll"
STUCK_RECEIVED_SECONDS = 120


@dataclass
class PollReport:
    cursor_from: int
    cursor_to: int
    tiktok_orders_seen: int = 0
    queued_from_tiktok: int = 0
    queued_from_hub: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "tiktok_orders_seen": self.tiktok_orders_seen,
            "queued_from_tiktok": self.queued_from_tiktok,
            **{f"requeued_{name}": count for name, count in self.queued_from_hub.items()},
        }


class OrderPoller:
    """Polls TikTok by update time and sweeps the hub; everything found goes through the queue."""

    def __init__(
        self,
        tiktok,
        orders: OrderRepository,
        sync_state: SyncStateRepository,
        queue: ShippingRequestQueue,
        overlap_seconds: int = 300,
        lag_seconds: int = 5,
        initial_lookback_seconds: int = 24 * 3600,
        recheck_held_after_seconds: int = 900,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tiktok = tiktok
        self.orders = orders
        self.sync_state = sync_state
        self.queue = queue
        self.overlap_seconds = overlap_seconds
        self.lag_seconds = lag_seconds
        self.initial_lookback_seconds = initial_lookback_seconds
        self.recheck_held_after_seconds = recheck_held_after_seconds
        self.clock = clock

    def run(self) -> PollReport:
        now = int(self.clock())
        stored = self.sync_state.cursor(DIRECTION)
        cursor = int(stored) if stored else now - self.initial_lookback_seconds
        until = now - self.lag_seconds
        report = PollReport(cursor_from=cursor, cursor_to=until)

        messages = list(self._from_tiktok(max(0, cursor - self.overlap_seconds), until, report))
        messages += self._from_hub(report)
        self.queue.send_many(messages)

        # Only after everything found is safely queued does the cursor move.
        self.sync_state.advance_cursor(DIRECTION, str(max(cursor, until)))
        self.sync_state.record_run(DIRECTION, report.counts())
        logger.info("order poll done", extra={"cursor": until, "counts": report.counts()})
        return report

    def _from_tiktok(self, since: int, until: int, report: PollReport) -> Iterable[ShippingRequestMessage]:
        for order in self.tiktok.iter_orders_updated_since(since, until):
            report.tiktok_orders_seen += 1
            record = self.orders.get(order.id)
            if record is not None and record.is_done:
                continue
            report.queued_from_tiktok += 1
            yield ShippingRequestMessage(order.id, "poll", float(order.update_time or until))

    def _from_hub(self, report: PollReport) -> list[ShippingRequestMessage]:
        now = self.clock()
        due: dict[str, tuple[str, OrderRecord]] = {}
        for record in self.orders.list_by_state(OrderState.HELD):
            if self._held_is_due(record, now):
                due[record.order_id] = ("sweep_held", record)
        for record in self.orders.list_by_state(OrderState.SUBMITTING):
            if (record.lease_until or 0) < now:
                due[record.order_id] = ("sweep_unfinished", record)
        for record in self.orders.list_by_state(OrderState.RECEIVED):
            if (record.first_seen_at or 0) < now - STUCK_RECEIVED_SECONDS:
                due[record.order_id] = ("sweep_received", record)

        messages = []
        for order_id, (source, record) in due.items():
            report.queued_from_hub[source] = report.queued_from_hub.get(source, 0) + 1
            messages.append(ShippingRequestMessage(order_id, source, record.source_event_time))
        return messages

    def _held_is_due(self, record: OrderRecord, now: float) -> bool:
        try:
            reason = HoldReason(record.reason)
        except ValueError:
            return False
        if reason.clears_by_itself:
            return True
        return _age_seconds(record.updated_at, now) >= self.recheck_held_after_seconds


def _age_seconds(stamp: str | None, now: float) -> float:
    if not stamp:
        return float("inf")
    parsed = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
    return now - parsed
