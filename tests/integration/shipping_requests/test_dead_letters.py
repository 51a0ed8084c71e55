"""A shipping request that keeps failing ends in the dead-letter queue with its reason."""

from __future__ import annotations

import json

import pytest

from connector_common.queues import ShippingRequestMessage
from tests.support.handlers import LambdaContext, load_app


class AlwaysFailingFlow:
    def __init__(self) -> None:
        self.calls = 0

    def process(self, order_id: str, event_time: float | None = None):
        self.calls += 1
        raise ConnectionError("Extensiv unreachable")


@pytest.fixture
def shipping(aws, monkeypatch):
    for name, value in aws.environment(
        SHIPPING_REQUESTS_DEAD_LETTER_QUEUE_URL=aws.dead_letter_queue_url,
        SHIPPING_REQUEST_MAX_RECEIVES="3",
    ).items():
        monkeypatch.setenv(name, value)
    app = load_app("shipping_requests")
    flow = AlwaysFailingFlow()
    monkeypatch.setattr(app.Runtime, "flow", lambda self: flow)
    monkeypatch.setattr(app, "redelivery_delay", lambda receives: 0)
    return app, flow


def deliver_once(app, aws) -> list[dict]:
    """Receive what the queue hands out now and run it through the handler, as Lambda's poller does."""
    messages = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"])
    records = [
        {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message["Attributes"],
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:shipping-requests",
            "awsRegion": "us-east-1",
        }
        for message in messages.get("Messages", [])
    ]
    if not records:
        return []
    response = app.handler({"Records": records}, LambdaContext())
    failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
    for message in messages["Messages"]:
        if message["MessageId"] not in failed:
            aws.sqs.delete_message(QueueUrl=aws.queue_url, ReceiptHandle=message["ReceiptHandle"])
    return records


def test_request_failing_every_delivery_is_parked_with_its_reason_after_max_receives(shipping, aws):
    app, flow = shipping
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=ShippingRequestMessage("777", "webhook").to_body())

    for _ in range(5):
        deliver_once(app, aws)

    assert flow.calls == 3
    assert aws.receive_all() == []
    parked = aws.sqs.receive_message(
        QueueUrl=aws.dead_letter_queue_url, MessageAttributeNames=["All"], MaxNumberOfMessages=10
    )["Messages"]
    assert len(parked) == 1
    assert json.loads(parked[0]["Body"])["order_id"] == "777"
    attributes = {name: value["StringValue"] for name, value in parked[0]["MessageAttributes"].items()}
    assert attributes == {"order_id": "777", "reason": "ConnectionError: Extensiv unreachable", "receives": "3"}


def test_failed_request_stays_on_the_queue_before_its_last_delivery(shipping, aws):
    app, flow = shipping
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=ShippingRequestMessage("778", "poll").to_body())

    deliver_once(app, aws)

    assert flow.calls == 1
    assert aws.sqs.receive_message(QueueUrl=aws.dead_letter_queue_url).get("Messages") is None
    assert [json.loads(message["Body"])["order_id"] for message in aws.receive_all()] == ["778"]
