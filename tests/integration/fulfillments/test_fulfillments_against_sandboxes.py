"""Fulfillments end to end over HTTP: TikTok sandbox -> Extensiv sandbox -> hub -> TikTok sandbox.

Each test places an order on the TikTok sandbox, hands it to the Extensiv sandbox with the real
shipping-request flow, ships it there through the control routes, then runs the pull and the
push with the real clients against a moto hub built from template.yaml.
"""

from __future__ import annotations

import pytest
from fulfillment_pull import DIRECTION as PULL
from fulfillment_pull import FulfillmentPull
from fulfillment_push import FulfillmentPush

from connector_common.direction import RunCounts
from hub.fulfillments import PackageState
from hub.orders import OrderState

MARK_SHIPPED = r"^/fulfillment/202309/orders/\d+/packages$"


def pull(world, counts: RunCounts | None = None) -> RunCounts:
    counts = counts or RunCounts()
    FulfillmentPull(world.extensiv, world.orders, world.fulfillments, world.skus, world.sync_state).run(counts)
    return counts


def push(world, recheck_held_after_seconds: float = 900) -> tuple[RunCounts, FulfillmentPush]:
    counts = RunCounts()
    pusher = FulfillmentPush(
        world.tiktok,
        world.orders,
        world.fulfillments,
        world.carrier_overrides,
        world.skus,
        recheck_held_after_seconds=recheck_held_after_seconds,
    )
    pusher.run(counts)
    return counts, pusher


def tiktok_packages(world, order_id: str) -> list[dict]:
    return [package for package in world.tiktok_state()["packages"] if package["order_id"] == order_id]


def provider_name(world, provider_id: str) -> str:
    providers = {
        provider["id"]: provider["name"]
        for warehouse in world.tiktok_state()["warehouses"]
        for option in warehouse["delivery_options"]
        for provider in option["shipping_providers"]
    }
    return providers[provider_id]


def test_split_shipment_becomes_two_tiktok_packages_with_their_tracking(world):
    # GIVEN an order of 2 x TEE-RED-S and 1 x MUG-01, in Extensiv, shipped in two packages
    # that each hold one shirt (the mug rides with the first)
    order = world.place_order({"TEE-RED-S": 2, "MUG-01": 1})
    extensiv_id = world.submit(order.id)
    shipped = world.ship(
        extensiv_id,
        packages=[[{"sku": "TEE-RED-S", "qty": 1}, {"sku": "MUG-01", "qty": 1}], [{"sku": "TEE-RED-S", "qty": 1}]],
    )
    trackings = [package["trackingNumber"] for package in world.extensiv_order(extensiv_id)["packages"]]

    # WHEN the pull and the push run
    pulled = pull(world)
    pushed, _ = push(world)

    # THEN TikTok has two packages, each with its Extensiv tracking and the UPS provider, and
    # every line item is in exactly one of them
    assert (pulled["shipments_recorded"], pulled["packages_recorded"]) == (1, 2)
    assert pushed["packages_pushed"] == 2
    packages = tiktok_packages(world, order.id)
    assert sorted(package["tracking_number"] for package in packages) == sorted(trackings)
    assert {provider_name(world, package["shipping_provider_id"]) for package in packages} == {"UPS"}
    shipped_lines = [line_id for package in packages for line_id in package["order_line_item_ids"]]
    assert sorted(shipped_lines) == sorted(line.id for line in order.line_items)
    assert world.tiktok_order(order.id).status == "AWAITING_COLLECTION"
    assert shipped["routingInfo"]["carrier"] == "UPS"

    record = world.orders.get(order.id)
    assert record.state == OrderState.FULFILLED
    assert {package.state for package in world.fulfillments.packages_of(order.id)} == {PackageState.PUSHED}


