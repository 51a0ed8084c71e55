"""Extensiv facilities and TikTok warehouses into the hub; links stay the operator's.

A facility Extensiv deactivates (or stops listing) and a warehouse TikTok disables (or stops
listing) are kept in the hub, marked so, never deleted: a link may still point at them, and
every such link is reported in the log and the run's counts (`syncctl` and the doctor read the
same facts from `LocationRepository.link_problems`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable

from connector_common.direction import RunCounts
from extensiv.errors import ExtensivError
from hub.locations import Facility, LocationRepository, Warehouse
from tiktok_shop.errors import TikTokShopError

logger = logging.getLogger(__name__)

DIRECTION = "locations"


class LocationPull:
    """Pulls both platforms' locations; one platform failing does not stop the other."""

    def __init__(self, extensiv, tiktok, locations: LocationRepository) -> None:
        self.extensiv = extensiv
        self.tiktok = tiktok
        self.locations = locations

    def run(self, counts: RunCounts) -> None:
        """One pass. Raises the first platform error after both sides were tried."""
        errors: list[Exception] = []
        try:
            self._pull_facilities(counts)
        except ExtensivError as exc:
            logger.error("facilities could not be pulled from Extensiv", extra={"error": type(exc).__name__})
            errors.append(exc)
        try:
            self._pull_warehouses(counts)
        except TikTokShopError as exc:
            logger.error("warehouses could not be pulled from TikTok", extra={"error": type(exc).__name__})
            errors.append(exc)

        self._report_links(counts)
        if errors:
            raise errors[0]

    def _pull_facilities(self, counts: RunCounts) -> None:
        pulled = [
            Facility(
                str(facility.facility_id),
                facility.name or "",
                facility.time_zone_name,
                deactivated=facility.deactivated,
            )
            for facility in self.extensiv.list_facilities()
        ]
        stored = {facility.facility_id: facility for facility in self.locations.list_facilities()}
        for facility in _with_unlisted(pulled, stored, key="facility_id"):
            if stored.get(facility.facility_id) != facility:
                self.locations.save_facility(facility)
                counts.add("facilities_saved")
            counts.add("facilities")
            if facility.deactivated:
                counts.add("facilities_deactivated")
            if not facility.listed:
                counts.add("facilities_unlisted")

    def _pull_warehouses(self, counts: RunCounts) -> None:
        pulled = [
            Warehouse(warehouse.id, warehouse.name or "", warehouse.type, warehouse.effect_status)
            for warehouse in self.tiktok.list_warehouses()
        ]
        stored = {warehouse.warehouse_id: warehouse for warehouse in self.locations.list_warehouses()}
        for warehouse in _with_unlisted(pulled, stored, key="warehouse_id"):
            if stored.get(warehouse.warehouse_id) != warehouse:
                self.locations.save_warehouse(warehouse)
                counts.add("warehouses_saved")
            counts.add("warehouses")
            if warehouse.is_sales_warehouse:
                counts.add("sales_warehouses")
            if not warehouse.is_active:
                counts.add("warehouses_inactive")

    def _report_links(self, counts: RunCounts) -> None:
        counts.add("links", len(self.locations.list_links()))
        for problem in self.locations.link_problems():
            counts.add("links_reported")
            logger.error(
                "link points at a location that cannot serve it",
                extra={
                    "warehouse_id": problem.link.warehouse_id,
                    "facility_id": problem.link.facility_id,
                    "problem": problem.problem,
                },
            )


def _with_unlisted(pulled: Iterable, stored: dict, key: str) -> list:
    """The pulled records plus those the hub knows that the platform no longer lists."""
    records = list(pulled)
    seen = {getattr(record, key) for record in records}
    for record_id, record in sorted(stored.items()):
        if record_id not in seen:
            records.append(dataclasses.replace(record, listed=False))
    return records
