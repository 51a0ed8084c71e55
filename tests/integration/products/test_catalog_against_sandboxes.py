"""The TikTok catalog pulled into the hub and pushed to Extensiv, against both sandboxes."""

from __future__ import annotations

import pytest
from catalog_push import CatalogPushIncomplete

from hub.catalog import ItemOrigin, catalog_counts


def test_catalog_pull_records_products_variants_and_trimmed_master_skus(world):
    tee = world.sandboxes.add_product("Tee blue", "TEE-BLU-M", "TEE-BLU-L")
    mug = world.sandboxes.add_product("Mug", "  MUG-01 ")

    counts = world.pull()

    assert (counts["products_seen"], counts["products_new"]) == (2, 2)
    product = world.catalog.get_product(tee["id"])
    assert product.title == "Tee blue"
    assert [variant.master_sku for variant in product.variants] == ["TEE-BLU-M", "TEE-BLU-L"]
    record = world.skus.get("MUG-01")
    assert (record.product_id, record.sku_id, record.product_name) == (mug["id"], mug["skus"][0]["id"], "Mug")
    assert world.sync_state.cursor("products") is not None


def test_second_pull_of_an_unchanged_catalog_writes_nothing(world):
    world.sandboxes.add_product("Mug", "MUG-01")
    world.pull()

    counts = world.pull()

    assert counts["products_unchanged"] == 1
    assert "products_changed" not in counts
    assert "skus_recorded" not in counts


def test_catalog_is_pushed_once_and_a_second_run_pushes_nothing(world):
    world.sandboxes.add_product("Tee blue", "TEE-BLU-M", "TEE-BLU-L")
    world.sandboxes.add_product("Tee red", "TEE-RED-S")  # already in the warehouse

    first = world.sync()
    writes_after_first = world.sandboxes.item_writes()
    second = world.sync()

    assert (first["created"], first["adopted"]) == (2, 1)
    assert [method for method, _ in writes_after_first] == ["POST", "POST"]
    assert world.sandboxes.item_writes() == writes_after_first
    assert second == {"unchanged": 3}
    items = world.sandboxes.items()
    assert items["TEE-BLU-M"]["description"] == "Tee blue"
    assert items["TEE-RED-S"]["description"] == "Tee red S"  # an existing item is linked, not renamed
    marker = world.catalog.item("TEE-BLU-M")
    assert (marker.item_id, marker.origin) == (items["TEE-BLU-M"]["itemId"], ItemOrigin.CREATED)
    assert catalog_counts(world.hub)["products_pushed"] == 2


def test_renamed_product_updates_its_item_instead_of_creating_another(world):
    tee = world.sandboxes.add_product("Tee blue", "TEE-BLU-M")
    world.sync()
    item_id = world.sandboxes.items()["TEE-BLU-M"]["itemId"]

    world.sandboxes.update_product(tee["id"], title="Tee, ocean blue")
    counts = world.sync()

    assert counts == {"updated": 1}
    writes = world.sandboxes.item_writes()
    assert [method for method, _ in writes] == ["POST", "PUT"]
    assert writes[1][1].endswith(f"/items/{item_id}")
    items = world.sandboxes.items()
    assert sorted(items) == ["EXT-CAP", "TEE-BLU-M", "TEE-RED-S"]
    assert items["TEE-BLU-M"]["description"] == "Tee, ocean blue"
    assert world.catalog.item("TEE-BLU-M").updates == 1


