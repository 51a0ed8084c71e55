"""Arrival receipts across facilities in different time zones, against the Extensiv sandbox over HTTP.

Extensiv dates are naive and in each facility's zone (reference/extensiv.md §8.6). Each facility
is read with its own cursor, so the overlap only has to cover changes within one facility: the
test uses a two-hour overlap, shorter than the three hours between Eastern and Pacific dates.
"""

from __future__ import annotations

from receipt_pull import DIRECTION, ReceiptPull

from connector_common.direction import RunCounts
from hub.arrivals import ArrivalState
from tests.integration.arrivals.conftest import declaration
from tests.support.time_zones import (
    EASTERN_FACILITY_ID,
    PACIFIC_FACILITY_ID,
    advance_extensiv_clock,
    save_both_facilities,
)


def pull(world) -> dict[str, int]:
    counts = RunCounts()
    ReceiptPull(world.extensiv, world.arrivals, world.sync_state, overlap_seconds=2 * 3600).run(counts)
    return counts.values


def test_pacific_receipt_made_after_an_eastern_one_is_recorded(world):
    # GIVEN both facilities pulled into the hub, and one arrival pushed to each
    save_both_facilities(world.hub)
    world.declare({**declaration("PO-EAST"), "facility_id": int(EASTERN_FACILITY_ID)})
    world.declare({**declaration("PO-WEST"), "facility_id": int(PACIFIC_FACILITY_ID)})
    world.push()
    # AND Newark (Eastern) receives first, and the pull records it
    eastern = world.receive(world.arrivals.get("PO-EAST").receiver_id)
    first = pull(world)
    assert first["receipts_pulled"] == 1

    # WHEN Reno (Pacific) receives a minute later, a naive date about three hours earlier
    advance_extensiv_clock(world.sandboxes.extensiv.url, 60)
    pacific = world.receive(world.arrivals.get("PO-WEST").receiver_id)
    assert pacific["readOnly"]["lastModifiedDate"] < eastern["readOnly"]["lastModifiedDate"]
    second = pull(world)

    # THEN that receipt is recorded too, and each facility has its own cursor
    assert second["receipts_pulled"] == 1
    assert world.arrivals.get("PO-WEST").state == ArrivalState.RECEIVED
    cursors = world.sync_state.facility_cursors(DIRECTION)
    assert cursors == {
        EASTERN_FACILITY_ID: eastern["readOnly"]["lastModifiedDate"],
        PACIFIC_FACILITY_ID: pacific["readOnly"]["lastModifiedDate"],
    }
