"""Handler of the health check: `{"action": "run"}` from the schedule, every five minutes.

Publishes `SecondsSinceLastSuccess` for every direction that is switched on (dimension
`direction` = the direction's name in the hub), and `DirectionsWatched`, the check's own
heartbeat, so an alarm also fires when the check itself stops.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from direction_health import direction_ages

from connector_common.platforms import Platforms
from connector_common.settings import HealthSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()

SERVICE_DIRECTION = "health"


class Runtime:
    """Everything one warm Lambda environment reuses between invocations."""

    def __init__(self) -> None:
        self.settings = HealthSettings.from_env()
        self.platforms = Platforms(self.settings)


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

    ages = direction_ages(runtime().platforms.sync_state.list(), now=time.time())
    # One metric blob per direction: the dimension value differs, and a blob has one set.
    for age in ages:
        seconds = age.seconds_since_last_success
        metrics.add_dimension(name="direction", value=age.direction)
        metrics.add_metric(name="SecondsSinceLastSuccess", unit=MetricUnit.Seconds, value=seconds)
        metrics.flush_metrics()
        if age.never_succeeded:
            logger.warning("direction has never run successfully", extra={"direction": age.direction})

    metrics.add_dimension(name="direction", value=SERVICE_DIRECTION)
    metrics.add_metric(name="DirectionsWatched", unit=MetricUnit.Count, value=len(ages))
    report = {age.direction: round(age.seconds_since_last_success) for age in ages}
    logger.info("direction health checked", extra={"seconds_since_last_success": report})
    return {"action": action, "seconds_since_last_success": report}
