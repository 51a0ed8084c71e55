"""The shipping-requests dead-letter queue, read and replayed by an operator.

A request the function gave up on carries message attributes `order_id`, `reason` and
`receives` (connector_common.queues `dead_letter`). A request moved by SQS redrive (the
function died or timed out on its last delivery) carries none: its reason is unknown.

Reading an SQS queue hides what was read for a while; every listing makes what it read
visible again at once, so listing never delays a replay. Replay sends the body back to the
shipping-requests queue, then deletes the dead letter: the flow's claim in the hub makes a
request that is replayed twice (or was already handled) create nothing more.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from syncctl.stack import aws_errors

NO_REASON = "(no reason recorded: the function did not finish)"
# Long enough to replay everything read in one listing before it shows up again.
HIDE_WHILE_WORKING_S = 300
SQS_BATCH = 10


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    body: str
    order_id: str | None
    source: str | None
    reason: str | None
    receives: int | None
    dead_lettered_at: float | None
    receipt_handle: str

    @property
    def reason_text(self) -> str:
        return self.reason or NO_REASON

    def to_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "order_id": self.order_id,
            "source": self.source,
            "reason": self.reason,
            "reason_text": self.reason_text,
            "receives": self.receives,
            "dead_lettered_at": self.dead_lettered_at,
            "body": self.body,
        }


def dead_letter_from(message: dict[str, Any]) -> DeadLetter:
    """Read one received SQS message; a body that is not a shipping request still lists."""
    attributes = {name: value.get("StringValue") for name, value in (message.get("MessageAttributes") or {}).items()}
    system = message.get("Attributes") or {}
    body = message.get("Body", "")
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = {}
    parsed = parsed if isinstance(parsed, dict) else {}
    order_id = attributes.get("order_id") or (str(parsed["order_id"]) if parsed.get("order_id") else None)
    receives = attributes.get("receives")
    sent = system.get("SentTimestamp")
    return DeadLetter(
        message_id=message["MessageId"],
        body=body,
        order_id=order_id,
        source=parsed.get("source"),
        reason=attributes.get("reason"),
        receives=int(receives) if receives and receives.isdigit() else None,
        dead_lettered_at=int(sent) / 1000 if sent and sent.isdigit() else None,
        receipt_handle=message["ReceiptHandle"],
    )


class DeadLetterQueue:
    """Lists, shows and replays dead letters. Takes a boto3 SQS client; raises StackError."""

    def __init__(self, sqs: Any, dead_letter_queue_url: str, queue_url: str) -> None:
        self.sqs = sqs
        self.dead_letter_queue_url = dead_letter_queue_url
        self.queue_url = queue_url

    def depth(self) -> int:
        with aws_errors("cannot read the dead-letter queue"):
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=self.dead_letter_queue_url, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0))

    def list(self, limit: int | None = None) -> list[DeadLetter]:
        """Every dead letter (up to `limit`), oldest first; leaves them all in the queue, visible."""
        letters = self._read_all(limit)
        self.release(letters)
        return letters

    def find(self, message_id: str) -> DeadLetter | None:
        letters = self._read_all(None)
        self.release(letters)
        return next((letter for letter in letters if letter.message_id == message_id), None)

    def replay(self, message_id: str) -> DeadLetter | None:
        """Send one dead letter back to the shipping-requests queue; None when it is not there."""
        letters = self._read_all(None)
        chosen = next((letter for letter in letters if letter.message_id == message_id), None)
        self.release([letter for letter in letters if letter is not chosen])
        if chosen is not None:
            self._replay(chosen)
        return chosen

    def replay_all(self, progress: Callable[[int, DeadLetter], None] | None = None) -> list[DeadLetter]:
        """Send every dead letter back; `progress(total, letter)` is called after each one."""
        letters = self._read_all(None)
        for letter in letters:
            self._replay(letter)
            if progress is not None:
                progress(len(letters), letter)
        return letters

    def release(self, letters: list[DeadLetter]) -> None:
        """Make read dead letters visible again at once."""
        for start in range(0, len(letters), SQS_BATCH):
            entries = [
                {"Id": str(index), "ReceiptHandle": letter.receipt_handle, "VisibilityTimeout": 0}
                for index, letter in enumerate(letters[start : start + SQS_BATCH])
            ]
            with aws_errors("cannot release dead letters"):
                self.sqs.change_message_visibility_batch(QueueUrl=self.dead_letter_queue_url, Entries=entries)

    def _replay(self, letter: DeadLetter) -> None:
        # Send first: a failed delete leaves a copy to replay again, which the flow's claim absorbs.
        with aws_errors(f"cannot send message {letter.message_id} back to the shipping-requests queue"):
            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=letter.body)
        with aws_errors(f"sent message {letter.message_id} back, but could not delete it from the dead letters"):
            self.sqs.delete_message(QueueUrl=self.dead_letter_queue_url, ReceiptHandle=letter.receipt_handle)

    def _read_all(self, limit: int | None) -> list[DeadLetter]:
        letters: list[DeadLetter] = []
        seen: set[str] = set()
        while limit is None or len(letters) < limit:
            fresh = [letter for letter in self._receive_batch() if letter.message_id not in seen]
            if not fresh:
                break
            room = len(fresh) if limit is None else limit - len(letters)
            self.release(fresh[room:])
            for letter in fresh[:room]:
                seen.add(letter.message_id)
                letters.append(letter)
        letters.sort(key=lambda letter: letter.dead_lettered_at or 0)
        return letters

    def _receive_batch(self) -> list[DeadLetter]:
        with aws_errors("cannot read the dead-letter queue"):
            response = self.sqs.receive_message(
                QueueUrl=self.dead_letter_queue_url,
                MaxNumberOfMessages=SQS_BATCH,
                VisibilityTimeout=HIDE_WHILE_WORKING_S,
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        return [dead_letter_from(message) for message in response.get("Messages", [])]


def age_seconds(letter: DeadLetter, now: Callable[[], float] = time.time) -> float | None:
    return None if letter.dead_lettered_at is None else max(0.0, now() - letter.dead_lettered_at)
