"""The product catalog in the hub: TikTok products, the products that use each master SKU, and
what the connector knows of each SKU's item in Extensiv.

    PRODUCT#<product_id>   / PRODUCT               one TikTok product (the parent) and its variants
    SKU#<master_sku>       / CLAIM#<product_id>    a product with a variant using this master SKU
    SKU#<master_sku>       / EXTENSIV              the Extensiv item behind the SKU (id, content hash)

The SKU record itself (`SKU#<master_sku>` / `SKU`) belongs to `hub.skus`: the catalog pull keeps
its owning product and its conflicts in step with the claims. Products and Extensiv items are
listed on gsi2 (`KIND#product`, `KIND#extensiv_item`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hub.skus import SkuRepository
from hub.table import HubTable, iso_now

PRODUCT_KIND = "KIND#product"
ITEM_KIND = "KIND#extensiv_item"
CLAIM_PREFIX = "CLAIM#"
ITEM_SK = "EXTENSIV"


@dataclass(frozen=True)
class Variant:
    """One TikTok SKU of a product: its id and the master SKU (the seller SKU, trimmed)."""

    sku_id: str
    master_sku: str


@dataclass(frozen=True)
class ProductRecord:
    """A TikTok product as last pulled. `status` is TikTok's (ACTIVATE, DRAFT, DELETED, ...)."""

    product_id: str
    title: str
    status: str | None
    update_time: int | None
    variants: tuple[Variant, ...]
    pulled_at: str | None = None

    def same_content(self, other: ProductRecord) -> bool:
        """Equal in what the connector uses (title, status, variants), whatever the pull times."""
        return (self.title, self.status, self.variants) == (other.title, other.status, other.variants)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ProductRecord:
        return cls(
            product_id=item["product_id"],
            title=item.get("title") or "",
            status=item.get("status"),
            update_time=item.get("update_time"),
            variants=tuple(Variant(v["sku_id"], v["master_sku"]) for v in item.get("variants") or []),
            pulled_at=item.get("pulled_at"),
        )


@dataclass(frozen=True)
class SkuClaim:
    """A product that uses a master SKU; the earliest claim owns the SKU, later ones conflict."""

    master_sku: str
    product_id: str
    sku_id: str
    claimed_at: str


class ItemOrigin(StrEnum):
    """How the connector came to know a SKU's Extensiv item."""

    CREATED = "created"  # the connector created it
    ADOPTED = "adopted"  # an item with the same SKU was already in Extensiv
    CHANNEL_SKU = "channel_sku"  # the variant maps to a warehouse item under another SKU


@dataclass(frozen=True)
class ExtensivItem:
    """The Extensiv item behind a master SKU, or the reason Extensiv refused to create it.

    `content_hash` fingerprints the SKU and description the hub last settled for the item, so a
    renamed TikTok product is seen as a change. `rejected_code` is set when Extensiv refused it.
    """

    master_sku: str
    extensiv_sku: str
    content_hash: str
    item_id: int | None = None
    description: str | None = None
    origin: ItemOrigin | None = None
    updates: int = 0
    rejected_code: str | None = None
    recorded_at: str | None = None

    @property
    def was_pushed(self) -> bool:
        """The connector created the item or changed it (what `products_pushed` counts)."""
        return self.item_id is not None and (self.origin == ItemOrigin.CREATED or self.updates > 0)

    @property
    def is_managed(self) -> bool:
        """The connector may keep the item's description in step with TikTok."""
        return self.was_pushed

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ExtensivItem:
        origin = item.get("origin")
        return cls(
            master_sku=item["master_sku"],
            extensiv_sku=item["extensiv_sku"],
            content_hash=item.get("content_hash", ""),
            item_id=item.get("item_id"),
            description=item.get("description"),
            origin=ItemOrigin(origin) if origin else None,
            updates=int(item.get("updates") or 0),
            rejected_code=item.get("rejected_code"),
            recorded_at=item.get("recorded_at"),
        )


def product_key(product_id: str) -> dict[str, str]:
    return {"pk": f"PRODUCT#{product_id}", "sk": "PRODUCT"}


def claim_key(master_sku: str, product_id: str) -> dict[str, str]:
    return {"pk": f"SKU#{master_sku}", "sk": f"{CLAIM_PREFIX}{product_id}"}


def item_key(master_sku: str) -> dict[str, str]:
    return {"pk": f"SKU#{master_sku}", "sk": ITEM_SK}


