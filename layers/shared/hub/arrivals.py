"""Arrivals (inbound shipments, purchase orders) and the receipts Extensiv confirms for them.

    ARRIVAL#<arrival_id> / ARRIVAL    supplier, expected date, facility, lines, state, receipt

An operator creates an arrival (`connector_common.arrival_file`); the arrivals direction pushes it
to Extensiv as a receiver whose reference number is the arrival id, then records the receipt:
what the warehouse actually received and the variance per SKU (expected - received).

States: new -> submitting -> pushed -> received, with held (unknown SKU, refused by Extensiv)
and cancelled (the receiver was cancelled in Extensiv) on the side. Every change is conditional;
`submitting` carries a claim token and a lease, as orders do (`hub.orders`). Each state is
listed on gsi1 (`ARRIVALSTATE#<state>`), every arrival on gsi2 (`KIND#arrival`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hub.errors import HubError, TransitionRejected
from hub.table import HubTable, iso_now, record_from_item, to_decimal
from hub.transitions import Transitions

KIND = "KIND#arrival"
STATE_INDEX_PREFIX = "ARRIVALSTATE#"


class ArrivalState(StrEnum):
    NEW = "new"
    SUBMITTING = "submitting"
    HELD = "held"
    PUSHED = "pushed"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class ArrivalHoldReason(StrEnum):
    """Why an arrival is not in Extensiv; each is shown to the operator and retried later."""

    UNKNOWN_SKU = "unknown_sku"
    EXTENSIV_REJECTED = "extensiv_rejected"


class ArrivalExists(HubError):
    """An arrival with this id exists with different content (an id is the Extensiv reference)."""


@dataclass(frozen=True)
class ArrivalLine:
    """One expected SKU: the master SKU the operator wrote, and the SKU Extensiv was sent once pushed."""

    sku: str
    quantity: int
    extensiv_sku: str | None = None


@dataclass(frozen=True)
class ArrivalSpec:
    """What an operator declares: validated on construction (raises ValueError).

    `expected_date` is a naive ISO date-time (`2025-07-01T00:00:00`), the form Extensiv takes.
    """

    arrival_id: str
    supplier: str
    expected_date: str
    facility_id: str
    lines: tuple[ArrivalLine, ...]
    po_number: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    notes: str | None = None

    def __post_init__(self) -> None:
        for name in ("arrival_id", "supplier", "expected_date", "facility_id"):
            if not str(getattr(self, name) or "").strip():
                raise ValueError(f"{name} is required")
        if not self.lines:
            raise ValueError("an arrival needs at least one line")
        skus = [line.sku for line in self.lines]
        if len(set(skus)) != len(skus):
            raise ValueError("each SKU may appear once per arrival")
        if any(not line.sku or line.quantity <= 0 for line in self.lines):
            raise ValueError("every line needs a SKU and a quantity above zero")

    def content(self) -> tuple:
        """What makes two declarations the same arrival (extensiv SKUs excluded)."""
        return (
            self.supplier,
            self.expected_date,
            str(self.facility_id),
            tuple(sorted((line.sku, int(line.quantity)) for line in self.lines)),
            self.po_number,
            self.carrier,
            self.tracking_number,
            self.notes,
        )


@dataclass(frozen=True)
class ReceiptLine:
    """Expected against received for one SKU; `sku` is the master SKU where the arrival named it."""

    sku: str
    extensiv_sku: str
    expected: Decimal
    received: Decimal

    @property
    def variance(self) -> Decimal:
        """Expected - received: positive when the warehouse received less than announced."""
        return self.expected - self.received


@dataclass(frozen=True)
class Receipt:
    """What Extensiv confirmed for an arrival's receiver."""

    receiver_id: str
    lines: tuple[ReceiptLine, ...]
    arrival_date: str | None = None
    recorded_at: str | None = None

    @property
    def expected_units(self) -> Decimal:
        return sum((line.expected for line in self.lines), Decimal(0))

    @property
    def received_units(self) -> Decimal:
        return sum((line.received for line in self.lines), Decimal(0))

    @property
    def variance_units(self) -> Decimal:
        return self.expected_units - self.received_units

    @property
    def has_variance(self) -> bool:
        return any(line.variance != 0 for line in self.lines)


