"""The payload models against every relevant documented sample (byte-exact copies)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from tiktok_shop.errors import MalformedPayload
from tiktok_shop.models import (
    CANCEL_STATUS_WITHDRAWN,
    Cancellation,
    CancellationPage,
    CancelOrderResult,
    DeliveryOption,
    InventoryUpdateResult,
    LineItem,
    Order,
    OrderPage,
    PackagePage,
    PackageShipped,
    Product,
    ProductPage,
    ProductStock,
    ReturnPage,
    ShippingProvider,
    Shop,
    TokenGrant,
    Warehouse,
    WebhookEvent,
    WebhookType,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tiktok"


def data_of(tiktok_sample, name: str) -> dict:
    envelope = json.loads(tiktok_sample(name))
    assert envelope["code"] == 0
    return envelope["data"]


def order_from(tiktok_sample, name: str, key: str = "orders") -> Order:
    return Order.model_validate(data_of(tiktok_sample, name)[key][0])


def line_item(**fields) -> dict:
    return {"id": "1", "sku_id": "11", "seller_sku": "SKU-A", **fields}


def order_with(*lines: dict, **fields) -> Order:
    return Order.model_validate({"id": "576", "status": "AWAITING_SHIPMENT", "line_items": list(lines), **fields})


# --- the copies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.iterdir()))
def test_fixture_copy_is_byte_exact(shared_tiktok_samples, name):
    assert (FIXTURES / name).read_bytes() == (shared_tiktok_samples / name).read_bytes()


# --- orders -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["order-search-202309.response.json", "order-detail-202507.response.json"])
def test_order_parses_documented_order(tiktok_sample, name):
    order = order_from(tiktok_sample, name)

    assert order.id == "576461413038785752"
    assert order.status == "UNPAID"
    assert order.fulfillment_type == "FULFILLMENT_BY_SELLER"
    assert order.shipping_type == "TIKTOK"
    assert order.warehouse_id == "6955005333819123123"
    assert order.delivery_option_id == "7091146663229654785"
    assert (order.create_time, order.update_time, order.paid_time) == (1619611561, 1619621355, 1619611563)
    assert order.is_on_hold_order is False
    assert order.is_buyer_request_cancel is False
    assert order.rts_sla_time == 1619611688
    assert order.tts_sla_time == 1619611761
    assert order.shipping_due_time == 1678389618
    assert order.cancel_reason == "Pricing error"
    assert order.cancellation_initiator == "SELLER"
    assert order.buyer_message == "Please ship asap!"
    assert [package.id for package in order.packages] == ["1152321127278713123"]


def test_order_search_page_keeps_token_and_total(tiktok_sample):
    page = OrderPage.model_validate(data_of(tiktok_sample, "order-search-202309.response.json"))

    assert page.next_page_token == "6AsPQsUMvH3RkchNUPPh22NROHkE0D8pmq/N5M1kHYcZmtRyv9aVrNv65W7Q6tFA+7D1ud64MPNz5OaT"
    assert page.total_count == 22113
    assert len(page.orders) == 1


@pytest.mark.parametrize("token", ["", None])
def test_order_page_without_next_token_is_last_page(token):
    page = OrderPage.model_validate({"orders": [], "next_page_token": token, "total_count": 0})

    assert page.next_page_token is None


def test_order_line_item_parses_documented_fields(tiktok_sample):
    line = order_from(tiktok_sample, "order-detail-202507.response.json").line_items[0]

    assert line.id == "577086512123755123"
    assert line.sku_id == "2729382476852921560"
    assert line.product_id == "1729582718312380123"
    assert line.seller_sku == "red_iphone_256"
    assert line.product_name == "Women's Winter Crochet Clothes"
    assert line.sku_name == "Iphone"
    assert line.sale_price == "0.01"
    assert line.currency == "IDR"
    assert line.display_status == "TO_SHIP"
    assert line.package_id == "1153132168123859123"
    assert line.cancel_user == "BUYER"
    assert line.combined_listing_skus[0].sku_id == "2729382476852921123"
    assert line.combined_listing_skus[0].sku_count == 1


def test_combined_listing_sku_keeps_raw_seller_sku_and_strips_master_sku(tiktok_sample):
    # The search sample's bundle component is "yellow-24-XL " with a trailing space.
    component = order_from(tiktok_sample, "order-search-202309.response.json").line_items[0].combined_listing_skus[0]

    assert component.seller_sku == "yellow-24-XL "
    assert component.master_sku == "yellow-24-XL"


def test_line_item_master_sku_strips_surrounding_whitespace():
    line = LineItem.model_validate(line_item(seller_sku="  SKU-A \t"))

    assert line.seller_sku == "  SKU-A \t"
    assert line.master_sku == "SKU-A"


def test_recipient_address_parses_documented_fields(tiktok_sample):
    address = order_from(tiktok_sample, "order-search-202309.response.json").recipient_address

    assert address is not None
    assert address.postal_code == "95110"
    assert address.region_code == "US"
    assert address.address_line1 == "TikTok 5800 bristol Pkwy"
    assert address.address_line3 == " "
    assert address.street_lines == ["TikTok 5800 bristol Pkwy", "Suite 100"]
    assert address.district_name("L0") == "United Kingdom"


@pytest.mark.parametrize("address", [{}, None], ids=["empty-object", "null"])
def test_order_with_empty_address_has_none(address):
    assert order_with(line_item(), recipient_address=address).recipient_address is None


def test_order_without_address_has_none():
    assert order_with(line_item()).recipient_address is None


def test_order_repr_leaves_personal_data_out(tiktok_sample):
    rendered = repr(order_from(tiktok_sample, "order-detail-202507.response.json"))

    for personal in ("David Kong", "213-***-1234", "TikTok 5800 bristol Pkwy", "Coleman Ave", "Please ship asap!"):
        assert personal not in rendered


def test_recipient_address_state_is_l1_and_city_is_l3():
    districts = [
        {"address_level": "L0", "address_name": "United States"},
        {"address_level": "L1", "address_name": "California"},
        {"address_level": "L2", "address_name": "Santa Clara"},
        {"address_level": "L3", "address_name": "San Jose"},
    ]

    address = order_with(line_item(), recipient_address={"district_info": districts}).recipient_address

    assert (address.state, address.city) == ("California", "San Jose")


def test_recipient_address_without_districts_has_no_state_or_city(tiktok_sample):
    address = order_from(tiktok_sample, "order-detail-202507.response.json").recipient_address

    assert (address.state, address.city) == (None, None)


def test_quantities_by_sku_counts_one_unit_per_line():
    # GIVEN 2 x SKU-A, 2 x SKU-B and 1 x SKU-C as five one-unit lines (reference §4.1.4)
    lines = [
        line_item(id="1", seller_sku="SKU-A"),
        line_item(id="2", seller_sku="SKU-A"),
        line_item(id="3", seller_sku="SKU-B"),
        line_item(id="4", seller_sku="SKU-B "),
        line_item(id="5", seller_sku="SKU-C"),
    ]

    assert order_with(*lines).quantities_by_sku() == {"SKU-A": 2, "SKU-B": 2, "SKU-C": 1}


def test_quantities_by_sku_leaves_cancelled_lines_out():
    lines = [line_item(id="1"), line_item(id="2", display_status="CANCELLED")]

    assert order_with(*lines).quantities_by_sku() == {"SKU-A": 1}


def test_quantities_by_sku_explodes_bundles_into_components(tiktok_sample):
    order = order_from(tiktok_sample, "order-search-202309.response.json")

    assert order.quantities_by_sku() == {"yellow-24-XL": 1}
    assert order.quantities_by_sku(explode_bundles=False) == {"red_iphone_256": 1}


def test_quantities_by_sku_multiplies_bundle_component_counts():
    bundle = line_item(
        combined_listing_skus=[
            {"sku_id": "21", "sku_count": 2, "seller_sku": "SOCK"},
            {"sku_id": "22", "sku_count": 1, "seller_sku": "SHOE"},
        ]
    )

    assert order_with(bundle, line_item(id="2", seller_sku="SOCK")).quantities_by_sku() == {"SOCK": 3, "SHOE": 1}


@pytest.mark.parametrize("seller_sku", [None, "", "   "])
def test_quantities_by_sku_names_lines_without_seller_sku(seller_sku):
    order = order_with(line_item(id="77", seller_sku=seller_sku), line_item(id="78"))

    assert order.line_ids_without_seller_sku() == ["77"]
    with pytest.raises(ValueError, match="order 576: line items without a seller SKU: 77"):
        order.quantities_by_sku()


@pytest.mark.parametrize(
    ("status", "fulfillment_type", "awaiting", "seller"),
    [
        ("AWAITING_SHIPMENT", "FULFILLMENT_BY_SELLER", True, True),
        ("ON_HOLD", "FULFILLMENT_BY_SELLER", False, True),
        ("AWAITING_SHIPMENT", "FULFILLMENT_BY_TIKTOK", True, False),
        ("UNPAID", None, False, False),
    ],
)
def test_order_predicates_read_status_and_fulfillment_type(status, fulfillment_type, awaiting, seller):
    order = order_with(line_item(), status=status, fulfillment_type=fulfillment_type)

    assert (order.is_awaiting_shipment, order.is_seller_fulfilled) == (awaiting, seller)


def test_order_coerces_numeric_ids_to_strings():
    order = order_with(line_item(id=577086512123755123, sku_id=2729382476852921560), id=576461413038785752)

    assert order.id == "576461413038785752"
    assert order.line_items[0].id == "577086512123755123"
    assert order.line_items[0].sku_id == "2729382476852921560"


def test_order_without_id_is_rejected():
    with pytest.raises(ValidationError):
        Order.model_validate({"status": "AWAITING_SHIPMENT"})


# --- shops and logistics ------------------------------------------------------------------------


def test_shop_parses_authorized_shops_sample(tiktok_sample):
    shop = Shop.model_validate(data_of(tiktok_sample, "authorized-shops-202309.response.json")["shops"][0])

    assert shop.id == "7000714532876273420"
    assert shop.name == "Maomao beauty shop"
    assert shop.region == "GB"
    assert shop.cipher == "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3"
    assert shop.code == "CNGBCBA4LLU8"


def test_shop_parses_active_shops_sample_without_cipher(tiktok_sample):
    shop = Shop.model_validate(data_of(tiktok_sample, "active-shops-202309.response.json")["shops"][0])

    assert (shop.id, shop.region, shop.cipher) == ("36123502970007", "GB", None)


def test_warehouse_parses_documented_sample(tiktok_sample):
    warehouse = Warehouse.model_validate(data_of(tiktok_sample, "warehouses-202309.response.json")["warehouses"][0])

    assert warehouse.id == "7000714532876273410"
    assert warehouse.name == "Guangzhou"
    assert warehouse.effect_status == "ENABLED"
    assert warehouse.type == "SALES_WAREHOUSE"
    assert warehouse.is_default is True
    assert warehouse.address.region_code == "CN"
    assert warehouse.is_sales_warehouse
    assert warehouse.is_enabled


def test_delivery_option_parses_documented_sample(tiktok_sample):
    data = data_of(tiktok_sample, "warehouse-delivery-options-202309.response.json")

    option = DeliveryOption.model_validate(data["delivery_options"][0])

    assert (option.id, option.name, option.type) == ("6955034615128000261", "LSV-TTS-STD", "STANDARD")


def test_shipping_provider_parses_documented_sample(tiktok_sample):
    data = data_of(tiktok_sample, "shipping-providers-202309.response.json")

    provider = ShippingProvider.model_validate(data["shipping_providers"][0])

    assert (provider.id, provider.name) == ("7117858858072016686", "USPS")


# --- products and inventory ---------------------------------------------------------------------


def test_product_page_parses_search_sample(tiktok_sample):
    page = ProductPage.model_validate(data_of(tiktok_sample, "product-search-202502.response.json"))

    product = page.products[0]
    sku = product.skus[0]
    assert (page.total_count, page.next_page_token) == (200, "b2Zmc2V0PTAK")
    assert (product.id, product.status) == ("1729592969712207008", "ACTIVATE")
    assert (sku.id, sku.seller_sku) == ("1729592969712207012", "Color-Red-XM01")
    assert [(stock.warehouse_id, stock.quantity) for stock in sku.inventory] == [("7068517275539719942", 999)]


def test_product_parses_get_product_sample(tiktok_sample):
    product = Product.model_validate(data_of(tiktok_sample, "product-get-202309.response.json"))

    assert product.id == "1729592969712207008"
    assert product.status == "SELLER_DEACTIVATED"
    assert product.skus[0].id == "10001"


def test_product_stock_parses_inventory_search_sample(tiktok_sample):
    data = data_of(tiktok_sample, "inventory-search-202309.response.json")

    stock = ProductStock.model_validate(data["inventory"][0])

    sku = stock.skus[0]
    assert stock.product_id == "1729592969712207008"
    assert (sku.id, sku.master_sku) == ("1729388324987897824", "Color-Red-XM01")
    assert (sku.total_available_quantity, sku.total_committed_quantity) == (100, 10)
    warehouse = sku.warehouse_inventory[0]
    assert (warehouse.warehouse_id, warehouse.available_quantity, warehouse.committed_quantity) == (
        "7054915283043174149",
        100,
        10,
    )


def test_inventory_update_result_surfaces_per_sku_errors_inside_success(tiktok_sample):
    result = InventoryUpdateResult.model_validate(data_of(tiktok_sample, "inventory-update-202309.response.json"))

    error = result.errors[0]
    assert not result.is_success
    assert result.failed_sku_ids == ["1729592969712207013"]
    assert (error.code, error.message, error.sku_id) == (12052990, "Check failed", "1729592969712207013")
    warehouse_error = error.warehouse_errors[0]
    assert (warehouse_error.warehouse_id, warehouse_error.code, warehouse_error.message) == (
        "7068517275539719942",
        12052097,
        "The warehouse does not exist",
    )


def test_inventory_update_result_without_errors_is_success(tiktok_sample):
    result = InventoryUpdateResult.model_validate(data_of(tiktok_sample, "empty-data-success.response.json"))

    assert result.is_success
    assert result.failed_sku_ids == []


# --- fulfilment ---------------------------------------------------------------------------------


def test_package_shipped_lifts_the_warning_message(tiktok_sample):
    shipped = PackageShipped.model_validate(data_of(tiktok_sample, "package-mark-shipped-202309.response.json"))

    assert shipped.order_id == "32131324123321"
    assert shipped.package_id == "32141235124234"
    assert shipped.order_line_item_ids == ["31322412312312"]
    assert shipped.warning_message == "match more than one provider"


def test_package_shipped_without_warning_has_none():
    assert PackageShipped.model_validate({"order_id": "1", "package_id": "2"}).warning_message is None


def test_package_page_parses_search_sample(tiktok_sample):
    page = PackagePage.model_validate(data_of(tiktok_sample, "package-search-202309.response.json"))

    package = page.packages[0]
    assert page.next_page_token == "6AsPQsUMvH3RkchNUPPh22NROHkE0D8pmq/N5M1kHYcZmtRyv9aVrNv65W7Q6tFA"
    assert (package.id, package.status, package.tracking_number) == (
        "577828281214600000",
        "PROCESSING",
        "6617675021119438849",
    )
    assert package.order_ids == ["577828281214600000"]
    assert package.order_line_item_ids == ["1729382476852921560"]


# --- cancellations and returns ------------------------------------------------------------------


def test_cancellation_page_parses_search_sample(tiktok_sample):
    page = CancellationPage.model_validate(data_of(tiktok_sample, "cancellation-search-202309.response.json"))

    cancellation = page.cancellations[0]
    line = cancellation.cancel_line_items[0]
    assert (cancellation.cancel_id, cancellation.order_id) == ("4035318504086604100", "577087614418520388")
    assert cancellation.cancel_type == "REQUEST_CANCEL_REFUND"
    assert cancellation.cancel_status == "CANCELLATION_REQUEST_PENDING"
    assert cancellation.role == "BUYER"
    assert (cancellation.create_time, cancellation.update_time) == (1690451136, 1690451136)
    assert (line.order_line_item_id, line.sku_id, line.seller_sku) == (
        "576468844534141348",
        "2729382476852921560",
        "YYAPC23078TRT30",
    )
    assert page.next_page_token.endswith("==")


@pytest.mark.parametrize("status", ["CANCELLATION_REQUEST_CANCEL", "CANCELLATION_REQUEST_CANCELLED"])
def test_cancellation_accepts_both_spellings_of_withdrawn(status):
    cancellation = Cancellation.model_validate({"cancel_id": "1", "order_id": "2", "cancel_status": status})

    assert cancellation.cancel_status == CANCEL_STATUS_WITHDRAWN


def test_cancel_order_result_parses_documented_sample(tiktok_sample):
    result = CancelOrderResult.model_validate(data_of(tiktok_sample, "order-cancel-202309.response.json"))

    assert (result.cancel_id, result.cancel_status) == ("4035319218955782461", "CANCELLATION_REQUEST_SUCCESS")


def test_return_page_parses_search_sample(tiktok_sample):
    page = ReturnPage.model_validate(data_of(tiktok_sample, "return-search-202309.response.json"))

    return_order = page.return_orders[0]
    line = return_order.return_line_items[0]
    assert (return_order.return_id, return_order.order_id) == ("4035318504086604100", "577686530908261117")
    assert (return_order.return_type, return_order.return_status) == ("REFUND", "RETURN_OR_REFUND_REQUEST_PENDING")
    assert return_order.return_tracking_number == "213456789098765433456"
    assert (return_order.create_time, return_order.update_time) == (1690451136, 1690453136)
    assert (line.order_line_item_id, line.sku_id, line.seller_sku) == (
        "576473917261451851",
        "2729382476852921560",
        "PUTIH 1 TALI",
    )
    assert page.total_count == 100


# --- tokens -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["token-get-202407.response.json", "token-get-refresh-202309guide.response.json"])
def test_token_grant_keeps_absolute_expiries(tiktok_sample, name):
    grant = TokenGrant.model_validate(data_of(tiktok_sample, name))

    assert grant.access_token.startswith("TTP_Fw8rBwAAAAAkW03FYd09DG")
    assert grant.refresh_token.startswith("TTP_NTUxZTNh")
    assert grant.access_token_expire_in == 1660556783
    assert grant.refresh_token_expire_in == 1691487031
    assert grant.seller_base_region == "ID"


def test_token_grant_repr_hides_tokens(tiktok_sample):
    grant = TokenGrant.model_validate(data_of(tiktok_sample, "token-get-202407.response.json"))

    assert "TTP_" not in repr(grant)


def test_token_refresh_sample_is_invalid_json_by_documentation(tiktok_sample):
    # The page prints no comma after "user_type":0; a parser must refuse it, not half-read it.
    with pytest.raises(ValidationError, match="json_invalid|Invalid JSON"):
        TokenGrant.model_validate_json(tiktok_sample("token-refresh-202407.response.txt"))


# --- webhooks -----------------------------------------------------------------------------------


def test_webhook_order_status_change_parses(tiktok_sample):
    event = WebhookEvent.from_body(tiktok_sample("webhook-01-order-status-change.json"))

    change = event.order_status_change()
    assert event.type == WebhookType.ORDER_STATUS_CHANGE
    assert event.tts_notification_id == "7327112393057371910"
    assert event.shop_id == "7494049642642441621"
    assert event.timestamp == 1644412885
    assert (change.order_id, change.order_status, change.is_on_hold_order) == ("576486316948490001", "UNPAID", False)
    assert change.update_time == 1644412885


def test_webhook_overview_curl_body_parses_without_notification_id(tiktok_sample):
    event = WebhookEvent.from_body(tiktok_sample("webhook-01-overview-curl.body.json"))

    assert event.tts_notification_id is None
    assert event.order_status_change().is_on_hold_order is None


def test_webhook_signature_vector_body_parses(tiktok_sample):
    change = WebhookEvent.from_body(tiktok_sample("webhook-signature-vector.body.json")).order_status_change()

    assert (change.order_id, change.is_on_hold_order) == ("576653688135258178", True)


def test_webhook_cancellation_status_change_parses(tiktok_sample):
    event = WebhookEvent.from_body(tiktok_sample("webhook-11-cancellation-status-change.json"))

    change = event.cancellation_status_change()
    assert change.order_id == "576486316948490001"
    assert change.cancel_id == "4035318504086604100"
    assert change.cancel_status == "CANCELLATION_REQUEST_PENDING"
    assert change.role == "BUYER"
    assert change.create_time == 1627587600


def test_webhook_cancellation_withdrawn_uses_one_spelling():
    body = json.dumps(
        {
            "type": 11,
            "shop_id": "1",
            "timestamp": 1,
            "data": {"order_id": "2", "cancel_status": "CANCELLATION_REQUEST_CANCELLED"},
        }
    )

    assert WebhookEvent.from_body(body).cancellation_status_change().cancel_status == CANCEL_STATUS_WITHDRAWN


def test_webhook_return_status_change_parses_once_the_documented_comma_is_fixed(tiktok_sample):
    fixed = tiktok_sample("webhook-12-return-status-change.txt").replace(b"1627587600\n", b"1627587600,\n")

    change = WebhookEvent.from_body(fixed).return_status_change()

    assert (change.order_id, change.return_id) == ("576486316948490001", "576486316948490001")
    assert (change.return_role, change.return_type) == ("BUYER", "REFUND")
    assert change.return_status == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert (change.create_time, change.update_time) == (1627587600, 1644412885)


@pytest.mark.parametrize("name", ["webhook-12-return-status-change.txt", "webhook-27-inventory-status-change.txt"])
def test_webhook_documented_invalid_json_raises_malformed_payload(tiktok_sample, name):
    with pytest.raises(MalformedPayload, match="webhook body is not valid JSON"):
        WebhookEvent.from_body(tiktok_sample(name))


@pytest.mark.parametrize(
    ("name", "webhook_type", "order_id"),
    [
        ("webhook-03-recipient-address-update.json", WebhookType.RECIPIENT_ADDRESS_UPDATE, "576486316948490001"),
        ("webhook-04-package-update.json", WebhookType.PACKAGE_UPDATE, None),
        ("webhook-05-product-status-change.json", WebhookType.PRODUCT_STATUS_CHANGE, None),
        ("webhook-06-seller-deauthorization.json", WebhookType.SELLER_DEAUTHORIZATION, None),
        ("webhook-07-upcoming-authorization-expiration.json", WebhookType.UPCOMING_AUTHORIZATION_EXPIRATION, None),
    ],
)
def test_webhook_other_topics_parse_as_envelopes(tiktok_sample, name, webhook_type, order_id):
    event = WebhookEvent.from_body(tiktok_sample(name))

    assert event.type == webhook_type
    assert event.shop_id == "7494049642642441621"
    assert event.order_id == order_id


def test_webhook_product_id_above_two_to_the_53_stays_exact(tiktok_sample):
    event = WebhookEvent.from_body(tiktok_sample("webhook-05-product-status-change.json"))

    assert str(event.data["product_id"]) == "576486316948490000"


def test_webhook_numeric_shop_id_is_coerced_to_string():
    event = WebhookEvent.from_body(b'{"type":7,"shop_id":123455,"timestamp":1,"data":{}}')

    assert event.shop_id == "123455"


def test_webhook_accessor_for_another_type_raises(tiktok_sample):
    event = WebhookEvent.from_body(tiktok_sample("webhook-01-order-status-change.json"))

    with pytest.raises(MalformedPayload, match="webhook type 1 is not RETURN_STATUS_CHANGE"):
        event.return_status_change()


@pytest.mark.parametrize(
    "body",
    [b"[]", b'{"type":1,"timestamp":1,"data":{}}', b"\xff\xfe{"],
    ids=["not-an-object", "no-shop-id", "not-utf8"],
)
def test_webhook_body_that_is_not_an_envelope_raises_malformed_payload(body):
    with pytest.raises(MalformedPayload):
        WebhookEvent.from_body(body)


def test_webhook_order_status_change_without_order_id_raises():
    event = WebhookEvent.from_body(b'{"type":1,"shop_id":"1","timestamp":1,"data":{}}')

    with pytest.raises(MalformedPayload, match="ORDER_STATUS_CHANGE data does not match"):
        event.order_status_change()
