"""Shipments pulled from Extensiv, their packages, and the push of each package to TikTok.

A shipped Extensiv order is a shipment; each of its packages becomes one TikTok package
marked shipped. Both live in the TikTok order's partition, beside the order record:

    pk ORDER#<order id>  sk SHIPMENT#<extensiv order id>   carrier, ship date, lastModifiedDate
                         sk PACKAGE#<extensiv package id>   tracking, lines, push state

A package's push state:

    pending ──▶ pushing (claim + lease) ──▶ pushed
      ▲  │          │
      │  ▼          └─▶ lease over, outcome unknown: the next claimer re-reads TikTok first
      held (reason)

Only the holder of a claim may call TikTok for a package, and a claim is taken by a
conditional write, so two invocations never push the same package. A seller may correct
tracking only once (SPEC), so a push whose outcome is unknown is never simply sent again.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from hub.errors import TransitionRejected
from hub.table import HubTable, iso_now, plain, record_from_item, to_decimal
from hub.transitions import Transitions

logger = logging.getLogger(__name__)

CARRIER_MAPPING_KIND = "KIND#carrier_mapping"
# NOTE: reference/extensiv.md §8.8 [M]: the warehouse names split orders `<reference>-<n>`.
_SPLIT_SUFFIX = re.compile(r"^(?P<base>.+)-\d+$")


class PackageState(StrEnum):
    """Where a package stands in its push to TikTok (see the module docstring)."""

    PENDING = "pending"
    PUSHING = "pushing"
    PUSHED = "pushed"
    HELD = "held"


class FulfillmentHoldReason(StrEnum):
    """Why a package is not pushed to TikTok; an operator reads these."""

    CARRIER_NOT_ACCEPTED = "carrier_not_accepted"
    INVALID_TRACKING = "invalid_tracking"
    LINES_UNMATCHED = "lines_unmatched"
    TIKTOK_REJECTED = "tiktok_rejected"
    ORDER_NOT_SHIPPABLE = "order_not_shippable"
    MARKET_UNSUPPORTED = "market_unsupported"


@dataclass(frozen=True)
class PackageLine:
    """Units of one SKU in a package: the Extensiv SKU and the master SKU it translates to."""

    extensiv_sku: str
    master_sku: str
    quantity: int

    def to_item(self) -> dict[str, Any]:
        return {"extensiv_sku": self.extensiv_sku, "master_sku": self.master_sku, "quantity": self.quantity}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> PackageLine:
        return cls(str(item["extensiv_sku"]), str(item["master_sku"]), int(item["quantity"]))


@dataclass(frozen=True)
class ShippedPackage:
    """One Extensiv package as the pull reads it. `line_problems` names lines it could not read."""

    package_id: str
    tracking_number: str | None
    lines: list[PackageLine]
    line_problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Shipment:
    """One shipped Extensiv order: who carries it, when it left, and its packages."""

    extensiv_order_id: str
    reference_num: str
    carrier: str | None
    scac: str | None
    ship_date: str | None
    last_modified_date: str | None
    packages: list[ShippedPackage]


@dataclass(frozen=True)
class ShipmentRecord:
    """A recorded shipment; its `last_modified_date` is what the pull de-duplicates on."""

    order_id: str
    extensiv_order_id: str
    reference_num: str | None = None
    carrier: str | None = None
    scac: str | None = None
    ship_date: str | None = None
    last_modified_date: str | None = None
    package_ids: list[str] = field(default_factory=list)
    recorded_at: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ShipmentRecord:
        return record_from_item(cls, item, package_ids=list(item.get("package_ids") or []))


@dataclass(frozen=True)
class PackageRecord:
    """A package in the hub with its push state."""

    order_id: str
    package_id: str
    extensiv_order_id: str
    state: PackageState
    carrier: str | None = None
    scac: str | None = None
    tracking_number: str | None = None
    ship_date: str | None = None
    lines: list[PackageLine] = field(default_factory=list)
    line_problems: list[str] = field(default_factory=list)
    order_line_item_ids: list[str] = field(default_factory=list)
    reason: str | None = None
    reason_detail: str | None = None
    shipping_provider_id: str | None = None
    shipping_provider_name: str | None = None
    tiktok_package_id: str | None = None
    push_how: str | None = None
    claim_token: str | None = None
    lease_until: float | None = None
    pulled_at: float | None = None
    pushed_at: float | None = None
    last_error: str | None = None
    updated_at: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> PackageRecord:
        return record_from_item(
            cls,
            item,
            state=PackageState(item["state"]),
            lines=[PackageLine.from_item(line) for line in item.get("lines") or []],
            line_problems=list(item.get("line_problems") or []),
            order_line_item_ids=list(item.get("order_line_item_ids") or []),
        )

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class PushClaim:
    """The right to push one package to TikTok, held until its lease ends."""

    order_id: str
    package_id: str
    token: str
    previous_state: PackageState
    order_line_item_ids: list[str]

    @property
    def outcome_unknown(self) -> bool:
        """A previous claimer may have pushed the package and died before recording it."""
        return self.previous_state == PackageState.PUSHING


@dataclass(frozen=True)
class CarrierOverride:
    """An operator's choice of TikTok shipping provider for one Extensiv carrier name."""

    extensiv_carrier: str
    shipping_provider_name: str | None = None
    shipping_provider_id: str | None = None