@pytest.mark.parametrize(
    "resolve",
    [
        pytest.param(
            lambda sandboxes, product: sandboxes.update_product(
                product["id"], skus=[{"id": product["skus"][0]["id"], "seller_sku": "DUP-2"}]
            ),
            id="seller-sku-changed",
        ),
        pytest.param(
            lambda sandboxes, product: sandboxes.update_product(product["id"], status="DELETED"), id="deleted"
        ),
    ],
)
def test_sku_used_by_two_products_is_a_conflict_left_alone_until_resolved(world, resolve):
    first = world.sandboxes.add_product("Bottle", "DUP-1")
    second = world.sandboxes.add_product("Flask", "DUP-1")

    pulled = world.pull()
    pushed = world.push()

    record = world.skus.get("DUP-1")
    assert (record.product_id, record.conflicting_product_ids) == (first["id"], [second["id"]])
    assert pulled["sku_conflicts_found"] == 1
    assert pushed == {"skipped_conflict": 1}
    assert world.sandboxes.item_writes() == []
    assert catalog_counts(world.hub)["sku_conflicts"] == 1

    resolve(world.sandboxes, second)
    pulled = world.pull()
    pushed = world.push()

    assert pulled["sku_conflicts_resolved"] == 1
    assert world.skus.get("DUP-1").conflicting_product_ids == []
    assert pushed["created"] >= 1
    assert world.sandboxes.items()["DUP-1"]["description"] == "Bottle"


def test_variant_whose_channel_sku_is_an_existing_item_is_not_pushed(world):
    world.sandboxes.add_product("Cap", "CAP-BLUE")
    world.skus.set_channel_sku("CAP-BLUE", "EXT-CAP")

    counts = world.sync()
    again = world.sync()

    assert counts == {"channel_sku_skipped": 1}
    assert again == {"channel_sku_skipped": 1}
    assert world.sandboxes.item_writes() == []
    assert "CAP-BLUE" not in world.sandboxes.items()
    assert world.catalog.item("CAP-BLUE").origin == ItemOrigin.CHANNEL_SKU


def test_channel_sku_unknown_to_extensiv_is_reported_and_nothing_is_created(world):
    world.sandboxes.add_product("Scarf", "SCARF-01")
    world.skus.set_channel_sku("SCARF-01", "3PL-SCARF")

    counts = world.sync()

    assert counts == {"channel_sku_missing": 1}
    assert world.sandboxes.item_writes() == []


def test_create_whose_answer_was_lost_is_adopted_without_a_duplicate(world):
    world.sandboxes.add_product("Socks", "SOCKS-01")
    world.sandboxes.fault(match=r"^/customers/\d+/items$", method="POST", kind="lost_response")

    world.pull()
    with pytest.raises(CatalogPushIncomplete, match="SOCKS-01"):
        world.push()
    counts = world.push()

    assert counts == {"adopted": 1}
    assert [sku for sku in world.sandboxes.items() if sku == "SOCKS-01"] == ["SOCKS-01"]
    assert world.catalog.item("SOCKS-01").item_id == world.sandboxes.items()["SOCKS-01"]["itemId"]


def test_resync_rereads_the_whole_catalog_and_rechecks_every_item(world):
    world.sandboxes.add_product("Tee blue", "TEE-BLU-M")
    world.sandboxes.add_product("Mug", "MUG-01")
    world.sync()
    # GIVEN a cursor past every product, a normal run reads nothing new
    world.sync_state.advance_cursor("products", "4102444800")
    assert "products_seen" not in world.pull()

    pulled = world.pull(resync=True)
    reads_before = len(world.sandboxes.requests_to("GET", r"^/customers/\d+/items/\d+$"))
    pushed = world.push(resync=True)
    reads = len(world.sandboxes.requests_to("GET", r"^/customers/\d+/items/\d+$")) - reads_before

    assert pulled["products_seen"] == 2
    assert pushed == {"verified": 2}
    assert reads == 2
    assert [method for method, _ in world.sandboxes.item_writes()] == ["POST", "POST"]


def test_resync_recreates_an_item_missing_from_extensiv(world):
    world.sandboxes.add_product("Mug", "MUG-01")
    world.sync()
    world.sandboxes.extensiv_control("reset")  # the warehouse lost its catalog

    pushed = world.sync(resync=True)

    assert pushed == {"created": 1}
    assert "MUG-01" in world.sandboxes.items()
