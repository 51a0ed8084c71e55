"""The sample events in events/returns/ stay valid inputs for the returns function."""

from __future__ import annotations

import json
from pathlib import Path

from return_intake import order_id_of_event

from tests.support.handlers import load_app

EVENTS = Path(__file__).resolve().parents[3] / "events" / "returns"


def load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def test_schedule_event_asks_for_a_run():
    event = load("schedule-run.json")

    assert load_app("returns").action_of(event) == "run"


def test_sqs_event_carries_a_return_trigger_for_an_order():
    record = load("sqs-return-event.json")["Records"][0]

    assert order_id_of_event(record["body"]) == "576486316948490001"
    assert record["eventSource"] == "aws:sqs"


def test_orders_event_names_the_orders_of_a_return_webhook():
    event = load("return-orders.json")

    assert load_app("returns").action_of(event) == "orders"
    assert event["order_ids"] == ["576486316948490001"]
