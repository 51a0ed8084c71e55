"""Pure inventory rules: from Extensiv stock rows to the quantities each TikTok warehouse should show.

    Extensiv rows (item + qualifier + facility) ─ aggregate ─▶ per channel SKU and facility
      ─ translate ─▶ per master SKU and facility ─ route through links ─▶ per master SKU and warehouse
      ─ minus buffer, minus units of orders the warehouse has not seen (floor 0) ─▶ expected quantity
      ─ compare with the last pushed value ─▶ the SKUs to push, grouped by TikTok product.

Nothing here performs I/O; `inventory_sync` feeds it and acts on the result.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from hub.skus import SkuRecord
from tiktok_shop.models import InventoryUpdateResult, Order

# NOTE: Update Inventory takes at most 100 SKUs per product (reference §4.2, code 12052050).
MAX_SKUS_PER_UPDATE = 100
# Orders whose units TikTok already holds back but the warehouse does not know about yet.
# NOTE: the TikTok sandbox (and, by the reference's committed_quantity, TikTok) reserves stock
# when the order is placed, so UNPAID orders count too.
UNSEEN_ORDER_STATUSES = frozenset({"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"})
FULFILLMENT_BY_TIKTOK = "FULFILLMENT_BY_TIKTOK"
# Per-SKU Update Inventory errors that another try with the same quantities will not fix
# (reference §4.2): promotion lock, inventory shared with a source shop, edit from the global
# product, combo stock, quantity outside the accepted range.
PERMANENT_ERROR_CODES = frozenset({12052393, 12052921, 12052141, 12052850, 12052055})

StockKey = tuple[str, str]  # (sku, facility_id) or (master_sku, warehouse_id)


class StockRowLike(Protocol):
    """What a row of `/inventory/stocksummaries` offers (extensiv.models.StockSummary)."""

    sku: str
    facility_id: int | None
    available: Decimal


# --- Extensiv rows to master SKUs -------------------------------------------------------------


def aggregate_stock(rows: Iterable[StockRowLike]) -> tuple[dict[StockKey, int], int]:
    """Sum `available` per (channel SKU, facility id) over qualifiers; whole units, never negative.

    Returns the totals and the number of rows without a facility or a SKU (they cannot be routed).
    NOTE: `available`, not onHand - allocated: `allocated` includes shipped units (reference §4.1).
    """
    totals: dict[StockKey, Decimal] = defaultdict(Decimal)
    unroutable = 0
    for row in rows:
        sku = row.sku.strip()
        if row.facility_id is None or not sku:
            unroutable += 1
            continue
        totals[(sku, str(row.facility_id))] += Decimal(row.available)
    return {key: max(0, math.floor(units)) for key, units in totals.items()}, unroutable


@dataclass
class Translation:
    """Stock per (master SKU, facility), and the channel SKUs that could not be translated."""

    stock: dict[StockKey, int] = field(default_factory=dict)
    # A channel SKU several master SKUs point at: its stock cannot be split, so it is not pushed.
    shared: dict[str, list[str]] = field(default_factory=dict)
    # Rows of a SKU whose master maps to another channel SKU (not that master's stock).
    ignored: list[str] = field(default_factory=list)


def translate_to_master(stock: Mapping[StockKey, int], records: Mapping[str, SkuRecord]) -> Translation:
    """Turn channel SKUs back into master SKUs; a SKU without a channel SKU is its own master."""
    masters_by_channel: dict[str, list[str]] = defaultdict(list)
    for record in records.values():
        if record.channel_sku:
            masters_by_channel[record.channel_sku].append(record.master_sku)

    translation = Translation()
    for (channel_sku, facility_id), units in sorted(stock.items()):
        masters = sorted(masters_by_channel.get(channel_sku, []))
        if len(masters) > 1:
            translation.shared[channel_sku] = masters
            continue
        if masters:
            master_sku = masters[0]
        else:
            own = records.get(channel_sku)
            if own is not None and own.channel_sku and own.channel_sku != channel_sku:
                if channel_sku not in translation.ignored:
                    translation.ignored.append(channel_sku)
                continue
            master_sku = channel_sku
        key = (master_sku, facility_id)
        translation.stock[key] = translation.stock.get(key, 0) + units
    return translation


def in_scope(sku: str, scope: frozenset[str]) -> bool:
    """An empty scope means every SKU."""
    return not scope or sku in scope


# --- orders the warehouse has not seen --------------------------------------------------------


def unseen_order_units(orders: Iterable[Order], default_warehouse_id: str | None = None) -> dict[StockKey, int]:
    """Units per (master SKU, TikTok warehouse) of orders TikTok holds stock for and Extensiv does not know.

    Pass the orders the hub has not handed to Extensiv (received, held, submitting), read fresh
    from TikTok: cancelled and shipped ones drop out by status. Bundles count as their components,
    since those are what the warehouse picks. An order without a warehouse id uses
    `default_warehouse_id` (a shop with a single link), or is left out.
    """
    units: dict[StockKey, int] = defaultdict(int)
    for order in orders:
        if order.status not in UNSEEN_ORDER_STATUSES or order.fulfillment_type == FULFILLMENT_BY_TIKTOK:
            continue
        warehouse_id = order.warehouse_id or default_warehouse_id
        if not warehouse_id:
            continue
        for line in order.open_line_items:
            for master_sku, count in line.pick_units():
                if master_sku:
                    units[(master_sku, warehouse_id)] += count
    return dict(units)


# --- expected quantities ----------------------------------------------------------------------


def expected_tiktok_quantities(
    stock: Mapping[StockKey, int],
    links: Mapping[str, str],
    skus: Iterable[str] | None = None,
    buffers: Mapping[str, int] | None = None,
    unseen_units: Mapping[StockKey, int] | None = None,
    default_buffer: int = 0,
) -> dict[StockKey, int]:
    """What each linked TikTok warehouse should show per master SKU.

    stock:        available units per (master SKU, Extensiv facility id), from `translate_to_master`
    links:        Extensiv facility id -> linked TikTok warehouse id
    skus:         master SKUs to cover (default: every SKU in `stock`); a SKU without stock in a
                  linked facility gets 0 for that facility's warehouse
    buffers:      units held back per master SKU (overrides `default_buffer`)
    unseen_units: units per (master SKU, warehouse id) of orders the warehouse has not seen

    Returns {(master SKU, warehouse id): quantity >= 0}.
    """
    buffers = buffers or {}
    unseen_units = unseen_units or {}
    covered = sorted(set(skus) if skus is not None else {master_sku for master_sku, _ in stock})
    expected: dict[StockKey, int] = {}
    for master_sku in covered:
        buffer = buffers.get(master_sku, default_buffer)
        for facility_id, warehouse_id in links.items():
            available = stock.get((master_sku, facility_id), 0)
            unseen = unseen_units.get((master_sku, warehouse_id), 0)
            expected[(master_sku, warehouse_id)] = max(0, available - buffer - unseen)
    return expected


def unlinked_facility_units(stock: Mapping[StockKey, int], links: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """Units per facility (and SKU) that have no linked warehouse to go to."""
    unlinked: dict[str, dict[str, int]] = defaultdict(dict)
    for (sku, facility_id), units in stock.items():
        if facility_id not in links:
            unlinked[facility_id][sku] = units
    return dict(unlinked)


# --- what to push -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TikTokSku:
    """A TikTok SKU as Inventory Search shows it: every warehouse it is assigned to, with its quantity now."""

    master_sku: str
    product_id: str
    sku_id: str
    warehouses: Mapping[str, int]


@dataclass(frozen=True)
class SkuPush:
    """One SKU of an Update Inventory call.

    `inventory` names every warehouse of the SKU (TikTok requires it, codes 12019028/12052533);
    `owned` is the part the connector decides (linked warehouses), recorded as pushed on success.
    """

    master_sku: str
    product_id: str
    sku_id: str
    inventory: tuple[tuple[str, int], ...]
    owned: Mapping[str, int]


@dataclass
class PushPlan:
    pushes: list[SkuPush] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Master SKU -> linked warehouses TikTok has not assigned to it (TikTok forbids adding them).
    unassigned: dict[str, list[str]] = field(default_factory=dict)

    def batches(self, size: int = MAX_SKUS_PER_UPDATE) -> list[tuple[str, list[SkuPush]]]:
        """The pushes grouped per TikTok product, at most `size` SKUs per call."""
        by_product: dict[str, list[SkuPush]] = defaultdict(list)
        for push in self.pushes:
            by_product[push.product_id].append(push)
        batches = []
        for product_id in sorted(by_product):
            pushes = by_product[product_id]
            batches += [(product_id, pushes[start : start + size]) for start in range(0, len(pushes), size)]
        return batches


def plan_pushes(
    expected: Mapping[StockKey, int],
    tiktok_skus: Mapping[str, TikTokSku],
    last_pushed: Mapping[str, Mapping[str, int]],
    resync: bool = False,
) -> PushPlan:
    """Decide which SKUs to push: those whose expected quantity differs from the last pushed one
    in any linked warehouse, or that TikTok offers more of than expected (all of them on
    `resync`). Warehouses the connector does not own keep the quantity TikTok shows now, since
    every warehouse must be named.
    """
    owned: dict[str, dict[str, int]] = defaultdict(dict)
    for (master_sku, warehouse_id), quantity in expected.items():
        owned[master_sku][warehouse_id] = quantity

    plan = PushPlan()
    for master_sku in sorted(owned):
        tiktok_sku = tiktok_skus.get(master_sku)
        if tiktok_sku is None:
            continue
        targets = {wh: qty for wh, qty in owned[master_sku].items() if wh in tiktok_sku.warehouses}
        # Only stock that has nowhere to go is worth a report: a SKU a facility does not carry
        # is normally not assigned to that facility's TikTok warehouse either.
        missing = sorted(wh for wh, qty in owned[master_sku].items() if qty > 0 and wh not in tiktok_sku.warehouses)
        if missing:
            plan.unassigned[master_sku] = missing
        if not targets:
            continue
        previous = last_pushed.get(master_sku, {})
        # TikTok offering more than the warehouse can ship (a cancellation TikTok restocked after
        # our push, an edit in Seller Center) is corrected at once: lowering cannot oversell. A
        # lower TikTok figure is left alone; it is an order the hub may not have seen yet.
        offers_too_much = any(tiktok_sku.warehouses.get(wh, 0) > qty for wh, qty in targets.items())
        if not resync and not offers_too_much and all(previous.get(wh) == qty for wh, qty in targets.items()):
            plan.unchanged.append(master_sku)
            continue
        # NOTE: a warehouse the connector does not own is sent back with what TikTok showed at
        # Inventory Search time; an order placed in between is restored by one unit there.
        inventory = tuple(sorted({**tiktok_sku.warehouses, **targets}.items()))
        plan.pushes.append(SkuPush(master_sku, tiktok_sku.product_id, tiktok_sku.sku_id, inventory, targets))
    return plan


def update_body(pushes: Iterable[SkuPush]) -> list[tuple[str, list[tuple[str, int]]]]:
    """The `skus` argument of `TikTokShopClient.update_inventory` for one product.

    NOTE: reference §4.2 gives the quantity range as [1, 99,999] while older specs and common
    practice send 0 for out of stock [LOW]. The connector sends 0; a refusal comes back as a
    per-SKU error (12052055) and is reported as permanent, never dropped.
    """
    return [(push.sku_id, list(push.inventory)) for push in pushes]


# --- per-SKU errors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SkuFailure:
    master_sku: str
    code: int | None
    message: str | None
    warehouse_codes: tuple[tuple[str, int | None], ...] = ()

    @property
    def permanent(self) -> bool:
        codes = {self.code, *(code for _, code in self.warehouse_codes)}
        return bool(codes & PERMANENT_ERROR_CODES)

    def describe(self) -> str:
        parts = [f"{self.code}: {self.message or ''}".strip()]
        parts += [f"warehouse {warehouse_id}: {code}" for warehouse_id, code in self.warehouse_codes]
        return "; ".join(parts)


def failed_skus(pushes: list[SkuPush], result: InventoryUpdateResult) -> dict[str, SkuFailure]:
    """Per-SKU failures inside a `code 0` answer, by master SKU.

    An error that names no SKU cannot be placed: every SKU of the call counts as failed, so
    none of them is recorded as pushed and the next run tries them again.
    """
    by_sku_id = {push.sku_id: push for push in pushes}
    failures: dict[str, SkuFailure] = {}
    for error in result.errors:
        warehouse_codes = tuple((str(item.warehouse_id or ""), item.code) for item in error.warehouse_errors)
        push = by_sku_id.get(str(error.sku_id or ""))
        targets = [push] if push is not None else pushes
        for target in targets:
            failures[target.master_sku] = SkuFailure(target.master_sku, error.code, error.message, warehouse_codes)
    return failures


# --- oversell and staleness -------------------------------------------------------------------


@dataclass(frozen=True)
class OversellRisk:
    master_sku: str
    warehouse_id: str
    tiktok_available: int
    shippable: int


def oversell_risks(
    shippable: Mapping[StockKey, int],
    tiktok_skus: Mapping[str, TikTokSku],
    corrected: set[str],
) -> list[OversellRisk]:
    """Warehouses where TikTok offers more than the warehouse can ship and this run did not fix it.

    shippable: Extensiv available minus unseen orders (no buffer) per (master SKU, warehouse).
    corrected: master SKUs whose push TikTok accepted in this run.
    """
    risks = []
    for (master_sku, warehouse_id), can_ship in sorted(shippable.items()):
        tiktok_sku = tiktok_skus.get(master_sku)
        if master_sku in corrected or tiktok_sku is None or warehouse_id not in tiktok_sku.warehouses:
            continue
        offered = tiktok_sku.warehouses[warehouse_id]
        if offered > can_ship:
            risks.append(OversellRisk(master_sku, warehouse_id, offered, can_ship))
    return risks


def stock_staleness_seconds(
    now: float,
    read_at: float,
    stale_skus: Iterable[str],
    last_pushed_data_as_of: Mapping[str, float | None],
) -> float:
    """Age of the oldest Extensiv reading behind what TikTok shows.

    SKUs pushed or confirmed unchanged in this run are as old as this run's reading; SKUs that
    could not be pushed are as old as the reading behind their last accepted push.
    """
    oldest = read_at
    for master_sku in stale_skus:
        as_of = last_pushed_data_as_of.get(master_sku)
        if as_of is not None:
            oldest = min(oldest, as_of)
    return max(0.0, now - oldest)


# --- reconciliation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """A TikTok warehouse whose quantity differs from what the connector should have pushed."""

    master_sku: str
    warehouse_id: str
    tiktok_quantity: int
    expected_quantity: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "sku": self.master_sku,
            "warehouse_id": self.warehouse_id,
            "tiktok": self.tiktok_quantity,
            "expected": self.expected_quantity,
        }


def find_mismatches(expected: Mapping[StockKey, int], tiktok_quantities: Mapping[StockKey, int]) -> list[Mismatch]:
    """Every (master SKU, warehouse) present on both sides whose quantities differ."""
    return [
        Mismatch(master_sku, warehouse_id, tiktok_quantities[(master_sku, warehouse_id)], quantity)
        for (master_sku, warehouse_id), quantity in sorted(expected.items())
        if (master_sku, warehouse_id) in tiktok_quantities and tiktok_quantities[(master_sku, warehouse_id)] != quantity
    ]
