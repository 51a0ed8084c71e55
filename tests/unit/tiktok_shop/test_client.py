"""TikTokShopClient against a fake transport: what is sent, how answers are read, retries, tokens."""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from connector_common.retry import NO_RETRY, RetryPolicy
from tiktok_shop import endpoints
from tiktok_shop.client import TikTokShopClient
from tiktok_shop.credentials import TikTokCredentials
from tiktok_shop.errors import (
    AccessTokenExpired,
    CredentialsRejected,
    InvalidSignature,
    NotFound,
    OrderOnHold,
    RateLimited,
    TikTokApiError,
    TikTokServerError,
    TikTokUnavailable,
    ValidationFailed,
    VersionRetired,
)
from tiktok_shop.signing import sign_request

# The inputs of signing vectors V1, V6 and V7 (reference §2.2), as the `credentials` fixture holds them.
VECTOR_APP_SECRET = "e59af819cc"
VECTOR_SHOP_CIPHER = "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3"
VECTOR_TIMESTAMP = 1623812664

# Never contacted: FakeSession answers every request.
API = "http://127.0.0.1:9001"
AUTH = "http://127.0.0.1:9002"
DOC_PAGE_TOKEN = "6AsPQsUMvH3RkchNUPPh22NROHkE0D8pmq/N5M1kHYcZmtRyv9aVrNv65W7Q6tFA+7D1ud64MPNz5OaT"
REQUEST_ID = "202203070749000101890810281E8C70B7"


@dataclass
class SentRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    timeout: object

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def raw_query(self) -> str:
        return urlsplit(self.url).query

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.raw_query, keep_blank_values=True, strict_parsing=True))


class FakeSession:
    """Replays scripted answers (a response, or an exception to raise) and records each request."""

    def __init__(self, *answers: requests.Response | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[SentRequest] = []

    def request(self, method, url, headers=None, data=None, timeout=None):
        self.sent.append(SentRequest(method, url, dict(headers or {}), data, timeout))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class FrozenClock:
    def __init__(self, now: float = VECTOR_TIMESTAMP) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class TickingClock(FrozenClock):
    """Moves one second on at every reading."""

    def __call__(self) -> float:
        self.now += 1
        return self.now


def http_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers.update(headers or {})
    return response


def ok(data: dict | None = None) -> requests.Response:
    envelope = {"code": 0, "data": data or {}, "message": "Success", "request_id": REQUEST_ID}
    return http_response(json.dumps(envelope).encode())


def failure(code: int, status: int = 200, message: str = "refused", headers=None) -> requests.Response:
    envelope = {"code": code, "data": None, "message": message, "request_id": REQUEST_ID}
    return http_response(json.dumps(envelope).encode(), status, headers)


def sample_response(tiktok_sample, name: str, status: int = 200) -> requests.Response:
    return http_response(tiktok_sample(name), status)


def order(order_id: str) -> dict:
    return {"id": order_id, "status": "AWAITING_SHIPMENT", "line_items": []}


def assert_signed(sent: SentRequest, app_secret: str = VECTOR_APP_SECRET) -> None:
    query = sent.query
    assert query["sign"] == sign_request(app_secret, sent.path, query, sent.body)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(credentials, sleeps):
    def build(session: FakeSession, **overrides) -> TikTokShopClient:
        options = {
            "retry_policy": RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05),
            "clock": FrozenClock(),
            "sleep": sleeps.append,
            "credentials": credentials,
        }
        options.update(overrides)
        return TikTokShopClient(session=session, api_base_url=API, auth_base_url=AUTH, **options)

    return build


# --- what is sent -------------------------------------------------------------------------------


def test_get_authorized_shops_matches_official_signing_example_v1(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "authorized-shops-202309.response.json"))

    shops = make_client(session).get_authorized_shops()

    sent = session.sent[0]
    assert (sent.method, sent.path, sent.body) == ("GET", "/authorization/202309/shops", None)
    assert sent.query == {
        "app_key": "29a39d",
        "timestamp": "1623812664",
        "sign": "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8",
    }
    assert sent.headers == {"content-type": "application/json", "x-tts-access-token": "TTP_fake-access-token"}
    assert [shop.cipher for shop in shops] == ["GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3"]


