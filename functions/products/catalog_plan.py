"""Pure rules of the products direction: what a TikTok product puts in the hub, who owns a
master SKU, and what, if anything, each SKU needs in Extensiv.

No I/O here: the pull and the push hand in hub records and get decisions back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from hub.catalog import ExtensivItem, ItemOrigin, ProductRecord, SkuClaim, Variant
from hub.skus import SkuRecord
from tiktok_shop.models import Product

DELETED = "DELETED"
# The connector's own status for a product TikTok stopped returning (seen on a full resync).
NOT_LISTED = "NOT_LISTED"
RETIRED_STATUSES = frozenset({DELETED, NOT_LISTED})


# --- pull --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulledProduct:
    """A TikTok product as the hub keeps it, and the seller SKUs it repeats across variants."""

    record: ProductRecord
    repeated_skus: tuple[str, ...] = ()
    variants_without_sku: int = 0


def product_record_from(product: Product) -> PulledProduct:
    """The hub's view of a product: variants keyed by master SKU (the trimmed seller SKU).

    A variant without a seller SKU cannot be matched to anything and is left out (counted).
    A seller SKU repeated on two variants of one product keeps its first variant.
    """
    variants: list[Variant] = []
    seen: set[str] = set()
    repeated: list[str] = []
    without_sku = 0
    for sku in product.skus:
        master_sku = sku.master_sku
        if master_sku is None:
            without_sku += 1
            continue
        if master_sku in seen:
            repeated.append(master_sku)
            continue
        seen.add(master_sku)
        variants.append(Variant(sku.id, master_sku))
    record = ProductRecord(
        product_id=product.id,
        title=(product.title or "").strip(),
        status=product.status,
        update_time=product.update_time,
        variants=tuple(variants),
    )
    return PulledProduct(record, tuple(repeated), without_sku)


def claimed_skus(product: ProductRecord | None) -> dict[str, str]:
    """Master SKU -> TikTok SKU id of the variants a product holds; none once it is deleted."""
    if product is None or product.status in RETIRED_STATUSES:
        return {}
    return {variant.master_sku: variant.sku_id for variant in product.variants}


def choose_owner(claims: Iterable[SkuClaim], current_owner: str | None) -> tuple[SkuClaim, list[str]]:
    """The product that owns a master SKU and the products in conflict with it.

    The current owner keeps the SKU while it still uses it (so an order or a stock push never
    changes product under the operator's feet); otherwise the earliest claim wins.
    """
    ordered = sorted(claims, key=lambda claim: (claim.claimed_at, claim.product_id))
    if not ordered:
        raise ValueError("a master SKU without claims has no owner")
    owner = next((claim for claim in ordered if claim.product_id == current_owner), ordered[0])
    conflicting = sorted(claim.product_id for claim in ordered if claim.product_id != owner.product_id)
    return owner, conflicting


# --- push --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DesiredItem:
    """What Extensiv should hold for a variant: its SKU there and a description (the title)."""

    sku: str
    description: str

    @property
    def content_hash(self) -> str:
        encoded = json.dumps([self.sku, self.description], ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(encoded).hexdigest()[:24]


class PushAction(StrEnum):
    """What one SKU needs; the `skipped_*`, `unchanged` and `channel_sku_skipped` ones call nothing."""

    CREATE = "create"
    UPDATE = "update"
    VERIFY = "verify"
    CHECK_CHANNEL_SKU = "check_channel_sku"
    UNCHANGED = "unchanged"
    CHANNEL_SKU_SKIPPED = "channel_sku_skipped"
    SKIPPED_CONFLICT = "skipped_conflict"
    SKIPPED_NOT_IN_CATALOG = "skipped_not_in_catalog"
    SKIPPED_DELETED = "skipped_deleted"
    SKIPPED_REJECTED = "skipped_rejected"

    @property
    def calls_extensiv(self) -> bool:
        return self in CALLING_ACTIONS


CALLING_ACTIONS = frozenset({PushAction.CREATE, PushAction.UPDATE, PushAction.VERIFY, PushAction.CHECK_CHANNEL_SKU})


@dataclass(frozen=True)
class PushStep:
    """One SKU's decision, with what the push needs to carry it out."""

    action: PushAction
    master_sku: str
    desired: DesiredItem | None = None
    item: ExtensivItem | None = None
    conflicting_product_ids: tuple[str, ...] = field(default_factory=tuple)


def plan_push(
    skus: Iterable[SkuRecord],
    products: Mapping[str, ProductRecord],
    items: Mapping[str, ExtensivItem],
    resync: bool = False,
) -> list[PushStep]:
    """One step per SKU record, in master-SKU order."""
    ordered = sorted(skus, key=lambda record: record.master_sku)
    return [
        push_step(record, products.get(record.product_id or ""), items.get(record.master_sku), resync)
        for record in ordered
    ]


def push_step(
    record: SkuRecord,
    product: ProductRecord | None,
    item: ExtensivItem | None,
    resync: bool = False,
) -> PushStep:
    """What one variant needs in Extensiv.

    - A SKU used by two products is left alone until resolved (SPEC troubleshooting).
    - A variant with a channel SKU maps to a warehouse item that should already exist under
      that SKU: it is looked up, never created or renamed.
    - Otherwise the item is created when the hub knows none, updated when the title changed,
      and re-read on a resync.
    """
    master_sku = record.master_sku
    if record.has_conflict:
        return PushStep(
            PushAction.SKIPPED_CONFLICT, master_sku, conflicting_product_ids=tuple(record.conflicting_product_ids)
        )
    if product is None or master_sku not in {variant.master_sku for variant in product.variants}:
        return PushStep(PushAction.SKIPPED_NOT_IN_CATALOG, master_sku, item=item)
    if product.status in RETIRED_STATUSES:
        return PushStep(PushAction.SKIPPED_DELETED, master_sku, item=item)

    desired = DesiredItem(record.extensiv_sku, product.title or master_sku)
    if record.channel_sku:
        known = item is not None and item.origin == ItemOrigin.CHANNEL_SKU and item.extensiv_sku == record.channel_sku
        action = PushAction.CHANNEL_SKU_SKIPPED if known and not resync else PushAction.CHECK_CHANNEL_SKU
        return PushStep(action, master_sku, desired, item)

    if item is None or item.origin == ItemOrigin.CHANNEL_SKU or item.extensiv_sku != desired.sku:
        return PushStep(PushAction.CREATE, master_sku, desired, None)
    if item.rejected_code is not None and item.content_hash == desired.content_hash and not resync:
        return PushStep(PushAction.SKIPPED_REJECTED, master_sku, desired, item)
    if item.item_id is None:
        return PushStep(PushAction.CREATE, master_sku, desired, None)
    if item.content_hash != desired.content_hash:
        return PushStep(PushAction.UPDATE, master_sku, desired, item)
    if resync:
        return PushStep(PushAction.VERIFY, master_sku, desired, item)
    return PushStep(PushAction.UNCHANGED, master_sku, desired, item)
