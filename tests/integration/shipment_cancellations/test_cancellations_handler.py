"""The shipment-cancellations handler as the schedule (and a webhook fast path) invoke it."""

from __future__ import annotations

import pytest

from hub.orders import OrderState
from tests.support.handlers import LambdaContext, load_app
from tests.support.sandbox_world import handler_environment

BOTH_ON = {"PUSH_WAREHOUSE_CANCELLATIONS": "true", "PUSH_BUYER_CANCELLATIONS": "true"}


@pytest.fixture
def invoke(aws, world, monkeypatch):
    def invoke(event: dict, **switches: str) -> dict:
        for name, value in handler_environment(aws, world, **switches).items():
            monkeypatch.setenv(name, value)
        return load_app("shipment_cancellations").handler(event, LambdaContext())

    return invoke


def test_scheduled_run_carries_a_cancellation_each_way(invoke, world):
    by_warehouse = world.place_order({"MUG-01": 1})
    world.warehouse_cancel(world.submit(by_warehouse.id))
    by_buyer = world.place_order({"TEE-RED-S": 1})
    buyer_extensiv_id = world.submit(by_buyer.id)
    world.buyer_cancel(by_buyer.id)

    result = invoke({"action": "run"}, **BOTH_ON)

    assert result["warehouse_cancellations"]["cancelled_on_tiktok"] == 1
    assert result["buyer_cancellations"]["cancelled_by_buyer"] == 1
    assert world.tiktok_order(by_warehouse.id).status == "CANCELLED"
    assert world.extensiv_order(buyer_extensiv_id)["status"] == 2
    assert world.orders.get(by_warehouse.id).reason == "cancelled_by_warehouse"
    assert world.orders.get(by_buyer.id).reason == "cancelled_by_buyer"
    for direction in ("warehouse_cancellations", "buyer_cancellations"):
        assert world.sync_state.get(direction).last_error is None


def test_webhook_fast_path_carries_the_named_orders_cancellation(invoke, world):
    order = world.place_order({"TEE-RED-S": 1})
    extensiv_id = world.submit(order.id)
    world.buyer_cancel(order.id)

    result = invoke({"action": "orders", "order_ids": [order.id]}, **BOTH_ON)

    assert result["buyer_cancellations"]["cancelled_by_buyer"] == 1
    assert world.extensiv_order(extensiv_id)["status"] == 2
    assert world.orders.get(order.id).state == OrderState.CANCELLED


def test_switches_are_off_by_default(invoke, world):
    order = world.place_order({"MUG-01": 1})
    extensiv_id = world.submit(order.id)
    world.buyer_cancel(order.id)

    result = invoke({"action": "run"})
    fast = invoke({"action": "orders", "order_ids": [order.id]})

    assert result == {
        "warehouse_cancellations": {"skipped_switched_off": 1},
        "buyer_cancellations": {"skipped_switched_off": 1},
    }
    assert fast == {"buyer_cancellations": {"skipped_switched_off": 1}}
    assert world.extensiv_order(extensiv_id)["status"] == 0


def test_orders_action_without_order_ids_is_refused(invoke):
    with pytest.raises(ValueError, match="non-empty order_ids"):
        invoke({"action": "orders"}, **BOTH_ON)
