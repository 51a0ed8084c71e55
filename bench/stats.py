"""The pure half of the benchmarks: distributions, the poll schedule model, reconciliation, verdicts.

Nothing here measures time or talks to a server, so tests/unit/test_bench.py can check every
ratio and summary the benchmarks report without running one.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

HOURLY_BASELINE_S = 3600.0
RATE_UNITS = {"minute": 60.0, "minutes": 60.0, "hour": 3600.0, "hours": 3600.0, "day": 86400.0, "days": 86400.0}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks; raises ValueError when empty."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError("q must be within 0 and 100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def distribution(values: Sequence[float]) -> dict[str, float] | None:
    """Median, p95 and max in seconds (rounded to milliseconds), and the count; None when empty."""
    if not values:
        return None
    return {
        "median": round(percentile(values, 50), 3),
        "p95": round(percentile(values, 95), 3),
        "max": round(max(values), 3),
        "count": len(values),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is not positive."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def schedule_seconds(expression: str) -> float:
    """Seconds between runs of an EventBridge `rate(...)` expression, e.g. `rate(1 minute)` -> 60."""
    match = re.fullmatch(r"\s*rate\(\s*(\d+)\s+([a-z]+)\s*\)\s*", expression)
    if not match or match.group(2) not in RATE_UNITS:
        raise ValueError(f"not a rate expression: {expression!r}")
    return int(match.group(1)) * RATE_UNITS[match.group(2)]


def poll_wait_seconds(offset: float, interval: float, lag: float) -> float:
    """Seconds from a hold ending `offset` seconds after a poll tick until the tick whose search finds it.

    Ticks run at 0, interval, 2 * interval ...; a poll at time t searches orders updated before
    t - lag (OrderPoller's `lag_seconds`), so an order released at `offset` is first found by the
    earliest tick t with t - lag > offset.
    """
    if interval <= 0:
        raise ValueError("interval must be positive")
    offset = offset % interval
    tick = (math.floor((offset + lag) / interval) + 1) * interval
    return tick - offset


def stratified_offsets(count: int, interval: float) -> list[float]:
    """`count` hold-end positions spread evenly over one poll interval (the midpoints of equal slices).

    Orders end their hold at arbitrary moments of the poll schedule; midpoints sample that
    uniform position deterministically, so two runs compare.
    """
    return [(index + 0.5) * interval / count for index in range(count)]


@dataclass(frozen=True)
class Reconciliation:
    """Extensiv orders against the TikTok orders that had to reach it."""

    expected: int
    in_extensiv: int
    missing: list[str]
    duplicates: int
    duplicated_references: list[str]

    @property
    def exactly_once(self) -> bool:
        return not self.missing and self.duplicates == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "in_extensiv": self.in_extensiv,
            "missing": len(self.missing),
            "missing_ids": self.missing,
            "duplicates": self.duplicates,
            "duplicated_references": self.duplicated_references,
        }


def reconcile(expected_ids: Iterable[str], extensiv_references: Iterable[str]) -> Reconciliation:
    """Count Extensiv orders per reference number for the expected TikTok order ids."""
    expected = sorted(set(expected_ids))
    per_reference = Counter(reference for reference in extensiv_references if reference in set(expected))
    duplicated = sorted(reference for reference, count in per_reference.items() if count > 1)
    return Reconciliation(
        expected=len(expected),
        in_extensiv=len(per_reference),
        missing=[order_id for order_id in expected if per_reference[order_id] == 0],
        duplicates=sum(per_reference[reference] - 1 for reference in duplicated),
        duplicated_references=duplicated,
    )


def count_requests(log: Iterable[Mapping[str, Any]], method: str, path_pattern: str) -> int:
    """How many entries of a sandbox request log (`/_sandbox/requests`) match a method and a path regex."""
    pattern = re.compile(path_pattern)
    return sum(1 for entry in log if entry["method"] == method and pattern.search(entry["path"]))


@dataclass(frozen=True)
class Check:
    """One target of a benchmark: a measured value, the bound it must meet, and whether it did."""

    benchmark: str
    metric: str
    value: float | None
    target: str
    passed: bool | None  # None: reported for information, no target

    @property
    def verdict(self) -> str:
        return "info" if self.passed is None else "pass" if self.passed else "FAIL"

    def as_dict(self) -> dict[str, Any]:
        value = None if self.value is None else round(self.value, 3)
        return {
            "benchmark": self.benchmark,
            "metric": self.metric,
            "value": value,
            "target": self.target,
            "passed": self.passed,
        }


def info(benchmark: str, metric: str, value: float | None) -> Check:
    return Check(benchmark, metric, value, "", None)


def at_most(benchmark: str, metric: str, value: float | None, bound: float) -> Check:
    return Check(benchmark, metric, value, f"<= {bound:g}", value is not None and value <= bound)


def below(benchmark: str, metric: str, value: float | None, bound: float) -> Check:
    return Check(benchmark, metric, value, f"< {bound:g}", value is not None and value < bound)


def at_least(benchmark: str, metric: str, value: float | None, bound: float) -> Check:
    return Check(benchmark, metric, value, f">= {bound:g}", value is not None and value >= bound)


def equals(benchmark: str, metric: str, value: float | None, wanted: float) -> Check:
    return Check(benchmark, metric, value, f"= {wanted:g}", value is not None and math.isclose(value, wanted))


def shown(value: float | None) -> str:
    """A measured value as the tables print it: three significant digits, whole numbers from 1000."""
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{value:.3g}"


def markdown_table(checks: Sequence[Check]) -> str:
    """The summary table: benchmark, metric, measured value, target, verdict."""
    lines = ["| benchmark | metric | measured | target | verdict |", "|---|---|---:|---|---|"]
    for check in checks:
        lines.append(
            f"| {check.benchmark} | {check.metric} | {shown(check.value)} | {check.target or '-'} | {check.verdict} |"
        )
    return "\n".join(lines)


def text_table(checks: Sequence[Check]) -> str:
    """The same table for a terminal: aligned columns."""
    rows = [("benchmark", "metric", "measured", "target", "verdict")]
    rows += [(c.benchmark, c.metric, shown(c.value), c.target or "-", c.verdict) for c in checks]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )
