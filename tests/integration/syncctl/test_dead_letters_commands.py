"""`syncctl dead-letters`: list, show and replay the shipping-requests dead letters of a deployed stack."""

from __future__ import annotations

import json

import pytest
from extensiv_order import order_create_for
from shipping_flow import ShippingRequestFlow
from shipping_routing import Switches

from connector_common.queues import ShippingRequestMessage, ShippingRequestQueue
from hub.locations import LocationRepository
from hub.orders import OrderRepository, OrderState
from hub.skus import SkuRepository
from syncctl.dead_letters import NO_REASON
from tests.integration.syncctl.conftest import as_json
from tests.support.factories import FACILITY_ID, WAREHOUSE_ID, tiktok_order
from tests.support.fakes import FakeExtensiv, FakeTikTok, SimulatedCrash
from tests.support.handlers import load_app
from tests.support.syncctl_world import deliver


def park(world, order_id: str, reason: str | None, source: str = "webhook") -> None:
    """A dead letter as the function parks it (with a reason), or as SQS redrive moves it (none)."""
    body = ShippingRequestMessage(order_id, source).to_body()
    if reason is None:
        world.sqs.send_message(QueueUrl=world.dead_letter_queue_url, MessageBody=body)
        return
    queue = ShippingRequestQueue(world.sqs, world.queue_url)
    queue.dead_letter(world.dead_letter_queue_url, body, order_id, reason, receives=5)


def test_dead_letters_list_shows_reason_or_says_none_was_recorded(world, syncctl):
    park(world, "1001", "ExtensivServerError: 503 Service Unavailable")
    park(world, "1002", None, source="poll")

    letters = {letter["order_id"]: letter for letter in as_json(syncctl("dead-letters", "list", "--json"))}
    table = syncctl("dead-letters", "list")

    assert letters["1001"]["reason_text"] == "ExtensivServerError: 503 Service Unavailable"
    assert letters["1001"]["receives"] == 5
    assert letters["1002"]["reason"] is None
    assert letters["1002"]["reason_text"] == NO_REASON == "(no reason recorded: the function did not finish)"
    assert letters["1002"]["source"] == "poll"
    assert table.exit_code == 0
    assert "dead letters (2)" in table.stdout
    assert NO_REASON in table.stdout


def test_dead_letters_list_leaves_every_letter_visible_in_the_queue(world, syncctl):
    for order_id in ("1", "2", "3"):
        park(world, order_id, "boom")

    syncctl("dead-letters", "list")
    again = as_json(syncctl("dead-letters", "list", "--json"))

    assert sorted(letter["order_id"] for letter in again) == ["1", "2", "3"]


def test_dead_letters_list_limit_shows_at_most_that_many(world, syncctl):
    for order_id in ("1", "2", "3"):
        park(world, order_id, "boom")

    shown = as_json(syncctl("dead-letters", "list", "--limit", "2", "--json"))

    assert len(shown) == 2
    assert len(as_json(syncctl("dead-letters", "list", "--json"))) == 3


def test_dead_letters_show_prints_body_reason_and_the_orders_hub_state(world, syncctl):
    park(world, "1001", "TikTokUnavailable: timeout")
    OrderRepository(world.hub).observe("1001", "AWAITING_SHIPMENT", 1, WAREHOUSE_ID)
    message_id = as_json(syncctl("dead-letters", "list", "--json"))[0]["message_id"]

    shown = as_json(syncctl("dead-letters", "show", message_id, "--json"))
    table = syncctl("dead-letters", "show", message_id)

    assert json.loads(shown["body"]) == {"order_id": "1001", "source": "webhook", "event_time": None}
    assert shown["reason_text"] == "TikTokUnavailable: timeout"
    assert shown["hub_order"]["state"] == "received"
    assert "TikTokUnavailable: timeout" in table.stdout


def test_dead_letters_show_unknown_message_is_one_line_and_exit_1(syncctl):
    result = syncctl("dead-letters", "show", "no-such-id")

    assert result.exit_code == 1
    assert result.stderr.strip() == "syncctl: no dead letter no-such-id (`syncctl dead-letters list` shows them)"


