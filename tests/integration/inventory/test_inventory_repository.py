"""InventoryRepository against a moto hub built from template.yaml."""

from __future__ import annotations

import pytest

from hub.inventory import InventoryIssue, InventoryRepository, IssueKind


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def inventory(aws, clock) -> InventoryRepository:
    hub = aws.hub
    hub.clock = clock
    return InventoryRepository(hub)


def test_record_pushed_keeps_quantities_per_warehouse(inventory):
    inventory.record_pushed("TEE", {"WH-A": 5, "WH-B": 0}, data_as_of=1_799_999_990.0)

    pushed = inventory.last_pushed()["TEE"]
    assert (pushed.quantities, pushed.data_as_of) == ({"WH-A": 5, "WH-B": 0}, 1_799_999_990.0)


def test_record_pushed_never_replaces_a_value_read_later_from_extensiv(inventory):
    # GIVEN two overlapping runs: the one that read Extensiv later stored first.
    assert inventory.record_pushed("TEE", {"WH-A": 3}, data_as_of=200.0)

    assert not inventory.record_pushed("TEE", {"WH-A": 5}, data_as_of=100.0)
    assert inventory.last_pushed()["TEE"].quantities == {"WH-A": 3}


def test_forget_pushed_makes_the_sku_look_never_pushed(inventory):
    inventory.record_pushed("TEE", {"WH-A": 3}, data_as_of=1.0)

    inventory.forget_pushed("TEE")

    assert inventory.last_pushed() == {}


def test_facility_stock_writes_only_changed_rows_and_zeroes_vanished_ones(inventory, clock):
    assert inventory.record_facility_stock("1", {"TEE": 5, "MUG": 2}, seen_at=clock.now) == 2

    written = inventory.record_facility_stock("1", {"TEE": 5}, seen_at=clock.now + 60)

    assert written == 1
    assert inventory.facility_stock("1") == {"TEE": 5, "MUG": 0}
    assert inventory.stock_read_at() == {"1": clock.now + 60}


def test_buffers_are_listed_per_sku_and_can_be_removed(inventory):
    inventory.set_buffer("TEE", 3)
    inventory.set_buffer("MUG", 0)

    inventory.remove_buffer("MUG")

    assert inventory.buffers() == {"TEE": 3}


def test_negative_buffer_is_refused(inventory):
    with pytest.raises(ValueError, match="a buffer cannot be negative"):
        inventory.set_buffer("TEE", -1)


def test_replace_issues_adds_new_removes_solved_and_keeps_first_seen(inventory, clock):
    inventory.replace_issues(
        IssueKind.UNLINKED_FACILITY,
        [InventoryIssue(IssueKind.UNLINKED_FACILITY, "3", "7 units", units=7, facility_id="3")],
    )
    first_seen = inventory.issues(IssueKind.UNLINKED_FACILITY)[0].first_seen_at
    clock.now += 60

    inventory.replace_issues(
        IssueKind.UNLINKED_FACILITY,
        [
            InventoryIssue(IssueKind.UNLINKED_FACILITY, "3", "9 units", units=9, facility_id="3"),
            InventoryIssue(IssueKind.UNLINKED_FACILITY, "4", "1 unit", units=1, facility_id="4"),
        ],
    )
    inventory.replace_issues(IssueKind.PUSH_ERROR, [InventoryIssue(IssueKind.PUSH_ERROR, "TEE", code=12052393)])

    issues = {issue.subject: issue for issue in inventory.issues(IssueKind.UNLINKED_FACILITY)}
    assert (issues["3"].units, issues["3"].first_seen_at) == (9, first_seen)
    assert issues["4"].first_seen_at != first_seen
    assert sorted((issue.kind, issue.subject) for issue in inventory.issues()) == [
        (IssueKind.PUSH_ERROR, "TEE"),
        (IssueKind.UNLINKED_FACILITY, "3"),
        (IssueKind.UNLINKED_FACILITY, "4"),
    ]

    inventory.replace_issues(IssueKind.UNLINKED_FACILITY, [])

    assert inventory.issues(IssueKind.UNLINKED_FACILITY) == []