def test_approve_cancellation_sends_empty_object_signed_like_v6(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "empty-data-success.response.json"))

    make_client(session).approve_cancellation("4035319218955782461", "40b456b1-78e7-412d-9fe6-82181496e1bd")

    sent = session.sent[0]
    assert (sent.method, sent.path) == ("POST", "/return_refund/202309/cancellations/4035319218955782461/approve")
    assert sent.body == tiktok_sample("cancellation-approve-202309.request.json") == b"{}"
    assert sent.query == {
        "app_key": "29a39d",
        "idempotency_key": "40b456b1-78e7-412d-9fe6-82181496e1bd",
        "shop_cipher": VECTOR_SHOP_CIPHER,
        "timestamp": "1623812664",
        "sign": "e079386b46c354b53ebce4178d09a706cc6f1d549d4540a08565ce1bbb12a7af",
    }


def test_update_inventory_sends_exact_body_signed_like_v7(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "empty-data-success.response.json"))

    result = make_client(session).update_inventory(
        "1729592969712207008", [("1729592969712207013", [("7068517275539719942", 5)])]
    )

    sent = session.sent[0]
    assert (sent.method, sent.path) == ("POST", "/product/202309/products/1729592969712207008/inventory/update")
    assert sent.body == (
        b'{"skus":[{"id":"1729592969712207013","inventory":[{"warehouse_id":"7068517275539719942","quantity":5}]}]}'
    )
    assert sent.query["sign"] == "9f1f3407fad9c30f4c7f7d8f940ad21a6d7bf8952c586394bfb2c03526b61536"
    assert result.is_success


def test_search_orders_sends_compact_filters_and_update_time_order(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "order-search-202309.response.json"))

    page = make_client(session).search_orders(1700000000, 1700003600, order_status="AWAITING_SHIPMENT")

    sent = session.sent[0]
    assert (sent.method, sent.path) == ("POST", "/order/202309/orders/search")
    assert sent.body == b'{"update_time_ge":1700000000,"update_time_lt":1700003600,"order_status":"AWAITING_SHIPMENT"}'
    assert {key: value for key, value in sent.query.items() if key != "sign"} == {
        "app_key": "29a39d",
        "page_size": "100",
        "shop_cipher": VECTOR_SHOP_CIPHER,
        "sort_field": "update_time",
        "sort_order": "ASC",
        "timestamp": "1623812664",
    }
    assert_signed(sent)
    assert page.total_count == 22113


def test_page_token_is_percent_encoded_on_the_wire_and_signed_decoded(make_client):
    session = FakeSession(ok({"orders": []}))

    make_client(session).search_orders(1700000000, page_token=DOC_PAGE_TOKEN)

    sent = session.sent[0]
    assert "page_token=6AsPQsUMvH3RkchNUPPh22NROHkE0D8pmq%2FN5M1kHYcZmtRyv9aVrNv65W7Q6tFA%2B7D1ud64MPNz5OaT" in (
        sent.raw_query
    )
    assert sent.query["page_token"] == DOC_PAGE_TOKEN
    assert_signed(sent)


def test_body_keeps_non_ascii_text_as_utf8_bytes(make_client):
    session = FakeSession(ok())

    make_client(session).reject_cancellation("98001001", "seller_reject_apply_product_has_been_packed", "k-1", "Déjà")

    sent = session.sent[0]
    assert sent.body == ('{"reject_reason":"seller_reject_apply_product_has_been_packed","comment":"Déjà"}'.encode())
    assert_signed(sent)


def test_get_orders_uses_current_detail_version_and_batches_50_ids(make_client):
    ids = [str(576461413038785000 + number) for number in range(120)]
    session = FakeSession(
        ok({"orders": [order(i) for i in ids[:50]]}),
        ok({"orders": [order(i) for i in ids[50:100]]}),
        ok({"orders": [order(i) for i in ids[100:]]}),
    )

    orders = make_client(session).get_orders(ids)

    assert [sent.path for sent in session.sent] == ["/order/202507/orders"] * 3
    assert [sent.query["ids"] for sent in session.sent] == [
        ",".join(ids[:50]),
        ",".join(ids[50:100]),
        ",".join(ids[100:]),
    ]
    assert all(sent.method == "GET" and sent.body is None for sent in session.sent)
    assert [found.id for found in orders] == ids
    assert_signed(session.sent[0])


