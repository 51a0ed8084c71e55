"""Handler for shipment cancellations, both ways.

Event `{"action": "run"}` (the schedule) runs Extensiv -> TikTok, then TikTok -> Extensiv,
each behind its own switch. `{"action": "orders", "order_ids": [...]}` carries the TikTok
cancellations of those orders now (the fast path for a cancellation webhook).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from buyer_cancellations import DIRECTION as BUYER
from buyer_cancellations import BuyerCancellations
from warehouse_cancellations import DIRECTION as WAREHOUSE
from warehouse_cancellations import WarehouseCancellations

from connector_common.direction import RunCounts, run_direction
from connector_common.platforms import Platforms
from connector_common.settings import ShipmentCancellationSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()

METRIC_PREFIXES = {WAREHOUSE: "WarehouseCancellations", BUYER: "BuyerCancellations"}
# Run values that are durations, not counts: TikTok cancellation -> Extensiv cancel.
LATENCY_METRICS = {"cancel_latency_s": "BuyerCancellationLatency"}


class Runtime:
    """Everything one warm Lambda environment reuses between invocations."""

    def __init__(self) -> None:
        self.settings = ShipmentCancellationSettings.from_env()
        self.platforms = Platforms(self.settings)

    def warehouse(self) -> WarehouseCancellations:
        settings, platforms = self.settings, self.platforms
        return WarehouseCancellations(
            extensiv=platforms.extensiv,
            tiktok=platforms.tiktok,
            orders=platforms.orders,
            sync_state=platforms.sync_state,
            region=settings.tiktok_shop_region,
            overlap_seconds=settings.warehouse_cancellation_overlap_seconds,
            initial_lookback_seconds=settings.cancellation_initial_lookback_seconds,
        )

    def buyer(self) -> BuyerCancellations:
        settings, platforms = self.settings, self.platforms
        return BuyerCancellations(
            tiktok=platforms.tiktok,
            extensiv=platforms.extensiv,
            orders=platforms.orders,
            sync_state=platforms.sync_state,
            overlap_seconds=settings.buyer_cancellation_overlap_seconds,
            initial_lookback_seconds=settings.cancellation_initial_lookback_seconds,
        )


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    return Runtime()


def run_scheduled() -> dict[str, Any]:
    settings, sync_state = runtime().settings, runtime().platforms.sync_state
    # Clients are built inside the work, so a switched-off direction needs no credentials.
    directions = (
        (WAREHOUSE, settings.push_warehouse_cancellations, lambda counts: runtime().warehouse().run(counts)),
        (BUYER, settings.push_buyer_cancellations, lambda counts: runtime().buyer().run(counts)),
    )
    results: dict[str, Any] = {}
    first_error: Exception | None = None
    # One direction failing does not stop the other.
    for direction, enabled, work in directions:
        try:
            counts = run_direction(direction, enabled, sync_state, work)
        except Exception as exc:  # run_direction recorded and logged it; raised after the other ran
            first_error = first_error or exc
            results[direction] = {"failed": 1}
            emit(direction, {"failed": 1})
            continue
        results[direction] = counts
        emit(direction, counts)
    if first_error is not None:
        raise first_error
    return results


def run_for_orders(order_ids: list[str]) -> dict[str, Any]:
    if not runtime().settings.push_buyer_cancellations:
        logger.info("direction switched off", extra={"direction": BUYER})
        emit(BUYER, {"skipped_switched_off": 1})
        return {BUYER: {"skipped_switched_off": 1}}
    counts = RunCounts()
    runtime().buyer().handle_orders(order_ids, counts)
    emit(BUYER, counts.values)
    return {BUYER: counts.values}


def emit(direction: str, counts: dict[str, int]) -> None:
    metrics.add_metric(name=f"{METRIC_PREFIXES[direction]}_runs", unit=MetricUnit.Count, value=1)
    for name, value in counts.items():
        if name in LATENCY_METRICS:
            metrics.add_metric(name=LATENCY_METRICS[name], unit=MetricUnit.Seconds, value=value)
            continue
        metrics.add_metric(name=f"{METRIC_PREFIXES[direction]}_{name}", unit=MetricUnit.Count, value=value)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = event.get("action", "run")
    order_ids = [str(order_id) for order_id in event.get("order_ids") or []]
    if action not in ("run", "orders"):
        raise ValueError(f"unknown action {action!r}; expected 'run' or 'orders'")
    if action == "orders" and not order_ids:
        raise ValueError("action 'orders' needs a non-empty order_ids list")
    metrics.add_dimension(name="direction", value="shipment_cancellations")

    if action == "orders":
        return run_for_orders(order_ids)
    return run_scheduled()
