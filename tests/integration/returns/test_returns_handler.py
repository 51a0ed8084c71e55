"""The returns Lambda handler as deployed: settings from the environment, clients from the stored
secrets, both sandboxes over HTTP and the hub in moto."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.returns import ReturnRepository, ReturnState
from hub.sync_state import SyncStateRepository
from tests.integration.returns.conftest import CUSTOMER_ID, EXTENSIV_CONFIG, record_shipped_order, tiktok_credentials
from tests.support.handlers import LambdaContext, load_app
from tests.support.template import function_environment

EVENTS = Path(__file__).resolve().parents[3] / "events" / "returns"


@pytest.fixture
def environment(aws, shop, warehouse, monkeypatch):
    """Set the function's environment for this world; returns a setter for the two switches."""
    credentials = tiktok_credentials(shop.url)
    tiktok_secret = {
        "app_key": credentials.app_key,
        "app_secret": credentials.app_secret,
        "access_token": credentials.access_token,
        "refresh_token": credentials.refresh_token,
        "access_token_expires_at": credentials.access_token_expires_at,
        "shop_id": credentials.shop_id,
        "shop_cipher": credentials.shop_cipher,
    }
    extensiv_secret = {
        "client_id": EXTENSIV_CONFIG["client_id"],
        "client_secret": EXTENSIV_CONFIG["client_secret"],
        "customer_id": CUSTOMER_ID,
        "user_id": EXTENSIV_CONFIG["user_id"],
    }
    aws.secretsmanager.put_secret_value(SecretId=aws.tiktok_secret_arn, SecretString=json.dumps(tiktok_secret))
    aws.secretsmanager.put_secret_value(SecretId=aws.extensiv_secret_arn, SecretString=json.dumps(extensiv_secret))
    base = aws.environment(
        TIKTOK_API_BASE_URL=shop.url,
        TIKTOK_AUTH_BASE_URL=shop.url,
        EXTENSIV_BASE_URL=warehouse.url,
        EXTENSIV_ENVIRONMENT="sandbox",
    )
    for name, value in base.items():
        monkeypatch.setenv(name, value)

    def switches(to_extensiv: str, from_extensiv: str):
        monkeypatch.setenv("RETURNS_TO_EXTENSIV", to_extensiv)
        monkeypatch.setenv("RETURNS_FROM_EXTENSIV", from_extensiv)
        return load_app("returns")

    return switches


def sqs_event(*bodies: dict) -> dict:
    template = json.loads((EVENTS / "sqs-return-event.json").read_text())["Records"][0]
    return {
        "Records": [
            {**template, "messageId": f"m-{index}", "body": json.dumps(body)} for index, body in enumerate(bodies)
        ]
    }


def test_template_gives_the_function_both_switches_off_by_default():
    environment = function_environment("ReturnsFunction")

    assert environment["RETURNS_TO_EXTENSIV"] == {"Ref": "ReturnsToExtensiv"}
    assert environment["RETURNS_FROM_EXTENSIV"] == {"Ref": "ReturnsFromExtensiv"}


def test_scheduled_runs_carry_a_return_to_extensiv_and_its_receipt_back_to_tiktok(environment, shop, warehouse, hub):
    app = environment("true", "true")
    order_id = shop.shipped_order({"MUG-01": 1})
    record_shipped_order(hub, order_id)
    return_id = shop.open_return(order_id)
    shop.tick(2)

    first = app.handler({"action": "run"}, LambdaContext())
    warehouse.receive(ReturnRepository(hub).get(return_id).receiver_id)
    second = app.handler({"action": "run"}, LambdaContext())

    assert first["counts"]["returns_to_extensiv"]["expected_created"] == 1
    assert second["counts"]["returns_from_extensiv"]["approved"] == 1
    assert ReturnRepository(hub).get(return_id).state == ReturnState.APPROVED
    assert shop.return_status(return_id) == "RETURN_OR_REFUND_REQUEST_SUCCESS"
    status = SyncStateRepository(hub).get("returns_from_extensiv")
    assert status.last_error is None
    assert status.cursor is not None


def test_switched_off_directions_send_nothing_and_say_so(environment, shop, warehouse, hub):
    app = environment("false", "false")
    order_id = shop.shipped_order({"MUG-01": 1})
    record_shipped_order(hub, order_id)
    shop.open_return(order_id)
    shop.tick(2)

    result = app.handler({"action": "run"}, LambdaContext())

    assert result["counts"] == {
        "returns_to_extensiv": {"skipped_switched_off": 1},
        "returns_from_extensiv": {"skipped_switched_off": 1},
    }
    assert warehouse.return_receivers() == []
    assert shop.requests_to("/returns/search") == []


def test_forwarded_return_webhook_reads_the_named_order_now(environment, shop, warehouse, hub):
    app = environment("true", "false")
    order_id = shop.shipped_order({"TEE-RED-S": 1})
    record_shipped_order(hub, order_id)
    return_id = shop.open_return(order_id)
    shop.tick()

    result = app.handler(sqs_event({"order_id": order_id, "return_id": return_id}), LambdaContext())

    assert result == {"batchItemFailures": []}
    assert [receiver["referenceNum"] for receiver in warehouse.return_receivers()] == [f"RMA{return_id}"]
    searches = shop.requests_to("/returns/search")
    assert [json.loads(entry["body"]) for entry in searches] == [{"order_ids": [order_id]}]


def test_return_event_that_names_no_order_fails_alone(environment, shop, warehouse, hub):
    app = environment("true", "false")
    order_id = shop.shipped_order({"TEE-RED-S": 1})
    record_shipped_order(hub, order_id)
    shop.open_return(order_id)
    shop.tick()

    result = app.handler(sqs_event({"return_id": "1"}, {"order_id": order_id}), LambdaContext())

    assert result == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    assert len(warehouse.return_receivers()) == 1


def test_orders_action_takes_the_same_fast_path_as_a_queued_event(environment, shop, warehouse, hub):
    app = environment("true", "false")
    order_id = shop.shipped_order({"TEE-RED-S": 1})
    record_shipped_order(hub, order_id)
    return_id = shop.open_return(order_id)
    shop.tick()

    result = app.handler({"action": "orders", "order_ids": [order_id]}, LambdaContext())

    assert result["counts"]["returns_to_extensiv"]["expected_created"] == 1
    assert [receiver["referenceNum"] for receiver in warehouse.return_receivers()] == [f"RMA{return_id}"]


def test_a_failing_direction_is_recorded_and_the_other_still_runs(environment, shop, warehouse, hub):
    app = environment("true", "true")
    refused = '{"code":105005,"message":"The app lacks the scope","request_id":"sbx-scope","data":null}'
    shop.control(
        "faults",
        {
            "match": "^/return_refund/202309/returns/search$",
            "method": "POST",
            "kind": "status",
            "status": 200,
            "count": 1,
            "headers": {"Content-Type": "application/json", "x-sandbox-body": refused},
        },
    )

    with pytest.raises(Exception, match="105005"):
        app.handler({"action": "run"}, LambdaContext())

    sync_state = SyncStateRepository(hub)
    assert "105005" in sync_state.get("returns_to_extensiv").last_error
    assert sync_state.get("returns_from_extensiv").last_success_at is not None


def test_unknown_action_is_refused(environment):
    app = environment("true", "true")

    with pytest.raises(ValueError, match="unknown action"):
        app.handler({"action": "poll"}, LambdaContext())
