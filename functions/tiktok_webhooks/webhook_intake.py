"""Verify a TikTok Shop webhook, deduplicate it and hand its event to the flow that owns it.

TikTok wants an answer within three seconds and retries otherwise (reference/tiktok-shop.md
§5.1), so nothing here calls TikTok or Extensiv: an event becomes a queue message and the
consumer re-reads the order itself. Webhooks are a fast path only; the scheduled poll
catches whatever never arrives.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connector_common.queues import ShippingRequestMessage, ShippingRequestQueue
from tiktok_shop.signing import verify_webhook

logger = logging.getLogger(__name__)

ORDER_STATUS_CHANGE = 1
RECIPIENT_ADDRESS_UPDATE = 3
SELLER_DEAUTHORIZATION = 6
UPCOMING_AUTHORIZATION_EXPIRATION = 7
CANCELLATION_STATUS_CHANGE = 11
RETURN_STATUS_CHANGE = 12

# Events whose only job is "look at this order again": the shipping-request flow re-reads it.
ORDER_TRIGGERS = {
    ORDER_STATUS_CHANGE: "webhook_order_status",
    RECIPIENT_ADDRESS_UPDATE: "webhook_address_update",
    CANCELLATION_STATUS_CHANGE: "webhook_cancellation",
}


# Outcomes of a first delivery that handed the event on to a queue.
QUEUED_OUTCOMES = frozenset({"queued", "queued_return"})


@dataclass(frozen=True)
class WebhookReply:
    status: int
    reason: str = ""
    # Webhook timestamp -> event queued, for a first delivery that was queued; None otherwise.
    ingest_latency_s: float | None = None

    def to_api_response(self) -> dict[str, Any]:
        # NOTE: TikTok expects 200 (or 401) with an empty body (reference §5.1).
        return {"statusCode": self.status, "headers": {"Content-Type": "text/plain"}, "body": ""}


@dataclass(frozen=True)
class Notification:
    """A verified, parsed webhook body."""

    dedupe_key: str
    event_type: int
    shop_id: str
    timestamp: int
    data: dict[str, Any]

    @property
    def order_id(self) -> str | None:
        value = self.data.get("order_id")
        return str(value) if value is not None else None


class MalformedWebhook(ValueError):
    """The body is signed correctly but is not a webhook envelope."""


def parse_notification(raw_body: bytes) -> Notification:
    """Parse the envelope; raises MalformedWebhook when it is not one (reference §5.3)."""
    try:
        body = json.loads(raw_body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedWebhook("body is not JSON") from exc
    if not isinstance(body, dict):
        raise MalformedWebhook("body is not a JSON object")
    try:
        event_type = int(body["type"])
        timestamp = int(body["timestamp"])
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedWebhook("type or timestamp missing or not a number") from exc
    data = body.get("data")
    if not isinstance(data, dict):
        raise MalformedWebhook("data is missing or not an object")
    # NOTE: type 3 bodies carry no tts_notification_id (samples/README.md); the body digest
    # identifies a repeated delivery of the same push just as well.
    notification_id = body.get("tts_notification_id")
    dedupe_key = f"tts:{notification_id}" if notification_id else f"sha256:{hashlib.sha256(raw_body).hexdigest()}"
    return Notification(
        dedupe_key=dedupe_key,
        event_type=event_type,
        shop_id=str(body.get("shop_id", "")),
        timestamp=timestamp,
        data=data,
    )


def raw_body_of(event: dict[str, Any]) -> bytes:
    """The request body as the bytes TikTok signed."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8")


def header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name.lower():
            return value
    return None