@dataclass(frozen=True)
class ArrivalRecord:
    arrival_id: str
    state: ArrivalState
    supplier: str
    expected_date: str
    facility_id: str
    lines: tuple[ArrivalLine, ...]
    po_number: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    notes: str | None = None
    created_at: str | None = None
    receiver_id: str | None = None
    pushed_how: str | None = None
    pushed_at: float | None = None
    reason: str | None = None
    reason_detail: str | None = None
    held_at: float | None = None
    claim_token: str | None = None
    lease_until: float | None = None
    last_error: str | None = None
    receipt: Receipt | None = None
    updated_at: str | None = None

    @property
    def spec(self) -> ArrivalSpec:
        return ArrivalSpec(
            arrival_id=self.arrival_id,
            supplier=self.supplier,
            expected_date=self.expected_date,
            facility_id=self.facility_id,
            lines=self.lines,
            po_number=self.po_number,
            carrier=self.carrier,
            tracking_number=self.tracking_number,
            notes=self.notes,
        )

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ArrivalRecord:
        lines = item.get("lines") or []
        return record_from_item(
            cls,
            item,
            state=ArrivalState(item["state"]),
            facility_id=str(item["facility_id"]),
            lines=tuple(ArrivalLine(row["sku"], int(row["quantity"]), row.get("extensiv_sku")) for row in lines),
            receipt=_receipt_from(item.get("receipt")),
        )


@dataclass(frozen=True)
class ArrivalClaim:
    """The right to push one arrival, held until its lease ends."""

    arrival_id: str
    token: str
    previous_state: ArrivalState
    record: ArrivalRecord = field(repr=False)

    @property
    def outcome_unknown(self) -> bool:
        """A previous claimer may have created the receiver and stopped before recording it."""
        return self.previous_state == ArrivalState.SUBMITTING


def arrival_key(arrival_id: str) -> dict[str, str]:
    return {"pk": f"ARRIVAL#{arrival_id}", "sk": "ARRIVAL"}


