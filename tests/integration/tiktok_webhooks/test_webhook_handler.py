"""POST /webhooks/tiktok through the real handler, with SQS, DynamoDB and Secrets Manager in moto."""

from __future__ import annotations

import json
import time

import pytest

from tests.support.factories import TIKTOK_SECRET, api_gateway_event, signed, webhook_body
from tests.support.handlers import LambdaContext, load_app


@pytest.fixture
def webhooks(aws, monkeypatch):
    for name, value in aws.environment(WEBHOOK_MAX_AGE_SECONDS="57600").items():
        monkeypatch.setenv(name, value)
    return load_app("tiktok_webhooks")


def post(app, body: bytes, authorization: str | None) -> dict:
    return app.handler(api_gateway_event(body, authorization), LambdaContext())


def queued_order_ids(aws) -> list[str]:
    return [json.loads(message["Body"])["order_id"] for message in aws.receive_all()]


def test_signed_order_event_is_queued_and_answered_with_empty_200(webhooks, aws):
    body = webhook_body("576461413038785752", timestamp=int(time.time()))

    response = post(webhooks, body, signed(body))

    assert (response["statusCode"], response["body"]) == (200, "")
    messages = aws.receive_all()
    assert [json.loads(message["Body"]) for message in messages] == [
        {
            "order_id": "576461413038785752",
            "source": "webhook_order_status",
            "event_time": float(json.loads(body)["timestamp"]),
        }
    ]


def test_repeated_delivery_of_the_same_notification_is_queued_once(webhooks, aws):
    body = webhook_body("576461413038785752", timestamp=int(time.time()))

    first = post(webhooks, body, signed(body))
    second = post(webhooks, body, signed(body))

    assert (first["statusCode"], second["statusCode"]) == (200, 200)
    assert queued_order_ids(aws) == ["576461413038785752"]


def test_forged_signature_gets_401_and_queues_nothing(webhooks, aws):
    body = webhook_body("1", timestamp=int(time.time()))
    forged = signed(body, {**TIKTOK_SECRET, "app_secret": "not-the-secret"})

    assert post(webhooks, body, forged)["statusCode"] == 401
    assert post(webhooks, body, None)["statusCode"] == 401
    assert queued_order_ids(aws) == []


def test_body_changed_after_signing_gets_401(webhooks, aws):
    body = webhook_body("1", timestamp=int(time.time()))
    tampered = body.replace(b'"order_id":"1"', b'"order_id":"2"')

    assert post(webhooks, tampered, signed(body))["statusCode"] == 401
    assert queued_order_ids(aws) == []


def test_stale_webhook_gets_401_and_queues_nothing(webhooks, aws):
    body = webhook_body("1", timestamp=int(time.time()) - 57600 - 60)

    assert post(webhooks, body, signed(body))["statusCode"] == 401
    assert queued_order_ids(aws) == []


def test_webhook_from_the_future_beyond_clock_skew_gets_401(webhooks, aws):
    body = webhook_body("1", timestamp=int(time.time()) + 3600)

    assert post(webhooks, body, signed(body))["statusCode"] == 401


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        json.dumps({"type": 1, "shop_id": "1", "data": {"order_id": "1"}}).encode(),
        json.dumps({"type": "one", "timestamp": 1, "data": {}}).encode(),
        json.dumps({"type": 1, "timestamp": 1, "data": "x"}).encode(),
    ],
)
def test_malformed_but_signed_body_gets_400(webhooks, aws, body):
    assert post(webhooks, body, signed(body))["statusCode"] == 400
    assert queued_order_ids(aws) == []


def test_cancellation_and_address_events_trigger_a_fresh_look_at_the_order(webhooks, aws):
    now = int(time.time())
    for event_type, order_id in ((11, "111"), (3, "333")):
        body = json.dumps(
            {"type": event_type, "shop_id": "1", "timestamp": now, "data": {"order_id": order_id, "update_time": now}},
            separators=(",", ":"),
        ).encode()
        assert post(webhooks, body, signed(body))["statusCode"] == 200

    assert sorted(queued_order_ids(aws)) == ["111", "333"]


def test_unrelated_event_types_are_acknowledged_and_ignored(webhooks, aws):
    body = json.dumps(
        {
            "type": 5,
            "tts_notification_id": "p1",
            "shop_id": "1",
            "timestamp": int(time.time()),
            "data": {"product_id": 1},
        }
    ).encode()

    assert post(webhooks, body, signed(body))["statusCode"] == 200
    assert queued_order_ids(aws) == []
