"""TikTokShopClient driven over real HTTP against the TikTok Shop sandbox on 127.0.0.1.

One sandbox per module (port 0), reset before every test. The sandbox checks signatures,
timestamps, tokens and shop ciphers independently of the client, so a green run here means
the client's signing and envelope handling agree with a second reading of the reference.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connector_common.retry import RetryPolicy
from local.sandboxes.tiktok_shop import TikTokSandbox
from tiktok_shop.client import TikTokShopClient
from tiktok_shop.credentials import TikTokCredentials
from tiktok_shop.errors import (
    AccessTokenExpired,
    CredentialsRejected,
    InvalidSignature,
    OrderOnHold,
    ValidationFailed,
)

TIMEOUT = 5
CONFIG = {
    "app_key": "sandbox-app-key",
    "app_secret": "sandbox-app-secret",
    "rate_limit": 1000,
    "unpaid_seconds": None,
    "hold_seconds": 3600,
    "in_transit_seconds": None,
    "delivered_seconds": None,
    "return_step_seconds": None,
    "tick_interval": 0.05,
}
FAST_RETRIES = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[TikTokSandbox]:
    with TikTokSandbox(CONFIG) as running:
        yield running


@pytest.fixture
def url(sandbox: TikTokSandbox) -> str:
    control(sandbox.url, "reset", {})
    return sandbox.url


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


@pytest.fixture
def client(url: str, session: requests.Session) -> TikTokShopClient:
    return client_for(url, session)


def control(url: str, route: str, body: Any = None) -> Any:
    response = requests.post(f"{url}/_sandbox/{route}", json=body, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


def sent_requests(url: str, path_part: str) -> list[dict[str, Any]]:
    response = requests.get(f"{url}/_sandbox/requests", timeout=TIMEOUT)
    response.raise_for_status()
    return [entry for entry in response.json()["requests"] if path_part in entry["path"]]


def sandbox_credentials(url: str) -> TikTokCredentials:
    issued = requests.get(f"{url}/_sandbox/credentials", timeout=TIMEOUT).json()
    return TikTokCredentials(
        app_key=issued["app_key"],
        app_secret=issued["app_secret"],
        access_token=issued["access_token"],
        refresh_token=issued["refresh_token"],
        shop_cipher=issued["shop_cipher"],
        shop_id=issued["shop_id"],
        access_token_expires_at=issued["access_token_expire_in"],
        refresh_token_expires_at=issued["refresh_token_expire_in"],
    )


def client_for(url: str, session: requests.Session, **options: Any) -> TikTokShopClient:
    return TikTokShopClient(
        sandbox_credentials(url), session, api_base_url=url, auth_base_url=url, retry_policy=FAST_RETRIES, **options
    )


def seed_product(url: str, seller_sku: str = "TEE-RED-S", quantity: int = 50) -> dict[str, Any]:
    warehouse = default_warehouse(url)
    product = {
        "title": "Sandbox tee",
        "skus": [{"seller_sku": seller_sku, "inventory": [{"warehouse_id": warehouse, "quantity": quantity}]}],
    }
    return control(url, "products", {"products": [product]})["products"][0]


def default_warehouse(url: str) -> str:
    state = requests.get(f"{url}/_sandbox/state", timeout=TIMEOUT).json()
    warehouses = state["warehouses"]
    sales = [w for w in warehouses if w["type"] == "SALES_WAREHOUSE" and w["is_default"]]
    return sales[0]["id"]


def seed_orders(url: str, count: int, status: str = "AWAITING_SHIPMENT", **line: Any) -> list[dict[str, Any]]:
    lines = [{"seller_sku": "TEE-RED-S", **line}]
    orders = [{"status": status, "lines": lines} for _ in range(count)]
    return control(url, "orders", {"orders": orders})["orders"]


# --- signing and lookups ------------------------------------------------------------------------


def test_signed_lookups_are_accepted(client, url):
    shops = client.get_authorized_shops()
    warehouses = client.list_warehouses()
    sales = next(warehouse for warehouse in warehouses if warehouse.is_sales_warehouse)
    options = client.list_delivery_options(sales.id)
    providers = client.list_shipping_providers(options[0].id)

    assert [shop.cipher for shop in shops] == [client.credentials.shop_cipher]
    assert {"SALES_WAREHOUSE", "RETURN_WAREHOUSE"} <= {warehouse.type for warehouse in warehouses}
    assert "USPS" in {provider.name for provider in providers}
    assert "shop_cipher" not in sent_requests(url, "/authorization/202309/shops")[0]["query"]


def test_wrong_secret_is_refused_as_invalid_signature(url, session):
    good = sandbox_credentials(url)
    wrong = dataclasses.replace(good, app_secret="not-the-secret")
    client = TikTokShopClient(wrong, session, api_base_url=url, auth_base_url=url, retry_policy=FAST_RETRIES)

    with pytest.raises(InvalidSignature) as caught:
        client.list_warehouses()

    assert (caught.value.code, caught.value.http_status) == (106001, 401)


# --- orders -------------------------------------------------------------------------------------


def test_order_search_pages_through_every_order_with_real_page_tokens(client, url):
    seed_product(url)
    seeded = seed_orders(url, 5)

    found = list(client.iter_orders_updated_since(int(time.time()) - 3600, page_size=2))

    assert sorted(order.id for order in found) == sorted(order["id"] for order in seeded)
    tokens = [entry["query"].get("page_token") for entry in sent_requests(url, "/order/202309/orders/search")]
    assert len(tokens) == 3
    assert any("+" in token or "/" in token for token in tokens if token)


def test_order_detail_gives_one_line_per_unit(client, url):
    seed_product(url)
    seeded = seed_orders(url, 1, quantity=3)

    order = client.get_orders([seeded[0]["id"]])[0]

    assert order.is_awaiting_shipment
    assert order.is_seller_fulfilled
    assert len(order.line_items) == 3
    assert order.quantities_by_sku() == {"TEE-RED-S": 3}
    assert sent_requests(url, "/order/202507/orders")


def test_mark_package_shipped_with_a_listed_carrier(client, url):
    seed_product(url)
    seeded = seed_orders(url, 1)
    order = client.get_orders([seeded[0]["id"]])[0]
    provider = client.list_shipping_providers(order.delivery_option_id)[0]

    shipped = client.mark_package_shipped(order.id, "9400111202555842761023", provider.id)

    assert shipped.order_id == order.id
    assert shipped.package_id
    assert shipped.order_line_item_ids == [line.id for line in order.line_items]
    assert client.get_orders([order.id])[0].packages


def test_on_hold_order_refuses_shipping(client, url):
    seed_product(url)
    seeded = seed_orders(url, 1, status="ON_HOLD")
    order = client.get_orders([seeded[0]["id"]])[0]
    provider = client.list_shipping_providers(order.delivery_option_id)[0]

    with pytest.raises(OrderOnHold) as caught:
        client.mark_package_shipped(order.id, "9400111202555842761023", provider.id)

    assert caught.value.code == 21011044
    assert len(sent_requests(url, f"/orders/{order.id}/packages")) == 1


# --- tokens -------------------------------------------------------------------------------------


def renewing_client(url: str, session: requests.Session, believed_expiry: float | None) -> TikTokShopClient:
    """A client whose renewal refreshes the token through itself; `believed_expiry` is what it
    thinks the token's expiry is (the sandbox may have expired it sooner)."""

    def on_token_expired() -> TikTokCredentials:
        client.refresh_access_token()
        return client.credentials

    credentials = dataclasses.replace(sandbox_credentials(url), access_token_expires_at=believed_expiry)
    client = TikTokShopClient(
        credentials,
        session,
        api_base_url=url,
        auth_base_url=url,
        retry_policy=FAST_RETRIES,
        on_token_expired=on_token_expired,
    )
    return client


