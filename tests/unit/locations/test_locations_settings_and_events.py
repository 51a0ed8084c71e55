"""The locations function's sample event, switch default and the location records' predicates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector_common.settings import LocationSettings
from hub.locations import Facility, Warehouse
from tests.support.template import parameter_default, resource

EVENT = Path(__file__).resolve().parents[3] / "events" / "locations" / "schedule-run.json"


def test_schedule_sends_the_sample_event():
    schedule = resource("LocationsFunction")["Properties"]["Events"]["Pull"]["Properties"]

    assert json.loads(schedule["Input"]) == json.loads(EVENT.read_text()) == {"action": "run"}


def test_location_pull_is_on_by_default_since_it_only_reads():
    settings = LocationSettings.from_env({"HUB_TABLE": "hub", "TIKTOK_SECRET_ARN": "t", "EXTENSIV_SECRET_ARN": "e"})

    assert (parameter_default("PullLocations"), settings.pull_locations) == ("true", True)


@pytest.mark.parametrize(
    ("facility", "active"),
    [
        (Facility("1", "Reno"), True),
        (Facility("1", "Reno", deactivated=True), False),
        (Facility("1", "Reno", listed=False), False),
    ],
)
def test_facility_is_active_only_while_listed_and_not_deactivated(facility, active):
    assert facility.is_active is active


@pytest.mark.parametrize(
    ("warehouse", "active", "sales"),
    [
        (Warehouse("7", "DC", "SALES_WAREHOUSE", "ENABLED"), True, True),
        (Warehouse("7", "DC", "SALES_WAREHOUSE", "DISABLED"), False, True),
        (Warehouse("7", "DC", "SALES_WAREHOUSE", "RESTRICTED"), False, True),
        (Warehouse("7", "DC", "RETURN_WAREHOUSE", "ENABLED"), True, False),
        (Warehouse("7", "DC", "SALES_WAREHOUSE", "ENABLED", listed=False), False, True),
    ],
)
def test_warehouse_ships_orders_only_as_an_enabled_sales_warehouse(warehouse, active, sales):
    assert (warehouse.is_active, warehouse.is_sales_warehouse) == (active, sales)
