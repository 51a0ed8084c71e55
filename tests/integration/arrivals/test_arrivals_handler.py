"""The arrivals Lambda handler: settings from the environment, a Platforms-built client, the Extensiv sandbox."""

from __future__ import annotations

import json

import pytest

from connector_common.arrival_file import create_arrivals, parse_arrival_document
from hub.arrivals import ArrivalRepository, ArrivalState, arrival_counts
from hub.sync_state import SyncStateRepository
from tests.integration.arrivals.conftest import declaration
from tests.support.handlers import LambdaContext, load_app

SWITCHES = ("PUSH_ARRIVALS", "PULL_RECEIPTS")


@pytest.fixture
def handler_for(sandboxes, aws, monkeypatch):
    sandboxes.reset()
    secret = json.dumps(sandboxes.extensiv_secret())
    aws.secretsmanager.put_secret_value(SecretId=aws.extensiv_secret_arn, SecretString=secret)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", *SWITCHES):
        monkeypatch.delenv(name, raising=False)

    def load(**switches: str):
        environment = aws.environment(
            EXTENSIV_ENVIRONMENT="sandbox", EXTENSIV_BASE_URL=sandboxes.extensiv.url, **switches
        )
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return load_app("arrivals")

    return load


def test_both_directions_are_off_by_default(handler_for, aws, sandboxes):
    create_arrivals(aws.hub, parse_arrival_document(declaration()))
    app = handler_for()

    result = app.handler({"action": "run"}, LambdaContext())

    assert result["push"] == result["pull"] == {"skipped_switched_off": 1}
    assert sandboxes.receivers() == []
    assert SyncStateRepository(aws.hub).get("arrivals_push").last_counts == {"skipped_switched_off": 1}


def test_arrival_goes_to_extensiv_and_its_receipt_comes_back(handler_for, aws, sandboxes):
    sandboxes.extensiv_control("config", {"receive_after_seconds": 0, "receipt_shortfall": 1})
    create_arrivals(aws.hub, parse_arrival_document(declaration(lines={"TEE-RED-S": 10})))
    app = handler_for(PUSH_ARRIVALS="true", PULL_RECEIPTS="true")

    first = app.handler({"action": "run"}, LambdaContext())
    sandboxes.extensiv_control("tick")
    second = app.handler({"action": "run"}, LambdaContext())

    assert first["push"] == {"pushed": 1}
    assert second["pull"]["receipts_pulled"] == 1
    assert ArrivalRepository(aws.hub).get("PO-1001").state == ArrivalState.RECEIVED
    counts = arrival_counts(aws.hub)
    assert (counts["arrivals_pushed"], counts["receipts_pulled"], counts["receipt_variance_units"]) == (1, 1, 1)


def test_unknown_action_is_refused(handler_for):
    app = handler_for()

    with pytest.raises(ValueError, match="unknown action 'poll'"):
        app.handler({"action": "poll"}, LambdaContext())
