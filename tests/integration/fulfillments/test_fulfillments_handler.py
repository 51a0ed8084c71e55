"""The fulfillments handler as the schedule invokes it: settings from the environment, clients
from the stack's secrets (moto), the sandboxes on loopback."""

from __future__ import annotations

import pytest

from hub.orders import OrderState
from tests.support.handlers import LambdaContext, load_app
from tests.support.sandbox_world import handler_environment


@pytest.fixture
def invoke(aws, world, monkeypatch):
    def invoke(event: dict, **switches: str) -> dict:
        for name, value in handler_environment(aws, world, **switches).items():
            monkeypatch.setenv(name, value)
        return load_app("fulfillments").handler(event, LambdaContext())

    return invoke


def test_scheduled_run_pulls_and_pushes_and_records_both_directions(invoke, world):
    order = world.place_order({"TEE-RED-S": 1, "MUG-01": 1})
    world.ship(world.submit(order.id), packages=[[{"sku": "TEE-RED-S", "qty": 1}], [{"sku": "MUG-01", "qty": 1}]])

    result = invoke({"action": "run"}, PULL_FULFILLMENTS="true", PUSH_FULFILLMENTS="true")

    assert result["fulfillments_pull"]["packages_recorded"] == 2
    assert result["fulfillments_push"]["packages_pushed"] == 2
    assert world.orders.get(order.id).state == OrderState.FULFILLED
    pull_status, push_status = (world.sync_state.get(name) for name in ("fulfillments_pull", "fulfillments_push"))
    assert (pull_status.last_error, push_status.last_error) == (None, None)
    assert push_status.last_counts["packages_pushed"] == 2
    assert list(pull_status.facility_cursors) == ["1"]


def test_switches_are_off_by_default_and_nothing_is_read_or_sent(invoke, world):
    order = world.place_order({"TEE-RED-S": 1})
    world.ship(world.submit(order.id))

    result = invoke({"action": "run"})

    assert result == {
        "fulfillments_pull": {"skipped_switched_off": 1},
        "fulfillments_push": {"skipped_switched_off": 1},
    }
    assert world.fulfillments.packages_of(order.id) == []
    assert world.sync_state.get("fulfillments_push").last_counts == {"skipped_switched_off": 1}


def test_pull_on_and_push_off_records_packages_and_pushes_none(invoke, world):
    order = world.place_order({"TEE-RED-S": 1})
    world.ship(world.submit(order.id))

    result = invoke({"action": "run"}, PULL_FULFILLMENTS="true")

    assert result["fulfillments_push"] == {"skipped_switched_off": 1}
    assert [package.state.value for package in world.fulfillments.packages_of(order.id)] == ["pending"]
    assert world.tiktok_order(order.id).status == "AWAITING_SHIPMENT"


def test_push_action_runs_the_push_alone(invoke, world):
    result = invoke({"action": "push"}, PULL_FULFILLMENTS="true", PUSH_FULFILLMENTS="true")

    assert list(result) == ["fulfillments_push"]


def test_unknown_action_is_refused(invoke):
    with pytest.raises(ValueError, match="unknown action 'resync'"):
        invoke({"action": "resync"})
