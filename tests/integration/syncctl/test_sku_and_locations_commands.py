"""`syncctl sku` and `syncctl locations` against the hub of a stack deployed in moto."""

from __future__ import annotations

from hub.locations import Facility, LocationRepository, Warehouse
from hub.orders import HoldReason, OrderRepository
from hub.skus import SkuRepository
from tests.integration.syncctl.conftest import as_json

WAREHOUSE = "7068517275539719001"
OTHER_WAREHOUSE = "7068517275539719002"


def test_sku_list_shows_channel_skus_and_conflicts(world, syncctl):
    skus = SkuRepository(world.hub)
    skus.upsert_from_tiktok("TEE-BLK-M", "p1", "s1", "Classic tee, black, M")
    skus.set_channel_sku("TEE-BLK-M", "3PL-TEE-BLACK-M")
    skus.upsert_from_tiktok("MUG-01", "p2", "s2", "Mug")
    skus.upsert_from_tiktok("MUG-01", "p3", "s3", "Another mug")

    listed = {record["master_sku"]: record for record in as_json(syncctl("sku", "list", "--json"))}
    conflicts = as_json(syncctl("sku", "list", "--conflicts", "--json"))
    table = syncctl("sku", "list")

    assert (listed["TEE-BLK-M"]["channel_sku"], listed["TEE-BLK-M"]["extensiv_sku"]) == (
        "3PL-TEE-BLACK-M",
        "3PL-TEE-BLACK-M",
    )
    assert listed["MUG-01"]["conflicting_product_ids"] == ["p3"]
    assert [record["master_sku"] for record in conflicts] == ["MUG-01"]
    assert "1 SKU(s) used by two products" in table.stdout


def test_sku_set_channel_maps_the_master_sku_and_points_at_waiting_orders(world, syncctl):
    orders = OrderRepository(world.hub)
    orders.observe("111", "AWAITING_SHIPMENT", 1, WAREHOUSE)
    orders.hold("111", HoldReason.UNKNOWN_SKU, "TEE-BLK-M")

    result = syncctl("sku", "set-channel", "TEE-BLK-M", "3PL-TEE-BLACK-M")

    assert result.exit_code == 0, result.output
    assert "TEE-BLK-M -> Extensiv SKU 3PL-TEE-BLACK-M" in result.stdout
    assert "1 held order(s) waited for this (111)" in result.stdout
    assert SkuRepository(world.hub).get("TEE-BLK-M").extensiv_sku == "3PL-TEE-BLACK-M"


def test_sku_set_channel_warns_when_another_master_uses_that_channel_sku(world, syncctl):
    SkuRepository(world.hub).set_channel_sku("TEE-BLK-M", "3PL-TEE")

    result = syncctl("sku", "set-channel", "TEE-BLK-L", "3PL-TEE")

    assert result.exit_code == 0
    assert "warning: 3PL-TEE is also the channel SKU of TEE-BLK-M" in result.stdout


def test_sku_remove_channel_goes_back_to_the_master_sku(world, syncctl):
    SkuRepository(world.hub).set_channel_sku("TEE-BLK-M", "3PL-TEE-BLACK-M")

    result = syncctl("sku", "remove-channel", "TEE-BLK-M")

    assert result.exit_code == 0, result.output
    assert "channel SKU 3PL-TEE-BLACK-M removed; Extensiv SKU is TEE-BLK-M again" in result.stdout
    assert SkuRepository(world.hub).get("TEE-BLK-M").channel_sku is None


def test_sku_remove_channel_of_an_unknown_sku_is_one_line_and_exit_1(world, syncctl):
    result = syncctl("sku", "remove-channel", "NOPE")

    assert result.exit_code == 1
    assert result.stderr.strip() == "syncctl: the hub has no SKU NOPE (`syncctl sku list` shows what it has)"


