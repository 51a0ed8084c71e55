"""Inventory rules that need the hub (moto, from template.yaml) but not HTTP: small in-memory clients."""

from __future__ import annotations

from decimal import Decimal

import pytest
from inventory_sync import InventorySync

from connector_common.direction import RunCounts
from extensiv.models import StockSummary
from hub.inventory import InventoryRepository, IssueKind
from hub.locations import LocationRepository
from hub.orders import OrderRepository
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from tests.support.factories import tiktok_order
from tiktok_shop.errors import ValidationFailed
from tiktok_shop.models import InventoryUpdateResult, Product, ProductStock, SkuStock, WarehouseStock

WH = "7068517275539719942"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class StockRows:
    """Answers iter_stock_summaries from a dict {(sku, facility): available}."""

    def __init__(self, stock: dict[tuple[str, int], int]) -> None:
        self.stock = stock

    def iter_stock_summaries(self):
        for (sku, facility_id), available in self.stock.items():
            yield StockSummary(sku=sku, facility_id=facility_id, available=Decimal(available))


class Shop:
    """TikTok products (seller SKU -> product and SKU id), one warehouse each, and recorded calls."""

    def __init__(self, *skus: str) -> None:
        self.ids = {sku: (f"P-{sku}", f"S-{sku}") for sku in skus}
        self.available: dict[str, int] = dict.fromkeys(skus, 0)
        self.orders = {}
        self.searches: list[list[str]] = []
        self.updates: list[tuple[str, list]] = []
        self.detail_calls: list[list[str]] = []
        self.refuse_products: dict[str, ValidationFailed] = {}

    def iter_products(self, seller_skus=None, update_time_ge=None):
        self.searches.append(list(seller_skus))
        for sku in seller_skus:
            if sku in self.ids:
                product_id, sku_id = self.ids[sku]
                yield Product(id=product_id, status="ACTIVATE", skus=[{"id": sku_id, "seller_sku": sku}])

    def inventory_search(self, sku_ids):
        by_id = {sku_id: sku for sku, (_, sku_id) in self.ids.items()}
        return [
            ProductStock(
                product_id=self.ids[by_id[sku_id]][0],
                skus=[
                    SkuStock(
                        id=sku_id,
                        seller_sku=by_id[sku_id],
                        warehouse_inventory=[
                            WarehouseStock(warehouse_id=WH, available_quantity=self.available[by_id[sku_id]])
                        ],
                    )
                ],
            )
            for sku_id in sku_ids
            if sku_id in by_id
        ]

    def update_inventory(self, product_id, skus):
        self.updates.append((product_id, list(skus)))
        if product_id in self.refuse_products:
            raise self.refuse_products[product_id]
        return InventoryUpdateResult()

    def get_orders(self, ids):
        self.detail_calls.append(list(ids))
        return [self.orders[order_id] for order_id in ids if order_id in self.orders]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hub(aws, clock):
    table = aws.hub
    table.clock = clock
    LocationRepository(table).link(WH, "1")
    return table


def make_sync(hub, extensiv, tiktok, clock, **options) -> InventorySync:
    return InventorySync(
        extensiv=extensiv,
        tiktok=tiktok,
        skus=SkuRepository(hub),
        locations=LocationRepository(hub),
        orders=OrderRepository(hub),
        inventory=InventoryRepository(hub),
        sync_state=SyncStateRepository(hub),
        clock=clock,
        **options,
    )


def run(sync: InventorySync, resync: bool = False) -> dict[str, int]:
    counts = RunCounts()
    sync.run(counts, resync=resync)
    return counts.values


def test_only_orders_extensiv_has_not_received_are_read_and_subtracted(hub, clock):
    # GIVEN one order the hub holds and one it already handed to Extensiv.
    tiktok = Shop("TEE")
    held = tiktok_order(status="ON_HOLD", skus={"TEE": 2}, warehouse_id=WH)
    submitted = tiktok_order(status="AWAITING_SHIPMENT", skus={"TEE": 3}, warehouse_id=WH)
    tiktok.orders = {held.id: held, submitted.id: submitted}
    orders = OrderRepository(hub)
    orders.observe(held.id, "ON_HOLD", None, WH)
    orders.observe(submitted.id, "AWAITING_SHIPMENT", None, WH)
    orders.mark_submitted(orders.claim(submitted.id, 60), "9001", "1", how="created")

    run(make_sync(hub, StockRows({("TEE", 1): 10}), tiktok, clock))

    assert tiktok.detail_calls == [[held.id]]
    assert tiktok.updates == [("P-TEE", [("S-TEE", [(WH, 8)])])]