def test_get_orders_parses_documented_detail(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "order-detail-202507.response.json"))

    orders = make_client(session).get_orders(["576461413038785752"])

    assert orders[0].line_items[0].seller_sku == "red_iphone_256"


def test_get_orders_without_ids_sends_nothing(make_client):
    session = FakeSession()

    assert make_client(session).get_orders([]) == []
    assert session.sent == []


def test_path_ids_are_percent_encoded(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "package-mark-shipped-202309.response.json"))

    make_client(session).mark_package_shipped("57/6?x", "1Z999", "7117858858072016686")

    assert session.sent[0].url.startswith(f"{API}/fulfillment/202309/orders/57%2F6%3Fx/packages?")


def test_mark_package_shipped_sends_tracking_and_lines_and_returns_warning(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "package-mark-shipped-202309.response.json"))

    shipped = make_client(session).mark_package_shipped(
        "576461413038785752", "1Z999", "7117858858072016686", ["2321312321311"]
    )

    sent = session.sent[0]
    assert (sent.method, sent.path) == ("POST", "/fulfillment/202309/orders/576461413038785752/packages")
    assert sent.body == (
        b'{"tracking_number":"1Z999","shipping_provider_id":"7117858858072016686",'
        b'"order_line_item_ids":["2321312321311"]}'
    )
    assert shipped.warning_message == "match more than one provider"


def test_ship_package_sends_self_shipment(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "empty-data-success.response.json"))

    make_client(session).ship_package("1153132168123859123", "JX12345", "6617675021119438849")

    sent = session.sent[0]
    assert sent.path == "/fulfillment/202309/packages/1153132168123859123/ship"
    assert sent.body == b'{"self_shipment":{"tracking_number":"JX12345","shipping_provider_id":"6617675021119438849"}}'


@pytest.mark.parametrize(
    ("call", "path", "sample", "expected"),
    [
        (
            lambda client: client.list_warehouses(),
            "/logistics/202309/warehouses",
            "warehouses-202309.response.json",
            ["7000714532876273410"],
        ),
        (
            lambda client: client.list_delivery_options("7000714532876273410"),
            "/logistics/202309/warehouses/7000714532876273410/delivery_options",
            "warehouse-delivery-options-202309.response.json",
            ["6955034615128000261"],
        ),
        (
            lambda client: client.list_shipping_providers("7091146663229654785"),
            "/logistics/202309/delivery_options/7091146663229654785/shipping_providers",
            "shipping-providers-202309.response.json",
            ["7117858858072016686"],
        ),
    ],
    ids=["warehouses", "delivery-options", "shipping-providers"],
)
def test_logistics_lookups_are_signed_gets_with_shop_cipher(make_client, tiktok_sample, call, path, sample, expected):
    session = FakeSession(sample_response(tiktok_sample, sample))

    found = call(make_client(session))

    sent = session.sent[0]
    assert (sent.method, sent.path, sent.body) == ("GET", path, None)
    assert sent.query["shop_cipher"] == VECTOR_SHOP_CIPHER
    assert_signed(sent)
    assert [item.id for item in found] == expected


def test_search_products_uses_202502_and_filters(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "product-search-202502.response.json"))

    page = make_client(session).search_products(update_time_ge=1694319208, seller_skus=["Color-Red-XM001"])

    sent = session.sent[0]
    assert sent.path == "/product/202502/products/search"
    assert sent.query["page_size"] == "100"
    assert sent.body == b'{"update_time_ge":1694319208,"seller_skus":["Color-Red-XM001"]}'
    assert page.products[0].skus[0].seller_sku == "Color-Red-XM01"


def test_search_products_refuses_more_than_ten_seller_skus(make_client):
    with pytest.raises(ValueError, match="at most 10 seller_skus"):
        make_client(FakeSession()).search_products(seller_skus=[f"SKU-{n}" for n in range(11)])


