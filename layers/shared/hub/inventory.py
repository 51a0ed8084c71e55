"""Inventory state in the hub: what was pushed to TikTok, what Extensiv last reported, and what is wrong.

    STOCK#<master_sku>          / PUSHED              last quantities pushed, per TikTok warehouse
    EXTSTOCK#<facility_id>      / SKU#<channel_sku>    last available Extensiv reported (per facility)
    EXTSTOCK#<facility_id>      / SUMMARY             when that facility's stock was last read
    INVBUFFER#<master_sku>      / BUFFER              units held back from TikTok (safety stock)
    INVISSUE#<kind>             / <subject>           a reported problem (unlinked facility, ...)

Each kind is also listed on gsi2 (`KIND#...`), so `syncctl` and the doctor read them in one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hub.errors import TransitionRejected
from hub.table import HubTable, iso_now, to_decimal

PUSHED_KIND = "KIND#inventory_pushed"
BUFFER_KIND = "KIND#inventory_buffer"
ISSUE_KIND = "KIND#inventory_issue"
FACILITY_STOCK_KIND = "KIND#extensiv_stock"


class IssueKind(StrEnum):
    """Why stock did not (or may not correctly) reach TikTok; each is shown to the operator."""

    UNLINKED_FACILITY = "unlinked_facility"
    UNKNOWN_ON_TIKTOK = "unknown_on_tiktok"
    SKU_CONFLICT = "sku_conflict"
    CHANNEL_SKU_SHARED = "channel_sku_shared"
    WAREHOUSE_NOT_ON_SKU = "warehouse_not_on_sku"
    PUSH_ERROR = "push_error"
    OVERSELL_RISK = "oversell_risk"


@dataclass(frozen=True)
class PushedStock:
    """The quantities last accepted by TikTok for one master SKU, per TikTok warehouse."""

    master_sku: str
    quantities: dict[str, int] = field(default_factory=dict)
    pushed_at: float | None = None
    data_as_of: float | None = None


@dataclass(frozen=True)
class InventoryIssue:
    """One reported inventory problem. `subject` is the facility id or master SKU it is about."""

    kind: IssueKind
    subject: str
    detail: str | None = None
    code: int | None = None
    units: int | None = None
    facility_id: str | None = None
    warehouse_id: str | None = None
    permanent: bool = False
    first_seen_at: str | None = None
    checked_at: int | None = None

    def same_facts(self, other: InventoryIssue) -> bool:
        """Equal apart from bookkeeping times: no write is needed to keep it."""
        fields = ("detail", "code", "units", "facility_id", "warehouse_id", "permanent")
        return all(getattr(self, name) == getattr(other, name) for name in fields)


def _pushed_key(master_sku: str) -> dict[str, str]:
    return {"pk": f"STOCK#{master_sku}", "sk": "PUSHED"}


def _buffer_key(master_sku: str) -> dict[str, str]:
    return {"pk": f"INVBUFFER#{master_sku}", "sk": "BUFFER"}


def _issue_pk(kind: IssueKind) -> str:
    return f"INVISSUE#{kind.value}"


def _facility_pk(facility_id: str) -> str:
    return f"EXTSTOCK#{facility_id}"


class InventoryRepository:
    """Last pushed quantities, last seen Extensiv stock, per-SKU buffers and reported issues.

    Raises the hub errors of `hub.errors` (HubUnavailable when DynamoDB cannot be used).
    """

    def __init__(self, hub: HubTable) -> None:
        self.hub = hub

    # --- last pushed ------------------------------------------------------------------------

    def last_pushed(self) -> dict[str, PushedStock]:
        """Every master SKU's last pushed quantities, keyed by master SKU."""
        return {item["master_sku"]: _pushed(item) for item in self.hub.query_index2(PUSHED_KIND)}

    def record_pushed(self, master_sku: str, quantities: Mapping[str, int], data_as_of: float) -> bool:
        """Store the quantities TikTok accepted (all warehouses the connector owns for the SKU).

        Returns False when a newer run already stored a value read later from Extensiv
        (two overlapping runs: the later reading wins, since quantities are absolute).
        """
        item = {
            **_pushed_key(master_sku),
            "master_sku": master_sku,
            "quantities": {warehouse_id: int(quantity) for warehouse_id, quantity in quantities.items()},
            "pushed_at": to_decimal(self.hub.clock()),
            "data_as_of": to_decimal(data_as_of),
            "gsi2pk": PUSHED_KIND,
            "gsi2sk": master_sku,
            "updated_at": iso_now(self.hub.clock),
        }
        try:
            with self.hub.translated("record pushed stock"):
                self.hub.table.put_item(
                    Item=item,
                    ConditionExpression="attribute_not_exists(pk) OR data_as_of <= :as_of",
                    ExpressionAttributeValues={":as_of": item["data_as_of"]},
                )
        except TransitionRejected:
            return False
        return True

    def forget_pushed(self, master_sku: str) -> None:
        """Drop the last pushed value, so the next run pushes the SKU whatever it finds."""
        with self.hub.translated("forget pushed stock"):
            self.hub.table.delete_item(Key=_pushed_key(master_sku))

    # --- last seen Extensiv stock -------------------------------------------------------------

    def facility_stock(self, facility_id: str) -> dict[str, int]:
        """The available quantity per channel SKU that Extensiv last reported for a facility."""
        rows = self.hub.query_partition(_facility_pk(facility_id), "SKU#")
        return {row["channel_sku"]: int(row["available"]) for row in rows}

    def stock_read_at(self) -> dict[str, float]:
        """When each facility's stock was last read from Extensiv (epoch seconds)."""
        return {item["facility_id"]: float(item["seen_at"]) for item in self.hub.query_index2(FACILITY_STOCK_KIND)}

    def record_facility_stock(self, facility_id: str, stock: Mapping[str, int], seen_at: float) -> int:
        """Store what Extensiv reports for a facility; writes only the rows that changed.

        A channel SKU that no longer appears is kept at 0 (Extensiv drops rows it no longer
        reports, the hub keeps the fact that nothing is there). Returns the rows written.
        """
        pk = _facility_pk(facility_id)
        previous = self.facility_stock(facility_id)
        current = {**dict.fromkeys(previous, 0), **{sku: int(units) for sku, units in stock.items()}}
        changed = {sku: units for sku, units in current.items() if previous.get(sku) != units}
        stamp = iso_now(self.hub.clock)
        with self.hub.translated("record facility stock"), self.hub.table.batch_writer() as batch:
            for channel_sku, available in changed.items():
                batch.put_item(
                    Item={
                        "pk": pk,
                        "sk": f"SKU#{channel_sku}",
                        "channel_sku": channel_sku,
                        "facility_id": facility_id,
                        "available": available,
                        "seen_at": to_decimal(seen_at),
                        "updated_at": stamp,
                    }
                )
            batch.put_item(
                Item={
                    "pk": pk,
                    "sk": "SUMMARY",
                    "facility_id": facility_id,
                    "seen_at": to_decimal(seen_at),
                    "sku_count": len(current),
                    "gsi2pk": FACILITY_STOCK_KIND,
                    "gsi2sk": facility_id,
                    "updated_at": stamp,
                }
            )
        return len(changed)

    # --- buffers --------------------------------------------------------------------------------

    def buffers(self) -> dict[str, int]:
        """Safety stock per master SKU (units kept back from TikTok)."""
        return {item["master_sku"]: int(item["units"]) for item in self.hub.query_index2(BUFFER_KIND)}

    def set_buffer(self, master_sku: str, units: int) -> None:
        """Keep `units` of a SKU back from TikTok; raises ValueError for a negative number."""
        if units < 0:
            raise ValueError("a buffer cannot be negative")
        item = {
            **_buffer_key(master_sku),
            "master_sku": master_sku,
            "units": int(units),
            "gsi2pk": BUFFER_KIND,
            "gsi2sk": master_sku,
            "updated_at": iso_now(self.hub.clock),
        }
        with self.hub.translated("set buffer"):
            self.hub.table.put_item(Item=item)
        self.hub.put_audit(_buffer_key(master_sku)["pk"], "buffer_set", {"units": int(units)})

    def remove_buffer(self, master_sku: str) -> None:
        with self.hub.translated("remove buffer"):
            self.hub.table.delete_item(Key=_buffer_key(master_sku))
        self.hub.put_audit(_buffer_key(master_sku)["pk"], "buffer_removed", {})

    # --- reported issues ------------------------------------------------------------------------

    def issues(self, kind: IssueKind | None = None) -> list[InventoryIssue]:
        """Open issues, of one kind or all of them."""
        if kind is not None:
            return [_issue(item) for item in self.hub.query_partition(_issue_pk(kind))]
        return [_issue(item) for item in self.hub.query_index2(ISSUE_KIND)]

    def replace_issues(self, kind: IssueKind, current: Iterable[InventoryIssue]) -> None:
        """Make the open issues of `kind` exactly `current`: new ones are written, solved ones removed.

        An issue that is still there keeps its `first_seen_at`; it is rewritten only when its
        facts (or `checked_at`) change, so a steady problem costs no writes.
        """
        existing = {issue.subject: issue for issue in self.issues(kind)}
        wanted = {issue.subject: issue for issue in current}
        stamp = iso_now(self.hub.clock)
        pk = _issue_pk(kind)
        with self.hub.translated("replace issues"), self.hub.table.batch_writer() as batch:
            for subject in existing.keys() - wanted.keys():
                batch.delete_item(Key={"pk": pk, "sk": subject})
            for subject, issue in wanted.items():
                before = existing.get(subject)
                if before and before.same_facts(issue) and before.checked_at == issue.checked_at:
                    continue
                first_seen = before.first_seen_at if before else stamp
                batch.put_item(Item=_issue_item(pk, issue, first_seen, stamp))


