"""Handler of arrivals and receipts: `{"action": "run"}` from the schedule, `{"action": "resync"}` on demand.

A run pushes due arrivals to Extensiv as receivers (direction `arrivals_push`, switch "push
arrivals") and records confirmed receipts against them (direction `receipts_pull`, switch "pull
receipts"). A resync also retries held arrivals now and asks Extensiv about every open arrival.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from arrival_push import DIRECTION as PUSH_DIRECTION
from arrival_push import ArrivalPush
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from receipt_pull import DIRECTION as PULL_DIRECTION
from receipt_pull import ReceiptPull

from connector_common.direction import RunCounts, requested_action, run_directions
from connector_common.platforms import Platforms
from connector_common.settings import ArrivalSettings
from hub.arrivals import ArrivalRepository

logger = Logger()
tracer = Tracer()
metrics = Metrics()

ACTIONS = ("run", "resync")
# Run counts published as metrics (count unit), by metric name.
COUNT_METRICS = {
    "pushed": "ArrivalsPushed",
    "adopted": "ArrivalsAdopted",
    "held": "ArrivalsHeld",
    "failed": "ArrivalsFailed",
    "receipts_pulled": "ReceiptsPulled",
    "receipts_with_variance": "ReceiptsWithVariance",
    "units_short": "ReceiptUnitsShort",
    "units_over": "ReceiptUnitsOver",
    "arrivals_cancelled": "ArrivalsCancelledInExtensiv",
}


class Runtime:
    """Everything one warm Lambda environment reuses between invocations."""

    def __init__(self) -> None:
        self.settings = ArrivalSettings.from_env()
        self.platforms = Platforms(self.settings)

    def push(self) -> ArrivalPush:
        platforms = self.platforms
        return ArrivalPush(
            extensiv=platforms.extensiv,
            arrivals=ArrivalRepository(platforms.hub),
            skus=platforms.skus,
            customer_id=platforms.extensiv.customer_id,
            lease_seconds=self.settings.arrival_claim_lease_seconds,
            recheck_held_after_seconds=self.settings.arrival_recheck_held_after_seconds,
        )

    def pull(self) -> ReceiptPull:
        platforms = self.platforms
        return ReceiptPull(
            extensiv=platforms.extensiv,
            arrivals=ArrivalRepository(platforms.hub),
            sync_state=platforms.sync_state,
            overlap_seconds=self.settings.receipt_pull_overlap_seconds,
            initial_lookback_seconds=self.settings.receipt_initial_lookback_seconds,
        )


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    return Runtime()


def action_of(event: dict[str, Any]) -> str:
    """The requested action; raises ValueError for anything but run or resync."""
    return requested_action(event, ACTIONS)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metrics.add_dimension(name="direction", value="arrivals")
    action = action_of(event)
    resync = action == "resync"
    settings = runtime().settings
    sync_state = runtime().platforms.sync_state

    def push(counts: RunCounts) -> None:
        runtime().push().run(counts, resync=resync)

    def pull(counts: RunCounts) -> None:
        runtime().pull().run(counts, resync=resync)

    steps = (
        ("push", PUSH_DIRECTION, settings.push_arrivals, push),
        ("pull", PULL_DIRECTION, settings.pull_receipts, pull),
    )
    report: dict[str, Any] = {"action": action}
    names = {direction: name for name, direction, _, _ in steps}
    # Each direction has its own switch and run record: one failing does not stop the other.
    results = run_directions(
        [(direction, enabled, work) for _, direction, enabled, work in steps],
        sync_state,
        on_done=lambda direction, counts: publish(counts),
    )
    report.update({names[direction]: counts for direction, counts in results.items()})
    return report


def publish(counts: dict[str, int]) -> None:
    for name, metric in COUNT_METRICS.items():
        if name in counts:
            metrics.add_metric(name=metric, unit=MetricUnit.Count, value=counts[name])
