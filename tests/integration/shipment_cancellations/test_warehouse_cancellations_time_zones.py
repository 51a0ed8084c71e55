"""Warehouse cancellations across facilities in different time zones, over HTTP against both sandboxes.

Extensiv dates are naive and in each facility's zone (reference/extensiv.md §8.6): a Pacific
cancellation made after an Eastern one carries a naive date about three hours earlier.
"""

from __future__ import annotations

from warehouse_cancellations import DIRECTION, WarehouseCancellations

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


def warehouse_pass(world) -> RunCounts:
    counts = RunCounts()
    WarehouseCancellations(world.extensiv, world.tiktok, world.orders, world.sync_state).run(counts)
    return counts


def test_pacific_cancellation_made_after_an_eastern_one_reaches_tiktok(world):
    # GIVEN one order routed to Newark (Eastern) and one to Reno (Pacific), both handed to Extensiv
    eastern_order = place_order_in(world, add_eastern_facility(world), {EASTERN_SKU: 1})
    pacific_order = world.place_order({"MUG-01": 1}).id
    eastern_extensiv_id = world.submit(eastern_order)
    pacific_extensiv_id = world.submit(pacific_order)
    # AND Newark cancels first, and the pass carries it to TikTok
    world.warehouse_cancel(eastern_extensiv_id)
    first = warehouse_pass(world)
    assert first["cancelled_on_tiktok"] == 1

    # WHEN Reno cancels a minute later (a naive date about three hours earlier) and the pass runs again
    advance_extensiv_clock(world.extensiv_url, 60)
    world.warehouse_cancel(pacific_extensiv_id)
    eastern_date = world.extensiv_order(eastern_extensiv_id)["lastModifiedDate"]
    pacific_date = world.extensiv_order(pacific_extensiv_id)["lastModifiedDate"]
    assert pacific_date < eastern_date
    second = warehouse_pass(world)

    # THEN the Pacific cancellation reached TikTok too
    assert second["cancelled_on_tiktok"] == 1
    assert world.tiktok_order(pacific_order).status == "CANCELLED"
    assert world.orders.get(pacific_order).state == OrderState.CANCELLED
    assert world.sync_state.facility_cursor(DIRECTION, EASTERN_FACILITY_ID) == eastern_date
    assert world.sync_state.facility_cursor(DIRECTION, PACIFIC_FACILITY_ID) == pacific_date
