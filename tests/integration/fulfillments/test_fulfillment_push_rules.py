"""Push rules that need an exact TikTok answer (a refusal code, another market): moto hub, small fake."""

from __future__ import annotations

import pytest
from fulfillment_push import FulfillmentPush

from connector_common.direction import RunCounts
from hub.fulfillments import (
    CarrierMappingRepository,
    FulfillmentRepository,
    PackageLine,
    PackageState,
    Shipment,
    ShippedPackage,
)
from hub.orders import OrderRepository, OrderState
from hub.skus import SkuRepository
from tests.support.factories import order_payload
from tiktok_shop.errors import error_for
from tiktok_shop.models import Order, PackageShipped, ShippingProvider

ORDER_ID = "576461413038785752"
OPTION = "7091146663920011009"
UPS = ShippingProvider(id="7117000000000000001", name="UPS")


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class ShipFake:
    """Answers Get Order Detail (each read the next of `reads`, the last one repeating) and Get
    Shipping Providers; ship calls are recorded, and the first `refusals` raised instead."""

    def __init__(self, *reads: Order | None, refusals: list[Exception] | None = None) -> None:
        self.reads = list(reads)
        self.refusals = list(refusals or [])
        self.shipped: list[dict] = []

    def get_orders(self, ids: list[str]) -> list[Order]:
        order = self.reads.pop(0) if len(self.reads) > 1 else self.reads[0]
        return [order] if order and order.id in ids else []

    def list_shipping_providers(self, delivery_option_id: str) -> list[ShippingProvider]:
        return [UPS] if delivery_option_id == OPTION else []

    def mark_package_shipped(self, order_id, tracking_number, shipping_provider_id, order_line_item_ids=None):
        self.shipped.append({"order_id": order_id, "tracking": tracking_number, "lines": order_line_item_ids})
        if self.refusals:
            raise self.refusals.pop(0)
        return PackageShipped(order_id=order_id, package_id="1150000000000000001", order_line_item_ids=[])

    def ship_package(self, package_id, tracking_number, shipping_provider_id):
        self.shipped.append({"package_id": package_id, "tracking": tracking_number})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hub(aws, clock):
    table = aws.hub
    table.clock = clock
    orders = OrderRepository(table)
    orders.observe(ORDER_ID, "AWAITING_SHIPMENT", 1, "7068517275539719942")
    orders.mark_submitted(orders.claim(ORDER_ID, 120), "50001", "1", how="created")
    return table


def tiktok_order(status: str = "AWAITING_SHIPMENT", **overrides) -> Order:
    payload = order_payload(order_id=ORDER_ID, status=status, skus={"TEE": 2}, delivery_option_id=OPTION, **overrides)
    return Order.model_validate(payload)


def record(hub, *packages: tuple[str, int], carrier: str = "UPS") -> None:
    shipped = [
        ShippedPackage(package_id, f"1Z999AA1012345678{index}", [PackageLine("TEE", "TEE", units)])
        for index, (package_id, units) in enumerate(packages)
    ]
    FulfillmentRepository(hub).record_shipment(ORDER_ID, Shipment("50001", ORDER_ID, carrier, None, None, "x", shipped))


def push(hub, tiktok, clock, region: str = "US") -> RunCounts:
    counts = RunCounts()
    pusher = FulfillmentPush(
        tiktok,
        OrderRepository(hub),
        FulfillmentRepository(hub),
        CarrierMappingRepository(hub),
        SkuRepository(hub),
        region=region,
        clock=clock,
    )
    pusher.run(counts)
    return counts


def package_states(hub) -> list[tuple[str, str | None]]:
    return [(p.state.value, p.reason) for p in FulfillmentRepository(hub).packages_of(ORDER_ID)]


def test_open_after_sale_request_sends_the_package_back_to_wait_not_to_hold(hub, clock):
    # 21011007: a buyer's cancel request is pending; the cancellation flow answers it first.
    record(hub, ("900001", 2))
    refusal = error_for(200, 21011007, "Package item has after-sale request", "r1")
    tiktok = ShipFake(tiktok_order(), refusals=[refusal])

    first = push(hub, tiktok, clock)
    second = push(hub, tiktok, clock)

    assert (first["retry_later"], second["packages_pushed"]) == (1, 1)
    assert package_states(hub) == [("pushed", None)]


def test_refusal_for_good_is_held_with_the_tiktok_code_and_not_resent(hub, clock):
    record(hub, ("900001", 2))
    refusal = error_for(200, 21004015, "tracking number and provider do not match", "r1")
    tiktok = ShipFake(tiktok_order(), refusals=[refusal])

    counts = push(hub, tiktok, clock)
    clock.now += 3600
    push(hub, tiktok, clock)

    [package] = FulfillmentRepository(hub).packages_of(ORDER_ID)
    assert counts["held_tiktok_rejected"] == 1
    assert (package.state, package.reason) == (PackageState.HELD, "tiktok_rejected")
    assert package.reason_detail.startswith("TikTok code 21004015")
    assert len(tiktok.shipped) == 1


