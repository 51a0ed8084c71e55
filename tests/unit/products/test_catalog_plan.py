"""Pure catalog rules: what a TikTok product puts in the hub, SKU ownership, what each SKU needs in Extensiv."""

from __future__ import annotations

import pytest
from catalog_plan import (
    DesiredItem,
    PushAction,
    choose_owner,
    claimed_skus,
    plan_push,
    product_record_from,
    push_step,
)

from hub.catalog import ExtensivItem, ItemOrigin, ProductRecord, SkuClaim, Variant
from hub.skus import SkuRecord
from tiktok_shop.models import Product


def tiktok_product(*seller_skus: str | None, title: str = "Tee", status: str = "ACTIVATE") -> Product:
    skus = [{"id": f"S{index}", "seller_sku": sku} for index, sku in enumerate(seller_skus, start=1)]
    return Product.model_validate({"id": "P1", "title": title, "status": status, "update_time": 5, "skus": skus})


def product(title: str = "Tee", status: str = "ACTIVATE", *skus: str) -> ProductRecord:
    variants = tuple(Variant(f"S-{sku}", sku) for sku in (skus or ("TEE-1",)))
    return ProductRecord("P1", title, status, 5, variants)


def sku(master: str = "TEE-1", channel: str | None = None, conflicts: list[str] | None = None) -> SkuRecord:
    return SkuRecord(master, channel, "P1", f"S-{master}", "Tee", conflicts or [])


def item(
    master: str = "TEE-1",
    title: str = "Tee",
    origin: ItemOrigin = ItemOrigin.CREATED,
    extensiv_sku: str | None = None,
    item_id: int | None = 7,
    rejected_code: str | None = None,
) -> ExtensivItem:
    extensiv_sku = extensiv_sku or master
    content_hash = DesiredItem(extensiv_sku, title).content_hash
    return ExtensivItem(master, extensiv_sku, content_hash, item_id, title, origin, rejected_code=rejected_code)


# --- pull ------------------------------------------------------------------------------------------


def test_product_record_keys_variants_by_trimmed_seller_sku():
    pulled = product_record_from(tiktok_product(" TEE-1 ", "TEE-2"))

    assert pulled.record.variants == (Variant("S1", "TEE-1"), Variant("S2", "TEE-2"))
    assert (pulled.record.title, pulled.record.status, pulled.record.update_time) == ("Tee", "ACTIVATE", 5)


def test_product_record_leaves_out_variants_without_seller_sku():
    pulled = product_record_from(tiktok_product("TEE-1", None, "   "))

    assert [variant.master_sku for variant in pulled.record.variants] == ["TEE-1"]
    assert pulled.variants_without_sku == 2


def test_product_record_keeps_the_first_variant_of_a_repeated_seller_sku():
    pulled = product_record_from(tiktok_product("TEE-1", "TEE-1"))

    assert pulled.record.variants == (Variant("S1", "TEE-1"),)
    assert pulled.repeated_skus == ("TEE-1",)


@pytest.mark.parametrize("status", ["DELETED", "NOT_LISTED"])
def test_retired_product_claims_no_sku(status):
    assert claimed_skus(product("Tee", status)) == {}


def test_live_product_claims_each_variant_sku():
    assert claimed_skus(product("Tee", "DRAFT", "TEE-1", "TEE-2")) == {"TEE-1": "S-TEE-1", "TEE-2": "S-TEE-2"}


def test_owner_is_the_current_owner_while_it_still_uses_the_sku():
    claims = [SkuClaim("DUP", "P1", "S1", "2024-01-02"), SkuClaim("DUP", "P2", "S2", "2024-01-01")]

    owner, conflicting = choose_owner(claims, current_owner="P1")

    assert (owner.product_id, conflicting) == ("P1", ["P2"])


def test_owner_is_the_earliest_claim_when_the_current_owner_left():
    claims = [SkuClaim("DUP", "P3", "S3", "2024-01-03"), SkuClaim("DUP", "P2", "S2", "2024-01-02")]

    owner, conflicting = choose_owner(claims, current_owner="P1")

    assert (owner.product_id, conflicting) == ("P2", ["P3"])


# --- push ------------------------------------------------------------------------------------------