def test_inventory_search_batches_600_sku_ids(make_client, tiktok_sample):
    sku_ids = [str(n) for n in range(601)]
    session = FakeSession(sample_response(tiktok_sample, "inventory-search-202309.response.json"), ok())

    stock = make_client(session).inventory_search(sku_ids)

    assert [json.loads(sent.body)["sku_ids"] for sent in session.sent] == [sku_ids[:600], sku_ids[600:]]
    assert session.sent[0].path == "/product/202309/inventory/search"
    assert stock[0].skus[0].total_available_quantity == 100


def test_update_inventory_surfaces_per_sku_errors_inside_success(make_client, tiktok_sample, caplog):
    session = FakeSession(sample_response(tiktok_sample, "inventory-update-202309.response.json"))

    with caplog.at_level(logging.WARNING, logger="tiktok_shop.client"):
        result = make_client(session).update_inventory(
            "1729592969712207008", [("1729592969712207013", [("7068517275539719942", 999)])]
        )

    assert result.failed_sku_ids == ["1729592969712207013"]
    assert result.errors[0].warehouse_errors[0].code == 12052097
    record = next(record for record in caplog.records if record.msg == "inventory update refused some SKUs")
    assert record.failed_sku_ids == ["1729592969712207013"]


@pytest.mark.parametrize(
    ("skus", "message"),
    [
        ([(str(n), [("w", 1)]) for n in range(101)], "at most 100 SKUs"),
        ([("1729592969712207013", [("w", -1)])], "negative quantity for SKU 1729592969712207013"),
    ],
    ids=["too-many-skus", "negative"],
)
def test_update_inventory_refuses_invalid_requests_before_sending(make_client, skus, message):
    session = FakeSession()

    with pytest.raises(ValueError, match=message):
        make_client(session).update_inventory("1", skus)
    assert session.sent == []


def test_cancel_order_sends_reason_and_lines(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "order-cancel-202309.response.json"))

    result = make_client(session).cancel_order(
        "577087614418520388", "seller_cancel_reason_out_of_stock", ["577087614418716996"]
    )

    sent = session.sent[0]
    assert sent.path == "/return_refund/202309/cancellations"
    assert sent.body == (
        b'{"order_id":"577087614418520388","cancel_reason":"seller_cancel_reason_out_of_stock",'
        b'"order_line_item_ids":["577087614418716996"]}'
    )
    assert result.cancel_id == "4035319218955782461"


def test_search_cancellations_sends_string_page_size_and_filters(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "cancellation-search-202309.response.json"))

    page = make_client(session).search_cancellations(update_time_ge=1690340825, order_ids=["577087614418520388"])

    sent = session.sent[0]
    assert sent.path == "/return_refund/202309/cancellations/search"
    assert (sent.query["page_size"], sent.query["sort_field"], sent.query["sort_order"]) == ("50", "update_time", "ASC")
    assert sent.body == b'{"update_time_ge":1690340825,"order_ids":["577087614418520388"]}'
    assert page.cancellations[0].cancel_id == "4035318504086604100"


def test_search_returns_sends_filters(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "return-search-202309.response.json"))

    page = make_client(session).search_returns(update_time_ge=1690340825, return_status=["BUYER_SHIPPED_ITEM"])

    sent = session.sent[0]
    assert sent.path == "/return_refund/202309/returns/search"
    assert sent.query["page_size"] == "50"
    assert sent.body == b'{"update_time_ge":1690340825,"return_status":["BUYER_SHIPPED_ITEM"]}'
    assert page.return_orders[0].return_id == "4035318504086604100"


@pytest.mark.parametrize("page_size", [9, 51])
def test_search_returns_refuses_page_size_outside_10_to_50(make_client, page_size):
    with pytest.raises(ValueError, match="page_size must be between 10 and 50"):
        make_client(FakeSession()).search_returns(page_size=page_size)


def test_approve_and_reject_return_send_decision_and_idempotency_key(make_client):
    session = FakeSession(ok(), ok())
    client = make_client(session)

    client.approve_return("4035318504086604100", "APPROVE_RECEIVED_PACKAGE", "key-1")
    client.reject_return("4035318504086604100", "REJECT_RECEIVED_PACKAGE", "seller_reject_x", "key-2", "damaged")

    approve, reject = session.sent
    assert approve.path == "/return_refund/202309/returns/4035318504086604100/approve"
    assert (approve.query["idempotency_key"], approve.body) == ("key-1", b'{"decision":"APPROVE_RECEIVED_PACKAGE"}')
    assert reject.path == "/return_refund/202309/returns/4035318504086604100/reject"
    assert reject.query["idempotency_key"] == "key-2"
    assert (
        reject.body == b'{"decision":"REJECT_RECEIVED_PACKAGE","reject_reason":"seller_reject_x","comment":"damaged"}'
    )


