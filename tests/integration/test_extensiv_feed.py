"""The Extensiv change feed read facility by facility (hub.extensiv_feed), with a moto hub."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from extensiv.errors import ExtensivUnavailable
from hub.extensiv_feed import ExtensivFeed, FacilityWindow
from hub.locations import Facility, LocationRepository
from hub.sync_state import SyncStateRepository

DIRECTION = "fulfillments_pull"
NOW = datetime(2026, 12, 4, 18, 0, tzinfo=UTC).timestamp()
LOOKBACK_START = "2026-12-01T18:00:00"  # NOW (UTC, naive) minus the three-day lookback


@pytest.fixture
def sync_state(aws) -> SyncStateRepository:
    return SyncStateRepository(aws.hub)


@pytest.fixture
def locations(aws) -> LocationRepository:
    return LocationRepository(aws.hub)


@pytest.fixture
def feed(sync_state, locations) -> ExtensivFeed:
    return ExtensivFeed(DIRECTION, sync_state, locations, 7200, 3 * 86400, clock=lambda: NOW)


def pulled(locations: LocationRepository, *facility_ids: str) -> None:
    for facility_id in facility_ids:
        locations.save_facility(Facility(facility_id, f"Facility {facility_id}", "Eastern Standard Time"))


def since_by_facility(windows: list[FacilityWindow]) -> dict[str | None, str]:
    return {window.facility_id: window.since for window in windows}


def test_feed_reads_linked_and_pulled_facilities_once_each_in_id_order(feed, locations, caplog):
    locations.link("7000000000000000001", "10")
    locations.link("7000000000000000002", "3")
    pulled(locations, "10", "2", "not-a-number", "0")

    with caplog.at_level(logging.WARNING, logger="hub.extensiv_feed"):
        facility_ids = feed.facility_ids()

    assert facility_ids == ["2", "3", "10"]
    [warning] = caplog.records
    assert warning.facility_ids == ["0", "not-a-number"]


def test_feed_without_any_facility_reads_all_of_them_with_the_direction_cursor_and_says_so(feed, sync_state, caplog):
    sync_state.advance_cursor(DIRECTION, "2026-12-04T09:00:00")

    with caplog.at_level(logging.WARNING, logger="hub.extensiv_feed"):
        [window] = feed.read(lambda window: window.processed("2026-12-04T09:30:00"))

    assert (window.facility_id, window.extensiv_facility_id, window.since) == (None, None, "2026-12-04T07:00:00")
    assert sync_state.cursor(DIRECTION) == "2026-12-04T09:30:00"
    assert sync_state.facility_cursors(DIRECTION) == {}
    assert [record.direction for record in caplog.records if record.levelno == logging.WARNING] == [DIRECTION]


def test_first_run_after_the_upgrade_starts_every_facility_a_day_before_the_old_cursor(feed, sync_state, locations):
    sync_state.advance_cursor(DIRECTION, "2026-12-04T12:00:00")
    pulled(locations, "1", "2")

    windows = feed.windows()

    assert since_by_facility(windows) == {"1": "2026-12-03T12:00:00", "2": "2026-12-03T12:00:00"}
    assert [window.first_read for window in windows] == [False, False]


def test_facility_first_seen_after_the_upgrade_starts_at_the_initial_lookback(feed, sync_state, locations):
    sync_state.advance_cursor(DIRECTION, "2026-12-04T12:00:00")
    sync_state.advance_facility_cursor(DIRECTION, "1", "2026-12-04T09:15:00")
    pulled(locations, "1", "2")

    windows = feed.windows()

    assert since_by_facility(windows) == {"1": "2026-12-04T07:15:00", "2": LOOKBACK_START}
    assert [(window.facility_id, window.first_read) for window in windows] == [("1", False), ("2", True)]


def test_each_facility_cursor_stops_before_its_own_first_failure(feed, sync_state, locations):
    pulled(locations, "1", "2")
    sync_state.advance_facility_cursor(DIRECTION, "1", "2026-12-04T08:00:00")
    sync_state.advance_facility_cursor(DIRECTION, "2", "2026-12-04T11:00:00")

    def read(window: FacilityWindow) -> None:
        if window.facility_id == "1":
            window.processed("2026-12-04T09:00:00")
            window.failed()
            window.processed("2026-12-04T09:30:00")
        else:
            window.processed("2026-12-04T12:00:00")

    feed.read(read)

    assert sync_state.facility_cursors(DIRECTION) == {"1": "2026-12-04T09:00:00", "2": "2026-12-04T12:00:00"}


def test_error_reading_one_facility_keeps_what_it_handled_reads_the_others_and_is_raised(feed, sync_state, locations):
    pulled(locations, "1", "2")
    sync_state.advance_facility_cursor(DIRECTION, "1", "2026-12-04T08:00:00")
    sync_state.advance_facility_cursor(DIRECTION, "2", "2026-12-04T11:00:00")

    def read(window: FacilityWindow) -> None:
        if window.facility_id == "1":
            window.processed("2026-12-04T08:30:00")
            raise ExtensivUnavailable("page 2 timed out")
        window.processed("2026-12-04T12:00:00")

    with pytest.raises(ExtensivUnavailable, match="page 2 timed out"):
        feed.read(read)

    assert sync_state.facility_cursors(DIRECTION) == {"1": "2026-12-04T08:30:00", "2": "2026-12-04T12:00:00"}


def test_first_read_that_finds_nothing_keeps_its_start_for_the_next_run(feed, sync_state, locations):
    pulled(locations, "1")

    [first] = feed.read(lambda window: None)
    [second] = feed.windows()

    assert (first.since, first.first_read) == (LOOKBACK_START, True)
    assert sync_state.facility_cursor(DIRECTION, "1") == LOOKBACK_START
    assert (second.since, second.first_read) == ("2026-12-01T16:00:00", False)


def test_resync_reads_from_the_lookback_and_never_moves_a_cursor_back(feed, sync_state, locations):
    pulled(locations, "1")
    sync_state.advance_facility_cursor(DIRECTION, "1", "2026-12-04T10:00:00")

    [window] = feed.read(lambda window: window.processed("2026-12-02T10:00:00"), resync=True)

    assert window.since == LOOKBACK_START
    assert sync_state.facility_cursor(DIRECTION, "1") == "2026-12-04T10:00:00"


def test_facility_cursors_are_kept_apart_from_the_direction_record(sync_state):
    sync_state.advance_facility_cursor(DIRECTION, "2", "2026-12-04T15:00:00")
    sync_state.advance_facility_cursor(DIRECTION, "1", "2026-12-04T12:00:00")
    sync_state.advance_facility_cursor(DIRECTION, "1", "2026-12-04T12:30:00")
    sync_state.record_run(DIRECTION, {"shipments_recorded": 1})

    status = sync_state.get(DIRECTION)

    assert status.facility_cursors == {"1": "2026-12-04T12:30:00", "2": "2026-12-04T15:00:00"}
    assert status.cursor is None
    assert [state.direction for state in sync_state.list()] == [DIRECTION]
    assert sync_state.facility_cursors("warehouse_cancellations") == {}
