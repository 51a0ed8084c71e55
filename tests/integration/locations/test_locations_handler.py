"""The locations Lambda handler: settings from the environment, Platforms-built clients, both sandboxes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from hub.locations import LocationRepository
from hub.sync_state import SyncStateRepository
from tests.support.handlers import LambdaContext, load_app
from tests.support.stock_sandboxes import StockSandboxes, start_stock_sandboxes


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[StockSandboxes]:
    extensiv, tiktok = start_stock_sandboxes()
    try:
        yield StockSandboxes(extensiv, tiktok)
    finally:
        tiktok.stop()
        extensiv.stop()


@pytest.fixture
def handler_for(sandboxes, aws, monkeypatch):
    sandboxes.reset()
    for arn, secret in (
        (aws.tiktok_secret_arn, sandboxes.tiktok_secret()),
        (aws.extensiv_secret_arn, sandboxes.extensiv_secret()),
    ):
        aws.secretsmanager.put_secret_value(SecretId=arn, SecretString=json.dumps(secret))

    def load(**switch: str):
        environment = aws.environment(
            TIKTOK_API_BASE_URL=sandboxes.tiktok.url,
            TIKTOK_AUTH_BASE_URL=sandboxes.tiktok.url,
            EXTENSIV_ENVIRONMENT="sandbox",
            EXTENSIV_BASE_URL=sandboxes.extensiv.url,
            **switch,
        )
        monkeypatch.delenv("PULL_LOCATIONS", raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return load_app("locations")

    return load


def test_locations_are_pulled_when_the_switch_is_left_at_its_default(handler_for, aws):
    app = handler_for()

    result = app.handler({"action": "run"}, LambdaContext())

    assert (result["counts"]["facilities"], result["counts"]["warehouses"]) == (3, 4)
    assert len(LocationRepository(aws.hub).list_facilities()) == 3
    assert SyncStateRepository(aws.hub).get("locations").last_success_at is not None


def test_switched_off_locations_pull_nothing(handler_for, aws):
    app = handler_for(PULL_LOCATIONS="false")

    result = app.handler({"action": "run"}, LambdaContext())

    assert result["counts"] == {"skipped_switched_off": 1}
    assert LocationRepository(aws.hub).list_facilities() == []
