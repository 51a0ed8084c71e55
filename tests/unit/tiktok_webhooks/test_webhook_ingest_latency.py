"""Ingest latency: the webhook's timestamp to the moment its event is queued, for first deliveries only."""

from __future__ import annotations

import json

from webhook_intake import WebhookIntake

from tests.support.factories import TIKTOK_SECRET, signed

NOW = 1_700_000_000


class RecordingQueue:
    def __init__(self) -> None:
        self.sent = []

    def send(self, message) -> None:
        self.sent.append(message)


class FirstDeliveryOnly:
    """Runs `dispatch` once per dedupe key and hands repeats the stored outcome, as Powertools does."""

    def __init__(self) -> None:
        self.outcomes = {}

    def __call__(self, dispatch, notification):
        if notification.dedupe_key not in self.outcomes:
            self.outcomes[notification.dedupe_key] = dispatch(notification)
        return self.outcomes[notification.dedupe_key]


def intake() -> WebhookIntake:
    return WebhookIntake(
        app_key=TIKTOK_SECRET["app_key"],
        app_secret=TIKTOK_SECRET["app_secret"],
        shipping_requests=RecordingQueue(),
        max_age_seconds=3600,
        max_future_skew_seconds=300,
        deduplicate=FirstDeliveryOnly(),
        clock=lambda: NOW,
        return_events=RecordingQueue(),
    )


def body(event_type: int, timestamp: int, **data) -> bytes:
    envelope = {"type": event_type, "tts_notification_id": f"n{event_type}", "shop_id": "1", "timestamp": timestamp}
    return json.dumps({**envelope, "data": data}, separators=(",", ":")).encode()


def test_queued_order_event_reports_seconds_since_its_webhook_timestamp():
    raw = body(1, NOW - 42, order_id="576461413038785752", order_status="AWAITING_SHIPMENT")

    reply = intake().handle(raw, signed(raw))

    assert (reply.status, reply.reason, reply.ingest_latency_s) == (200, "queued", 42)


def test_queued_return_event_reports_its_ingest_latency_too():
    raw = body(12, NOW - 5, order_id="42", return_id="R1")

    assert intake().handle(raw, signed(raw)).ingest_latency_s == 5


def test_repeated_delivery_reports_no_latency_of_its_own():
    webhooks = intake()
    raw = body(1, NOW - 42, order_id="576461413038785752")
    webhooks.handle(raw, signed(raw))

    repeat = webhooks.handle(raw, signed(raw))

    assert (repeat.reason, repeat.ingest_latency_s) == ("queued", None)


def test_event_that_queues_nothing_reports_no_latency():
    raw = body(7, NOW - 5, expiration_time=NOW + 86400)

    reply = intake().handle(raw, signed(raw))

    assert (reply.reason, reply.ingest_latency_s) == ("authorization_expiring", None)


def test_timestamp_slightly_ahead_of_our_clock_reports_zero_not_a_negative_latency():
    raw = body(1, NOW + 30, order_id="576461413038785752")

    assert intake().handle(raw, signed(raw)).ingest_latency_s == 0
