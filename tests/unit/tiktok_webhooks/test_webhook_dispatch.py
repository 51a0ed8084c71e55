"""Which flow each webhook event wakes (the intake never calls TikTok or Extensiv itself)."""

from __future__ import annotations

import json

from webhook_intake import WebhookIntake

from tests.support.factories import TIKTOK_SECRET, signed


class RecordingQueue:
    def __init__(self) -> None:
        self.sent = []

    def send(self, message) -> None:
        self.sent.append(message)


def run_once(dispatch, notification):
    return dispatch(notification)


def make_intake(returns: RecordingQueue | None, woken: list[str] | None):
    shipping = RecordingQueue()
    intake = WebhookIntake(
        app_key=TIKTOK_SECRET["app_key"],
        app_secret=TIKTOK_SECRET["app_secret"],
        shipping_requests=shipping,
        max_age_seconds=600,
        max_future_skew_seconds=60,
        deduplicate=run_once,
        clock=lambda: 1_700_000_000,
        return_events=returns,
        wake_cancellations=woken.append if woken is not None else None,
    )
    return intake, shipping


def body(event_type: int, **data) -> bytes:
    envelope = {"type": event_type, "tts_notification_id": f"n{event_type}", "shop_id": "1", "timestamp": 1_700_000_000}
    return json.dumps({**envelope, "data": data}, separators=(",", ":")).encode()


def test_return_event_goes_to_the_returns_queue_only():
    returns = RecordingQueue()
    intake, shipping = make_intake(returns, [])
    raw = body(12, order_id="42", return_id="R1", return_status="BUYER_SHIPPED_ITEM", update_time=1_700_000_000)

    reply = intake.handle(raw, signed(raw))

    assert reply.status == 200
    assert [(message.order_id, message.source) for message in returns.sent] == [("42", "webhook_return")]
    assert shipping.sent == []


def test_cancellation_event_wakes_the_cancellation_flow_and_rereads_the_order():
    woken: list[str] = []
    intake, shipping = make_intake(RecordingQueue(), woken)
    raw = body(11, order_id="43", cancel_id="C1", cancel_status="CANCELLATION_REQUEST_PENDING")

    intake.handle(raw, signed(raw))

    assert woken == ["43"]
    assert [message.order_id for message in shipping.sent] == ["43"]


def test_stack_without_return_and_cancellation_flows_still_queues_order_events():
    intake, shipping = make_intake(None, None)
    for event_type in (11, 12):
        raw = body(event_type, order_id="44")
        assert intake.handle(raw, signed(raw)).status == 200

    assert [message.order_id for message in shipping.sent] == ["44"]
