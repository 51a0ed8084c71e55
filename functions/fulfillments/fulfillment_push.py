"""hub -> TikTok: each recorded package becomes one TikTok package marked shipped.

Per package, in this order: line items assigned (stored, so they never change), checks that
need no call (lines, tracking pre-flight, market, carrier against the providers TikTok lists
for the order), a claim in the hub (conditional write), then the ship call. A package is
never sent twice:
- a timeout or 5xx leaves the outcome unknown: the package stays claimed-but-expired and the
  next attempt re-reads the TikTok order before anything else (reference/tiktok-shop.md §6.4
  says never blind-retry mark-shipped);
- what TikTok refuses for good is held with the code, for the operator.
Once TikTok has every line item of an order in a shipped package, the order is fulfilled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from carrier_mapping import resolve_provider
from package_lines import Allocation, allocate_line_items, is_line_shipped, master_sku_translator, retranslated
from tracking_preflight import tracking_problem

from connector_common.direction import RunCounts
from hub.errors import HubError, TransitionRejected
from hub.fulfillments import (
    CarrierMappingRepository,
    CarrierOverride,
    FulfillmentHoldReason,
    FulfillmentRepository,
    PackageRecord,
    PackageState,
    PushClaim,
)
from hub.orders import OrderRepository
from hub.skus import SkuRepository
from tiktok_shop.errors import (
    OrderOnHold,
    TikTokApiError,
    TikTokServerError,
    TikTokShopError,
    TikTokUnavailable,
    ValidationFailed,
)
from tiktok_shop.models import FULFILLMENT_BY_SELLER, Order, ShippingProvider

logger = logging.getLogger(__name__)

DIRECTION = "fulfillments_push"

# Reference §4.4: seller shipping is Mark Package As Shipped in US, UK, EU and JP; SEA and
# LATAM ship TikTok's own package with Ship Package (`21008106` in the wrong region).
MARK_SHIPPED_MARKETS = frozenset({"US", "GB", "UK", "IE", "ES", "IT", "DE", "FR", "JP"})
# The order webhook spells it CANCEL, the API CANCELLED (reference §5.4).
CANCELLED_STATUSES = frozenset({"CANCELLED", "CANCEL"})
WAITING_STATUSES = frozenset({"UNPAID", "ON_HOLD"})
# Refusals that clear by themselves: an open after-sale request must be answered first
# (21011007, 21008044; the cancellation flow does that), or the buyer's hold window runs.
RETRY_LATER_CODES = frozenset({21011007, 21008044, 21011044})
# "Already shipped": an earlier push may have worked after all; TikTok is re-read to know.
ALREADY_SHIPPED_CODES = frozenset({21011006, 11006021, 21011040, 21008099})
# Held packages looked at again now and then: TikTok may list a new provider, an operator may
# set a carrier override or fix a channel SKU. The other reasons wait for new facts from the
# pull, or for the operator to requeue them.
RECHECKED_HOLDS = frozenset({FulfillmentHoldReason.CARRIER_NOT_ACCEPTED, FulfillmentHoldReason.LINES_UNMATCHED})


@dataclass(frozen=True)
class PushPlan:
    """What one ship call sends."""

    provider: ShippingProvider
    tracking_number: str
    order_line_item_ids: list[str]


@dataclass(frozen=True)
class Hold:
    reason: FulfillmentHoldReason
    detail: str


class FulfillmentPush:
    """One pass of the push; `run` is the work `run_direction` calls."""

    def __init__(
        self,
        tiktok,
        orders: OrderRepository,
        fulfillments: FulfillmentRepository,
        carrier_overrides: CarrierMappingRepository,
        skus: SkuRepository,
        region: str = "US",
        lease_seconds: float = 120.0,
        recheck_held_after_seconds: float = 900.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tiktok = tiktok
        self.orders = orders
        self.fulfillments = fulfillments
        self.carrier_overrides = carrier_overrides
        self.master_sku_for = master_sku_translator(skus)
        self.region = region
        self.lease_seconds = lease_seconds
        self.recheck_held_after_seconds = recheck_held_after_seconds
        self.clock = clock
        self.latencies: list[float] = []
        # Seconds from the Extensiv ship date to the tracking on TikTok, per pushed package.
        self.ship_latencies: list[float] = []
        self._providers: dict[str, list[ShippingProvider]] = {}
        self._overrides: dict[str, CarrierOverride | None] = {}

    def run(self, counts: RunCounts) -> None:
        order_ids = self._orders_with_due_packages()
        if not order_ids:
            logger.info("no package to push")
            return
        tiktok_orders = {order.id: order for order in self.tiktok.get_orders(sorted(order_ids))}
        for order_id in sorted(order_ids):
            try:
                self._push_order(order_id, tiktok_orders.get(order_id), counts)
            except (TikTokShopError, HubError):
                counts.add("failed")
                logger.exception("fulfillment push failed", extra={"order_id": order_id})
        logger.info("fulfillment push done", extra=counts.values)

    # --- per order ------------------------------------------------------------------------

    def _orders_with_due_packages(self) -> set[str]:
        now = self.clock()
        candidates = [
            *self.fulfillments.list_by_state(PackageState.PENDING),
            *self.fulfillments.list_by_state(PackageState.PUSHING),
            *self.fulfillments.list_by_state(PackageState.HELD),
        ]
        return {package.order_id for package in candidates if self._is_due(package, now)}

    def _push_order(self, order_id: str, order: Order | None, counts: RunCounts) -> None:
        if order is None:
            counts.add("waiting_for_tiktok")
            logger.warning("TikTok does not return the order of a package", extra={"order_id": order_id})
            return
        if order.status in WAITING_STATUSES:
            counts.add("waiting_on_hold")
            return

        packages = [retranslated(package, self.master_sku_for) for package in self.fulfillments.packages_of(order_id)]
        allocations = allocate_line_items(order, packages)
        now = self.clock()
        shipped_now: list[str] = []
        for package in sorted(packages, key=lambda package: package.package_id):
            if self._is_due(package, now):
                shipped_now += self._push_package(order, package, allocations.get(package.package_id), counts)
        if shipped_now:
            self._finish_order(order, set(shipped_now), counts)

    def _finish_order(self, order: Order, shipped_now: set[str], counts: RunCounts) -> None:
        """Fulfilled once every package is pushed and TikTok has every open line item shipped."""
        packages = self.fulfillments.packages_of(order.id)
        if any(package.state != PackageState.PUSHED for package in packages):
            return
        shipped = shipped_now | {line.id for line in order.open_line_items if is_line_shipped(line)}
        if any(line.id not in shipped for line in order.open_line_items):
            return
        try:
            self.orders.mark_fulfilled(order.id, len(packages))
        except TransitionRejected:
            return
        counts.add("orders_fulfilled")
        logger.info("order fulfilled on TikTok", extra={"order_id": order.id, "packages": len(packages)})

    # --- per package ----------------------------------------------------------------------

    def _push_package(
        self, order: Order, package: PackageRecord, allocation: Allocation | None, counts: RunCounts
    ) -> list[str]:
        """Bring one package as far as it goes; returns the line items TikTok now has shipped."""
        claim = None
        line_ids = package.order_line_item_ids or (allocation.order_line_item_ids if allocation else [])
        if package.state == PackageState.PUSHING:
            # A previous attempt's outcome is unknown: what TikTok shows decides, never a resend.
            claim = self._claim(package, counts)
            if claim is None:
                return []
            if self._shows_shipped(order, claim.order_line_item_ids):
                return self._record_found(order, claim, counts)
            line_ids = claim.order_line_item_ids

        plan = self._plan(order, package, allocation, line_ids)
        if isinstance(plan, Hold):
            self._hold(package, plan, claim, counts)
            return []

        if claim is None:
            claim = self._claim_with_lines(package, plan, counts)
            if claim is None:
                return []
            if claim.outcome_unknown and self._shows_shipped(order, claim.order_line_item_ids):
                return self._record_found(order, claim, counts)
        return self._send(order, package, plan, claim, counts)

    def _plan(
        self, order: Order, package: PackageRecord, allocation: Allocation | None, line_ids: list[str]
    ) -> PushPlan | Hold:
        """The ship call to make, or why the package must wait for the operator."""
        if order.status in CANCELLED_STATUSES:
            return Hold(FulfillmentHoldReason.ORDER_NOT_SHIPPABLE, f"order is {order.status} on TikTok")
        if order.fulfillment_type and order.fulfillment_type != FULFILLMENT_BY_SELLER:
            return Hold(FulfillmentHoldReason.ORDER_NOT_SHIPPABLE, f"order is {order.fulfillment_type}")
        if package.line_problems:
            return Hold(FulfillmentHoldReason.LINES_UNMATCHED, "; ".join(package.line_problems))
        if not line_ids:
            problem = allocation.problem if allocation else None
            return Hold(FulfillmentHoldReason.LINES_UNMATCHED, problem or "no TikTok line item for the package")
        if allocation is not None and allocation.problem and not package.order_line_item_ids:
            return Hold(FulfillmentHoldReason.LINES_UNMATCHED, allocation.problem)

        problem = tracking_problem(package.tracking_number)
        if problem:
            return Hold(FulfillmentHoldReason.INVALID_TRACKING, problem)
        if self.region not in MARK_SHIPPED_MARKETS and not self._single_tiktok_package(order):
            detail = f"split shipments in {self.region} need TikTok's Split Orders first; ship it in Seller Center"
            return Hold(FulfillmentHoldReason.MARKET_UNSUPPORTED, detail)

        providers = self._providers_for(order)
        override = self._override_for(package.carrier)
        decision = resolve_provider(package.carrier, package.scac, providers, override)
        if decision.provider is None:
            detail = decision.detail or "carrier not accepted"
            if not order.delivery_option_id:
                detail = "the TikTok order has no delivery option to list shipping providers for"
            return Hold(FulfillmentHoldReason.CARRIER_NOT_ACCEPTED, detail)
        tracking_number = (package.tracking_number or "").strip()
        return PushPlan(decision.provider, tracking_number, list(line_ids))

    def _send(
        self, order: Order, package: PackageRecord, plan: PushPlan, claim: PushClaim, counts: RunCounts
    ) -> list[str]:
        warning = None
        try:
            if self.region in MARK_SHIPPED_MARKETS:
                result = self.tiktok.mark_package_shipped(
                    order.id, plan.tracking_number, plan.provider.id, plan.order_line_item_ids
                )
                tiktok_package_id, warning = result.package_id, result.warning_message
            else:
                tiktok_package_id = order.packages[0].id
                self.tiktok.ship_package(tiktok_package_id, plan.tracking_number, plan.provider.id)
        except (TikTokUnavailable, TikTokServerError) as exc:
            self.fulfillments.release(claim, f"{type(exc).__name__}: {exc}")
            counts.add("outcome_unknown")
            logger.warning(
                "package push outcome unknown; TikTok is re-read before any retry",
                extra={"order_id": order.id, "package_id": package.package_id, "error": type(exc).__name__},
            )
            return []
        except TikTokApiError as exc:
            return self._refused(order, package, claim, exc, counts)

        record = self.fulfillments.mark_pushed(claim, tiktok_package_id, plan.provider.id, plan.provider.name, "pushed")
        counts.add("packages_pushed")
        if record.pulled_at is not None and record.pushed_at is not None:
            self.latencies.append(max(0.0, record.pushed_at - record.pulled_at))
        shipped_at = ship_date_epoch(record.ship_date)
        if shipped_at is not None and record.pushed_at is not None:
            self.ship_latencies.append(max(0.0, record.pushed_at - shipped_at))
        logger.info(
            "package marked shipped on TikTok",
            extra={
                "order_id": order.id,
                "package_id": package.package_id,
                "tiktok_package_id": tiktok_package_id,
                "shipping_provider_id": plan.provider.id,
                "line_items": len(plan.order_line_item_ids),
            },
        )
        if warning:
            logger.warning(
                "TikTok warned about a pushed tracking number", extra={"order_id": order.id, "warning": warning}
            )
        return plan.order_line_item_ids

    def _refused(
        self, order: Order, package: PackageRecord, claim: PushClaim, exc: TikTokApiError, counts: RunCounts
    ) -> list[str]:
        """TikTok answered with an error: the push was not applied."""
        if isinstance(exc, OrderOnHold) or exc.code in RETRY_LATER_CODES:
            self.fulfillments.unclaim(claim, str(exc))
            counts.add("retry_later")
            logger.warning(
                "TikTok cannot take the package yet",
                extra={"order_id": order.id, "package_id": package.package_id, "code": exc.code},
            )
            return []
        if exc.code in ALREADY_SHIPPED_CODES:
            fresh = self.tiktok.get_orders([order.id])
            if fresh and self._shows_shipped(fresh[0], claim.order_line_item_ids):
                return self._record_found(fresh[0], claim, counts)
        elif not isinstance(exc, ValidationFailed):
            # Credentials, signature, throttling, a retired version: nothing about this package.
            self.fulfillments.unclaim(claim, str(exc))
            raise exc
        detail = f"TikTok code {exc.code}: {exc.message}"
        self._hold(package, Hold(FulfillmentHoldReason.TIKTOK_REJECTED, detail), claim, counts)
        logger.error(
            "TikTok refused a package",
            extra={
                "order_id": order.id,
                "package_id": package.package_id,
                "code": exc.code,
                "request_id": exc.request_id,
            },
        )
        return []

    def _record_found(self, order: Order, claim: PushClaim, counts: RunCounts) -> list[str]:
        """TikTok already has the package's line items shipped: record it, send nothing."""
        lines = {line.id: line for line in order.line_items}
        tiktok_package_id = next(
            (lines[line_id].package_id for line_id in claim.order_line_item_ids if lines[line_id].package_id), None
        )
        self.fulfillments.mark_pushed(claim, tiktok_package_id, None, None, "found_on_tiktok")
        counts.add("found_on_tiktok")
        logger.info(
            "package found shipped on TikTok; nothing sent",
            extra={"order_id": order.id, "package_id": claim.package_id, "tiktok_package_id": tiktok_package_id},
        )
        return list(claim.order_line_item_ids)

    def _claim_with_lines(self, package: PackageRecord, plan: PushPlan, counts: RunCounts) -> PushClaim | None:
        if not package.order_line_item_ids:
            try:
                self.fulfillments.assign_lines(package.order_id, package.package_id, plan.order_line_item_ids)
            except TransitionRejected:
                counts.add("claimed_elsewhere")
                return None
        return self._claim(package, counts)

    def _claim(self, package: PackageRecord, counts: RunCounts) -> PushClaim | None:
        try:
            return self.fulfillments.claim(package.order_id, package.package_id, self.lease_seconds)
        except TransitionRejected:
            counts.add("claimed_elsewhere")
            return None

    def _hold(self, package: PackageRecord, hold: Hold, claim: PushClaim | None, counts: RunCounts) -> None:
        try:
            self.fulfillments.hold(package.order_id, package.package_id, hold.reason, hold.detail, claim)
        except TransitionRejected:
            return
        counts.add(f"held_{hold.reason.value}")
        logger.warning(
            "package held",
            extra={
                "order_id": package.order_id,
                "package_id": package.package_id,
                "reason": hold.reason.value,
                "detail": hold.detail,
            },
        )

    # --- reads ----------------------------------------------------------------------------

    def _shows_shipped(self, order: Order, line_ids: list[str]) -> bool:
        """Whether TikTok has every one of these line items in a shipped package.

        NOTE: the order model carries no per-line tracking number, so a line shipped by someone
        else in between would read as ours; one mark-shipped call ships its lines together.
        """
        lines = {line.id: line for line in order.line_items}
        return bool(line_ids) and all(line_id in lines and is_line_shipped(lines[line_id]) for line_id in line_ids)

    def _single_tiktok_package(self, order: Order) -> bool:
        return len(order.packages) == 1 and len(self.fulfillments.packages_of(order.id)) == 1

    def _providers_for(self, order: Order) -> list[ShippingProvider]:
        option = order.delivery_option_id
        if not option:
            return []
        if option not in self._providers:
            self._providers[option] = self.tiktok.list_shipping_providers(option)
        return self._providers[option]

    def _override_for(self, carrier: str | None) -> CarrierOverride | None:
        if not carrier:
            return None
        if carrier not in self._overrides:
            self._overrides[carrier] = self.carrier_overrides.get(carrier)
        return self._overrides[carrier]

    def _is_due(self, package: PackageRecord, now: float) -> bool:
        if package.state == PackageState.PENDING:
            return True
        if package.state == PackageState.PUSHING:
            return (package.lease_until or 0) < now
        if package.state == PackageState.HELD and package.reason in RECHECKED_HOLDS:
            return _age_seconds(package.updated_at, now) >= self.recheck_held_after_seconds
        return False


def _age_seconds(stamp: str | None, now: float) -> float:
    if not stamp:
        return float("inf")
    parsed = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
    return now - parsed


def ship_date_epoch(ship_date: str | None) -> float | None:
    """An Extensiv ship date as seconds since the epoch, read as UTC; None when absent or unreadable.

    NOTE: Extensiv dates carry no time zone and may be the facility's own time (reference/extensiv.md
    §8.6), so a latency measured from it is off by the facility's UTC offset (a US facility reads
    hours high); TrackingPushLatency, measured from the pull, is exact.
    """
    if not ship_date:
        return None
    try:
        parsed = datetime.fromisoformat(ship_date)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