def test_approve_cancellation_refuses_empty_idempotency_key(make_client):
    with pytest.raises(ValueError, match="idempotency_key must not be empty"):
        make_client(FakeSession()).approve_cancellation("1", "")


def test_shop_scoped_call_without_shop_cipher_fails_before_sending(make_client, credentials):
    session = FakeSession()
    client = make_client(session, credentials=dataclasses.replace(credentials, shop_cipher=None))

    with pytest.raises(ValueError, match="needs a shop_cipher"):
        client.list_warehouses()
    assert session.sent == []


def test_every_request_carries_the_default_timeout(make_client):
    session = FakeSession(ok())

    make_client(session).list_warehouses()

    assert session.sent[0].timeout == (3.05, 20.0)


# --- how answers are read -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "error_class"),
    [
        (401, 106001, InvalidSignature),
        (200, 105002, AccessTokenExpired),
        (400, 36009004, CredentialsRejected),
        (200, 105005, CredentialsRejected),
        (200, 106013, CredentialsRejected),
        (200, 36009033, CredentialsRejected),
        (429, 36009002, RateLimited),
        (200, 36009002, RateLimited),
        (200, 36009003, TikTokServerError),
        (200, 36009007, TikTokServerError),
        (503, 0, TikTokServerError),
        (200, 21011044, OrderOnHold),
        (404, 36009014, VersionRetired),
        (404, 99999999, NotFound),
        (200, 12052180, ValidationFailed),
        (400, 21011025, ValidationFailed),
    ],
)
def test_answered_errors_map_to_typed_errors(make_client, status, code, error_class):
    session = FakeSession(failure(code, status, message="the message"))

    with pytest.raises(error_class) as caught:
        make_client(session, retry_policy=NO_RETRY).list_warehouses()

    error = caught.value
    assert type(error) is error_class
    assert (error.code, error.message, error.request_id, error.http_status) == (code, "the message", REQUEST_ID, status)


def test_credentials_rejected_names_what_is_wrong(make_client):
    session = FakeSession(failure(105005, message="you should apply auth pkg for this api"))

    with pytest.raises(CredentialsRejected) as caught:
        make_client(session, retry_policy=NO_RETRY).list_warehouses()

    assert caught.value.hint == "the app lacks the scope package this API needs"
    assert str(caught.value) == (
        f"TikTok Shop error 105005 (HTTP 200, request {REQUEST_ID}): "
        "the app lacks the scope package this API needs: you should apply auth pkg for this api"
    )


def test_documented_version_error_without_request_id_is_version_retired(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "error-36009014-version-invalid.response.json"))

    with pytest.raises(VersionRetired) as caught:
        make_client(session).get_orders(["576461413038785752"])

    assert caught.value.request_id is None
    assert str(caught.value) == (
        "TikTok Shop error 36009014 (HTTP 200): The version name is invalid, please check and retry."
    )
    assert caught.value.message == "The version name is invalid, please check and retry."
    assert len(session.sent) == 1


def test_string_code_is_read_as_number(make_client):
    session = FakeSession(http_response(b'{"code":"106001","message":"sign invalid"}', 401))

    with pytest.raises(InvalidSignature):
        make_client(session).list_warehouses()


@pytest.mark.parametrize(
    "body",
    [b"<html>bad gateway</html>", b'{"code": 0, "data": {', b"[]", b'{"message":"no code"}', b'{"code":true}'],
    ids=["html", "truncated", "array", "no-code", "bool-code"],
)
def test_malformed_bodies_are_unavailable_and_retried(make_client, body):
    session = FakeSession(*[http_response(body) for _ in range(3)])

    with pytest.raises(TikTokUnavailable, match="malformed response"):
        make_client(session).list_warehouses()

    assert len(session.sent) == 3