class CatalogRepository:
    """TikTok products, SKU claims and Extensiv item markers. Raises the errors of `hub.errors`."""

    def __init__(self, hub: HubTable) -> None:
        self.hub = hub

    # --- products ---------------------------------------------------------------------------

    def get_product(self, product_id: str) -> ProductRecord | None:
        item = self.hub.get(**product_key(product_id))
        return ProductRecord.from_item(item) if item else None

    def list_products(self) -> list[ProductRecord]:
        return [ProductRecord.from_item(item) for item in self.hub.query_index2(PRODUCT_KIND)]

    def save_product(self, product: ProductRecord) -> ProductRecord:
        """Store a product as pulled (the whole record: the pull is its only writer)."""
        stamp = iso_now(self.hub.clock)
        item = {
            **product_key(product.product_id),
            "product_id": product.product_id,
            "title": product.title,
            "variants": [{"sku_id": v.sku_id, "master_sku": v.master_sku} for v in product.variants],
            "pulled_at": stamp,
            "gsi2pk": PRODUCT_KIND,
            "gsi2sk": product.product_id,
        }
        if product.status is not None:
            item["status"] = product.status
        if product.update_time is not None:
            item["update_time"] = int(product.update_time)
        with self.hub.translated("save product"):
            self.hub.table.put_item(Item=item)
        return ProductRecord.from_item(item)

    # --- which products use a master SKU ----------------------------------------------------

    def claims(self, master_sku: str) -> list[SkuClaim]:
        items = self.hub.query_partition(f"SKU#{master_sku}", CLAIM_PREFIX)
        return [
            SkuClaim(item["master_sku"], item["product_id"], item["sku_id"], item.get("claimed_at", ""))
            for item in items
        ]

    def add_claim(self, master_sku: str, product_id: str, sku_id: str) -> None:
        """Record that a product uses the SKU; the first claim time is kept on repeats."""
        with self.hub.translated("add sku claim"):
            self.hub.table.update_item(
                Key=claim_key(master_sku, product_id),
                UpdateExpression=(
                    "SET master_sku = :sku, product_id = :product, sku_id = :sku_id,"
                    " claimed_at = if_not_exists(claimed_at, :stamp)"
                ),
                ExpressionAttributeValues={
                    ":sku": master_sku,
                    ":product": product_id,
                    ":sku_id": sku_id,
                    ":stamp": iso_now(self.hub.clock),
                },
            )

    def remove_claim(self, master_sku: str, product_id: str) -> None:
        with self.hub.translated("remove sku claim"):
            self.hub.table.delete_item(Key=claim_key(master_sku, product_id))

    # --- the Extensiv item behind a SKU ---------------------------------------------------------

    def item(self, master_sku: str) -> ExtensivItem | None:
        found = self.hub.get(**item_key(master_sku))
        return ExtensivItem.from_item(found) if found else None

    def list_items(self) -> list[ExtensivItem]:
        return [ExtensivItem.from_item(item) for item in self.hub.query_index2(ITEM_KIND)]

    def record_item(self, record: ExtensivItem) -> ExtensivItem:
        """Store what the connector knows of a SKU's Extensiv item (replaces the previous marker)."""
        stamp = iso_now(self.hub.clock)
        item: dict[str, Any] = {
            **item_key(record.master_sku),
            "master_sku": record.master_sku,
            "extensiv_sku": record.extensiv_sku,
            "content_hash": record.content_hash,
            "updates": int(record.updates),
            "recorded_at": stamp,
            "gsi2pk": ITEM_KIND,
            "gsi2sk": record.master_sku,
        }
        optional = {
            "item_id": record.item_id,
            "description": record.description,
            "origin": record.origin.value if record.origin else None,
            "rejected_code": record.rejected_code,
        }
        item.update({key: value for key, value in optional.items() if value is not None})
        with self.hub.translated("record extensiv item"):
            self.hub.table.put_item(Item=item)
        event = "extensiv_item_rejected" if record.rejected_code else "extensiv_item_recorded"
        self.hub.put_audit(
            f"SKU#{record.master_sku}",
            event,
            {
                "item_id": record.item_id,
                "origin": optional["origin"],
                "extensiv_sku": record.extensiv_sku,
                "rejected_code": record.rejected_code,
            },
        )
        return ExtensivItem.from_item(item)

    def forget_item(self, master_sku: str) -> None:
        """Drop the marker (the item is gone from Extensiv, or the SKU now maps elsewhere)."""
        with self.hub.translated("forget extensiv item"):
            self.hub.table.delete_item(Key=item_key(master_sku))


def catalog_counts(hub: HubTable) -> dict[str, int]:
    """Catalog figures for `make run`'s summary and `syncctl status`.

    `products_pushed`: SKUs whose Extensiv item the connector created or updated.
    `sku_conflicts`: master SKUs used by more than one TikTok product (not pushed).
    """
    catalog = CatalogRepository(hub)
    items = catalog.list_items()
    skus = SkuRepository(hub).list()
    return {
        "products": len(catalog.list_products()),
        "products_pushed": sum(1 for item in items if item.was_pushed),
        "sku_conflicts": sum(1 for record in skus if record.has_conflict),
    }
