"""End to end: the stack deployed into the local AWS emulator, driven the way `make run` does.

This is `make run DURATION=90` in-process: sandboxes on loopback, template.yaml built and
deployed by the SAM CLI into ministack, the demo shop's orders flowing through the real
webhook, queue and Lambda functions, with the demo's injected faults.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field

import pytest
import requests

from local.aws.emulator import MINISTACK_PYTHON, SAM_EXECUTABLE
from local.run import DemoRun, run_demo
from tiktok_shop.client import TikTokShopClient
from tiktok_shop.credentials import TikTokCredentials

pytestmark = pytest.mark.e2e

if not (MINISTACK_PYTHON.exists() and SAM_EXECUTABLE.exists()):
    message = "the local AWS emulator is not installed: run `make test` (it runs local/aws/setup.sh)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)


@dataclass
class FinishedRun:
    summary: dict = field(default_factory=dict)
    log_lines: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    personal_data: list[str] = field(default_factory=list)
    placed: list[tuple[str, str]] = field(default_factory=list)
    inventory_updates_on_unchanged_run: list[str] = field(default_factory=lambda: ["not run"])
    syncctl: dict[str, tuple[int, str]] = field(default_factory=dict)


def collect_evidence(finished: FinishedRun):
    def inspect(demo: DemoRun) -> None:
        finished.placed = list(demo.placed)
        finished.inventory_updates_on_unchanged_run = inventory_updates_of_one_more_run(demo)
        run_syncctl_against(demo, finished)
        functions = [
            logical_id for logical_id, (kind, _) in demo.stack.resources.items() if kind == "AWS::Lambda::Function"
        ]
        for logical_id in functions:
            finished.log_lines.extend(demo.stack.function_logs(logical_id))

        credentials = requests.get(f"{demo.tiktok_url}/_sandbox/credentials", timeout=10).json()
        extensiv = demo.shop.extensiv_secret()
        finished.secrets = [
            credentials["app_secret"],
            credentials["access_token"],
            credentials["refresh_token"],
            extensiv["client_secret"],
        ]
        client = TikTokShopClient(
            TikTokCredentials(
                app_key=credentials["app_key"],
                app_secret=credentials["app_secret"],
                access_token=credentials["access_token"],
                refresh_token=credentials["refresh_token"],
                shop_cipher=credentials["shop_cipher"],
            ),
            requests.Session(),
            demo.tiktok_url,
            demo.tiktok_url,
        )
        for order in client.get_orders([order_id for _, order_id in demo.placed]):
            address = order.recipient_address
            if address is None:
                continue
            finished.personal_data += [value for value in (address.name, address.phone_number) if value]
            finished.personal_data += [line for line in address.street_lines if len(line) > 4]

    return inspect


def inventory_updates_of_one_more_run(demo: DemoRun) -> list[str]:
    """Run the inventory flow once more with nothing changed; the update bodies TikTok received."""
    requests.delete(f"{demo.tiktok_url}/_sandbox/requests", timeout=10).raise_for_status()
    assert demo.stack.invoke("InventoryFunction", {"action": "run"}).ok
    sent = requests.get(f"{demo.tiktok_url}/_sandbox/requests", timeout=10).json()["requests"]
    return [request["body"] for request in sent if request["path"].endswith("/inventory/update")]


def run_syncctl_against(demo: DemoRun, finished: FinishedRun) -> None:
    """The operator's commands against the running local stack, as a second terminal would."""
    from typer.testing import CliRunner

    from syncctl.cli import app

    target = ["--endpoint-url", demo.stack.endpoint_url, "--stack-name", demo.stack.name]
    unlinked = next(order_id for kind, order_id in demo.placed if kind == "unlinked")
    plain = next(order_id for kind, order_id in demo.placed if kind == "plain")
    commands = {
        "status": ["status", "--json"],
        "held": ["orders", "held", "--json"],
        "show": ["orders", "show", plain, "--json"],
        "locations": ["locations", "list", "--json"],
        "skus": ["sku", "list", "--json"],
        "dead_letters": ["dead-letters", "list", "--json"],
        "doctor_unlinked": ["doctor", "--order", unlinked, "--json"],
        "doctor_plain": ["doctor", "--order", plain, "--json"],
        "sync_locations": ["sync", "locations", "--json"],
    }
    runner = CliRunner()
    for name, args in commands.items():
        result = runner.invoke(app, target + args)
        finished.syncctl[name] = (result.exit_code, result.output)


