"""The TikTok Shop sandbox on loopback, driven over HTTP with a signing helper written here.

The helper follows reference/tiktok-shop.md §2 and is checked against its vectors first, so
the sandbox's own signing code is tested against an independent implementation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, Response, request

from local.sandboxes.harness import SandboxServer
from local.sandboxes.tiktok_shop import TikTokSandbox
from local.sandboxes.tiktok_shop.signing import compute_sign, webhook_signature

# Byte-exact copies of reference/samples/tiktok kept in the repository.
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "tiktok"

BASE_CONFIG = {
    "app_key": "29a39d",
    "app_secret": "e59af819cc",
    "rate_limit": 1000,
    "unpaid_seconds": None,
    "hold_seconds": 0.3,
    "in_transit_seconds": None,
    "delivered_seconds": None,
    "return_step_seconds": None,
    "tick_interval": 0.03,
    "webhook_retry_delays": [0.1, 0.1],
    "webhook_timeout": 2.0,
}
# Keys of package-detail-202309.response.json `data` and of its two addresses.
PACKAGE_DETAIL_KEYS = {
    "package_id",
    "orders",
    "package_status",
    "split_and_combine_tag",
    "has_multi_skus",
    "note_tag",
    "shipping_provider_name",
    "shipping_provider_id",
    "shipping_type",
    "delivery_option_name",
    "delivery_option_id",
    "tracking_number",
    "last_mile_tracking_number",
    "pickup_slot",
    "create_time",
    "handover_method",
    "order_line_item_ids",
    "recipient_address",
    "sender_address",
    "weight",
    "dimension",
    "update_time",
    "insurance",
}
PACKAGE_ADDRESS_KEYS = {
    "full_address",
    "phone_number",
    "name",
    "postal_code",
    "address_detail",
    "region_code",
    "address_line1",
    "address_line2",
    "address_line3",
    "address_line4",
}
DOC_PAGE_TOKEN = "6AsPQsUMvH3RkchNUPPh22NROHkE0D8pmq/N5M1kHYcZmtRyv9aVrNv65W7Q6tFA+7D1ud64MPNz5OaT"
DOC_CIPHER = "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3"


# ---------------------------------------------------------------------- signing helper (reference §2.1)


def tts_sign(secret: str, path: str, query: dict[str, str], body: bytes = b"") -> str:
    pairs = sorted((k, v) for k, v in query.items() if k not in {"sign", "access_token"})
    base = path + "".join(f"{key}{value}" for key, value in pairs)
    wrapped = secret.encode() + base.encode() + body + secret.encode()
    return hmac.new(secret.encode(), wrapped, hashlib.sha256).hexdigest()


REFERENCE_VECTORS = [
    (
        "e59af819cc",
        "/authorization/202309/shops",
        {"app_key": "29a39d", "timestamp": "1623812664"},
        b"",
        "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8",
    ),
    (
        "app_secret",
        "/test-api",
        {"foo": "bar"},
        b"",
        "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f",
    ),
    (
        "e59af819cc",
        "/event/202309/webhooks",
        {"app_key": "68xu9ks5p4i8", "shop_cipher": "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK", "timestamp": "1696909648"},
        b'{"address":"https://partner.tiktokshop.com","event_type":"PACKAGE_UPDATE"}',
        "cd0d6268252f4ba293bf7ea4c0a2873bf9beec600d22530638564ab301435f7a",
    ),
    (
        "e59af819cc",
        "/order/202309/orders/search",
        {
            "app_key": "29a39d",
            "page_size": "100",
            "page_token": DOC_PAGE_TOKEN,
            "shop_cipher": DOC_CIPHER,
            "timestamp": "1623812664",
            "sign": "x",
            "access_token": "y",
        },
        b'{"order_status":"AWAITING_SHIPMENT"}',
        "9d64ba6bc3343255683292a960bfd230281faf9aa78c3d3dd1ab2c46d9058624",
    ),
    (
        "e59af819cc",
        "/order/202309/orders",
        {
            "app_key": "29a39d",
            "ids": "576461413038785752,576461413038785753",
            "shop_cipher": DOC_CIPHER,
            "timestamp": "1623812664",
        },
        b"",
        "0e888959aae6ea5a2e5270c90de0cdaa00789074fe554bf0644af041d2af5397",
    ),
    (
        "e59af819cc",
        "/return_refund/202309/cancellations/4035319218955782461/approve",
        {
            "app_key": "29a39d",
            "idempotency_key": "40b456b1-78e7-412d-9fe6-82181496e1bd",
            "shop_cipher": DOC_CIPHER,
            "timestamp": "1623812664",
        },
        b"",
        "aec0b601b99be710c284d8731b8ebd4a97fc6e5fa9c5a9f6853fc481869c4173",
    ),
    (
        "e59af819cc",
        "/return_refund/202309/cancellations/4035319218955782461/approve",
        {
            "app_key": "29a39d",
            "idempotency_key": "40b456b1-78e7-412d-9fe6-82181496e1bd",
            "shop_cipher": DOC_CIPHER,
            "timestamp": "1623812664",
        },
        b"{}",
        "e079386b46c354b53ebce4178d09a706cc6f1d549d4540a08565ce1bbb12a7af",
    ),
    (
        "e59af819cc",
        "/product/202309/products/1729592969712207008/inventory/update",
        {"app_key": "29a39d", "shop_cipher": DOC_CIPHER, "timestamp": "1623812664"},
        b'{"skus":[{"id":"1729592969712207013","inventory":[{"warehouse_id":"7068517275539719942","quantity":5}]}]}',
        "9f1f3407fad9c30f4c7f7d8f940ad21a6d7bf8952c586394bfb2c03526b61536",
    ),
]


@pytest.mark.parametrize(("secret", "path", "query", "body", "expected"), REFERENCE_VECTORS)
def test_signing_helper_and_sandbox_signing_reproduce_reference_vectors(secret, path, query, body, expected):
    assert tts_sign(secret, path, query, body) == expected
    assert compute_sign(secret, path, query.items(), body, "application/json") == expected


def test_sandbox_webhook_signature_reproduces_reference_vector():
    body = (SAMPLES / "webhook-signature-vector.body.json").read_bytes()

    signature = webhook_signature("abcdef", "123", body)

    assert signature == "5dec0f11ec2f6783b8deee53c9ffbf8d024302f7c7e7fa55a35d17629031ac05"


# ---------------------------------------------------------------------- fixtures


@dataclass
class Client:
    base: str
    app_key: str
    app_secret: str
    access_token: str
    shop_cipher: str

    def call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        shop: bool = True,
        token: str | None = None,
        timestamp: int | None = None,
        sign: str | None = None,
    ) -> requests.Response:
        params = {"app_key": self.app_key, "timestamp": str(timestamp or int(time.time()))}
        params.update({key: str(value) for key, value in (query or {}).items()})
        if shop:
            params["shop_cipher"] = self.shop_cipher
        raw = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
        params["sign"] = sign or tts_sign(self.app_secret, path, params, raw)
        headers = {"x-tts-access-token": self.access_token if token is None else token}
        if raw:
            headers["content-type"] = "application/json"
        return requests.request(method, self.base + path, params=params, data=raw or None, headers=headers, timeout=5)

    def ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.call(method, path, **kwargs)
        payload = response.json()
        assert response.status_code == 200, payload
        assert payload["code"] == 0, payload
        assert payload["message"] == "Success"
        assert payload["request_id"]
        return payload["data"]

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(method, f"{self.base}/_sandbox{path}", json=body, timeout=5)
        assert response.status_code == 200, response.text
        return response.json()


@dataclass
class Shop:
    client: Client
    warehouse_id: str
    provider_ids: dict[str, str]
    product_id: str
    skus: dict[str, str]

    def order(self, status: str = "AWAITING_SHIPMENT", **spec: Any) -> dict[str, Any]:
        spec.setdefault("lines", [{"seller_sku": "MUG-RED", "quantity": 2}, {"seller_sku": "MUG-BLUE", "quantity": 1}])
        return self.client.control("POST", "/orders", {"status": status, **spec})["orders"][0]

    def detail(self, order_id: str, version: str = "202507") -> dict[str, Any]:
        return self.client.ok("GET", f"/order/{version}/orders", query={"ids": order_id})["orders"][0]

    def ship(self, order_id: str, tracking: str, lines: list[str] | None = None, carrier: str = "USPS") -> Any:
        body: dict[str, Any] = {"tracking_number": tracking, "shipping_provider_id": self.provider_ids[carrier]}
        if lines is not None:
            body["order_line_item_ids"] = lines
        return self.client.call("POST", f"/fulfillment/202309/orders/{order_id}/packages", body=body)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[TikTokSandbox]:
    with TikTokSandbox(BASE_CONFIG) as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    with SandboxServer(hook.app) as server:
        hook.url = f"{server.url}/hook"
        yield hook


@pytest.fixture
def shop(sandbox: TikTokSandbox) -> Shop:
    reset = requests.post(f"{sandbox.url}/_sandbox/reset", json={"config": BASE_CONFIG, "defaults": True}, timeout=5)
    credentials = reset.json()["credentials"]
    client = Client(
        sandbox.url,
        credentials["app_key"],
        credentials["app_secret"],
        credentials["access_token"],
        credentials["shop_cipher"],
    )
    state = client.control("GET", "/state")
    warehouse = next(w for w in state["warehouses"] if w["type"] == "SALES_WAREHOUSE")
    providers = {p["name"]: p["id"] for p in warehouse["delivery_options"][0]["shipping_providers"]}
    product = client.control(
        "POST",
        "/products",
        {
            "products": [
                {
                    "title": "Stoneware Mug",
                    "skus": [
                        {"seller_sku": "MUG-RED", "price": "14.50", "inventory": {warehouse["id"]: 50}},
                        {"seller_sku": "MUG-BLUE", "price": "14.50", "inventory": {warehouse["id"]: 40}},
                    ],
                }
            ]
        },
    )["products"][0]
    skus = {sku["seller_sku"]: sku["id"] for sku in product["skus"]}
    return Shop(client, warehouse["id"], providers, product["id"], skus)


class Receiver:
    """A local webhook endpoint that records what it got and answers the queued statuses."""

    def __init__(self) -> None:
        self.app = Flask("receiver")
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: queue.SimpleQueue[int] = queue.SimpleQueue()
        self.url = ""
        self.app.add_url_rule("/hook", "hook", self._hook, methods=["POST"])

    def _hook(self) -> Response:
        self.received.append((dict(request.headers), request.get_data()))
        status = 200 if self.statuses.empty() else self.statuses.get()
        return Response("", status=status)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


def wait_for(predicate: Callable[[], Any], timeout: float = 3.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def error_of(response: requests.Response) -> tuple[int, int]:
    return response.status_code, response.json()["code"]


# ---------------------------------------------------------------------- auth host


def test_token_get_issues_absolute_expiries_and_single_use_code(shop: Shop):
    client = shop.client
    credentials = client.control("GET", "/credentials")
    query = {
        "app_key": client.app_key,
        "app_secret": client.app_secret,
        "auth_code": credentials["auth_code"],
        "grant_type": "authorized_code",
    }

    response = requests.get(f"{client.base}/api/v2/token/get", params=query, timeout=5)
    again = requests.get(f"{client.base}/api/v2/token/get", params=query, timeout=5).json()

    payload = response.json()
    assert payload["code"] == 0
    assert payload["message"] == "success"
    data = payload["data"]
    assert data["access_token_expire_in"] > time.time() + 6 * 86400
    assert data["refresh_token_expire_in"] > data["access_token_expire_in"]
    assert data["user_type"] == 0
    assert data["open_id"]
    assert data["seller_base_region"] == "US"
    assert "seller.order.info" in data["granted_scopes"]
    assert again["code"] == 36004004


def test_token_refresh_rotates_both_tokens(shop: Shop):
    client = shop.client
    old = client.control("GET", "/credentials")
    query = {
        "app_key": client.app_key,
        "app_secret": client.app_secret,
        "refresh_token": old["refresh_token"],
        "grant_type": "refresh_token",
    }

    fresh = requests.get(f"{client.base}/api/v2/token/refresh", params=query, timeout=5).json()
    replay = requests.get(f"{client.base}/api/v2/token/refresh", params=query, timeout=5).json()

    assert fresh["message"] == "success"
    assert fresh["data"]["refresh_token"] != old["refresh_token"]
    assert fresh["data"]["refresh_token_expire_in"] == old["refresh_token_expire_in"]
    assert replay["code"] == 36004005
    assert error_of(client.call("GET", "/authorization/202309/shops", shop=False)) == (401, 36009004)
    client.access_token = fresh["data"]["access_token"]
    assert client.ok("GET", "/authorization/202309/shops", shop=False)["shops"]


def test_token_get_rejects_wrong_secret(shop: Shop):
    query = {"app_key": shop.client.app_key, "app_secret": "nope", "auth_code": "x", "grant_type": "authorized_code"}

    response = requests.get(f"{shop.client.base}/api/v2/token/get", params=query, timeout=5)

    assert error_of(response) == (400, 36009004)


# ---------------------------------------------------------------------- common checks


def test_authorized_and_active_shops_list_the_shop_without_cipher(shop: Shop):
    authorized = shop.client.ok("GET", "/authorization/202309/shops", shop=False)["shops"][0]
    active = shop.client.ok("GET", "/seller/202309/shops", shop=False)["shops"]

    assert authorized["cipher"] == shop.client.shop_cipher
    assert set(authorized) == {"id", "name", "region", "seller_type", "cipher", "code"}
    assert active == [{"id": authorized["id"], "region": "US"}]


def test_shop_cipher_is_rejected_where_it_must_be_omitted(shop: Shop):
    response = shop.client.call("GET", "/authorization/202309/shops", shop=True)

    assert error_of(response) == (400, 36009004)
    assert "Unexpected identifier" in response.json()["message"]


def test_bad_sign_is_http_401_code_106001(shop: Shop):
    response = shop.client.call("GET", "/logistics/202309/warehouses", sign="0" * 64)

    assert error_of(response) == (401, 106001)


def test_upper_case_sign_is_rejected(shop: Shop):
    client = shop.client
    stamp = int(time.time())
    params = {"app_key": client.app_key, "timestamp": str(stamp), "shop_cipher": client.shop_cipher}
    upper = tts_sign(client.app_secret, "/logistics/202309/warehouses", params).upper()

    response = client.call("GET", "/logistics/202309/warehouses", timestamp=stamp, sign=upper)

    assert error_of(response) == (401, 106001)


@pytest.mark.parametrize("offset", [-301, 31])
def test_timestamp_outside_window_is_36009004(shop: Shop, offset: int):
    response = shop.client.call("GET", "/logistics/202309/warehouses", timestamp=int(time.time()) + offset)

    assert error_of(response) == (400, 36009004)
    assert "timestamp" in response.json()["message"]


def test_missing_token_is_36009004_and_expired_token_is_105002(shop: Shop):
    missing = shop.client.call("GET", "/logistics/202309/warehouses", token="")
    shop.client.control("POST", "/expire-token")
    expired = shop.client.call("GET", "/logistics/202309/warehouses")

    assert error_of(missing) == (401, 36009004)
    assert error_of(expired) == (401, 105002)


def test_missing_shop_cipher_is_106013(shop: Shop):
    response = shop.client.call("GET", "/logistics/202309/warehouses", shop=False)

    assert error_of(response) == (400, 106013)


def test_wrong_shop_cipher_is_101000(shop: Shop):
    shop.client.shop_cipher = "ROW_someoneElse"

    response = shop.client.call("GET", "/logistics/202309/warehouses")

    assert error_of(response) == (401, 101000)


def test_rate_limit_per_endpoint_answers_429_36009002(shop: Shop):
    shop.client.control("POST", "/config", {"rate_limit": 3})

    statuses = [shop.client.call("GET", "/logistics/202309/warehouses").status_code for _ in range(5)]
    other_endpoint = shop.client.call("GET", "/event/202309/webhooks")
    limited = shop.client.call("GET", "/logistics/202309/warehouses")

    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]
    assert other_endpoint.status_code == 200
    assert error_of(limited) == (429, 36009002)


def test_unknown_version_answers_the_documented_36009014_body(shop: Shop):
    response = shop.client.call("POST", "/order/202401/orders/search", query={"page_size": 10}, body={})

    assert response.json() == json.loads((SAMPLES / "error-36009014-version-invalid.response.json").read_text())


def test_unknown_path_and_method(shop: Shop):
    path = shop.client.call("GET", "/order/202309/nothing")
    method = shop.client.call("DELETE", "/logistics/202309/warehouses")

    assert error_of(path) == (404, 36009009)
    assert error_of(method) == (405, 36009010)


def test_non_json_body_is_36009022(shop: Shop):
    client = shop.client
    path = "/order/202309/orders/search"
    params = {
        "app_key": client.app_key,
        "timestamp": str(int(time.time())),
        "shop_cipher": client.shop_cipher,
        "page_size": "1",
    }
    params["sign"] = tts_sign(client.app_secret, path, params, b"a=1")
    headers = {"x-tts-access-token": client.access_token, "content-type": "text/plain"}

    response = requests.post(f"{client.base}{path}", params=params, data=b"a=1", headers=headers, timeout=5)

    assert error_of(response) == (400, 36009022)


def test_fault_injection_through_harness(shop: Shop):
    shop.client.control("POST", "/faults", {"match": "/orders/search$", "status": 503, "count": 1})

    first = shop.client.call("POST", "/order/202309/orders/search", query={"page_size": 5}, body={})
    second = shop.client.call("POST", "/order/202309/orders/search", query={"page_size": 5}, body={})

    assert first.status_code == 503
    assert second.status_code == 200
    logged = shop.client.control("GET", "/requests")["requests"]
    assert [entry["path"] for entry in logged][-2:] == ["/order/202309/orders/search"] * 2


# ---------------------------------------------------------------------- orders


def test_order_search_pages_with_plus_and_slash_tokens(shop: Shop):
    created = {shop.order()["id"] for _ in range(5)}

    seen, tokens, page_token = [], [], None
    while True:
        query = {"page_size": 2, "sort_field": "create_time", "sort_order": "ASC"}
        if page_token:
            query["page_token"] = page_token
        data = shop.client.ok("POST", "/order/202309/orders/search", query=query, body={})
        assert data["total_count"] == 5
        seen.extend(order["id"] for order in data["orders"])
        page_token = data["next_page_token"]
        if not page_token:
            break
        tokens.append(page_token)

    assert set(seen) == created
    assert len(seen) == 5
    assert len(tokens) == 2
    assert all("+" in token and "/" in token for token in tokens)


def test_order_search_token_sent_unencoded_fails(shop: Shop):
    for _ in range(3):
        shop.order()
    client = shop.client
    first = client.ok("POST", "/order/202309/orders/search", query={"page_size": 1}, body={})
    params = {
        "app_key": client.app_key,
        "timestamp": str(int(time.time())),
        "shop_cipher": client.shop_cipher,
        "page_size": "1",
        "page_token": first["next_page_token"],
    }
    params["sign"] = tts_sign(client.app_secret, "/order/202309/orders/search", params, b"{}")
    raw_query = "&".join(f"{key}={value}" for key, value in params.items())

    response = requests.post(
        f"{client.base}/order/202309/orders/search?{raw_query}",
        data=b"{}",
        headers={"x-tts-access-token": client.access_token, "content-type": "application/json"},
        timeout=5,
    )

    assert error_of(response) == (401, 106001)


def test_order_search_filters_by_status_and_update_time(shop: Shop):
    old = shop.order()
    time.sleep(1.05)
    cutoff = int(time.time())
    fresh = shop.order()
    unpaid = shop.order(status="UNPAID")

    by_update = shop.client.ok(
        "POST",
        "/order/202309/orders/search",
        query={"page_size": 50, "sort_field": "update_time", "sort_order": "ASC"},
        body={"update_time_ge": cutoff},
    )
    by_status = shop.client.ok(
        "POST", "/order/202309/orders/search", query={"page_size": 50}, body={"order_status": "UNPAID"}
    )

    assert {o["id"] for o in by_update["orders"]} == {fresh["id"], unpaid["id"]}
    assert old["id"] not in {o["id"] for o in by_update["orders"]}
    assert [o["id"] for o in by_status["orders"]] == [unpaid["id"]]


@pytest.mark.parametrize("page_size", [0, 101, "x"])
def test_order_search_rejects_bad_page_size(shop: Shop, page_size: Any):
    response = shop.client.call("POST", "/order/202309/orders/search", query={"page_size": page_size}, body={})

    assert error_of(response) == (400, 36009004)


def test_order_detail_expands_quantities_into_one_unit_line_items(shop: Shop):
    order = shop.order()

    detail = shop.detail(order["id"])

    assert [line["seller_sku"] for line in detail["line_items"]] == ["MUG-RED", "MUG-RED", "MUG-BLUE"]
    assert "quantity" not in detail["line_items"][0]
    assert len({line["id"] for line in detail["line_items"]}) == 3
    assert isinstance(detail["id"], str)
    assert isinstance(detail["payment"]["total_amount"], str)
    assert detail["payment"]["sub_total"] == "43.50"
    assert detail["recipient_address"]["region_code"] == "US"


def test_order_detail_202309_and_202507_differ_only_by_documented_fields(shop: Shop):
    order_id = shop.order()["id"]

    v202507 = shop.detail(order_id, "202507")
    v202309 = shop.detail(order_id, "202309")

    assert set(v202507) - set(v202309) == {
        "payment_method_code",
        "payment_auth_code",
        "payment_card_type",
        "channel_entity_national_registry_id",
    }


def test_order_detail_limits_ids_to_50(shop: Shop):
    ids = ",".join(str(576000000000000000 + n) for n in range(51))

    response = shop.client.call("GET", "/order/202507/orders", query={"ids": ids})

    assert error_of(response) == (400, 36009004)


def test_recipient_address_is_empty_while_unpaid_or_on_hold(shop: Shop):
    unpaid = shop.order(status="UNPAID")
    on_hold = shop.order(status="ON_HOLD", hold_seconds=60)

    assert shop.detail(unpaid["id"])["recipient_address"] == {}
    assert shop.detail(on_hold["id"])["recipient_address"] == {}


def test_order_without_address_stays_empty_when_shippable(shop: Shop):
    order = shop.order(address=None)

    assert shop.detail(order["id"])["recipient_address"] == {}


def test_order_object_matches_sample_keys_and_json_types(shop: Shop):
    # GIVEN a shipped seller-fulfilled order (so packages and address are filled)
    order = shop.order()
    assert shop.ship(order["id"], "9400111899223197428490").json()["code"] == 0
    sample = json.loads((SAMPLES / "order-detail-202507.response.json").read_text())["data"]["orders"][0]

    # WHEN it is read with the 202507 detail call
    actual = shop.detail(order["id"])

    # THEN every key of the sample is there with the same JSON type, recursively
    assert_same_shape(sample, actual, "order")


def assert_same_shape(sample: Any, actual: Any, where: str) -> None:
    assert json_type(actual) == json_type(sample), f"{where}: {json_type(actual)} != {json_type(sample)}"
    if isinstance(sample, dict):
        missing = set(sample) - set(actual)
        assert not missing, f"{where} lacks {sorted(missing)}"
        for key, value in sample.items():
            assert_same_shape(value, actual[key], f"{where}.{key}")
    elif isinstance(sample, list) and sample and actual:
        for index, item in enumerate(actual):
            assert_same_shape(sample[0], item, f"{where}[{index}]")


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


# ---------------------------------------------------------------------- lifecycle and webhooks


def test_hold_ends_in_awaiting_shipment_with_signed_webhook(shop: Shop, receiver: Receiver):
    shop.client.control("POST", "/config", {"webhook_url": receiver.url})

    order = shop.order(status="ON_HOLD")
    wait_for(lambda: any(b["data"]["order_status"] == "AWAITING_SHIPMENT" for b in receiver.bodies()))

    statuses = [b["data"]["order_status"] for b in receiver.bodies() if b["type"] == 1]
    assert statuses == ["ON_HOLD", "AWAITING_SHIPMENT"]
    assert shop.detail(order["id"])["status"] == "AWAITING_SHIPMENT"
    for headers, body in receiver.received:
        expected = hmac.new(b"e59af819cc", b"29a39d" + body, hashlib.sha256).hexdigest()
        assert headers["Authorization"] == expected
        assert b" " not in body  # compact JSON
    last = receiver.bodies()[-1]
    assert list(last) == ["type", "tts_notification_id", "shop_id", "timestamp", "data"]
    assert list(last["data"]) == ["order_id", "order_status", "is_on_hold_order", "update_time"]
    assert last["data"]["is_on_hold_order"] is True


def test_unpaid_order_pays_then_holds_then_releases(shop: Shop, receiver: Receiver):
    shop.client.control("POST", "/config", {"webhook_url": receiver.url})

    order = shop.order(status="UNPAID", unpaid_seconds=0.1)
    wait_for(lambda: len(receiver.received) == 3)

    statuses = [b["data"]["order_status"] for b in receiver.bodies() if b["type"] == 1]
    assert statuses == ["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"]
    assert shop.detail(order["id"])["status"] == "AWAITING_SHIPMENT"
    assert shop.detail(order["id"])["paid_time"] > 0


def test_webhook_is_retried_until_200(shop: Shop, receiver: Receiver):
    shop.client.control("POST", "/config", {"webhook_url": receiver.url})
    receiver.statuses.put(500)
    receiver.statuses.put(503)

    shop.order()
    wait_for(lambda: len(receiver.received) == 3)

    bodies = [body for _, body in receiver.received]
    assert bodies[0] == bodies[1] == bodies[2]
    outcomes = [d["outcome"] for d in shop.client.control("GET", "/state")["webhook_deliveries"]]
    assert outcomes == ["failed", "failed", "delivered"]


def test_webhook_duplicates_and_resend_reuse_the_same_body(shop: Shop, receiver: Receiver):
    shop.client.control("POST", "/config", {"webhook_url": receiver.url, "webhook_duplicate_ratio": 1.0})

    order = shop.order()
    wait_for(lambda: len(receiver.received) == 2)
    shop.client.control("POST", f"/webhooks/resend/{order['id']}")
    wait_for(lambda: len(receiver.received) == 3)

    assert len({body for _, body in receiver.received}) == 1


def test_webhooks_never_leave_loopback(shop: Shop):
    shop.client.control("POST", "/config", {"webhook_url": "https://example.com/hook"})

    shop.order()
    deliveries = wait_for(lambda: shop.client.control("GET", "/state")["webhook_deliveries"])

    assert deliveries[0]["outcome"] == "refused_non_loopback"


def test_shop_webhook_subscription_routes(shop: Shop, receiver: Receiver):
    client = shop.client

    client.ok("PUT", "/event/202309/webhooks", body={"address": receiver.url, "event_type": "ORDER_STATUS_CHANGE"})
    listed = client.ok("GET", "/event/202309/webhooks")
    shop.order()
    wait_for(lambda: receiver.received)
    client.ok("DELETE", "/event/202309/webhooks", body={"event_type": "ORDER_STATUS_CHANGE"})
    bad = client.call("PUT", "/event/202309/webhooks", body={"address": receiver.url, "event_type": "NOPE"})

    assert listed["total_count"] == 1
    assert listed["webhooks"][0]["address"] == receiver.url
    assert client.ok("GET", "/event/202309/webhooks") == {"webhooks": [], "total_count": 0}
    assert error_of(bad) == (400, 36009004)


# ---------------------------------------------------------------------- logistics and products


def test_warehouse_delivery_option_and_provider_routes(shop: Shop):
    warehouses = shop.client.ok("GET", "/logistics/202309/warehouses")["warehouses"]
    sample = json.loads((SAMPLES / "warehouses-202309.response.json").read_text())["data"]["warehouses"][0]
    options = shop.client.ok("GET", f"/logistics/202309/warehouses/{shop.warehouse_id}/delivery_options")
    option_id = options["delivery_options"][0]["id"]
    providers = shop.client.ok("GET", f"/logistics/202309/delivery_options/{option_id}/shipping_providers")
    unknown = shop.client.call("GET", "/logistics/202309/warehouses/123/delivery_options")

    assert_same_shape(sample, warehouses[0], "warehouse")
    assert "distict" in warehouses[0]["address"]
    assert {p["name"] for p in providers["shipping_providers"]} >= {"USPS", "UPS"}
    assert error_of(unknown) == (200, 11005004)


@pytest.mark.parametrize("version", ["202502", "202309"])
def test_product_search_both_versions(shop: Shop, version: str):
    data = shop.client.ok(
        "POST", f"/product/{version}/products/search", query={"page_size": 10}, body={"seller_skus": ["MUG-RED"]}
    )

    assert data["total_count"] == 1
    product = data["products"][0]
    assert product["id"] == shop.product_id
    assert {sku["seller_sku"] for sku in product["skus"]} == {"MUG-RED", "MUG-BLUE"}
    assert data["next_page_token"] == ""


def test_product_search_caps_seller_skus_at_10(shop: Shop):
    body = {"seller_skus": [f"S{n}" for n in range(11)]}

    response = shop.client.call("POST", "/product/202502/products/search", query={"page_size": 10}, body=body)

    assert error_of(response) == (400, 36009004)


def test_get_product_and_inventory_search(shop: Shop):
    product = shop.client.ok("GET", f"/product/202309/products/{shop.product_id}")
    shop.order()
    by_product = shop.client.ok("POST", "/product/202309/inventory/search", body={"product_ids": [shop.product_id]})
    by_sku = shop.client.ok(
        "POST",
        "/product/202309/inventory/search",
        body={"product_ids": [shop.product_id], "sku_ids": [shop.skus["MUG-RED"]]},
    )

    assert product["skus"][0]["inventory"][0]["warehouse_id"] == shop.warehouse_id
    red = next(sku for sku in by_product["inventory"][0]["skus"] if sku["seller_sku"] == "MUG-RED")
    assert red["warehouse_inventory"] == [
        {"warehouse_id": shop.warehouse_id, "available_quantity": 48, "committed_quantity": 2}
    ]
    assert [sku["id"] for sku in by_sku["inventory"][0]["skus"]] == [shop.skus["MUG-RED"]]


def test_inventory_update_sets_available_quantity(shop: Shop):
    body = {"skus": [{"id": shop.skus["MUG-RED"], "inventory": [{"warehouse_id": shop.warehouse_id, "quantity": 7}]}]}

    data = shop.client.ok("POST", f"/product/202309/products/{shop.product_id}/inventory/update", body=body)

    assert data == {}
    inventory = shop.client.control("GET", "/state")["inventory"]
    assert next(i for i in inventory if i["seller_sku"] == "MUG-RED")["available_quantity"] == 7


def test_inventory_update_reports_per_sku_errors_inside_code_0(shop: Shop):
    # GIVEN a second warehouse stocking MUG-BLUE, so MUG-BLUE has two warehouses
    extra = shop.client.control("POST", "/warehouses", {"warehouses": [{"name": "East DC"}]})["warehouses"][0]
    shop.client.control(
        "POST",
        "/products",
        {"title": "Tea", "skus": [{"seller_sku": "TEA", "inventory": {shop.warehouse_id: 3, extra["id"]: 4}}]},
    )
    tea = shop.client.control("GET", "/state")["inventory"]
    tea_sku = next(i for i in tea if i["seller_sku"] == "TEA")
    body = {
        "skus": [
            {"id": tea_sku["sku_id"], "inventory": [{"warehouse_id": shop.warehouse_id, "quantity": 9}]},
            {"id": shop.skus["MUG-RED"], "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 5}]},
        ]
    }

    # WHEN one SKU omits a warehouse and another names an unknown one
    response = shop.client.call("POST", f"/product/202309/products/{tea_sku['product_id']}/inventory/update", body=body)

    # THEN the answer is code 0 with one error per SKU
    payload = response.json()
    assert response.status_code == 200
    assert payload["code"] == 0
    errors = payload["data"]["errors"]
    assert errors[0]["code"] == 12052990
    assert errors[0]["detail"]["sku_id"] == tea_sku["sku_id"]
    assert errors[0]["detail"]["extra_errors"][0]["warehouse_id"] == extra["id"]
    assert errors[1] == {
        "code": 12052556,
        "message": "The SKU id not exist.",
        "detail": {"sku_id": shop.skus["MUG-RED"], "extra_errors": []},
    }


def test_inventory_update_unknown_warehouse_and_quantity_range(shop: Shop):
    body = {
        "skus": [
            {"id": shop.skus["MUG-RED"], "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 5}]},
            {"id": shop.skus["MUG-BLUE"], "inventory": [{"warehouse_id": shop.warehouse_id, "quantity": 100000}]},
        ]
    }

    data = shop.client.ok("POST", f"/product/202309/products/{shop.product_id}/inventory/update", body=body)

    red, blue = data["errors"]
    assert red["detail"]["extra_errors"][0] == {
        "warehouse_id": "7068517275539719942",
        "code": 12052097,
        "message": "The warehouse does not exist",
    }
    assert blue["detail"]["extra_errors"][0]["code"] == 12052055


def test_inventory_update_rejects_more_than_100_skus(shop: Shop):
    body = {"skus": [{"id": str(n), "inventory": []} for n in range(101)]}

    response = shop.client.call("POST", f"/product/202309/products/{shop.product_id}/inventory/update", body=body)

    assert error_of(response) == (200, 12052050)


# ---------------------------------------------------------------------- fulfillment


def test_mark_shipped_rejects_on_hold_order(shop: Shop):
    order = shop.order(status="ON_HOLD", hold_seconds=60)

    response = shop.ship(order["id"], "9400111899223197428490")

    assert error_of(response) == (200, 21011044)


def test_mark_shipped_requires_a_listed_provider(shop: Shop):
    order = shop.order()
    body = {"tracking_number": "9400111899223197428490", "shipping_provider_id": "6617675021119438849"}

    response = shop.client.call("POST", f"/fulfillment/202309/orders/{order['id']}/packages", body=body)

    assert error_of(response) == (200, 21011022)


def test_split_shipment_moves_through_partially_shipping(shop: Shop, receiver: Receiver):
    shop.client.control("POST", "/config", {"webhook_url": receiver.url})
    order = shop.order()
    lines = [line["id"] for line in order["line_items"]]

    first = shop.ship(order["id"], "9400111899223197428490", lines=lines[:1]).json()
    partial = shop.detail(order["id"])["status"]
    again = shop.ship(order["id"], "1Z999AA10123456784", lines=lines[:1], carrier="UPS")
    second = shop.ship(order["id"], "1Z999AA10123456784", lines=lines[1:], carrier="UPS").json()
    detail = shop.detail(order["id"])

    assert first["code"] == 0
    assert set(first["data"]) == {"order_id", "order_line_item_ids", "package_id", "warning"}
    assert first["data"]["order_line_item_ids"] == lines[:1]
    assert partial == "PARTIALLY_SHIPPING"
    assert error_of(again) == (200, 21011006)
    assert second["code"] == 0
    assert detail["status"] == "AWAITING_COLLECTION"
    assert {p["id"] for p in detail["packages"]} == {first["data"]["package_id"], second["data"]["package_id"]}
    assert detail["line_items"][0]["package_status"] == "PROCESSING"
    wait_for(lambda: [b["data"]["order_status"] for b in receiver.bodies()][-1] == "AWAITING_COLLECTION")


def test_duplicate_tracking_number_is_21011025(shop: Shop):
    first, second = shop.order(), shop.order()
    shop.ship(first["id"], "9400111899223197428490")

    response = shop.ship(second["id"], "9400111899223197428490")

    assert error_of(response) == (200, 21011025)


def test_packages_move_to_in_transit_and_delivered_over_time(shop: Shop):
    shop.client.control("POST", "/config", {"in_transit_seconds": 0.1, "delivered_seconds": 0.1})
    order = shop.order()
    shop.ship(order["id"], "9400111899223197428490")

    wait_for(lambda: shop.detail(order["id"])["status"] == "DELIVERED")

    tracking = shop.client.ok("GET", f"/fulfillment/202309/orders/{order['id']}/tracking")["tracking"]
    assert tracking[0]["description"] == "Your package was delivered!"
    assert tracking[0]["update_time_millis"] > 10**12
    assert shop.detail(order["id"])["delivery_time"] > 0


def test_package_detail_and_search(shop: Shop):
    order = shop.order()
    package_id = shop.ship(order["id"], "9400111899223197428490").json()["data"]["package_id"]

    detail = shop.client.ok("GET", f"/fulfillment/202309/packages/{package_id}")
    found = shop.client.ok("POST", "/fulfillment/202309/packages/search", query={"page_size": 10}, body={})
    too_big = shop.client.call("POST", "/fulfillment/202309/packages/search", query={"page_size": 51}, body={})

    assert set(detail) >= PACKAGE_DETAIL_KEYS
    assert set(detail["recipient_address"]) == set(detail["sender_address"]) == PACKAGE_ADDRESS_KEYS
    assert detail["tracking_number"] == "9400111899223197428490"
    assert detail["shipping_type"] == "SELLER"
    assert detail["orders"][0]["skus"][0]["quantity"] == 2
    assert [p["id"] for p in found["packages"]] == [package_id]
    assert error_of(too_big) == (400, 36009004)


def test_ship_package_is_for_other_markets(shop: Shop):
    order = shop.order()
    package_id = shop.ship(order["id"], "9400111899223197428490").json()["data"]["package_id"]
    body = {"self_shipment": {"tracking_number": "9400111899223197428491", "shipping_provider_id": "1"}}

    response = shop.client.call("POST", f"/fulfillment/202309/packages/{package_id}/ship", body=body)

    assert error_of(response) == (200, 21008106)


def test_ship_package_in_a_sea_market(shop: Shop):
    shop.client.control("POST", "/config", {"region": "ID"})
    order = shop.order()
    package_id = shop.detail(order["id"])["packages"][0]["id"]
    body = {"self_shipment": {"tracking_number": "JX12345", "shipping_provider_id": shop.provider_ids["USPS"]}}

    shipped = shop.client.ok("POST", f"/fulfillment/202309/packages/{package_id}/ship", body=body)
    mark = shop.ship(order["id"], "JX12346")

    assert shipped == {}
    assert shop.detail(order["id"])["status"] == "AWAITING_COLLECTION"
    assert error_of(mark) == (200, 21008106)


def test_shipping_info_can_be_corrected_once(shop: Shop):
    order = shop.order()
    unshipped = shop.order()
    package_id = shop.ship(order["id"], "9400111899223197428490").json()["data"]["package_id"]
    path = f"/fulfillment/202309/orders/{order['id']}/shipping_info/update"
    fix = {"tracking_number": "1Z999AA10123456784", "shipping_provider_id": shop.provider_ids["UPS"]}

    first = shop.client.ok("POST", path, body=fix)
    second = shop.client.call("POST", path, body=fix)
    package_level = shop.client.call(
        "POST", f"/fulfillment/202309/packages/{package_id}/shipping_info/update", body=fix
    )
    not_shipped = shop.client.call(
        "POST", f"/fulfillment/202309/orders/{unshipped['id']}/shipping_info/update", body=fix
    )

    assert first == {}
    assert shop.detail(order["id"])["tracking_number"] == "1Z999AA10123456784"
    assert error_of(second) == (200, 21011051)
    assert error_of(package_level) == (200, 21011051)
    assert error_of(not_shipped) == (200, 21011043)


def test_package_shipping_info_update_route(shop: Shop):
    order = shop.order()
    package_id = shop.ship(order["id"], "9400111899223197428490").json()["data"]["package_id"]
    fix = {"tracking_number": "1Z999AA10123456784", "shipping_provider_id": shop.provider_ids["UPS"]}

    data = shop.client.ok("POST", f"/fulfillment/202309/packages/{package_id}/shipping_info/update", body=fix)

    assert data == {}
    detail = shop.client.ok("GET", f"/fulfillment/202309/packages/{package_id}")
    assert detail["shipping_provider_name"] == "UPS"


# ---------------------------------------------------------------------- cancellations


def test_seller_cancel_checks_reason_against_status(shop: Shop):
    paid = shop.order()

    unpaid_reason = shop.client.call(
        "POST",
        "/return_refund/202309/cancellations",
        body={"order_id": paid["id"], "cancel_reason": "seller_cancel_unpaid_reason_out_of_stock"},
    )
    buyer_reason = shop.client.call(
        "POST",
        "/return_refund/202309/cancellations",
        body={"order_id": paid["id"], "cancel_reason": "ecom_order_to_ship_canceled_reason_created_by_mistakes"},
    )
    done = shop.client.ok(
        "POST",
        "/return_refund/202309/cancellations",
        body={"order_id": paid["id"], "cancel_reason": "seller_cancel_reason_out_of_stock"},
    )

    assert error_of(unpaid_reason) == (200, 25001021)
    assert error_of(buyer_reason) == (200, 25001015)
    assert done["cancel_status"] == "CANCELLATION_REQUEST_SUCCESS"
    detail = shop.detail(paid["id"])
    assert detail["status"] == "CANCELLED"
    assert detail["cancellation_initiator"] == "SELLER"


def test_seller_cancel_of_single_line_and_of_shipped_order(shop: Shop):
    order = shop.order()
    lines = [line["id"] for line in order["line_items"]]
    shipped = shop.order()
    shop.ship(shipped["id"], "9400111899223197428490")
    reason = "seller_cancel_reason_out_of_stock"

    partial = shop.client.ok(
        "POST",
        "/return_refund/202309/cancellations",
        body={"order_id": order["id"], "cancel_reason": reason, "order_line_item_ids": lines[:1]},
    )
    too_late = shop.client.call(
        "POST", "/return_refund/202309/cancellations", body={"order_id": shipped["id"], "cancel_reason": reason}
    )

    assert partial["cancel_status"] == "CANCELLATION_REQUEST_SUCCESS"
    detail = shop.detail(order["id"])
    assert detail["status"] == "AWAITING_SHIPMENT"
    assert [line["display_status"] for line in detail["line_items"]][:2] == ["CANCELLED", "AWAITING_SHIPMENT"]
    assert error_of(too_late) == (200, 25001045)


def test_buyer_cancel_during_hold_is_approved_automatically(shop: Shop, receiver: Receiver):
    shop.client.control("POST", "/config", {"webhook_url": receiver.url})
    order = shop.order(status="ON_HOLD", hold_seconds=60)

    result = shop.client.control("POST", f"/orders/{order['id']}/buyer-cancel", {})

    assert result["cancel_status"] == "CANCELLATION_REQUEST_SUCCESS"
    assert shop.detail(order["id"])["status"] == "CANCELLED"
    wait_for(lambda: len(receiver.received) >= 3)
    by_type = {body["type"]: body for body in receiver.bodies()}
    assert by_type[11]["data"]["cancellations_role"] == "BUYER"
    assert by_type[1]["data"]["order_status"] == "CANCEL"


def test_buyer_cancel_request_approved_once_per_idempotency_key(shop: Shop):
    order = shop.order()
    cancel_id = shop.client.control("POST", f"/orders/{order['id']}/buyer-cancel", {})["cancel_id"]
    pending = shop.client.ok(
        "POST",
        "/return_refund/202309/cancellations/search",
        query={"page_size": "10"},
        body={"order_ids": [order["id"]]},
    )
    path = f"/return_refund/202309/cancellations/{cancel_id}/approve"
    key = {"idempotency_key": "40b456b1-78e7-412d-9fe6-82181496e1bd"}

    first = shop.client.call("POST", path, query=key, body={})
    replay = shop.client.call("POST", path, query=key, body={})
    new_key = shop.client.call("POST", path, query={"idempotency_key": "another"}, body={})

    cancellation = pending["cancellations"][0]
    assert cancellation["cancel_status"] == "CANCELLATION_REQUEST_PENDING"
    assert cancellation["seller_next_action_response"][0]["action"] == "SELLER_RESPOND_CANCEL"
    assert first.json()["code"] == replay.json()["code"] == 0
    assert first.json()["data"] == replay.json()["data"] == {}
    assert error_of(new_key) == (200, 25011012)
    assert shop.detail(order["id"])["status"] == "CANCELLED"
    released = next(i for i in shop.client.control("GET", "/state")["inventory"] if i["seller_sku"] == "MUG-RED")
    assert released["available_quantity"] == 50


def test_buyer_cancel_request_rejected(shop: Shop):
    order = shop.order()
    cancel_id = shop.client.control("POST", f"/orders/{order['id']}/buyer-cancel", {})["cancel_id"]
    path = f"/return_refund/202309/cancellations/{cancel_id}/reject"

    no_reason = shop.client.call("POST", path, body={})
    rejected = shop.client.ok("POST", path, body={"reject_reason": "seller_reject_apply_product_has_been_packed"})
    reasons = shop.client.ok("GET", "/return_refund/202309/reject_reasons", query={"return_or_cancel_id": cancel_id})

    assert error_of(no_reason) == (200, 25001001)
    assert rejected == {}
    assert shop.detail(order["id"])["status"] == "AWAITING_SHIPMENT"
    assert shop.detail(order["id"])["is_buyer_request_cancel"] is False
    found = shop.client.ok(
        "POST",
        "/return_refund/202309/cancellations/search",
        body={"cancel_status": ["CANCELLATION_REQUEST_CANCEL"]},
    )
    assert found["cancellations"][0]["cancel_status"] == "CANCELLATION_REQUEST_CANCELLED"
    assert "seller_reject_apply_product_has_been_packed" in {r["name"] for r in reasons["reasons"]}


def test_cancellation_search_page_size_is_1_to_50(shop: Shop):
    response = shop.client.call("POST", "/return_refund/202309/cancellations/search", query={"page_size": 51}, body={})

    assert error_of(response) == (400, 36009004)


def test_pending_buyer_cancel_blocks_shipping(shop: Shop):
    order = shop.order()
    shop.client.control("POST", f"/orders/{order['id']}/buyer-cancel", {})

    response = shop.ship(order["id"], "9400111899223197428490")

    assert error_of(response) == (200, 21011007)


# ---------------------------------------------------------------------- returns


def shipped_order(shop: Shop) -> dict[str, Any]:
    order = shop.order()
    shop.ship(order["id"], "9400111899223197428490")
    shop.client.control("POST", f"/orders/{order['id']}/status", {"status": "DELIVERED"})
    return order


def test_return_moves_to_buyer_shipped_and_is_approved_on_receipt(shop: Shop, receiver: Receiver):
    shop.client.control("POST", "/config", {"webhook_url": receiver.url})
    order = shipped_order(shop)

    ret = shop.client.control("POST", "/returns", {"order_id": order["id"], "step_seconds": 0.1})
    wait_for(lambda: any(b.get("data", {}).get("return_status") == "BUYER_SHIPPED_ITEM" for b in receiver.bodies()))
    statuses = [b["data"]["return_status"] for b in receiver.bodies() if b["type"] == 12]
    found = shop.client.ok("POST", "/return_refund/202309/returns/search", body={"order_ids": [order["id"]]})
    approved = shop.client.ok(
        "POST",
        f"/return_refund/202309/returns/{ret['return_id']}/approve",
        query={"idempotency_key": "r-1"},
        body={"decision": "APPROVE_RECEIVED_PACKAGE"},
    )

    assert statuses == ["RETURN_OR_REFUND_REQUEST_PENDING", "AWAITING_BUYER_SHIP", "BUYER_SHIPPED_ITEM"]
    return_order = found["return_orders"][0]
    assert return_order["return_status"] == "BUYER_SHIPPED_ITEM"
    assert return_order["return_tracking_number"]
    assert len(return_order["return_line_items"]) == 3
    assert approved == {}
    final = shop.client.ok("POST", "/return_refund/202309/returns/search", body={"return_ids": [ret["return_id"]]})
    assert final["return_orders"][0]["return_status"] == "RETURN_OR_REFUND_REQUEST_SUCCESS"


def test_return_reject_and_wrong_decision(shop: Shop):
    order = shipped_order(shop)
    ret = shop.client.control("POST", "/returns", {"order_id": order["id"]})
    path = f"/return_refund/202309/returns/{ret['return_id']}"

    wrong = shop.client.call("POST", f"{path}/approve", body={"decision": "APPROVE_RECEIVED_PACKAGE"})
    rejected = shop.client.ok(
        "POST",
        f"{path}/reject",
        body={
            "decision": "REJECT_RETURN",
            "reject_reason": "seller_reject_apply_package_has_not_exceeded_estimated_delivery_time",
        },
    )

    assert error_of(wrong) == (200, 25011013)
    assert rejected == {}
    found = shop.client.ok("POST", "/return_refund/202309/returns/search", body={"return_ids": [ret["return_id"]]})
    assert found["return_orders"][0]["return_status"] == "REFUND_OR_RETURN_REQUEST_REJECT"


def test_return_search_page_size_is_10_to_50(shop: Shop):
    response = shop.client.call("POST", "/return_refund/202309/returns/search", query={"page_size": 5}, body={})

    assert error_of(response) == (400, 36009004)


# ---------------------------------------------------------------------- control API


def test_state_reset_and_seed_are_deterministic(sandbox: TikTokSandbox):
    def seeded_ids() -> list[str]:
        requests.post(f"{sandbox.url}/_sandbox/reset", json={"config": {**BASE_CONFIG, "seed": 7}}, timeout=5)
        requests.post(
            f"{sandbox.url}/_sandbox/products", json={"title": "A", "skus": [{"seller_sku": "A1"}]}, timeout=5
        )
        orders = requests.post(
            f"{sandbox.url}/_sandbox/orders", json={"lines": [{"seller_sku": "A1", "quantity": 1}]}, timeout=5
        )
        return [
            orders.json()["orders"][0]["id"],
            requests.get(f"{sandbox.url}/_sandbox/credentials", timeout=5).json()["access_token"],
        ]

    assert seeded_ids() == seeded_ids()


def test_control_routes_report_errors_as_json(shop: Shop):
    unknown_sku = requests.post(
        f"{shop.client.base}/_sandbox/orders", json={"lines": [{"seller_sku": "NOPE"}]}, timeout=5
    )
    unknown_key = requests.post(f"{shop.client.base}/_sandbox/config", json={"nope": 1}, timeout=5)
    bad_force = requests.post(
        f"{shop.client.base}/_sandbox/orders/{shop.order()['id']}/status", json={"status": "DELIVERED"}, timeout=5
    )

    assert unknown_sku.status_code == 400
    assert "NOPE" in unknown_sku.json()["error"]
    assert unknown_key.status_code == 400
    assert bad_force.status_code == 409


def test_order_fulfilled_by_tiktok_leaves_the_sellers_warehouse_stock_alone():
    with TikTokSandbox({**BASE_CONFIG, "unpaid_seconds": None}) as sandbox:
        product = requests.post(
            f"{sandbox.url}/_sandbox/products",
            json={"products": [{"title": "Mug", "skus": [{"seller_sku": "MUG"}]}]},
            timeout=5,
        )
        assert product.ok, product.text
        before = _stock(sandbox)

        requests.post(
            f"{sandbox.url}/_sandbox/orders",
            json={"fulfillment_type": "FULFILLMENT_BY_TIKTOK", "lines": [{"seller_sku": "MUG", "quantity": 2}]},
            timeout=5,
        ).raise_for_status()

        assert _stock(sandbox) == before


def _stock(sandbox) -> list[tuple[str, int, int]]:
    inventory = requests.get(f"{sandbox.url}/_sandbox/state", timeout=5).json()["inventory"]
    return sorted((row["seller_sku"], row["available_quantity"], row["committed_quantity"]) for row in inventory)
