"""Both sandboxes on 127.0.0.1, the real clients talking to them, and a moto hub from template.yaml.

For the fulfillment and cancellation tests: an order is placed on the TikTok sandbox, handed
to the Extensiv sandbox by the real shipping-request flow, and shipped or cancelled there
through the `/_sandbox` control routes. Tests import the fixtures into their conftest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from extensiv_order import order_create_for
from requests.adapters import HTTPAdapter
from shipping_flow import ShippingRequestFlow
from shipping_routing import Switches

from connector_common.retry import RetryPolicy
from extensiv.auth import ExtensivCredentials
from extensiv.client import ExtensivClient
from hub.fulfillments import CarrierMappingRepository, FulfillmentRepository
from hub.locations import LocationRepository
from hub.orders import OrderRepository
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from hub.table import HubTable
from local.sandboxes.extensiv import ExtensivSandbox
from local.sandboxes.tiktok_shop import TikTokSandbox
from tiktok_shop.client import TikTokShopClient
from tiktok_shop.credentials import TikTokCredentials
from tiktok_shop.models import Order

CONTROL_TIMEOUT = 5
FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)
CUSTOMER_ID = 12
USER_ID = 1523
FACILITY_ID = 1
SKUS = ("TEE-RED-S", "MUG-01", "CAP-BLK")

# Nothing moves by itself: orders are placed awaiting shipment and packages stay where the
# test put them; no webhooks leave the sandbox.
TIKTOK_CONFIG = {
    "rate_limit": 0,
    "unpaid_seconds": None,
    "in_transit_seconds": None,
    "delivered_seconds": None,
    "return_step_seconds": None,
    "webhook_url": None,
}
EXTENSIV_CONFIG = {
    "client_id": "fulfillment-client",
    "client_secret": "fulfillment-client-secret",
    "customer_id": CUSTOMER_ID,
    "user_id": USER_ID,
}
EXTENSIV_SEED = {
    "facilities": [{"id": FACILITY_ID, "name": "Reno", "timeZoneName": "Pacific Standard Time"}],
    "stock": [{"sku": sku, "facilityId": FACILITY_ID, "onHand": 500} for sku in SKUS],
}


class LoseResponses(HTTPAdapter):
    """Lets matching requests reach the server, then loses their answer (a read timeout).

    Models the case reference/tiktok-shop.md §6.4 warns about: the write was applied, the
    caller cannot know.
    """

    def __init__(self, method: str, path_pattern: str, count: int = 1) -> None:
        super().__init__()
        self.method = method
        self.path_pattern = re.compile(path_pattern)
        self.remaining = count

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        response = super().send(request, *args, **kwargs)
        path = (request.path_url or "").split("?", 1)[0]
        if self.remaining and request.method == self.method and self.path_pattern.search(path):
            self.remaining -= 1
            raise requests.exceptions.ReadTimeout("the answer was lost on the way back", request=request)
        return response


@dataclass
class SandboxWorld:
    tiktok_url: str
    extensiv_url: str
    hub: HubTable
    session: requests.Session
    tiktok: TikTokShopClient
    extensiv: ExtensivClient
    warehouse_id: str

    @property
    def orders(self) -> OrderRepository:
        return OrderRepository(self.hub)

    @property
    def fulfillments(self) -> FulfillmentRepository:
        return FulfillmentRepository(self.hub)

    @property
    def carrier_overrides(self) -> CarrierMappingRepository:
        return CarrierMappingRepository(self.hub)

    @property
    def skus(self) -> SkuRepository:
        return SkuRepository(self.hub)

    @property
    def sync_state(self) -> SyncStateRepository:
        return SyncStateRepository(self.hub)

    # --- TikTok side ------------------------------------------------------------------------

    def place_order(self, lines: dict[str, int]) -> Order:
        """An order awaiting shipment on the TikTok sandbox (one line item per unit)."""
        spec = {"status": "AWAITING_SHIPMENT", "lines": [{"seller_sku": s, "quantity": q} for s, q in lines.items()]}
        created = _post(f"{self.tiktok_url}/_sandbox/orders", {"orders": [spec]})["orders"][0]
        return self.tiktok_order(created["id"])

    def tiktok_order(self, order_id: str) -> Order:
        return self.tiktok.get_orders([order_id])[0]

    def buyer_cancel(self, order_id: str) -> str:
        """The buyer asks to cancel (a pending request once the order awaits shipment)."""
        return _post(f"{self.tiktok_url}/_sandbox/orders/{order_id}/buyer-cancel", {})["cancel_id"]

    def tiktok_control_status(self, order_id: str, status: str) -> None:
        """Move an order the way TikTok itself would (CANCELLED is a system cancellation)."""
        _post(f"{self.tiktok_url}/_sandbox/orders/{order_id}/status", {"status": status})

    def tiktok_state(self) -> dict[str, Any]:
        return _get(f"{self.tiktok_url}/_sandbox/state")

    def tiktok_requests(self, method: str, path_pattern: str) -> list[dict[str, Any]]:
        return _matching(_get(f"{self.tiktok_url}/_sandbox/requests")["requests"], method, path_pattern)

    def tiktok_fault(self, **fault: Any) -> None:
        _post(f"{self.tiktok_url}/_sandbox/faults", fault)

    def lose_tiktok_responses(self, method: str, path_pattern: str, count: int = 1) -> None:
        self.session.mount(self.tiktok_url, LoseResponses(method, path_pattern, count))

    # --- Extensiv side ----------------------------------------------------------------------

    def submit(self, order_id: str) -> int:
        """Hand the order to Extensiv with the real shipping-request flow; the Extensiv order id."""
        flow = ShippingRequestFlow(
            orders=self.orders,
            skus=self.skus,
            locations=LocationRepository(self.hub),
            tiktok=self.tiktok,
            extensiv=self.extensiv,
            build_order=lambda order, decision: order_create_for(order, decision, CUSTOMER_ID),
            switches=Switches(push_shipping_requests=True),
        )
        result = flow.process(order_id)
        assert result.extensiv_order_id, result
        return int(result.extensiv_order_id)

    def ship(self, extensiv_order_id: int, packages: list[list[dict]] | None = None, carrier: str = "UPS") -> dict:
        """The warehouse ships now; `packages` lists each package's `{"sku", "qty"}` lines."""
        body: dict[str, Any] = {"carrier": carrier}
        if packages is not None:
            body["packages"] = packages
        return _post(f"{self.extensiv_url}/_sandbox/orders/{extensiv_order_id}/ship", body)["order"]

    def confirm(self, extensiv_order_id: int, tracking_number: str) -> None:
        """The warehouse confirms the order by hand through the API: no packages, typed tracking."""
        token = _post_json(
            f"{self.extensiv_url}/AuthServer/api/Token",
            {"grant_type": "client_credentials", "user_login_id": str(USER_ID)},
            auth=(EXTENSIV_CONFIG["client_id"], EXTENSIV_CONFIG["client_secret"]),
        )["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/hal+json"}
        url = f"{self.extensiv_url}/orders/{extensiv_order_id}"
        read = requests.get(url, headers=headers, timeout=CONTROL_TIMEOUT)
        read.raise_for_status()
        confirmed = requests.post(
            f"{url}/confirmer",
            json={"trackingNumber": tracking_number},
            headers={**headers, "If-Match": read.headers["ETag"]},
            timeout=CONTROL_TIMEOUT,
        )
        confirmed.raise_for_status()

    def warehouse_cancel(self, extensiv_order_id: int) -> None:
        _post(f"{self.extensiv_url}/_sandbox/orders/{extensiv_order_id}/cancel", {"reason": "Damaged in the warehouse"})

    def extensiv_state(self) -> dict[str, Any]:
        return _get(f"{self.extensiv_url}/_sandbox/state")

    def extensiv_order(self, extensiv_order_id: int) -> dict[str, Any]:
        return next(o for o in self.extensiv_state()["orders"] if o["orderId"] == extensiv_order_id)

    def extensiv_requests(self, method: str, path_pattern: str) -> list[dict[str, Any]]:
        return _matching(_get(f"{self.extensiv_url}/_sandbox/requests")["requests"], method, path_pattern)

    def extensiv_control(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return _post(f"{self.extensiv_url}/_sandbox/{path}", body)


@pytest.fixture(scope="module")
def tiktok_sandbox() -> Iterator[TikTokSandbox]:
    with TikTokSandbox(TIKTOK_CONFIG) as running:
        yield running


@pytest.fixture(scope="module")
def extensiv_sandbox() -> Iterator[ExtensivSandbox]:
    with ExtensivSandbox(EXTENSIV_CONFIG, EXTENSIV_SEED, ticker=False) as running:
        yield running


@pytest.fixture
def world(aws, tiktok_sandbox: TikTokSandbox, extensiv_sandbox: ExtensivSandbox) -> Iterator[SandboxWorld]:
    """Fresh sandboxes, a fresh hub, and the TikTok warehouse linked to the Extensiv facility."""
    _post(f"{tiktok_sandbox.url}/_sandbox/reset", {"config": TIKTOK_CONFIG})
    _post(f"{extensiv_sandbox.url}/_sandbox/reset", {})
    _post(f"{extensiv_sandbox.url}/_sandbox/config", {"ship_after_seconds": None, "split_ratio": 0, "cancel_ratio": 0})
    credentials = _get(f"{tiktok_sandbox.url}/_sandbox/credentials")
    warehouse_id = _default_sales_warehouse(_get(f"{tiktok_sandbox.url}/_sandbox/state"))
    products = [
        {"title": f"Product {sku}", "skus": [{"seller_sku": sku, "inventory": {warehouse_id: 100}}]} for sku in SKUS
    ]
    _post(f"{tiktok_sandbox.url}/_sandbox/products", {"products": products})

    with requests.Session() as session:
        session.trust_env = False  # loopback only: no proxy from the environment sees these calls
        tiktok = TikTokShopClient(
            credentials=TikTokCredentials(
                app_key=credentials["app_key"],
                app_secret=credentials["app_secret"],
                access_token=credentials["access_token"],
                refresh_token=credentials["refresh_token"],
                shop_cipher=credentials["shop_cipher"],
                shop_id=credentials["shop_id"],
            ),
            session=session,
            api_base_url=tiktok_sandbox.url,
            auth_base_url=tiktok_sandbox.url,
            retry_policy=FAST,
            sleep=lambda _seconds: None,
        )
        extensiv = ExtensivClient(
            credentials=ExtensivCredentials(
                client_id=EXTENSIV_CONFIG["client_id"],
                client_secret=EXTENSIV_CONFIG["client_secret"],
                customer_id=CUSTOMER_ID,
                user_id=USER_ID,
                environment="sandbox",
            ),
            base_url=extensiv_sandbox.url,
            session=session,
            retry_policy=FAST,
            sleep=lambda _seconds: None,
        )
        hub = aws.hub
        LocationRepository(hub).link(warehouse_id, str(FACILITY_ID))
        yield SandboxWorld(tiktok_sandbox.url, extensiv_sandbox.url, hub, session, tiktok, extensiv, warehouse_id)


def handler_environment(aws, world: SandboxWorld, **variables: str) -> dict[str, str]:
    """What template.yaml gives a function, pointed at the sandboxes; their credentials go into
    the stack's secrets (in moto) the way a merchant stores real ones."""
    credentials = world.tiktok.credentials
    tiktok_secret = {
        "app_key": credentials.app_key,
        "app_secret": credentials.app_secret,
        "access_token": credentials.access_token,
        "refresh_token": credentials.refresh_token,
        "shop_id": credentials.shop_id,
        "shop_cipher": credentials.shop_cipher,
    }
    extensiv_secret = {
        "client_id": EXTENSIV_CONFIG["client_id"],
        "client_secret": EXTENSIV_CONFIG["client_secret"],
        "customer_id": CUSTOMER_ID,
        "user_id": str(USER_ID),
    }
    aws.secretsmanager.put_secret_value(SecretId=aws.tiktok_secret_arn, SecretString=json.dumps(tiktok_secret))
    aws.secretsmanager.put_secret_value(SecretId=aws.extensiv_secret_arn, SecretString=json.dumps(extensiv_secret))
    return aws.environment(
        TIKTOK_API_BASE_URL=world.tiktok_url,
        TIKTOK_AUTH_BASE_URL=world.tiktok_url,
        EXTENSIV_ENVIRONMENT="sandbox",
        EXTENSIV_BASE_URL=world.extensiv_url,
        **variables,
    )


def _default_sales_warehouse(state: dict[str, Any]) -> str:
    warehouses = state["warehouses"]
    sales = [w for w in warehouses if w.get("type") == "SALES_WAREHOUSE"]
    return next((w["id"] for w in sales if w.get("is_default")), sales[0]["id"])


def _matching(entries: list[dict[str, Any]], method: str, path_pattern: str) -> list[dict[str, Any]]:
    pattern = re.compile(path_pattern)
    return [entry for entry in entries if entry["method"] == method and pattern.search(entry["path"])]


def _post(url: str, body: Any) -> Any:
    return _post_json(url, body)


def _post_json(url: str, body: Any, auth: tuple[str, str] | None = None) -> Any:
    response = requests.post(url, json=body, auth=auth, timeout=CONTROL_TIMEOUT)
    response.raise_for_status()
    return response.json()


def _get(url: str) -> Any:
    response = requests.get(url, timeout=CONTROL_TIMEOUT)
    response.raise_for_status()
    return response.json()
