"""The sample events in events/ stay valid inputs for their functions."""

from __future__ import annotations

import json
from pathlib import Path

from webhook_intake import header, parse_notification, raw_body_of

from connector_common.queues import ShippingRequestMessage
from tiktok_shop.signing import verify_webhook

EVENTS = Path(__file__).resolve().parents[2] / "events"


def load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def test_webhook_event_verifies_with_the_documented_vector_credentials_only():
    event = load("tiktok_webhooks/order-status-change.json")
    raw = raw_body_of(event)

    assert verify_webhook("abcdef", "123", raw, header(event, "authorization"))
    assert not verify_webhook("abcdef", "1234", raw, header(event, "authorization"))
    assert parse_notification(raw).order_id == "576653688135258178"


def test_sqs_batch_event_carries_a_shipping_request():
    record = load("shipping_requests/sqs-batch.json")["Records"][0]

    message = ShippingRequestMessage.from_body(record["body"])

    assert (message.order_id, message.source) == ("576461413038785752", "webhook_order_status")


def test_schedule_event_asks_for_a_poll():
    assert load("shipping_requests/schedule-poll.json") == {"action": "poll"}
