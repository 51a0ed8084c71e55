"""Thin access to the hub table: key layout, clock and the translation of botocore errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import BotoCoreError, ClientError

from hub.errors import HubUnavailable, TransitionRejected

GSI1 = "gsi1"
GSI2 = "gsi2"
AUDIT_TTL_SECONDS = 30 * 24 * 3600


def iso_now(clock: Callable[[], float] = time.time) -> str:
    return datetime.fromtimestamp(clock(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_decimal(value: float) -> Decimal:
    """DynamoDB takes no floats; times are kept to the millisecond."""
    return Decimal(str(round(value, 3)))


def _decoded(item: dict[str, Any]) -> dict[str, Any]:
    """An item as DynamoDB's wire format gives it (errors are not deserialised by the resource)."""
    deserializer = TypeDeserializer()
    try:
        return plain({key: deserializer.deserialize(value) for key, value in item.items()})
    except (TypeError, AttributeError):
        return plain(item)


def plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; give callers ints and floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


Record = TypeVar("Record")


def record_from_item(record_type: type[Record], item: Mapping[str, Any], **converted: Any) -> Record:
    """A record dataclass built from a hub item: each field takes the attribute of its name
    (None when absent), except those given in `converted` (typed states, nested records)."""
    fields = {name: item.get(name) for name in record_type.__dataclass_fields__}
    return record_type(**{**fields, **converted})


class HubTable:
    """The single hub table. Takes a boto3 DynamoDB `Table` resource; never builds one itself."""

    def __init__(self, table: Any, clock: Callable[[], float] = time.time) -> None:
        self.table = table
        self.clock = clock

    @contextmanager
    def translated(self, what: str) -> Iterator[None]:
        """Turn botocore errors into hub errors; conditional failures become TransitionRejected."""
        try:
            yield
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                current = _decoded(exc.response.get("Item") or {})
                raise TransitionRejected(f"{what}: condition failed", current) from exc
            if code == "TransactionCanceledException":
                raise TransitionRejected(f"{what}: transaction cancelled") from exc
            message = exc.response.get("Error", {}).get("Message", "")
            raise HubUnavailable(f"{what}: {code} {message}") from exc
        except BotoCoreError as exc:
            raise HubUnavailable(f"{what}: {type(exc).__name__}") from exc

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        with self.translated("get"):
            response = self.table.get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=True)
        item = response.get("Item")
        return plain(item) if item else None

    def query_partition(self, pk: str, sk_prefix: str | None = None) -> list[dict[str, Any]]:
        condition = Key("pk").eq(pk)
        if sk_prefix:
            condition &= Key("sk").begins_with(sk_prefix)
        return self._query(KeyConditionExpression=condition)

    def query_index(self, gsi1pk: str, limit: int | None = None) -> list[dict[str, Any]]:
        return self._query(IndexName=GSI1, KeyConditionExpression=Key("gsi1pk").eq(gsi1pk), limit=limit)

    def query_index2(self, gsi2pk: str, limit: int | None = None) -> list[dict[str, Any]]:
        """List records of one kind (facilities, warehouses, links, SKUs, directions)."""
        return self._query(IndexName=GSI2, KeyConditionExpression=Key("gsi2pk").eq(gsi2pk), limit=limit)

    def _query(self, limit: int | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            with self.translated("query"):
                response = self.table.query(**kwargs)
            items.extend(plain(item) for item in response.get("Items", []))
            if limit is not None and len(items) >= limit:
                return items[:limit]
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return items
            kwargs["ExclusiveStartKey"] = last_key

    def put_audit(self, pk: str, event: str, details: dict[str, Any]) -> None:
        """Append to a record's short audit trail (kept 30 days)."""
        now = self.clock()
        item = {
            "pk": pk,
            "sk": f"AUDIT#{iso_now(self.clock)}",
            "event": event,
            "details": {key: value for key, value in details.items() if value is not None},
            "expires_at": int(now) + AUDIT_TTL_SECONDS,
        }
        with self.translated("audit"):
            self.table.put_item(Item=item)

    def audit_trail(self, pk: str) -> list[dict[str, Any]]:
        return self.query_partition(pk, "AUDIT#")
