"""Extensiv facilities, TikTok warehouses and the one-to-one links between them.

A link is written as two items in one transaction (warehouse side and facility side),
each conditional on not existing yet, so neither end can be linked twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.errors import LinkConflict, TransitionRejected
from hub.table import HubTable, iso_now

SALES_WAREHOUSE = "SALES_WAREHOUSE"
ENABLED = "ENABLED"


@dataclass(frozen=True)
class Facility:
    """An Extensiv facility. `listed` turns False when Extensiv stops returning it."""

    facility_id: str
    name: str
    time_zone_name: str | None = None
    deactivated: bool = False
    listed: bool = True

    @property
    def is_active(self) -> bool:
        return self.listed and not self.deactivated


@dataclass(frozen=True)
class Warehouse:
    """A TikTok warehouse. Only SALES_WAREHOUSE ships orders; `listed` turns False when TikTok drops it."""

    warehouse_id: str
    name: str
    warehouse_type: str | None = None
    effect_status: str | None = None
    listed: bool = True

    @property
    def is_sales_warehouse(self) -> bool:
        return self.warehouse_type == SALES_WAREHOUSE

    @property
    def is_active(self) -> bool:
        # NOTE: RESTRICTED (holiday or order-limit mode) keeps stock unsellable (reference §4.3).
        return self.listed and self.effect_status in (None, ENABLED)


@dataclass(frozen=True)
class Link:
    warehouse_id: str
    facility_id: str
    linked_at: str | None = None


@dataclass(frozen=True)
class LinkProblem:
    """A link whose facility or warehouse cannot serve it (deactivated, disabled, gone, wrong role)."""

    link: Link
    problem: str


def _warehouse_link_key(warehouse_id: str) -> dict[str, str]:
    return {"pk": f"LINK#WAREHOUSE#{warehouse_id}", "sk": "LINK"}


def _facility_link_key(facility_id: str) -> dict[str, str]:
    return {"pk": f"LINK#FACILITY#{facility_id}", "sk": "LINK"}


class LocationRepository:
    """Facilities, warehouses and links."""

    def __init__(self, hub: HubTable) -> None:
        self.hub = hub

    def save_facility(self, facility: Facility) -> None:
        item = {
            "pk": f"FACILITY#{facility.facility_id}",
            "sk": "FACILITY",
            "facility_id": facility.facility_id,
            "name": facility.name,
            "time_zone_name": facility.time_zone_name,
            "deactivated": facility.deactivated,
            "listed": facility.listed,
            "gsi2pk": "KIND#facility",
            "gsi2sk": facility.facility_id,
            "updated_at": iso_now(self.hub.clock),
        }
        with self.hub.translated("save facility"):
            self.hub.table.put_item(Item=item)

    def save_warehouse(self, warehouse: Warehouse) -> None:
        item = {
            "pk": f"WAREHOUSE#{warehouse.warehouse_id}",
            "sk": "WAREHOUSE",
            "warehouse_id": warehouse.warehouse_id,
            "name": warehouse.name,
            "warehouse_type": warehouse.warehouse_type,
            "effect_status": warehouse.effect_status,
            "listed": warehouse.listed,
            "gsi2pk": "KIND#warehouse",
            "gsi2sk": warehouse.warehouse_id,
            "updated_at": iso_now(self.hub.clock),
        }
        with self.hub.translated("save warehouse"):
            self.hub.table.put_item(Item=item)

    def list_facilities(self) -> list[Facility]:
        return [
            Facility(
                item["facility_id"],
                item.get("name", ""),
                item.get("time_zone_name"),
                deactivated=bool(item.get("deactivated", False)),
                listed=bool(item.get("listed", True)),
            )
            for item in self.hub.query_index2("KIND#facility")
        ]

    def list_warehouses(self) -> list[Warehouse]:
        return [
            Warehouse(
                item["warehouse_id"],
                item.get("name", ""),
                item.get("warehouse_type"),
                item.get("effect_status"),
                listed=bool(item.get("listed", True)),
            )
            for item in self.hub.query_index2("KIND#warehouse")
        ]

    def link(self, warehouse_id: str, facility_id: str) -> Link:
        """Link a TikTok warehouse to an Extensiv facility; raises LinkConflict if either is taken."""
        stamp = iso_now(self.hub.clock)
        warehouse_side = {
            **_warehouse_link_key(warehouse_id),
            "warehouse_id": warehouse_id,
            "facility_id": facility_id,
            "linked_at": stamp,
            "gsi2pk": "KIND#link",
            "gsi2sk": warehouse_id,
        }
        facility_side = {**_facility_link_key(facility_id), "warehouse_id": warehouse_id, "facility_id": facility_id}
        table_name = self.hub.table.name
        # NOTE: a resource's meta.client serialises plain Python values itself.
        client = self.hub.table.meta.client
        try:
            with self.hub.translated("link"):
                client.transact_write_items(
                    TransactItems=[
                        {"Put": _conditional_put(table_name, warehouse_side, facility_id, "facility_id")},
                        {"Put": _conditional_put(table_name, facility_side, warehouse_id, "warehouse_id")},
                    ]
                )
        except TransitionRejected as exc:
            raise LinkConflict(
                f"warehouse {warehouse_id} or facility {facility_id} is already linked elsewhere"
            ) from exc
        self.hub.put_audit(warehouse_side["pk"], "linked", {"facility_id": facility_id})
        return Link(warehouse_id, facility_id, stamp)

    def unlink(self, warehouse_id: str) -> Link | None:
        """Remove the link of a warehouse (both sides). Returns the removed link, if any."""
        current = self.facility_link_for_warehouse(warehouse_id)
        if current is None:
            return None
        client = self.hub.table.meta.client
        table_name = self.hub.table.name
        with self.hub.translated("unlink"):
            client.transact_write_items(
                TransactItems=[
                    {"Delete": {"TableName": table_name, "Key": _warehouse_link_key(warehouse_id)}},
                    {"Delete": {"TableName": table_name, "Key": _facility_link_key(current.facility_id)}},
                ]
            )
        self.hub.put_audit(_warehouse_link_key(warehouse_id)["pk"], "unlinked", {"facility_id": current.facility_id})
        return current

    def facility_link_for_warehouse(self, warehouse_id: str) -> Link | None:
        item = self.hub.get(**_warehouse_link_key(warehouse_id))
        return _link(item)

    def warehouse_link_for_facility(self, facility_id: str) -> Link | None:
        item = self.hub.get(**_facility_link_key(facility_id))
        return _link(item)

    def list_links(self) -> list[Link]:
        return [_link(item) for item in self.hub.query_index2("KIND#link")]

    def link_problems(self) -> list[LinkProblem]:
        """Links that point at a facility or warehouse that cannot serve them, from the pulled records.

        A side never pulled is reported as unknown only once that side has been pulled at all.
        """
        facilities = {facility.facility_id: facility for facility in self.list_facilities()}
        warehouses = {warehouse.warehouse_id: warehouse for warehouse in self.list_warehouses()}
        problems = []
        for link in self.list_links():
            problems += [LinkProblem(link, problem) for problem in _facility_problems(link, facilities)]
            problems += [LinkProblem(link, problem) for problem in _warehouse_problems(link, warehouses)]
        return problems


def _conditional_put(table_name: str, item: dict[str, Any], other_id: str, other_field: str) -> dict[str, Any]:
    """Put that succeeds when the key is free or already links to the same partner (idempotent)."""
    return {
        "TableName": table_name,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(pk) OR #other = :other",
        "ExpressionAttributeNames": {"#other": other_field},
        "ExpressionAttributeValues": {":other": other_id},
    }


def _facility_problems(link: Link, facilities: dict[str, Facility]) -> list[str]:
    facility = facilities.get(link.facility_id)
    if facility is None:
        return ["facility_unknown"] if facilities else []
    if not facility.listed:
        return ["facility_not_listed"]
    return ["facility_deactivated"] if facility.deactivated else []


def _warehouse_problems(link: Link, warehouses: dict[str, Warehouse]) -> list[str]:
    warehouse = warehouses.get(link.warehouse_id)
    if warehouse is None:
        return ["warehouse_unknown"] if warehouses else []
    if not warehouse.listed:
        return ["warehouse_not_listed"]
    problems = []
    if warehouse.warehouse_type and not warehouse.is_sales_warehouse:
        problems.append("warehouse_not_for_sales")
    if not warehouse.is_active:
        problems.append(f"warehouse_{(warehouse.effect_status or 'inactive').lower()}")
    return problems


def _link(item: dict[str, Any] | None) -> Link | None:
    if not item:
        return None
    return Link(item["warehouse_id"], item["facility_id"], item.get("linked_at"))
