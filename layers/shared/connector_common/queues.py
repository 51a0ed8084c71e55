"""Messages on the shipping-requests queue: a light "look at this order" trigger.

A message carries no order data: the consumer always re-reads the order from TikTok just
before hand-off, so a stale or repeated message can never send outdated lines or addresses.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

logger = logging.getLogger(__name__)

SQS_BATCH_LIMIT = 10
# NOTE: SQS caps a message's visibility timeout at 12 hours.
MAX_VISIBILITY_SECONDS = 12 * 3600


class QueueUnavailable(Exception):
    """SQS did not accept the message(s); the caller must not acknowledge its own input."""


@dataclass(frozen=True)
class ShippingRequestMessage:
    order_id: str
    source: str
    event_time: float | None = None

    def to_body(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_body(cls, body: str) -> ShippingRequestMessage:
        data = json.loads(body)
        return cls(
            order_id=str(data["order_id"]), source=str(data.get("source", "unknown")), event_time=data.get("event_time")
        )


class ShippingRequestQueue:
    """Sends shipping-request triggers. Takes a boto3 SQS client."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def send(self, message: ShippingRequestMessage) -> None:
        try:
            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=message.to_body())
        except (ClientError, BotoCoreError) as exc:
            raise QueueUnavailable(f"send to shipping-requests queue failed: {type(exc).__name__}") from exc

    def send_many(self, messages: Iterable[ShippingRequestMessage]) -> int:
        """Send in batches of ten; raises QueueUnavailable if any message was not accepted."""
        batch: list[ShippingRequestMessage] = []
        sent = 0
        for message in messages:
            batch.append(message)
            if len(batch) == SQS_BATCH_LIMIT:
                sent += self._send_batch(batch)
                batch = []
        if batch:
            sent += self._send_batch(batch)
        return sent

    def _send_batch(self, batch: list[ShippingRequestMessage]) -> int:
        entries = [{"Id": str(index), "MessageBody": message.to_body()} for index, message in enumerate(batch)]
        try:
            response = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        except (ClientError, BotoCoreError) as exc:
            raise QueueUnavailable(f"batch send to shipping-requests queue failed: {type(exc).__name__}") from exc
        failed = response.get("Failed") or []
        if failed:
            order_ids = [batch[int(entry["Id"])].order_id for entry in failed]
            raise QueueUnavailable(f"shipping-requests queue refused {len(failed)} message(s): {order_ids}")
        return len(batch)

    def dead_letter(self, dead_letter_queue_url: str, body: str, order_id: str, reason: str, receives: int) -> None:
        """Park a request that keeps failing, with its reason, for an operator to inspect and replay."""
        attributes = {
            "order_id": {"DataType": "String", "StringValue": order_id},
            "reason": {"DataType": "String", "StringValue": reason[:1000] or "unknown"},
            "receives": {"DataType": "Number", "StringValue": str(receives)},
        }
        try:
            self.sqs.send_message(QueueUrl=dead_letter_queue_url, MessageBody=body, MessageAttributes=attributes)
        except (ClientError, BotoCoreError) as exc:
            raise QueueUnavailable(f"dead-lettering failed: {type(exc).__name__}") from exc

    def delay_redelivery(self, receipt_handle: str, seconds: int) -> None:
        """Bring a failed message back sooner (or later) than the queue's visibility timeout."""
        seconds = max(0, min(int(seconds), MAX_VISIBILITY_SECONDS))
        try:
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
            )
        except (ClientError, BotoCoreError):
            logger.warning("could not shorten redelivery delay", extra={"delay_s": seconds})


def redelivery_delay(receive_count: int, base: int = 10, cap: int = 300) -> int:
    """Backoff for a failed shipping request: 10 s, 20 s, 40 s ... capped at five minutes."""
    return min(cap, base * (2 ** max(0, receive_count - 1)))
