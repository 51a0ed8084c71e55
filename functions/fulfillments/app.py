"""Handler for fulfillments: pull shipped Extensiv orders into the hub, push packages to TikTok.

Event `{"action": "run"}` (the schedule) runs the pull, then the push; `{"action": "pull"}`
and `{"action": "push"}` run one of them. Each has its own switch and run record.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from fulfillment_pull import DIRECTION as PULL
from fulfillment_pull import FulfillmentPull
from fulfillment_push import DIRECTION as PUSH
from fulfillment_push import FulfillmentPush

from connector_common.direction import RunCounts, run_direction
from connector_common.platforms import Platforms
from connector_common.settings import FulfillmentSettings
from hub.fulfillments import CarrierMappingRepository, FulfillmentRepository

logger = Logger()
tracer = Tracer()
metrics = Metrics()

ACTIONS = {"run": (PULL, PUSH), "pull": (PULL,), "push": (PUSH,)}


class Runtime:
    """Everything one warm Lambda environment reuses between invocations."""

    def __init__(self) -> None:
        self.settings = FulfillmentSettings.from_env()
        self.platforms = Platforms(self.settings)

    def pull(self) -> FulfillmentPull:
        settings, platforms = self.settings, self.platforms
        return FulfillmentPull(
            extensiv=platforms.extensiv,
            orders=platforms.orders,
            fulfillments=FulfillmentRepository(platforms.hub),
            skus=platforms.skus,
            sync_state=platforms.sync_state,
            overlap_seconds=settings.fulfillment_pull_overlap_seconds,
            initial_lookback_seconds=settings.fulfillment_initial_lookback_seconds,
        )

    def push(self) -> FulfillmentPush:
        settings, platforms = self.settings, self.platforms
        return FulfillmentPush(
            tiktok=platforms.tiktok,
            orders=platforms.orders,
            fulfillments=FulfillmentRepository(platforms.hub),
            carrier_overrides=CarrierMappingRepository(platforms.hub),
            skus=platforms.skus,
            region=settings.tiktok_shop_region,
            lease_seconds=settings.fulfillment_claim_lease_seconds,
            recheck_held_after_seconds=settings.fulfillment_recheck_held_after_seconds,
        )


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    return Runtime()


# Clients are built inside the work, so a switched-off direction needs no credentials.
def run_pull() -> dict[str, int]:
    settings, sync_state = runtime().settings, runtime().platforms.sync_state

    def work(counts: RunCounts) -> None:
        runtime().pull().run(counts)

    return run_direction(PULL, settings.pull_fulfillments, sync_state, work)


def run_push() -> dict[str, int]:
    settings, sync_state = runtime().settings, runtime().platforms.sync_state

    def work(counts: RunCounts) -> None:
        push = runtime().push()
        try:
            push.run(counts)
        finally:
            for latency in push.latencies:
                metrics.add_metric(name="TrackingPushLatency", unit=MetricUnit.Seconds, value=latency)
            for latency in push.ship_latencies:
                metrics.add_metric(name="ShipToTrackingLatency", unit=MetricUnit.Seconds, value=latency)

    return run_direction(PUSH, settings.push_fulfillments, sync_state, work)


RUNNERS = {PULL: run_pull, PUSH: run_push}
METRIC_PREFIXES = {PULL: "FulfillmentPull", PUSH: "FulfillmentPush"}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = event.get("action", "run")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {sorted(ACTIONS)}")
    metrics.add_dimension(name="direction", value="fulfillments")

    results: dict[str, Any] = {}
    first_error: Exception | None = None
    # The push runs even when the pull failed: packages recorded earlier still go out.
    for direction in ACTIONS[action]:
        metrics.add_metric(name=f"{METRIC_PREFIXES[direction]}_runs", unit=MetricUnit.Count, value=1)
        try:
            counts = RUNNERS[direction]()
        except Exception as exc:  # run_direction recorded and logged it; raised after the others ran
            first_error = first_error or exc
            results[direction] = {"failed": 1}
            continue
        results[direction] = counts
        for name, value in counts.items():
            metrics.add_metric(name=f"{METRIC_PREFIXES[direction]}_{name}", unit=MetricUnit.Count, value=value)
        if direction == PUSH:
            # Held packages are counted per reason; their sum is the one line a dashboard shows.
            held = sum(value for name, value in counts.items() if name.startswith("held_"))
            metrics.add_metric(name="FulfillmentPush_held", unit=MetricUnit.Count, value=held)
    if first_error is not None:
        raise first_error
    return results
