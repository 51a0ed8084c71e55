"""One cursor and one run status per sync direction, and a cursor per facility for the
directions that read Extensiv's change feed facility by facility (hub.extensiv_feed)."""

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
    # Extensiv facility id -> that facility's cursor (see hub.extensiv_feed).
    facility_cursors: dict[str, str] = field(default_factory=dict)


def _key(direction: str) -> dict[str, str]:
    return {"pk": f"DIRECTION#{direction}", "sk": "STATE"}


FACILITY_CURSOR_PREFIX = "CURSOR#FACILITY#"


def _facility_key(direction: str, facility_id: str) -> dict[str, str]:
    return {"pk": f"DIRECTION#{direction}", "sk": f"{FACILITY_CURSOR_PREFIX}{facility_id}"}


class SyncStateRepository:
    """Cursors and run outcomes, one item per direction; facility cursors are items of their own
    beside it (`pk DIRECTION#<direction>`, `sk CURSOR#FACILITY#<facility id>`)."""

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
            facility_cursors=self.facility_cursors(direction),
        )

    def list(self) -> list[DirectionStatus]:
        return [self.get(item["direction"]) for item in self.hub.query_index2("KIND#direction")]

    def cursor(self, direction: str) -> str | None:
        item = self.hub.get(**_key(direction)) or {}
        return item.get("cursor")

    def advance_cursor(self, direction: str, cursor: str) -> None:
        """Move a direction's cursor forward; stored as a string whatever its meaning."""
        with self.hub.translated("advance cursor"):
            self.hub.table.update_item(
                Key=_key(direction),
                UpdateExpression="SET #cursor = :cursor, direction = :direction, gsi2pk = :kind, gsi2sk = :direction",
                ExpressionAttributeNames={"#cursor": "cursor"},
                ExpressionAttributeValues={":cursor": cursor, ":direction": direction, ":kind": "KIND#direction"},
            )

    def facility_cursor(self, direction: str, facility_id: str) -> str | None:
        item = self.hub.get(**_facility_key(direction, facility_id)) or {}
        return item.get("cursor")

    def facility_cursors(self, direction: str) -> dict[str, str]:
        """Every facility's cursor of a direction, by facility id."""
        items = self.hub.query_partition(f"DIRECTION#{direction}", FACILITY_CURSOR_PREFIX)
        return {str(item["facility_id"]): item["cursor"] for item in items if item.get("cursor")}

    def advance_facility_cursor(self, direction: str, facility_id: str, cursor: str) -> None:
        """Move one facility's cursor of a direction forward (stored as given, like `advance_cursor`)."""
        with self.hub.translated("advance facility cursor"):
            self.hub.table.update_item(
                Key=_facility_key(direction, facility_id),
                UpdateExpression=(
                    "SET #cursor = :cursor, direction = :direction, facility_id = :facility, updated_at = :stamp"
                ),
                ExpressionAttributeNames={"#cursor": "cursor"},
                ExpressionAttributeValues={
                    ":cursor": cursor,
                    ":direction": direction,
                    ":facility": facility_id,
                    ":stamp": iso_now(self.hub.clock),
                },
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
