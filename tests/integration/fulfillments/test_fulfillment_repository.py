"""Shipments, packages and carrier overrides in the hub (moto, tables from template.yaml)."""

from __future__ import annotations

import logging

import pytest

from hub.errors import TransitionRejected
from hub.fulfillments import (
    CarrierMappingRepository,
    FulfillmentHoldReason,
    FulfillmentRepository,
    PackageLine,
    PackageState,
    Shipment,
    ShippedPackage,
)

ORDER_ID = "576461413038785752"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def repo(aws, clock) -> FulfillmentRepository:
    hub = aws.hub
    hub.clock = clock
    return FulfillmentRepository(hub)


def shipment(tracking: str = "1Z999AA10123456784", modified: str = "2026-12-04T08:15:01") -> Shipment:
    return Shipment(
        extensiv_order_id="50001",
        reference_num=ORDER_ID,
        carrier="UPS",
        scac="UPSN",
        ship_date="2026-12-04T08:15:00",
        last_modified_date=modified,
        packages=[ShippedPackage("900001", tracking, [PackageLine("EXT-TEE", "TEE", 2)])],
    )


def test_recorded_shipment_has_carrier_tracking_ship_date_lines_and_a_pending_package(repo):
    [package] = repo.record_shipment(ORDER_ID, shipment())

    assert (package.state, package.carrier, package.tracking_number, package.ship_date) == (
        PackageState.PENDING,
        "UPS",
        "1Z999AA10123456784",
        "2026-12-04T08:15:00",
    )
    assert package.lines == [PackageLine("EXT-TEE", "TEE", 2)]
    assert repo.packages_of(ORDER_ID) == [package]
    assert [p.package_id for p in repo.list_by_state(PackageState.PENDING)] == ["900001"]
    assert repo.is_recorded(ORDER_ID, "50001", "2026-12-04T08:15:01")
    assert not repo.is_recorded(ORDER_ID, "50001", "2026-12-04T09:00:00")


def test_new_facts_for_a_held_package_put_it_back_to_pending(repo):
    repo.record_shipment(ORDER_ID, shipment(tracking="1Z 999"))
    repo.hold(ORDER_ID, "900001", FulfillmentHoldReason.INVALID_TRACKING, "spaces")

    [package] = repo.record_shipment(ORDER_ID, shipment(tracking="1Z999AA10123456784", modified="2026-12-04T09:00:00"))

    assert (package.state, package.reason, package.tracking_number) == (
        PackageState.PENDING,
        None,
        "1Z999AA10123456784",
    )


def test_pushed_package_keeps_what_was_sent_when_extensiv_changes_its_tracking(repo, caplog):
    repo.record_shipment(ORDER_ID, shipment())
    repo.assign_lines(ORDER_ID, "900001", ["5770001"])
    claim = repo.claim(ORDER_ID, "900001", 120)
    repo.mark_pushed(claim, "1150001", "7117000000000000001", "UPS", "pushed")

    with caplog.at_level(logging.ERROR):
        [package] = repo.record_shipment(ORDER_ID, shipment(tracking="1ZCHANGED000000001", modified="2026-12-05"))

    assert (package.state, package.tracking_number) == (PackageState.PUSHED, "1Z999AA10123456784")
    assert "tracking changed in Extensiv after the push" in caplog.text


def test_claim_is_exclusive_while_its_lease_runs(repo, clock):
    repo.record_shipment(ORDER_ID, shipment())
    repo.assign_lines(ORDER_ID, "900001", ["5770001", "5770002"])
    first = repo.claim(ORDER_ID, "900001", 120)

    with pytest.raises(TransitionRejected):
        repo.claim(ORDER_ID, "900001", 120)

    clock.now += 121
    second = repo.claim(ORDER_ID, "900001", 120)
    assert (first.outcome_unknown, second.outcome_unknown) == (False, True)
    assert second.order_line_item_ids == ["5770001", "5770002"]


