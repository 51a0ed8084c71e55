"""Which cancel reason TikTok accepts for an order's status, and what a cancellation is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cancel_reasons import (
    approve_key,
    cancelled_by_role,
    is_buyer_request,
    reject_key,
    reject_reason,
    seller_cancel_reason,
)

from hub.orders import CancelledBy
from tiktok_shop.models import Cancellation

SAMPLES = Path("/work/shared/reference/samples/tiktok")


@pytest.mark.parametrize(
    ("status", "region", "reason"),
    [
        ("AWAITING_SHIPMENT", "US", "seller_cancel_reason_out_of_stock"),
        ("ON_HOLD", "US", "seller_cancel_reason_out_of_stock"),
        ("UNPAID", "US", "seller_cancel_unpaid_reason_out_of_stock"),
        ("AWAITING_SHIPMENT", "GB", "seller_cancel_reason_out_of_stock_uk"),
        ("UNPAID", "GB", "seller_cancel_unpaid_reason_out_of_stock_uk"),
    ],
)
def test_seller_cancel_reason_matches_the_order_status_and_market(status, region, reason):
    assert seller_cancel_reason(status, region) == reason


@pytest.mark.parametrize(
    "status", ["PARTIALLY_SHIPPING", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED", "CANCELLED"]
)
def test_no_seller_cancel_once_something_shipped_or_the_order_is_closed(status):
    assert seller_cancel_reason(status, "US") is None


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (None, "seller_reject_apply_product_has_been_packed"),
        ("AWAITING_COLLECTION", "seller_reject_apply_product_has_been_packed"),
        ("IN_TRANSIT", "seller_reject_apply_product_has_been_packed"),
        ("DELIVERED", "order_manage_list_action_respond_popup_reject_reason_delivered"),
    ],
)
def test_too_late_request_is_rejected_as_packed_or_delivered(status, reason):
    assert reject_reason(status) == reason


def test_documented_search_sample_is_a_buyer_request():
    # The sample's cancel_type (REQUEST_CANCEL_REFUND) is none of the filter values; role decides.
    body = json.loads((SAMPLES / "cancellation-search-202309.response.json").read_text())
    [cancellation] = [Cancellation.model_validate(item) for item in body["data"]["cancellations"]]

    assert is_buyer_request(cancellation)


@pytest.mark.parametrize(
    ("role", "cancel_type", "buyer"),
    [("BUYER", "CANCEL", True), (None, "BUYER_CANCEL", True), ("SELLER", "CANCEL", False), ("SYSTEM", "CANCEL", False)],
)
def test_buyer_request_is_told_by_role_or_type(role, cancel_type, buyer):
    cancellation = Cancellation(cancel_id="1", order_id="2", role=role, cancel_type=cancel_type)

    assert is_buyer_request(cancellation) is buyer


@pytest.mark.parametrize(
    ("role", "by"),
    [
        ("BUYER", CancelledBy.BUYER),
        ("SELLER", CancelledBy.SELLER),
        ("SYSTEM", CancelledBy.TIKTOK),
        (None, CancelledBy.TIKTOK),
    ],
)
def test_hub_names_who_cancelled_from_the_role(role, by):
    assert cancelled_by_role(role) == by
    assert by.reason == f"cancelled_by_{by.value}"


def test_idempotency_keys_are_the_same_on_every_retry_and_differ_per_answer():
    assert approve_key("4035318504086604100") == approve_key("4035318504086604100") == "approve-4035318504086604100"
    assert reject_key("4035318504086604100") != approve_key("4035318504086604100")
    assert len(approve_key("9" * 19)) <= 255
