"""Orders in the hub and their shipping-request state machine.

    received ─▶ held(reason) ─▶ submitting ─▶ submitted ─▶ shipped ─▶ fulfilled
        │            ▲   │           │
        └────────────┴───┘           └─▶ (lease over: ask Extensiv)
    any state before shipped ─▶ cancelled;  not ours (FBT) ─▶ skipped

Every change is a conditional update, so a repeated event is a no-op and two concurrent
invocations cannot both submit the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hub.errors import TransitionRejected
from hub.table import HubTable, iso_now, plain, record_from_item, to_decimal
from hub.transitions import Transitions


class OrderState(StrEnum):
    RECEIVED = "received"
    HELD = "held"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    SHIPPED = "shipped"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class HoldReason(StrEnum):
    """Why an order is not (yet) in Extensiv. The first two clear by themselves."""

    ON_HOLD = "on_hold"
    CANCEL_REQUESTED = "cancel_requested"
    PUSH_DISABLED = "push_disabled"
    OUT_OF_SCOPE = "out_of_scope"
    MISSING_ADDRESS = "missing_address"
    NO_LINKED_FACILITY = "no_linked_facility"
    MISSING_SKU = "missing_sku"
    UNKNOWN_SKU = "unknown_sku"
    EXTENSIV_REJECTED = "extensiv_rejected"

    @property
    def clears_by_itself(self) -> bool:
        return self in (HoldReason.ON_HOLD, HoldReason.CANCEL_REQUESTED)


class CancelledBy(StrEnum):
    """Who cancelled an order after it reached the hub; `reason` is what the order record shows."""

    WAREHOUSE = "warehouse"
    BUYER = "buyer"
    SELLER = "seller"
    TIKTOK = "tiktok"

    @property
    def reason(self) -> str:
        return f"cancelled_by_{self.value}"


TOO_LATE_TO_CANCEL_KIND = "KIND#too_late_to_cancel"

OPEN_STATES = (OrderState.RECEIVED, OrderState.HELD)
DONE_STATES = (
    OrderState.SUBMITTED,
    OrderState.SHIPPED,
    OrderState.FULFILLED,
    OrderState.CANCELLED,
    OrderState.SKIPPED,
)


@dataclass(frozen=True)
class OrderRecord:
    order_id: str
    state: OrderState
    reason: str | None = None
    reason_detail: str | None = None
    tiktok_status: str | None = None
    tiktok_update_time: int | None = None
    warehouse_id: str | None = None
    facility_id: str | None = None
    extensiv_order_id: str | None = None
    claim_token: str | None = None
    lease_until: float | None = None
    first_seen_at: float | None = None
    source_event_time: float | None = None
    submitted_at: float | None = None
    last_error: str | None = None
    updated_at: str | None = None
    shipped_at: float | None = None
    fulfilled_at: float | None = None
    cancelled_by: str | None = None
    cancel_request_id: str | None = None
    cancel_request_response: str | None = None
    tiktok_cancel_id: str | None = None
    tiktok_cancel_status: str | None = None
    too_late_to_cancel: bool | None = None
    too_late_cancel_id: str | None = None
    too_late_detail: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> OrderRecord:
        return record_from_item(cls, item, state=OrderState(item["state"]))

    @property
    def is_done(self) -> bool:
        return self.state in DONE_STATES


@dataclass(frozen=True)
class Claim:
    """The right to submit one order, held until `lease_until`."""

    order_id: str
    token: str
    previous_state: OrderState

    @property
    def outcome_unknown(self) -> bool:
        """A previous claimer may have created the Extensiv order and crashed before recording it."""
        return self.previous_state == OrderState.SUBMITTING


def order_key(order_id: str) -> dict[str, str]:
    return {"pk": f"ORDER#{order_id}", "sk": "ORDER"}


class OrderRepository:
    """Orders and their shipping-request state. Every state change is conditional."""

    def __init__(self, hub: HubTable) -> None:
        self.hub = hub
        self._transitions = Transitions(hub, "order", "ORDERSTATE#")

    def get(self, order_id: str) -> OrderRecord | None:
        item = self.hub.get(**order_key(order_id))
        return OrderRecord.from_item(item) if item else None

    def list_by_state(self, state: OrderState, limit: int | None = None) -> list[OrderRecord]:
        items = self.hub.query_index(f"ORDERSTATE#{state.value}", limit=limit)
        return [OrderRecord.from_item(item) for item in items]

    def observe(
        self,
        order_id: str,
        tiktok_status: str,
        tiktok_update_time: int | None,
        warehouse_id: str | None,
        source_event_time: float | None = None,
    ) -> OrderRecord:
        """Record what TikTok says about an order; creates it in state `received` when new."""
        now = self.hub.clock()
        stamp = iso_now(self.hub.clock)
        with self.hub.translated("observe order"):
            response = self.hub.table.update_item(
                Key=order_key(order_id),
                UpdateExpression=(
                    "SET order_id = :id, tiktok_status = :status, tiktok_update_time = :ut,"
                    " warehouse_id = :wh, updated_at = :stamp,"
                    " #state = if_not_exists(#state, :received),"
                    " first_seen_at = if_not_exists(first_seen_at, :now),"
                    " source_event_time = if_not_exists(source_event_time, :event),"
                    " gsi1pk = if_not_exists(gsi1pk, :gsi1pk), gsi1sk = if_not_exists(gsi1sk, :gsi1sk)"
                ),
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":id": order_id,
                    ":status": tiktok_status,
                    ":ut": tiktok_update_time,
                    ":wh": warehouse_id,
                    ":stamp": stamp,
                    ":received": OrderState.RECEIVED.value,
                    ":now": to_decimal(now),
                    ":event": to_decimal(source_event_time if source_event_time is not None else now),
                    ":gsi1pk": f"ORDERSTATE#{OrderState.RECEIVED.value}",
                    ":gsi1sk": f"{stamp}#{order_id}",
                },
                ReturnValues="ALL_NEW",
            )
        return OrderRecord.from_item(plain(response["Attributes"]))

    def hold(
        self,
        order_id: str,
        reason: HoldReason,
        detail: str | None = None,
        claim: Claim | None = None,
    ) -> OrderRecord:
        """Park an order with a reason an operator can read. Only open orders (or our claim) can be held."""
        return self._leave_open(order_id, OrderState.HELD, "held", reason.value, detail, claim)

    def skip(self, order_id: str, reason: str, claim: Claim | None = None) -> OrderRecord:
        """Mark an order that is not the connector's to ship (fulfilled by TikTok, already shipped)."""
        return self._leave_open(order_id, OrderState.SKIPPED, "skipped", reason, None, claim)

    def cancel(self, order_id: str, reason: str, claim: Claim | None = None) -> OrderRecord:
        """Mark an order cancelled on TikTok before it reached Extensiv."""
        return self._leave_open(order_id, OrderState.CANCELLED, "cancelled", reason, None, claim)

    def claim(self, order_id: str, lease_seconds: float) -> Claim:
        """Take the exclusive right to submit an order.

        Raises TransitionRejected when the order is already submitted (or further), or while
        another invocation holds an unexpired lease.
        """
        lease = self._transitions.claim(
            order_key(order_id), order_id, OrderState.SUBMITTING, OPEN_STATES, lease_seconds
        )
        return Claim(order_id=order_id, token=lease.token, previous_state=OrderState(lease.previous_state))

    def release(self, claim: Claim, error: str) -> None:
        """Give a claim back after a failure; the order stays `submitting` so the next try checks Extensiv."""
        self._transitions.release(order_key(claim.order_id), claim.token, error)

    def mark_submitted(
        self,
        claim: Claim,
        extensiv_order_id: str,
        facility_id: str,
        how: str,
    ) -> OrderRecord:
        """Record the Extensiv order created (or found) for this claim."""
        return self._transition(
            claim.order_id,
            OrderState.SUBMITTED,
            "#state = :submitting AND claim_token = :token",
            {":submitting": OrderState.SUBMITTING.value, ":token": claim.token},
            sets={
                "extensiv_order_id": extensiv_order_id,
                "facility_id": facility_id,
                "submitted_at": to_decimal(self.hub.clock()),
                "reason": None,
                "reason_detail": None,
                "last_error": None,
            },
            removes=("claim_token", "lease_until"),
            audit=("submitted", {"extensiv_order_id": extensiv_order_id, "facility_id": facility_id, "how": how}),
        )

    def mark_shipped(self, order_id: str, extensiv_order_id: str, ship_date: str | None) -> OrderRecord:
        """submitted -> shipped: the warehouse confirmed the order. Raises TransitionRejected otherwise."""
        return self._transition(
            order_id,
            OrderState.SHIPPED,
            "#state = :submitted",
            {":submitted": OrderState.SUBMITTED.value},
            sets={"shipped_at": to_decimal(self.hub.clock())},
            audit=("shipped", {"extensiv_order_id": extensiv_order_id, "ship_date": ship_date}),
        )

    def mark_fulfilled(self, order_id: str, packages: int) -> OrderRecord:
        """shipped (or submitted, when the pull has not marked it yet) -> fulfilled: every line
        item is in a package TikTok has as shipped. Raises TransitionRejected otherwise."""
        return self._transition(
            order_id,
            OrderState.FULFILLED,
            "#state IN (:submitted, :shipped)",
            {":submitted": OrderState.SUBMITTED.value, ":shipped": OrderState.SHIPPED.value},
            sets={"fulfilled_at": to_decimal(self.hub.clock())},
            audit=("fulfilled", {"packages": packages}),
        )

    def cancel_after_hand_off(self, order_id: str, cancelled_by: CancelledBy, detail: str | None = None) -> OrderRecord:
        """received/held/submitted -> cancelled, saying who cancelled. Never a shipped order.

        Raises TransitionRejected when the order is in another state.
        """
        return self._transition(
            order_id,
            OrderState.CANCELLED,
            "#state IN (:received, :held, :submitted)",
            {
                ":received": OrderState.RECEIVED.value,
                ":held": OrderState.HELD.value,
                ":submitted": OrderState.SUBMITTED.value,
            },
            sets={"reason": cancelled_by.reason, "reason_detail": detail, "cancelled_by": cancelled_by.value},
            removes=("claim_token", "lease_until"),
            audit=("cancelled", {"cancelled_by": cancelled_by.value, "detail": detail}),
        )

    def note_cancel_request(self, order_id: str, cancel_id: str) -> OrderRecord:
        """Remember the TikTok cancellation (a buyer's request, or TikTok's own) the connector is
        about to carry to Extensiv, so an Extensiv cancellation found later is known to be the
        connector's and not the warehouse's."""
        return self._annotate(
            order_id,
            {"cancel_request_id": cancel_id},
            audit=("cancel_request_noted", {"cancel_id": cancel_id}),
        )

    def record_cancel_response(self, order_id: str, cancel_id: str, response: str) -> OrderRecord:
        """What the connector answered on TikTok to a buyer's cancel request (approved, rejected)."""
        return self._annotate(
            order_id,
            {"cancel_request_id": cancel_id, "cancel_request_response": response},
            audit=("cancel_request_answered", {"cancel_id": cancel_id, "response": response}),
        )

    def record_tiktok_cancel(self, order_id: str, cancel_id: str | None, status: str) -> OrderRecord:
        """The TikTok side of a warehouse cancellation: the cancellation id and its status."""
        return self._annotate(
            order_id,
            {"tiktok_cancel_id": cancel_id, "tiktok_cancel_status": status},
            audit=("tiktok_cancel_recorded", {"cancel_id": cancel_id, "status": status}),
        )

    def record_too_late_to_cancel(self, order_id: str, cancel_id: str, detail: str) -> bool:
        """Flag a cancellation that came after the warehouse shipped. Returns False when this
        cancellation was flagged already (so the operator is alerted once, not on every pass)."""
        stamp = iso_now(self.hub.clock)
        try:
            self._annotate(
                order_id,
                {
                    "too_late_to_cancel": True,
                    "too_late_cancel_id": cancel_id,
                    "too_late_detail": detail,
                    "gsi2pk": TOO_LATE_TO_CANCEL_KIND,
                    "gsi2sk": f"{stamp}#{order_id}",
                },
                condition="attribute_not_exists(too_late_cancel_id) OR too_late_cancel_id <> :cancel_id",
                values={":cancel_id": cancel_id},
                audit=("too_late_to_cancel", {"cancel_id": cancel_id, "detail": detail}),
            )
        except TransitionRejected:
            current = self.get(order_id)
            if current is not None and current.too_late_cancel_id == cancel_id:
                return False
            raise
        return True

    def list_too_late_to_cancel(self) -> list[OrderRecord]:
        """Orders whose cancellation came after they shipped, for the operator and the summary."""
        return [OrderRecord.from_item(item) for item in self.hub.query_index2(TOO_LATE_TO_CANCEL_KIND)]

    def audit_trail(self, order_id: str) -> list[dict[str, Any]]:
        return self.hub.audit_trail(order_key(order_id)["pk"])

    def _annotate(
        self,
        order_id: str,
        sets: dict[str, Any],
        condition: str | None = None,
        values: dict[str, Any] | None = None,
        audit: tuple[str, dict[str, Any]] | None = None,
    ) -> OrderRecord:
        """Set attributes of an existing order without changing its state; None values are skipped."""
        given = {name: value for name, value in sets.items() if value is not None}
        if not given:
            raise ValueError("nothing to set on the order")
        item = self._transitions.change(order_key(order_id), order_id, condition, values, sets=given, audit=audit)
        return OrderRecord.from_item(item)

    def _leave_open(
        self,
        order_id: str,
        state: OrderState,
        event: str,
        reason: str,
        detail: str | None,
        claim: Claim | None,
    ) -> OrderRecord:
        """An open order (or one under `claim`) moves to `state` with a reason; any claim ends."""
        condition, values = _open_or_claimed(claim)
        return self._transition(
            order_id,
            state,
            condition,
            values,
            sets={"reason": reason, "reason_detail": detail},
            removes=("claim_token", "lease_until"),
            audit=(event, {"reason": reason, "detail": detail}),
        )

    def _transition(
        self,
        order_id: str,
        state: OrderState,
        condition: str,
        values: dict[str, Any],
        sets: dict[str, Any],
        removes: tuple[str, ...] = (),
        audit: tuple[str, dict[str, Any]] | None = None,
    ) -> OrderRecord:
        item = self._transitions.change(
            order_key(order_id), order_id, condition, values, state=state, sets=sets, removes=removes, audit=audit
        )
        return OrderRecord.from_item(item)


def _open_or_claimed(claim: Claim | None) -> tuple[str, dict[str, Any]]:
    values: dict[str, Any] = {":received": OrderState.RECEIVED.value, ":held": OrderState.HELD.value}
    condition = "#state IN (:received, :held)"
    if claim is not None:
        condition = f"{condition} OR claim_token = :token"
        values[":token"] = claim.token
    return condition, values


__all__ = [
    "CancelledBy",
    "Claim",
    "HoldReason",
    "OrderRecord",
    "OrderRepository",
    "OrderState",
    "TransitionRejected",
]
