"""The sample events of shipment_cancellations stay valid inputs for its handler."""

from __future__ import annotations

import json
from pathlib import Path

EVENTS = Path(__file__).resolve().parents[3] / "events" / "shipment_cancellations"
SAMPLES = Path("/work/shared/reference/samples/tiktok")


def test_schedule_event_asks_for_a_run():
    assert json.loads((EVENTS / "schedule-run.json").read_text()) == {"action": "run"}


def test_orders_event_names_the_order_of_the_documented_cancellation_webhook():
    event = json.loads((EVENTS / "cancellation-orders.json").read_text())
    webhook = json.loads((SAMPLES / "webhook-11-cancellation-status-change.json").read_text())

    assert event == {"action": "orders", "order_ids": [webhook["data"]["order_id"]]}
