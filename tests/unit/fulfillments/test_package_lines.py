"""Extensiv packages -> hub package lines -> TikTok line items (pure rules)."""

from __future__ import annotations

from typing import Any

import pytest
from package_lines import AmbiguousChannelSku, allocate_line_items, is_line_shipped, shipment_from

from extensiv.models import ExtensivOrder
from hub.fulfillments import PackageLine, PackageRecord, PackageState
from tests.support.factories import order_payload
from tiktok_shop.models import Order

REL = "http://api.3plCentral.com/rels/orders/"


def extensiv_order(
    items: dict[int, tuple[str, int]],
    packages: list[tuple[int, str | None, list[tuple[int, Any]]]],
    carrier: str | None = "UPS",
    tracking: str | None = None,
) -> ExtensivOrder:
    """A shipped order as `GET /orders?detail=OrderItems,Packages` returns it (HAL, camelCase)."""
    return ExtensivOrder.model_validate(
        {
            "readOnly": {
                "orderId": 50001,
                "isClosed": True,
                "status": 1,
                "processDate": "2026-12-04T08:15:00",
                "lastModifiedDate": "2026-12-04T08:15:01.1234567",
                "packages": [
                    {
                        "packageId": package_id,
                        "trackingNumber": package_tracking,
                        "packageContents": [{"orderItemId": item, "qty": qty} for item, qty in contents],
                    }
                    for package_id, package_tracking, contents in packages
                ],
            },
            "referenceNum": "576461413038785752",
            "routingInfo": {"carrier": carrier, "scacCode": "UPSN", "trackingNumber": tracking},
            "_embedded": {
                f"{REL}item": [
                    {"readOnly": {"orderItemId": item_id}, "itemIdentifier": {"sku": sku}, "qty": qty}
                    for item_id, (sku, qty) in items.items()
                ]
            },
        }
    )


def same_sku(sku: str) -> str:
    return sku


def record(package_id: str, lines: dict[str, int], assigned: list[str] | None = None) -> PackageRecord:
    return PackageRecord(
        order_id="576461413038785752",
        package_id=package_id,
        extensiv_order_id="50001",
        state=PackageState.PENDING,
        lines=[PackageLine(sku, sku, units) for sku, units in lines.items()],
        order_line_item_ids=assigned or [],
    )


def tiktok(skus: dict[str, int], **overrides: Any) -> Order:
    return Order.model_validate(order_payload(order_id="576461413038785752", skus=skus, **overrides))


def line_ids(order: Order, sku: str) -> list[str]:
    return sorted(line.id for line in order.line_items if line.seller_sku == sku)


# --- shipment_from ------------------------------------------------------------------------


def test_shipment_from_reads_carrier_ship_date_and_lines_per_package():
    order = extensiv_order(
        {1: ("TEE", 2), 2: ("MUG", 1)},
        [(900002, "1ZB", [(1, 1)]), (900001, "1ZA", [(1, 1), (2, 1)])],
    )

    shipment = shipment_from(order, same_sku)

    assert (shipment.extensiv_order_id, shipment.carrier, shipment.scac, shipment.ship_date) == (
        "50001",
        "UPS",
        "UPSN",
        "2026-12-04T08:15:00",
    )
    assert shipment.last_modified_date == "2026-12-04T08:15:01.1234567"
    assert [(p.package_id, p.tracking_number, p.lines) for p in shipment.packages] == [
        ("900001", "1ZA", [PackageLine("MUG", "MUG", 1), PackageLine("TEE", "TEE", 1)]),
        ("900002", "1ZB", [PackageLine("TEE", "TEE", 1)]),
    ]


def test_shipment_from_translates_channel_skus_back_to_master_skus():
    order = extensiv_order({1: ("EXT-TEE", 1)}, [(900001, "1ZA", [(1, 1)])])

    shipment = shipment_from(order, {"EXT-TEE": "TSHIRT-RED-L"}.get)

    assert shipment.packages[0].lines == [PackageLine("EXT-TEE", "TSHIRT-RED-L", 1)]


def test_channel_sku_of_two_master_skus_becomes_a_line_problem_not_a_guess():
    def ambiguous(sku: str) -> str:
        raise AmbiguousChannelSku(f"Extensiv SKU {sku} is the channel SKU of A, B")

    shipment = shipment_from(extensiv_order({1: ("EXT", 1)}, [(900001, "1ZA", [(1, 1)])]), ambiguous)

    assert shipment.packages[0].lines == []
    assert shipment.packages[0].line_problems == ["Extensiv SKU EXT is the channel SKU of A, B"]


def test_order_without_packages_ships_every_line_under_the_order_tracking():
    order = extensiv_order({1: ("TEE", 2), 2: ("MUG", 1)}, [], tracking="PRO123456789")

    [package] = shipment_from(order, same_sku).packages

    assert (package.package_id, package.tracking_number) == ("order-50001", "PRO123456789")
    assert package.lines == [PackageLine("MUG", "MUG", 1), PackageLine("TEE", "TEE", 2)]


def test_packages_without_recorded_contents_ship_every_line_under_the_first_tracking():
    order = extensiv_order({1: ("TEE", 2)}, [(900002, "1ZB", []), (900001, "1ZA", [])])

    [package] = shipment_from(order, same_sku).packages

    assert (package.package_id, package.tracking_number, package.lines) == (
        "900001",
        "1ZA",
        [PackageLine("TEE", "TEE", 2)],
    )


