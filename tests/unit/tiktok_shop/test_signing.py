"""Every signing vector of reference §2.2 and the official webhook vector of §5.2."""

from __future__ import annotations

import pytest

from tiktok_shop.signing import sign_request, verify_webhook, webhook_signature

SECRET = "e59af819cc"
SHOP_CIPHER = "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3"
DOC_PAGE_TOKEN = "6AsPQsUMvH3RkchNUPPh22NROHkE0D8pmq/N5M1kHYcZmtRyv9aVrNv65W7Q6tFA+7D1ud64MPNz5OaT"
V3_QUERY = {"app_key": "68xu9ks5p4i8", "shop_cipher": "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK", "timestamp": "1696909648"}
V6_PATH = "/return_refund/202309/cancellations/4035319218955782461/approve"
V6_QUERY = {
    "app_key": "29a39d",
    "idempotency_key": "40b456b1-78e7-412d-9fe6-82181496e1bd",
    "shop_cipher": SHOP_CIPHER,
    "timestamp": "1623812664",
}

WEBHOOK_VECTOR_SIGNATURE = "5dec0f11ec2f6783b8deee53c9ffbf8d024302f7c7e7fa55a35d17629031ac05"


def test_sign_request_matches_official_worked_example_v1():
    query = {"app_key": "29a39d", "timestamp": "1623812664"}

    sign = sign_request(SECRET, "/authorization/202309/shops", query, None)

    assert sign == "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"


def test_sign_request_is_not_the_digest_printed_in_the_official_curl():
    query = {"app_key": "29a39d", "timestamp": "1623812664"}

    sign = sign_request(SECRET, "/authorization/202309/shops", query, None)

    assert sign != "bc721f0e0182914e3487b81df204de37a352fc3aa96947efda6dc1e5dd0d5290"


def test_sign_request_matches_ecomphp_vector_v2():
    sign = sign_request("app_secret", "/test-api", {"foo": "bar"}, None)

    assert sign == "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f"


def test_sign_request_appends_compact_body_v3():
    body = b'{"address":"https://partner.tiktokshop.com","event_type":"PACKAGE_UPDATE"}'

    sign = sign_request(SECRET, "/event/202309/webhooks", V3_QUERY, body)

    assert sign == "cd0d6268252f4ba293bf7ea4c0a2873bf9beec600d22530638564ab301435f7a"


def test_sign_request_changes_with_one_extra_space_in_the_body_v3():
    body = b'{"address":"https://partner.tiktokshop.com","event_type": "PACKAGE_UPDATE"}'

    sign = sign_request(SECRET, "/event/202309/webhooks", V3_QUERY, body)

    assert sign.startswith("f7ca36a2")
    assert sign.endswith("fb7dd6ca")
    assert sign != "cd0d6268252f4ba293bf7ea4c0a2873bf9beec600d22530638564ab301435f7a"


def test_sign_request_ignores_sign_and_access_token_and_signs_raw_token_v4():
    query = {
        "app_key": "29a39d",
        "page_size": "100",
        "page_token": DOC_PAGE_TOKEN,
        "shop_cipher": SHOP_CIPHER,
        "timestamp": "1623812664",
        "sign": "x",
        "access_token": "y",
    }

    sign = sign_request(SECRET, "/order/202309/orders/search", query, b'{"order_status":"AWAITING_SHIPMENT"}')

    assert sign == "9d64ba6bc3343255683292a960bfd230281faf9aa78c3d3dd1ab2c46d9058624"


def test_sign_request_signs_comma_joined_ids_v5():
    query = {
        "app_key": "29a39d",
        "ids": "576461413038785752,576461413038785753",
        "shop_cipher": SHOP_CIPHER,
        "timestamp": "1623812664",
    }

    sign = sign_request(SECRET, "/order/202309/orders", query, None)

    assert sign == "0e888959aae6ea5a2e5270c90de0cdaa00789074fe554bf0644af041d2af5397"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(None, "aec0b601b99be710c284d8731b8ebd4a97fc6e5fa9c5a9f6853fc481869c4173", id="no-body"),
        pytest.param(b"{}", "e079386b46c354b53ebce4178d09a706cc6f1d549d4540a08565ce1bbb12a7af", id="empty-object"),
    ],
)
def test_sign_request_tells_no_body_from_empty_object_v6(body, expected):
    assert sign_request(SECRET, V6_PATH, V6_QUERY, body) == expected


