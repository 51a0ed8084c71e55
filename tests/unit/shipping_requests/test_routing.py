"""Each routing rule and each hold reason, on orders shaped like Get Order Detail's."""

from __future__ import annotations

import pytest
from shipping_routing import Action, Switches, decide

from hub.locations import Link
from hub.skus import SkuRecord
from tests.support.factories import FACILITY_ID, WAREHOUSE_ID, address, order_payload, tiktok_order
from tiktok_shop.models import Order

LINK = Link(WAREHOUSE_ID, FACILITY_ID)
OPEN = Switches(push_shipping_requests=True)


def test_routable_order_groups_one_unit_lines_by_sku():
    order = tiktok_order(skus={"TSHIRT-RED-L": 2, "MUG-01": 1})

    decision = decide(order, OPEN, LINK, {})

    assert decision.action == Action.ROUTE
    assert [(line.extensiv_sku, line.quantity) for line in decision.lines] == [("MUG-01", 1), ("TSHIRT-RED-L", 2)]
    assert decision.link == LINK
    assert decision.ship_to.city == "Reno"
    assert decision.ship_to.state == "NV"


def test_channel_sku_replaces_master_sku_for_extensiv():
    order = tiktok_order(skus={"TSHIRT-RED-L": 3})
    skus = {"TSHIRT-RED-L": SkuRecord("TSHIRT-RED-L", channel_sku="TS-R-L-3PL")}

    decision = decide(order, OPEN, LINK, skus)

    assert [(line.master_sku, line.extensiv_sku, line.quantity) for line in decision.lines] == [
        ("TSHIRT-RED-L", "TS-R-L-3PL", 3)
    ]


def test_seller_sku_with_trailing_space_is_matched_trimmed():
    # samples/tiktok/order-search-202309.response.json carries "yellow-24-XL " with a space.
    order = tiktok_order(skus={"yellow-24-XL ": 1})

    decision = decide(order, OPEN, LINK, {})

    assert [line.master_sku for line in decision.lines] == ["yellow-24-XL"]


@pytest.mark.parametrize("status", ["UNPAID", "ON_HOLD"])
def test_order_in_buyer_window_waits_with_reason_on_hold(status):
    decision = decide(tiktok_order(status=status), OPEN, LINK, {})

    assert (decision.action, decision.reason, decision.detail) == (Action.HOLD, "on_hold", status)


def test_fulfilled_by_tiktok_is_skipped_not_held():
    decision = decide(tiktok_order(fulfillment_type="FULFILLMENT_BY_TIKTOK"), OPEN, LINK, {})

    assert (decision.action, decision.reason) == (Action.SKIP, "not_seller_fulfilled")


@pytest.mark.parametrize("status", ["CANCELLED", "CANCEL"])
def test_cancelled_order_is_cancelled_in_the_hub(status):
    decision = decide(tiktok_order(status=status), OPEN, LINK, {})

    assert decision.action == Action.CANCEL


def test_already_shipping_order_is_skipped():
    decision = decide(tiktok_order(status="IN_TRANSIT"), OPEN, LINK, {})

    assert (decision.action, decision.detail) == (Action.SKIP, "IN_TRANSIT")


def test_pending_buyer_cancel_request_holds_the_order():
    decision = decide(tiktok_order(is_buyer_request_cancel=True), OPEN, LINK, {})

    assert (decision.action, decision.reason) == (Action.HOLD, "cancel_requested")


def test_push_switch_off_holds_with_push_disabled():
    decision = decide(tiktok_order(), Switches(push_shipping_requests=False), LINK, {})

    assert (decision.action, decision.reason) == (Action.HOLD, "push_disabled")


def test_order_id_scope_sends_only_listed_orders():
    listed = tiktok_order(order_id="111")
    other = tiktok_order(order_id="222")
    scoped = Switches(push_shipping_requests=True, order_id_scope=frozenset({"111"}))

    assert decide(listed, scoped, LINK, {}).action == Action.ROUTE
    assert decide(other, scoped, LINK, {}).reason == "out_of_scope"


@pytest.mark.parametrize(
    ("recipient", "missing"),
    [
        ({}, "recipient_address"),
        (address(postal_code=""), "postal_code"),
        (address(address_line1="", address_detail=""), "address_line1"),
        (address(district_info=[]), "city,state"),
    ],
)
def test_missing_address_fields_hold_the_order_naming_them(recipient, missing):
    decision = decide(tiktok_order(recipient_address=recipient), OPEN, LINK, {})

    assert (decision.action, decision.reason, decision.detail) == (Action.HOLD, "missing_address", missing)


def test_unlinked_warehouse_holds_with_no_linked_facility():
    decision = decide(tiktok_order(warehouse_id="999"), OPEN, None, {})

    assert (decision.action, decision.reason, decision.detail) == (Action.HOLD, "no_linked_facility", "warehouse 999")


def test_line_without_seller_sku_holds_with_missing_sku():
    order = tiktok_order(skus={"": 1})

    decision = decide(order, OPEN, LINK, {})

    assert (decision.action, decision.reason) == (Action.HOLD, "missing_sku")
    assert decision.detail == order.line_items[0].id


def test_bundle_lines_are_exploded_into_components():
    # reference/tiktok-shop.md §4.1.4: combined_listing_skus lists a bundle's components.
    payload = order_payload(skus={"BUNDLE-1": 1})
    payload["line_items"][0]["combined_listing_skus"] = [
        {"sku_id": "1", "sku_count": 2, "seller_sku": "SOCK-A"},
        {"sku_id": "2", "sku_count": 1, "seller_sku": "SOCK-B"},
    ]
    order = Order.model_validate(payload)

    decision = decide(order, OPEN, LINK, {})

    assert [(line.extensiv_sku, line.quantity) for line in decision.lines] == [("SOCK-A", 2), ("SOCK-B", 1)]