def test_token_expired_early_is_refreshed_and_the_call_retried(url, session):
    # GIVEN a client that believes its token is good for a day, while the sandbox expired it
    control(url, "expire-token", {})
    client = renewing_client(url, session, believed_expiry=time.time() + 86400)
    old_token = client.credentials.access_token

    warehouses = client.list_warehouses()

    assert warehouses
    assert client.credentials.access_token != old_token
    assert client.credentials.access_token_expires_at > time.time()
    tokens = [entry["headers"]["x-tts-access-token"] for entry in sent_requests(url, "/logistics/202309/warehouses")]
    assert tokens == [old_token, client.credentials.access_token]
    assert len(sent_requests(url, "/api/v2/token/refresh")) == 1


def test_token_known_to_expire_is_refreshed_before_the_call(url, session):
    expired_at = control(url, "expire-token", {})["access_token_expire_in"]
    client = renewing_client(url, session, believed_expiry=expired_at)

    client.list_warehouses()

    tokens = [entry["headers"]["x-tts-access-token"] for entry in sent_requests(url, "/logistics/202309/warehouses")]
    assert tokens == [client.credentials.access_token]
    assert len(sent_requests(url, "/api/v2/token/refresh")) == 1


def test_expired_token_without_renewal_raises(client, url):
    control(url, "expire-token", {})

    with pytest.raises(AccessTokenExpired):
        client.list_warehouses()