def test_first_package_only_moves_the_order_to_partially_shipping(world):
    # GIVEN Extensiv shipped only the shirts (the mug went in no package)
    order = world.place_order({"TEE-RED-S": 2, "MUG-01": 1})
    extensiv_id = world.submit(order.id)
    world.ship(extensiv_id, packages=[[{"sku": "TEE-RED-S", "qty": 2}]])

    pull(world)
    pushed, _ = push(world)

    assert pushed["packages_pushed"] == 1
    tiktok_order = world.tiktok_order(order.id)
    assert tiktok_order.status == "PARTIALLY_SHIPPING"
    shirts = sorted(line.id for line in order.line_items if line.seller_sku == "TEE-RED-S")
    assert sorted(tiktok_packages(world, order.id)[0]["order_line_item_ids"]) == shirts
    assert world.orders.get(order.id).state == OrderState.SHIPPED


def test_pulling_and_pushing_again_sends_nothing_more(world):
    order = world.place_order({"CAP-BLK": 1})
    world.ship(world.submit(order.id))
    pull(world)
    push(world)
    requests_before = len(world.tiktok_requests("POST", MARK_SHIPPED))

    again_pulled = pull(world)
    again_pushed, _ = push(world)

    assert again_pulled["shipments_recorded"] == 0
    assert again_pulled["already_recorded"] == 1
    assert again_pushed.values == {}
    assert len(world.tiktok_requests("POST", MARK_SHIPPED)) == requests_before == 1
    assert len(tiktok_packages(world, order.id)) == 1


def test_pull_records_carrier_tracking_ship_date_and_lines_and_moves_the_cursor(world):
    order = world.place_order({"TEE-RED-S": 2})
    extensiv_id = world.submit(order.id)
    world.ship(extensiv_id, carrier="FedEx")
    extensiv_order = world.extensiv_order(extensiv_id)

    pull(world)

    [package] = world.fulfillments.packages_of(order.id)
    assert (package.carrier, package.tracking_number, package.ship_date) == (
        "FedEx",
        extensiv_order["packages"][0]["trackingNumber"],
        extensiv_order["processDate"],
    )
    assert [(line.extensiv_sku, line.master_sku, line.quantity) for line in package.lines] == [
        ("TEE-RED-S", "TEE-RED-S", 2)
    ]
    assert world.orders.get(order.id).state == OrderState.SHIPPED
    # the cursor is the facility's own (Extensiv dates are in each facility's zone)
    assert world.sync_state.facility_cursors(PULL) == {"1": extensiv_order["lastModifiedDate"]}


def test_channel_sku_shipped_in_extensiv_maps_back_to_the_tiktok_line_items(world):
    # GIVEN TEE-RED-S is known to Extensiv as EXT-TEE-RED (the shipping request translated it)
    world.skus.set_channel_sku("TEE-RED-S", "EXT-TEE-RED")
    world.extensiv_control("stock", {"sku": "EXT-TEE-RED", "facilityId": 1, "onHand": 50})
    order = world.place_order({"TEE-RED-S": 2})
    extensiv_id = world.submit(order.id)
    world.ship(extensiv_id)

    pull(world)
    pushed, _ = push(world)

    [package] = world.fulfillments.packages_of(order.id)
    assert [(line.extensiv_sku, line.master_sku) for line in package.lines] == [("EXT-TEE-RED", "TEE-RED-S")]
    assert pushed["packages_pushed"] == 1
    assert world.tiktok_order(order.id).status == "AWAITING_COLLECTION"


def test_carrier_tiktok_does_not_list_is_held_and_not_pushed(world):
    order = world.place_order({"MUG-01": 1})
    world.ship(world.submit(order.id), carrier="OnTrac")

    pull(world)
    pushed, _ = push(world)

    [package] = world.fulfillments.packages_of(order.id)
    assert (package.state, package.reason) == (PackageState.HELD, "carrier_not_accepted")
    assert "OnTrac" in package.reason_detail
    assert pushed["held_carrier_not_accepted"] == 1
    assert world.tiktok_requests("POST", MARK_SHIPPED) == []
    assert world.tiktok_order(order.id).status == "AWAITING_SHIPMENT"


