"""TikTok order -> hub -> Extensiv order, exactly once.

The TikTok order id is the Extensiv `referenceNum`. A claim in the hub (a conditional write
with a lease) makes one invocation the only one allowed to create the order; a claimer that
finds a previous claim unfinished asks Extensiv for the reference before creating, so a crash
between the Extensiv call and the hub write never produces a second order. Extensiv's own
duplicate-reference rejection is the last line of defence and is adopted, not retried.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from shipping_routing import Action, Decision, Switches, decide, master_skus_of

from extensiv.errors import ValidationFailed
from extensiv.models import ExtensivOrder
from hub.errors import TransitionRejected
from hub.locations import Link, LocationRepository
from hub.orders import Claim, HoldReason, OrderRecord, OrderRepository, OrderState
from hub.skus import SkuRepository
from tiktok_shop.models import Order

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    CREATED = "created"
    ADOPTED = "adopted"
    ALREADY_DONE = "already_done"
    HELD = "held"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class RetryLater(Exception):  # noqa: N818 - a signal for the queue consumer
    """The request cannot finish now (another invocation holds the order, TikTok lags); redeliver it."""


@dataclass(frozen=True)
class Result:
    order_id: str
    outcome: Outcome
    reason: str | None = None
    extensiv_order_id: str | None = None
    create_latency_s: float | None = None


class ShippingRequestFlow:
    """Decides and performs the hand-off of one TikTok order to Extensiv."""

    def __init__(
        self,
        orders: OrderRepository,
        skus: SkuRepository,
        locations: LocationRepository,
        tiktok,
        extensiv,
        build_order: Callable[[Order, Decision], object],
        switches: Switches,
        lease_seconds: float = 120.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.orders = orders
        self.skus = skus
        self.locations = locations
        self.tiktok = tiktok
        self.extensiv = extensiv
        self.build_order = build_order
        self.switches = switches
        self.lease_seconds = lease_seconds
        self.clock = clock

    def process(self, order_id: str, event_time: float | None = None) -> Result:
        """Bring one order as far as it can go now. Raises RetryLater or a client error to retry."""
        record = self.orders.get(order_id)
        if record is not None and record.is_done:
            logger.info("order already handled", extra={"order_id": order_id, "state": record.state.value})
            return Result(order_id, Outcome.ALREADY_DONE, record.state.value, record.extensiv_order_id)

        # NOTE: SPEC "TikTok Shop rules": read the status again just before hand-off. A queue
        # message is only a trigger; this read is what the decision is made on.
        order = self._read_order(order_id)
        record = self.orders.observe(order.id, order.status, order.update_time, order.warehouse_id, event_time)
        decision = decide(order, self.switches, self._link_for(order), self.skus.get_many(master_skus_of(order)))

        if record.state == OrderState.SUBMITTING:
            return self._resolve_unfinished_claim(order, record, decision)
        return self._act(order, decision)

    def _act(self, order: Order, decision: Decision, claim: Claim | None = None) -> Result:
        if decision.action == Action.ROUTE:
            return self._submit(order, decision, claim)
        try:
            if decision.action == Action.HOLD:
                self.orders.hold(order.id, HoldReason(decision.reason), decision.detail, claim)
                logger.warning(
                    "order held",
                    extra={"order_id": order.id, "reason": decision.reason, "detail": decision.detail},
                )
                return Result(order.id, Outcome.HELD, decision.reason)
            if decision.action == Action.CANCEL:
                self.orders.cancel(order.id, decision.reason or "cancelled", claim)
                logger.info("order cancelled before hand-off", extra={"order_id": order.id})
                return Result(order.id, Outcome.CANCELLED, decision.reason)
            self.orders.skip(order.id, decision.reason or "skipped", claim)
            logger.info("order not for the warehouse", extra={"order_id": order.id, "reason": decision.reason})
            return Result(order.id, Outcome.SKIPPED, decision.reason)
        except TransitionRejected:
            return self._already_moved_on(order.id)

    def _submit(self, order: Order, decision: Decision, claim: Claim | None) -> Result:
        if claim is None:
            claim = self._claim(order.id)
            if claim is None:
                return self._already_moved_on(order.id)
            if claim.outcome_unknown:
                return self._resolve_with_claim(order, decision, claim)

        link = decision.link
        try:
            created = self.extensiv.create_order(self.build_order(order, decision))
        except ValidationFailed as exc:
            return self._rejected(order, claim, link, exc)
        except Exception as exc:
            self.orders.release(claim, f"{type(exc).__name__}: {exc}")
            raise
        return self._record(order, claim, created, link, Outcome.CREATED)

    def _rejected(self, order: Order, claim: Claim, link: Link, exc: ValidationFailed) -> Result:
        if exc.is_duplicate:
            # Another path created it (or a crash hid our own success): adopt it.
            existing = self.extensiv.find_order_by_reference(order.id)
            if existing is not None:
                return self._record(order, claim, existing, link, Outcome.ADOPTED)
            self.orders.release(claim, "duplicate reported but reference not found")
            raise RetryLater(f"order {order.id}: Extensiv reports a duplicate it cannot find yet")
        if exc.is_unknown_item:
            sku = exc.unknown_sku
            self.orders.hold(order.id, HoldReason.UNKNOWN_SKU, sku, claim)
            logger.error("Extensiv does not know a SKU of the order", extra={"order_id": order.id, "sku": sku})
            return Result(order.id, Outcome.HELD, HoldReason.UNKNOWN_SKU.value)
        self.orders.hold(order.id, HoldReason.EXTENSIV_REJECTED, exc.error_code or str(exc)[:200], claim)
        logger.error(
            "Extensiv rejected the shipping request",
            extra={"order_id": order.id, "error_code": exc.error_code, "hint": exc.hint},
        )
        return Result(order.id, Outcome.HELD, HoldReason.EXTENSIV_REJECTED.value)

    def _resolve_unfinished_claim(self, order: Order, record: OrderRecord, decision: Decision) -> Result:
        """A previous attempt claimed the order and did not record an outcome."""
        if record.lease_until and record.lease_until > self.clock():
            raise RetryLater(f"order {order.id} is being submitted by another invocation")
        claim = self._claim(order.id)
        if claim is None:
            return self._already_moved_on(order.id)
        return self._resolve_with_claim(order, decision, claim)

    def _resolve_with_claim(self, order: Order, decision: Decision, claim: Claim) -> Result:
        existing = self.extensiv.find_order_by_reference(order.id)
        if existing is not None:
            logger.warning("found the Extensiv order of an unfinished attempt", extra={"order_id": order.id})
            link = decision.link or self._link_for(order)
            return self._record(order, claim, existing, link, Outcome.ADOPTED)
        return self._act(order, decision, claim)

    def _record(
        self, order: Order, claim: Claim, created: ExtensivOrder, link: Link | None, outcome: Outcome
    ) -> Result:
        facility_id = str(created.facility_id or (link.facility_id if link else ""))
        self.orders.mark_submitted(claim, str(created.order_id), facility_id, how=outcome.value)
        latency = max(0.0, self.clock() - order.update_time) if order.update_time else None
        logger.info(
            "shipping request in Extensiv",
            extra={
                "order_id": order.id,
                "extensiv_order_id": created.order_id,
                "facility_id": facility_id,
                "warehouse_id": order.warehouse_id,
                "outcome": outcome.value,
            },
        )
        return Result(order.id, outcome, None, str(created.order_id), latency)

    def _claim(self, order_id: str) -> Claim | None:
        """Claim the order; None when it has moved past submission meanwhile."""
        try:
            return self.orders.claim(order_id, self.lease_seconds)
        except TransitionRejected as exc:
            if exc.current.get("state") == OrderState.SUBMITTING.value:
                raise RetryLater(f"order {order_id} is being submitted by another invocation") from exc
            return None

    def _already_moved_on(self, order_id: str) -> Result:
        record = self.orders.get(order_id)
        if record is not None and record.state == OrderState.SUBMITTING:
            raise RetryLater(f"order {order_id} is being submitted by another invocation")
        state = record.state.value if record else "unknown"
        return Result(order_id, Outcome.ALREADY_DONE, state, record.extensiv_order_id if record else None)

    def _read_order(self, order_id: str) -> Order:
        orders = self.tiktok.get_orders([order_id])
        if not orders:
            # NOTE: a webhook can arrive before the order is readable; retry rather than drop.
            raise RetryLater(f"TikTok does not return order {order_id} yet")
        return orders[0]

    def _link_for(self, order: Order) -> Link | None:
        if order.warehouse_id:
            return self.locations.facility_link_for_warehouse(order.warehouse_id)
        # NOTE: single-warehouse shops may leave warehouse_id empty; with exactly one link
        # there is no doubt where the order ships from.
        links = self.locations.list_links()
        return links[0] if len(links) == 1 else None
