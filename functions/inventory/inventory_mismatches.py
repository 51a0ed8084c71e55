"""Reconciliation for the demo and the doctor: where TikTok's quantity differs from what the
connector should have pushed, computed from the two sandboxes' state (`GET /_sandbox/state`).

    mismatches = inventory_mismatches(extensiv_state, tiktok_state, hub)
    summary["inventory_mismatches"] = len(mismatches)

The expected quantity is the one `inventory_plan.expected_tiktok_quantities` gives the connector
itself (Extensiv available - buffer - units of orders the warehouse has not seen, floor 0), for
every linked (facility, warehouse) pair and every SKU that Extensiv reports and TikTok lists in
that warehouse. SKUs the connector reports instead of pushing (a seller SKU on two products,
an Extensiv SKU shared by several master SKUs, SKUs outside the scope) are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from inventory_plan import (
    Mismatch,
    StockKey,
    aggregate_stock,
    expected_tiktok_quantities,
    find_mismatches,
    in_scope,
    translate_to_master,
    unseen_order_units,
)
from inventory_sync import UNSEEN_HUB_STATES

from hub.inventory import InventoryRepository
from hub.locations import LocationRepository
from hub.orders import OrderRepository
from hub.skus import SkuRecord, SkuRepository
from hub.table import HubTable
from tiktok_shop.models import LINE_CANCELLED, Order


@dataclass(frozen=True)
class _Row:
    sku: str
    facility_id: int | None
    available: Decimal


def inventory_mismatches(
    extensiv_state: Mapping[str, Any],
    tiktok_state: Mapping[str, Any],
    hub: HubTable,
    default_buffer: int = 0,
    sku_scope: frozenset[str] = frozenset(),
) -> list[Mismatch]:
    """Mismatches between the sandboxes, with links, channel SKUs, buffers and open orders read from the hub."""
    links = {link.facility_id: link.warehouse_id for link in LocationRepository(hub).list_links()}
    records = {record.master_sku: record for record in SkuRepository(hub).list()}
    orders = OrderRepository(hub)
    unseen_ids = {record.order_id for state in UNSEEN_HUB_STATES for record in orders.list_by_state(state)}
    return mismatches_from_state(
        extensiv_state,
        tiktok_state,
        links=links,
        sku_records=records,
        buffers=InventoryRepository(hub).buffers(),
        unseen_order_ids=unseen_ids,
        default_buffer=default_buffer,
        sku_scope=sku_scope,
    )


def mismatches_from_state(
    extensiv_state: Mapping[str, Any],
    tiktok_state: Mapping[str, Any],
    links: Mapping[str, str],
    sku_records: Mapping[str, SkuRecord],
    buffers: Mapping[str, int],
    unseen_order_ids: Iterable[str],
    default_buffer: int = 0,
    sku_scope: frozenset[str] = frozenset(),
) -> list[Mismatch]:
    """Pure: the same comparison from already-read hub facts."""
    by_channel, _ = aggregate_stock(_visible_rows(extensiv_state.get("stock") or []))
    translation = translate_to_master(by_channel, sku_records)
    shared = {master_sku for masters in translation.shared.values() for master_sku in masters}
    stock = {key: units for key, units in translation.stock.items() if in_scope(key[0], sku_scope)}

    tiktok_quantities, duplicated = _tiktok_quantities(tiktok_state.get("inventory") or [])
    conflicts = duplicated | {sku for sku, record in sku_records.items() if record.has_conflict}
    skus = {master_sku for master_sku, _ in stock} - shared - conflicts

    wanted = set(unseen_order_ids)
    orders = [_order(order) for order in tiktok_state.get("orders") or [] if str(order.get("id")) in wanted]
    single_warehouse = next(iter(links.values())) if len(links) == 1 else None
    unseen = unseen_order_units(orders, single_warehouse)

    expected = expected_tiktok_quantities(stock, links, skus, buffers, unseen, default_buffer=default_buffer)
    return find_mismatches(expected, tiktok_quantities)


def _visible_rows(stock: Iterable[Mapping[str, Any]]) -> list[_Row]:
    # As the API does: a SKU never received, held or allocated in a facility has no row there.
    rows = []
    for row in stock:
        touched = any(float(row.get(name) or 0) > 0 for name in ("totalReceived", "onHand", "allocated"))
        if touched:
            rows.append(_Row(str(row["sku"]), row.get("facilityId"), Decimal(str(row.get("available") or 0))))
    return rows


def _tiktok_quantities(inventory: Iterable[Mapping[str, Any]]) -> tuple[dict[StockKey, int], set[str]]:
    quantities: dict[StockKey, int] = {}
    products: dict[str, set[str]] = {}
    for row in inventory:
        seller_sku = str(row.get("seller_sku") or "").strip()
        if not seller_sku:
            continue
        products.setdefault(seller_sku, set()).add(str(row.get("product_id")))
        quantities[(seller_sku, str(row["warehouse_id"]))] = int(row.get("available_quantity") or 0)
    duplicated = {sku for sku, product_ids in products.items() if len(product_ids) > 1}
    return quantities, duplicated


def _order(summary: Mapping[str, Any]) -> Order:
    lines = [
        {
            "id": str(line.get("id")),
            "sku_id": str(line.get("sku_id")),
            "seller_sku": line.get("seller_sku"),
            "display_status": LINE_CANCELLED if line.get("cancelled") else None,
        }
        for line in summary.get("line_items") or []
    ]
    return Order.model_validate(
        {
            "id": str(summary["id"]),
            "status": summary.get("status"),
            "fulfillment_type": summary.get("fulfillment_type"),
            "warehouse_id": summary.get("warehouse_id"),
            "line_items": lines,
        }
    )