def shipment_key(order_id: str, extensiv_order_id: str) -> dict[str, str]:
    return {"pk": f"ORDER#{order_id}", "sk": f"SHIPMENT#{extensiv_order_id}"}


def package_key(order_id: str, package_id: str) -> dict[str, str]:
    return {"pk": f"ORDER#{order_id}", "sk": f"PACKAGE#{package_id}"}


def reference_candidates(reference_num: str) -> list[str]:
    """TikTok order ids an Extensiv reference may stand for: itself, then the split order's base."""
    match = _SPLIT_SUFFIX.match(reference_num)
    return [reference_num, match.group("base")] if match else [reference_num]


def carrier_key(carrier: str) -> str:
    """A carrier name folded for comparison: `FedEx Ground`, `fedex-ground` -> `fedexground`."""
    return re.sub(r"[^0-9a-z]", "", carrier.casefold())


class FulfillmentRepository:
    """Shipments and packages; every change of a package's push state is conditional."""

    def __init__(self, hub: HubTable) -> None:
        self.hub = hub
        self._transitions = Transitions(hub, "package", "FULFILLMENT#")

    # --- pull side ------------------------------------------------------------------------

    def shipment(self, order_id: str, extensiv_order_id: str) -> ShipmentRecord | None:
        item = self.hub.get(**shipment_key(order_id, extensiv_order_id))
        return ShipmentRecord.from_item(item) if item else None

    def is_recorded(self, order_id: str, extensiv_order_id: str, last_modified_date: str | None) -> bool:
        """Whether this version of the Extensiv order was recorded already (the pull's de-duplication)."""
        recorded = self.shipment(order_id, extensiv_order_id)
        return recorded is not None and recorded.last_modified_date == last_modified_date

    def record_shipment(self, order_id: str, shipment: Shipment) -> list[PackageRecord]:
        """Record what Extensiv says was shipped; packages not pushed yet take the new facts.

        A package already pushed (or being pushed) keeps what was sent to TikTok: a change in
        Extensiv after the push is logged for the operator, never sent as a correction.
        """
        records = [self._record_package(order_id, shipment, package) for package in shipment.packages]

        # Written last: it is what the pull's de-duplication trusts.
        item = {
            **shipment_key(order_id, shipment.extensiv_order_id),
            "order_id": order_id,
            "extensiv_order_id": shipment.extensiv_order_id,
            "reference_num": shipment.reference_num,
            "carrier": shipment.carrier,
            "scac": shipment.scac,
            "ship_date": shipment.ship_date,
            "last_modified_date": shipment.last_modified_date,
            "package_ids": [package.package_id for package in shipment.packages],
            "recorded_at": iso_now(self.hub.clock),
        }
        with self.hub.translated("record shipment"):
            self.hub.table.put_item(Item={key: value for key, value in item.items() if value is not None})
        self.hub.put_audit(
            f"ORDER#{order_id}",
            "shipment_recorded",
            {
                "extensiv_order_id": shipment.extensiv_order_id,
                "carrier": shipment.carrier,
                "ship_date": shipment.ship_date,
                "packages": len(shipment.packages),
            },
        )
        return records

    def _record_package(self, order_id: str, shipment: Shipment, package: ShippedPackage) -> PackageRecord:
        facts = {
            "extensiv_order_id": shipment.extensiv_order_id,
            "carrier": shipment.carrier,
            "scac": shipment.scac,
            "ship_date": shipment.ship_date,
            "tracking_number": package.tracking_number,
            "lines": [line.to_item() for line in package.lines],
            "line_problems": list(package.line_problems),
        }
        existing = self.package(order_id, package.package_id)
        if existing is None:
            return self._create_package(order_id, package.package_id, facts)
        if existing.state in (PackageState.PUSHED, PackageState.PUSHING):
            if existing.tracking_number != package.tracking_number:
                logger.error(
                    "tracking changed in Extensiv after the push; TikTok was not corrected",
                    extra={"order_id": order_id, "package_id": package.package_id},
                )
            return existing
        return self._refresh_package(existing, facts)

    def _create_package(self, order_id: str, package_id: str, facts: dict[str, Any]) -> PackageRecord:
        stamp = iso_now(self.hub.clock)
        item = {
            **package_key(order_id, package_id),
            **{key: value for key, value in facts.items() if value is not None},
            "order_id": order_id,
            "package_id": package_id,
            "state": PackageState.PENDING.value,
            "pulled_at": to_decimal(self.hub.clock()),
            "updated_at": stamp,
            **self._transitions.index(PackageState.PENDING, stamp, _index_id(order_id, package_id)),
        }
        try:
            with self.hub.translated("record package"):
                self.hub.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except TransitionRejected:
            # Another pull recorded it meanwhile; what it wrote is as good as ours.
            current = self.package(order_id, package_id)
            assert current is not None
            return current
        return PackageRecord.from_item(plain(item))

    def _refresh_package(self, existing: PackageRecord, facts: dict[str, Any]) -> PackageRecord:
        """New facts for a package not pushed yet: back to pending, to be checked again."""
        sets = {**facts, "reason": None, "reason_detail": None, "order_line_item_ids": None}
        try:
            return self._update(
                existing.order_id,
                existing.package_id,
                PackageState.PENDING,
                "#state IN (:pending, :held)",
                {":pending": PackageState.PENDING.value, ":held": PackageState.HELD.value},
                sets,
            )
        except TransitionRejected:
            current = self.package(existing.order_id, existing.package_id)
            assert current is not None
            return current

    # --- reads ----------------------------------------------------------------------------

    def package(self, order_id: str, package_id: str) -> PackageRecord | None:
        item = self.hub.get(**package_key(order_id, package_id))
        return PackageRecord.from_item(item) if item else None

    def packages_of(self, order_id: str) -> list[PackageRecord]:
        items = self.hub.query_partition(f"ORDER#{order_id}", "PACKAGE#")
        return [PackageRecord.from_item(item) for item in items]

    def shipments_of(self, order_id: str) -> list[ShipmentRecord]:
        items = self.hub.query_partition(f"ORDER#{order_id}", "SHIPMENT#")
        return [ShipmentRecord.from_item(item) for item in items]

    def list_by_state(self, state: PackageState, limit: int | None = None) -> list[PackageRecord]:
        items = self.hub.query_index(f"FULFILLMENT#{state.value}", limit=limit)
        return [PackageRecord.from_item(item) for item in items]

    # --- push side ------------------------------------------------------------------------

    def assign_lines(self, order_id: str, package_id: str, order_line_item_ids: list[str]) -> PackageRecord:
        """Store which TikTok line items a package carries, before it is claimed.

        Raises TransitionRejected when the package is no longer pending or held.
        """
        return self._update(
            order_id,
            package_id,
            None,
            "#state IN (:pending, :held)",
            {":pending": PackageState.PENDING.value, ":held": PackageState.HELD.value},
            {"order_line_item_ids": list(order_line_item_ids)},
            audit=("package_lines_assigned", {"package_id": package_id, "line_items": len(order_line_item_ids)}),
        )

    def hold(
        self,
        order_id: str,
        package_id: str,
        reason: FulfillmentHoldReason,
        detail: str | None = None,
        claim: PushClaim | None = None,
    ) -> PackageRecord:
        """Park a package with a reason an operator can read; never a pushed package."""
        condition = "#state IN (:pending, :held)"
        values: dict[str, Any] = {":pending": PackageState.PENDING.value, ":held": PackageState.HELD.value}
        if claim is not None:
            condition = "claim_token = :token"
            values = {":token": claim.token}
        return self._update(
            order_id,
            package_id,
            PackageState.HELD,
            condition,
            values,
            {"reason": reason.value, "reason_detail": _short(detail), "claim_token": None, "lease_until": None},
            audit=("package_held", {"package_id": package_id, "reason": reason.value, "detail": _short(detail)}),
        )

    def claim(self, order_id: str, package_id: str, lease_seconds: float) -> PushClaim:
        """Take the exclusive right to push a package.

        Raises TransitionRejected when it is pushed already, or while another claim's lease runs.
        """
        lease = self._transitions.claim(
            package_key(order_id, package_id),
            _index_id(order_id, package_id),
            PackageState.PUSHING,
            (PackageState.PENDING, PackageState.HELD),
            lease_seconds,
        )
        return PushClaim(
            order_id=order_id,
            package_id=package_id,
            token=lease.token,
            previous_state=PackageState(lease.previous_state),
            order_line_item_ids=list(lease.previous.get("order_line_item_ids") or []),
        )

    def release(self, claim: PushClaim, error: str) -> None:
        """Give a claim back when the push's outcome is unknown: the package stays `pushing`, so
        whoever claims it next re-reads TikTok before pushing."""
        self._transitions.release(package_key(claim.order_id, claim.package_id), claim.token, error)

    def unclaim(self, claim: PushClaim, error: str | None = None) -> PackageRecord:
        """Back to pending: TikTok shows the package was not applied, so a later push is safe."""
        return self._update(
            claim.order_id,
            claim.package_id,
            PackageState.PENDING,
            "claim_token = :token",
            {":token": claim.token},
            {"claim_token": None, "lease_until": None, "last_error": _short(error)},
        )

    def mark_pushed(
        self,
        claim: PushClaim,
        tiktok_package_id: str | None,
        shipping_provider_id: str | None,
        shipping_provider_name: str | None,
        how: str,
    ) -> PackageRecord:
        """Record a package TikTok has as shipped (pushed now, or found there on a re-read)."""
        return self._update(
            claim.order_id,
            claim.package_id,
            PackageState.PUSHED,
            "claim_token = :token",
            {":token": claim.token},
            {
                "tiktok_package_id": tiktok_package_id,
                "shipping_provider_id": shipping_provider_id,
                "shipping_provider_name": shipping_provider_name,
                "push_how": how,
                "pushed_at": to_decimal(self.hub.clock()),
                "reason": None,
                "reason_detail": None,
                "last_error": None,
                "claim_token": None,
                "lease_until": None,
            },
            audit=(
                "package_pushed",
                {
                    "package_id": claim.package_id,
                    "tiktok_package_id": tiktok_package_id,
                    "shipping_provider_id": shipping_provider_id,
                    "how": how,
                },
            ),
        )

    def requeue_held(self, reason: FulfillmentHoldReason | None = None) -> int:
        """Put held packages (all, or those held for `reason`) back to pending; returns how many.

        For the operator after fixing a cause, e.g. setting a carrier override.
        """
        moved = 0
        for record in self.list_by_state(PackageState.HELD):
            if reason is not None and record.reason != reason.value:
                continue
            try:
                self._update(
                    record.order_id,
                    record.package_id,
                    PackageState.PENDING,
                    "#state = :held",
                    {":held": PackageState.HELD.value},
                    {"reason": None, "reason_detail": None},
                    audit=("package_requeued", {"package_id": record.package_id, "was": record.reason}),
                )
            except TransitionRejected:
                continue
            moved += 1
        return moved

    def _update(
        self,
        order_id: str,
        package_id: str,
        state: PackageState | None,
        condition: str,
        values: dict[str, Any],
        sets: dict[str, Any],
        audit: tuple[str, dict[str, Any]] | None = None,
    ) -> PackageRecord:
        # An empty list is removed too: a package without problems or assigned lines keeps none.
        sets = {name: None if value == [] else value for name, value in sets.items()}
        item = self._transitions.change(
            package_key(order_id, package_id),
            _index_id(order_id, package_id),
            condition,
            values,
            state=state,
            sets=sets,
            audit=audit,
        )
        return PackageRecord.from_item(item)


