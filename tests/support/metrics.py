"""Read the CloudWatch metrics a handler published: Powertools writes them to stdout in EMF."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class EmittedMetric:
    """One metric of one EMF blob, with the dimensions CloudWatch files it under."""

    namespace: str
    name: str
    unit: str
    values: tuple[float, ...]
    dimensions: dict[str, str]


def emitted_metrics(output: str) -> list[EmittedMetric]:
    """Every metric in the EMF blobs among `output`'s lines (log lines are skipped)."""
    found = []
    for line in output.splitlines():
        if '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            names = {name for dimension_set in directive["Dimensions"] for name in dimension_set}
            dimensions = {name: str(blob[name]) for name in sorted(names)}
            for metric in directive["Metrics"]:
                raw = blob[metric["Name"]]
                values = tuple(raw) if isinstance(raw, list) else (raw,)
                found.append(EmittedMetric(directive["Namespace"], metric["Name"], metric["Unit"], values, dimensions))
    return found


def named(metrics: list[EmittedMetric], name: str) -> list[EmittedMetric]:
    return [metric for metric in metrics if metric.name == name]
