"""Parsing the documented Extensiv shapes and building the bodies the connector sends."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from extensiv.models import (
    ExtensivOrder,
    Facility,
    Item,
    OrderCreate,
    OrderLine,
    OrderStatus,
    OrderSummary,
    Receiver,
    ReceiverCreate,
    ReceiverLine,
    SavedElement,
    ShipTo,
    StockSummary,
    TokenResponse,
    embedded,
    parse_extensiv_datetime,
    read_page,
)
from tests.unit.extensiv.conftest import CUSTOMER_ID, order_row


def ship_to(**overrides) -> ShipTo:
    fields = {
        "name": "Dana Example",
        "address1": "100 Test Street",
        "city": "Reno",
        "state": "NV",
        "zip": "89501",
        "country": "US",
    }
    return ShipTo(**{**fields, **overrides})


def order_create(**overrides) -> OrderCreate:
    fields = {
        "customer_id": CUSTOMER_ID,
        "facility_id": 3,
        "reference_num": "576461413038785752",
        "ship_to": ship_to(),
        "order_items": [OrderLine(sku="BLUE-M", qty=2)],
    }
    return OrderCreate(**{**fields, **overrides})


# --- documented samples ------------------------------------------------------------------


def test_read_page_parses_the_documented_order_summaries(extensiv_sample):
    payload = json.loads(extensiv_sample("order-summaries.hal.json"))

    page = read_page(payload, OrderSummary, "item")

    assert page.total_results == 1
    assert page.next_href is None
    (summary,) = page.items
    assert summary.order_id == 1
    assert summary.reference_num == "str"
    assert summary.customer_id == 3
    assert summary.facility_id == 2
    assert summary.is_closed is True
    assert summary.creation_date == "2016-12-25T23:00:00"


def test_read_page_parses_the_documented_stock_summaries_from_the_top_level_array(extensiv_sample):
    payload = json.loads(extensiv_sample("stock-summaries.response.json"))

    page = read_page(payload, StockSummary, "summaries")

    (row,) = page.items
    assert (row.sku, row.item_id, row.facility_id, row.qualifier) == ("str", 2, 7, "str")
    assert row.available == Decimal("4.0")
    assert row.on_hand == Decimal("6.0")
    assert row.allocated == Decimal("3.0")
    assert row.on_hold == Decimal("5.0")
    assert row.total_received == Decimal("2.0")
    assert row.ordered_not_allocated == Decimal("1.0")
    assert isinstance(row.available, Decimal)


def test_documented_token_response_with_comments_is_not_json(extensiv_sample):
    with pytest.raises(ValidationError, match="Invalid JSON"):
        TokenResponse.model_validate_json(extensiv_sample("auth-token.response.txt"))


def test_documented_partial_packages_sample_is_not_json(extensiv_sample):
    with pytest.raises(json.JSONDecodeError):
        json.loads(extensiv_sample("order-packages.hal.partial.txt"))


def test_token_response_reads_the_documented_fields():
    token = TokenResponse.model_validate(
        {"access_token": "abc", "token_type": "Bearer", "expires_in": 3600, "refresh_token": None, "scope": None}
    )

    assert (token.access_token, token.token_type, token.expires_in) == ("abc", "Bearer", 3600)


# --- orders ------------------------------------------------------------------------------


def test_order_flattens_read_only_and_identifiers():
    order = ExtensivOrder.model_validate(order_row(order_id=501, reference_num="R-A"))

    assert order.order_id == 501
    assert order.reference_num == "R-A"
    assert order.status is OrderStatus.OPEN
    assert order.customer_id == CUSTOMER_ID
    assert order.facility_id == 3
    assert order.routing_info.carrier == "UPS"
    assert order.routing_info.scac == "UPSN"
    assert order.etag is None


def test_order_keeps_dates_raw_and_parsed():
    order = ExtensivOrder.model_validate(order_row())

    assert order.last_modified_date == "2024-05-01T10:05:00.1234567"
    assert order.last_modified_at == datetime(2024, 5, 1, 10, 5, 0, 123456)
    assert order.last_modified_at.tzinfo is None
    assert order.created_at == datetime(2024, 5, 1, 10, 0)


def test_order_reads_embedded_items_with_any_key_casing():
    row = order_row(
        _embedded={
            "http://api.3plcentral.com/rels/orders/item": [
                {"readOnly": {"orderItemId": 9}, "itemIdentifier": {"sku": "BLUE-M", "id": 44}, "qty": 1.5},
            ]
        }
    )

    order = ExtensivOrder.model_validate(row)

    (line,) = order.order_items
    assert (line.order_item_id, line.sku, line.item_id) == (9, "BLUE-M", 44)
    assert line.qty == Decimal("1.5")


def test_order_reads_order_items_from_a_create_response():
    row = order_row(orderItems=[{"readOnly": {"orderItemId": 3}, "itemIdentifier": {"sku": "A"}, "qty": 2}])

    order = ExtensivOrder.model_validate(row)

    assert [(line.sku, line.qty) for line in order.order_items] == [("A", Decimal(2))]


def test_order_reads_packages_and_contents_from_read_only():
    row = order_row()
    row["readOnly"]["packages"] = [
        {"packageId": 7, "trackingNumber": "1Z999", "packageContents": [{"orderItemId": 9, "qty": 1.0}]},
    ]

    order = ExtensivOrder.model_validate(row)

    (package,) = order.packages
    assert (package.package_id, package.tracking_number) == (7, "1Z999")
    assert [(c.order_item_id, c.qty) for c in package.contents] == [(9, Decimal("1.0"))]


def test_order_reads_embedded_packages_and_contents():
    row = order_row(
        _embedded={
            "http://api.3plCentral.com/rels/orders/package": [
                {
                    "packageId": 8,
                    "trackingNumber": "9400",
                    "_embedded": {
                        "http://api.3plCentral.com/rels/orders/packagecontent": [{"orderItemId": 1, "qty": 2}]
                    },
                }
            ]
        }
    )

    order = ExtensivOrder.model_validate(row)

    assert order.packages[0].contents[0].qty == Decimal(2)


def test_order_etag_never_comes_from_the_body():
    order = ExtensivOrder.from_response({**order_row(), "etag": "from-body"}, etag='W/"abc"')

    assert order.etag == 'W/"abc"'
    assert ExtensivOrder.model_validate({**order_row(), "etag": "from-body"}).etag is None


@pytest.mark.parametrize(
    ("status", "is_closed", "shipped", "canceled"),
    [(0, False, False, False), (1, True, True, False), (2, True, False, True)],
)
def test_order_status_reads_as_shipped_or_canceled(status, is_closed, shipped, canceled):
    row = order_row()
    row["readOnly"].update(status=status, isClosed=is_closed)

    order = ExtensivOrder.model_validate(row)

    assert (order.is_shipped, order.is_canceled) == (shipped, canceled)


def test_order_keeps_an_unknown_status_as_int():
    row = order_row()
    row["readOnly"]["status"] = 7

    assert ExtensivOrder.model_validate(row).status == 7


def test_order_shipped_date_prefers_process_date():
    row = order_row()
    row["readOnly"].update(processDate="2024-05-02T09:00:00", smallParcelShipDate="2024-05-02T08:00:00")

    order = ExtensivOrder.model_validate(row)

    assert order.shipped_date == "2024-05-02T09:00:00"


def test_order_recognises_split_parts_by_suffix():
    assert ExtensivOrder.model_validate(order_row(reference_num="R-2")).is_split_part
    assert not ExtensivOrder.model_validate(order_row(reference_num="576461413038785752")).is_split_part


def test_order_can_be_built_by_field_name():
    order = ExtensivOrder(order_id=1, reference_num="R", customer_id=2, order_items=[{"sku": "A", "qty": 1}])

    assert order.customer_id == 2
    assert order.order_items[0].sku == "A"


# --- other resources ---------------------------------------------------------------------


def test_facility_reads_facility_id_or_id():
    by_facility_id = Facility.model_validate({"facilityId": 3, "name": "Reno", "timeZoneName": "Pacific Standard Time"})
    by_id = Facility.model_validate({"id": 4, "name": "Dallas"})

    assert (by_facility_id.facility_id, by_facility_id.time_zone_name) == (3, "Pacific Standard Time")
    assert by_id.facility_id == 4


def test_item_reads_its_id_from_read_only():
    item = Item.model_validate(
        {"readOnly": {"itemId": 44, "lastModifiedDate": "2024-01-01T00:00:00"}, "sku": "BLUE-M", "description": "Tee"}
    )

    assert (item.item_id, item.sku, item.description) == (44, "BLUE-M", "Tee")
    assert item.last_modified_date == "2024-01-01T00:00:00"


def test_receiver_reads_return_flag_from_receiver_type_and_embedded_items():
    payload = {
        "readOnly": {"receiverId": 90, "receiverType": 1, "status": 1, "facilityIdentifier": {"id": 3}},
        "referenceNum": "576461413038785752-R1",
        "expectedDate": "2024-06-01T00:00:00",
        "_embedded": {
            "http://api.3plCentral.com/rels/inventory/receiveritem": [
                {"readOnly": {"receiveItemId": 5}, "itemIdentifier": {"sku": "BLUE-M"}, "qty": 1}
            ]
        },
    }

    receiver = Receiver.from_response(payload, etag='"r1"')

    assert receiver.is_return
    assert receiver.is_received
    assert receiver.facility_id == 3
    assert [(line.receive_item_id, line.sku, line.qty) for line in receiver.items] == [(5, "BLUE-M", Decimal(1))]
    assert receiver.etag == '"r1"'


def test_receiver_prefers_an_explicit_is_return_flag():
    receiver = Receiver.model_validate({"readOnly": {"receiverId": 1, "receiverType": 0}, "isReturn": True})

    assert receiver.is_return


def test_embedded_matches_rel_keys_without_case_or_host():
    payload = {"_embedded": {"HTTP://API.3PLCENTRAL.COM/rels/Orders/Order": [{"a": 1}], "item": [{"b": 2}]}}

    assert embedded(payload, "orders/order") == [{"a": 1}]
    assert embedded(payload, "item") == [{"b": 2}]
    assert embedded({}, "item") == []


def test_read_page_rejects_rows_under_an_unexpected_key():
    payload = {"totalResults": 1, "_embedded": {"http://api.3plCentral.com/rels/orders/orderx": [{"orderId": 1}]}}

    with pytest.raises(ValueError, match="expected rows under 'orders/order'"):
        read_page(payload, ExtensivOrder, "orders/order")


def test_read_page_of_an_empty_collection_has_no_rows():
    page = read_page({"totalResults": 0}, ExtensivOrder, "orders/order")

    assert page.items == []
    assert page.total_results == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2016-12-25T23:00:00", datetime(2016, 12, 25, 23, 0)),
        ("2016-12-25", datetime(2016, 12, 25)),
        (None, None),
        ("", None),
        ("25/12/2016", None),
    ],
)
def test_parse_extensiv_datetime(raw, expected):
    assert parse_extensiv_datetime(raw) == expected


# --- bodies ------------------------------------------------------------------------------


def test_order_create_body_follows_the_documented_order_create_shape():
    order = order_create(
        ship_to=ship_to(address2="Apt 4", phone="555-0100", email="buyer@example.test", company="ACME"),
        order_items=[OrderLine(sku="BLUE-M", qty=2), OrderLine(sku="RED-L", qty=Decimal("1.5"))],
        notes="TikTok Shop order 576461413038785752",
        saved_elements=[SavedElement(name="ChannelOrderId", value="576461413038785752")],
    )

    assert order.to_body() == {
        "customerIdentifier": {"id": CUSTOMER_ID},
        "facilityIdentifier": {"id": 3},
        "referenceNum": "576461413038785752",
        "shipTo": {
            "name": "Dana Example",
            "companyName": "ACME",
            "address1": "100 Test Street",
            "address2": "Apt 4",
            "city": "Reno",
            "state": "NV",
            "zip": "89501",
            "country": "US",
            "phoneNumber": "555-0100",
            "emailAddress": "buyer@example.test",
        },
        "orderItems": [
            {"itemIdentifier": {"sku": "BLUE-M"}, "qty": 2},
            {"itemIdentifier": {"sku": "RED-L"}, "qty": 1.5},
        ],
        "notes": "TikTok Shop order 576461413038785752",
        "savedElements": [{"name": "ChannelOrderId", "value": "576461413038785752"}],
        "warehouseTransactionSourceEnum": 7,
        "transactionEntryTypeEnum": 4,
    }


def test_order_create_leaves_defer_notification_to_the_customer_setting_by_default():
    assert "deferNotification" not in order_create().to_body()
    assert order_create(defer_notification=False).to_body()["deferNotification"] is False


def test_order_create_body_is_json_serialisable():
    json.dumps(order_create(order_items=[OrderLine(sku="A", qty=Decimal("2.000"))]).to_body())


@pytest.mark.parametrize("reference", ["576461413038785752-1", "R-12"])
def test_order_create_rejects_references_that_look_like_split_parts(reference):
    with pytest.raises(ValidationError, match="must not end in -<digits>"):
        order_create(reference_num=reference)


def test_order_create_requires_lines_with_positive_quantities():
    with pytest.raises(ValidationError):
        order_create(order_items=[])
    with pytest.raises(ValidationError):
        OrderLine(sku="A", qty=0)


def test_receiver_create_body_flags_returns():
    receiver = ReceiverCreate(
        customer_id=CUSTOMER_ID,
        facility_id=3,
        reference_num="576461413038785752-R1",
        items=[ReceiverLine(sku="BLUE-M", qty=1)],
        is_return=True,
        external_id="ret-1",
        tracking_number="9400",
    )

    assert receiver.to_body() == {
        "customerIdentifier": {"id": CUSTOMER_ID},
        "facilityIdentifier": {"id": 3},
        "referenceNum": "576461413038785752-R1",
        "isReturn": True,
        "receiveItems": [{"itemIdentifier": {"sku": "BLUE-M"}, "qty": 1}],
        "transactionEntryType": 4,
        "externalId": "ret-1",
        "trackingNumber": "9400",
    }
