"""Extensiv receipts -> hub (switch "pull receipts").

Receivers that are not returns are read by `lastModifiedDate` facility by facility, each from
its own cursor minus an overlap (Extensiv dates carry no time zone and are in each facility's
zone, reference/extensiv.md §8.6; see hub.extensiv_feed). A receiver whose reference number
is an arrival id and whose status is Closed (1, confirmed by the warehouse, stock on hand) is
recorded against that arrival with the quantities received and the variance per SKU.
Recording is conditional, so reading a receiver again records nothing twice.

The first run (of any facility without a cursor yet) and a resync also ask Extensiv directly
about every arrival pushed but not yet received, whatever its receiver's modification date.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from arrival_rules import receipt_for

from connector_common.direction import RunCounts
from extensiv.errors import NotFound
from extensiv.models import OrderStatus, Receiver, ReceiverType
from hub.arrivals import ArrivalRecord, ArrivalRepository, ArrivalState
from hub.extensiv_feed import ExtensivFeed, FacilityWindow
from hub.locations import LocationRepository
from hub.sync_state import SyncStateRepository

logger = logging.getLogger(__name__)

DIRECTION = "receipts_pull"


class ReceiptPull:
    """Records confirmed receivers against their arrivals."""

    def __init__(
        self,
        extensiv,
        arrivals: ArrivalRepository,
        sync_state: SyncStateRepository,
        overlap_seconds: int = 86400,
        initial_lookback_seconds: int = 7 * 86400,
        clock: Callable[[], float] = time.time,
        locations: LocationRepository | None = None,
    ) -> None:
        self.extensiv = extensiv
        self.arrivals = arrivals
        self.sync_state = sync_state
        self.feed = ExtensivFeed(DIRECTION, sync_state, locations, overlap_seconds, initial_lookback_seconds, clock)

    def run(self, counts: RunCounts, resync: bool = False) -> None:
        """One pass; each facility's cursor moves only past the receivers that were handled."""
        windows = self.feed.windows()
        if resync or any(window.first_read for window in windows):
            self._check_open_arrivals(counts)

        self.feed.read(lambda window: self._read_facility(window, counts), windows=windows)
        logger.info("receipts pulled", extra={"direction": DIRECTION, "counts": counts.values})

    def _read_facility(self, window: FacilityWindow, counts: RunCounts) -> None:
        receivers = self.extensiv.iter_receivers(
            modified_since=window.since,
            receiver_type=ReceiverType.NORMAL,
            facility_id=window.extensiv_facility_id,
        )
        for receiver in receivers:
            if not receiver.is_return:
                counts.add("receivers_seen")
                self.apply(receiver, counts)
            window.processed(receiver.last_modified_date)

    def apply(self, receiver: Receiver, counts: RunCounts, arrival: ArrivalRecord | None = None) -> None:
        """Record one receiver's outcome against its arrival, if it is one of the hub's."""
        if arrival is None and receiver.reference_num:
            arrival = self.arrivals.get(receiver.reference_num)
        if arrival is None:
            counts.add("receivers_not_ours")
            return
        receiver_id = str(receiver.receiver_id)
        if arrival.receiver_id and arrival.receiver_id != receiver_id:
            counts.add("receivers_mismatched")
            logger.warning(
                "receiver reference names an arrival pushed as another receiver",
                extra={"arrival_id": arrival.arrival_id, "receiver_id": receiver_id, "pushed_as": arrival.receiver_id},
            )
            return

        if receiver.status == OrderStatus.CANCELED:
            if self.arrivals.mark_cancelled(arrival.arrival_id, receiver_id, "receiver cancelled in Extensiv"):
                counts.add("arrivals_cancelled")
                logger.warning("arrival cancelled in Extensiv", extra={"arrival_id": arrival.arrival_id})
            return
        if not receiver.is_received:
            counts.add("receivers_open")
            return
        self._record(arrival, receiver, counts)

    def _record(self, arrival: ArrivalRecord, receiver: Receiver, counts: RunCounts) -> None:
        receipt = receipt_for(arrival, receiver)
        if not self.arrivals.record_receipt(arrival.arrival_id, receipt):
            counts.add("receipts_already_recorded")
            return

        counts.add("receipts_pulled")
        details = {
            "arrival_id": arrival.arrival_id,
            "receiver_id": receipt.receiver_id,
            "expected_units": str(receipt.expected_units),
            "received_units": str(receipt.received_units),
            "variance_units": str(receipt.variance_units),
        }
        logger.info("receipt recorded", extra=details)
        if not receipt.has_variance:
            return
        counts.add("receipts_with_variance")
        short = sum(line.variance for line in receipt.lines if line.variance > 0)
        over = -sum(line.variance for line in receipt.lines if line.variance < 0)
        for name, units in (("units_short", short), ("units_over", over)):
            if units:
                counts.add(name, int(units))
        variances = {line.sku: str(line.variance) for line in receipt.lines if line.variance != 0}
        logger.warning("receipt differs from the arrival", extra={**details, "variance_by_sku": variances})

    def _check_open_arrivals(self, counts: RunCounts) -> None:
        for arrival in self.arrivals.list_by_state(ArrivalState.PUSHED):
            if not arrival.receiver_id:
                continue
            try:
                receiver = self.extensiv.get_receiver(int(arrival.receiver_id))
            except NotFound:
                counts.add("receivers_missing")
                logger.warning(
                    "receiver of a pushed arrival is not in Extensiv",
                    extra={"arrival_id": arrival.arrival_id, "receiver_id": arrival.receiver_id},
                )
                continue
            counts.add("arrivals_checked")
            self.apply(receiver, counts, arrival)
