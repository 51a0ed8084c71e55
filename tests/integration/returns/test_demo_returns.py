"""The demo's returns helpers against both sandboxes, with the connector in between."""

from __future__ import annotations

import pytest
from return_intake import IntakeSettings, ReturnIntake
from return_receipts import ReceiptSettings, ReturnReceipts

from connector_common.direction import RunCounts
from hub.fulfillments import FulfillmentRepository
from hub.orders import OrderRepository
from hub.returns import ReturnRepository
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from local.demo_returns import open_returns, receipts_to_make, receive_returns, returnable_order_ids, returns_summary
from tests.integration.returns.conftest import CUSTOMER_ID, record_shipped_order


@pytest.fixture
def connector(hub, shop, warehouse):
    def run() -> None:
        intake = ReturnIntake(
            returns=ReturnRepository(hub),
            orders=OrderRepository(hub),
            skus=SkuRepository(hub),
            fulfillments=FulfillmentRepository(hub),
            tiktok=shop.client,
            extensiv=warehouse.client,
            sync_state=SyncStateRepository(hub),
            settings=IntakeSettings(customer_id=CUSTOMER_ID),
        )
        receipts = ReturnReceipts(
            returns=ReturnRepository(hub),
            tiktok=shop.client,
            extensiv=warehouse.client,
            sync_state=SyncStateRepository(hub),
            settings=ReceiptSettings(),
        )
        intake.run(RunCounts())
        receipts.run(RunCounts())

    return run


def test_returnable_orders_are_shipped_ones_without_a_return():
    state = {
        "orders": [{"id": "A", "create_time": 1}, {"id": "B", "create_time": 2}, {"id": "C", "create_time": 3}],
        "packages": [{"order_id": "A", "shipped": True}, {"order_id": "B", "shipped": True}],
        "returns": [{"order_id": "B"}],
    }

    assert returnable_order_ids(state) == ["A"]


def test_every_third_return_receiver_is_received_one_unit_short():
    receivers = [
        {"receiverId": 7000 + n, "isReturn": True, "status": 0, "lines": [{"sku": "MUG-01", "qty": 2.0}]}
        for n in range(1, 4)
    ]
    arrival = {"receiverId": 6999, "isReturn": False, "status": 0, "lines": [{"sku": "MUG-01", "qty": 9.0}]}

    receipts = receipts_to_make({"receivers": [arrival, *receivers]}, short_every=3)

    assert [(r["receiver_id"], r["quantities"]) for r in receipts] == [
        (7001, {"MUG-01": 2.0}),
        (7002, {"MUG-01": 2.0}),
        (7003, {"MUG-01": 1.0}),
    ]


def test_demo_returns_flow_through_the_connector_and_are_counted(shop, warehouse, hub, connector):
    for _ in range(3):
        record_shipped_order(hub, shop.shipped_order({"MUG-01": 1}))

    opened = open_returns(shop.url, count=3, refund_only=1, step_seconds=0)
    shop.tick(2)
    connector()
    received = receive_returns(warehouse.url, short_every=2)
    connector()

    assert [ret["return_type"] for ret in opened] == ["REFUND", "RETURN_AND_REFUND", "RETURN_AND_REFUND"]
    assert len(received) == 2
    assert returns_summary(hub) == {"returns_to_extensiv": 2, "returns_received": 2}
    summary = ReturnRepository(hub).summary()
    assert (summary["returns_approved"], summary["returns_held"]) == (1, {"receipt_shortfall": 1})
