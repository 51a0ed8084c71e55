"""Return receipts across facilities in different time zones, over HTTP against both sandboxes.

Extensiv dates are naive and in each facility's zone (reference/extensiv.md §8.6). Each facility
is read with its own cursor, so the overlap only has to cover changes within one facility: the
test uses a two-hour overlap, shorter than the gap between Eastern and Pacific dates plus it.
"""

from __future__ import annotations

import pytest
from return_intake import IntakeSettings, ReturnIntake
from return_receipts import DIRECTION, ReceiptSettings, ReturnReceipts

from connector_common.direction import RunCounts
from hub.fulfillments import FulfillmentRepository
from hub.orders import OrderRepository
from hub.returns import ReturnRepository
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from tests.integration.returns.conftest import CUSTOMER_ID, record_shipped_order
from tests.support.time_zones import (
    EASTERN_FACILITY_ID,
    PACIFIC_FACILITY_ID,
    advance_extensiv_clock,
    save_both_facilities,
)


@pytest.fixture
def intake(hub, shop, warehouse) -> ReturnIntake:
    return ReturnIntake(
        returns=ReturnRepository(hub),
        orders=OrderRepository(hub),
        skus=SkuRepository(hub),
        fulfillments=FulfillmentRepository(hub),
        tiktok=shop.client,
        extensiv=warehouse.client,
        sync_state=SyncStateRepository(hub),
        settings=IntakeSettings(customer_id=CUSTOMER_ID),
    )


@pytest.fixture
def receipts(hub, shop, warehouse) -> ReturnReceipts:
    return ReturnReceipts(
        returns=ReturnRepository(hub),
        tiktok=shop.client,
        extensiv=warehouse.client,
        sync_state=SyncStateRepository(hub),
        settings=ReceiptSettings(overlap_seconds=2 * 3600),
    )


def run(direction) -> RunCounts:
    counts = RunCounts()
    direction.run(counts)
    return counts


def returned_to(shop, hub, facility_id: str) -> str:
    """A shipped order from `facility_id` and the return its buyer opened; the return id."""
    order_id = shop.shipped_order({"TEE-RED-S": 1})
    record_shipped_order(hub, order_id, facility_id=facility_id)
    return shop.open_return(order_id)


def test_pacific_receipt_made_after_an_eastern_one_is_recorded(shop, warehouse, hub, intake, receipts):
    # GIVEN both facilities pulled into the hub, and one return expected in each
    save_both_facilities(hub)
    eastern_return = returned_to(shop, hub, EASTERN_FACILITY_ID)
    pacific_return = returned_to(shop, hub, PACIFIC_FACILITY_ID)
    shop.tick(2)
    run(intake)
    returns = ReturnRepository(hub)
    eastern_receiver = returns.get(eastern_return).receiver_id
    pacific_receiver = returns.get(pacific_return).receiver_id
    # AND Newark (Eastern) receives its return first, and the receipts run records it
    eastern_date = warehouse.receive(eastern_receiver)["readOnly"]["lastModifiedDate"]
    first = run(receipts)
    assert first["receipts_recorded"] == 1

    # WHEN Reno (Pacific) receives a minute later, a naive date about three hours earlier
    advance_extensiv_clock(warehouse.url, 60)
    pacific_date = warehouse.receive(pacific_receiver)["readOnly"]["lastModifiedDate"]
    assert pacific_date < eastern_date
    second = run(receipts)

    # THEN that receipt is recorded too, and each facility has its own cursor
    assert second["receipts_recorded"] == 1
    assert returns.get(pacific_return).received_at is not None
    sync_state = SyncStateRepository(hub)
    assert sync_state.facility_cursor(DIRECTION, EASTERN_FACILITY_ID) == eastern_date
    assert sync_state.facility_cursor(DIRECTION, PACIFIC_FACILITY_ID) == pacific_date