class CarrierMappingRepository:
    """Operator overrides: which TikTok shipping provider an Extensiv carrier name stands for.

    Keyed by the folded carrier name (`carrier_key`), so `FedEx Ground` and `fedex ground`
    share one override. An override names a provider by name or by id; it is still checked
    against the providers TikTok lists for the order, never pushed blindly.
    """

    def __init__(self, hub: HubTable) -> None:
        self.hub = hub

    def get(self, extensiv_carrier: str) -> CarrierOverride | None:
        item = self.hub.get(**_carrier_mapping_key(extensiv_carrier))
        return _override(item) if item else None

    def list(self) -> list[CarrierOverride]:
        return [_override(item) for item in self.hub.query_index2(CARRIER_MAPPING_KIND)]

    def set(
        self,
        extensiv_carrier: str,
        shipping_provider_name: str | None = None,
        shipping_provider_id: str | None = None,
    ) -> CarrierOverride:
        """Map an Extensiv carrier name to a TikTok provider (name or id). Raises ValueError when
        neither is given or the carrier name is blank."""
        key = carrier_key(extensiv_carrier)
        if not key:
            raise ValueError("the Extensiv carrier name must not be blank")
        if not (shipping_provider_name or shipping_provider_id):
            raise ValueError("name the TikTok shipping provider by name or by id")
        item = {
            **_carrier_mapping_key(extensiv_carrier),
            "extensiv_carrier": extensiv_carrier.strip(),
            "shipping_provider_name": shipping_provider_name,
            "shipping_provider_id": shipping_provider_id,
            "gsi2pk": CARRIER_MAPPING_KIND,
            "gsi2sk": key,
            "updated_at": iso_now(self.hub.clock),
        }
        with self.hub.translated("set carrier mapping"):
            self.hub.table.put_item(Item={name: value for name, value in item.items() if value is not None})
        self.hub.put_audit(
            item["pk"],
            "carrier_mapping_set",
            {"shipping_provider_name": shipping_provider_name, "shipping_provider_id": shipping_provider_id},
        )
        return _override(item)

    def remove(self, extensiv_carrier: str) -> bool:
        """Drop an override; returns False when there was none."""
        key = _carrier_mapping_key(extensiv_carrier)
        with self.hub.translated("remove carrier mapping"):
            response = self.hub.table.delete_item(Key=key, ReturnValues="ALL_OLD")
        removed = bool(response.get("Attributes"))
        if removed:
            self.hub.put_audit(key["pk"], "carrier_mapping_removed", {})
        return removed