def test_already_shipped_answer_is_checked_against_the_order_and_recorded_as_found(hub, clock):
    # GIVEN TikTok answers "already shipped" and a fresh read shows the package's lines shipped
    record(hub, ("900001", 2))
    shipped = order_payload(order_id=ORDER_ID, status="AWAITING_COLLECTION", skus={"TEE": 2}, delivery_option_id=OPTION)
    for line in shipped["line_items"]:
        line.update(display_status="AWAITING_COLLECTION", package_id="1150000000000000009")
    refusal = error_for(200, 21011006, "These orders are already shipped.", "r1")
    tiktok = ShipFake(tiktok_order(), Order.model_validate(shipped), refusals=[refusal])

    counts = push(hub, tiktok, clock)

    assert counts["found_on_tiktok"] == 1
    [package] = FulfillmentRepository(hub).packages_of(ORDER_ID)
    assert (package.state, package.tiktok_package_id) == (PackageState.PUSHED, "1150000000000000009")
    assert OrderRepository(hub).get(ORDER_ID).state == OrderState.FULFILLED


def test_package_of_an_order_cancelled_on_tiktok_is_held_not_pushed(hub, clock):
    record(hub, ("900001", 2))
    tiktok = ShipFake(tiktok_order(status="CANCELLED"))

    counts = push(hub, tiktok, clock)

    assert counts["held_order_not_shippable"] == 1
    assert package_states(hub) == [("held", "order_not_shippable")]
    assert tiktok.shipped == []


def test_sea_market_ships_the_order_s_own_tiktok_package(hub, clock):
    record(hub, ("900001", 2))
    tiktok = ShipFake(tiktok_order(packages=[{"id": "1150000000000000042"}]))

    counts = push(hub, tiktok, clock, region="SG")

    assert counts["packages_pushed"] == 1
    assert tiktok.shipped == [{"package_id": "1150000000000000042", "tracking": "1Z999AA10123456780"}]


def test_sea_market_holds_a_split_shipment_instead_of_guessing(hub, clock):
    record(hub, ("900001", 1), ("900002", 1))
    tiktok = ShipFake(tiktok_order(packages=[{"id": "1150000000000000042"}]))

    counts = push(hub, tiktok, clock, region="SG")

    assert counts["held_market_unsupported"] == 2
    assert tiktok.shipped == []


def test_credentials_refused_leaves_the_package_pending_and_counts_a_failure(hub, clock):
    record(hub, ("900001", 2))
    tiktok = ShipFake(tiktok_order(), refusals=[error_for(401, 36009004, "Invalid credentials", "r1")])

    counts = push(hub, tiktok, clock)

    assert counts["failed"] == 1
    assert package_states(hub) == [("pending", None)]


def test_order_tiktok_does_not_return_waits(hub, clock):
    record(hub, ("900001", 2))

    counts = push(hub, ShipFake(None), clock)

    assert counts["waiting_for_tiktok"] == 1
    assert package_states(hub) == [("pending", None)]


def test_held_package_is_checked_again_only_after_the_recheck_interval(hub, clock):
    record(hub, ("900001", 2), carrier="OnTrac")
    tiktok = ShipFake(tiktok_order())
    push(hub, tiktok, clock)
    CarrierMappingRepository(hub).set("OnTrac", shipping_provider_name="UPS")

    soon = push(hub, tiktok, clock)
    clock.now += 901
    later = push(hub, tiktok, clock)

    assert (soon.values, later["packages_pushed"]) == ({}, 1)


def test_channel_sku_fixed_after_the_pull_lets_the_held_package_through(hub, clock):
    # GIVEN the pull recorded EXT-TEE before anyone said it is TEE's channel SKU
    shipped = ShippedPackage("900001", "1Z999AA10123456784", [PackageLine("EXT-TEE", "EXT-TEE", 2)])
    FulfillmentRepository(hub).record_shipment(ORDER_ID, Shipment("50001", ORDER_ID, "UPS", None, None, "x", [shipped]))
    tiktok = ShipFake(tiktok_order())
    assert push(hub, tiktok, clock)["held_lines_unmatched"] == 1

    # WHEN the operator sets the mapping and the recheck comes round
    SkuRepository(hub).set_channel_sku("TEE", "EXT-TEE")
    clock.now += 901
    counts = push(hub, tiktok, clock)

    assert counts["packages_pushed"] == 1
    assert sorted(tiktok.shipped[0]["lines"]) == sorted(line.id for line in tiktok_order().line_items)