def test_operator_override_lets_a_held_carrier_through_once_requeued(world):
    # GIVEN the warehouse names a carrier the default table does not know
    order = world.place_order({"MUG-01": 1})
    world.ship(world.submit(order.id), carrier="Acme Parcel")
    pull(world)
    push(world)
    assert world.fulfillments.packages_of(order.id)[0].reason == "carrier_not_accepted"

    # WHEN the operator says Acme Parcel hands over to FedEx and requeues the held packages
    world.carrier_overrides.set("Acme Parcel", shipping_provider_name="FedEx")
    assert world.fulfillments.requeue_held() == 1
    pushed, _ = push(world)

    [package] = tiktok_packages(world, order.id)
    assert pushed["packages_pushed"] == 1
    assert provider_name(world, package["shipping_provider_id"]) == "FedEx"


def test_lost_answer_to_mark_shipped_is_resolved_by_reading_tiktok_without_a_second_push(world):
    order = world.place_order({"TEE-RED-S": 1})
    world.ship(world.submit(order.id))
    pull(world)

    # GIVEN TikTok applies the push but its answer never arrives
    world.lose_tiktok_responses("POST", MARK_SHIPPED)
    first, _ = push(world)
    assert first["outcome_unknown"] == 1
    assert world.fulfillments.packages_of(order.id)[0].state == PackageState.PUSHING

    # WHEN the push runs again, THEN it reads the order, finds the package and sends nothing
    second, _ = push(world)

    assert second["found_on_tiktok"] == 1
    assert len(world.tiktok_requests("POST", MARK_SHIPPED)) == 1
    assert len(tiktok_packages(world, order.id)) == 1
    [package] = world.fulfillments.packages_of(order.id)
    assert (package.state, package.push_how) == (PackageState.PUSHED, "found_on_tiktok")
    assert package.tiktok_package_id == tiktok_packages(world, order.id)[0]["id"]
    assert world.orders.get(order.id).state == OrderState.FULFILLED


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_on_mark_shipped_is_not_resent_until_tiktok_shows_it_was_not_applied(world, status):
    order = world.place_order({"TEE-RED-S": 1})
    world.ship(world.submit(order.id))
    pull(world)
    world.tiktok_fault(match=MARK_SHIPPED, status=status, method="POST")

    first, _ = push(world)
    second, _ = push(world)

    # One failed attempt (never retried blindly by the client), then one push after the re-read.
    assert (first["outcome_unknown"], second["packages_pushed"]) == (1, 1)
    assert len(world.tiktok_requests("POST", MARK_SHIPPED)) == 2
    assert len(tiktok_packages(world, order.id)) == 1


def test_tracking_typed_with_spaces_is_held_before_the_push(world):
    # GIVEN the warehouse confirmed the order by hand, typing the tracking number with spaces
    # (TikTok refuses special characters: 21004012, and a seller may correct tracking once)
    order = world.place_order({"MUG-01": 1})
    world.confirm(world.submit(order.id), tracking_number="1Z 999 AA1 01 2345 6784")

    pull(world)
    pushed, _ = push(world)

    [package] = world.fulfillments.packages_of(order.id)
    assert (package.state, package.reason) == (PackageState.HELD, "invalid_tracking")
    assert pushed["held_invalid_tracking"] == 1
    assert world.tiktok_requests("POST", MARK_SHIPPED) == []


def test_warehouse_ticker_ships_after_its_delay_with_a_split_and_the_packages_reach_tiktok(world):
    # GIVEN the Extensiv sandbox ships on its own an hour after an order arrives, always split
    world.extensiv_control("config", {"ship_after_seconds": 3600, "split_ratio": 1.0})
    order = world.place_order({"TEE-RED-S": 1, "MUG-01": 1})
    world.submit(order.id)
    world.extensiv_control("tick", {})
    assert pull(world)["shipments_recorded"] == 0

    # WHEN its clock passes the delay and the warehouse works its queue
    world.extensiv_control("clock", {"advance_seconds": 3600})
    world.extensiv_control("tick", {})
    pull(world)
    pushed, _ = push(world)

    assert pushed["packages_pushed"] == 2
    assert world.tiktok_order(order.id).status == "AWAITING_COLLECTION"
