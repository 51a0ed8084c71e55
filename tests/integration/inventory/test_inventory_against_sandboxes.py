"""The inventory direction with a moto hub and the real clients against both sandboxes over HTTP.

What reached TikTok is read back from the TikTok sandbox: its request log (`/_sandbox/requests`)
for what was sent, its state for the quantities it now shows. The picture both sandboxes start
from is drawn in tests/support/stock_sandboxes.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from inventory_mismatches import inventory_mismatches
from inventory_sync import InventorySync

from connector_common.direction import RunCounts
from hub.inventory import InventoryRepository, IssueKind
from hub.locations import LocationRepository
from hub.orders import OrderRepository
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from tests.support.stock_sandboxes import (
    LINKS,
    P_CAP,
    P_MUG,
    P_TEE,
    SKU_CAP,
    SKU_MUG,
    SKU_TEE,
    WH_NEWARK,
    WH_RENO,
    WH_SPARE,
    StockSandboxes,
    loopback_session,
    start_stock_sandboxes,
)


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[StockSandboxes]:
    extensiv, tiktok = start_stock_sandboxes()
    try:
        yield StockSandboxes(extensiv, tiktok)
    finally:
        tiktok.stop()
        extensiv.stop()


class World:
    """A moto hub with the two links, and an InventorySync wired to the real clients."""

    def __init__(self, sandboxes: StockSandboxes, hub, session) -> None:
        self.sandboxes = sandboxes
        self.hub = hub
        self.tiktok = sandboxes.tiktok_client(session)
        self.extensiv = sandboxes.extensiv_client(session)
        self.skus = SkuRepository(hub)
        self.inventory = InventoryRepository(hub)
        self.orders = OrderRepository(hub)
        for facility_id, warehouse_id in LINKS.items():
            LocationRepository(hub).link(warehouse_id, facility_id)
        self.skus.set_channel_sku("CAP-BLUE", "EXT-CAP")

    def sync(self, **options) -> InventorySync:
        return InventorySync(
            extensiv=self.extensiv,
            tiktok=self.tiktok,
            skus=self.skus,
            locations=LocationRepository(self.hub),
            orders=self.orders,
            inventory=self.inventory,
            sync_state=SyncStateRepository(self.hub),
            **options,
        )

    def run(self, resync: bool = False, **options) -> dict[str, int]:
        counts = RunCounts()
        self.sync(**options).run(counts, resync=resync)
        return counts.values

    def issue_subjects(self, kind: IssueKind) -> list[str]:
        return sorted(issue.subject for issue in self.inventory.issues(kind))


@pytest.fixture
def world(sandboxes: StockSandboxes, aws) -> Iterator[World]:
    sandboxes.reset()
    with loopback_session() as session:
        yield World(sandboxes, aws.hub, session)


def test_first_run_pushes_extensiv_available_to_each_linked_warehouse(world, sandboxes):
    counts = world.run()

    stock = sandboxes.tiktok_stock()
    assert stock[("TEE-RED-S", WH_RENO)] == 50
    assert stock[("TEE-RED-S", WH_NEWARK)] == 20
    assert stock[("MUG-01", WH_RENO)] == 5
    # CAP-BLUE reaches TikTok through its channel SKU EXT-CAP.
    assert stock[("CAP-BLUE", WH_NEWARK)] == 8
    # A TikTok warehouse nobody linked keeps what it had.
    assert stock[("TEE-RED-S", WH_SPARE)] == 11
    assert (counts["skus_pushed"], counts["push_calls"]) == (3, 3)


def test_update_names_every_warehouse_of_the_sku_grouped_per_product(world, sandboxes):
    world.run()

    updates = {update["product_id"]: update["body"] for update in sandboxes.inventory_updates()}
    assert updates[P_TEE] == {
        "skus": [
            {
                "id": SKU_TEE,
                "inventory": [
                    {"warehouse_id": WH_RENO, "quantity": 50},
                    {"warehouse_id": WH_NEWARK, "quantity": 20},
                    {"warehouse_id": WH_SPARE, "quantity": 11},
                ],
            }
        ]
    }
    assert updates[P_MUG] == {"skus": [{"id": SKU_MUG, "inventory": [{"warehouse_id": WH_RENO, "quantity": 5}]}]}
    assert updates[P_CAP] == {"skus": [{"id": SKU_CAP, "inventory": [{"warehouse_id": WH_NEWARK, "quantity": 8}]}]}


def test_tiktok_ids_found_by_seller_sku_are_stored_in_the_hub(world):
    world.run()

    record = world.skus.get("TEE-RED-S")
    assert (record.product_id, record.sku_id) == (P_TEE, SKU_TEE)
    assert world.skus.get("CAP-BLUE").channel_sku == "EXT-CAP"


def test_stock_change_in_extensiv_reaches_the_linked_tiktok_warehouse(world, sandboxes):
    world.run()
    sandboxes.clear_requests()
    sandboxes.set_stock("TEE-RED-S", 2, 15)

    counts = world.run()

    updates = sandboxes.inventory_updates()
    assert [update["product_id"] for update in updates] == [P_TEE]
    assert updates[0]["body"]["skus"][0]["inventory"] == [
        {"warehouse_id": WH_RENO, "quantity": 50},
        {"warehouse_id": WH_NEWARK, "quantity": 15},
        {"warehouse_id": WH_SPARE, "quantity": 11},
    ]
    assert sandboxes.tiktok_stock()[("TEE-RED-S", WH_NEWARK)] == 15
    assert (counts["skus_pushed"], counts["skus_unchanged"]) == (1, 2)
    assert world.inventory.last_pushed()["TEE-RED-S"].quantities == {WH_RENO: 50, WH_NEWARK: 15}


def test_unchanged_stock_sends_no_inventory_update(world, sandboxes):
    world.run()
    sandboxes.clear_requests()

    counts = world.run()

    assert sandboxes.inventory_updates() == []
    assert (counts["skus_pushed"], counts["skus_unchanged"]) == (0, 3)


def test_forced_resync_pushes_every_sku_again(world, sandboxes):
    world.run()
    sandboxes.clear_requests()

    counts = world.run(resync=True)

    assert sorted(update["product_id"] for update in sandboxes.inventory_updates()) == sorted([P_TEE, P_MUG, P_CAP])
    assert counts["skus_pushed"] == 3


def test_facility_without_a_link_is_reported_with_its_id_and_recorded_in_the_hub(world):
    counts = world.run()

    assert counts["unlinked_facilities"] == 1
    (issue,) = world.inventory.issues(IssueKind.UNLINKED_FACILITY)
    assert (issue.facility_id, issue.units) == ("3", 7)


def test_sku_unknown_on_tiktok_is_reported_and_not_pushed(world):
    counts = world.run()

    assert counts["unknown_on_tiktok"] == 1
    assert world.issue_subjects(IssueKind.UNKNOWN_ON_TIKTOK) == ["GHOST-SKU"]
    assert "GHOST-SKU" not in world.inventory.last_pushed()


def test_unknown_sku_is_not_searched_again_until_the_recheck_delay(world, sandboxes):
    world.run()
    sandboxes.clear_requests()

    counts = world.run()

    assert counts.get("skus_looked_up", 0) == 0
    assert world.issue_subjects(IssueKind.UNKNOWN_ON_TIKTOK) == ["GHOST-SKU"]


def test_sku_used_by_two_products_is_reported_as_a_conflict_and_not_pushed(world, sandboxes):
    world.skus.upsert_from_tiktok("MUG-01", P_MUG, SKU_MUG, "Mug")
    world.skus.upsert_from_tiktok("MUG-01", "1729000000000000099", "1729000000000000098", "Mug again")

    counts = world.run()

    assert counts["sku_conflicts"] == 1
    assert world.issue_subjects(IssueKind.SKU_CONFLICT) == ["MUG-01"]
    assert P_MUG not in [update["product_id"] for update in sandboxes.inventory_updates()]
    assert sandboxes.tiktok_stock()[("MUG-01", WH_RENO)] == 0


def test_per_sku_error_is_recorded_and_the_sku_retried_next_run(world, sandboxes):
    world.run()
    # GIVEN TikTok refuses quantity 0 (the reference's documented range is [1, 99,999])
    # and the mug sells out in Extensiv.
    sandboxes.tiktok_control("config", {"inventory_min_quantity": 1})
    sandboxes.set_stock("MUG-01", 1, 0)

    refused = world.run()

    assert refused["skus_failed"] == 1
    (issue,) = world.inventory.issues(IssueKind.PUSH_ERROR)
    assert (issue.subject, issue.code, issue.permanent) == ("MUG-01", 12052990, True)
    assert "12052055" in issue.detail
    assert world.inventory.last_pushed()["MUG-01"].quantities == {WH_RENO: 5}
    # TikTok still offers 5 mugs the warehouse cannot ship: the oversell alarm.
    assert refused["oversell_risks"] == 1
    assert world.issue_subjects(IssueKind.OVERSELL_RISK) == [f"MUG-01#{WH_RENO}"]

    sandboxes.tiktok_control("config", {"inventory_min_quantity": 0})
    sandboxes.clear_requests()
    retried = world.run()

    assert [update["product_id"] for update in sandboxes.inventory_updates()] == [P_MUG]
    assert sandboxes.tiktok_stock()[("MUG-01", WH_RENO)] == 0
    assert (retried["skus_pushed"], retried.get("oversell_risks", 0)) == (1, 0)
    assert world.inventory.issues(IssueKind.PUSH_ERROR) == []
    assert world.inventory.last_pushed()["MUG-01"].quantities == {WH_RENO: 0}


def test_units_of_orders_the_warehouse_has_not_seen_are_held_back(world, sandboxes):
    world.run()
    # GIVEN a buyer orders 2 tees from the Reno warehouse; the hub holds the order (buyer's hold).
    (order,) = sandboxes.tiktok_control(
        "orders",
        {
            "orders": [
                {"status": "ON_HOLD", "warehouse_id": WH_RENO, "lines": [{"seller_sku": "TEE-RED-S", "quantity": 2}]}
            ]
        },
    )["orders"]
    world.orders.observe(order["id"], "ON_HOLD", None, WH_RENO)

    world.run()

    assert sandboxes.tiktok_stock()[("TEE-RED-S", WH_RENO)] == 48
    assert inventory_mismatches(sandboxes.extensiv_state(), sandboxes.tiktok_state(), world.hub) == []


def test_buffer_keeps_units_back_from_tiktok(world, sandboxes):
    world.inventory.set_buffer("TEE-RED-S", 4)

    world.run(default_buffer=1)

    stock = sandboxes.tiktok_stock()
    assert (stock[("TEE-RED-S", WH_RENO)], stock[("TEE-RED-S", WH_NEWARK)], stock[("MUG-01", WH_RENO)]) == (46, 16, 4)


def test_sku_scope_limits_the_push_to_the_listed_skus(world, sandboxes):
    counts = world.run(sku_scope=frozenset({"MUG-01"}))

    assert [update["product_id"] for update in sandboxes.inventory_updates()] == [P_MUG]
    assert counts["skus_in_scope"] == 1


def test_inventory_mismatches_are_zero_after_a_run_and_name_the_drift_before_the_next(world, sandboxes):
    world.run()
    assert inventory_mismatches(sandboxes.extensiv_state(), sandboxes.tiktok_state(), world.hub) == []

    sandboxes.set_stock("MUG-01", 1, 2)

    (mismatch,) = inventory_mismatches(sandboxes.extensiv_state(), sandboxes.tiktok_state(), world.hub)
    assert mismatch.as_dict() == {"sku": "MUG-01", "warehouse_id": WH_RENO, "tiktok": 5, "expected": 2}


def test_extensiv_stock_seen_is_recorded_per_channel_sku_and_facility(world):
    world.run()

    assert world.inventory.facility_stock("2") == {"TEE-RED-S": 20, "EXT-CAP": 8}
    assert set(world.inventory.stock_read_at()) == {"1", "2", "3"}
