"""run_direction: the switch, the run record, and counts named like log record attributes."""

from __future__ import annotations

import pytest

from connector_common.direction import run_direction


class RecordingSyncState:
    def __init__(self) -> None:
        self.runs = []

    def record_run(self, direction, counts, error=None) -> None:
        self.runs.append((direction, dict(counts), error))


def test_counts_named_like_log_record_attributes_do_not_break_the_run(caplog):
    state = RecordingSyncState()

    def work(counts) -> None:
        counts.add("created", 2)
        counts.add("msg")

    with caplog.at_level("INFO"):
        result = run_direction("products", True, state, work)

    assert result == {"created": 2, "msg": 1}
    assert state.runs == [("products", {"created": 2, "msg": 1}, None)]


def test_switched_off_direction_does_no_work_and_says_so():
    state = RecordingSyncState()

    result = run_direction("inventory", False, state, lambda counts: pytest.fail("ran while off"))

    assert result == {"skipped_switched_off": 1}
    assert state.runs == [("inventory", {"skipped_switched_off": 1}, None)]


def test_failed_run_is_recorded_with_its_error_and_raised():
    state = RecordingSyncState()

    def work(counts) -> None:
        counts.add("read", 3)
        raise RuntimeError("Extensiv unreachable")

    with pytest.raises(RuntimeError, match="unreachable"):
        run_direction("fulfillments", True, state, work)

    assert state.runs == [("fulfillments", {"read": 3}, "RuntimeError: Extensiv unreachable")]


def test_one_failing_direction_does_not_stop_the_next_and_is_raised_after():
    from connector_common.direction import run_directions

    state = RecordingSyncState()
    done = []

    def fails(counts) -> None:
        raise RuntimeError("TikTok unreachable")

    with pytest.raises(RuntimeError, match="TikTok unreachable"):
        run_directions(
            [("pull", True, fails), ("push", True, lambda counts: counts.add("pushed"))],
            state,
            on_done=lambda direction, counts: done.append((direction, counts)),
        )

    assert [run[0] for run in state.runs] == ["pull", "push"]
    assert done == [("push", {"pushed": 1})]


@pytest.mark.parametrize(("event", "expected"), [({}, "run"), (None, "run"), ({"action": "resync"}, "resync")])
def test_requested_action_defaults_to_run(event, expected):
    from connector_common.direction import requested_action

    assert requested_action(event, ("run", "resync")) == expected


def test_unknown_action_is_refused_naming_the_allowed_ones():
    from connector_common.direction import requested_action

    with pytest.raises(ValueError, match="unknown action 'drop'; expected one of run, resync"):
        requested_action({"action": "drop"}, ("run", "resync"))
