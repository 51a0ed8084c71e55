"""API Gateway handler for POST /webhooks/tiktok."""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import lru_cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from webhook_intake import Notification, WebhookIntake, header, raw_body_of

from connector_common.observability import route_library_logs
from connector_common.queues import ShippingRequestQueue
from connector_common.settings import WebhookSettings

logger = Logger()
route_library_logs(logger, "webhook_intake")
tracer = Tracer()
metrics = Metrics()


class PowertoolsDeduplicator:
    """Runs `dispatch` once per webhook dedupe key; repeats get the first outcome back."""

    def __init__(self, table_name: str, expires_after_seconds: int) -> None:
        self.persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=boto3.client("dynamodb"))
        self.config = IdempotencyConfig(event_key_jmespath="dedupe_key", expires_after_seconds=expires_after_seconds)

    def __call__(self, dispatch, notification: Notification) -> dict[str, Any]:
        @idempotent_function(
            data_keyword_argument="notification",
            persistence_store=self.persistence,
            config=self.config,
            key_prefix="tiktok-webhook",
        )
        def run_once(notification: dict[str, Any]) -> dict[str, Any]:
            return dispatch(Notification(**notification))

        try:
            return run_once(notification=asdict(notification))
        except IdempotencyAlreadyInProgressError:
            return {"outcome": "in_progress_elsewhere"}


@lru_cache(maxsize=1)
def intake() -> WebhookIntake:
    settings = WebhookSettings.from_env()
    secret = SecretsProvider(boto3_client=boto3.client("secretsmanager")).get(
        settings.tiktok_secret_arn, transform="json", max_age=settings.secrets_max_age_seconds
    )
    sqs = boto3.client("sqs")
    queue = ShippingRequestQueue(sqs, settings.shipping_requests_queue_url)
    returns = ShippingRequestQueue(sqs, settings.return_events_queue_url) if settings.return_events_queue_url else None
    window = settings.webhook_max_age_seconds + settings.webhook_max_future_skew_seconds
    return WebhookIntake(
        app_key=secret["app_key"],
        app_secret=secret["app_secret"],
        shipping_requests=queue,
        max_age_seconds=settings.webhook_max_age_seconds,
        max_future_skew_seconds=settings.webhook_max_future_skew_seconds,
        deduplicate=PowertoolsDeduplicator(settings.idempotency_table, window),
        return_events=returns,
        wake_cancellations=cancellation_waker(settings.shipment_cancellations_function),
    )


def cancellation_waker(function_name: str | None):
    """Invoke the cancellation flow asynchronously for one order; None when the stack has no such flow."""
    if not function_name:
        return None
    lambda_client = boto3.client("lambda")

    def wake(order_id: str) -> None:
        payload = json.dumps({"action": "orders", "order_ids": [order_id]}).encode()
        try:
            lambda_client.invoke(FunctionName=function_name, InvocationType="Event", Payload=payload)
        except (BotoCoreError, ClientError):
            # The cancellation flow's own poll finds the order within a minute.
            logger.warning("could not wake the cancellation flow", extra={"order_id": order_id})

    return wake


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    webhook_intake = intake()
    webhook_intake.deduplicate.config.register_lambda_context(context)
    reply = webhook_intake.handle(raw_body_of(event), header(event, "Authorization"))
    metrics.add_dimension(name="direction", value="tiktok_webhooks")
    metrics.add_metric(name=f"Webhook{reply.status}", unit=MetricUnit.Count, value=1)
    if reply.ingest_latency_s is not None:
        metrics.add_metric(name="WebhookIngestLatency", unit=MetricUnit.Seconds, value=reply.ingest_latency_s)
    return reply.to_api_response()
