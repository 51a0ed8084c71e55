"""Extensiv's change feed (orders or receivers by `lastModifiedDate`) read facility by facility.

Extensiv date-times carry no time zone, and the dates of orders and receivers appear to be
in their facility's zone (reference/extensiv.md §8.6 [L]). A date from an Eastern facility is
three hours ahead of one written at the same moment by a Pacific facility, so a single cursor
(the latest date seen) pushed ahead by one facility hides what another changes later. The
feed is therefore read one facility at a time, each with its own cursor and overlap window:
within one facility dates are comparable, and an overlap of two hours covers a DST change.

Facilities read: those linked to a TikTok warehouse (where orders go) together with those the
locations direction pulled into the hub (receivers and returns may be anywhere). While the hub
knows none, the feed is read for every facility at once with the direction's single cursor,
as before, and a warning says so on every run.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hub.fulfillments import extensiv_since, later_cursor
from hub.locations import LocationRepository
from hub.sync_state import SyncStateRepository

logger = logging.getLogger(__name__)

_EXTENSIV_ID = re.compile(r"[1-9][0-9]*")

# NOTE: before facility cursors existed each direction kept one cursor, the latest naive date
# seen in any facility. On the first run after the upgrade every facility starts a day before
# that cursor: it may be ahead of a facility's own dates by that facility's zone offset (at
# most a few hours between US zones), so a day re-reads what the old cursor could have hidden
# and readers skip what they recorded already. A facility first seen after the upgrade starts
# from the direction's initial lookback, as a new install does.
UPGRADE_LOOKBACK_SECONDS = 86400


@dataclass
class FacilityWindow:
    """One facility's part of a read: where it starts and how far it got.

    `facility_id` None reads every facility with the direction's single cursor (the hub knows
    no facility yet). `first_read` says there was no cursor to start from, only the lookback.
    """

    facility_id: str | None
    since: str
    stored: str | None
    first_read: bool
    newest: str | None = field(init=False, default=None)
    stopped: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.newest = self.stored

    @property
    def extensiv_facility_id(self) -> int | None:
        """The id for the Extensiv client's `facility_id` filter (None: no filter)."""
        return None if self.facility_id is None else int(self.facility_id)

    def processed(self, last_modified_date: str | None) -> None:
        """A change was fully handled: the cursor may pass it, unless an earlier change failed."""
        if not self.stopped:
            self.newest = later_cursor(self.newest, last_modified_date)

    def failed(self) -> None:
        """A change could not be handled: the cursor stays before it, so the next read sees it again."""
        self.stopped = True


class ExtensivFeed:
    """Reads a direction's Extensiv change feed one facility at a time, with a cursor per facility.

    `overlap_seconds` is how far before a facility's cursor each read starts; the first read of
    a facility starts `initial_lookback_seconds` before now (UTC, which the lookback dwarfs).
    `locations` defaults to the facilities in the sync state's hub table.
    """

    def __init__(
        self,
        direction: str,
        sync_state: SyncStateRepository,
        locations: LocationRepository | None,
        overlap_seconds: int,
        initial_lookback_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.direction = direction
        self.sync_state = sync_state
        self.locations = locations or LocationRepository(sync_state.hub)
        self.overlap_seconds = overlap_seconds
        self.initial_lookback_seconds = initial_lookback_seconds
        self.clock = clock

    def facility_ids(self) -> list[str]:
        """Facilities linked to a TikTok warehouse and facilities pulled into the hub, by id."""
        known = {link.facility_id for link in self.locations.list_links()}
        known |= {facility.facility_id for facility in self.locations.list_facilities()}
        readable = sorted((str(facility_id) for facility_id in known if _is_extensiv_id(facility_id)), key=int)
        unreadable = sorted(str(facility_id) for facility_id in known if not _is_extensiv_id(facility_id))
        if unreadable:
            logger.warning(
                "facility ids that are not Extensiv ids are not read",
                extra={"direction": self.direction, "facility_ids": unreadable},
            )
        return readable

    def windows(self, resync: bool = False) -> list[FacilityWindow]:
        """Where this run reads each facility from; `resync` starts every facility at the lookback."""
        now = self.clock()
        facility_ids = self.facility_ids()
        if not facility_ids:
            logger.warning(
                "no Extensiv facility in the hub: the change feed is read for all facilities with one cursor",
                extra={"direction": self.direction},
            )
            stored = self.sync_state.cursor(self.direction)
            since = extensiv_since(None if resync else stored, self.overlap_seconds, self.initial_lookback_seconds, now)
            return [FacilityWindow(None, since, stored, first_read=stored is None)]

        cursors = self.sync_state.facility_cursors(self.direction)
        legacy = None if cursors else self.sync_state.cursor(self.direction)
        windows = []
        for facility_id in facility_ids:
            stored = cursors.get(facility_id)
            start, overlap = stored, self.overlap_seconds
            if start is None and legacy is not None:
                start, overlap = legacy, max(self.overlap_seconds, UPGRADE_LOOKBACK_SECONDS)
            if resync:
                start = None
            since = extensiv_since(start, overlap, self.initial_lookback_seconds, now)
            windows.append(FacilityWindow(facility_id, since, stored, first_read=stored is None and legacy is None))
        return windows

    def advance(self, window: FacilityWindow) -> None:
        """Store how far a window got. A facility read for the first time keeps at least its
        start, so later runs never depend on the old single cursor or the clock again."""
        target = window.newest
        if target is None and window.stored is None and window.facility_id is not None:
            target = window.since
        if target is None or target == window.stored:
            return
        if window.facility_id is None:
            self.sync_state.advance_cursor(self.direction, target)
        else:
            self.sync_state.advance_facility_cursor(self.direction, window.facility_id, target)

    def read(
        self,
        read_facility: Callable[[FacilityWindow], None],
        resync: bool = False,
        windows: list[FacilityWindow] | None = None,
    ) -> list[FacilityWindow]:
        """Call `read_facility` for each facility's window (`windows`, or this run's), then store
        how far it got.

        A facility whose read raises keeps the cursor of what it handled before the error; the
        other facilities are still read, and the first error is raised at the end.
        """
        windows = self.windows(resync) if windows is None else windows
        errors: list[Exception] = []
        for window in windows:
            try:
                read_facility(window)
            except Exception as exc:  # raised again below, once every facility had its turn
                errors.append(exc)
                logger.exception(
                    "extensiv change feed not read to the end for a facility",
                    extra={"direction": self.direction, "facility_id": window.facility_id},
                )
            finally:
                self.advance(window)
        logger.info(
            "extensiv change feed read",
            extra={
                "direction": self.direction,
                "cursors": {window.facility_id or "all": window.newest for window in windows},
            },
        )
        if errors:
            raise errors[0]
        return windows


def _is_extensiv_id(facility_id: object) -> bool:
    """Extensiv ids are positive integers; the hub keeps them as strings."""
    return _EXTENSIV_ID.fullmatch(str(facility_id)) is not None


__all__ = ["UPGRADE_LOOKBACK_SECONDS", "ExtensivFeed", "FacilityWindow"]
