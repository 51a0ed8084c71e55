"""Handler for the shipping-requests queue (SQS batches) and the order poll (schedule)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from extensiv_order import order_create_for
from order_poll import OrderPoller
from shipping_flow import Outcome, ShippingRequestFlow
from shipping_routing import Switches

from connector_common.observability import route_library_logs
from connector_common.platforms import Platforms, extensiv_credentials
from connector_common.queues import ShippingRequestMessage, ShippingRequestQueue, redelivery_delay
from connector_common.settings import ShippingRequestSettings

logger = Logger()
route_library_logs(logger, "shipping_flow", "order_poll", "shipping_routing")
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class Runtime:
    """Everything one warm Lambda environment reuses between invocations."""

    def __init__(self) -> None:
        self.settings = ShippingRequestSettings.from_env()
        self.platforms = Platforms(self.settings)
        self.queue = ShippingRequestQueue(boto3.client("sqs"), self.settings.shipping_requests_queue_url)

    def flow(self) -> ShippingRequestFlow:
        platforms = self.platforms
        customer_id = extensiv_credentials(platforms.secrets.get(self.settings.extensiv_secret_arn)).customer_id
        return ShippingRequestFlow(
            orders=platforms.orders,
            skus=platforms.skus,
            locations=platforms.locations,
            tiktok=platforms.tiktok,
            extensiv=platforms.extensiv,
            build_order=lambda order, decision: order_create_for(order, decision, customer_id),
            switches=Switches(self.settings.push_shipping_requests, self.settings.order_id_scope),
            lease_seconds=self.settings.claim_lease_seconds,
        )

    def poller(self) -> OrderPoller:
        settings = self.settings
        return OrderPoller(
            tiktok=self.platforms.tiktok,
            orders=self.platforms.orders,
            sync_state=self.platforms.sync_state,
            queue=self.queue,
            overlap_seconds=settings.poll_overlap_seconds,
            lag_seconds=settings.poll_lag_seconds,
            initial_lookback_seconds=settings.initial_lookback_seconds,
            recheck_held_after_seconds=settings.recheck_held_after_seconds,
        )


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    return Runtime()


def process_record(record: SQSRecord) -> None:
    message = ShippingRequestMessage.from_body(record.body)
    logger.append_keys(order_id=message.order_id, source=message.source)
    try:
        result = runtime().flow().process(message.order_id, message.event_time)
    except Exception as exc:
        if not park_if_last_delivery(record, message, exc):
            raise
        return
    finally:
        logger.remove_keys(["order_id", "source"])

    metrics.add_metric(name=f"ShippingRequest_{result.outcome.value}", unit=MetricUnit.Count, value=1)
    if result.outcome in (Outcome.CREATED, Outcome.ADOPTED) and result.create_latency_s is not None:
        metrics.add_metric(name="CreateLatency", unit=MetricUnit.Seconds, value=result.create_latency_s)


def park_if_last_delivery(record: SQSRecord, message: ShippingRequestMessage, exc: Exception) -> bool:
    """On the last allowed delivery, move the request to the dead-letter queue with its reason.

    Returns False when the request should go back to the queue for another try.
    """
    settings = runtime().settings
    receives = int(record.attributes.approximate_receive_count or 1)
    reason = f"{type(exc).__name__}: {exc}"
    metrics.add_metric(name="ShippingRequestFailed", unit=MetricUnit.Count, value=1)
    dead_letters = settings.shipping_requests_dead_letter_queue_url
    if receives < settings.shipping_request_max_receives or not dead_letters:
        delay = redelivery_delay(receives)
        runtime().queue.delay_redelivery(record.receipt_handle, delay)
        logger.warning(
            "shipping request failed; it will be retried",
            extra={"receives": receives, "retry_in_s": delay, "error": reason},
        )
        return False
    runtime().queue.dead_letter(dead_letters, record.body, message.order_id, reason, receives)
    logger.error("shipping request dead-lettered", extra={"receives": receives, "error": reason})
    metrics.add_metric(name="ShippingRequestDeadLettered", unit=MetricUnit.Count, value=1)
    return True


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metrics.add_dimension(name="direction", value="shipping_requests")
    if event.get("action") == "poll":
        report = runtime().poller().run()
        return {"poll": report.counts()}
    return process_partial_response(event=event, record_handler=process_record, processor=processor, context=context)