class ArrivalRepository:
    """Arrivals and their receipts. Every state change is conditional; raises `hub.errors` errors."""

    def __init__(self, hub: HubTable) -> None:
        self.hub = hub
        # The sort key on gsi1 is the arrival id, written once by `create`.
        self._transitions = Transitions(hub, "arrival", STATE_INDEX_PREFIX, sort_by_change=False)

    def get(self, arrival_id: str) -> ArrivalRecord | None:
        item = self.hub.get(**arrival_key(arrival_id))
        return ArrivalRecord.from_item(item) if item else None

    def list(self) -> list[ArrivalRecord]:
        return [ArrivalRecord.from_item(item) for item in self.hub.query_index2(KIND)]

    def list_by_state(self, state: ArrivalState) -> list[ArrivalRecord]:
        return [ArrivalRecord.from_item(item) for item in self.hub.query_index(f"{STATE_INDEX_PREFIX}{state.value}")]

    def create(self, spec: ArrivalSpec) -> tuple[ArrivalRecord, bool]:
        """Store a new arrival in state `new`; returns (record, created).

        Declaring the same arrival again is a no-op (created False); the same id with other
        content raises ArrivalExists.
        """
        stamp = iso_now(self.hub.clock)
        item: dict[str, Any] = {
            **arrival_key(spec.arrival_id),
            "arrival_id": spec.arrival_id,
            "state": ArrivalState.NEW.value,
            "supplier": spec.supplier,
            "expected_date": spec.expected_date,
            "facility_id": str(spec.facility_id),
            "lines": [{"sku": line.sku, "quantity": int(line.quantity)} for line in spec.lines],
            "created_at": stamp,
            "updated_at": stamp,
            "gsi1pk": f"{STATE_INDEX_PREFIX}{ArrivalState.NEW.value}",
            "gsi1sk": spec.arrival_id,
            "gsi2pk": KIND,
            "gsi2sk": spec.arrival_id,
        }
        optional = {
            "po_number": spec.po_number,
            "carrier": spec.carrier,
            "tracking_number": spec.tracking_number,
            "notes": spec.notes,
        }
        item.update({key: value for key, value in optional.items() if value})
        try:
            with self.hub.translated("create arrival"):
                self.hub.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except TransitionRejected:
            existing = self.get(spec.arrival_id)
            if existing is not None and existing.spec.content() == spec.content():
                return existing, False
            raise ArrivalExists(f"arrival {spec.arrival_id} already exists with other content") from None
        self.hub.put_audit(arrival_key(spec.arrival_id)["pk"], "arrival_created", {"lines": len(spec.lines)})
        return ArrivalRecord.from_item(item), True

    def claim(self, arrival_id: str, lease_seconds: float) -> ArrivalClaim:
        """Take the exclusive right to push an arrival.

        Raises TransitionRejected when it was pushed (or further) already, or while another
        invocation holds an unexpired lease.
        """
        lease = self._transitions.claim(
            arrival_key(arrival_id),
            arrival_id,
            ArrivalState.SUBMITTING,
            (ArrivalState.NEW, ArrivalState.HELD),
            lease_seconds,
        )
        claimed = {**lease.previous, "state": ArrivalState.SUBMITTING.value, "claim_token": lease.token}
        record = ArrivalRecord.from_item({**claimed, "lease_until": lease.until})
        return ArrivalClaim(arrival_id, lease.token, ArrivalState(lease.previous_state), record)

    def release(self, claim: ArrivalClaim, error: str) -> None:
        """Give a claim back after a failure; the arrival stays `submitting` so the next try asks Extensiv first."""
        self._transitions.release(arrival_key(claim.arrival_id), claim.token, error)

    def mark_pushed(
        self,
        claim: ArrivalClaim,
        receiver_id: str,
        lines: tuple[ArrivalLine, ...],
        how: str,
    ) -> ArrivalRecord:
        """Record the Extensiv receiver created (or found) for this claim, with the SKUs it was sent."""
        return self._transition(
            claim.arrival_id,
            ArrivalState.PUSHED,
            "#state = :submitting AND claim_token = :token",
            {":submitting": ArrivalState.SUBMITTING.value, ":token": claim.token},
            sets={
                "receiver_id": str(receiver_id),
                "pushed_how": how,
                "pushed_at": to_decimal(self.hub.clock()),
                "lines": _lines_item(lines),
                "reason": None,
                "reason_detail": None,
                "last_error": None,
                "held_at": None,
            },
            removes=("claim_token", "lease_until"),
            audit=("pushed", {"receiver_id": str(receiver_id), "how": how}),
        )

    def hold(self, claim: ArrivalClaim, reason: ArrivalHoldReason, detail: str | None) -> ArrivalRecord:
        """Park a claimed arrival with a reason the operator can read; it is tried again later."""
        return self._transition(
            claim.arrival_id,
            ArrivalState.HELD,
            "#state = :submitting AND claim_token = :token",
            {":submitting": ArrivalState.SUBMITTING.value, ":token": claim.token},
            sets={
                "reason": reason.value,
                "reason_detail": detail,
                "held_at": to_decimal(self.hub.clock()),
            },
            removes=("claim_token", "lease_until"),
            audit=("held", {"reason": reason.value, "detail": detail}),
        )

    def record_receipt(self, arrival_id: str, receipt: Receipt) -> bool:
        """Store what Extensiv confirmed; False when a receipt was recorded already (or it was cancelled).

        An arrival not yet marked pushed takes the receipt too: its receiver is in Extensiv.
        """
        stamp = iso_now(self.hub.clock)
        recorded = Receipt(receipt.receiver_id, receipt.lines, receipt.arrival_date, stamp)
        try:
            self._transition(
                arrival_id,
                ArrivalState.RECEIVED,
                "#state IN (:new, :submitting, :held, :pushed)",
                {
                    ":new": ArrivalState.NEW.value,
                    ":submitting": ArrivalState.SUBMITTING.value,
                    ":held": ArrivalState.HELD.value,
                    ":pushed": ArrivalState.PUSHED.value,
                },
                sets={"receipt": _receipt_item(recorded), "receiver_id": receipt.receiver_id},
                removes=("claim_token", "lease_until"),
                audit=(
                    "receipt_recorded",
                    {
                        "receiver_id": receipt.receiver_id,
                        "expected_units": str(recorded.expected_units),
                        "received_units": str(recorded.received_units),
                        "variance_units": str(recorded.variance_units),
                    },
                ),
            )
        except TransitionRejected:
            return False
        return True

    def mark_cancelled(self, arrival_id: str, receiver_id: str, detail: str) -> bool:
        """The receiver was cancelled in Extensiv; False when the arrival was received or cancelled already."""
        try:
            self._transition(
                arrival_id,
                ArrivalState.CANCELLED,
                "#state IN (:new, :submitting, :held, :pushed)",
                {
                    ":new": ArrivalState.NEW.value,
                    ":submitting": ArrivalState.SUBMITTING.value,
                    ":held": ArrivalState.HELD.value,
                    ":pushed": ArrivalState.PUSHED.value,
                },
                sets={"receiver_id": receiver_id, "reason": "cancelled_in_extensiv", "reason_detail": detail},
                removes=("claim_token", "lease_until"),
                audit=("cancelled", {"receiver_id": receiver_id}),
            )
        except TransitionRejected:
            return False
        return True

    def audit_trail(self, arrival_id: str) -> list[dict[str, Any]]:
        return self.hub.audit_trail(arrival_key(arrival_id)["pk"])

    def _transition(
        self,
        arrival_id: str,
        state: ArrivalState,
        condition: str,
        values: dict[str, Any],
        sets: dict[str, Any],
        removes: tuple[str, ...] = (),
        audit: tuple[str, dict[str, Any]] | None = None,
    ) -> ArrivalRecord:
        item = self._transitions.change(
            arrival_key(arrival_id), arrival_id, condition, values, state=state, sets=sets, removes=removes, audit=audit
        )
        return ArrivalRecord.from_item(item)


