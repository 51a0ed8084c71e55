"""The health check handler: run statuses from a moto hub built from template.yaml, metrics as printed."""

from __future__ import annotations

import time

import boto3
import pytest

from hub.sync_state import SyncStateRepository
from hub.table import HubTable
from tests.support.aws import REGION
from tests.support.handlers import LambdaContext, load_app
from tests.support.metrics import emitted_metrics, named
from tests.support.template import function_environment


@pytest.fixture
def health(aws, monkeypatch):
    service = function_environment("HealthFunction")["POWERTOOLS_SERVICE_NAME"]
    for name, value in aws.environment(POWERTOOLS_SERVICE_NAME=service).items():
        monkeypatch.setenv(name, value)
    return load_app("health")


def record_run(aws, direction: str, seconds_ago: float, counts: dict[str, int], error: str | None = None) -> None:
    table = boto3.resource("dynamodb", region_name=REGION).Table(aws.hub_table_name)
    moment = time.time() - seconds_ago
    SyncStateRepository(HubTable(table, clock=lambda: moment)).record_run(direction, counts, error=error)


def test_health_publishes_seconds_since_last_success_per_switched_on_direction(health, aws, capsys):
    # GIVEN inventory succeeded a minute ago, the fulfillment push succeeded an hour ago and has
    # failed since, and the returns direction is switched off
    record_run(aws, "inventory", 60, {"skus_pushed": 1})
    record_run(aws, "fulfillments_push", 3600, {"packages_pushed": 1})
    record_run(aws, "fulfillments_push", 30, {"failed": 1}, error="TikTokUnavailable: timeout")
    record_run(aws, "returns_to_extensiv", 7200, {"returns_seen": 1})
    record_run(aws, "returns_to_extensiv", 30, {"skipped_switched_off": 1})

    # WHEN the health check runs
    result = health.handler({"action": "run"}, LambdaContext())

    # THEN each switched-on direction has its age, under its own direction dimension
    ages = {
        metric.dimensions["direction"]: metric.values[0]
        for metric in named(emitted_metrics(capsys.readouterr().out), "SecondsSinceLastSuccess")
    }
    assert set(ages) == {"inventory", "fulfillments_push"}
    assert 55 <= ages["inventory"] <= 120
    assert 3595 <= ages["fulfillments_push"] <= 3660
    assert set(result["seconds_since_last_success"]) == {"inventory", "fulfillments_push"}


def test_health_metrics_carry_exactly_the_dimensions_the_alarms_name(health, aws, capsys):
    record_run(aws, "locations", 10, {"facilities": 3})

    health.handler({"action": "run"}, LambdaContext())

    metrics = emitted_metrics(capsys.readouterr().out)
    age = named(metrics, "SecondsSinceLastSuccess")[0]
    heartbeat = named(metrics, "DirectionsWatched")[0]
    assert (age.namespace, age.unit, age.dimensions) == (
        aws.environment()["POWERTOOLS_METRICS_NAMESPACE"],
        "Seconds",
        {"service": "health", "direction": "locations"},
    )
    assert (heartbeat.values, heartbeat.dimensions) == ((1,), {"service": "health", "direction": "health"})


def test_health_with_every_direction_switched_off_still_sends_its_heartbeat(health, aws, capsys):
    record_run(aws, "inventory", 10, {"skipped_switched_off": 1})

    health.handler({"action": "run"}, LambdaContext())

    metrics = emitted_metrics(capsys.readouterr().out)
    assert named(metrics, "SecondsSinceLastSuccess") == []
    assert named(metrics, "DirectionsWatched")[0].values == (0,)


def test_health_rejects_an_unknown_action(health):
    with pytest.raises(ValueError, match="unknown action 'resync'"):
        health.handler({"action": "resync"}, LambdaContext())