def test_success_envelope_with_null_data_reads_as_empty(make_client):
    session = FakeSession(http_response(b'{"code":0,"data":null,"message":"Success","request_id":"r"}'))

    assert make_client(session).list_warehouses() == []


def test_response_that_does_not_match_the_model_is_unavailable_without_echoing_values(make_client):
    secret_name = "Jane Buyer"
    session = FakeSession(ok({"orders": [{"status": "AWAITING_SHIPMENT", "buyer_message": secret_name}]}))

    with pytest.raises(TikTokUnavailable, match=r"Order does not match \(id: missing\)") as caught:
        make_client(session).get_orders(["1"])

    assert secret_name not in str(caught.value)


# --- retries ------------------------------------------------------------------------------------


def test_rate_limited_call_is_retried_after_retry_after_with_fresh_timestamp_and_sign(make_client, sleeps):
    session = FakeSession(failure(36009002, 429, headers={"Retry-After": "0.03"}), ok({"warehouses": []}))

    make_client(session, clock=TickingClock()).list_warehouses()

    first, second = session.sent
    assert sleeps == [0.03]
    assert int(second.query["timestamp"]) > int(first.query["timestamp"])
    assert first.query["sign"] != second.query["sign"]
    assert_signed(second)


def test_server_errors_are_retried_until_the_policy_gives_up(make_client, sleeps):
    session = FakeSession(*[failure(36009003, 500) for _ in range(3)])

    with pytest.raises(TikTokServerError):
        make_client(session).search_orders(1700000000)

    assert len(session.sent) == 3
    assert len(sleeps) == 2


def test_transport_errors_on_reads_are_retried(make_client, tiktok_sample):
    session = FakeSession(
        requests.ConnectTimeout("connect timed out"),
        requests.ConnectionError("reset"),
        sample_response(tiktok_sample, "warehouses-202309.response.json"),
    )

    warehouses = make_client(session).list_warehouses()

    assert len(session.sent) == 3
    assert warehouses[0].name == "Guangzhou"


def test_transport_errors_become_unavailable(make_client):
    session = FakeSession(*[requests.ReadTimeout("read timed out") for _ in range(3)])

    with pytest.raises(TikTokUnavailable, match="ReadTimeout calling /logistics/202309/warehouses"):
        make_client(session).list_warehouses()


@pytest.mark.parametrize(
    "answer",
    [
        requests.ReadTimeout("read timed out"),
        failure(36009003, 500),
        failure(36009007, 200),
        http_response(b"<html>gateway timeout</html>", 504),
    ],
    ids=["timeout", "internal-error", "tiktok-timeout", "malformed"],
)
@pytest.mark.parametrize(
    "write",
    [
        lambda client: client.mark_package_shipped("576461413038785752", "1Z999", "7117858858072016686"),
        lambda client: client.ship_package("1153132168123859123", "1Z999", "7117858858072016686"),
        lambda client: client.cancel_order("576461413038785752", "seller_cancel_reason_out_of_stock"),
    ],
    ids=["mark-shipped", "ship-package", "cancel-order"],
)
def test_non_idempotent_writes_are_not_resent_after_ambiguous_failures(make_client, answer, write):
    session = FakeSession(answer, ok())

    with pytest.raises((TikTokUnavailable, TikTokServerError)):
        write(make_client(session))

    assert len(session.sent) == 1


def test_non_idempotent_write_is_resent_when_throttled(make_client, tiktok_sample):
    session = FakeSession(
        failure(36009002, 429), sample_response(tiktok_sample, "package-mark-shipped-202309.response.json")
    )

    shipped = make_client(session).mark_package_shipped("576461413038785752", "1Z999", "7117858858072016686")

    assert len(session.sent) == 2
    assert shipped.package_id == "32141235124234"


def test_idempotent_write_is_resent_after_a_timeout_with_the_same_key(make_client):
    session = FakeSession(requests.ReadTimeout("read timed out"), ok())

    make_client(session).approve_cancellation("4035319218955782461", "key-1")

    assert [sent.query["idempotency_key"] for sent in session.sent] == ["key-1", "key-1"]


