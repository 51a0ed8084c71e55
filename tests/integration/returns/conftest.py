"""Both sandboxes on 127.0.0.1 (one each per module, reset before every test) and a moto hub.

The TikTok sandbox's ticker is parked (a one-hour interval) and returns step on every
`/_sandbox/tick`, so a test moves a return PENDING -> AWAITING_BUYER_SHIP -> BUYER_SHIPPED_ITEM
when it wants to, without sleeping. The Extensiv sandbox runs without its ticker: a test
receives a return receiver with `/_sandbox/receivers/{id}/receive`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from connector_common.retry import RetryPolicy
from extensiv.auth import ExtensivCredentials
from extensiv.client import ExtensivClient
from hub.orders import OrderRepository
from hub.skus import SkuRepository
from hub.table import HubTable
from local.sandboxes.extensiv import ExtensivSandbox
from local.sandboxes.tiktok_shop import TikTokSandbox
from tiktok_shop.client import TikTokShopClient
from tiktok_shop.credentials import TikTokCredentials

TIMEOUT = 5
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)
CUSTOMER_ID = 12
FACILITY_ID = "1"
TRACKING_NUMBERS = (f"94001112025558{n:08d}" for n in itertools.count(1))

TIKTOK_CONFIG = {
    "app_key": "returns-app-key",
    "app_secret": "returns-app-secret",
    "rate_limit": 1000,
    "unpaid_seconds": None,
    "in_transit_seconds": None,
    "delivered_seconds": None,
    "return_step_seconds": 0,
    "tick_interval": 3600,
}
EXTENSIV_CONFIG = {
    "client_id": "returns-client",
    "client_secret": "returns-client-secret",
    "customer_id": CUSTOMER_ID,
    "user_id": 1523,
    "user_login": "connector-user",
}
# Master SKU (TikTok seller SKU) -> the SKU Extensiv knows it by.
CHANNEL_SKUS = {"TEE-BLK-M": "3PL-TEE-BLACK-M"}
CATALOG = ["TEE-RED-S", "TEE-BLK-M", "MUG-01"]
EXTENSIV_SEED = {
    "facilities": [
        {"id": 1, "name": "Reno", "timeZoneName": "Pacific Standard Time"},
        {"id": 2, "name": "Newark", "timeZoneName": "Eastern Standard Time"},
    ],
    "items": [{"sku": CHANNEL_SKUS.get(sku, sku), "description": sku} for sku in CATALOG],
}


@pytest.fixture(scope="module")
def tiktok_sandbox() -> Iterator[TikTokSandbox]:
    with TikTokSandbox(TIKTOK_CONFIG) as running:
        yield running


@pytest.fixture(scope="module")
def extensiv_sandbox() -> Iterator[ExtensivSandbox]:
    with ExtensivSandbox(EXTENSIV_CONFIG, EXTENSIV_SEED, ticker=False) as running:
        yield running


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as loopback:
        # Loopback only: no proxy from the environment may see these calls.
        loopback.trust_env = False
        yield loopback


@dataclass
class Shop:
    """The TikTok sandbox seen by a test: control routes and the connector's client."""

    url: str
    client: TikTokShopClient

    def control(self, route: str, body: Any = None) -> Any:
        response = requests.post(f"{self.url}/_sandbox/{route}", json=body, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()

    def tick(self, times: int = 1) -> None:
        for _ in range(times):
            self.control("tick")

    def state(self) -> dict[str, Any]:
        response = requests.get(f"{self.url}/_sandbox/state", timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()

    def return_status(self, return_id: str) -> str:
        return next(ret["status"] for ret in self.state()["returns"] if ret["return_id"] == return_id)

    def requests_to(self, path_part: str) -> list[dict[str, Any]]:
        response = requests.get(f"{self.url}/_sandbox/requests", timeout=TIMEOUT)
        response.raise_for_status()
        return [entry for entry in response.json()["requests"] if path_part in entry["path"]]

    def shipped_order(self, skus: dict[str, int]) -> str:
        """An order the seller shipped (one line item per unit); returns its id."""
        lines = [{"seller_sku": sku, "quantity": units} for sku, units in skus.items()]
        order = self.control("orders", {"orders": [{"status": "AWAITING_SHIPMENT", "lines": lines}]})["orders"][0]
        delivery_option = order["delivery_option_id"]
        provider = next(p for p in self.client.list_shipping_providers(delivery_option) if p.name == "USPS")
        self.client.mark_package_shipped(order["id"], next(TRACKING_NUMBERS), provider.id)
        return order["id"]

    def open_return(self, order_id: str, return_type: str = "RETURN_AND_REFUND") -> str:
        """The buyer opens a return on every shipped line; it starts RETURN_OR_REFUND_REQUEST_PENDING."""
        opened = self.control("returns", {"order_id": order_id, "return_type": return_type, "step_seconds": 0})
        return opened["return_id"]


@dataclass
class Warehouse:
    """The Extensiv sandbox seen by a test."""

    url: str
    client: ExtensivClient

    def state(self) -> dict[str, Any]:
        response = requests.get(f"{self.url}/_sandbox/state", timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()

    def return_receivers(self) -> list[dict[str, Any]]:
        return [receiver for receiver in self.state()["receivers"] if receiver["isReturn"]]

    def receive(self, receiver_id: str, quantities: dict[str, float] | None = None) -> dict[str, Any]:
        body = {"quantities": quantities} if quantities is not None else {}
        url = f"{self.url}/_sandbox/receivers/{receiver_id}/receive"
        response = requests.post(url, json=body, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()["receiver"]

    def fault(self, fault: dict[str, Any]) -> None:
        requests.post(f"{self.url}/_sandbox/faults", json=fault, timeout=TIMEOUT).raise_for_status()

    def requests_to(self, method: str, path: str) -> list[dict[str, Any]]:
        response = requests.get(f"{self.url}/_sandbox/requests", timeout=TIMEOUT)
        response.raise_for_status()
        return [e for e in response.json()["requests"] if e["method"] == method and e["path"] == path]


def tiktok_credentials(url: str) -> TikTokCredentials:
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


@pytest.fixture
def shop(tiktok_sandbox: TikTokSandbox, session: requests.Session) -> Shop:
    url = tiktok_sandbox.url
    requests.post(f"{url}/_sandbox/reset", json={}, timeout=TIMEOUT).raise_for_status()
    client = TikTokShopClient(tiktok_credentials(url), session, api_base_url=url, auth_base_url=url, retry_policy=FAST)
    seeded = Shop(url, client)
    products = [{"title": sku, "skus": [{"seller_sku": sku}]} for sku in CATALOG]
    seeded.control("products", {"products": products})
    return seeded


@pytest.fixture
def warehouse(extensiv_sandbox: ExtensivSandbox, session: requests.Session) -> Warehouse:
    url = extensiv_sandbox.url
    requests.post(f"{url}/_sandbox/reset", timeout=TIMEOUT).raise_for_status()
    credentials = ExtensivCredentials(
        environment="sandbox",
        client_id=EXTENSIV_CONFIG["client_id"],
        client_secret=EXTENSIV_CONFIG["client_secret"],
        customer_id=CUSTOMER_ID,
        user_id=EXTENSIV_CONFIG["user_id"],
    )
    return Warehouse(url, ExtensivClient(credentials, base_url=url, session=session, retry_policy=FAST))


@pytest.fixture
def hub(aws) -> HubTable:
    table = aws.hub
    skus = SkuRepository(table)
    for master_sku, channel_sku in CHANNEL_SKUS.items():
        skus.set_channel_sku(master_sku, channel_sku)
    return table


def record_shipped_order(hub: HubTable, order_id: str, facility_id: str = FACILITY_ID) -> None:
    """The hub as the shipping-request flow leaves it: the order submitted to `facility_id`."""
    orders = OrderRepository(hub)
    orders.observe(order_id, "IN_TRANSIT", None, None)
    claim = orders.claim(order_id, lease_seconds=60)
    orders.mark_submitted(claim, "50001", facility_id, "created")