def _carrier_mapping_key(extensiv_carrier: str) -> dict[str, str]:
    return {"pk": f"CARRIERMAP#{carrier_key(extensiv_carrier)}", "sk": "CARRIERMAP"}


def _override(item: dict[str, Any]) -> CarrierOverride:
    return CarrierOverride(
        extensiv_carrier=item["extensiv_carrier"],
        shipping_provider_name=item.get("shipping_provider_name"),
        shipping_provider_id=item.get("shipping_provider_id"),
    )


def _index_id(order_id: str, package_id: str) -> str:
    """What sorts a package among those of its state on gsi1, after the time of the change."""
    return f"{order_id}#{package_id}"


def _short(text: str | None) -> str | None:
    return None if text is None else text[:500]


# --- Extensiv cursors -----------------------------------------------------------------------
# NOTE: Extensiv date-times carry no time zone (reference/extensiv.md §8.6): a cursor is the raw
# string Extensiv returned, each read starts an overlap before it, and readers de-duplicate.

NAIVE_FORMAT = "%Y-%m-%dT%H:%M:%S"


def extensiv_since(cursor: str | None, overlap_seconds: int, initial_lookback_seconds: int, now: float) -> str:
    """Where the next read of Extensiv orders starts: the cursor minus the overlap, or, before
    the first run, the lookback from now (UTC; the overlap absorbs the unknown zone)."""
    start = parse_naive(cursor)
    if start is None:
        start = datetime.fromtimestamp(now, tz=UTC).replace(tzinfo=None) - timedelta(seconds=initial_lookback_seconds)
    else:
        start -= timedelta(seconds=overlap_seconds)
    return start.strftime(NAIVE_FORMAT)


def later_cursor(current: str | None, candidate: str | None) -> str | None:
    """The later of two raw Extensiv date-times, kept as the string Extensiv sent."""
    if parse_naive(candidate) is None:
        return current
    if parse_naive(current) is None:
        return candidate
    return candidate if parse_naive(candidate) > parse_naive(current) else current


def parse_naive(raw: str | None) -> datetime | None:
    """An Extensiv date-time without its zone (any offset is dropped); None when unreadable."""
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=None)
    except ValueError:
        return None


__all__ = [
    "CarrierMappingRepository",
    "CarrierOverride",
    "FulfillmentHoldReason",
    "FulfillmentRepository",
    "PackageLine",
    "PackageRecord",
    "PackageState",
    "PushClaim",
    "Shipment",
    "ShipmentRecord",
    "ShippedPackage",
    "carrier_key",
    "extensiv_since",
    "later_cursor",
    "reference_candidates",
]