def test_answered_client_errors_are_not_retried(make_client):
    session = FakeSession(failure(106001, 401), ok())

    with pytest.raises(InvalidSignature):
        make_client(session).list_warehouses()

    assert len(session.sent) == 1


# --- paging -------------------------------------------------------------------------------------


def test_iter_orders_follows_next_page_token_to_the_last_page(make_client):
    session = FakeSession(
        ok({"orders": [order("1"), order("2")], "next_page_token": "t+1/", "total_count": 4}),
        ok({"orders": [order("3")], "next_page_token": "t2", "total_count": 4}),
        ok({"orders": [order("4")], "next_page_token": "", "total_count": 4}),
    )

    orders = list(make_client(session).iter_orders_updated_since(1700000000, 1700003600))

    assert [found.id for found in orders] == ["1", "2", "3", "4"]
    assert [sent.query.get("page_token") for sent in session.sent] == [None, "t+1/", "t2"]
    assert {json.loads(sent.body)["update_time_ge"] for sent in session.sent} == {1700000000}


def test_iteration_stops_when_a_page_token_repeats(make_client):
    session = FakeSession(
        ok({"orders": [order("1")], "next_page_token": "same"}),
        ok({"orders": [order("1")], "next_page_token": "same"}),
    )

    with pytest.raises(TikTokUnavailable, match="repeated a page token"):
        list(make_client(session).iter_orders_updated_since(1700000000))


@pytest.mark.parametrize(
    ("iterate", "page_key", "item", "attribute"),
    [
        (lambda client: client.iter_products(), "products", {"id": "p"}, "id"),
        (lambda client: client.iter_cancellations(), "cancellations", {"cancel_id": "c", "order_id": "o"}, "cancel_id"),
        (lambda client: client.iter_returns(), "return_orders", {"return_id": "r", "order_id": "o"}, "return_id"),
    ],
    ids=["products", "cancellations", "returns"],
)
def test_other_iterators_follow_next_page_token(make_client, iterate, page_key, item, attribute):
    session = FakeSession(ok({page_key: [item], "next_page_token": "n"}), ok({page_key: [item]}))

    found = list(iterate(make_client(session)))

    assert [getattr(each, attribute) for each in found] == [item[attribute]] * 2
    assert session.sent[1].query["page_token"] == "n"


# --- tokens -------------------------------------------------------------------------------------


def renewed(credentials: TikTokCredentials) -> TikTokCredentials:
    return dataclasses.replace(
        credentials, access_token="TTP_renewed-token", access_token_expires_at=VECTOR_TIMESTAMP + 86400
    )


def test_expired_token_is_renewed_once_and_the_call_retried(make_client, credentials):
    renewals = []

    def on_token_expired():
        renewals.append(1)
        return renewed(credentials)

    session = FakeSession(failure(105002, 401), ok({"warehouses": []}))
    client = make_client(session, on_token_expired=on_token_expired)

    client.list_warehouses()

    assert len(renewals) == 1
    tokens = [sent.headers["x-tts-access-token"] for sent in session.sent]
    assert tokens == ["TTP_fake-access-token", "TTP_renewed-token"]
    assert client.credentials.access_token == "TTP_renewed-token"


def test_token_expired_again_after_renewal_raises(make_client, credentials):
    renewals = []

    def on_token_expired():
        renewals.append(1)
        return renewed(credentials)

    session = FakeSession(failure(105002), failure(105002), ok())

    with pytest.raises(AccessTokenExpired):
        make_client(session, on_token_expired=on_token_expired).list_warehouses()

    assert len(renewals) == 1
    assert len(session.sent) == 2


def test_expired_token_without_renewal_callback_raises(make_client):
    session = FakeSession(failure(105002), ok())

    with pytest.raises(AccessTokenExpired):
        make_client(session).list_warehouses()

    assert len(session.sent) == 1


def test_token_about_to_expire_is_renewed_before_the_call(make_client, credentials):
    expiring = dataclasses.replace(credentials, access_token_expires_at=VECTOR_TIMESTAMP + 30)
    session = FakeSession(ok())
    client = make_client(session, credentials=expiring, on_token_expired=lambda: renewed(credentials))

    client.list_warehouses()

    assert session.sent[0].headers["x-tts-access-token"] == "TTP_renewed-token"


