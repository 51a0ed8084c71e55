"""The fulfillment pull across facilities in different time zones, over HTTP against both sandboxes.

The `make run` demo's bug: Extensiv dates are naive and in each facility's zone, so an Eastern
shipment carries a date three hours ahead of a Pacific one made at the same moment. With one
cursor for the whole feed, a Pacific shipment made after an Eastern one fell before the read
window and its tracking never reached TikTok.
"""

from __future__ import annotations

from fulfillment_pull import DIRECTION as PULL
from fulfillment_pull import FulfillmentPull
from fulfillment_push import FulfillmentPush

from connector_common.direction import RunCounts
from hub.orders import OrderState
from tests.support.time_zones import (
    EASTERN_FACILITY_ID,
    EASTERN_SKU,
    PACIFIC_FACILITY_ID,
    add_eastern_facility,
    advance_extensiv_clock,
    place_order_in,
)


def pull(world) -> RunCounts:
    counts = RunCounts()
    FulfillmentPull(world.extensiv, world.orders, world.fulfillments, world.skus, world.sync_state).run(counts)
    return counts


def push(world) -> RunCounts:
    counts = RunCounts()
    FulfillmentPush(world.tiktok, world.orders, world.fulfillments, world.carrier_overrides, world.skus).run(counts)
    return counts


def test_pull_records_a_pacific_shipment_made_after_an_eastern_one_with_an_earlier_naive_date(world):
    # GIVEN one order routed to Newark (Eastern) and one to Reno (Pacific), both handed to Extensiv
    eastern_warehouse = add_eastern_facility(world)
    eastern_order = place_order_in(world, eastern_warehouse, {EASTERN_SKU: 1})
    pacific_order = world.place_order({"TEE-RED-S": 1}).id
    eastern_extensiv_id = world.submit(eastern_order)
    pacific_extensiv_id = world.submit(pacific_order)
    # AND Newark ships first, and the pull records it
    world.ship(eastern_extensiv_id)
    first = pull(world)
    assert first["shipments_recorded"] == 1

    # WHEN Reno ships a minute later, with a naive date about three hours earlier, and the pull runs again
    advance_extensiv_clock(world.extensiv_url, 60)
    world.ship(pacific_extensiv_id)
    eastern_date = world.extensiv_order(eastern_extensiv_id)["lastModifiedDate"]
    pacific_date = world.extensiv_order(pacific_extensiv_id)["lastModifiedDate"]
    assert pacific_date < eastern_date
    second = pull(world)
    pushed = push(world)

    # THEN both shipments are recorded, and both orders' tracking reached TikTok
    assert second["shipments_recorded"] == 1
    assert world.fulfillments.shipment(pacific_order, str(pacific_extensiv_id)) is not None
    assert pushed["packages_pushed"] == 2
    assert world.orders.get(eastern_order).state == OrderState.FULFILLED
    assert world.orders.get(pacific_order).state == OrderState.FULFILLED
    assert world.tiktok_order(pacific_order).status == "AWAITING_COLLECTION"
    # AND each facility keeps its own cursor, in its own zone
    assert world.sync_state.facility_cursor(PULL, EASTERN_FACILITY_ID) == eastern_date
    assert world.sync_state.facility_cursor(PULL, PACIFIC_FACILITY_ID) == pacific_date


def test_pull_reads_each_facility_with_its_own_rql_filter(world):
    add_eastern_facility(world)

    pull(world)

    feed_reads = [entry["query"]["rql"] for entry in world.extensiv_requests("GET", r"^/orders$")]
    assert len(feed_reads) == 2
    assert any(rql.endswith(f";readOnly.facilityIdentifier.id=={PACIFIC_FACILITY_ID}") for rql in feed_reads)
    assert any(rql.endswith(f";readOnly.facilityIdentifier.id=={EASTERN_FACILITY_ID}") for rql in feed_reads)