def test_channel_sku_shared_by_two_masters_is_reported_and_neither_pushed(hub, clock):
    skus = SkuRepository(hub)
    skus.set_channel_sku("TEE-A", "EXT-TEE")
    skus.set_channel_sku("TEE-B", "EXT-TEE")
    tiktok = Shop("TEE-A", "TEE-B")

    counts = run(make_sync(hub, StockRows({("EXT-TEE", 1): 10}), tiktok, clock))

    assert tiktok.updates == []
    assert counts["channel_sku_shared"] == 1
    (issue,) = InventoryRepository(hub).issues(IssueKind.CHANNEL_SKU_SHARED)
    assert (issue.subject, issue.detail) == ("EXT-TEE", "master SKUs TEE-A, TEE-B all map to this Extensiv SKU")


def test_unknown_sku_is_searched_again_after_the_recheck_delay_or_on_resync(hub, clock):
    tiktok = Shop()
    sync = make_sync(hub, StockRows({("NEW-SKU", 1): 4}), tiktok, clock, unknown_recheck_seconds=600)

    run(sync)
    clock.now += 300
    run(sync)
    run(sync, resync=True)
    clock.now += 600
    run(sync)

    assert tiktok.searches == [["NEW-SKU"], ["NEW-SKU"], ["NEW-SKU"]]


def test_sku_that_appears_on_tiktok_later_is_pushed_and_no_longer_reported(hub, clock):
    tiktok = Shop()
    sync = make_sync(hub, StockRows({("NEW-SKU", 1): 4}), tiktok, clock, unknown_recheck_seconds=0)
    run(sync)

    tiktok.ids["NEW-SKU"] = ("P-NEW", "S-NEW")
    tiktok.available["NEW-SKU"] = 0
    counts = run(sync)

    assert tiktok.updates == [("P-NEW", [("S-NEW", [(WH, 4)])])]
    assert counts["unknown_on_tiktok"] == 0
    assert InventoryRepository(hub).issues(IssueKind.UNKNOWN_ON_TIKTOK) == []


def test_seller_skus_are_looked_up_ten_per_search(hub, clock):
    skus = [f"SKU-{index:02d}" for index in range(23)]
    tiktok = Shop(*skus)

    run(make_sync(hub, StockRows({(sku, 1): 1 for sku in skus}), tiktok, clock))

    assert [len(batch) for batch in tiktok.searches] == [10, 10, 3]


def test_refused_product_reports_every_sku_of_the_call_and_keeps_retrying(hub, clock):
    tiktok = Shop("TEE", "MUG")
    refusal = ValidationFailed("product is not active", code=12052901, request_id="r1", http_status=200)
    tiktok.refuse_products["P-TEE"] = refusal
    sync = make_sync(hub, StockRows({("TEE", 1): 5, ("MUG", 1): 2}), tiktok, clock)

    first = run(sync)
    second = run(sync)

    assert (first["skus_failed"], first["skus_pushed"]) == (1, 1)
    assert (second["skus_failed"], second["skus_pushed"]) == (1, 0)
    (issue,) = InventoryRepository(hub).issues(IssueKind.PUSH_ERROR)
    assert (issue.subject, issue.code) == ("TEE", 12052901)
    assert [product_id for product_id, _ in tiktok.updates] == ["P-MUG", "P-TEE", "P-TEE"]


def test_stock_staleness_grows_for_a_sku_tiktok_keeps_refusing(hub, clock):
    tiktok = Shop("TEE")
    sync = make_sync(hub, StockRows({("TEE", 1): 5}), tiktok, clock)
    run(sync)

    sync.extensiv.stock[("TEE", 1)] = 3
    tiktok.refuse_products["P-TEE"] = ValidationFailed("locked", code=12052393, request_id="r", http_status=200)
    clock.now += 900
    counts = run(sync)

    assert counts["stock_staleness_s"] == 900


def test_sku_whose_stock_disappears_from_extensiv_goes_to_zero(hub, clock):
    tiktok = Shop("TEE")
    extensiv = StockRows({("TEE", 1): 5})
    sync = make_sync(hub, extensiv, tiktok, clock)
    run(sync)

    extensiv.stock.clear()
    run(sync)

    assert tiktok.updates[-1] == ("P-TEE", [("S-TEE", [(WH, 0)])])


def test_run_advances_the_inventory_cursor_to_the_time_of_the_extensiv_reading(hub, clock):
    run(make_sync(hub, StockRows({}), Shop(), clock))

    assert SyncStateRepository(hub).cursor("inventory") == "2027-01-15T08:00:00Z"
