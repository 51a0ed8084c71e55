"""One cursor and one run status per sync direction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.table import HubTable, iso_now, to_decimal


@dataclass(frozen=True)
class DirectionStatus:
    direction: str
    cursor: str | None = None
    last_run_at: str | None = None
    last_success_at: str | None = None
    last_error: str | None = None
    last_counts: dict[str, int] = field(default_factory=dict)


def _key(direction: str) -> dict[str, str]:
    return {"pk": f"DIRECTION#{direction}", "sk": "STATE"}


class SyncStateRepository:
    """Cursors and run outcomes, one item per direction."""

    def __init__(self, hub: HubTable) -> None:
        self.hub = hub

    def get(self, direction: str) -> DirectionStatus:
        item = self.hub.get(**_key(direction)) or {}
        return DirectionStatus(
            direction=direction,
            cursor=item.get("cursor"),
            last_run_at=item.get("last_run_at"),
            last_success_at=item.get("last_success_at"),
            last_error=item.get("last_error"),
            last_counts=dict(item.get("last_counts") or {}),
        )

    def list(self) -> list[DirectionStatus]:
        return [self.get(item["direction"]) for item in self.hub.query_index2("KIND#direction")]

    def cursor(self, direction: str) -> str | None:
        return self.get(direction).cursor

    def advance_cursor(self, direction: str, cursor: str) -> None:
        """Move a direction's cursor forward; stored as a string whatever its meaning."""
        with self.hub.translated("advance cursor"):
            self.hub.table.update_item(
                Key=_key(direction),
                UpdateExpression="SET #cursor = :cursor, direction = :direction, gsi2pk = :kind, gsi2sk = :direction",
                ExpressionAttributeNames={"#cursor": "cursor"},
                ExpressionAttributeValues={":cursor": cursor, ":direction": direction, ":kind": "KIND#direction"},
            )

    def record_run(self, direction: str, counts: dict[str, int], error: str | None = None) -> None:
        """Record the outcome of one run for `syncctl status` and the doctor."""
        stamp = iso_now(self.hub.clock)
        assignments = [
            "last_run_at = :stamp",
            "last_counts = :counts",
            "direction = :direction",
            "gsi2pk = :kind",
            "gsi2sk = :direction",
            "last_run_epoch = :epoch",
        ]
        values: dict[str, Any] = {
            ":stamp": stamp,
            ":counts": {key: int(value) for key, value in counts.items()},
            ":direction": direction,
            ":kind": "KIND#direction",
            ":epoch": to_decimal(self.hub.clock()),
        }
        if error is None:
            assignments.append("last_success_at = :stamp")
            expression = "SET " + ", ".join(assignments) + " REMOVE last_error"
        else:
            assignments.append("last_error = :error")
            values[":error"] = error[:500]
            expression = "SET " + ", ".join(assignments)
        with self.hub.translated("record run"):
            self.hub.table.update_item(
                Key=_key(direction),
                UpdateExpression=expression,
                ExpressionAttributeValues=values,
            )
