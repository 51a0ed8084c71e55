"""TikTok returns in the hub: what TikTok says, the expected return in Extensiv, what came back.

One item per return, keyed by the TikTok return id (a return may arrive for an order the hub
never saw, so it does not live in the order's partition):

    pk RETURN#<return id>  sk RETURN

    recorded ──▶ creating (claim + lease) ──▶ expected ──▶ received ──▶ approved
       │  ▲          │                            │            │
       ▼  │          └─▶ lease over: the next     │            ├─▶ held (shortfall, unexpected
      held (reason)      claimer asks Extensiv    │            │         items, TikTok refused, ...)
                         for the reference first  └────────────┴─▶ closed (by TikTok)

`recorded` returns do not need the warehouse (yet): a refund without a parcel, a request the
seller has not approved. Only the holder of a claim may create the Extensiv receiver, and a
claim is taken by a conditional write, so two invocations never create two receivers.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hub.errors import TransitionRejected
from hub.table import HubTable, iso_now, plain, record_from_item, to_decimal
from hub.transitions import Transitions

KIND = "KIND#return"


class ReturnState(StrEnum):
    """Where a return stands for the connector (TikTok's own status is kept beside it)."""

    RECORDED = "recorded"
    HELD = "held"
    CREATING = "creating"
    EXPECTED = "expected"
    RECEIVED = "received"
    APPROVED = "approved"
    CLOSED = "closed"


FINAL_STATES = (ReturnState.APPROVED, ReturnState.CLOSED)


class ReturnHoldReason(StrEnum):
    """Why a return waits; an operator reads these. Some clear by themselves (see `rechecked`)."""

    ORDER_UNKNOWN = "order_unknown"
    ORDER_NOT_IN_EXTENSIV = "order_not_in_extensiv"
    MISSING_SKU = "missing_sku"
    UNKNOWN_SKU = "unknown_sku"
    EXTENSIV_REJECTED = "extensiv_rejected"
    RECEIVER_CANCELLED = "receiver_cancelled"
    RECEIPT_SHORTFALL = "receipt_shortfall"
    RECEIPT_UNEXPECTED_ITEMS = "receipt_unexpected_items"
    TIKTOK_STATUS_NOT_ACTIONABLE = "tiktok_status_not_actionable"
    TIKTOK_REJECTED = "tiktok_rejected"

    @property
    def before_receiver(self) -> bool:
        """Held before any Extensiv receiver exists (the intake's holds)."""
        return self in _BEFORE_RECEIVER

    @property
    def rechecked(self) -> bool:
        """Looked at again on every run: the order may reach the hub, TikTok's status may move."""
        return self in _RECHECKED


_BEFORE_RECEIVER = frozenset(
    {
        ReturnHoldReason.ORDER_UNKNOWN,
        ReturnHoldReason.ORDER_NOT_IN_EXTENSIV,
        ReturnHoldReason.MISSING_SKU,
        ReturnHoldReason.UNKNOWN_SKU,
        ReturnHoldReason.EXTENSIV_REJECTED,
    }
)
_RECHECKED = frozenset(
    {
        ReturnHoldReason.ORDER_UNKNOWN,
        ReturnHoldReason.ORDER_NOT_IN_EXTENSIV,
        ReturnHoldReason.TIKTOK_STATUS_NOT_ACTIONABLE,
    }
)


@dataclass(frozen=True)
class ReturnLine:
    """One returned TikTok line item: one unit of a master SKU (None when TikTok gave no seller SKU)."""

    order_line_item_id: str | None
    master_sku: str | None
    quantity: int = 1
    return_line_item_id: str | None = None

    def to_item(self) -> dict[str, Any]:
        item = {
            "order_line_item_id": self.order_line_item_id,
            "master_sku": self.master_sku,
            "quantity": self.quantity,
            "return_line_item_id": self.return_line_item_id,
        }
        return {key: value for key, value in item.items() if value is not None}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ReturnLine:
        return cls(
            order_line_item_id=item.get("order_line_item_id"),
            master_sku=item.get("master_sku"),
            quantity=int(item.get("quantity", 1)),
            return_line_item_id=item.get("return_line_item_id"),
        )


@dataclass(frozen=True)
class TikTokReturn:
    """What TikTok says about a return, as the hub keeps it."""

    return_id: str
    order_id: str
    return_type: str | None
    tiktok_status: str | None
    update_time: int | None
    lines: list[ReturnLine]
    tracking_number: str | None = None
    carrier: str | None = None


@dataclass(frozen=True)
class ReturnRecord:
    """A return in the hub. `expected`, `received` and `variance` are keyed by Extensiv SKU;
    `variance` is received minus expected, only where they differ (negative = short)."""

    return_id: str
    order_id: str
    state: ReturnState
    return_type: str | None = None
    tiktok_status: str | None = None
    tiktok_update_time: int | None = None
    lines: list[ReturnLine] = field(default_factory=list)
    tracking_number: str | None = None
    carrier: str | None = None
    orphan: bool = False
    reason: str | None = None
    reason_detail: str | None = None
    facility_id: str | None = None
    receiver_id: str | None = None
    receiver_reference: str | None = None
    expected: dict[str, int] = field(default_factory=dict)
    received: dict[str, float] = field(default_factory=dict)
    variance: dict[str, float] = field(default_factory=dict)
    receiver_modified: str | None = None
    received_at: float | None = None
    tiktok_action: str | None = None
    tiktok_action_key: str | None = None
    tiktok_action_at: float | None = None
    claim_token: str | None = None
    lease_until: float | None = None
    first_seen_at: float | None = None
    expected_at: float | None = None
    last_error: str | None = None
    updated_at: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ReturnRecord:
        return record_from_item(
            cls,
            item,
            state=ReturnState(item["state"]),
            lines=[ReturnLine.from_item(line) for line in item.get("lines") or []],
            orphan=bool(item.get("orphan", False)),
            expected=dict(item.get("expected") or {}),
            received=dict(item.get("received") or {}),
            variance=dict(item.get("variance") or {}),
        )

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def hold_reason(self) -> ReturnHoldReason | None:
        if self.state != ReturnState.HELD or self.reason is None:
            return None
        try:
            return ReturnHoldReason(self.reason)
        except ValueError:
            return None


@dataclass(frozen=True)
class ReturnClaim:
    """The right to create the Extensiv receiver of one return, held until its lease ends."""

    return_id: str
    token: str
    previous_state: ReturnState

    @property
    def outcome_unknown(self) -> bool:
        """A previous claimer may have created the receiver and died before recording it."""
        return self.previous_state == ReturnState.CREATING


def return_key(return_id: str) -> dict[str, str]:
    return {"pk": f"RETURN#{return_id}", "sk": "RETURN"}


def approval_key(return_id: str, decision: str) -> str:
    """The idempotency key of one decision on one return: the same on every retry (reference §4.6)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"tiktok-return/{return_id}/{decision}"))


class ReturnRepository:
    """Returns and their state; every state change is a conditional write."""

    def __init__(self, hub: HubTable) -> None:
        self.hub = hub
        self._transitions = Transitions(hub, "return", "RETURNSTATE#")

    # --- reads ----------------------------------------------------------------------------

    def get(self, return_id: str) -> ReturnRecord | None:
        item = self.hub.get(**return_key(return_id))
        return ReturnRecord.from_item(item) if item else None

    def list_by_state(self, state: ReturnState, limit: int | None = None) -> list[ReturnRecord]:
        items = self.hub.query_index(f"RETURNSTATE#{state.value}", limit=limit)
        return [ReturnRecord.from_item(item) for item in items]

    def list(self) -> list[ReturnRecord]:
        return [ReturnRecord.from_item(item) for item in self.hub.query_index2(KIND)]

    def list_orphans(self) -> list[ReturnRecord]:
        """Returns whose order the hub has never seen."""
        return [record for record in self.list() if record.orphan]

    def summary(self) -> dict[str, Any]:
        """Counts for `make run`'s summary and `syncctl status`."""
        records = self.list()
        held = Counter(record.reason or "unknown" for record in records if record.state == ReturnState.HELD)
        return {
            "returns_seen": len(records),
            "returns_to_extensiv": sum(1 for record in records if record.receiver_id),
            "returns_received": sum(1 for record in records if record.received_at is not None),
            "returns_approved": sum(1 for record in records if record.state == ReturnState.APPROVED),
            "returns_held": dict(sorted(held.items())),
            "returns_orphaned": sum(1 for record in records if record.orphan),
        }

    def audit_trail(self, return_id: str) -> list[dict[str, Any]]:
        return self.hub.audit_trail(return_key(return_id)["pk"])

    # --- TikTok side ----------------------------------------------------------------------

    def observe(self, facts: TikTokReturn) -> ReturnRecord:
        """Record what TikTok says about a return; creates it in state `recorded` when new.

        An older read (lower `update_time`) never overwrites a newer one.
        """
        now = self.hub.clock()
        stamp = iso_now(self.hub.clock)
        values: dict[str, Any] = {
            ":id": facts.return_id,
            ":order": facts.order_id,
            ":type": facts.return_type,
            ":status": facts.tiktok_status,
            ":ut": facts.update_time or 0,
            ":lines": [line.to_item() for line in facts.lines],
            ":tracking": facts.tracking_number,
            ":carrier": facts.carrier,
            ":stamp": stamp,
            ":now": to_decimal(now),
            ":recorded": ReturnState.RECORDED.value,
            ":gsi1pk": f"RETURNSTATE#{ReturnState.RECORDED.value}",
            ":gsi1sk": f"{stamp}#{facts.return_id}",
            ":kind": KIND,
        }
        try:
            with self.hub.translated("observe return"):
                response = self.hub.table.update_item(
                    Key=return_key(facts.return_id),
                    UpdateExpression=(
                        "SET return_id = :id, order_id = :order, return_type = :type, tiktok_status = :status,"
                        " tiktok_update_time = :ut, #lines = :lines, tracking_number = :tracking,"
                        " carrier = :carrier, updated_at = :stamp, gsi2pk = :kind, gsi2sk = :id,"
                        " #state = if_not_exists(#state, :recorded),"
                        " first_seen_at = if_not_exists(first_seen_at, :now),"
                        " gsi1pk = if_not_exists(gsi1pk, :gsi1pk), gsi1sk = if_not_exists(gsi1sk, :gsi1sk)"
                    ),
                    ConditionExpression="attribute_not_exists(tiktok_update_time) OR tiktok_update_time <= :ut",
                    ExpressionAttributeNames={"#state": "state", "#lines": "lines"},
                    ExpressionAttributeValues=values,
                    ReturnValues="ALL_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except TransitionRejected:
            # A newer read is stored already. NOTE: the failed condition's item comes back in
            # DynamoDB's wire format, so the record is read again instead.
            current = self.get(facts.return_id)
            assert current is not None
            return current
        return ReturnRecord.from_item(plain(response["Attributes"]))

    def note_tiktok_status(self, return_id: str, tiktok_status: str | None, update_time: int | None) -> ReturnRecord:
        """Keep TikTok's latest status of a return without touching anything else."""
        return self._update(
            return_id,
            None,
            "attribute_not_exists(tiktok_update_time) OR tiktok_update_time <= :ut",
            {":ut": update_time or 0},
            {"tiktok_status": tiktok_status, "tiktok_update_time": update_time or 0},
        )

    # --- Extensiv expected return -----------------------------------------------------------

    def mark_orphan(self, return_id: str, detail: str) -> ReturnRecord:
        """The hub never saw the return's order: keep it held, flagged, for the operator."""
        return self.hold(return_id, ReturnHoldReason.ORDER_UNKNOWN, detail, orphan=True)

    def hold(
        self,
        return_id: str,
        reason: ReturnHoldReason,
        detail: str | None = None,
        claim: ReturnClaim | None = None,
        orphan: bool | None = None,
    ) -> ReturnRecord:
        """Park a return with a reason an operator can read.

        Intake reasons apply before a receiver exists (or under the creator's claim); receipt
        reasons after. Raises TransitionRejected when the return has moved on.
        """
        if claim is not None:
            condition, values = "claim_token = :token", {":token": claim.token}
        elif reason.before_receiver:
            condition = "#state IN (:recorded, :held) AND attribute_not_exists(receiver_id)"
            values = {":recorded": ReturnState.RECORDED.value, ":held": ReturnState.HELD.value}
        else:
            condition = "#state IN (:expected, :received, :held) AND attribute_exists(receiver_id)"
            values = {
                ":expected": ReturnState.EXPECTED.value,
                ":received": ReturnState.RECEIVED.value,
                ":held": ReturnState.HELD.value,
            }
        sets: dict[str, Any] = {
            "reason": reason.value,
            "reason_detail": _short(detail),
            "claim_token": None,
            "lease_until": None,
        }
        if orphan is not None:
            sets["orphan"] = orphan
        return self._update(
            return_id,
            ReturnState.HELD,
            condition,
            values,
            sets,
            audit=("return_held", {"reason": reason.value, "detail": _short(detail)}),
        )

    def wait(self, return_id: str, reason: str, orphan: bool, claim: ReturnClaim | None = None) -> ReturnRecord:
        """Back to (or stay) `recorded`: the warehouse is not needed yet, e.g. a refund without a
        parcel, or a request the seller has not approved. `orphan` flags an order the hub never saw.
        """
        condition = "#state IN (:recorded, :held) AND attribute_not_exists(receiver_id)"
        values = {":recorded": ReturnState.RECORDED.value, ":held": ReturnState.HELD.value}
        if claim is not None:
            condition, values = "claim_token = :token", {":token": claim.token}
        return self._update(
            return_id,
            ReturnState.RECORDED,
            condition,
            values,
            {"reason": reason, "reason_detail": None, "orphan": orphan, "claim_token": None, "lease_until": None},
        )

    def claim(self, return_id: str, lease_seconds: float) -> ReturnClaim:
        """Take the exclusive right to create the return's Extensiv receiver.

        Raises TransitionRejected when a receiver is recorded already, the return is final, or
        another invocation holds an unexpired lease.
        """
        lease = self._transitions.claim(
            return_key(return_id),
            return_id,
            ReturnState.CREATING,
            (ReturnState.RECORDED, ReturnState.HELD),
            lease_seconds,
            guard="attribute_not_exists(receiver_id)",
        )
        return ReturnClaim(return_id=return_id, token=lease.token, previous_state=ReturnState(lease.previous_state))

    def release(self, claim: ReturnClaim, error: str) -> None:
        """Give a claim back after a failure; the return stays `creating`, so the next claimer asks
        Extensiv for the reference before creating."""
        self._transitions.release(return_key(claim.return_id), claim.token, error)

    def mark_expected(
        self,
        claim: ReturnClaim,
        receiver_id: str,
        receiver_reference: str,
        facility_id: str,
        expected: dict[str, int],
        how: str,
    ) -> ReturnRecord:
        """Record the Extensiv return receiver created (or found) for this claim."""
        return self._update(
            claim.return_id,
            ReturnState.EXPECTED,
            "claim_token = :token",
            {":token": claim.token},
            {
                "receiver_id": receiver_id,
                "receiver_reference": receiver_reference,
                "facility_id": facility_id,
                "expected": dict(expected),
                "expected_at": to_decimal(self.hub.clock()),
                "orphan": False,
                "reason": None,
                "reason_detail": None,
                "last_error": None,
                "claim_token": None,
                "lease_until": None,
            },
            audit=(
                "return_expected",
                {"receiver_id": receiver_id, "facility_id": facility_id, "how": how},
            ),
        )

    # --- Extensiv receipt and the TikTok answer ---------------------------------------------

    def record_receipt(
        self,
        return_id: str,
        receiver_id: str,
        received: dict[str, Decimal],
        variance: dict[str, Decimal],
        receiver_modified: str | None,
    ) -> ReturnRecord | None:
        """Record what the warehouse received against the return's receiver, once.

        `expected` -> `received`; a return already closed on TikTok keeps its state and gains
        the quantities. Returns None when this receipt was recorded before (or the receiver is
        not the one the hub expects).
        """
        sets = {
            "received": {sku: _decimal(qty) for sku, qty in received.items()},
            "variance": {sku: _decimal(qty) for sku, qty in variance.items()},
            "receiver_modified": receiver_modified,
            "received_at": to_decimal(self.hub.clock()),
        }
        audit = ("return_received", {"receiver_id": receiver_id, "variance_skus": len(variance)})
        try:
            return self._update(
                return_id,
                ReturnState.RECEIVED,
                "#state = :expected AND receiver_id = :rid",
                {":expected": ReturnState.EXPECTED.value, ":rid": receiver_id},
                sets,
                audit=audit,
            )
        except TransitionRejected:
            pass
        try:
            return self._update(
                return_id,
                None,
                "receiver_id = :rid AND attribute_not_exists(received_at)",
                {":rid": receiver_id},
                sets,
                audit=audit,
            )
        except TransitionRejected:
            return None

    def note_action_requested(self, return_id: str, decision: str, idempotency_key: str) -> ReturnRecord:
        """Remember a decision before it is sent, so a crash after the call is recognised later."""
        return self._update(
            return_id,
            None,
            "#state IN (:received, :held)",
            {":received": ReturnState.RECEIVED.value, ":held": ReturnState.HELD.value},
            {"tiktok_action": decision, "tiktok_action_key": idempotency_key},
        )

    def mark_approved(self, return_id: str, decision: str, how: str) -> ReturnRecord:
        """received (or held after receipt) -> approved on TikTok with `decision`."""
        return self._update(
            return_id,
            ReturnState.APPROVED,
            "#state IN (:received, :held) AND attribute_exists(received_at)",
            {":received": ReturnState.RECEIVED.value, ":held": ReturnState.HELD.value},
            {
                "tiktok_action": decision,
                "tiktok_action_at": to_decimal(self.hub.clock()),
                "reason": None,
                "reason_detail": None,
                "last_error": None,
            },
            audit=("return_approved", {"decision": decision, "how": how}),
        )

    def close(
        self, return_id: str, reason: str, detail: str | None = None, claim: ReturnClaim | None = None
    ) -> ReturnRecord:
        """Nothing is left to do: TikTok closed the return, or it is not the warehouse's.

        Never closes a return while another invocation creates its receiver (only under `claim`).
        Raises TransitionRejected.
        """
        condition = "#state IN (:recorded, :held, :expected, :received)"
        values = {
            ":recorded": ReturnState.RECORDED.value,
            ":held": ReturnState.HELD.value,
            ":expected": ReturnState.EXPECTED.value,
            ":received": ReturnState.RECEIVED.value,
        }
        if claim is not None:
            condition, values = "claim_token = :token", {":token": claim.token}
        return self._update(
            return_id,
            ReturnState.CLOSED,
            condition,
            values,
            {"reason": reason, "reason_detail": _short(detail), "claim_token": None, "lease_until": None},
            audit=("return_closed", {"reason": reason, "detail": _short(detail)}),
        )

    def note_error(self, return_id: str, error: str) -> None:
        """Keep the last failure on the record for the operator; the state does not change."""
        try:
            self._update(return_id, None, "attribute_exists(pk)", {}, {"last_error": _short(error)})
        except TransitionRejected:
            return

    # --- plumbing ----------------------------------------------------------------------------

    def _update(
        self,
        return_id: str,
        state: ReturnState | None,
        condition: str,
        values: dict[str, Any],
        sets: dict[str, Any],
        audit: tuple[str, dict[str, Any]] | None = None,
    ) -> ReturnRecord:
        item = self._transitions.change(
            return_key(return_id), return_id, condition, values, state=state, sets=sets, audit=audit
        )
        return ReturnRecord.from_item(item)


def _decimal(value: Decimal | float | int) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _short(text: str | None) -> str | None:
    return None if text is None else text[:500]


__all__ = [
    "ReturnClaim",
    "ReturnHoldReason",
    "ReturnLine",
    "ReturnRecord",
    "ReturnRepository",
    "ReturnState",
    "TikTokReturn",
    "approval_key",
]