@pytest.fixture(scope="module")
def finished() -> FinishedRun:
    run = FinishedRun()
    with pytest.MonkeyPatch.context() as patch:
        # Module fixtures start before the autouse per-test environment: set the emulator's
        # fake credentials here so the operator command can sign its requests.
        for name, value in {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        run.summary = run_demo(duration=90, seed=7, stop=lambda: False, before_shutdown=collect_evidence(run))
    logging.getLogger(__name__).warning("summary: %s", json.dumps(run.summary))  # shown when a test fails
    return run


def test_every_routable_order_reaches_extensiv_exactly_once(finished):
    summary = finished.summary
    assert summary["routable"] >= 3
    assert summary["missing"] == []
    assert summary["duplicates"] == 0
    assert summary["unexpected_in_extensiv"] == []
    assert summary["extensiv_orders"] == summary["routable"]


def test_injected_faults_cost_no_order(finished):
    assert finished.summary["faults_injected"] == 3
    assert finished.summary["dead_lettered"] == 0


def test_orders_that_cannot_be_routed_are_held_with_their_reason(finished):
    held = finished.summary["held"]
    assert held.get("unknown_sku", 0) >= 1
    assert held.get("no_linked_facility", 0) >= 1
    assert "on_hold" not in held


def test_fulfilled_by_tiktok_and_cancelled_in_hold_orders_are_not_sent(finished):
    states = finished.summary["hub_states"]
    assert states.get("skipped", 0) >= 1
    assert states.get("cancelled", 0) >= 1


def test_orders_reach_extensiv_seconds_after_their_hold_ends(finished):
    latency = finished.summary["hold_end_to_extensiv_s"]
    assert latency["count"] == finished.summary["extensiv_orders"]
    assert latency["max"] < 30


def test_function_logs_are_structured_and_carry_the_order_id(finished):
    records = [json.loads(line) for line in finished.log_lines if line.startswith("{")]
    handed_off = [record for record in records if record.get("message") == "shipping request in Extensiv"]

    assert len(handed_off) >= finished.summary["extensiv_orders"]
    assert all(record.get("order_id") and record.get("level") == "INFO" for record in handed_off)


def test_function_logs_hold_no_secret_and_no_name_phone_or_street(finished):
    assert finished.log_lines
    assert finished.secrets
    assert finished.personal_data
    text = "\n".join(finished.log_lines)

    leaked = [value for value in finished.secrets + finished.personal_data if value in text]

    assert leaked == []


def syncctl_json(finished: FinishedRun, name: str, ok_codes=(0,)):
    exit_code, output = finished.syncctl[name]
    assert exit_code in ok_codes, output
    return json.loads(output)


def test_syncctl_reads_the_live_local_stack(finished):
    held = syncctl_json(finished, "held")
    reasons = {row["reason"] for row in (held["orders"] if isinstance(held, dict) else held)}
    assert {"unknown_sku", "no_linked_facility"} <= reasons

    status = json.dumps(syncctl_json(finished, "status"))
    assert "shipping_requests" in status

    assert syncctl_json(finished, "locations")
    assert syncctl_json(finished, "skus")
    assert syncctl_json(finished, "dead_letters") is not None
    assert syncctl_json(finished, "sync_locations") is not None


def test_syncctl_doctor_names_the_missing_link_of_a_held_order(finished):
    report = json.dumps(syncctl_json(finished, "doctor_unlinked", ok_codes=(0, 1)))

    assert "no_linked_facility" in report or "warehouse_unlinked" in report


def test_syncctl_doctor_says_which_link_routed_a_sent_order(finished):
    report = json.dumps(syncctl_json(finished, "doctor_plain", ok_codes=(0, 1)))

    assert "routed_by_link" in report


def test_shipped_orders_carry_their_tracking_on_tiktok(finished):
    summary = finished.summary
    assert summary["shipped"] >= 1
    assert summary["tracking_on_tiktok"] == summary["shipped"]
    assert summary["shipped_without_tracking_on_tiktok"] == []


def test_stock_reaches_the_linked_warehouses_and_an_unchanged_run_sends_nothing(finished):
    assert finished.summary["inventory_mismatches"] == 0, finished.summary.get("inventory_mismatch_details")
    assert finished.inventory_updates_on_unchanged_run == []


def test_cancellations_cross_in_both_directions_and_late_ones_are_recorded(finished):
    summary = finished.summary
    assert summary["cancelled_by_buyer"] >= 1
    assert summary["cancelled_by_warehouse"] >= 1
    assert summary["too_late_to_cancel"] >= 1


def test_returns_become_expected_returns_in_extensiv(finished):
    assert finished.summary["returns_to_extensiv"] >= 1


def test_catalog_push_arrival_and_receipt_with_its_shortfall(finished):
    summary = finished.summary
    assert summary["products_pushed"] >= 1
    assert summary["arrivals_pushed"] == 1
    assert summary["receipts_pulled"] == 1
    assert summary["receipt_variance_units"] == 1
