"""Arrival records in a moto hub built from template.yaml: creation from a file, claims, receipts."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from arrival_push import ArrivalPush, Outcome
from receipt_pull import ReceiptPull

from connector_common.arrival_file import ArrivalFileError, create_arrivals_from_file
from connector_common.direction import RunCounts
from extensiv.models import Receiver
from hub.arrivals import ArrivalExists, ArrivalLine, ArrivalRepository, ArrivalSpec, ArrivalState, Receipt, ReceiptLine
from hub.errors import TransitionRejected
from hub.locations import Facility, LocationRepository
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from tests.integration.arrivals.conftest import declaration


def spec(arrival_id: str = "PO-1", quantity: int = 24) -> ArrivalSpec:
    return ArrivalSpec(arrival_id, "Acme", "2025-07-01T00:00:00", "1", (ArrivalLine("TEE-1", quantity),))


@pytest.fixture
def arrivals(aws) -> ArrivalRepository:
    return ArrivalRepository(aws.hub)


def write(tmp_path, document) -> str:
    path = tmp_path / "arrival.json"
    path.write_text(json.dumps(document))
    return str(path)


# --- creation ----------------------------------------------------------------------------------


def test_file_creates_a_new_arrival_in_the_hub(aws, tmp_path, arrivals):
    (created,) = create_arrivals_from_file(aws.hub, write(tmp_path, declaration(lines={"TEE-1": 24})))

    assert created.created
    record = arrivals.get("PO-1001")
    assert (record.state, record.supplier, record.facility_id) == (ArrivalState.NEW, "Acme Apparel", "1")
    assert record.lines == (ArrivalLine("TEE-1", 24),)
    assert [item["event"] for item in arrivals.audit_trail("PO-1001")] == ["arrival_created"]


def test_same_file_twice_creates_the_arrival_once(aws, tmp_path, arrivals):
    path = write(tmp_path, declaration())

    create_arrivals_from_file(aws.hub, path)
    (again,) = create_arrivals_from_file(aws.hub, path)

    assert not again.created
    assert len(arrivals.list()) == 1


def test_same_id_with_other_content_is_refused_and_nothing_changes(aws, tmp_path, arrivals):
    create_arrivals_from_file(aws.hub, write(tmp_path, declaration(lines={"TEE-1": 24})))

    with pytest.raises(ArrivalExists, match="PO-1001 already exists with other content"):
        create_arrivals_from_file(aws.hub, write(tmp_path, declaration(lines={"TEE-1": 25})))

    assert arrivals.get("PO-1001").lines == (ArrivalLine("TEE-1", 24),)


def test_facility_the_hub_does_not_know_is_refused_once_facilities_are_pulled(aws, tmp_path, arrivals):
    LocationRepository(aws.hub).save_facility(Facility("2", "Newark"))

    with pytest.raises(ArrivalFileError) as raised:
        create_arrivals_from_file(aws.hub, write(tmp_path, declaration()))

    assert raised.value.problems == [
        "arrival PO-1001: facility_id 1 is not an Extensiv facility the hub knows (known: 2)"
    ]
    assert arrivals.list() == []


def test_repository_create_reports_an_identical_declaration_as_not_created(arrivals):
    assert arrivals.create(spec())[1] is True
    assert arrivals.create(spec())[1] is False
    with pytest.raises(ArrivalExists):
        arrivals.create(spec(quantity=3))


# --- claims --------------------------------------------------------------------------------------


def test_only_one_claim_is_granted_while_its_lease_runs(aws, arrivals):
    aws.hub.clock = lambda: 1000.0
    arrivals.create(spec())

    claim = arrivals.claim("PO-1", lease_seconds=120)

    assert (claim.previous_state, claim.outcome_unknown) == (ArrivalState.NEW, False)
    with pytest.raises(TransitionRejected):
        arrivals.claim("PO-1", lease_seconds=120)


def test_claim_after_a_released_attempt_knows_the_outcome_is_unknown(arrivals):
    arrivals.create(spec())
    first = arrivals.claim("PO-1", lease_seconds=120)
    arrivals.release(first, "ExtensivUnavailable: timeout")

    second = arrivals.claim("PO-1", lease_seconds=120)

    assert second.outcome_unknown
    assert arrivals.get("PO-1").last_error == "ExtensivUnavailable: timeout"


def test_pushed_arrival_cannot_be_claimed_again(arrivals):
    arrivals.create(spec())
    claim = arrivals.claim("PO-1", lease_seconds=120)
    arrivals.mark_pushed(claim, "31", (ArrivalLine("TEE-1", 24, "TEE-1"),), how="pushed")

    with pytest.raises(TransitionRejected):
        arrivals.claim("PO-1", lease_seconds=120)
    assert arrivals.list_by_state(ArrivalState.PUSHED)[0].receiver_id == "31"


def test_push_of_an_arrival_another_invocation_holds_is_busy(aws, arrivals):
    arrivals.create(spec())
    arrivals.claim("PO-1", lease_seconds=120)
    pusher = ArrivalPush(extensiv=None, arrivals=arrivals, skus=SkuRepository(aws.hub), customer_id=12)

    assert pusher.push("PO-1") == Outcome.BUSY


# --- receipts ------------------------------------------------------------------------------------


def test_receipt_is_recorded_once(arrivals):
    arrivals.create(spec())
    receipt = Receipt("31", (ReceiptLine("TEE-1", "TEE-1", Decimal(24), Decimal(23)),), "2025-07-02T09:00:00")

    assert arrivals.record_receipt("PO-1", receipt) is True
    assert arrivals.record_receipt("PO-1", receipt) is False

    stored = arrivals.get("PO-1")
    assert (stored.state, stored.receiver_id) == (ArrivalState.RECEIVED, "31")
    assert stored.receipt.lines[0].variance == Decimal(1)
    assert stored.receipt.recorded_at is not None


def test_receiver_cancelled_in_extensiv_cancels_its_arrival(aws, arrivals):
    arrivals.create(spec())
    claim = arrivals.claim("PO-1", lease_seconds=120)
    arrivals.mark_pushed(claim, "31", (ArrivalLine("TEE-1", 24, "TEE-1"),), how="pushed")
    cancelled = Receiver.model_validate({"readOnly": {"receiverId": 31, "status": 2}, "referenceNum": "PO-1"})
    counts = RunCounts()

    ReceiptPull(extensiv=None, arrivals=arrivals, sync_state=SyncStateRepository(aws.hub)).apply(cancelled, counts)

    assert counts.values == {"arrivals_cancelled": 1}
    record = arrivals.get("PO-1")
    assert (record.state, record.reason) == (ArrivalState.CANCELLED, "cancelled_in_extensiv")


def test_receiver_with_the_arrival_id_but_another_receiver_id_is_not_recorded(aws, arrivals):
    arrivals.create(spec())
    claim = arrivals.claim("PO-1", lease_seconds=120)
    arrivals.mark_pushed(claim, "31", (ArrivalLine("TEE-1", 24, "TEE-1"),), how="pushed")
    other = Receiver.model_validate({"readOnly": {"receiverId": 99, "status": 1}, "referenceNum": "PO-1"})
    counts = RunCounts()

    ReceiptPull(extensiv=None, arrivals=arrivals, sync_state=SyncStateRepository(aws.hub)).apply(other, counts)

    assert counts.values == {"receivers_mismatched": 1}
    assert arrivals.get("PO-1").state == ArrivalState.PUSHED
