"""Reconciliation from the two sandboxes' state snapshots (the demo's `inventory_mismatches`)."""

from __future__ import annotations

from inventory_mismatches import mismatches_from_state

from hub.skus import SkuRecord

WH = "7000000000000000101"
LINKS = {"1": WH}


def extensiv(*rows: tuple[str, int, float]) -> dict:
    return {
        "stock": [
            {"sku": sku, "facilityId": facility, "available": available, "onHand": available, "allocated": 0}
            for sku, facility, available in rows
        ]
    }


def tiktok(*rows: tuple[str, str, int], orders: list[dict] | None = None) -> dict:
    return {
        "inventory": [
            {"product_id": product, "seller_sku": sku, "warehouse_id": WH, "available_quantity": quantity}
            for product, sku, quantity in rows
        ],
        "orders": orders or [],
    }


def compare(extensiv_state, tiktok_state, **facts) -> list[dict]:
    defaults = {"links": LINKS, "sku_records": {}, "buffers": {}, "unseen_order_ids": []}
    found = mismatches_from_state(extensiv_state, tiktok_state, **{**defaults, **facts})
    return [mismatch.as_dict() for mismatch in found]


def test_quantity_different_from_extensiv_available_is_a_mismatch():
    assert compare(extensiv(("TEE", 1, 5), ("MUG", 1, 2)), tiktok(("P1", "TEE", 5), ("P2", "MUG", 3))) == [
        {"sku": "MUG", "warehouse_id": WH, "tiktok": 3, "expected": 2}
    ]


def test_expected_quantity_applies_channel_skus_buffers_and_unseen_orders():
    order = {
        "id": "576",
        "status": "ON_HOLD",
        "warehouse_id": WH,
        "line_items": [{"id": "1", "sku_id": "9", "seller_sku": "TEE", "cancelled": False}] * 2,
    }

    found = compare(
        extensiv(("EXT-TEE", 1, 10)),
        tiktok(("P1", "TEE", 7), orders=[order]),
        sku_records={"TEE": SkuRecord("TEE", channel_sku="EXT-TEE")},
        buffers={"TEE": 1},
        unseen_order_ids=["576"],
    )

    assert found == []


def test_seller_sku_on_two_products_is_left_to_the_conflict_report():
    assert compare(extensiv(("TEE", 1, 5)), tiktok(("P1", "TEE", 9), ("P2", "TEE", 9))) == []


def test_sku_outside_the_scope_and_rows_extensiv_would_not_show_are_left_out():
    untouched = {"stock": [{"sku": "CAP", "facilityId": 1, "available": 0, "onHand": 0, "allocated": 0}]}

    assert compare(extensiv(("TEE", 1, 5)), tiktok(("P1", "TEE", 9)), sku_scope=frozenset({"MUG"})) == []
    assert compare(untouched, tiktok(("P3", "CAP", 4))) == []
