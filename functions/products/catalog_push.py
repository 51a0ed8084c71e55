"""Hub catalog -> Extensiv items (switch "push product catalog").

Every SKU is looked up in Extensiv by SKU before an item is created, and the item id is kept in
the hub, so an item is never created twice: a crash after a create is healed by the next run's
lookup, and Extensiv's own duplicate-SKU refusal is adopted, not retried. A renamed product
updates its item (If-Match on the item's ETag).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from enum import StrEnum

from catalog_plan import DesiredItem, PushAction, PushStep, plan_push

from connector_common.direction import RunCounts
from extensiv.errors import (
    ExtensivAuthError,
    ExtensivError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    ValidationFailed,
)
from extensiv.models import Item
from hub.catalog import CatalogRepository, ExtensivItem, ItemOrigin
from hub.skus import SkuRepository

logger = logging.getLogger(__name__)

DIRECTION = "products_push"
# NOTE: the minimum item body is unconfirmed and the unit must exist in the 3PL's unit list
# (reference/extensiv.md §6, [L]); the default is the commonest name, a setting overrides it.
DEFAULT_UNIT_NAME = "Each"


class Outcome(StrEnum):
    CREATED = "created"
    ADOPTED = "adopted"
    UPDATED = "updated"
    VERIFIED = "verified"
    ALREADY_CURRENT = "already_current"
    CHANNEL_SKU_SKIPPED = "channel_sku_skipped"
    CHANNEL_SKU_MISSING = "channel_sku_missing"
    REJECTED = "rejected"


class CatalogPushIncomplete(Exception):
    """Some SKUs could not be pushed for a reason that may pass (timeouts, 5xx); the next run retries."""


class CatalogPush:
    """Creates or updates the Extensiv items of the hub's catalog, never duplicating one."""

    def __init__(
        self,
        extensiv,
        catalog: CatalogRepository,
        skus: SkuRepository,
        unit_name: str | None = DEFAULT_UNIT_NAME,
    ) -> None:
        self.extensiv = extensiv
        self.catalog = catalog
        self.skus = skus
        self.unit_name = unit_name

    def run(self, counts: RunCounts, resync: bool = False) -> None:
        """Push what changed (everything re-checked on resync); raises CatalogPushIncomplete at the end
        when some SKUs failed for a passing reason, after every other SKU was handled."""
        products = {product.product_id: product for product in self.catalog.list_products()}
        items = {item.master_sku: item for item in self.catalog.list_items()}
        failed: list[str] = []

        for step in plan_push(self.skus.list(), products, items, resync):
            if not step.action.calls_extensiv:
                counts.add(step.action.value)
                self._note_skip(step)
                continue
            try:
                outcome = self.apply(step)
            except (ExtensivAuthError, Unauthorized, Forbidden):
                raise
            except ExtensivError as exc:
                failed.append(step.master_sku)
                counts.add("failed")
                logger.warning(
                    "catalog item push failed; retried next run",
                    extra={"master_sku": step.master_sku, "action": step.action.value, "error": str(exc)[:300]},
                )
                continue
            counts.add(outcome.value)

        if failed:
            raise CatalogPushIncomplete(f"{len(failed)} SKU(s) not pushed yet: {', '.join(failed[:10])}")

    def apply(self, step: PushStep) -> Outcome:
        """Carry out one step that calls Extensiv; raises ExtensivError subclasses."""
        if step.action == PushAction.CHECK_CHANNEL_SKU:
            return self._check_channel_sku(step)
        if step.action == PushAction.CREATE:
            return self._create_or_adopt(step)
        return self._bring_up_to_date(step)

    def _create_or_adopt(self, step: PushStep) -> Outcome:
        desired = _desired(step)
        existing = self.extensiv.find_item_by_sku(desired.sku)
        if existing is not None:
            return self._adopt(step.master_sku, desired, existing)

        try:
            created = self.extensiv.create_item(desired.sku, desired.description, unit_name=self.unit_name)
        except ValidationFailed as exc:
            if exc.is_duplicate:
                # Created meanwhile (another run, or an answer lost after the create): adopt it.
                existing = self.extensiv.find_item_by_sku(desired.sku)
                if existing is not None:
                    return self._adopt(step.master_sku, desired, existing)
            return self._rejected(step, desired, exc, item_id=None)

        self.catalog.record_item(
            ExtensivItem(
                master_sku=step.master_sku,
                extensiv_sku=created.sku,
                content_hash=desired.content_hash,
                item_id=created.item_id,
                description=desired.description,
                origin=ItemOrigin.CREATED,
            )
        )
        logger.info("extensiv item created", extra={"master_sku": step.master_sku, "item_id": created.item_id})
        return Outcome.CREATED

    def _adopt(self, master_sku: str, desired: DesiredItem, existing: Item) -> Outcome:
        # An item with this SKU is already in Extensiv: it is linked as it is, never renamed on
        # first sight (SPEC: push the catalog when it is not there yet). Later renames on TikTok
        # update it, since the hub remembers the title it was linked under.
        self.catalog.record_item(
            ExtensivItem(
                master_sku=master_sku,
                extensiv_sku=existing.sku,
                content_hash=desired.content_hash,
                item_id=existing.item_id,
                description=existing.description,
                origin=ItemOrigin.ADOPTED,
            )
        )
        logger.info(
            "extensiv item already there; linked", extra={"master_sku": master_sku, "item_id": existing.item_id}
        )
        return Outcome.ADOPTED

    def _bring_up_to_date(self, step: PushStep) -> Outcome:
        """UPDATE (the title changed) or VERIFY (resync): re-read the item, rename it if needed."""
        desired = _desired(step)
        known = step.item
        if known is None or known.item_id is None:
            return self._create_or_adopt(step)
        try:
            current = self.extensiv.get_item(known.item_id)
        except NotFound:
            current = None
        if current is None or current.sku.casefold() != desired.sku.casefold():
            # Deleted in Extensiv, or its SKU was changed there: it is no longer this SKU's item.
            logger.warning(
                "extensiv item of a SKU is gone; looking it up again",
                extra={"master_sku": step.master_sku, "item_id": known.item_id},
            )
            self.catalog.forget_item(step.master_sku)
            return self._create_or_adopt(step)

        rename = step.action == PushAction.UPDATE or known.is_managed
        if not rename or current.description == desired.description:
            settled = replace(known, content_hash=desired.content_hash, rejected_code=None)
            if settled != known:
                self.catalog.record_item(settled)
            return Outcome.VERIFIED if step.action == PushAction.VERIFY else Outcome.ALREADY_CURRENT

        try:
            self._rename(current, desired.description)
        except ValidationFailed as exc:
            return self._rejected(step, desired, exc, item_id=known.item_id)
        updated = replace(
            known,
            content_hash=desired.content_hash,
            description=desired.description,
            updates=known.updates + 1,
            rejected_code=None,
        )
        self.catalog.record_item(updated)
        logger.info("extensiv item updated", extra={"master_sku": step.master_sku, "item_id": known.item_id})
        return Outcome.UPDATED

    def _rename(self, current: Item, description: str) -> None:
        try:
            self.extensiv.update_item(current.item_id, current.etag or "", description=description)
        except PreconditionFailed:
            fresh = self.extensiv.get_item(current.item_id)
            self.extensiv.update_item(fresh.item_id, fresh.etag or "", description=description)

    def _check_channel_sku(self, step: PushStep) -> Outcome:
        desired = _desired(step)
        existing = self.extensiv.find_item_by_sku(desired.sku)
        if existing is None:
            if step.item is not None:
                self.catalog.forget_item(step.master_sku)
            logger.warning(
                "channel SKU not found in Extensiv; variant not pushed",
                extra={"master_sku": step.master_sku, "channel_sku": desired.sku},
            )
            return Outcome.CHANNEL_SKU_MISSING
        self.catalog.record_item(
            ExtensivItem(
                master_sku=step.master_sku,
                extensiv_sku=desired.sku,
                content_hash=desired.content_hash,
                item_id=existing.item_id,
                description=existing.description,
                origin=ItemOrigin.CHANNEL_SKU,
            )
        )
        return Outcome.CHANNEL_SKU_SKIPPED

    def _rejected(self, step: PushStep, desired: DesiredItem, exc: ValidationFailed, item_id: int | None) -> Outcome:
        code = exc.error_code or f"http_{exc.status}"
        previous = step.item
        self.catalog.record_item(
            ExtensivItem(
                master_sku=step.master_sku,
                extensiv_sku=desired.sku,
                content_hash=desired.content_hash,
                item_id=item_id,
                description=previous.description if previous else None,
                origin=previous.origin if previous else None,
                updates=previous.updates if previous else 0,
                rejected_code=code,
            )
        )
        logger.error(
            "Extensiv refused the catalog item; not retried until the product changes or a resync",
            extra={"master_sku": step.master_sku, "error_code": exc.error_code, "hint": exc.hint},
        )
        return Outcome.REJECTED

    def _note_skip(self, step: PushStep) -> None:
        # The pull warns when a conflict appears; each push only notes the skip.
        if step.action == PushAction.SKIPPED_CONFLICT:
            logger.info(
                "SKU in conflict; not pushed",
                extra={"master_sku": step.master_sku, "conflicting_product_ids": list(step.conflicting_product_ids)},
            )


def _desired(step: PushStep) -> DesiredItem:
    if step.desired is None:
        raise ValueError(f"step {step.action.value} for {step.master_sku} carries no desired item")
    return step.desired
