"""How long ago each direction last succeeded, as the health check reports it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from direction_health import NEVER_SUCCEEDED_SECONDS, DirectionAge, direction_ages

from hub.sync_state import DirectionStatus
from tests.support.template import resource

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC).timestamp()
EVENT = Path(__file__).resolve().parents[3] / "events" / "health" / "schedule-run.json"


def stamp(seconds_ago: float) -> str:
    return datetime.fromtimestamp(NOW - seconds_ago, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def status(direction: str, *, ran: float | None, succeeded: float | None, **counts: int) -> DirectionStatus:
    return DirectionStatus(
        direction=direction,
        last_run_at=stamp(ran) if ran is not None else None,
        last_success_at=stamp(succeeded) if succeeded is not None else None,
        last_counts=counts,
    )


def test_direction_ages_are_seconds_since_the_last_success_not_the_last_run():
    statuses = [
        status("inventory", ran=30, succeeded=30, skus_pushed=2),
        status("fulfillments_push", ran=60, succeeded=1800),
    ]

    ages = direction_ages(statuses, NOW)

    assert ages == [DirectionAge("fulfillments_push", 1800.0), DirectionAge("inventory", 30.0)]


def test_switched_off_direction_is_not_reported_even_after_earlier_successes():
    statuses = [status("returns_to_extensiv", ran=60, succeeded=86400, skipped_switched_off=1)]

    assert direction_ages(statuses, NOW) == []


def test_direction_that_never_succeeded_reports_an_age_above_any_threshold():
    ages = direction_ages([status("products_push", ran=60, succeeded=None)], NOW)

    assert ages == [DirectionAge("products_push", float(NEVER_SUCCEEDED_SECONDS), never_succeeded=True)]


def test_direction_with_a_cursor_but_no_run_yet_is_not_reported():
    cursor_only = DirectionStatus(direction="buyer_cancellations", cursor="1700000000")

    assert direction_ages([cursor_only], NOW) == []


def test_schedule_sends_the_sample_event():
    schedule = resource("HealthFunction")["Properties"]["Events"]["Check"]["Properties"]

    assert json.loads(schedule["Input"]) == json.loads(EVENT.read_text()) == {"action": "run"}
    assert schedule["Schedule"] == "rate(5 minutes)"
