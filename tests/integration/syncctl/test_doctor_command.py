"""`syncctl doctor` over a stack deployed in moto: the facts it gathers and the exit code it gives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from typer.testing import CliRunner

from extensiv.auth import ConnectionCheck
from hub.locations import Facility, LocationRepository, Warehouse
from hub.orders import HoldReason, OrderRepository
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from local.sandboxes.extensiv import ExtensivSandbox
from syncctl.cli import Deps, app
from syncctl.gather import StackApis
from syncctl.stack import Stack
from tests.integration.syncctl.conftest import as_json
from tests.support.factories import EXTENSIV_SECRET, WAREHOUSE_ID, tiktok_order
from tests.support.fakes import FakeTikTok
from tests.support.syncctl_world import FakeExtensivChecks

FACILITY = "1"
ALL_ON = {
    "PushShippingRequests": "true",
    "PullInventory": "true",
    "PullFulfillments": "true",
    "PushFulfillments": "true",
    "PullProductCatalog": "true",
    "PushProductCatalog": "true",
}


def by_code(report: dict) -> dict[str, dict]:
    return {finding["code"]: finding for finding in report["findings"]}


def set_up_locations(world) -> None:
    locations = LocationRepository(world.hub)
    locations.save_facility(Facility(FACILITY, "Reno DC"))
    locations.save_warehouse(Warehouse(WAREHOUSE_ID, "West", "SALES_WAREHOUSE", "ENABLED"))
    locations.link(WAREHOUSE_ID, FACILITY)


def test_doctor_on_a_fully_set_up_stack_finds_no_problem_and_exits_0(deploy, syncctl):
    world = deploy(**ALL_ON)
    set_up_locations(world)

    result = syncctl("doctor", stack=world)

    assert result.exit_code == 0, result.output
    assert "no problem found: 0 problem(s), 0 warning(s)" in result.stdout
    assert "Extensiv connection works: connected (fake)." in result.stdout


def test_doctor_on_a_fresh_stack_reports_the_setup_left_to_do_and_exits_1(world, syncctl):
    result = syncctl("doctor", "--json")
    findings = by_code(as_json(result))

    assert result.exit_code == 1
    assert findings["no_links"]["severity"] == "problem"
    assert findings["push_shipping_requests_off"]["severity"] == "warning"
    assert findings["pull_inventory_off"]["severity"] == "warning"
    assert "locations_not_pulled_yet" in findings


def test_doctor_reads_secrets_and_names_what_the_extensiv_secret_lacks(world, syncctl):
    world.put_secret("ExtensivSecret", {**EXTENSIV_SECRET, "client_secret": "", "user_id": ""})

    finding = by_code(as_json(syncctl("doctor", "--json")))["extensiv_secret_incomplete"]

    assert finding["cause"] == "Extensiv connection fails: the stack's Extensiv secret has no client_secret, user_id."


def test_doctor_reports_the_failed_credential_from_the_connection_check(world, syncctl, apis):
    apis.extensiv_client = FakeExtensivChecks(ConnectionCheck(False, "customer_id", "customer 12 answered 404"))

    finding = by_code(as_json(syncctl("doctor", "--json")))["extensiv_customer_id_wrong"]

    assert finding["cause"] == "Extensiv connection fails (the Customer ID is wrong): customer 12 answered 404"


def test_doctor_order_never_ingested_asks_tiktok(world, syncctl, apis):
    order = tiktok_order()
    apis.tiktok_client = FakeTikTok(order)

    result = syncctl("doctor", "--order", order.id, "--json")
    finding = by_code(as_json(result))["order_not_ingested"]

    assert result.exit_code == 1
    assert finding["cause"].startswith(
        f"TikTok has order {order.id} (status AWAITING_SHIPMENT) but the hub never saw it"
    )
    assert apis.tiktok().detail_calls == [[order.id]]


def test_doctor_order_held_without_a_link_advises_linking_its_warehouse(world, syncctl):
    orders = OrderRepository(world.hub)
    orders.observe("111", "AWAITING_SHIPMENT", 1, "7068517275539719003")
    orders.hold("111", HoldReason.NO_LINKED_FACILITY, "warehouse 7068517275539719003")

    finding = by_code(as_json(syncctl("doctor", "--order", "111", "--json")))["held_no_linked_facility"]

    assert "routing found no Extensiv facility linked to its TikTok warehouse" in finding["cause"]
    assert "syncctl locations link" in finding["advice"]


def test_doctor_order_sent_to_extensiv_names_the_link_that_routed_it(world, syncctl):
    set_up_locations(world)
    orders = OrderRepository(world.hub)
    orders.observe("111", "AWAITING_SHIPMENT", 1, WAREHOUSE_ID)
    orders.mark_submitted(orders.claim("111", 60), "1001", FACILITY, how="created")

    finding = by_code(as_json(syncctl("doctor", "--order", "111", "--json")))["routed_by_link"]

    assert finding["cause"].startswith(
        f"Order 111 is in Extensiv as order 1001, at facility {FACILITY}: routed by the link of TikTok warehouse "
        f"{WAREHOUSE_ID} to facility {FACILITY} (sent "
    )


def test_doctor_sku_missing_in_extensiv_asks_for_the_channel_sku(world, syncctl, apis):
    SkuRepository(world.hub).set_channel_sku("TEE-BLK-M", "3PL-TEE-BLACK-M")
    apis.extensiv_client = FakeExtensivChecks(items=("TEE-BLK-M",))

    finding = by_code(as_json(syncctl("doctor", "--sku", "TEE-BLK-M", "--json")))["channel_sku_missing_in_extensiv"]

    assert apis.extensiv().item_lookups == ["3PL-TEE-BLACK-M"]
    assert "the channel SKU set for master SKU TEE-BLK-M" in finding["cause"]


def test_doctor_sku_known_to_extensiv_is_confirmed(world, syncctl, apis):
    apis.extensiv_client = FakeExtensivChecks(items=("MUG-01",))

    findings = by_code(as_json(syncctl("doctor", "--sku", "MUG-01", "--json")))

    assert findings["extensiv_item_found"]["severity"] == "ok"


def test_doctor_offline_calls_neither_platform(world, syncctl, apis):
    findings = by_code(as_json(syncctl("doctor", "--sku", "MUG-01", "--offline", "--json")))

    assert findings["extensiv_not_checked"]["cause"] == "The Extensiv connection was not checked: --offline."
    assert apis.extensiv().item_lookups == []


def test_doctor_order_and_sku_together_is_a_usage_error(world, syncctl):
    result = syncctl("doctor", "--order", "1", "--sku", "X")

    assert result.exit_code == 2
    assert result.stderr.strip() == "syncctl: --order and --sku exclude each other"


def test_doctor_reports_dead_letters_and_failing_directions(world, syncctl):
    world.sqs.send_message(QueueUrl=world.dead_letter_queue_url, MessageBody='{"order_id":"111","source":"poll"}')
    SyncStateRepository(world.hub).record_run("locations", {}, error="ExtensivUnavailable: timeout")

    findings = by_code(as_json(syncctl("doctor", "--json")))

    assert findings["dead_letters"]["cause"].startswith("1 shipping request(s) for order(s) 111 failed every delivery")
    assert findings["direction_failing"]["cause"] == "The last run of locations failed: ExtensivUnavailable: timeout"


# --- the connection check for real, against the Extensiv sandbox on loopback ------------------------


@pytest.fixture(scope="module")
def extensiv_sandbox() -> Iterator[ExtensivSandbox]:
    config = {"client_id": "doctor-client", "client_secret": "doctor-secret", "customer_id": 12, "user_id": 1523}
    with ExtensivSandbox(config, {"facilities": [{"id": 1, "name": "Reno"}]}, ticker=False) as running:
        yield running


@pytest.fixture
def loopback_session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False
        yield session


@pytest.mark.parametrize(
    ("secret", "code"),
    [
        ({"client_secret": "doctor-secret"}, "extensiv_connected"),
        ({"client_secret": "wrong"}, "extensiv_client_id_or_secret_wrong"),
        ({"client_secret": "doctor-secret", "user_id": 999}, "extensiv_user_id_wrong"),
        ({"client_secret": "doctor-secret", "customer_id": 77}, "extensiv_customer_id_wrong"),
    ],
)
def test_doctor_checks_the_extensiv_connection_with_the_stacks_secret_and_base_url(
    deploy, boto_session, extensiv_sandbox, loopback_session, secret, code
):
    # GIVEN a stack pointed at the Extensiv sandbox, its secret holding these credentials
    world = deploy(ExtensivBaseUrl=extensiv_sandbox.url)
    world.put_secret("ExtensivSecret", {"client_id": "doctor-client", "customer_id": 12, "user_id": 1523, **secret})
    deps = Deps(
        connect=lambda target: Stack.connect(target, boto_session),
        apis=lambda stack: StackApis(stack, loopback_session),
    )

    # WHEN the doctor runs with the real clients
    result = CliRunner().invoke(app, ["--stack-name", world.name, "doctor", "--json"], obj=deps)

    # THEN the connection check answers for the credential that is wrong
    assert code in by_code(as_json(result))