def test_new_sku_is_created():
    step = push_step(sku(), product(), None)

    assert step.action == PushAction.CREATE
    assert step.desired == DesiredItem("TEE-1", "Tee")


def test_sku_pushed_with_the_same_title_needs_nothing():
    assert push_step(sku(), product(), item()).action == PushAction.UNCHANGED


def test_renamed_product_updates_the_known_item():
    step = push_step(sku(), product("Tee, washed"), item())

    assert step.action == PushAction.UPDATE
    assert step.item.item_id == 7


def test_resync_verifies_an_unchanged_item():
    assert push_step(sku(), product(), item(), resync=True).action == PushAction.VERIFY


def test_sku_in_conflict_is_left_alone():
    step = push_step(sku(conflicts=["P2"]), product(), None)

    assert (step.action, step.conflicting_product_ids) == (PushAction.SKIPPED_CONFLICT, ("P2",))


def test_variant_with_a_channel_sku_is_looked_up_once_then_skipped():
    record = sku(channel="EXT-TEE")
    linked = item(origin=ItemOrigin.CHANNEL_SKU, extensiv_sku="EXT-TEE")

    assert push_step(record, product(), None).action == PushAction.CHECK_CHANNEL_SKU
    assert push_step(record, product(), linked).action == PushAction.CHANNEL_SKU_SKIPPED
    assert push_step(record, product(), linked, resync=True).action == PushAction.CHECK_CHANNEL_SKU


def test_channel_sku_never_creates_under_the_channel_sku():
    step = push_step(sku(channel="EXT-TEE"), product("Renamed"), item(origin=ItemOrigin.CHANNEL_SKU, extensiv_sku="X"))

    assert step.action == PushAction.CHECK_CHANNEL_SKU
    assert step.desired.sku == "EXT-TEE"


def test_channel_sku_mapping_removed_pushes_the_master_sku():
    step = push_step(sku(), product(), item(origin=ItemOrigin.CHANNEL_SKU, extensiv_sku="EXT-TEE"))

    assert (step.action, step.desired.sku) == (PushAction.CREATE, "TEE-1")


def test_sku_without_a_catalog_product_is_not_pushed():
    mapping_only = SkuRecord("TEE-9", channel_sku="EXT-9")

    assert push_step(mapping_only, None, None).action == PushAction.SKIPPED_NOT_IN_CATALOG
    assert push_step(sku("TEE-9"), product(), None).action == PushAction.SKIPPED_NOT_IN_CATALOG


def test_deleted_product_is_not_pushed():
    assert push_step(sku(), product("Tee", "DELETED"), None).action == PushAction.SKIPPED_DELETED


def test_rejected_item_waits_for_a_change_or_a_resync():
    rejected = item(item_id=None, rejected_code="DoesNotExist")

    assert push_step(sku(), product(), rejected).action == PushAction.SKIPPED_REJECTED
    assert push_step(sku(), product("Tee, fixed"), rejected).action == PushAction.CREATE
    assert push_step(sku(), product(), rejected, resync=True).action == PushAction.CREATE


def test_empty_title_falls_back_to_the_sku_as_description():
    assert push_step(sku(), product(""), None).desired == DesiredItem("TEE-1", "TEE-1")


def test_plan_has_one_step_per_sku_in_sku_order():
    products = {"P1": product("Tee", "ACTIVATE", "TEE-2", "TEE-1")}
    steps = plan_push([sku("TEE-2"), sku("TEE-1")], products, {"TEE-1": item()})

    assert [(step.master_sku, step.action) for step in steps] == [
        ("TEE-1", PushAction.UNCHANGED),
        ("TEE-2", PushAction.CREATE),
    ]


def test_content_hash_changes_with_the_title_and_the_sku():
    base = DesiredItem("TEE-1", "Tee").content_hash

    assert base == DesiredItem("TEE-1", "Tee").content_hash
    assert base != DesiredItem("TEE-1", "Tee!").content_hash
    assert base != DesiredItem("TEE-2", "Tee").content_hash


def test_only_steps_that_need_extensiv_call_it():
    calling = {action for action in PushAction if action.calls_extensiv}

    assert calling == {PushAction.CREATE, PushAction.UPDATE, PushAction.VERIFY, PushAction.CHECK_CHANNEL_SKU}
