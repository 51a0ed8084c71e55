"""Catalog pull rules against a moto hub, with TikTok played by a small in-memory catalog."""

from __future__ import annotations

import pytest
from catalog_pull import CatalogPull

from connector_common.direction import RunCounts
from hub.catalog import CatalogRepository
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from tiktok_shop.models import Product


class FakeCatalog:
    """Search Products over a dict of products, filtered by `update_time_ge` as TikTok does."""

    def __init__(self) -> None:
        self.products: dict[str, Product] = {}
        self.searches: list[int | None] = []

    def put(self, product_id: str, title: str, *skus: tuple[str, str], update_time: int = 1_700_000_000) -> None:
        self.products[product_id] = Product.model_validate(
            {
                "id": product_id,
                "title": title,
                "status": "ACTIVATE",
                "update_time": update_time,
                "skus": [{"id": sku_id, "seller_sku": seller_sku} for sku_id, seller_sku in skus],
            }
        )

    def iter_products(self, update_time_ge: int | None = None, **_: object):
        self.searches.append(update_time_ge)
        for product in self.products.values():
            if update_time_ge is None or (product.update_time or 0) >= update_time_ge:
                yield product


@pytest.fixture
def tiktok() -> FakeCatalog:
    return FakeCatalog()


@pytest.fixture
def pull(aws, tiktok):
    puller = CatalogPull(tiktok, CatalogRepository(aws.hub), SkuRepository(aws.hub), SyncStateRepository(aws.hub))

    def run(resync: bool = False) -> dict[str, int]:
        counts = RunCounts()
        puller.run(counts, resync=resync)
        return counts.values

    return run


def test_pull_reads_from_the_cursor_minus_the_overlap(pull, tiktok):
    tiktok.put("P1", "Mug", ("S1", "MUG-01"), update_time=1_700_000_500)

    pull()
    pull()

    assert tiktok.searches == [None, 1_700_000_500 - 300]


def test_product_no_longer_listed_releases_its_skus_on_resync(pull, tiktok, aws):
    tiktok.put("P1", "Bottle", ("S1", "DUP-1"))
    tiktok.put("P2", "Flask", ("S2", "DUP-1"))
    pull()
    assert SkuRepository(aws.hub).get("DUP-1").conflicting_product_ids == ["P2"]

    del tiktok.products["P2"]
    counts = pull(resync=True)

    assert counts["products_unlisted"] == 1
    record = SkuRepository(aws.hub).get("DUP-1")
    assert (record.product_id, record.conflicting_product_ids) == ("P1", [])
    assert CatalogRepository(aws.hub).get_product("P2").status == "NOT_LISTED"


def test_owner_leaving_a_sku_hands_it_to_the_remaining_product(pull, tiktok, aws):
    tiktok.put("P1", "Bottle", ("S1", "DUP-1"))
    tiktok.put("P2", "Flask", ("S2", "DUP-1"))
    pull()

    tiktok.put("P1", "Bottle", ("S1", "BOTTLE-1"), update_time=1_700_000_100)
    counts = pull()

    record = SkuRepository(aws.hub).get("DUP-1")
    assert (record.product_id, record.sku_id, record.product_name) == ("P2", "S2", "Flask")
    assert record.conflicting_product_ids == []
    assert counts["sku_conflicts_resolved"] == 1
    assert SkuRepository(aws.hub).get("BOTTLE-1").product_id == "P1"


def test_renamed_product_renames_its_skus_and_keeps_their_channel_sku(pull, tiktok, aws):
    tiktok.put("P1", "Cap", ("S1", "CAP-BLUE"))
    pull()
    SkuRepository(aws.hub).set_channel_sku("CAP-BLUE", "EXT-CAP")

    tiktok.put("P1", "Cap, navy", ("S1", "CAP-BLUE"), update_time=1_700_000_100)
    counts = pull()

    record = SkuRepository(aws.hub).get("CAP-BLUE")
    assert (record.product_name, record.channel_sku) == ("Cap, navy", "EXT-CAP")
    assert counts["products_changed"] == 1


def test_seller_sku_repeated_within_one_product_is_counted_and_kept_once(pull, tiktok, aws):
    tiktok.put("P1", "Tee", ("S1", "TEE-1"), ("S2", "TEE-1"))

    counts = pull()

    assert counts["skus_repeated_in_product"] == 1
    assert SkuRepository(aws.hub).get("TEE-1").sku_id == "S1"