def test_single_package_without_its_own_tracking_uses_the_order_tracking():
    order = extensiv_order({1: ("TEE", 1)}, [(900001, None, [(1, 1)])], tracking="1ZORDER0000000001")

    assert shipment_from(order, same_sku).packages[0].tracking_number == "1ZORDER0000000001"


@pytest.mark.parametrize(
    ("contents", "problem"),
    [
        ([(7, 1)], "package content names unknown order item 7"),
        ([(1, "0.5")], "TEE: 0.5 is not a whole number of units"),
    ],
)
def test_unreadable_package_content_is_kept_as_a_line_problem(contents, problem):
    order = extensiv_order({1: ("TEE", 1), 2: ("MUG", 1)}, [(900001, "1ZA", contents), (900002, "1ZB", [(2, 1)])])

    first = shipment_from(order, same_sku).packages[0]

    assert problem in first.line_problems


# --- allocate_line_items ------------------------------------------------------------------


def test_package_with_two_units_takes_two_line_items_of_that_sku():
    order = tiktok({"TEE": 2, "MUG": 1})

    allocation = allocate_line_items(order, [record("900001", {"TEE": 2, "MUG": 1})])["900001"]

    assert sorted(allocation.order_line_item_ids) == sorted(line_ids(order, "TEE") + line_ids(order, "MUG"))
    assert allocation.problem is None


def test_split_shipment_gives_each_package_different_line_items_of_the_same_sku():
    order = tiktok({"TEE": 2})

    allocations = allocate_line_items(order, [record("900002", {"TEE": 1}), record("900001", {"TEE": 1})])

    first, second = allocations["900001"].order_line_item_ids, allocations["900002"].order_line_item_ids
    assert len(first) == len(second) == 1
    assert sorted(first + second) == line_ids(order, "TEE")


def test_allocation_is_the_same_on_every_run():
    order = tiktok({"TEE": 3})
    packages = [record("900001", {"TEE": 1}), record("900002", {"TEE": 2})]

    assert allocate_line_items(order, packages) == allocate_line_items(order, list(reversed(packages)))


def test_line_items_assigned_to_another_package_are_not_given_out_again():
    order = tiktok({"TEE": 2})
    first_line, second_line = line_ids(order, "TEE")

    allocations = allocate_line_items(
        order, [record("900001", {"TEE": 1}, assigned=[first_line]), record("900002", {"TEE": 1})]
    )

    assert list(allocations) == ["900002"]
    assert allocations["900002"].order_line_item_ids == [second_line]


def test_line_items_shipped_or_cancelled_on_tiktok_are_not_allocated():
    payload = order_payload(order_id="576461413038785752", skus={"TEE": 3})
    payload["line_items"][0].update(display_status="AWAITING_COLLECTION", package_id="1150000000000000001")
    payload["line_items"][1].update(display_status="CANCELLED")
    order = Order.model_validate(payload)

    allocation = allocate_line_items(order, [record("900001", {"TEE": 2})])["900001"]

    assert allocation.order_line_item_ids == [payload["line_items"][2]["id"]]
    assert allocation.unmatched == {"TEE": 1}
    assert allocation.problem == "no unshipped TikTok line item left for 1 x TEE"


def test_units_of_a_sku_the_order_does_not_have_are_unmatched():
    allocation = allocate_line_items(tiktok({"TEE": 1}), [record("900001", {"GHOST": 1, "TEE": 1})])["900001"]

    assert allocation.unmatched == {"GHOST": 1}
    assert allocation.problem == "no unshipped TikTok line item left for 1 x GHOST"


def test_bundle_line_goes_to_the_package_that_completes_its_components():
    payload = order_payload(order_id="576461413038785752", skus={"BUNDLE": 1})
    payload["line_items"][0]["combined_listing_skus"] = [
        {"sku_id": "1", "sku_count": 1, "seller_sku": "TEE"},
        {"sku_id": "2", "sku_count": 1, "seller_sku": "MUG"},
    ]
    order = Order.model_validate(payload)

    allocations = allocate_line_items(order, [record("900001", {"TEE": 1}), record("900002", {"MUG": 1})])

    assert allocations["900001"].order_line_item_ids == []
    assert allocations["900001"].problem == "the package carries no whole TikTok line item (only part of a bundle)"
    assert allocations["900002"].order_line_item_ids == [payload["line_items"][0]["id"]]


@pytest.mark.parametrize(
    ("display_status", "package_id", "shipped"),
    [
        ("AWAITING_SHIPMENT", "", False),
        ("TO_SHIP", "", False),
        ("AWAITING_COLLECTION", "115", True),
        ("IN_TRANSIT", "115", True),
        (None, "115", True),
        (None, None, False),
        ("CANCELLED", "", False),
    ],
)
def test_line_is_shipped_when_tiktok_shows_it_left_with_a_package(display_status, package_id, shipped):
    payload = order_payload(skus={"TEE": 1})
    payload["line_items"][0].update(display_status=display_status, package_id=package_id)

    assert is_line_shipped(Order.model_validate(payload).line_items[0]) is shipped
