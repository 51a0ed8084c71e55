"""Extensiv -> hub: shipped orders since the cursor, recorded with carrier, tracking and packages.

The orders are read facility by facility, each with its own cursor (hub.extensiv_feed): Extensiv
dates are naive and in each facility's zone, so one cursor would hide a facility's later shipments.

Only Extensiv orders whose reference is a hub order are the connector's (the TikTok order id
is the Extensiv `referenceNum`; a warehouse split adds `-<n>`). An order counts as shipped
when it is closed with status Closed (reference/extensiv.md §3.4). Cancelled Extensiv orders
are left to the shipment-cancellations function, which reads the same feed with its own cursor.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from package_lines import master_sku_translator, shipment_from

from connector_common.direction import RunCounts
from extensiv.client import ORDER_DETAIL
from extensiv.models import ExtensivOrder
from hub.errors import HubError, TransitionRejected
from hub.extensiv_feed import ExtensivFeed, FacilityWindow
from hub.fulfillments import FulfillmentRepository, reference_candidates
from hub.locations import LocationRepository
from hub.orders import OrderRecord, OrderRepository, OrderState
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository

logger = logging.getLogger(__name__)

DIRECTION = "fulfillments_pull"


class FulfillmentPull:
    """One pass of the pull; `run` is the work `run_direction` calls."""

    def __init__(
        self,
        extensiv,
        orders: OrderRepository,
        fulfillments: FulfillmentRepository,
        skus: SkuRepository,
        sync_state: SyncStateRepository,
        overlap_seconds: int = 7200,
        initial_lookback_seconds: int = 3 * 86400,
        clock: Callable[[], float] = time.time,
        locations: LocationRepository | None = None,
    ) -> None:
        self.extensiv = extensiv
        self.orders = orders
        self.fulfillments = fulfillments
        self.skus = skus
        self.sync_state = sync_state
        self.feed = ExtensivFeed(DIRECTION, sync_state, locations, overlap_seconds, initial_lookback_seconds, clock)

    def run(self, counts: RunCounts) -> None:
        self.feed.read(lambda window: self._read_facility(window, counts))
        logger.info("fulfillment pull done", extra=counts.values)

    def _read_facility(self, window: FacilityWindow, counts: RunCounts) -> None:
        # Orders arrive oldest change first; the cursor stops before the first one that failed,
        # so the next pass reads it again (what was recorded meanwhile is skipped).
        orders = self.extensiv.iter_orders_modified_since(
            window.since, detail=ORDER_DETAIL, facility_id=window.extensiv_facility_id
        )
        for order in orders:
            counts.add("extensiv_orders_read")
            try:
                self._take(order, counts)
            except HubError:
                counts.add("failed")
                window.failed()
                logger.exception(
                    "shipment not recorded",
                    extra={"extensiv_order_id": order.order_id, "facility_id": window.facility_id},
                )
                continue
            window.processed(order.last_modified_date)

    def _take(self, order: ExtensivOrder, counts: RunCounts) -> None:
        if not order.is_shipped:
            return
        record = self._hub_order(order.reference_num)
        if record is None:
            counts.add("not_in_hub")
            return
        extensiv_order_id = str(order.order_id)
        if self.fulfillments.is_recorded(record.order_id, extensiv_order_id, order.last_modified_date):
            counts.add("already_recorded")
            return

        shipment = shipment_from(order, master_sku_translator(self.skus))
        self.fulfillments.record_shipment(record.order_id, shipment)
        counts.add("shipments_recorded")
        counts.add("packages_recorded", len(shipment.packages))
        logger.info(
            "shipment recorded",
            extra={
                "order_id": record.order_id,
                "extensiv_order_id": extensiv_order_id,
                "carrier": shipment.carrier,
                "packages": len(shipment.packages),
            },
        )
        self._mark_shipped(record, shipment.extensiv_order_id, shipment.ship_date, counts)

    def _mark_shipped(
        self, record: OrderRecord, extensiv_order_id: str, ship_date: str | None, counts: RunCounts
    ) -> None:
        if record.state != OrderState.SUBMITTED:
            if record.state == OrderState.CANCELLED:
                logger.error(
                    "the warehouse shipped an order the hub has as cancelled",
                    extra={"order_id": record.order_id, "extensiv_order_id": extensiv_order_id},
                )
            return
        try:
            self.orders.mark_shipped(record.order_id, extensiv_order_id, ship_date)
        except TransitionRejected:
            return
        counts.add("orders_shipped")

    def _hub_order(self, reference_num: str) -> OrderRecord | None:
        for candidate in reference_candidates(reference_num):
            record = self.orders.get(candidate)
            if record is not None:
                return record
        return None
