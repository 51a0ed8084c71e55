"""TikTok catalog -> hub: products, their variants, and who owns each master SKU.

Search Products is read by `update_time` from the direction's cursor (minus an overlap, since
TikTok stamps in whole seconds and lists a change a moment after making it). A resync reads the
whole catalog again and retires the products TikTok no longer returns.
"""

from __future__ import annotations

import logging

from catalog_plan import NOT_LISTED, RETIRED_STATUSES, choose_owner, claimed_skus, product_record_from

from connector_common.direction import RunCounts
from hub.catalog import CatalogRepository, ProductRecord
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from tiktok_shop.models import Product

logger = logging.getLogger(__name__)

DIRECTION = "products"


class CatalogPull:
    """Pulls the TikTok catalog into the hub and keeps SKU ownership and conflicts current."""

    def __init__(
        self,
        tiktok,
        catalog: CatalogRepository,
        skus: SkuRepository,
        sync_state: SyncStateRepository,
        overlap_seconds: int = 300,
    ) -> None:
        self.tiktok = tiktok
        self.catalog = catalog
        self.skus = skus
        self.sync_state = sync_state
        self.overlap_seconds = overlap_seconds
        self._titles: dict[str, str] = {}

    def run(self, counts: RunCounts, resync: bool = False) -> None:
        """One pass; the cursor moves only after every page was recorded."""
        cursor = None if resync else self.sync_state.cursor(DIRECTION)
        since = max(0, int(cursor) - self.overlap_seconds) if cursor else None
        newest = int(cursor) if cursor else 0
        seen: set[str] = set()

        for product in self.tiktok.iter_products(update_time_ge=since):
            counts.add("products_seen")
            seen.add(product.id)
            self._record(product, counts, force=resync)
            newest = max(newest, product.update_time or 0)

        if resync:
            self._retire_unlisted(seen, counts)
        if newest:
            self.sync_state.advance_cursor(DIRECTION, str(newest))
        logger.info("catalog pulled", extra={"direction": DIRECTION, "since": since, "cursor": newest or None})

    def _record(self, product: Product, counts: RunCounts, force: bool) -> None:
        pulled = product_record_from(product)
        record = pulled.record
        for master_sku in pulled.repeated_skus:
            counts.add("skus_repeated_in_product")
            logger.warning(
                "seller SKU repeated within one product; first variant kept",
                extra={"product_id": record.product_id, "master_sku": master_sku},
            )
        if pulled.variants_without_sku:
            counts.add("variants_without_seller_sku", pulled.variants_without_sku)

        previous = self.catalog.get_product(record.product_id)
        if previous is not None and previous.same_content(record) and not force:
            counts.add("products_unchanged")
            return
        self._store(record, previous, counts)

    def _store(self, record: ProductRecord, previous: ProductRecord | None, counts: RunCounts) -> None:
        self.catalog.save_product(record)
        self._titles[record.product_id] = record.title
        if previous is None:
            counts.add("products_new")
        elif not previous.same_content(record):
            counts.add("products_changed")

        before = claimed_skus(previous)
        now = claimed_skus(record)
        for master_sku, sku_id in now.items():
            self.catalog.add_claim(master_sku, record.product_id, sku_id)
        for master_sku in before.keys() - now.keys():
            self.catalog.remove_claim(master_sku, record.product_id)
        for master_sku in sorted(before.keys() | now.keys()):
            self._settle(master_sku, counts)

    def _settle(self, master_sku: str, counts: RunCounts) -> None:
        """Bring the SKU record in line with the products that use the SKU now."""
        claims = self.catalog.claims(master_sku)
        current = self.skus.get(master_sku)
        if not claims:
            if current is not None and current.has_conflict:
                self._write(master_sku, current.product_id or "", current.sku_id or "", current.product_name or "", [])
                self._report_change(master_sku, current.conflicting_product_ids, [], current.product_id, counts)
            return

        owner, conflicting = choose_owner(claims, current.product_id if current else None)
        title = self._title(owner.product_id)
        wanted = (owner.product_id, owner.sku_id, title, conflicting)
        if current is not None:
            stored = (current.product_id, current.sku_id, current.product_name, sorted(current.conflicting_product_ids))
            if stored == wanted:
                return
        self._write(master_sku, *wanted)
        counts.add("skus_recorded")
        before = current.conflicting_product_ids if current else []
        self._report_change(master_sku, before, conflicting, owner.product_id, counts)

    def _write(self, master_sku: str, product_id: str, sku_id: str, title: str, conflicting: list[str]) -> None:
        self.skus.sync_from_catalog(master_sku, product_id, sku_id, title, conflicting)

    def _report_change(
        self,
        master_sku: str,
        before: list[str],
        after: list[str],
        owner: str | None,
        counts: RunCounts,
    ) -> None:
        if set(before) == set(after):
            return
        pk = f"SKU#{master_sku}"
        if after:
            counts.add("sku_conflicts_found")
            logger.warning(
                "master SKU used by several products; left alone until resolved",
                extra={"master_sku": master_sku, "product_id": owner, "conflicting_product_ids": after},
            )
            self.catalog.hub.put_audit(pk, "sku_conflict", {"product_id": owner, "conflicting_product_ids": after})
        else:
            counts.add("sku_conflicts_resolved")
            logger.info("SKU conflict resolved", extra={"master_sku": master_sku, "product_id": owner})
            self.catalog.hub.put_audit(pk, "sku_conflict_resolved", {"product_id": owner})

    def _title(self, product_id: str) -> str:
        if product_id not in self._titles:
            product = self.catalog.get_product(product_id)
            self._titles[product_id] = product.title if product else ""
        return self._titles[product_id]

    def _retire_unlisted(self, seen: set[str], counts: RunCounts) -> None:
        """After a full read: products TikTok no longer returns stop claiming their SKUs."""
        for product in self.catalog.list_products():
            if product.product_id in seen or product.status in RETIRED_STATUSES:
                continue
            retired = ProductRecord(
                product.product_id, product.title, NOT_LISTED, product.update_time, product.variants
            )
            self._store(retired, product, counts)
            counts.add("products_unlisted")
            logger.info("product no longer listed by TikTok", extra={"product_id": product.product_id})
