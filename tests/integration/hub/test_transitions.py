"""The hub's shared conditional writes (hub.transitions) against a moto table built from template.yaml."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.errors import TransitionRejected
from hub.table import HubTable, iso_now
from hub.transitions import Transitions
from tests.support.clock import ManualClock

KEY = {"pk": "THING#t1", "sk": "THING"}
LEASE_SECONDS = 60


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def hub(aws, clock) -> HubTable:
    """A hub table on the manual clock holding one record, `open`, listed by state."""
    table = aws.hub
    table.clock = clock
    table.table.put_item(
        Item={
            **KEY,
            "state": "open",
            "units": Decimal("3"),
            "weight": Decimal("1.5"),
            "claim_token": "old",
            "note": "remove me",
            "gsi1pk": "THINGSTATE#open",
            "gsi1sk": "created#t1",
        }
    )
    return table


@pytest.fixture
def things(hub) -> Transitions:
    return Transitions(hub, "thing", "THINGSTATE#")


def test_transitions_change_that_loses_its_condition_raises_with_the_current_item_in_plain_values(hub, things):
    with pytest.raises(TransitionRejected) as rejected:
        things.change(KEY, "t1", "#state = :closed", {":closed": "closed"}, state="done")

    assert rejected.value.current["state"] == "open"
    assert rejected.value.current["units"] == 3
    assert rejected.value.current["weight"] == 1.5
    assert hub.get(**KEY)["state"] == "open"


def test_transitions_change_of_a_missing_record_is_rejected_and_creates_nothing(hub, things):
    missing = {"pk": "THING#nope", "sk": "THING"}

    with pytest.raises(TransitionRejected):
        things.change(missing, "nope", None, None, sets={"note": "x"})

    assert hub.get(**missing) is None


def test_transitions_change_sets_removes_and_lists_the_record_under_its_new_state(hub, things, clock):
    written = things.change(
        KEY,
        "t1",
        "#state = :open",
        {":open": "open"},
        state="done",
        sets={"reason": "finished", "lines": [{"sku": "MUG-01"}], "note": None},
        removes=("claim_token",),
    )

    stamp = iso_now(clock)
    assert written == hub.get(**KEY)
    assert written["state"] == "done"
    assert written["reason"] == "finished"
    assert written["lines"] == [{"sku": "MUG-01"}]
    assert "note" not in written
    assert "claim_token" not in written
    assert (written["gsi1pk"], written["gsi1sk"], written["updated_at"]) == ("THINGSTATE#done", f"{stamp}#t1", stamp)
    assert [item["pk"] for item in hub.query_index("THINGSTATE#done")] == ["THING#t1"]
    assert hub.query_index("THINGSTATE#open") == []


def test_transitions_change_without_a_state_keeps_the_state_and_its_listing(hub, things):
    written = things.change(KEY, "t1", sets={"reason": "noted"})

    assert (written["state"], written["gsi1pk"], written["gsi1sk"]) == ("open", "THINGSTATE#open", "created#t1")
    assert written["reason"] == "noted"


def test_transitions_not_sorted_by_change_keep_the_sort_key_written_at_creation(hub):
    things = Transitions(hub, "thing", "THINGSTATE#", sort_by_change=False)

    written = things.change(KEY, "t1", "#state = :open", {":open": "open"}, state="done")

    assert (written["gsi1pk"], written["gsi1sk"]) == ("THINGSTATE#done", "created#t1")


def test_transitions_audit_is_written_only_when_the_change_succeeds(hub, things):
    with pytest.raises(TransitionRejected):
        things.change(KEY, "t1", "#state = :closed", {":closed": "closed"}, state="done", audit=("done", {"by": "x"}))
    assert hub.audit_trail(KEY["pk"]) == []

    audit = ("done", {"by": "x", "why": None})
    things.change(KEY, "t1", "#state = :open", {":open": "open"}, state="done", audit=audit)

    trail = hub.audit_trail(KEY["pk"])
    assert [(entry["event"], entry["details"]) for entry in trail] == [("done", {"by": "x"})]


def test_transitions_claim_is_exclusive_while_its_lease_runs(hub, things, clock):
    first = things.claim(KEY, "t1", "working", ("open", "held"), LEASE_SECONDS)

    clock.now += LEASE_SECONDS - 1
    with pytest.raises(TransitionRejected) as rejected:
        things.claim(KEY, "t1", "working", ("open", "held"), LEASE_SECONDS)

    assert not first.outcome_unknown
    assert first.previous_state == "open"
    assert first.previous["units"] == 3
    assert rejected.value.current["state"] == "working"
    assert rejected.value.current["claim_token"] == first.token
    assert hub.get(**KEY)["gsi1pk"] == "THINGSTATE#working"


def test_transitions_claim_after_the_lease_expired_is_flagged_outcome_unknown(hub, things, clock):
    first = things.claim(KEY, "t1", "working", ("open",), LEASE_SECONDS)

    clock.now += LEASE_SECONDS + 1
    second = things.claim(KEY, "t1", "working", ("open",), LEASE_SECONDS)

    assert second.outcome_unknown
    assert second.token != first.token
    assert hub.get(**KEY)["claim_token"] == second.token
    with pytest.raises(TransitionRejected):
        things.release(KEY, first.token, "too late")


def test_transitions_release_keeps_the_state_and_error_and_lets_the_next_claim_in_at_once(hub, things):
    first = things.claim(KEY, "t1", "working", ("open",), LEASE_SECONDS)

    things.release(KEY, first.token, "extensiv timed out " + "x" * 600)
    after = hub.get(**KEY)
    second = things.claim(KEY, "t1", "working", ("open",), LEASE_SECONDS)

    assert (after["state"], after["lease_until"]) == ("working", 0)
    assert after["last_error"] == ("extensiv timed out " + "x" * 600)[:500]
    assert second.outcome_unknown


def test_transitions_claim_is_refused_when_its_guard_fails(hub, things):
    things.change(KEY, "t1", sets={"receiver_id": "7001"})

    with pytest.raises(TransitionRejected) as rejected:
        things.claim(KEY, "t1", "working", ("open",), LEASE_SECONDS, guard="attribute_not_exists(receiver_id)")

    assert rejected.value.current["state"] == "open"