def _pushed(item: dict[str, Any]) -> PushedStock:
    return PushedStock(
        master_sku=item["master_sku"],
        quantities={warehouse_id: int(quantity) for warehouse_id, quantity in (item.get("quantities") or {}).items()},
        pushed_at=item.get("pushed_at"),
        data_as_of=item.get("data_as_of"),
    )


def _issue(item: dict[str, Any]) -> InventoryIssue:
    return InventoryIssue(
        kind=IssueKind(item["kind"]),
        subject=item["subject"],
        detail=item.get("detail"),
        code=item.get("code"),
        units=item.get("units"),
        facility_id=item.get("facility_id"),
        warehouse_id=item.get("warehouse_id"),
        permanent=bool(item.get("permanent", False)),
        first_seen_at=item.get("first_seen_at"),
        checked_at=item.get("checked_at"),
    )


def _issue_item(pk: str, issue: InventoryIssue, first_seen_at: str, stamp: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": pk,
        "sk": issue.subject,
        "kind": issue.kind.value,
        "subject": issue.subject,
        "permanent": issue.permanent,
        "first_seen_at": first_seen_at,
        "last_written_at": stamp,
        "gsi2pk": ISSUE_KIND,
        "gsi2sk": f"{issue.kind.value}#{issue.subject}",
    }
    optional = {
        "detail": issue.detail[:500] if issue.detail else None,
        "code": issue.code,
        "units": issue.units,
        "facility_id": issue.facility_id,
        "warehouse_id": issue.warehouse_id,
        "checked_at": int(issue.checked_at) if issue.checked_at is not None else None,
    }
    item.update({name: value for name, value in optional.items() if value is not None})
    return item
