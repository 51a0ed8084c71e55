"""Handler of the locations direction: `{"action": "run"}` from the schedule or on demand."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from locations_pull import DIRECTION, LocationPull

from connector_common.direction import RunCounts, run_direction
from connector_common.platforms import Platforms
from connector_common.settings import LocationSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
metrics.set_default_dimensions(direction=DIRECTION)

COUNT_METRICS = {
    "skipped_switched_off": "DirectionSwitchedOff",
    "facilities": "LocationsFacilities",
    "warehouses": "LocationsWarehouses",
    "links_reported": "LocationsLinksReported",
}


class Runtime:
    """Everything one warm Lambda environment reuses between invocations."""

    def __init__(self) -> None:
        self.settings = LocationSettings.from_env()
        self.platforms = Platforms(self.settings)

    def pull(self) -> LocationPull:
        return LocationPull(self.platforms.extensiv, self.platforms.tiktok, self.platforms.locations)


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    return Runtime()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = (event or {}).get("action", "run")
    if action != "run":
        raise ValueError(f"unknown action {action!r}; expected run")

    def work(counts: RunCounts) -> None:
        runtime().pull().run(counts)

    counts = run_direction(DIRECTION, runtime().settings.pull_locations, runtime().platforms.sync_state, work)
    for name, metric in COUNT_METRICS.items():
        if name in counts:
            metrics.add_metric(name=metric, unit=MetricUnit.Count, value=counts[name])
    return {"action": action, "counts": counts}
