"""Both sandboxes on 127.0.0.1 for the products and arrivals tests, with the real clients.

Extensiv items    TEE-RED-S "Tee red S" (already in the warehouse), EXT-CAP "Warehouse cap"
Facilities        1 Reno, 2 Newark
TikTok products   seeded per test with `add_product`

Nothing moves by itself: the Extensiv ticker is off (tests call `/_sandbox/tick` or the receive
route) and the TikTok shop has no orders to move.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

from connector_common.retry import RetryPolicy
from extensiv.auth import ExtensivCredentials
from extensiv.client import ExtensivClient
from local.sandboxes.extensiv import ExtensivSandbox
from local.sandboxes.tiktok_shop import TikTokSandbox
from tiktok_shop.client import TikTokShopClient
from tiktok_shop.credentials import TikTokCredentials

CONTROL_TIMEOUT = 5
FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)
CUSTOMER_ID = 12
EXTENSIV_CONFIG = {
    "client_id": "catalog-client",
    "client_secret": "catalog-client-secret",
    "customer_id": CUSTOMER_ID,
    "user_id": 1523,
}
EXTENSIV_SEED = {
    "facilities": [
        {"id": 1, "name": "Reno", "timeZoneName": "Pacific Standard Time"},
        {"id": 2, "name": "Newark", "timeZoneName": "Eastern Standard Time"},
    ],
    "items": [
        {"sku": "TEE-RED-S", "description": "Tee red S"},
        {"sku": "EXT-CAP", "description": "Warehouse cap"},
    ],
}
TIKTOK_CONFIG = {
    "rate_limit": 0,
    "unpaid_seconds": None,
    "in_transit_seconds": None,
    "delivered_seconds": None,
    "return_step_seconds": None,
    "webhook_url": None,
}
ITEM_PATH = re.compile(r"^/customers/\d+/items(/\d+)?$")


@dataclass
class CatalogSandboxes:
    """The running sandboxes and the control calls the tests make."""

    extensiv: ExtensivSandbox
    tiktok: TikTokSandbox

    def reset(self) -> None:
        """Back to the picture in the module docstring, with empty request logs."""
        self.extensiv_control("reset")
        self.tiktok_control("reset", {"config": TIKTOK_CONFIG})
        for url in (self.extensiv.url, self.tiktok.url):
            requests.delete(f"{url}/_sandbox/requests", timeout=CONTROL_TIMEOUT).raise_for_status()

    # --- TikTok -------------------------------------------------------------------------------

    def tiktok_control(self, path: str, body: Any = None) -> Any:
        return _post(f"{self.tiktok.url}/_sandbox/{path}", body)

    def add_product(self, title: str, *seller_skus: str, product_id: str | None = None) -> dict[str, Any]:
        spec: dict[str, Any] = {"title": title, "skus": [{"seller_sku": sku} for sku in seller_skus]}
        if product_id:
            spec["id"] = product_id
        return self.tiktok_control("products", {"products": [spec]})["products"][0]

    def update_product(self, product_id: str, **changes: Any) -> dict[str, Any]:
        return self.tiktok_control(f"products/{product_id}", changes)["product"]

    def tiktok_secret(self) -> dict[str, Any]:
        issued = _get(f"{self.tiktok.url}/_sandbox/credentials")
        keys = ("app_key", "app_secret", "access_token", "refresh_token", "shop_id", "shop_cipher")
        return {key: issued[key] for key in keys}

    def tiktok_client(self, session: requests.Session) -> TikTokShopClient:
        secret = self.tiktok_secret()
        credentials = TikTokCredentials(**secret)
        return TikTokShopClient(
            credentials, session, self.tiktok.url, self.tiktok.url, retry_policy=FAST, sleep=lambda _: None
        )

    # --- Extensiv -----------------------------------------------------------------------------

    def extensiv_control(self, path: str, body: Any = None) -> Any:
        return _post(f"{self.extensiv.url}/_sandbox/{path}", body)

    def extensiv_state(self) -> dict[str, Any]:
        return _get(f"{self.extensiv.url}/_sandbox/state")

    def items(self) -> dict[str, dict[str, Any]]:
        """Extensiv's catalog by SKU."""
        return {item["sku"]: item for item in self.extensiv_state()["items"]}

    def receivers(self) -> list[dict[str, Any]]:
        return self.extensiv_state()["receivers"]

    def item_writes(self) -> list[tuple[str, str]]:
        """(method, path) of every item create or update Extensiv received, oldest first."""
        log = _get(f"{self.extensiv.url}/_sandbox/requests")["requests"]
        return [
            (entry["method"], entry["path"])
            for entry in log
            if entry["method"] in ("POST", "PUT") and ITEM_PATH.match(entry["path"])
        ]

    def requests_to(self, method: str, pattern: str) -> list[dict[str, Any]]:
        log = _get(f"{self.extensiv.url}/_sandbox/requests")["requests"]
        return [entry for entry in log if entry["method"] == method and re.search(pattern, entry["path"])]

    def fault(self, **fault: Any) -> None:
        self.extensiv_control("faults", fault)

    def extensiv_secret(self) -> dict[str, Any]:
        keys = ("client_id", "client_secret", "customer_id")
        return {**{key: EXTENSIV_CONFIG[key] for key in keys}, "user_id": str(EXTENSIV_CONFIG["user_id"])}

    def extensiv_client(self, session: requests.Session) -> ExtensivClient:
        credentials = ExtensivCredentials(
            client_id=EXTENSIV_CONFIG["client_id"],
            client_secret=EXTENSIV_CONFIG["client_secret"],
            customer_id=CUSTOMER_ID,
            user_id=EXTENSIV_CONFIG["user_id"],
            environment="sandbox",
        )
        return ExtensivClient(credentials, self.extensiv.url, session, retry_policy=FAST, sleep=lambda _: None)


@contextmanager
def catalog_sandboxes() -> Iterator[CatalogSandboxes]:
    """Start both sandboxes on free loopback ports (Extensiv ticker off, no TikTok orders); stopped on exit."""
    extensiv = ExtensivSandbox(EXTENSIV_CONFIG, EXTENSIV_SEED, ticker=False).start()
    tiktok = TikTokSandbox(TIKTOK_CONFIG).start()
    try:
        yield CatalogSandboxes(extensiv, tiktok)
    finally:
        tiktok.stop()
        extensiv.stop()


@contextmanager
def loopback_session() -> Iterator[requests.Session]:
    """A session that ignores proxy settings: these calls go to 127.0.0.1 only."""
    with requests.Session() as session:
        session.trust_env = False
        yield session


def _post(url: str, body: Any = None) -> Any:
    response = requests.post(url, json=body or {}, timeout=CONTROL_TIMEOUT)
    if response.status_code >= 400:
        raise AssertionError(f"sandbox control call {url} answered {response.status_code}: {response.text[:300]}")
    return response.json()


def _get(url: str) -> Any:
    response = requests.get(url, timeout=CONTROL_TIMEOUT)
    response.raise_for_status()
    return json.loads(response.text)
