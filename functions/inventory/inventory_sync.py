"""One inventory run: Extensiv available stock -> hub -> the TikTok warehouse linked to each facility.

The run reads everything first (Extensiv stock, hub SKUs, links, buffers, orders the warehouse has
not seen, TikTok's warehouses per SKU), lets `inventory_plan` decide, then pushes only what changed
and records, per SKU, what TikTok accepted. Nothing is dropped silently: a facility without a
link, a SKU unknown on TikTok, a SKU on two products, a refused SKU and an oversell risk each end
up in the log, in the run's counts and as an open issue in the hub.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from inventory_plan import (
    SkuFailure,
    StockKey,
    TikTokSku,
    Translation,
    aggregate_stock,
    expected_tiktok_quantities,
    failed_skus,
    in_scope,
    oversell_risks,
    plan_pushes,
    stock_staleness_seconds,
    translate_to_master,
    unlinked_facility_units,
    unseen_order_units,
    update_body,
)

from connector_common.direction import RunCounts
from hub.inventory import InventoryIssue, InventoryRepository, IssueKind, PushedStock
from hub.locations import LocationRepository
from hub.orders import OrderRepository, OrderState
from hub.skus import SkuRecord, SkuRepository
from hub.sync_state import SyncStateRepository
from tiktok_shop.errors import NotFound, ValidationFailed

logger = logging.getLogger(__name__)

DIRECTION = "inventory"
# Hub states of orders Extensiv has not received yet (SPEC "Beyond what paid connectors offer").
UNSEEN_HUB_STATES = (OrderState.RECEIVED, OrderState.HELD, OrderState.SUBMITTING)
SELLER_SKU_SEARCH_BATCH = 10  # reference §4.2: Search Products takes at most 10 seller_skus
DELETED = "DELETED"
NOT_FOUND_BY_SELLER_SKU = "no TikTok product uses this seller SKU"
# Counts every run reports, zero included, so `syncctl status` and the demo always show them.
REPORTED_COUNTS = (
    "skus_in_scope",
    "skus_pushed",
    "skus_unchanged",
    "skus_failed",
    "unlinked_facilities",
    "unknown_on_tiktok",
    "sku_conflicts",
    "oversell_risks",
)


@dataclass
class InventoryRunResult:
    """What one run found and did; `counts` also goes to the hub's run record."""

    counts: dict[str, int]
    stock_staleness_s: float = 0.0
    issues: dict[IssueKind, list[InventoryIssue]] = field(default_factory=dict)


