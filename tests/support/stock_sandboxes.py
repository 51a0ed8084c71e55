"""Both sandboxes on 127.0.0.1, seeded for the locations and inventory tests, with the real clients.

Extensiv facilities  1 Reno ─ linked ─ TikTok WH_RENO     (sales)
                     2 Newark ─ linked ─ TikTok WH_NEWARK (sales)
                     3 Dallas (no link)  TikTok WH_SPARE  (sales, no link)
                                         TikTok WH_RETURNS (returns)

TikTok products      P-TEE: TEE-RED-S in WH_RENO, WH_NEWARK and WH_SPARE
                     P-MUG: MUG-01 in WH_RENO
                     P-CAP: CAP-BLUE in WH_NEWARK (Extensiv knows it as EXT-CAP)
Extensiv stock       TEE-RED-S 50 @1, 20 @2, 7 @3; MUG-01 5 @1; EXT-CAP 8 @2; GHOST-SKU 3 @1
"""

from __future__ import annotations

import json
import re
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
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)

EXTENSIV_CONFIG = {
    "client_id": "stock-client",
    "client_secret": "stock-client-secret",
    "customer_id": 12,
    "user_id": 1523,
    "user_login": "connector-user",
}
# The ticker moves orders on; a long hold keeps seeded orders where a test put them.
TIKTOK_CONFIG = {"rate_limit": 0, "hold_seconds": 3600.0, "unpaid_seconds": None, "tick_interval": 0.2}

WH_RENO = "7000000000000000101"
WH_NEWARK = "7000000000000000102"
WH_SPARE = "7000000000000000103"
WH_RETURNS = "7000000000000000104"
P_TEE = "1729000000000000001"
P_MUG = "1729000000000000002"
P_CAP = "1729000000000000003"
SKU_TEE = "1729000000000000011"
SKU_MUG = "1729000000000000012"
SKU_CAP = "1729000000000000013"
LINKS = {"1": WH_RENO, "2": WH_NEWARK}

FACILITIES = [
    {"id": 1, "name": "Reno", "timeZoneName": "Pacific Standard Time"},
    {"id": 2, "name": "Newark", "timeZoneName": "Eastern Standard Time"},
    {"id": 3, "name": "Dallas", "timeZoneName": "Central Standard Time"},
]
STOCK = [
    {"sku": "TEE-RED-S", "facilityId": 1, "onHand": 50},
    {"sku": "TEE-RED-S", "facilityId": 2, "onHand": 20},
    {"sku": "TEE-RED-S", "facilityId": 3, "onHand": 7},
    {"sku": "MUG-01", "facilityId": 1, "onHand": 5},
    {"sku": "EXT-CAP", "facilityId": 2, "onHand": 8},
    {"sku": "GHOST-SKU", "facilityId": 1, "onHand": 3},
]
WAREHOUSES = [
    {"id": WH_RENO, "name": "Reno DC", "is_default": True},
    {"id": WH_NEWARK, "name": "Newark DC"},
    {"id": WH_SPARE, "name": "Spare DC"},
    {"id": WH_RETURNS, "name": "Returns", "type": "RETURN_WAREHOUSE"},
]
PRODUCTS = [
    {
        "id": P_TEE,
        "title": "Tee",
        "skus": [
            {
                "id": SKU_TEE,
                "seller_sku": "TEE-RED-S",
                "inventory": [
                    {"warehouse_id": WH_RENO, "quantity": 0},
                    {"warehouse_id": WH_NEWARK, "quantity": 0},
                    {"warehouse_id": WH_SPARE, "quantity": 11},
                ],
            }
        ],
    },
    {
        "id": P_MUG,
        "title": "Mug",
        "skus": [{"id": SKU_MUG, "seller_sku": "MUG-01", "inventory": [{"warehouse_id": WH_RENO, "quantity": 0}]}],
    },
    {
        "id": P_CAP,
        "title": "Cap",
        "skus": [{"id": SKU_CAP, "seller_sku": "CAP-BLUE", "inventory": [{"warehouse_id": WH_NEWARK, "quantity": 0}]}],
    },
]
INVENTORY_UPDATE = re.compile(r"^/product/202309/products/(\d+)/inventory/update$")


