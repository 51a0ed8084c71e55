"""The shipping-request flow against a moto hub built from template.yaml and in-memory API fakes."""

from __future__ import annotations

import pytest
from extensiv_order import order_create_for
from shipping_flow import Outcome, RetryLater, ShippingRequestFlow
from shipping_routing import Switches

from hub.locations import LocationRepository
from hub.orders import OrderRepository, OrderState
from hub.skus import SkuRepository
from tests.support.factories import FACILITY_ID, WAREHOUSE_ID, tiktok_order
from tests.support.fakes import FakeExtensiv, FakeTikTok, SimulatedCrash, server_error


class Clock:
    def __init__(self, now: float = 1_700_000_100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hub(aws, clock):
    table = aws.hub
    table.clock = clock
    LocationRepository(table).link(WAREHOUSE_ID, FACILITY_ID)
    return table


@pytest.fixture
def tiktok() -> FakeTikTok:
    return FakeTikTok()


@pytest.fixture
def extensiv() -> FakeExtensiv:
    return FakeExtensiv()


PUSH_ON = Switches(push_shipping_requests=True)


def make_flow(hub, tiktok, extensiv, clock, switches=PUSH_ON) -> ShippingRequestFlow:
    return ShippingRequestFlow(
        orders=OrderRepository(hub),
        skus=SkuRepository(hub),
        locations=LocationRepository(hub),
        tiktok=tiktok,
        extensiv=extensiv,
        build_order=lambda order, decision: order_create_for(order, decision, customer_id=12),
        switches=switches,
        lease_seconds=120,
        clock=clock,
    )


@pytest.fixture
def flow(hub, tiktok, extensiv, clock) -> ShippingRequestFlow:
    return make_flow(hub, tiktok, extensiv, clock)


def test_routable_order_becomes_one_extensiv_order_with_reference_and_facility(flow, tiktok, extensiv, hub):
    order = tiktok_order(skus={"TSHIRT-RED-L": 2, "MUG-01": 1})
    tiktok.put(order)

    result = flow.process(order.id)

    assert result.outcome == Outcome.CREATED
    body = extensiv.bodies[0]
    assert body["referenceNum"] == order.id
    assert body["facilityIdentifier"] == {"id": int(FACILITY_ID)}
    assert body["customerIdentifier"] == {"id": 12}
    assert body["orderItems"] == [
        {"itemIdentifier": {"sku": "MUG-01"}, "qty": 1},
        {"itemIdentifier": {"sku": "TSHIRT-RED-L"}, "qty": 2},
    ]
    record = OrderRepository(hub).get(order.id)
    assert (record.state, record.extensiv_order_id, record.facility_id) == (
        OrderState.SUBMITTED,
        result.extensiv_order_id,
        FACILITY_ID,
    )


def test_duplicate_webhook_creates_nothing_more(flow, tiktok, extensiv):
    order = tiktok_order()
    tiktok.put(order)

    first = flow.process(order.id)
    second = flow.process(order.id)

    assert (first.outcome, second.outcome) == (Outcome.CREATED, Outcome.ALREADY_DONE)
    assert len(extensiv.bodies) == 1


def test_retry_after_a_5xx_creates_exactly_once(flow, tiktok, extensiv, hub):
    order = tiktok_order()
    tiktok.put(order)
    extensiv.fail_next_creates.append(server_error())

    with pytest.raises(Exception, match="503"):
        flow.process(order.id)
    # GIVEN the failed attempt released its claim, WHEN the queue redelivers, THEN the next
    # attempt first asks Extensiv for the reference (unknown outcome) and then creates.
    result = flow.process(order.id)

    assert result.outcome == Outcome.CREATED
    assert len(extensiv.orders) == 1
    assert extensiv.lookups == [order.id]
    assert OrderRepository(hub).get(order.id).state == OrderState.SUBMITTED


def test_crash_after_the_extensiv_call_is_recovered_without_a_second_order(flow, tiktok, extensiv, hub, clock):
    order = tiktok_order()
    tiktok.put(order)
    extensiv.crash_after_next_create = True

    with pytest.raises(SimulatedCrash):
        flow.process(order.id)
    assert OrderRepository(hub).get(order.id).state == OrderState.SUBMITTING

    # While the dead attempt's lease runs, a redelivery waits instead of creating.
    with pytest.raises(RetryLater):
        flow.process(order.id)

    clock.now += 121
    result = flow.process(order.id)

    assert result.outcome == Outcome.ADOPTED
    assert len(extensiv.bodies) == 1
    record = OrderRepository(hub).get(order.id)
    assert (record.state, record.extensiv_order_id) == (OrderState.SUBMITTED, result.extensiv_order_id)


def test_order_already_in_extensiv_is_adopted_on_duplicate_reference(flow, tiktok, extensiv, hub):
    order = tiktok_order()
    tiktok.put(order)
    created_elsewhere = extensiv.create_order(order_create_for(order, make_decision(order), customer_id=12))

    result = flow.process(order.id)

    assert (result.outcome, result.extensiv_order_id) == (Outcome.ADOPTED, str(created_elsewhere.order_id))
    assert len(extensiv.orders) == 1


def test_sku_unknown_to_extensiv_holds_the_order_naming_the_sku(hub, tiktok, clock):
    extensiv = FakeExtensiv(known_skus={"MUG-01"})
    flow = make_flow(hub, tiktok, extensiv, clock)
    order = tiktok_order(skus={"MUG-01": 1, "GHOST-SKU": 1})
    tiktok.put(order)

    result = flow.process(order.id)

    record = OrderRepository(hub).get(order.id)
    assert (result.outcome, record.state, record.reason, record.reason_detail) == (
        Outcome.HELD,
        OrderState.HELD,
        "unknown_sku",
        "GHOST-SKU",
    )
    assert extensiv.orders == {}


def test_held_order_goes_out_once_the_cause_is_fixed(hub, tiktok, extensiv, clock):
    order = tiktok_order(warehouse_id="UNLINKED-WH")
    tiktok.put(order)
    flow = make_flow(hub, tiktok, extensiv, clock)
    assert flow.process(order.id).reason == "no_linked_facility"

    LocationRepository(hub).link("UNLINKED-WH", "2")
    result = flow.process(order.id)

    assert result.outcome == Outcome.CREATED
    assert extensiv.bodies[0]["facilityIdentifier"] == {"id": 2}


def test_on_hold_order_waits_and_is_read_again_when_the_hold_ends(flow, tiktok, extensiv, hub):
    held = tiktok_order(status="ON_HOLD")
    tiktok.put(held)
    assert flow.process(held.id).reason == "on_hold"
    assert extensiv.bodies == []

    tiktok.put(tiktok_order(order_id=held.id, status="AWAITING_SHIPMENT", update_time=1_700_003_600))
    result = flow.process(held.id)

    assert result.outcome == Outcome.CREATED
    assert tiktok.detail_calls == [[held.id], [held.id]]


def test_order_cancelled_during_the_hold_never_reaches_extensiv(flow, tiktok, extensiv, hub):
    order = tiktok_order(status="ON_HOLD")
    tiktok.put(order)
    flow.process(order.id)

    tiktok.put(tiktok_order(order_id=order.id, status="CANCELLED"))
    result = flow.process(order.id)

    assert result.outcome == Outcome.CANCELLED
    assert extensiv.bodies == []
    assert OrderRepository(hub).get(order.id).state == OrderState.CANCELLED


def test_order_not_yet_readable_on_tiktok_is_retried_not_dropped(flow):
    with pytest.raises(RetryLater, match="does not return order"):
        flow.process("404404")


def test_held_orders_keep_an_audit_trail(flow, tiktok, hub):
    order = tiktok_order(warehouse_id="NOWHERE")
    tiktok.put(order)

    flow.process(order.id)

    trail = OrderRepository(hub).audit_trail(order.id)
    assert [(entry["event"], entry["details"]["reason"]) for entry in trail] == [("held", "no_linked_facility")]


def make_decision(order):
    from shipping_routing import decide

    from hub.locations import Link

    return decide(order, Switches(True), Link(WAREHOUSE_ID, FACILITY_ID), {})


def test_losing_a_claim_reports_the_current_state_in_plain_values(hub, tiktok, flow):
    from hub.errors import TransitionRejected

    order = tiktok_order()
    tiktok.put(order)
    flow.process(order.id)

    with pytest.raises(TransitionRejected) as rejected:
        OrderRepository(hub).claim(order.id, lease_seconds=60)

    assert rejected.value.current["state"] == "submitted"
