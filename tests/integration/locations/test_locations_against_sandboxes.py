"""The locations direction with a moto hub and the real clients against both sandboxes over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from locations_pull import LocationPull

from connector_common.direction import RunCounts
from extensiv.errors import ExtensivServerError
from hub.locations import LocationRepository
from tests.support.stock_sandboxes import (
    WAREHOUSES,
    WH_NEWARK,
    WH_RENO,
    WH_RETURNS,
    WH_SPARE,
    StockSandboxes,
    loopback_session,
    start_stock_sandboxes,
)


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[StockSandboxes]:
    extensiv, tiktok = start_stock_sandboxes()
    try:
        yield StockSandboxes(extensiv, tiktok)
    finally:
        tiktok.stop()
        extensiv.stop()


@pytest.fixture
def session(sandboxes) -> Iterator:
    sandboxes.reset()
    with loopback_session() as loopback:
        yield loopback


@pytest.fixture
def locations(aws) -> LocationRepository:
    return LocationRepository(aws.hub)


def pull(sandboxes: StockSandboxes, session, locations: LocationRepository) -> dict[str, int]:
    # A fresh TikTok client each time: a sandbox reset mints new credentials.
    counts = RunCounts()
    LocationPull(sandboxes.extensiv_client(session), sandboxes.tiktok_client(session), locations).run(counts)
    return counts.values


def reseed_tiktok_warehouses(sandboxes: StockSandboxes, warehouses: list[dict]) -> None:
    """TikTok changes its warehouses: the sandbox is reset and seeded with the new list."""
    sandboxes.tiktok_control("reset", {})
    sandboxes.tiktok_control("warehouses", {"warehouses": warehouses, "replace": True})


def test_facilities_and_warehouses_are_pulled_into_the_hub(sandboxes, session, locations):
    counts = pull(sandboxes, session, locations)

    facilities = {facility.facility_id: facility for facility in locations.list_facilities()}
    assert sorted(facilities) == ["1", "2", "3"]
    assert (facilities["1"].name, facilities["1"].time_zone_name) == ("Reno", "Pacific Standard Time")
    warehouses = {warehouse.warehouse_id: warehouse for warehouse in locations.list_warehouses()}
    assert sorted(warehouses) == sorted([WH_RENO, WH_NEWARK, WH_SPARE, WH_RETURNS])
    assert warehouses[WH_RENO].is_sales_warehouse
    assert not warehouses[WH_RETURNS].is_sales_warehouse
    assert (counts["facilities"], counts["warehouses"], counts["sales_warehouses"]) == (3, 4, 3)


def test_a_second_pull_of_unchanged_locations_writes_nothing(sandboxes, session, locations):
    pull(sandboxes, session, locations)

    counts = pull(sandboxes, session, locations)

    assert counts.get("facilities_saved", 0) == 0
    assert counts.get("warehouses_saved", 0) == 0


def test_pull_leaves_links_to_the_operator(sandboxes, session, locations):
    locations.link(WH_RENO, "1")

    pull(sandboxes, session, locations)

    assert [(link.warehouse_id, link.facility_id) for link in locations.list_links()] == [(WH_RENO, "1")]


def test_facility_deactivated_in_extensiv_is_marked_and_its_link_reported(sandboxes, session, locations):
    locations.link(WH_NEWARK, "2")
    pull(sandboxes, session, locations)
    sandboxes.extensiv_control("facilities", {"facilities": [{"id": 2, "deactivated": True}]})

    counts = pull(sandboxes, session, locations)

    facility = next(facility for facility in locations.list_facilities() if facility.facility_id == "2")
    assert (facility.deactivated, facility.is_active) == (True, False)
    assert counts["links_reported"] == 1
    assert [(problem.link.facility_id, problem.problem) for problem in locations.link_problems()] == [
        ("2", "facility_deactivated")
    ]


def test_warehouse_disabled_on_tiktok_is_marked_and_its_link_reported(sandboxes, session, locations):
    locations.link(WH_SPARE, "3")
    pull(sandboxes, session, locations)
    disabled = [{**spec, "effect_status": "DISABLED"} if spec["id"] == WH_SPARE else spec for spec in WAREHOUSES]
    reseed_tiktok_warehouses(sandboxes, disabled)

    counts = pull(sandboxes, session, locations)

    warehouse = next(w for w in locations.list_warehouses() if w.warehouse_id == WH_SPARE)
    assert (warehouse.effect_status, warehouse.is_active) == ("DISABLED", False)
    assert counts["links_reported"] == 1
    assert [problem.problem for problem in locations.link_problems()] == ["warehouse_disabled"]


def test_warehouse_tiktok_no_longer_lists_is_kept_as_unlisted_not_deleted(sandboxes, session, locations):
    locations.link(WH_SPARE, "3")
    pull(sandboxes, session, locations)
    reseed_tiktok_warehouses(sandboxes, [spec for spec in WAREHOUSES if spec["id"] != WH_SPARE])

    counts = pull(sandboxes, session, locations)

    warehouse = next(w for w in locations.list_warehouses() if w.warehouse_id == WH_SPARE)
    assert warehouse.listed is False
    assert [problem.problem for problem in locations.link_problems()] == ["warehouse_not_listed"]
    assert counts["links_reported"] == 1


def test_extensiv_failure_still_pulls_tiktok_warehouses_and_fails_the_run(sandboxes, session, locations):
    sandboxes.extensiv_control("faults", {"match": "^/properties/facilities", "status": 500, "count": 10})

    with pytest.raises(ExtensivServerError):
        pull(sandboxes, session, locations)

    assert locations.list_facilities() == []
    assert len(locations.list_warehouses()) == 4


def test_link_to_a_return_warehouse_is_reported_since_it_ships_no_orders(sandboxes, session, locations):
    locations.link(WH_RETURNS, "1")

    counts = pull(sandboxes, session, locations)

    assert counts["links_reported"] == 1
    assert [problem.problem for problem in locations.link_problems()] == ["warehouse_not_for_sales"]