def seed_locations(world) -> LocationRepository:
    locations = LocationRepository(world.hub)
    locations.save_facility(Facility("1", "Reno DC", "Pacific Standard Time"))
    locations.save_facility(Facility("2", "Columbus DC", "Eastern Standard Time", deactivated=True))
    locations.save_warehouse(Warehouse(WAREHOUSE, "West", "SALES_WAREHOUSE", "ENABLED"))
    locations.save_warehouse(Warehouse(OTHER_WAREHOUSE, "East", "SALES_WAREHOUSE", "ENABLED"))
    return locations


def test_locations_list_shows_facilities_warehouses_links_and_problems(world, syncctl):
    locations = seed_locations(world)
    locations.link(WAREHOUSE, "1")
    locations.link(OTHER_WAREHOUSE, "2")

    listed = as_json(syncctl("locations", "list", "--json"))
    table = syncctl("locations", "list")

    assert [facility["facility_id"] for facility in listed["facilities"]] == ["1", "2"]
    assert [warehouse["warehouse_id"] for warehouse in listed["warehouses"]] == [WAREHOUSE, OTHER_WAREHOUSE]
    assert {(link["warehouse_id"], link["facility_id"]) for link in listed["links"]} == {
        (WAREHOUSE, "1"),
        (OTHER_WAREHOUSE, "2"),
    }
    assert listed["problems"] == [
        {"warehouse_id": OTHER_WAREHOUSE, "facility_id": "2", "problem": "facility_deactivated"}
    ]
    assert table.exit_code == 0
    assert "Extensiv facilities" in table.stdout
    assert "facility_deactivated" in table.stdout


def test_locations_link_links_and_points_at_orders_held_for_that_warehouse(world, syncctl):
    seed_locations(world)
    orders = OrderRepository(world.hub)
    orders.observe("111", "AWAITING_SHIPMENT", 1, WAREHOUSE)
    orders.hold("111", HoldReason.NO_LINKED_FACILITY, f"warehouse {WAREHOUSE}")

    result = syncctl("locations", "link", WAREHOUSE, "1")

    assert result.exit_code == 0, result.output
    assert f"warehouse {WAREHOUSE} -> facility 1" in result.stdout
    assert "1 held order(s) waited for this (111)" in result.stdout
    assert LocationRepository(world.hub).facility_link_for_warehouse(WAREHOUSE).facility_id == "1"


def test_locations_link_notes_ids_that_were_never_pulled(world, syncctl):
    result = syncctl("locations", "link", "999", "42")

    assert result.exit_code == 0
    assert "warehouse 999 is not among the pulled TikTok warehouses" in result.stdout
    assert "facility 42 is not among the pulled Extensiv facilities" in result.stdout


def test_locations_link_conflict_says_which_link_is_in_the_way(world, syncctl):
    locations = seed_locations(world)
    locations.link(WAREHOUSE, "1")

    taken_warehouse = syncctl("locations", "link", WAREHOUSE, "2")
    taken_facility = syncctl("locations", "link", OTHER_WAREHOUSE, "1")

    assert taken_warehouse.exit_code == 2
    assert taken_warehouse.stderr.strip() == (
        f"syncctl: warehouse {WAREHOUSE} is already linked to facility 1; links are one to one: "
        f"`syncctl locations unlink {WAREHOUSE}` first"
    )
    assert taken_facility.stderr.strip() == (
        f"syncctl: facility 1 is already linked to warehouse {WAREHOUSE}; links are one to one: "
        f"`syncctl locations unlink {WAREHOUSE}` first"
    )


def test_locations_unlink_removes_both_sides(world, syncctl):
    seed_locations(world).link(WAREHOUSE, "1")

    result = syncctl("locations", "unlink", WAREHOUSE)
    again = syncctl("locations", "unlink", WAREHOUSE)

    assert result.exit_code == 0
    assert f"warehouse {WAREHOUSE} unlinked from facility 1" in result.stdout
    assert LocationRepository(world.hub).warehouse_link_for_facility("1") is None
    assert again.exit_code == 0
    assert f"warehouse {WAREHOUSE} was not linked; nothing to remove" in again.stdout
