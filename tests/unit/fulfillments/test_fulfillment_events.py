"""The sample event of fulfillments stays a valid input for its handler."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.handlers import load_app

EVENTS = Path(__file__).resolve().parents[3] / "events" / "fulfillments"


def test_schedule_event_asks_for_a_full_run_the_handler_knows():
    event = json.loads((EVENTS / "schedule-run.json").read_text())

    assert event == {"action": "run"}
    assert load_app("fulfillments").ACTIONS[event["action"]] == ("fulfillments_pull", "fulfillments_push")