def test_released_claim_leaves_the_package_to_be_verified_by_the_next_claimer(repo):
    repo.record_shipment(ORDER_ID, shipment())
    claim = repo.claim(ORDER_ID, "900001", 120)

    repo.release(claim, "TikTokUnavailable: timeout")

    package = repo.packages_of(ORDER_ID)[0]
    assert (package.state, package.last_error) == (PackageState.PUSHING, "TikTokUnavailable: timeout")
    assert repo.claim(ORDER_ID, "900001", 120).outcome_unknown


def test_pushed_package_can_be_neither_claimed_nor_held_again(repo):
    repo.record_shipment(ORDER_ID, shipment())
    claim = repo.claim(ORDER_ID, "900001", 120)
    pushed = repo.mark_pushed(claim, "1150001", "7117000000000000001", "UPS", "pushed")

    with pytest.raises(TransitionRejected):
        repo.claim(ORDER_ID, "900001", 120)
    with pytest.raises(TransitionRejected):
        repo.hold(ORDER_ID, "900001", FulfillmentHoldReason.CARRIER_NOT_ACCEPTED)
    assert (pushed.tiktok_package_id, pushed.push_how) == ("1150001", "pushed")


def test_stale_claim_cannot_record_a_push(repo, clock):
    repo.record_shipment(ORDER_ID, shipment())
    stale = repo.claim(ORDER_ID, "900001", 120)
    clock.now += 121
    repo.claim(ORDER_ID, "900001", 120)

    with pytest.raises(TransitionRejected):
        repo.mark_pushed(stale, "1150001", "7117000000000000001", "UPS", "pushed")


def test_requeue_held_moves_only_the_packages_held_for_that_reason(repo):
    repo.record_shipment(ORDER_ID, shipment())
    repo.record_shipment(
        "576461413038785753",
        Shipment("50002", "576461413038785753", "OnTrac", None, None, "x", [ShippedPackage("900002", "C1", [])]),
    )
    repo.hold(ORDER_ID, "900001", FulfillmentHoldReason.INVALID_TRACKING, "spaces")
    repo.hold("576461413038785753", "900002", FulfillmentHoldReason.CARRIER_NOT_ACCEPTED, "OnTrac")

    moved = repo.requeue_held(FulfillmentHoldReason.CARRIER_NOT_ACCEPTED)

    assert moved == 1
    assert [p.package_id for p in repo.list_by_state(PackageState.PENDING)] == ["900002"]
    assert [p.package_id for p in repo.list_by_state(PackageState.HELD)] == ["900001"]


def test_package_events_appear_in_the_order_audit_trail(repo, aws, clock):
    repo.record_shipment(ORDER_ID, shipment())
    clock.now += 1  # audit entries are keyed by time
    repo.hold(ORDER_ID, "900001", FulfillmentHoldReason.CARRIER_NOT_ACCEPTED, "OnTrac")

    events = [entry["event"] for entry in aws.hub.audit_trail(f"ORDER#{ORDER_ID}")]

    assert events == ["shipment_recorded", "package_held"]


def test_carrier_override_is_kept_by_folded_name_and_can_be_removed(aws):
    overrides = CarrierMappingRepository(aws.hub)

    overrides.set("Acme Parcel", shipping_provider_name="FedEx")

    assert overrides.get("acme-parcel").shipping_provider_name == "FedEx"
    assert [o.extensiv_carrier for o in overrides.list()] == ["Acme Parcel"]
    assert overrides.remove("ACME PARCEL") is True
    assert overrides.get("Acme Parcel") is None
    assert overrides.remove("Acme Parcel") is False


@pytest.mark.parametrize(("carrier", "name", "provider_id"), [("Acme", None, None), ("  ", "FedEx", None)])
def test_carrier_override_needs_a_carrier_and_a_provider(aws, carrier, name, provider_id):
    with pytest.raises(ValueError, match="must not be blank|by name or by id"):
        CarrierMappingRepository(aws.hub).set(carrier, name, provider_id)