class WebhookIntake:
    """Checks signature and freshness, deduplicates, and routes events to queues."""

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        shipping_requests: ShippingRequestQueue,
        max_age_seconds: int,
        max_future_skew_seconds: int,
        deduplicate: Callable[[Callable[[Notification], dict[str, Any]], Notification], dict[str, Any]],
        clock: Callable[[], float] = time.time,
        return_events: ShippingRequestQueue | None = None,
        wake_cancellations: Callable[[str], None] | None = None,
    ) -> None:
        self.app_key = app_key
        self.app_secret = app_secret
        self.shipping_requests = shipping_requests
        self.max_age_seconds = max_age_seconds
        self.max_future_skew_seconds = max_future_skew_seconds
        self.deduplicate = deduplicate
        self.clock = clock
        self.return_events = return_events
        self.wake_cancellations = wake_cancellations

    def handle(self, raw_body: bytes, authorization: str | None) -> WebhookReply:
        if not authorization or not verify_webhook(self.app_key, self.app_secret, raw_body, authorization):
            logger.warning("webhook rejected: bad signature", extra={"body_bytes": len(raw_body)})
            return WebhookReply(401, "bad_signature")

        try:
            notification = parse_notification(raw_body)
        except MalformedWebhook as exc:
            logger.error("webhook rejected: malformed body", extra={"problem": str(exc)})
            return WebhookReply(400, "malformed")

        age = self.clock() - notification.timestamp
        if age > self.max_age_seconds or -age > self.max_future_skew_seconds:
            logger.warning(
                "webhook rejected: stale timestamp",
                extra={"event_type": notification.event_type, "age_s": round(age), "order_id": notification.order_id},
            )
            return WebhookReply(401, "stale")

        dispatched_at: list[float] = []

        def dispatch_first(first: Notification) -> dict[str, Any]:
            # Called only for a first delivery: a repeat gets the stored outcome back.
            outcome = self.dispatch(first)
            dispatched_at.append(self.clock())
            return outcome

        outcome = self.deduplicate(dispatch_first, notification)
        logger.info(
            "webhook accepted",
            extra={
                "event_type": notification.event_type,
                "order_id": notification.order_id,
                "dedupe_key": notification.dedupe_key,
                "outcome": outcome.get("outcome"),
            },
        )
        latency = None
        if dispatched_at and outcome.get("outcome") in QUEUED_OUTCOMES:
            # NOTE: a retried delivery carries its first push's timestamp (reference §5.1), so
            # TikTok's own retry delays count as ingest latency, as the seller experiences them.
            latency = max(0.0, dispatched_at[0] - notification.timestamp)
        return WebhookReply(200, outcome.get("outcome", "accepted"), latency)

    def dispatch(self, notification: Notification) -> dict[str, Any]:
        """Act on a first delivery. Raising here lets TikTok retry (the dedupe record is dropped)."""
        source = ORDER_TRIGGERS.get(notification.event_type)
        event_time = float(notification.data.get("update_time") or notification.timestamp)
        if source and notification.order_id:
            self.shipping_requests.send(ShippingRequestMessage(notification.order_id, source, event_time))
            if notification.event_type == CANCELLATION_STATUS_CHANGE and self.wake_cancellations:
                # An order already in Extensiv is the cancellation flow's, which polls every
                # minute anyway; waking it now lets a cancel reach the warehouse before picking.
                self.wake_cancellations(notification.order_id)
            return {"outcome": "queued", "order_id": notification.order_id}
        if notification.event_type == RETURN_STATUS_CHANGE and notification.order_id and self.return_events:
            self.return_events.send(ShippingRequestMessage(notification.order_id, "webhook_return", event_time))
            return {"outcome": "queued_return", "order_id": notification.order_id}
        if notification.event_type == SELLER_DEAUTHORIZATION:
            logger.error(
                "seller deauthorized the app: re-authorize the TikTok shop",
                extra={"shop_id": notification.shop_id},
            )
            return {"outcome": "deauthorized"}
        if notification.event_type == UPCOMING_AUTHORIZATION_EXPIRATION:
            logger.warning(
                "TikTok authorization expires soon: the seller must re-authorize",
                extra={"shop_id": notification.shop_id, "expiration_time": notification.data.get("expiration_time")},
            )
            return {"outcome": "authorization_expiring"}
        return {"outcome": "ignored"}
