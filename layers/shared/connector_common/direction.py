"""What every scheduled direction shares: its switch, its run record and its error boundary."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

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


def run_directions(
    steps: Iterable[tuple[str, bool, Callable[[RunCounts], None]]],
    sync_state: SyncStateRepository,
    on_done: Callable[[str, dict[str, int]], None] | None = None,
) -> dict[str, dict[str, int]]:
    """Run several directions of one function, each with its own switch and run record.

    One failing does not stop the others (each is recorded by `run_direction`); the first
    failure is raised once every direction has had its turn.
    """
    results: dict[str, dict[str, int]] = {}
    failures: list[Exception] = []
    for direction, enabled, work in steps:
        try:
            results[direction] = run_direction(direction, enabled, sync_state, work)
        except Exception as exc:
            failures.append(exc)
            continue
        if on_done is not None:
            on_done(direction, results[direction])
    if failures:
        raise failures[0]
    return results


def requested_action(event: Mapping[str, Any] | None, allowed: Iterable[str], default: str = "run") -> str:
    """The `action` of a scheduled or operator event; raises ValueError for one not in `allowed`."""
    allowed = tuple(allowed)
    action = (event or {}).get("action", default)
    if action not in allowed:
        raise ValueError(f"unknown action {action!r}; expected one of {', '.join(allowed)}")
    return action
