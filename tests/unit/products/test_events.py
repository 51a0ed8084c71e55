"""The products sample events stay valid inputs for the handler."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.handlers import load_app
from tests.support.template import resource

EVENTS = Path(__file__).resolve().parents[3] / "events" / "products"


@pytest.mark.parametrize(("name", "action"), [("schedule-run.json", "run"), ("resync.json", "resync")])
def test_products_event_names_an_action_the_handler_accepts(name, action):
    event = json.loads((EVENTS / name).read_text())

    assert load_app("products").action_of(event) == action


def test_products_function_is_scheduled_with_the_run_event():
    schedule = resource("ProductsFunction")["Properties"]["Events"]["Run"]["Properties"]

    assert json.loads(schedule["Input"]) == json.loads((EVENTS / "schedule-run.json").read_text())
