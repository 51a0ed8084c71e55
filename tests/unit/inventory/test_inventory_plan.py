"""The pure inventory rules: aggregation, translation, expected quantities, change detection, payloads."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from inventory_plan import (
    SkuPush,
    TikTokSku,
    aggregate_stock,
    expected_tiktok_quantities,
    failed_skus,
    find_mismatches,
    oversell_risks,
    plan_pushes,
    stock_staleness_seconds,
    translate_to_master,
    unlinked_facility_units,
    unseen_order_units,
    update_body,
)

from extensiv.models import StockSummary
from hub.skus import SkuRecord
from tests.support.factories import tiktok_order
from tiktok_shop.models import InventoryUpdateResult, Order

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
WH_A = "7068517275539719942"
WH_B = "7068517275539719943"
WH_UNLINKED = "7068517275539719944"


def row(sku: str, facility_id: int | None, available: float, qualifier: str = "") -> StockSummary:
    return StockSummary.model_validate(
        {
            "itemIdentifier": {"sku": sku, "id": 1},
            "qualifier": qualifier,
            "available": available,
            "onHand": available + 5,
            "allocated": 99,
            "facilityId": facility_id,
        }
    )


def record(master_sku: str, channel_sku: str | None = None, conflicts: list[str] | None = None) -> SkuRecord:
    return SkuRecord(
        master_sku=master_sku,
        channel_sku=channel_sku,
        product_id="1729592969712207008",
        sku_id=f"sku-{master_sku}",
        conflicting_product_ids=conflicts or [],
    )


def tiktok_sku(master_sku: str, warehouses: dict[str, int], product_id: str = "P1") -> TikTokSku:
    return TikTokSku(master_sku, product_id, f"sku-{master_sku}", warehouses)


# --- aggregation -------------------------------------------------------------------------------


def test_aggregate_stock_sums_qualifiers_per_sku_and_facility_from_available_not_on_hand():
    rows = [row("TEE", 1, 4), row("TEE", 1, 3, qualifier="damaged-box"), row("TEE", 2, 10), row("MUG", 1, 2)]

    stock, without_facility = aggregate_stock(rows)

    assert stock == {("TEE", "1"): 7, ("TEE", "2"): 10, ("MUG", "1"): 2}
    assert without_facility == 0


def test_aggregate_stock_parses_the_documented_sample_row():
    payload = json.loads((FIXTURES / "extensiv" / "stock-summaries.response.json").read_text())
    rows = [StockSummary.model_validate(summary) for summary in payload["summaries"]]

    assert aggregate_stock(rows) == ({("str", "7"): 4}, 0)


def test_aggregate_stock_floors_fractions_and_never_goes_negative():
    stock, _ = aggregate_stock([row("TEE", 1, 2.7), row("MUG", 1, 1), row("MUG", 1, -3)])

    assert stock == {("TEE", "1"): 2, ("MUG", "1"): 0}


def test_aggregate_stock_counts_rows_without_a_facility_or_sku_instead_of_routing_them():
    stock, unroutable = aggregate_stock([row("TEE", None, 5), row(" ", 1, 2), row("TEE", 1, 1)])

    assert (stock, unroutable) == ({("TEE", "1"): 1}, 2)


# --- channel SKU -> master SKU -----------------------------------------------------------------


def test_translate_to_master_maps_a_channel_sku_back_to_its_master():
    records = {"TSHIRT-RED-L": record("TSHIRT-RED-L", channel_sku="EXT-TEE-R-L")}

    translation = translate_to_master({("EXT-TEE-R-L", "1"): 9}, records)

    assert translation.stock == {("TSHIRT-RED-L", "1"): 9}


def test_translate_to_master_keeps_a_sku_without_channel_sku_as_its_own_master():
    translation = translate_to_master({("MUG-01", "1"): 3}, {})

    assert translation.stock == {("MUG-01", "1"): 3}


def test_translate_to_master_ignores_rows_of_a_master_that_maps_to_another_channel_sku():
    # GIVEN TSHIRT maps to EXT-TEE, Extensiv also has an item literally named TSHIRT: not its stock.
    records = {"TSHIRT": record("TSHIRT", channel_sku="EXT-TEE")}

    translation = translate_to_master({("TSHIRT", "1"): 50, ("EXT-TEE", "1"): 4}, records)

    assert translation.stock == {("TSHIRT", "1"): 4}
    assert translation.ignored == ["TSHIRT"]


def test_translate_to_master_reports_a_channel_sku_shared_by_two_masters_and_routes_none():
    records = {"A": record("A", channel_sku="EXT-1"), "B": record("B", channel_sku="EXT-1")}

    translation = translate_to_master({("EXT-1", "1"): 6}, records)

    assert translation.stock == {}
    assert translation.shared == {"EXT-1": ["A", "B"]}


# --- expected quantities: routing, buffers, unseen orders ---------------------------------------


def test_expected_quantities_route_each_facility_to_its_linked_warehouse():
    stock = {("TEE", "1"): 7, ("TEE", "2"): 3}

    expected = expected_tiktok_quantities(stock, links={"1": WH_A, "2": WH_B})

    assert expected == {("TEE", WH_A): 7, ("TEE", WH_B): 3}


def test_expected_quantities_give_zero_where_a_linked_facility_has_no_row():
    expected = expected_tiktok_quantities({("TEE", "1"): 7}, links={"1": WH_A, "2": WH_B})

    assert expected[("TEE", WH_B)] == 0


def test_expected_quantities_subtract_the_sku_buffer_over_the_default_with_floor_zero():
    stock = {("TEE", "1"): 7, ("MUG", "1"): 2}

    expected = expected_tiktok_quantities(stock, {"1": WH_A}, buffers={"TEE": 2}, default_buffer=5)

    assert expected == {("TEE", WH_A): 5, ("MUG", WH_A): 0}


def test_expected_quantities_subtract_units_of_orders_the_warehouse_has_not_seen():
    stock = {("TEE", "1"): 7, ("TEE", "2"): 7}
    unseen = {("TEE", WH_A): 3}

    expected = expected_tiktok_quantities(stock, {"1": WH_A, "2": WH_B}, unseen_units=unseen, buffers={"TEE": 1})

    assert expected == {("TEE", WH_A): 3, ("TEE", WH_B): 6}


def test_unlinked_facility_units_name_the_facility_and_its_stock():
    stock = {("TEE", "1"): 7, ("TEE", "9"): 4, ("MUG", "9"): 1}

    assert unlinked_facility_units(stock, {"1": WH_A}) == {"9": {"TEE": 4, "MUG": 1}}


def test_unseen_order_units_count_open_lines_per_sku_and_warehouse():
    orders = [
        tiktok_order(status="ON_HOLD", skus={"TEE": 2}, warehouse_id=WH_A),
        tiktok_order(status="AWAITING_SHIPMENT", skus={"TEE": 1, "MUG": 1}, warehouse_id=WH_A),
        tiktok_order(status="UNPAID", skus={"TEE": 1}, warehouse_id=WH_B),
    ]

    assert unseen_order_units(orders) == {("TEE", WH_A): 3, ("MUG", WH_A): 1, ("TEE", WH_B): 1}


@pytest.mark.parametrize("status", ["CANCELLED", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED"])
def test_unseen_order_units_leave_out_orders_that_no_longer_wait_for_the_warehouse(status):
    assert unseen_order_units([tiktok_order(status=status, skus={"TEE": 2})]) == {}


def test_unseen_order_units_skip_cancelled_lines_and_count_bundle_components():
    payload = tiktok_order(skus={"TEE": 2, "BUNDLE": 1}, warehouse_id=WH_A).model_dump()
    payload["line_items"][0]["display_status"] = "CANCELLED"
    bundle = next(line for line in payload["line_items"] if line["seller_sku"] == "BUNDLE")
    bundle["combined_listing_skus"] = [{"sku_id": "1", "sku_count": 2, "seller_sku": "MUG"}]

    assert unseen_order_units([Order.model_validate(payload)]) == {("TEE", WH_A): 1, ("MUG", WH_A): 2}


def test_unseen_order_units_use_the_only_link_for_orders_without_a_warehouse():
    order = tiktok_order(skus={"TEE": 1}, warehouse_id=None)

    assert unseen_order_units([order], default_warehouse_id=WH_A) == {("TEE", WH_A): 1}
    assert unseen_order_units([order]) == {}


# --- change detection and payloads ---------------------------------------------------------------


def test_plan_pushes_nothing_when_every_linked_warehouse_equals_the_last_pushed_value():
    expected = {("TEE", WH_A): 7}

    plan = plan_pushes(expected, {"TEE": tiktok_sku("TEE", {WH_A: 7})}, {"TEE": {WH_A: 7}})

    assert (plan.pushes, plan.unchanged) == ([], ["TEE"])


def test_plan_pushes_a_sku_whose_quantity_changed_or_was_never_pushed():
    expected = {("TEE", WH_A): 6, ("MUG", WH_A): 2}
    skus = {"TEE": tiktok_sku("TEE", {WH_A: 7}), "MUG": tiktok_sku("MUG", {WH_A: 0})}

    plan = plan_pushes(expected, skus, {"TEE": {WH_A: 7}})

    assert [(push.master_sku, push.inventory) for push in plan.pushes] == [
        ("MUG", ((WH_A, 2),)),
        ("TEE", ((WH_A, 6),)),
    ]


def test_plan_lowers_tiktok_when_it_offers_more_than_expected_since_the_last_push():
    # GIVEN 7 was pushed and is still expected, WHEN TikTok restocked a cancellation to 9,
    # THEN 7 goes out again; a lower TikTok figure (an unseen order) is left alone.
    expected = {("TEE", WH_A): 7, ("MUG", WH_A): 3}
    skus = {"TEE": tiktok_sku("TEE", {WH_A: 9}), "MUG": tiktok_sku("MUG", {WH_A: 2})}

    plan = plan_pushes(expected, skus, {"TEE": {WH_A: 7}, "MUG": {WH_A: 3}})

    assert [(push.master_sku, push.inventory) for push in plan.pushes] == [("TEE", ((WH_A, 7),))]
    assert plan.unchanged == ["MUG"]


def test_plan_pushes_every_sku_on_resync_whatever_was_pushed_before():
    plan = plan_pushes({("TEE", WH_A): 7}, {"TEE": tiktok_sku("TEE", {WH_A: 7})}, {"TEE": {WH_A: 7}}, resync=True)

    assert [push.master_sku for push in plan.pushes] == ["TEE"]


def test_plan_names_every_warehouse_of_the_sku_when_one_changed():
    # GIVEN TEE sits in two linked warehouses (one changed) and one TikTok warehouse nobody linked.
    expected = {("TEE", WH_A): 4, ("TEE", WH_B): 9}
    skus = {"TEE": tiktok_sku("TEE", {WH_A: 5, WH_B: 9, WH_UNLINKED: 12})}

    plan = plan_pushes(expected, skus, {"TEE": {WH_A: 5, WH_B: 9}})

    (push,) = plan.pushes
    assert push.inventory == ((WH_A, 4), (WH_B, 9), (WH_UNLINKED, 12))
    assert dict(push.owned) == {WH_A: 4, WH_B: 9}


def test_plan_reports_a_linked_warehouse_tiktok_has_not_assigned_to_the_sku():
    expected = {("TEE", WH_A): 4, ("TEE", WH_B): 1}

    plan = plan_pushes(expected, {"TEE": tiktok_sku("TEE", {WH_A: 0})}, {})

    assert plan.unassigned == {"TEE": [WH_B]}
    assert plan.pushes[0].inventory == ((WH_A, 4),)


def test_plan_batches_group_skus_per_product_with_at_most_100_per_call():
    expected = {(f"S{index:03d}", WH_A): 1 for index in range(150)}
    expected[("OTHER", WH_A)] = 1
    skus = {sku: tiktok_sku(sku, {WH_A: 0}, product_id="P1") for sku, _ in expected}
    skus["OTHER"] = tiktok_sku("OTHER", {WH_A: 0}, product_id="P2")

    batches = plan_pushes(expected, skus, {}).batches()

    assert [(product_id, len(pushes)) for product_id, pushes in batches] == [("P1", 100), ("P1", 50), ("P2", 1)]


def test_update_body_sends_zero_for_out_of_stock():
    # NOTE: pins the assumption of reference §4.2 [LOW]: 0 is sent, although the current doc
    # text gives the range as [1, 99,999].
    push = SkuPush("TEE", "P1", "sku-TEE", ((WH_A, 0), (WH_B, 3)), {WH_A: 0, WH_B: 3})

    assert update_body([push]) == [("sku-TEE", [(WH_A, 0), (WH_B, 3)])]


# --- per-SKU errors ------------------------------------------------------------------------------


def test_failed_skus_reads_the_documented_error_inside_a_code_zero_answer():
    payload = json.loads((FIXTURES / "tiktok" / "inventory-update-202309.response.json").read_text())
    result = InventoryUpdateResult.model_validate(payload["data"])
    failing = SkuPush("TEE", "P1", "1729592969712207013", ((WH_A, 1),), {WH_A: 1})
    fine = SkuPush("MUG", "P1", "1729592969712207014", ((WH_A, 1),), {WH_A: 1})

    failures = failed_skus([failing, fine], result)

    assert list(failures) == ["TEE"]
    assert failures["TEE"].code == 12052990
    assert failures["TEE"].warehouse_codes == (("7068517275539719942", 12052097),)
    assert not failures["TEE"].permanent


def test_failed_skus_counts_every_sku_of_the_call_when_the_error_names_none():
    result = InventoryUpdateResult.model_validate(
        {"errors": [{"code": 12052036, "message": "The SKU ID is necessary"}]}
    )
    pushes = [SkuPush(sku, "P1", f"sku-{sku}", ((WH_A, 1),), {WH_A: 1}) for sku in ("TEE", "MUG")]

    assert sorted(failed_skus(pushes, result)) == ["MUG", "TEE"]


@pytest.mark.parametrize(("code", "extra_code", "permanent"), [(12052393, None, True), (12052990, 12052055, True)])
def test_sku_failure_is_permanent_for_codes_another_try_cannot_fix(code, extra_code, permanent):
    detail = {"sku_id": "sku-TEE", "extra_errors": [{"warehouse_id": WH_A, "code": extra_code}] if extra_code else []}
    result = InventoryUpdateResult.model_validate({"errors": [{"code": code, "message": "no", "detail": detail}]})
    push = SkuPush("TEE", "P1", "sku-TEE", ((WH_A, 0),), {WH_A: 0})

    assert failed_skus([push], result)["TEE"].permanent is permanent


# --- oversell, staleness, mismatches ------------------------------------------------------------


def test_oversell_risk_when_tiktok_offers_more_than_the_warehouse_can_ship_and_was_not_corrected():
    shippable = {("TEE", WH_A): 2, ("MUG", WH_A): 5}
    skus = {"TEE": tiktok_sku("TEE", {WH_A: 4}), "MUG": tiktok_sku("MUG", {WH_A: 9})}

    risks = oversell_risks(shippable, skus, corrected={"MUG"})

    assert [(risk.master_sku, risk.tiktok_available, risk.shippable) for risk in risks] == [("TEE", 4, 2)]


def test_stock_staleness_is_the_age_of_the_oldest_reading_behind_tiktok():
    assert stock_staleness_seconds(1000.0, read_at=990.0, stale_skus=[], last_pushed_data_as_of={}) == 10.0
    assert stock_staleness_seconds(1000.0, 990.0, ["TEE"], {"TEE": 400.0, "MUG": 100.0}) == 600.0


def test_find_mismatches_compares_only_pairs_present_on_both_sides():
    expected = {("TEE", WH_A): 4, ("MUG", WH_A): 2, ("CAP", WH_A): 0}
    tiktok = {("TEE", WH_A): 4, ("MUG", WH_A): 3}

    assert [mismatch.as_dict() for mismatch in find_mismatches(expected, tiktok)] == [
        {"sku": "MUG", "warehouse_id": WH_A, "tiktok": 3, "expected": 2}
    ]


def test_stock_summary_available_is_what_counts_not_on_hand():
    # `allocated` includes shipped units (reference §4.1): a row with onHand 12, allocated 99
    # and available 7 offers 7.
    assert aggregate_stock([row("TEE", 1, 7)])[0] == {("TEE", "1"): 7}
    assert row("TEE", 1, 7).on_hand == Decimal(12)
