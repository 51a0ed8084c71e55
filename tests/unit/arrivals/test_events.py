"""The arrivals sample events and example operator files stay valid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector_common.arrival_file import load_arrival_file
from tests.support.handlers import load_app
from tests.support.template import resource

EVENTS = Path(__file__).resolve().parents[3] / "events" / "arrivals"


@pytest.mark.parametrize(("name", "action"), [("schedule-run.json", "run"), ("resync.json", "resync")])
def test_arrivals_event_names_an_action_the_handler_accepts(name, action):
    event = json.loads((EVENTS / name).read_text())

    assert load_app("arrivals").action_of(event) == action


def test_arrivals_function_is_scheduled_with_the_run_event():
    schedule = resource("ArrivalsFunction")["Properties"]["Events"]["Run"]["Properties"]

    assert json.loads(schedule["Input"]) == json.loads((EVENTS / "schedule-run.json").read_text())


def test_example_json_arrival_file_declares_one_arrival():
    (spec,) = load_arrival_file(EVENTS / "arrival.example.json")

    assert (spec.arrival_id, spec.facility_id, spec.expected_date) == ("PO-1001", "1", "2025-07-01T00:00:00")
    assert [(line.sku, line.quantity) for line in spec.lines] == [("TEE-BLK-M", 24), ("MUG-CERAMIC", 12)]


def test_example_csv_arrival_file_groups_rows_by_arrival():
    specs = load_arrival_file(EVENTS / "arrival.example.csv")

    assert [(spec.arrival_id, len(spec.lines)) for spec in specs] == [("PO-1002", 2), ("PO-1003", 1)]
    assert specs[0].tracking_number == "1Z999AA10123456784"
    assert specs[1].notes == "fragile"