def test_sign_request_signs_inventory_update_body_v7():
    query = {"app_key": "29a39d", "shop_cipher": SHOP_CIPHER, "timestamp": "1623812664"}
    body = b'{"skus":[{"id":"1729592969712207013","inventory":[{"warehouse_id":"7068517275539719942","quantity":5}]}]}'

    sign = sign_request(SECRET, "/product/202309/products/1729592969712207008/inventory/update", query, body)

    assert sign == "9f1f3407fad9c30f4c7f7d8f940ad21a6d7bf8952c586394bfb2c03526b61536"


def test_sign_request_does_not_depend_on_query_order():
    forward = dict(V6_QUERY)
    backward = dict(reversed(list(V6_QUERY.items())))

    assert sign_request(SECRET, V6_PATH, forward, None) == sign_request(SECRET, V6_PATH, backward, None)


@pytest.mark.parametrize("content_type", ["multipart/form-data", "Multipart/Form-Data; boundary=----x"])
def test_sign_request_leaves_multipart_bodies_out(content_type):
    without_body = sign_request(SECRET, V6_PATH, V6_QUERY, None)

    with_multipart = sign_request(SECRET, V6_PATH, V6_QUERY, b"--x\r\nbinary", content_type=content_type)

    assert with_multipart == without_body


def test_sign_request_is_lower_case_hex():
    sign = sign_request(SECRET, V6_PATH, V6_QUERY, None)

    assert sign == sign.lower()
    assert len(sign) == 64


def test_webhook_signature_matches_official_vector(tiktok_sample):
    raw_body = tiktok_sample("webhook-signature-vector.body.json")

    assert webhook_signature("abcdef", "123", raw_body) == WEBHOOK_VECTOR_SIGNATURE


def test_verify_webhook_accepts_the_official_vector(tiktok_sample):
    raw_body = tiktok_sample("webhook-signature-vector.body.json")

    assert verify_webhook("abcdef", "123", raw_body, WEBHOOK_VECTOR_SIGNATURE)


def test_verify_webhook_rejects_a_reserialised_body(tiktok_sample):
    raw_body = tiktok_sample("webhook-signature-vector.body.json")

    assert not verify_webhook("abcdef", "123", raw_body + b"\n", WEBHOOK_VECTOR_SIGNATURE)


@pytest.mark.parametrize(
    ("app_key", "app_secret"),
    [pytest.param("abcdef", "wrong", id="wrong-secret"), pytest.param("other", "123", id="wrong-app-key")],
)
def test_verify_webhook_rejects_other_credentials(tiktok_sample, app_key, app_secret):
    raw_body = tiktok_sample("webhook-signature-vector.body.json")

    assert not verify_webhook(app_key, app_secret, raw_body, WEBHOOK_VECTOR_SIGNATURE)


@pytest.mark.parametrize("header", [None, "", "Bearer " + WEBHOOK_VECTOR_SIGNATURE, "héllo"])
def test_verify_webhook_rejects_missing_or_foreign_headers(tiktok_sample, header):
    raw_body = tiktok_sample("webhook-signature-vector.body.json")

    assert not verify_webhook("abcdef", "123", raw_body, header)


def test_verify_webhook_rejects_the_overview_curl_signature(tiktok_sample):
    # The overview page's curl was signed with unknown credentials (samples README).
    raw_body = tiktok_sample("webhook-01-overview-curl.body.json")
    curl_signature = "46c0d0a3299661dc92888f7da8ba2321f240e460e2b005389353432a1062b777"

    assert not verify_webhook("abcdef", "123", raw_body, curl_signature)