@dataclass
class StockSandboxes:
    """The two running sandboxes and the calls tests make on their control routes."""

    extensiv: ExtensivSandbox
    tiktok: TikTokSandbox

    def reset(self) -> None:
        """Forget everything, seed the picture in the module docstring, clear both request logs."""
        self.extensiv_control("reset")
        self.extensiv_control("facilities", {"facilities": FACILITIES})
        self.extensiv_control("stock", {"stock": STOCK})
        self.tiktok_control("reset", {"config": TIKTOK_CONFIG})
        self.tiktok_control("warehouses", {"warehouses": WAREHOUSES, "replace": True})
        self.tiktok_control("products", {"products": PRODUCTS})
        self.clear_requests()

    def extensiv_control(self, path: str, body: Any = None) -> Any:
        return _post(f"{self.extensiv.url}/_sandbox/{path}", body)

    def tiktok_control(self, path: str, body: Any = None) -> Any:
        return _post(f"{self.tiktok.url}/_sandbox/{path}", body)

    def set_stock(self, sku: str, facility_id: int, on_hand: float) -> None:
        self.extensiv_control("stock", {"stock": [{"sku": sku, "facilityId": facility_id, "onHand": on_hand}]})

    def clear_requests(self) -> None:
        for url in (self.extensiv.url, self.tiktok.url):
            requests.delete(f"{url}/_sandbox/requests", timeout=CONTROL_TIMEOUT).raise_for_status()

    def inventory_updates(self) -> list[dict[str, Any]]:
        """The Update Inventory calls TikTok received: product id and parsed body, oldest first."""
        log = requests.get(f"{self.tiktok.url}/_sandbox/requests", timeout=CONTROL_TIMEOUT).json()["requests"]
        updates = []
        for entry in log:
            match = INVENTORY_UPDATE.match(entry["path"])
            if entry["method"] == "POST" and match:
                updates.append({"product_id": match.group(1), "body": json.loads(entry["body"])})
        return updates

    def tiktok_state(self) -> dict[str, Any]:
        return requests.get(f"{self.tiktok.url}/_sandbox/state", timeout=CONTROL_TIMEOUT).json()

    def extensiv_state(self) -> dict[str, Any]:
        return requests.get(f"{self.extensiv.url}/_sandbox/state", timeout=CONTROL_TIMEOUT).json()

    def tiktok_stock(self) -> dict[tuple[str, str], int]:
        """TikTok's available quantity per (seller SKU, warehouse)."""
        return {
            (row["seller_sku"], row["warehouse_id"]): row["available_quantity"]
            for row in self.tiktok_state()["inventory"]
        }

    def tiktok_secret(self) -> dict[str, Any]:
        credentials = requests.get(f"{self.tiktok.url}/_sandbox/credentials", timeout=CONTROL_TIMEOUT).json()
        return {
            key: credentials[key]
            for key in ("app_key", "app_secret", "access_token", "refresh_token", "shop_id", "shop_cipher")
        }

    def extensiv_secret(self) -> dict[str, Any]:
        return {
            "client_id": EXTENSIV_CONFIG["client_id"],
            "client_secret": EXTENSIV_CONFIG["client_secret"],
            "customer_id": EXTENSIV_CONFIG["customer_id"],
            "user_id": str(EXTENSIV_CONFIG["user_id"]),
        }

    def tiktok_client(self, session: requests.Session) -> TikTokShopClient:
        secret = self.tiktok_secret()
        credentials = TikTokCredentials(
            app_key=secret["app_key"],
            app_secret=secret["app_secret"],
            access_token=secret["access_token"],
            refresh_token=secret["refresh_token"],
            shop_cipher=secret["shop_cipher"],
            shop_id=secret["shop_id"],
        )
        return TikTokShopClient(
            credentials, session, self.tiktok.url, self.tiktok.url, retry_policy=FAST, sleep=lambda _: None
        )

    def extensiv_client(self, session: requests.Session) -> ExtensivClient:
        credentials = ExtensivCredentials(
            client_id=EXTENSIV_CONFIG["client_id"],
            client_secret=EXTENSIV_CONFIG["client_secret"],
            customer_id=EXTENSIV_CONFIG["customer_id"],
            user_id=EXTENSIV_CONFIG["user_id"],
            environment="sandbox",
        )
        return ExtensivClient(credentials, self.extensiv.url, session, retry_policy=FAST, sleep=lambda _: None)


def start_stock_sandboxes() -> tuple[ExtensivSandbox, TikTokSandbox]:
    """Start both sandboxes on free loopback ports (stop them when done); the Extensiv ticker stays off."""
    extensiv = ExtensivSandbox(EXTENSIV_CONFIG, ticker=False).start()
    tiktok = TikTokSandbox(TIKTOK_CONFIG).start()
    return extensiv, tiktok


def loopback_session() -> requests.Session:
    """A session no proxy from the environment can see."""
    session = requests.Session()
    session.trust_env = False
    return session


def _post(url: str, body: Any) -> Any:
    response = requests.post(url, json=body if body is not None else {}, timeout=CONTROL_TIMEOUT)
    response.raise_for_status()
    return response.json()