def test_refresh_rotates_the_refresh_token(client, url, session):
    old = client.credentials

    grant = client.refresh_access_token()

    assert grant.refresh_token != old.refresh_token
    stale = TikTokShopClient(old, session, api_base_url=url, auth_base_url=url, retry_policy=FAST_RETRIES)
    with pytest.raises(ValidationFailed):
        stale.refresh_access_token()
    with pytest.raises(CredentialsRejected):
        stale.list_warehouses()


# --- faults and retries -------------------------------------------------------------------------


def test_rate_limited_call_is_retried(client, url):
    throttled = json.dumps({"code": 36009002, "data": None, "message": "Too many requests", "request_id": "r"})
    fault = {"status": 429, "count": 2, "headers": {"x-sandbox-body": throttled, "Retry-After": "0"}}
    control(url, "faults", {"match": "/logistics/202309/warehouses$", **fault})

    warehouses = client.list_warehouses()

    assert warehouses
    assert len(sent_requests(url, "/logistics/202309/warehouses")) == 3


def test_malformed_answer_is_retried_for_reads(client, url):
    control(url, "faults", {"match": "/authorization/202309/shops$", "kind": "malformed"})

    shops = client.get_authorized_shops()

    assert shops
    assert len(sent_requests(url, "/authorization/202309/shops")) == 2


# --- inventory ----------------------------------------------------------------------------------


def test_inventory_update_surfaces_per_sku_warehouse_errors(client, url):
    product = seed_product(url)
    sku_id = product["skus"][0]["id"]

    result = client.update_inventory(product["id"], [(sku_id, [("7999999999999999999", 5)])])

    assert not result.is_success
    error = result.errors[0]
    assert (error.code, error.sku_id) == (12052990, sku_id)
    assert {(item.warehouse_id, item.code) for item in error.warehouse_errors} >= {("7999999999999999999", 12052097)}


def test_inventory_update_sets_available_quantity(client, url):
    product = seed_product(url, quantity=50)
    sku = product["skus"][0]
    warehouse_id = sku["inventory"][0]["warehouse_id"]

    result = client.update_inventory(product["id"], [(sku["id"], [(warehouse_id, 7)])])
    stock = client.inventory_search([sku["id"]])

    assert result.is_success
    warehouse_stock = stock[0].skus[0].warehouse_inventory[0]
    assert (warehouse_stock.warehouse_id, warehouse_stock.available_quantity) == (warehouse_id, 7)


# --- cancellations ------------------------------------------------------------------------------


def test_buyer_cancel_request_is_found_and_approved_once(client, url):
    seed_product(url)
    order_id = seed_orders(url, 1)[0]["id"]
    cancel_id = control(url, f"orders/{order_id}/buyer-cancel", {})["cancel_id"]
    key = str(uuid.uuid4())

    pending = list(client.iter_cancellations(order_ids=[order_id]))
    client.approve_cancellation(cancel_id, key)
    client.approve_cancellation(cancel_id, key)

    assert [(item.cancel_id, item.cancel_status) for item in pending] == [(cancel_id, "CANCELLATION_REQUEST_PENDING")]
    approvals = sent_requests(url, f"/cancellations/{cancel_id}/approve")
    assert [entry["body"] for entry in approvals] == ["{}", "{}"]
    assert client.get_orders([order_id])[0].status == "CANCELLED"