def arrival_counts(hub: HubTable) -> dict[str, int]:
    """Arrival figures for `make run`'s summary and `syncctl status`.

    `arrivals_pushed`: arrivals that have an Extensiv receiver. `receipts_pulled`: arrivals whose
    receipt was recorded. `receipt_variance_units`: expected - received over every receipt.
    """
    records = ArrivalRepository(hub).list()
    receipts = [record.receipt for record in records if record.receipt is not None]
    variance = sum((receipt.variance_units for receipt in receipts), Decimal(0))
    return {
        "arrivals": len(records),
        "arrivals_pushed": sum(1 for record in records if record.receiver_id),
        "arrivals_held": sum(1 for record in records if record.state == ArrivalState.HELD),
        "receipts_pulled": len(receipts),
        "receipt_variance_units": int(variance) if variance == variance.to_integral_value() else float(variance),
    }


def _lines_item(lines: tuple[ArrivalLine, ...]) -> list[dict[str, Any]]:
    rows = []
    for line in lines:
        row: dict[str, Any] = {"sku": line.sku, "quantity": int(line.quantity)}
        if line.extensiv_sku:
            row["extensiv_sku"] = line.extensiv_sku
        rows.append(row)
    return rows


def _receipt_item(receipt: Receipt) -> dict[str, Any]:
    item: dict[str, Any] = {
        "receiver_id": receipt.receiver_id,
        "recorded_at": receipt.recorded_at,
        "lines": [
            {
                "sku": line.sku,
                "extensiv_sku": line.extensiv_sku,
                "expected": line.expected,
                "received": line.received,
                "variance": line.variance,
            }
            for line in receipt.lines
        ],
        "expected_units": receipt.expected_units,
        "received_units": receipt.received_units,
        "variance_units": receipt.variance_units,
    }
    if receipt.arrival_date:
        item["arrival_date"] = receipt.arrival_date
    return item


def _receipt_from(item: dict[str, Any] | None) -> Receipt | None:
    if not item:
        return None
    lines = tuple(
        ReceiptLine(line["sku"], line["extensiv_sku"], _decimal(line["expected"]), _decimal(line["received"]))
        for line in item.get("lines") or []
    )
    return Receipt(str(item["receiver_id"]), lines, item.get("arrival_date"), item.get("recorded_at"))


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))