class InventorySync:
    """Pulls Extensiv stock and pushes the changed quantities to TikTok, one run at a time."""

    def __init__(
        self,
        extensiv,
        tiktok,
        skus: SkuRepository,
        locations: LocationRepository,
        orders: OrderRepository,
        inventory: InventoryRepository,
        sync_state: SyncStateRepository,
        sku_scope: frozenset[str] = frozenset(),
        default_buffer: int = 0,
        unknown_recheck_seconds: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.extensiv = extensiv
        self.tiktok = tiktok
        self.skus = skus
        self.locations = locations
        self.orders = orders
        self.inventory = inventory
        self.sync_state = sync_state
        self.sku_scope = sku_scope
        self.default_buffer = default_buffer
        self.unknown_recheck_seconds = unknown_recheck_seconds
        self.clock = clock

    def run(self, counts: RunCounts, resync: bool = False) -> InventoryRunResult:
        """One pass; `resync` pushes every SKU in scope whatever was pushed before.

        Raises the clients' errors when a platform cannot be used (the run is recorded as failed
        and SKUs not yet pushed are pushed by the next run); business refusals are reported.
        """
        read_at = self.clock()
        issues: dict[IssueKind, list[InventoryIssue]] = defaultdict(list)
        for name in REPORTED_COUNTS:
            counts.add(name, 0)

        # Read: Extensiv stock, translated to master SKUs, and where each facility sends it.
        by_channel = self._pull_extensiv_stock(counts, read_at)
        records = {record.master_sku: record for record in self.skus.list()}
        translation = translate_to_master(by_channel, records)
        if translation.ignored:
            counts.add("channel_rows_ignored", len(translation.ignored))
            logger.info("rows of SKUs mapped to another channel SKU were ignored", extra={"skus": translation.ignored})
        stock = {key: units for key, units in translation.stock.items() if in_scope(key[0], self.sku_scope)}
        links = {link.facility_id: link.warehouse_id for link in self.locations.list_links()}
        self._report_unlinked(stock, links, counts, issues)
        excluded = self._report_shared(translation, counts, issues)
        last_pushed = self.inventory.last_pushed()
        universe = self._universe(stock, last_pushed, excluded)
        counts.add("skus_in_scope", len(universe))

        # Which SKUs TikTok knows, and which warehouses each is assigned to.
        candidates = self._without_conflicts(universe, records, counts, issues)
        candidates = self._with_tiktok_ids(candidates, records, resync, counts, issues)
        tiktok_skus = self._tiktok_stock(candidates, records, counts, issues)

        # Decide.
        unseen = self._unseen_units(links)
        buffers = self.inventory.buffers()
        expected = expected_tiktok_quantities(
            stock, links, tiktok_skus.keys(), buffers, unseen, default_buffer=self.default_buffer
        )
        plan = plan_pushes(expected, tiktok_skus, {sku: p.quantities for sku, p in last_pushed.items()}, resync)
        counts.add("skus_unchanged", len(plan.unchanged))
        self._report_unassigned(plan.unassigned, counts, issues)

        # Push, and record what TikTok accepted.
        failures = self._push(plan.batches(), read_at, counts)
        self._report_failures(failures, issues)
        corrected = {push.master_sku for push in plan.pushes} - set(failures)
        shippable = expected_tiktok_quantities(stock, links, tiktok_skus.keys(), unseen_units=unseen)
        self._report_oversell(shippable, tiktok_skus, corrected, counts, issues)

        for kind in IssueKind:
            self.inventory.replace_issues(kind, issues.get(kind, []))
        staleness = stock_staleness_seconds(
            self.clock(), read_at, failures, {sku: p.data_as_of for sku, p in last_pushed.items()}
        )
        counts.add("stock_staleness_s", round(staleness))
        self.sync_state.advance_cursor(DIRECTION, _iso(read_at))
        return InventoryRunResult(counts.values, staleness, dict(issues))

    # --- read -------------------------------------------------------------------------------------

    def _pull_extensiv_stock(self, counts: RunCounts, read_at: float) -> dict[StockKey, int]:
        # NOTE: one unfiltered pass instead of one call per facility: the rql facility filter is
        # [M] in reference §4.1 and unknown filters are silently ignored (§8.5); rows carry their
        # facility, so the split per facility is done here. Rows carry no customer id either
        # (§4.1, [L]): another customer's SKU shows up as unknown on TikTok, re-checked hourly.
        rows = list(self.extensiv.iter_stock_summaries())
        counts.add("stock_rows", len(rows))
        by_channel, unroutable = aggregate_stock(rows)
        if unroutable:
            counts.add("stock_rows_unroutable", unroutable)
            logger.warning("stock rows without a facility or SKU were skipped", extra={"rows": unroutable})

        per_facility: dict[str, dict[str, int]] = {facility: {} for facility in self.inventory.stock_read_at()}
        for (channel_sku, facility_id), units in by_channel.items():
            per_facility.setdefault(facility_id, {})[channel_sku] = units
        for facility_id, facility_stock in per_facility.items():
            self.inventory.record_facility_stock(facility_id, facility_stock, read_at)
        return by_channel

    def _universe(
        self, stock: dict[StockKey, int], last_pushed: dict[str, PushedStock], excluded: set[str]
    ) -> list[str]:
        # A SKU pushed before whose rows are gone now gets 0: Extensiv no longer has it.
        known = {master_sku for master_sku, _ in stock}
        known |= {master_sku for master_sku in last_pushed if in_scope(master_sku, self.sku_scope)}
        return sorted(known - excluded)

    def _without_conflicts(
        self,
        universe: Iterable[str],
        records: dict[str, SkuRecord],
        counts: RunCounts,
        issues: dict[IssueKind, list[InventoryIssue]],
    ) -> list[str]:
        candidates = []
        for master_sku in universe:
            record = records.get(master_sku)
            if record is not None and record.has_conflict:
                _add_conflict(record, counts, issues)
                continue
            candidates.append(master_sku)
        return candidates

    def _with_tiktok_ids(
        self,
        candidates: list[str],
        records: dict[str, SkuRecord],
        resync: bool,
        counts: RunCounts,
        issues: dict[IssueKind, list[InventoryIssue]],
    ) -> list[str]:
        """Candidates with TikTok product and SKU ids, looking up those the hub lacks."""
        now = int(self.clock())
        previous = {issue.subject: issue for issue in self.inventory.issues(IssueKind.UNKNOWN_ON_TIKTOK)}
        missing = [sku for sku in candidates if not _has_tiktok_ids(records.get(sku))]
        due = [sku for sku in missing if resync or _recheck_due(previous.get(sku), now, self.unknown_recheck_seconds)]
        if due:
            self._look_up(due, records, counts)

        known = []
        for master_sku in candidates:
            record = records.get(master_sku)
            if record is not None and record.has_conflict:
                _add_conflict(record, counts, issues)
            elif _has_tiktok_ids(record):
                known.append(master_sku)
            else:
                earlier = previous.get(master_sku)
                checked_at = earlier.checked_at if earlier and master_sku not in due else now
                self._add_unknown(master_sku, NOT_FOUND_BY_SELLER_SKU, checked_at, previous, counts, issues)
        return known

    def _look_up(self, master_skus: list[str], records: dict[str, SkuRecord], counts: RunCounts) -> None:
        """Search Products by seller SKU (10 per call) and store the ids found in the hub."""
        for start in range(0, len(master_skus), SELLER_SKU_SEARCH_BATCH):
            batch = master_skus[start : start + SELLER_SKU_SEARCH_BATCH]
            wanted = set(batch)
            counts.add("skus_looked_up", len(batch))
            for product in self.tiktok.iter_products(seller_skus=batch):
                if product.status == DELETED:
                    continue
                for sku in product.skus:
                    if sku.master_sku in wanted:
                        record = self.skus.upsert_from_tiktok(sku.master_sku, product.id, sku.id, product.title or "")
                        records[sku.master_sku] = record

    def _tiktok_stock(
        self,
        candidates: list[str],
        records: dict[str, SkuRecord],
        counts: RunCounts,
        issues: dict[IssueKind, list[InventoryIssue]],
    ) -> dict[str, TikTokSku]:
        """Each SKU's warehouses and current quantities, from Inventory Search.

        NOTE: reference §4.2 says Inventory Search lists `warehouse_inventory[]` per SKU; the
        connector takes that list as "every warehouse assigned to the SKU" that Update Inventory
        requires. A warehouse missing there would make TikTok refuse the update (12052533),
        which is reported and retried.
        """
        if not candidates:
            return {}
        sku_ids = {records[master_sku].sku_id: master_sku for master_sku in candidates}
        found: dict[str, TikTokSku] = {}
        for product in self.tiktok.inventory_search(list(sku_ids)):
            for sku in product.skus:
                master_sku = sku_ids.get(sku.id)
                if master_sku is None:
                    continue
                warehouses = {stock.warehouse_id: stock.available_quantity for stock in sku.warehouse_inventory}
                found[master_sku] = TikTokSku(master_sku, product.product_id, sku.id, warehouses)

        previous = {issue.subject: issue for issue in self.inventory.issues(IssueKind.UNKNOWN_ON_TIKTOK)}
        for master_sku in candidates:
            if master_sku not in found:
                detail = f"TikTok SKU id {records[master_sku].sku_id} is not returned by Inventory Search"
                self._add_unknown(master_sku, detail, int(self.clock()), previous, counts, issues)
        return found

    def _unseen_units(self, links: dict[str, str]) -> dict[StockKey, int]:
        """Units of orders the hub holds back from Extensiv (or is submitting), read fresh from TikTok.

        NOTE: every such order is read with Get Order Detail (50 per call) on each run; a shop
        with many long-held orders pays one call per 50 of them.
        """
        order_ids = sorted(
            {record.order_id for state in UNSEEN_HUB_STATES for record in self.orders.list_by_state(state)}
        )
        if not order_ids:
            return {}
        orders = self.tiktok.get_orders(order_ids)
        single_warehouse = next(iter(links.values())) if len(links) == 1 else None
        return unseen_order_units(orders, single_warehouse)

    # --- push -------------------------------------------------------------------------------------

    def _push(self, batches, read_at: float, counts: RunCounts) -> dict[str, SkuFailure]:
        failures: dict[str, SkuFailure] = {}
        for product_id, pushes in batches:
            counts.add("push_calls")
            try:
                result = self.tiktok.update_inventory(product_id, update_body(pushes))
            except (ValidationFailed, NotFound) as exc:
                # The whole call was refused (product not active, gone): every SKU of it failed.
                logger.error(
                    "TikTok refused an inventory update", extra={"product_id": product_id, "error_code": exc.code}
                )
                failures.update(
                    {push.master_sku: SkuFailure(push.master_sku, exc.code, exc.message) for push in pushes}
                )
                continue

            refused = failed_skus(pushes, result)
            failures.update(refused)
            for push in pushes:
                if push.master_sku in refused:
                    continue
                self.inventory.record_pushed(push.master_sku, push.owned, data_as_of=read_at)
                counts.add("skus_pushed")
                logger.info(
                    "stock pushed to TikTok",
                    extra={"sku": push.master_sku, "product_id": product_id, "quantities": dict(push.owned)},
                )
        counts.add("skus_failed", len(failures))
        return failures

    # --- reports ----------------------------------------------------------------------------------

    def _report_unlinked(self, stock, links, counts: RunCounts, issues) -> None:
        for facility_id, skus in sorted(unlinked_facility_units(stock, links).items()):
            units = sum(skus.values())
            counts.add("unlinked_facilities")
            logger.warning(
                "facility has stock but no linked TikTok warehouse",
                extra={"facility_id": facility_id, "skus": len(skus), "units": units},
            )
            detail = f"{len(skus)} SKUs ({units} units) have no TikTok warehouse to go to"
            issues[IssueKind.UNLINKED_FACILITY].append(
                InventoryIssue(IssueKind.UNLINKED_FACILITY, facility_id, detail, units=units, facility_id=facility_id)
            )

    def _report_shared(self, translation: Translation, counts: RunCounts, issues) -> set[str]:
        excluded: set[str] = set()
        for channel_sku, masters in sorted(translation.shared.items()):
            if not any(in_scope(master_sku, self.sku_scope) for master_sku in masters):
                continue
            excluded |= set(masters)
            counts.add("channel_sku_shared")
            logger.error(
                "several master SKUs share one Extensiv channel SKU; not pushed",
                extra={"channel_sku": channel_sku, "skus": masters},
            )
            detail = f"master SKUs {', '.join(masters)} all map to this Extensiv SKU"
            issues[IssueKind.CHANNEL_SKU_SHARED].append(
                InventoryIssue(IssueKind.CHANNEL_SKU_SHARED, channel_sku, detail)
            )
        return excluded

    def _add_unknown(self, master_sku, detail, checked_at, previous, counts: RunCounts, issues) -> None:
        counts.add("unknown_on_tiktok")
        if master_sku not in previous:
            logger.warning("SKU unknown on TikTok; not pushed", extra={"sku": master_sku})
        issues[IssueKind.UNKNOWN_ON_TIKTOK].append(
            InventoryIssue(IssueKind.UNKNOWN_ON_TIKTOK, master_sku, detail, checked_at=checked_at)
        )

    def _report_unassigned(self, unassigned: dict[str, list[str]], counts: RunCounts, issues) -> None:
        for master_sku, warehouse_ids in sorted(unassigned.items()):
            counts.add("warehouse_not_on_sku", len(warehouse_ids))
            logger.warning(
                "linked warehouse is not assigned to the SKU on TikTok",
                extra={"sku": master_sku, "warehouse_ids": warehouse_ids},
            )
            detail = f"TikTok does not list warehouses {', '.join(warehouse_ids)} for this SKU"
            issues[IssueKind.WAREHOUSE_NOT_ON_SKU].append(
                InventoryIssue(IssueKind.WAREHOUSE_NOT_ON_SKU, master_sku, detail, warehouse_id=warehouse_ids[0])
            )

    def _report_failures(self, failures: dict[str, SkuFailure], issues) -> None:
        for master_sku, failure in sorted(failures.items()):
            logger.error(
                "TikTok refused the stock of a SKU; it is retried next run",
                extra={"sku": master_sku, "error_code": failure.code, "permanent": failure.permanent},
            )
            issues[IssueKind.PUSH_ERROR].append(
                InventoryIssue(
                    IssueKind.PUSH_ERROR,
                    master_sku,
                    failure.describe(),
                    code=failure.code,
                    permanent=failure.permanent,
                )
            )

    def _report_oversell(self, shippable, tiktok_skus, corrected, counts: RunCounts, issues) -> None:
        for risk in oversell_risks(shippable, tiktok_skus, corrected):
            counts.add("oversell_risks")
            logger.error(
                "TikTok offers more than the warehouse can ship",
                extra={
                    "sku": risk.master_sku,
                    "warehouse_id": risk.warehouse_id,
                    "tiktok_available": risk.tiktok_available,
                    "shippable": risk.shippable,
                },
            )
            issues[IssueKind.OVERSELL_RISK].append(
                InventoryIssue(
                    IssueKind.OVERSELL_RISK,
                    f"{risk.master_sku}#{risk.warehouse_id}",
                    f"TikTok offers {risk.tiktok_available}, the warehouse can ship {risk.shippable}",
                    units=risk.tiktok_available - risk.shippable,
                    warehouse_id=risk.warehouse_id,
                )
            )


def _add_conflict(record: SkuRecord, counts: RunCounts, issues) -> None:
    if any(issue.subject == record.master_sku for issue in issues[IssueKind.SKU_CONFLICT]):
        return
    counts.add("sku_conflicts")
    products = [record.product_id or "?", *record.conflicting_product_ids]
    logger.error(
        "SKU used by several TikTok products; not pushed", extra={"sku": record.master_sku, "products": products}
    )
    detail = f"seller SKU used by products {', '.join(products)}"
    issues[IssueKind.SKU_CONFLICT].append(InventoryIssue(IssueKind.SKU_CONFLICT, record.master_sku, detail))


def _has_tiktok_ids(record: SkuRecord | None) -> bool:
    return record is not None and bool(record.product_id) and bool(record.sku_id)


def _recheck_due(issue: InventoryIssue | None, now: int, after_seconds: int) -> bool:
    return issue is None or issue.checked_at is None or now - issue.checked_at >= after_seconds


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
