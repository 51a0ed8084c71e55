"""`syncctl status`, `sync` and `resync` against a stack deployed in moto from template.yaml."""

from __future__ import annotations

import json
import re

from hub.orders import HoldReason, OrderRepository
from hub.sync_state import SyncStateRepository
from tests.integration.syncctl.conftest import as_json


def flows_by_name(report: dict) -> dict:
    return {flow["flow"]: flow for flow in report["flows"]}


def test_status_reads_each_switch_from_the_deployed_functions_environment(deploy, syncctl):
    world = deploy(PushShippingRequests="true", OrderIdScope="111,222", PullInventory="false")

    flows = flows_by_name(as_json(syncctl("status", "--json", stack=world)))

    assert flows["shipping_requests"]["switches"] == {"PUSH_SHIPPING_REQUESTS": "on"}
    assert flows["shipping_requests"]["scope"] == ["111", "222"]
    assert flows["inventory"]["switches"] == {"PULL_INVENTORY": "off"}
    assert flows["locations"]["switches"] == {"PULL_LOCATIONS": "on"}
    assert flows["fulfillments"]["switches"] == {"PULL_FULFILLMENTS": "off", "PUSH_FULFILLMENTS": "off"}


def test_status_shows_last_run_success_cursor_counts_and_error_per_direction(world, syncctl):
    sync_state = SyncStateRepository(world.hub)
    sync_state.advance_cursor("inventory", "2023-11-14T22:00:00")
    sync_state.record_run("inventory", {"skus_pushed": 3})
    sync_state.record_run("inventory", {"skus_pushed": 1}, error="TikTokUnavailable: 503")

    inventory = flows_by_name(as_json(syncctl("status", "--json")))["inventory"]["directions"][0]
    table = syncctl("status")

    assert inventory["cursor"] == "2023-11-14T22:00:00"
    assert inventory["counts"] == {"skus_pushed": 1}
    assert inventory["last_error"] == "TikTokUnavailable: 503"
    assert inventory["last_success_at"] is not None
    assert table.exit_code == 0
    assert "inventory: inventory" in table.stdout
    assert "TikTokUnavailable: 503" in table.stdout


def test_status_counts_held_orders_and_dead_letters(world, syncctl):
    orders = OrderRepository(world.hub)
    orders.observe("111", "AWAITING_SHIPMENT", 1, "w1")
    orders.hold("111", HoldReason.NO_LINKED_FACILITY, "warehouse w1")
    world.sqs.send_message(QueueUrl=world.dead_letter_queue_url, MessageBody='{"order_id":"222","source":"poll"}')

    report = as_json(syncctl("status", "--json"))

    assert (report["held_orders"], report["dead_letters"]) == (1, 1)


def test_status_says_which_flows_the_stack_does_not_have(deploy, syncctl):
    world = deploy(without=("InventoryFunction", "ProductsFunction"))

    flows = flows_by_name(as_json(syncctl("status", "--json", stack=world)))
    table = syncctl("status", stack=world)

    assert flows["inventory"]["deployed"] is False
    assert flows["inventory"]["switches"] == {"PULL_INVENTORY": "absent"}
    assert flows["products"]["deployed"] is False
    assert "not in this stack" in table.stdout


def test_sync_invokes_the_flows_function_with_the_action_its_schedule_sends(world, syncctl):
    # moto's Lambda without Docker answers with the payload it was sent.
    shipping = as_json(syncctl("sync", "shipping_requests", "--json"))
    inventory = as_json(syncctl("sync", "inventory", "--json"))
    table = syncctl("sync", "locations")

    assert shipping == {"function": "ShippingRequestsFunction", "ok": True, "error": None, "answer": {"action": "poll"}}
    assert inventory["answer"] == {"action": "run"}
    assert table.exit_code == 0, table.output
    assert "LocationsFunction done" in table.stdout
    assert re.search(r"action\s+│\s+run", table.stdout)


def test_sync_notes_when_the_flow_is_switched_off(world, syncctl):
    inventory = syncctl("sync", "inventory")
    shipping = syncctl("sync", "shipping_requests")

    assert "pull inventory is off: the run is recorded and does nothing" in inventory.stdout
    assert "push shipping requests is off: the orders it finds are held with reason push_disabled" in shipping.stdout


def test_resync_inventory_and_catalog_send_resync_to_their_functions(world, syncctl):
    inventory = as_json(syncctl("resync", "inventory", "--json"))
    catalog = as_json(syncctl("resync", "catalog", "--json"))

    assert (inventory["function"], inventory["answer"]) == ("InventoryFunction", {"action": "resync"})
    assert (catalog["function"], catalog["answer"]) == ("ProductsFunction", {"action": "resync"})


def test_resync_on_a_stack_without_the_function_says_the_flow_is_not_deployed(deploy, syncctl):
    world = deploy(without=("InventoryFunction",))

    result = syncctl("resync", "inventory", stack=world)

    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "syncctl: stack connector-test has no InventoryFunction: the inventory flow is not deployed"
    )


def test_sync_of_an_unknown_flow_is_a_usage_error(world, syncctl):
    result = syncctl("sync", "teleport")

    assert result.exit_code == 2


def test_unknown_stack_is_one_line_and_exit_2(aws, syncctl, world):
    result = syncctl("--stack-name", "no-such-stack", "status")

    assert result.exit_code == 2
    assert result.stderr.strip() == "syncctl: stack no-such-stack not found at AWS (us-east-1)"
    assert "Traceback" not in result.output


def test_hub_failure_is_one_line_and_exit_2(world, syncctl):
    world.aws.dynamodb.delete_table(TableName=world.outputs["HubTableName"])

    result = syncctl("sku", "list")

    assert result.exit_code == 2
    assert result.stderr.startswith("syncctl: query: ResourceNotFoundException")
    assert len(result.stderr.strip().splitlines()) == 1


def test_status_json_is_machine_readable(world, syncctl):
    result = syncctl("status", "--json")

    assert json.loads(result.stdout)["stack"] == "connector-test"
