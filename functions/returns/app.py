"""Handler of the returns directions.

`{"action": "run"}` from the schedule and `{"action": "resync"}` on demand run both directions
(each on its own switch). Return webhooks (type 12) take a fast path to TikTok -> Extensiv for
the orders they name: as an SQS batch from the return-events queue, or invoked directly with
`{"action": "orders", "order_ids": [...]}` (the same shape the cancellations fast path takes).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from return_intake import DIRECTION as TO_EXTENSIV
from return_intake import IntakeSettings, ReturnIntake, order_id_of_event
from return_receipts import DIRECTION as FROM_EXTENSIV
from return_receipts import ReceiptSettings, ReturnReceipts

from connector_common.direction import RunCounts, requested_action
from connector_common.direction import run_directions as run_each
from connector_common.platforms import Platforms
from connector_common.settings import ReturnSettings
from hub.fulfillments import FulfillmentRepository
from hub.returns import ReturnRepository

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

ACTIONS = ("run", "resync", "orders")
# Run counts published as metrics (count unit), per direction; held_* counts add up to the held metric.
COUNT_METRICS = {
    TO_EXTENSIV: {
        "returns_seen": "ReturnsSeen",
        "expected_created": "ReturnsExpectedCreated",
        "expected_found": "ReturnsExpectedFound",
        "orphans": "ReturnsOrphaned",
        "failed": "ReturnsToExtensivFailed",
    },
    FROM_EXTENSIV: {
        "receipts_recorded": "ReturnReceiptsRecorded",
        "receipts_with_variance": "ReturnReceiptVariances",
        "approved": "ReturnsApproved",
        "failed": "ReturnsFromExtensivFailed",
    },
}
HELD_METRICS = {TO_EXTENSIV: "ReturnsHeld", FROM_EXTENSIV: "ReturnReceiptsHeld"}
LATENCY_METRICS = {"expected_latency_s": "ReturnExpectedLatency", "approve_latency_s": "ReturnApproveLatency"}


class Runtime:
    """Everything one warm Lambda environment reuses between invocations."""

    def __init__(self) -> None:
        self.settings = ReturnSettings.from_env()
        self.platforms = Platforms(self.settings)

    def intake(self) -> ReturnIntake:
        platforms, settings = self.platforms, self.settings
        return ReturnIntake(
            returns=ReturnRepository(platforms.hub),
            orders=platforms.orders,
            skus=platforms.skus,
            fulfillments=FulfillmentRepository(platforms.hub),
            tiktok=platforms.tiktok,
            extensiv=platforms.extensiv,
            sync_state=platforms.sync_state,
            settings=IntakeSettings(
                customer_id=platforms.extensiv.customer_id,
                lease_seconds=settings.return_claim_lease_seconds,
                overlap_seconds=settings.return_poll_overlap_seconds,
                lag_seconds=settings.return_poll_lag_seconds,
                initial_lookback_seconds=settings.return_initial_lookback_seconds,
            ),
        )

    def receipts(self) -> ReturnReceipts:
        platforms, settings = self.platforms, self.settings
        return ReturnReceipts(
            returns=ReturnRepository(platforms.hub),
            tiktok=platforms.tiktok,
            extensiv=platforms.extensiv,
            sync_state=platforms.sync_state,
            settings=ReceiptSettings(
                overlap_seconds=settings.return_receipt_overlap_seconds,
                initial_lookback_seconds=settings.return_receipt_initial_lookback_seconds,
            ),
        )


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    return Runtime()


def action_of(event: dict[str, Any]) -> str:
    """The requested action; raises ValueError for anything but run, resync or orders."""
    return requested_action(event, ACTIONS)


def publish(direction: str, counts: dict[str, int]) -> None:
    for name, metric in COUNT_METRICS[direction].items():
        if counts.get(name):
            metrics.add_metric(name=metric, unit=MetricUnit.Count, value=counts[name])
    held = sum(value for name, value in counts.items() if name.startswith("held_"))
    if held:
        metrics.add_metric(name=HELD_METRICS[direction], unit=MetricUnit.Count, value=held)
    for name, metric in LATENCY_METRICS.items():
        if name in counts:
            metrics.add_metric(name=metric, unit=MetricUnit.Seconds, value=counts[name])


def process_event(record: SQSRecord) -> None:
    """One forwarded return webhook: read the order's returns from TikTok now."""
    run_for_orders([order_id_of_event(record.body)])


def run_for_orders(order_ids: list[str]) -> dict[str, int]:
    """The fast path: read these orders' returns from TikTok and send on what needs the warehouse."""
    if not runtime().settings.returns_to_extensiv:
        logger.info("direction switched off", extra={"direction": TO_EXTENSIV, "order_ids": order_ids})
        return {"skipped_switched_off": 1}
    counts = RunCounts()
    intake = runtime().intake()
    for order_id in order_ids:
        intake.process_order(order_id, counts)
    publish(TO_EXTENSIV, counts.values)
    return counts.values


def run_directions(resync: bool) -> dict[str, dict[str, int]]:
    """Both directions, each behind its own switch; a failure in one does not skip the other."""
    settings = runtime().settings
    directions = (
        (TO_EXTENSIV, settings.returns_to_extensiv, lambda counts: runtime().intake().run(counts, resync=resync)),
        (FROM_EXTENSIV, settings.returns_from_extensiv, lambda counts: runtime().receipts().run(counts, resync=resync)),
    )
    # Each direction is recorded by run_direction; one failing does not stop the other.
    return run_each(directions, runtime().platforms.sync_state, on_done=publish)


def order_ids_of(event: dict[str, Any]) -> list[str]:
    """The orders an `orders` action names; raises ValueError when it names none."""
    order_ids = [str(order_id) for order_id in event.get("order_ids") or []]
    if not order_ids:
        raise ValueError("action 'orders' needs a non-empty order_ids list")
    return order_ids


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metrics.add_dimension(name="direction", value="returns")
    if isinstance(event, dict) and "Records" in event:
        return process_partial_response(event=event, record_handler=process_event, processor=processor, context=context)
    action = action_of(event)
    if action == "orders":
        return {"action": action, "counts": {TO_EXTENSIV: run_for_orders(order_ids_of(event))}}
    return {"action": action, "counts": run_directions(resync=action == "resync")}
