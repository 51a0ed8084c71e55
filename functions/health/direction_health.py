"""How long ago each direction last ran successfully, read from its run status in the hub.

An alarm per direction compares this age with a threshold, so a direction that keeps failing,
or stopped running, is noticed even when no single run raised an error anyone saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from hub.sync_state import DirectionStatus

SWITCHED_OFF = "skipped_switched_off"
# NOTE: the hub keeps no time of a direction's first failure, so a direction that has run but
# never succeeded reports this age: above any sensible alarm threshold, and one flat, telling
# line on the dashboard.
NEVER_SUCCEEDED_SECONDS = 30 * 86400


@dataclass(frozen=True)
class DirectionAge:
    direction: str
    seconds_since_last_success: float
    never_succeeded: bool = False


def is_switched_off(status: DirectionStatus) -> bool:
    """The last run found the direction's switch off (run_direction records nothing else then)."""
    return SWITCHED_OFF in status.last_counts


def direction_ages(statuses: Iterable[DirectionStatus], now: float) -> list[DirectionAge]:
    """The age of every direction that is switched on and has run, sorted by direction.

    A switched-off direction is left out: it is not meant to succeed, and its alarm treats the
    missing value as fine. So is a direction with a cursor but no recorded run yet.
    """
    ages = []
    for status in statuses:
        if is_switched_off(status) or status.last_run_at is None:
            continue
        succeeded_at = _epoch(status.last_success_at)
        if succeeded_at is None:
            ages.append(DirectionAge(status.direction, float(NEVER_SUCCEEDED_SECONDS), never_succeeded=True))
            continue
        ages.append(DirectionAge(status.direction, max(0.0, now - succeeded_at)))
    return sorted(ages, key=lambda age: age.direction)


def _epoch(stamp: str | None) -> float | None:
    """Seconds since the epoch of a hub time stamp (`iso_now`, UTC with a Z); None when absent or unreadable."""
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