def test_dead_letters_replay_one_moves_it_back_to_the_shipping_requests_queue(world, syncctl):
    park(world, "1001", "boom")
    park(world, "1002", "boom")
    first = next(
        letter for letter in as_json(syncctl("dead-letters", "list", "--json")) if letter["order_id"] == "1001"
    )

    result = syncctl("dead-letters", "replay", first["message_id"])

    assert result.exit_code == 0, result.output
    assert [json.loads(message["Body"])["order_id"] for message in world.receive()] == ["1001"]
    assert [letter["order_id"] for letter in as_json(syncctl("dead-letters", "list", "--json"))] == ["1002"]


def test_dead_letters_replay_all_empties_the_dead_letter_queue(world, syncctl):
    for order_id in ("1", "2", "3"):
        park(world, order_id, "boom")

    result = syncctl("dead-letters", "replay", "--all")

    assert result.exit_code == 0, result.output
    assert "replayed 3 dead letter(s)" in result.stdout
    assert sorted(json.loads(message["Body"])["order_id"] for message in world.receive()) == ["1", "2", "3"]
    assert as_json(syncctl("dead-letters", "list", "--json")) == []


@pytest.mark.parametrize("args", [(), ("some-id", "--all")])
def test_dead_letters_replay_needs_exactly_one_id_or_all(syncctl, args):
    result = syncctl("dead-letters", "replay", *args)

    assert result.exit_code == 2
    assert result.stderr.strip() == "syncctl: name one message id, or --all"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_replayed_dead_letters_create_the_extensiv_order_exactly_once(deploy, syncctl, monkeypatch):
    # GIVEN a stack whose queue dead-letters after one delivery, and the real shipping-request
    # flow behind the real handler (TikTok and Extensiv as in-memory fakes).
    world = deploy(ShippingRequestMaxReceives="1", PushShippingRequests="true")
    for name, value in world.function_environment("ShippingRequestsFunction").items():
        monkeypatch.setenv(name, value)
    clock = Clock(1_700_000_100.0)
    hub = world.hub
    hub.clock = clock
    LocationRepository(hub).link(WAREHOUSE_ID, FACILITY_ID)
    order = tiktok_order()
    tiktok, extensiv = FakeTikTok(order), FakeExtensiv()
    flow = ShippingRequestFlow(
        orders=OrderRepository(hub),
        skus=SkuRepository(hub),
        locations=LocationRepository(hub),
        tiktok=tiktok,
        extensiv=extensiv,
        build_order=lambda tiktok_order, decision: order_create_for(tiktok_order, decision, customer_id=12),
        switches=Switches(push_shipping_requests=True),
        clock=clock,
    )
    app = load_app("shipping_requests")
    monkeypatch.setattr(app.Runtime, "flow", lambda self: flow)
    monkeypatch.setattr(app, "redelivery_delay", lambda receives: 0)

    # AND the function died right after Extensiv created the order (the hub never recorded it):
    # SQS moved that request to the dead letters without a reason.
    world.sqs.send_message(QueueUrl=world.queue_url, MessageBody=ShippingRequestMessage(order.id, "webhook").to_body())
    extensiv.crash_after_next_create = True
    with pytest.raises(SimulatedCrash):
        deliver(app, world, visibility_timeout=0)
    assert world.receive() == []

    # AND the poll's request for the same order was parked by the function, with its reason,
    # while the crashed attempt still held the order.
    world.sqs.send_message(QueueUrl=world.queue_url, MessageBody=ShippingRequestMessage(order.id, "poll").to_body())
    deliver(app, world)
    letters = as_json(syncctl("dead-letters", "list", "--json", stack=world))
    assert sorted(letter["reason_text"].split(":")[0] for letter in letters) == ["(no reason recorded", "RetryLater"]

    # WHEN the operator replays every dead letter after the crashed claim's lease ran out
    clock.now += 600
    replay = syncctl("dead-letters", "replay", "--all", stack=world)
    delivered = deliver(app, world)

    # THEN both requests ran, and Extensiv holds the order once, created once and adopted by the hub.
    assert replay.exit_code == 0, replay.output
    assert delivered == [order.id, order.id]
    assert list(extensiv.orders) == [order.id]
    assert len(extensiv.bodies) == 1
    record = OrderRepository(hub).get(order.id)
    assert (record.state, record.extensiv_order_id) == (OrderState.SUBMITTED, str(extensiv.orders[order.id].order_id))
    assert as_json(syncctl("dead-letters", "list", "--json", stack=world)) == []
    assert world.receive() == []
