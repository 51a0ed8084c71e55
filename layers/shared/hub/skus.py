"""SKU records: the master SKU (the TikTok seller SKU) and its optional Extensiv channel SKU.

Only variants carry channel SKUs (SPEC "SKU mapping"): a record here is one TikTok SKU id.
Shipping requests, inventory and returns translate through `extensiv_sku`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.table import HubTable, iso_now

KIND = "KIND#sku"


@dataclass(frozen=True)
class SkuRecord:
    master_sku: str
    channel_sku: str | None = None
    product_id: str | None = None
    sku_id: str | None = None
    product_name: str | None = None
    conflicting_product_ids: list[str] = field(default_factory=list)

    @property
    def extensiv_sku(self) -> str:
        """The SKU Extensiv knows this product by."""
        return self.channel_sku or self.master_sku

    @property
    def has_conflict(self) -> bool:
        return bool(self.conflicting_product_ids)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> SkuRecord:
        return cls(
            master_sku=item["master_sku"],
            channel_sku=item.get("channel_sku"),
            product_id=item.get("product_id"),
            sku_id=item.get("sku_id"),
            product_name=item.get("product_name"),
            conflicting_product_ids=list(item.get("conflicting_product_ids") or []),
        )


def sku_key(master_sku: str) -> dict[str, str]:
    return {"pk": f"SKU#{master_sku}", "sk": "SKU"}


class SkuRepository:
    """SKU records keyed by master SKU, findable by channel SKU."""

    def __init__(self, hub: HubTable) -> None:
        self.hub = hub

    def get(self, master_sku: str) -> SkuRecord | None:
        item = self.hub.get(**sku_key(master_sku))
        return SkuRecord.from_item(item) if item else None

    def get_many(self, master_skus: list[str]) -> dict[str, SkuRecord]:
        found = {}
        for master_sku in master_skus:
            record = self.get(master_sku)
            if record is not None:
                found[master_sku] = record
        return found

    def find_by_channel_sku(self, channel_sku: str) -> list[SkuRecord]:
        items = self.hub.query_index(f"CHANNELSKU#{channel_sku}")
        return [SkuRecord.from_item(item) for item in items]

    def list(self) -> list[SkuRecord]:
        items = self.hub.query_index2(KIND)
        return [SkuRecord.from_item(item) for item in items]

    def upsert_from_tiktok(self, master_sku: str, product_id: str, sku_id: str, product_name: str) -> SkuRecord:
        """Record a TikTok SKU; a second product using the same seller SKU is kept as a conflict."""
        current = self.get(master_sku)
        conflicts = list(current.conflicting_product_ids) if current else []
        if current and current.product_id and current.product_id != product_id:
            if product_id not in conflicts:
                conflicts.append(product_id)
            product_id = current.product_id
            sku_id = current.sku_id or sku_id
        item = {
            **sku_key(master_sku),
            "master_sku": master_sku,
            "product_id": product_id,
            "sku_id": sku_id,
            "product_name": product_name,
            "conflicting_product_ids": conflicts,
            "gsi2pk": KIND,
            "gsi2sk": master_sku,
            "updated_at": iso_now(self.hub.clock),
        }
        if current and current.channel_sku:
            item["channel_sku"] = current.channel_sku
            item["gsi1pk"] = f"CHANNELSKU#{current.channel_sku}"
            item["gsi1sk"] = master_sku
        with self.hub.translated("upsert sku"):
            self.hub.table.put_item(Item=item)
        return SkuRecord.from_item(item)

    def sync_from_catalog(
        self,
        master_sku: str,
        product_id: str,
        sku_id: str,
        product_name: str,
        conflicting_product_ids: list[str],
    ) -> SkuRecord:
        """Set the owning TikTok product and the conflicting ones as the catalog pull settled them.

        Unlike `upsert_from_tiktok`, a conflict can also clear here: the catalog knows every
        product that uses the SKU. The channel SKU and other attributes are kept.
        """
        with self.hub.translated("sync sku from catalog"):
            response = self.hub.table.update_item(
                Key=sku_key(master_sku),
                UpdateExpression=(
                    "SET master_sku = :sku, product_id = :product, sku_id = :sku_id, product_name = :name,"
                    " conflicting_product_ids = :conflicts, gsi2pk = :kind, gsi2sk = :sku, updated_at = :stamp"
                ),
                ExpressionAttributeValues={
                    ":sku": master_sku,
                    ":product": product_id,
                    ":sku_id": sku_id,
                    ":name": product_name,
                    ":conflicts": list(conflicting_product_ids),
                    ":kind": KIND,
                    ":stamp": iso_now(self.hub.clock),
                },
                ReturnValues="ALL_NEW",
            )
        return SkuRecord.from_item(response["Attributes"])

    def set_channel_sku(self, master_sku: str, channel_sku: str) -> SkuRecord:
        """Map a master SKU to the SKU Extensiv uses; creates the record if the catalog has not run yet."""
        with self.hub.translated("set channel sku"):
            response = self.hub.table.update_item(
                Key=sku_key(master_sku),
                UpdateExpression=(
                    "SET master_sku = :sku, channel_sku = :channel, gsi1pk = :gsi1pk, gsi1sk = :sku,"
                    " gsi2pk = :kind, gsi2sk = :sku, updated_at = :stamp"
                ),
                ExpressionAttributeValues={
                    ":sku": master_sku,
                    ":channel": channel_sku,
                    ":gsi1pk": f"CHANNELSKU#{channel_sku}",
                    ":kind": KIND,
                    ":stamp": iso_now(self.hub.clock),
                },
                ReturnValues="ALL_NEW",
            )
        self.hub.put_audit(sku_key(master_sku)["pk"], "channel_sku_set", {"channel_sku": channel_sku})
        return SkuRecord.from_item(response["Attributes"])

    def remove_channel_sku(self, master_sku: str) -> None:
        with self.hub.translated("remove channel sku"):
            self.hub.table.update_item(
                Key=sku_key(master_sku),
                UpdateExpression="REMOVE channel_sku, gsi1pk, gsi1sk SET updated_at = :stamp",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":stamp": iso_now(self.hub.clock)},
            )
        self.hub.put_audit(sku_key(master_sku)["pk"], "channel_sku_removed", {})
