"""The products Lambda handler: settings from the environment, Platforms-built clients, both sandboxes."""

from __future__ import annotations

import json

import pytest

from hub.catalog import CatalogRepository
from hub.sync_state import SyncStateRepository
from tests.support.handlers import LambdaContext, load_app

SWITCHES = ("PULL_PRODUCT_CATALOG", "PUSH_PRODUCT_CATALOG")


@pytest.fixture
def handler_for(sandboxes, aws, monkeypatch):
    sandboxes.reset()
    for arn, secret in (
        (aws.tiktok_secret_arn, sandboxes.tiktok_secret()),
        (aws.extensiv_secret_arn, sandboxes.extensiv_secret()),
    ):
        aws.secretsmanager.put_secret_value(SecretId=arn, SecretString=json.dumps(secret))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", *SWITCHES):
        monkeypatch.delenv(name, raising=False)

    def load(**switches: str):
        environment = aws.environment(
            TIKTOK_API_BASE_URL=sandboxes.tiktok.url,
            TIKTOK_AUTH_BASE_URL=sandboxes.tiktok.url,
            EXTENSIV_ENVIRONMENT="sandbox",
            EXTENSIV_BASE_URL=sandboxes.extensiv.url,
            **switches,
        )
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return load_app("products")

    return load


def test_catalog_is_pulled_but_not_pushed_with_the_default_switches(handler_for, sandboxes, aws):
    sandboxes.add_product("Mug", "MUG-01")
    app = handler_for()

    result = app.handler({"action": "run"}, LambdaContext())

    assert result["pull"]["products_new"] == 1
    assert result["push"] == {"skipped_switched_off": 1}
    assert [p.title for p in CatalogRepository(aws.hub).list_products()] == ["Mug"]
    assert sandboxes.item_writes() == []
    status = SyncStateRepository(aws.hub).get("products_push")
    assert status.last_counts == {"skipped_switched_off": 1}


def test_switched_on_push_creates_the_new_items(handler_for, sandboxes, aws):
    sandboxes.add_product("Mug", "MUG-01")
    app = handler_for(PUSH_PRODUCT_CATALOG="true")

    result = app.handler({"action": "run"}, LambdaContext())
    again = app.handler({"action": "run"}, LambdaContext())

    assert result["push"] == {"created": 1}
    assert again["push"] == {"unchanged": 1}
    assert "MUG-01" in sandboxes.items()
    assert SyncStateRepository(aws.hub).get("products").last_success_at is not None


def test_resync_action_rechecks_every_item(handler_for, sandboxes):
    sandboxes.add_product("Mug", "MUG-01")
    app = handler_for(PUSH_PRODUCT_CATALOG="true")
    app.handler({"action": "run"}, LambdaContext())

    result = app.handler({"action": "resync"}, LambdaContext())

    assert result["action"] == "resync"
    assert result["pull"]["products_seen"] == 1
    assert result["push"] == {"verified": 1}


def test_unknown_action_is_refused(handler_for):
    app = handler_for()

    with pytest.raises(ValueError, match="unknown action 'sync'"):
        app.handler({"action": "sync"}, LambdaContext())