def test_refresh_access_token_calls_auth_host_unsigned(make_client, tiktok_sample):
    session = FakeSession(sample_response(tiktok_sample, "token-get-202407.response.json"))
    client = make_client(session)

    grant = client.refresh_access_token()

    sent = session.sent[0]
    assert (sent.method, sent.body) == ("GET", None)
    assert sent.url.startswith(f"{AUTH}/api/v2/token/refresh?")
    assert sent.query == {
        "app_key": "29a39d",
        "app_secret": VECTOR_APP_SECRET,
        "grant_type": "refresh_token",
        "refresh_token": "TTP_fake-refresh-token",
    }
    assert "x-tts-access-token" not in sent.headers
    assert grant.access_token_expire_in == 1660556783
    assert client.credentials.access_token == grant.access_token
    assert client.credentials.refresh_token == grant.refresh_token
    assert client.credentials.access_token_expires_at == 1660556783
    assert client.credentials.refresh_token_expires_at == 1691487031


def test_refresh_answer_that_is_invalid_json_is_unavailable(make_client, tiktok_sample, credentials):
    session = FakeSession(*[sample_response(tiktok_sample, "token-refresh-202407.response.txt") for _ in range(3)])
    client = make_client(session)

    with pytest.raises(TikTokUnavailable, match="malformed response"):
        client.refresh_access_token()

    assert client.credentials == credentials


def test_refresh_refused_maps_the_code(make_client):
    session = FakeSession(failure(36009004, 400, message="invalid refresh_token"))

    with pytest.raises(CredentialsRejected):
        make_client(session).refresh_access_token()


def test_refresh_transport_error_does_not_chain_the_url_with_secrets(make_client):
    leaky = requests.ConnectionError(
        f"Max retries exceeded with url: /api/v2/token/refresh?app_secret={VECTOR_APP_SECRET}"
    )
    session = FakeSession(leaky, leaky, leaky)

    with pytest.raises(TikTokUnavailable) as caught:
        make_client(session).refresh_access_token()

    error = caught.value
    assert VECTOR_APP_SECRET not in str(error)
    assert error.__cause__ is None
    assert error.__suppress_context__


def test_logs_never_carry_tokens_or_secrets(make_client, tiktok_sample, credentials, caplog):
    session = FakeSession(
        failure(105002),
        ok({"warehouses": []}),
        sample_response(tiktok_sample, "token-get-202407.response.json"),
        requests.ConnectionError("boom"),
        ok(),
    )
    client = make_client(session, on_token_expired=lambda: renewed(credentials))

    with caplog.at_level(logging.DEBUG):
        client.list_warehouses()
        grant = client.refresh_access_token()
        client.approve_cancellation("1", "key-1")

    assert caplog.records
    secrets = [VECTOR_APP_SECRET, credentials.access_token, credentials.refresh_token, grant.access_token]
    for record in caplog.records:
        rendered = f"{record.getMessage()} {vars(record)}"
        assert not any(secret in rendered for secret in secrets), record.msg


def test_credentials_repr_hides_secrets(credentials):
    rendered = repr(credentials)

    assert VECTOR_APP_SECRET not in rendered
    assert "TTP_" not in rendered


def test_client_does_not_touch_the_network_until_called(make_client):
    session = FakeSession()

    make_client(session)

    assert session.sent == []


# --- the endpoint table -------------------------------------------------------------------------


def test_endpoint_versions_are_pinned_as_documented():
    newer = {endpoint.template for endpoint in endpoints.ALL_ENDPOINTS if endpoint.version != "202309"}

    assert newer == {"/order/202507/orders", "/product/202502/products/search"}


def test_only_authorization_endpoints_omit_shop_cipher():
    unscoped = [endpoint.template for endpoint in endpoints.ALL_ENDPOINTS if not endpoint.shop_scoped]

    assert unscoped == ["/authorization/202309/shops"]


def test_error_tree_has_one_root():
    assert issubclass(TikTokApiError, Exception)
    assert {RateLimited.retryable, TikTokServerError.retryable, TikTokUnavailable.retryable} == {True}
    assert not any(error.retryable for error in (InvalidSignature, AccessTokenExpired, ValidationFailed, NotFound))
