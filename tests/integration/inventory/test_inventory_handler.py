"""The inventory Lambda handler end to end: settings from the environment, secrets and hub in moto,
the real clients built by Platforms, both sandboxes over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from hub.locations import LocationRepository
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from tests.support.handlers import LambdaContext, load_app
from tests.support.stock_sandboxes import LINKS, P_CAP, P_MUG, P_TEE, StockSandboxes, start_stock_sandboxes


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
    """Load the handler with the stack's environment, the switch as given, secrets for the sandboxes."""
    sandboxes.reset()
    aws.secretsmanager.put_secret_value(
        SecretId=aws.tiktok_secret_arn, SecretString=json.dumps(sandboxes.tiktok_secret())
    )
    aws.secretsmanager.put_secret_value(
        SecretId=aws.extensiv_secret_arn, SecretString=json.dumps(sandboxes.extensiv_secret())
    )
    for facility_id, warehouse_id in LINKS.items():
        LocationRepository(aws.hub).link(warehouse_id, facility_id)
    SkuRepository(aws.hub).set_channel_sku("CAP-BLUE", "EXT-CAP")

    def load(pull_inventory: str):
        environment = aws.environment(
            TIKTOK_API_BASE_URL=sandboxes.tiktok.url,
            TIKTOK_AUTH_BASE_URL=sandboxes.tiktok.url,
            EXTENSIV_ENVIRONMENT="sandbox",
            EXTENSIV_BASE_URL=sandboxes.extensiv.url,
            PULL_INVENTORY=pull_inventory,
            INVENTORY_SKU_SCOPE="",
            INVENTORY_DEFAULT_BUFFER="0",
        )
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return load_app("inventory")

    return load


def test_switched_off_inventory_sends_nothing_and_records_the_run(handler_for, sandboxes, aws):
    app = handler_for("false")

    result = app.handler({"action": "run"}, LambdaContext())

    assert result == {"action": "run", "counts": {"skipped_switched_off": 1}}
    assert sandboxes.inventory_updates() == []
    assert SyncStateRepository(aws.hub).get("inventory").last_counts == {"skipped_switched_off": 1}


def test_scheduled_run_pushes_and_forced_resync_pushes_everything_again(handler_for, sandboxes, aws):
    app = handler_for("true")

    first = app.handler({"action": "run"}, LambdaContext())
    sandboxes.clear_requests()
    unchanged = app.handler({"action": "run"}, LambdaContext())
    resync = app.handler({"action": "resync"}, LambdaContext())

    assert first["counts"]["skus_pushed"] == 3
    assert unchanged["counts"]["skus_pushed"] == 0
    assert resync["counts"]["skus_pushed"] == 3
    assert sorted(update["product_id"] for update in sandboxes.inventory_updates()) == sorted([P_TEE, P_MUG, P_CAP])
    status = SyncStateRepository(aws.hub).get("inventory")
    assert (status.last_error, status.last_counts["unlinked_facilities"]) == (None, 1)


def test_unknown_action_is_refused(handler_for):
    app = handler_for("true")

    with pytest.raises(ValueError, match="unknown action 'poll'"):
        app.handler({"action": "poll"}, LambdaContext())
