"""ExtensivClient over real HTTP against the Extensiv sandbox on 127.0.0.1.

One sandbox per module (port 0, ticker off so nothing ships on its own), reset before every
test. What the client sent is read back from the sandbox's request log.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connector_common.retry import RetryPolicy
from extensiv.auth import ExtensivCredentials
from extensiv.client import ExtensivClient
from extensiv.errors import ExtensivUnavailable, OperationRejected, ValidationFailed
from extensiv.models import OrderCreate, OrderLine, ReceiverCreate, ReceiverLine, ReceiverType, ShipTo
from local.sandboxes.extensiv import ExtensivSandbox

CLIENT_ID = "it-client"
CLIENT_SECRET = "it-client-secret"
CUSTOMER_ID = 12
USER_ID = 1523
USER_LOGIN = "connector-user"
CONTROL_TIMEOUT = 5
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)

CONFIG = {
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "customer_id": CUSTOMER_ID,
    "user_id": USER_ID,
    "user_login": USER_LOGIN,
}
SEED = {
    "facilities": [
        {"id": 1, "name": "Reno", "timeZoneName": "Pacific Standard Time"},
        {"id": 2, "name": "Newark", "timeZoneName": "Eastern Standard Time"},
    ],
    "stock": [
        {"sku": "TEE-RED-S", "facilityId": 1, "onHand": 50},
        {"sku": "TEE-BLUE-M", "facilityId": 1, "onHand": 20},
        {"sku": "MUG-01", "facilityId": 2, "onHand": 5},
    ],
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ExtensivSandbox]:
    with ExtensivSandbox(CONFIG, SEED, ticker=False) as running:
        yield running


@pytest.fixture
def url(sandbox: ExtensivSandbox) -> str:
    requests.post(f"{sandbox.url}/_sandbox/reset", timeout=CONTROL_TIMEOUT).raise_for_status()
    return sandbox.url


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as loopback:
        # Loopback only: no proxy from the environment may see these calls.
        loopback.trust_env = False
        yield loopback


def credentials(**overrides: Any) -> ExtensivCredentials:
    fields: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "customer_id": CUSTOMER_ID,
        "user_id": USER_ID,
        "environment": "sandbox",
    }
    return ExtensivCredentials(**{**fields, **overrides})


def make_client(url: str, session: requests.Session, timeout=(2.0, 5.0), **overrides: Any) -> ExtensivClient:
    return ExtensivClient(
        credentials(**overrides), url, session, retry_policy=FAST, sleep=lambda _: None, timeout=timeout
    )


@pytest.fixture
def client(url: str, session: requests.Session) -> ExtensivClient:
    return make_client(url, session)


def control(url: str, path: str, body: Any = None) -> Any:
    response = requests.post(f"{url}/_sandbox/{path}", json=body or {}, timeout=CONTROL_TIMEOUT)
    response.raise_for_status()
    return response.json()


def sent(url: str, method: str, path: str) -> list[dict[str, Any]]:
    log = requests.get(f"{url}/_sandbox/requests", timeout=CONTROL_TIMEOUT).json()["requests"]
    return [entry for entry in log if entry["method"] == method and entry["path"] == path]


def inject(url: str, **fault: Any) -> None:
    control(url, "faults", fault)


def new_order(reference_num: str, sku: str = "TEE-RED-S", qty: int = 1) -> OrderCreate:
    return OrderCreate(
        customer_id=CUSTOMER_ID,
        facility_id=1,
        reference_num=reference_num,
        ship_to=ShipTo(
            name="Dana Example", address1="100 Test Street", city="Reno", state="NV", zip="89501", country="US"
        ),
        order_items=[OrderLine(sku=sku, qty=qty)],
    )


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- connection and diagnosis -----------------------------------------------------------


@pytest.mark.parametrize(
    "user_fields",
    [{"user_login_field": "user_login_id"}, {"user_login_field": "user_login", "user_login": USER_LOGIN}],
)
def test_check_connection_succeeds_with_either_user_field(url, session, user_fields):
    check = make_client(url, session, **user_fields).check_connection()

    assert check.ok, check.message
    (token_call,) = sent(url, "POST", "/AuthServer/api/Token")
    assert set(json.loads(token_call["body"])) == {"grant_type", user_fields["user_login_field"]}


def test_check_connection_names_a_wrong_client_secret(url, session):
    check = make_client(url, session, client_secret="not-the-secret").check_connection()

    assert (check.ok, check.failed_credential) == (False, "client_id_or_secret")
    assert f"base URL override {url}" in check.message


def test_check_connection_names_a_wrong_user(url, session):
    check = make_client(url, session, user_id=999).check_connection()

    assert check.failed_credential == "user_id"
    assert "set user_login_field to 'user_login'" in check.message


def test_check_connection_names_the_user_field_the_tenant_refuses(url, session):
    control(url, "config", {"user_fields": ["user_login"]})

    check = make_client(url, session).check_connection()

    assert check.failed_credential == "user_id"


def test_check_connection_names_a_wrong_customer(url, session):
    check = make_client(url, session, customer_id=999).check_connection()

    assert check.failed_credential == "customer_id"
    assert "customer 999 answered 404" in check.message


def test_check_connection_names_the_environment_when_nothing_listens(session):
    nowhere = f"http://127.0.0.1:{closed_port()}"

    check = make_client(nowhere, session).check_connection()

    assert check.failed_credential == "environment"
    assert nowhere in check.message


# --- orders -----------------------------------------------------------------------------


def test_create_order_then_duplicate_reference_is_found_by_reference(client, url):
    created = client.create_order(new_order("576461413038785752"))

    with pytest.raises(ValidationFailed) as caught:
        client.create_order(new_order("576461413038785752"))
    found = client.find_order_by_reference("576461413038785752")

    assert caught.value.is_duplicate
    assert created.etag
    assert found.order_id == created.order_id
    (listed,) = sent(url, "GET", "/orders")
    assert listed["query"]["rql"] == (
        f"readOnly.customerIdentifier.id=={CUSTOMER_ID};"
        "(referenceNum==576461413038785752,referenceNum==576461413038785752-*)"
    )
    assert listed["headers"]["accept"] == "application/hal+json"


def test_find_order_by_reference_survives_reserved_characters(client):
    created = client.create_order(new_order("SHOP,7;(x)"))
    client.create_order(new_order("SHOP"))

    assert client.find_order_by_reference("SHOP,7;(x)").order_id == created.order_id
    assert client.find_order_by_reference("SHOP,7") is None


def test_create_order_with_an_unknown_sku_names_it(client):
    with pytest.raises(ValidationFailed) as caught:
        client.create_order(new_order("576461413038785753", sku="NOT-THERE"))

    assert caught.value.is_unknown_item
    assert caught.value.unknown_sku == "NOT-THERE"


def test_create_order_is_sent_once_when_the_warehouse_is_slow(url, session):
    slow = make_client(url, session, timeout=(2.0, 0.3))
    inject(url, match="^/orders$", method="POST", kind="timeout", delay=1.0)

    with pytest.raises(ExtensivUnavailable):
        slow.create_order(new_order("576461413038785754"))

    assert len(sent(url, "POST", "/orders")) == 1


def test_reads_are_retried_through_throttling_and_server_errors(client, url):
    created = client.create_order(new_order("576461413038785755"))
    path = f"/orders/{created.order_id}"
    inject(url, match=f"^{path}$", status=429, headers={"Retry-After": "0"})
    inject(url, match=f"^{path}$", status=503)

    assert client.get_order(created.order_id).order_id == created.order_id
    assert len(sent(url, "GET", path)) == 3


def test_expired_token_is_replaced_after_a_401(client, url):
    created = client.create_order(new_order("576461413038785761"))
    control(url, "clock", {"advance_seconds": 7200})

    assert client.get_order(created.order_id).order_id == created.order_id
    assert len(sent(url, "POST", "/AuthServer/api/Token")) == 2
    assert len(sent(url, "GET", f"/orders/{created.order_id}")) == 2


def test_malformed_read_is_retried(client, url):
    created = client.create_order(new_order("576461413038785762"))
    inject(url, match=f"^/orders/{created.order_id}$", kind="malformed")

    assert client.get_order(created.order_id).order_id == created.order_id


def test_cancel_with_the_create_etag(client, url):
    created = client.create_order(new_order("576461413038785756"))

    assert client.cancel_order(created.order_id, "buyer canceled on TikTok", etag=created.etag) is True
    assert client.get_order(created.order_id).is_canceled
    (cancel,) = sent(url, "POST", f"/orders/{created.order_id}/canceler")
    assert cancel["headers"]["if-match"] == created.etag


def test_cancel_recovers_from_a_stale_etag(client, url):
    created = client.create_order(new_order("576461413038785757"))

    assert client.cancel_order(created.order_id, "buyer canceled", etag='"AAAAAAAAAAE="') is True
    first, second = sent(url, "POST", f"/orders/{created.order_id}/canceler")
    assert first["headers"]["if-match"] == '"AAAAAAAAAAE="'
    assert second["headers"]["if-match"] != first["headers"]["if-match"]


def test_cancel_of_a_canceled_order_reports_it_was_already_done(client):
    created = client.create_order(new_order("576461413038785758"))
    client.cancel_order(created.order_id, "buyer canceled")

    assert client.cancel_order(created.order_id, "buyer canceled", etag=created.etag) is False


def test_cancel_of_a_shipped_order_is_rejected(client, url):
    created = client.create_order(new_order("576461413038785759"))
    control(url, f"orders/{created.order_id}/ship")

    with pytest.raises(OperationRejected) as caught:
        client.cancel_order(created.order_id, "buyer canceled")

    assert caught.value.error_code == "OrderConfirmed"


def test_shipped_order_reads_back_with_packages_and_tracking(client, url):
    created = client.create_order(new_order("576461413038785760", qty=2))
    control(url, f"orders/{created.order_id}/ship", {"carrier": "UPS"})

    order = client.get_order(created.order_id)

    assert order.is_shipped
    assert order.routing_info.carrier == "UPS"
    assert order.packages
    assert order.packages[0].tracking_number
    assert sum(content.qty for package in order.packages for content in package.contents) == 2
    assert order.shipped_date


def test_orders_modified_since_page_through_next_links(client, url):
    for number in range(5):
        client.create_order(new_order(f"57646141303878580{number}"))

    orders = list(client.iter_orders_modified_since("2000-01-01T00:00:00", page_size=2))

    assert len(orders) == 5
    assert len({order.order_id for order in orders}) == 5
    pages = sent(url, "GET", "/orders")
    assert [page["query"]["pgnum"] for page in pages] == ["1", "2", "3"]
    assert {page["query"]["rql"] for page in pages} == {
        f"readOnly.customerIdentifier.id=={CUSTOMER_ID};readOnly.lastModifiedDate=ge=2000-01-01T00:00:00"
    }


# --- catalog, stock, facilities, receivers ----------------------------------------------


def test_items_page_at_the_maximum_page_size(client, url):
    control(url, "items", {"items": [{"sku": f"BULK-{number:03d}"} for number in range(230)]})

    skus = [item.sku for item in client.iter_items()]

    assert len([sku for sku in skus if sku.startswith("BULK-")]) == 230
    pages = sent(url, "GET", f"/customers/{CUSTOMER_ID}/items")
    assert {page["query"]["pgsiz"] for page in pages} == {"100"}
    assert [page["query"]["pgnum"] for page in pages] == ["1", "2", "3"]


def test_item_create_find_and_update_with_etag(client):
    created = client.create_item("CAP-01", "Cap")

    found = client.find_item_by_sku("cap-01")
    updated = client.update_item(created.item_id, created.etag, description="Baseball cap")

    assert found.item_id == created.item_id
    assert updated.description == "Baseball cap"
    assert updated.etag != created.etag


def test_stock_summaries_of_one_facility(client):
    rows = {row.sku: row for row in client.iter_stock_summaries(facility_id=1)}

    assert set(rows) == {"TEE-RED-S", "TEE-BLUE-M"}
    assert rows["TEE-RED-S"].available == 50
    assert rows["TEE-RED-S"].facility_id == 1


def test_facilities_of_the_customer(client):
    facilities = client.list_facilities()

    assert {(f.facility_id, f.time_zone_name) for f in facilities} == {
        (1, "Pacific Standard Time"),
        (2, "Eastern Standard Time"),
    }


def test_return_receiver_is_created_and_listed_as_a_return(client):
    expected_return = ReceiverCreate(
        customer_id=CUSTOMER_ID,
        facility_id=1,
        reference_num="576461413038785752-R1",
        items=[ReceiverLine(sku="TEE-RED-S", qty=1)],
        is_return=True,
    )

    created = client.create_receiver(expected_return)
    returns = list(client.iter_receivers(receiver_type=ReceiverType.RETURN))

    assert created.is_return
    assert [receiver.receiver_id for receiver in returns] == [created.receiver_id]
    assert client.find_receiver_by_reference("576461413038785752-R1").receiver_id == created.receiver_id
    assert client.get_receiver(created.receiver_id).items[0].sku == "TEE-RED-S"
