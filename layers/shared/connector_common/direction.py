"""What every scheduled direction shares: its switch, its run record and its error boundary."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from hub.sync_state import SyncStateRepository

logger = logging.getLogger(__name__)


@dataclass
class RunCounts:
    """Counters one run of a direction reports (shown by `syncctl status` and the demo)."""

    values: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, amount: int = 1) -> None:
        self.values[name] = self.values.get(name, 0) + amount

    def __getitem__(self, name: str) -> int:
        return self.values.get(name, 0)


def run_direction(
    direction: str,
    enabled: bool,
    sync_state: SyncStateRepository,
    work: Callable[[RunCounts], None],
) -> dict[str, int]:
    """Run one pass of a direction if its switch is on, and record the outcome in the hub.

    A failure is recorded (with its message, for the doctor and `syncctl status`) and raised
    again so the invocation counts as an error and alarms see it.
    """
    if not enabled:
        logger.info("direction switched off", extra={"direction": direction})
        sync_state.record_run(direction, {"skipped_switched_off": 1})
        return {"skipped_switched_off": 1}
    counts = RunCounts()
    try:
        work(counts)
    except Exception as exc:
        sync_state.record_run(direction, counts.values, error=f"{type(exc).__name__}: {exc}")
        logger.exception("direction run failed", extra={"direction": direction, "counts": counts.values})
        raise
    sync_state.record_run(direction, counts.values)
    # Counts are nested: a count may be named like a LogRecord attribute ("created").
    logger.info("direction run done", extra={"direction": direction, "counts": counts.values})
    return counts.values
