"""ExtensivClient against a scripted transport: what it sends, how it pages, retries and maps errors."""

from __future__ import annotations

import json

import pytest
import requests

from extensiv.client import COLLECTIONS
from extensiv.errors import (
    ExtensivServerError,
    ExtensivUnavailable,
    NotFound,
    OperationRejected,
    PreconditionFailed,
    Unauthorized,
    ValidationFailed,
)
from extensiv.models import OrderCreate, OrderLine, ReceiverCreate, ReceiverLine, ReceiverType, ShipTo
from tests.unit.extensiv.conftest import BASE_URL, CUSTOMER_ID, hal_page, order_row, reply

SCOPE = f"readOnly.customerIdentifier.id=={CUSTOMER_ID}"
FACILITY_REL = "http://api.3plCentral.com/rels/properties/facility"
ITEM_REL = "http://api.3plCentral.com/rels/customers/item"
RECEIVER_REL = "http://api.3plCentral.com/rels/inventory/receiver"
ITEMS_PATH = f"/customers/{CUSTOMER_ID}/items"


def new_order(reference_num: str = "576461413038785752") -> OrderCreate:
    return OrderCreate(
        customer_id=CUSTOMER_ID,
        facility_id=3,
        reference_num=reference_num,
        ship_to=ShipTo(name="Dana Example", address1="100 Test Street", city="Reno", country="US"),
        order_items=[OrderLine(sku="BLUE-M", qty=2)],
    )


def model_validation(code: str, name: str, value: str) -> dict:
    return {
        "$type": "WMS.V2.Generic.Models.Exceptions.ModelValidationException, WMS.V2.Generic.Models",
        "ModelType": "Order",
        "Properties": [{"Name": name, "Value": value}],
        "ErrorCode": code,
    }


def operation(code: str) -> dict:
    return {"$type": "WMS.V2.Generic.Models.Exceptions.OperationException, WMS.V2.Generic.Models", "ErrorCode": code}


def status_row(status: int) -> dict:
    row = order_row(order_id=42)
    row["readOnly"].update(status=status, isClosed=status != 0)
    return row


# --- headers, paths, bodies -------------------------------------------------------------


def test_get_order_sends_hal_accept_bearer_token_and_detail(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", "/orders/42", reply(200, order_row(order_id=42), {"ETag": 'W/"7"'}))

    order = client.get_order(42)

    (sent,) = transport.api_calls()
    assert sent.method == "GET"
    assert sent.query == {"detail": "OrderItems,Packages"}
    assert sent.headers["Accept"] == "application/hal+json"
    assert sent.headers["Authorization"] == "Bearer tok-1"
    assert "Content-Type" not in sent.headers
    assert "If-Match" not in sent.headers
    assert sent.body is None
    assert sent.timeout == (3.05, 20.0)
    assert (order.order_id, order.etag) == (42, 'W/"7"')


def test_get_order_quotes_the_id_into_the_path(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", "/orders/1%2F..%2Fcustomers", reply(404))

    with pytest.raises(NotFound):
        client.get_order("1/../customers", detail=None)

    assert transport.api_calls()[0].path == "/orders/1%2F..%2Fcustomers"


def test_create_order_posts_the_body_as_json_and_reads_the_etag(client, transport):
    order = new_order()
    created = order_row(order_id=501, reference_num=order.reference_num)
    transport.add_token("tok-1")
    transport.add("POST", "/orders", reply(201, created, {"ETag": '"c1"'}))

    result = client.create_order(order)

    (sent,) = transport.api_calls()
    assert sent.url == BASE_URL + "/orders"
    assert sent.headers["Content-Type"] == "application/json; charset=utf-8"
    assert sent.headers["Accept"] == "application/hal+json"
    assert sent.json == order.to_body()
    assert (result.order_id, result.reference_num, result.etag) == (501, order.reference_num, '"c1"')


def test_create_order_is_not_retried_after_a_timeout(client, transport):
    transport.add_token("tok-1")
    transport.add("POST", "/orders", requests.ReadTimeout("read timed out"), reply(201, order_row()))

    with pytest.raises(ExtensivUnavailable, match="ReadTimeout"):
        client.create_order(new_order())

    assert len(transport.calls("POST", "/orders")) == 1


def test_create_order_is_not_retried_after_a_server_error(client, transport):
    transport.add_token("tok-1")
    transport.add("POST", "/orders", reply(500, text="An error has occurred."), reply(201, order_row()))

    with pytest.raises(ExtensivServerError):
        client.create_order(new_order())

    assert len(transport.calls("POST", "/orders")) == 1


def test_create_order_is_retried_after_throttling_with_the_servers_wait(client, transport, sleeps):
    transport.add_token("tok-1")
    transport.add("POST", "/orders", reply(429, headers={"Retry-After": "0.03"}), reply(201, order_row()))

    client.create_order(new_order())

    assert len(transport.calls("POST", "/orders")) == 2
    assert sleeps == [0.03]


def test_create_order_duplicate_reference_is_a_validation_failure(client, transport):
    transport.add_token("tok-1")
    rejected = model_validation("Duplicate", "ReferenceNum", "576461413038785752")
    transport.add("POST", "/orders", reply(400, rejected))

    with pytest.raises(ValidationFailed) as caught:
        client.create_order(new_order())

    assert caught.value.is_duplicate


# --- retries and tokens -----------------------------------------------------------------


def test_get_is_retried_after_server_errors_and_transport_failures(client, transport, sleeps):
    transport.add_token("tok-1")
    transport.add(
        "GET",
        "/orders/42",
        reply(503, text="Service Unavailable"),
        requests.ConnectionError("reset"),
        reply(200, order_row(order_id=42)),
    )

    assert client.get_order(42).order_id == 42
    assert len(transport.api_calls()) == 3
    assert len(sleeps) == 2


def test_get_gives_up_after_the_policy_attempts(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", "/orders/42", *[reply(502, text="Bad Gateway")] * 3)

    with pytest.raises(ExtensivServerError) as caught:
        client.get_order(42)

    assert caught.value.status == 502
    assert caught.value.raw == "Bad Gateway"


def test_truncated_success_body_is_retried_then_reported_unavailable(client, transport, extensiv_sample):
    partial = extensiv_sample("order-packages.hal.partial.txt")
    transport.add_token("tok-1")
    transport.add("GET", "/orders/42", *[reply(200, text=partial)] * 3)

    with pytest.raises(ExtensivUnavailable, match="not JSON"):
        client.get_order(42)

    assert len(transport.api_calls()) == 3


def test_unauthorized_fetches_a_new_token_and_retries_once(client, transport):
    transport.add_token("tok-1", "tok-2")
    transport.add("GET", "/orders/42", reply(401), reply(200, order_row(order_id=42)))

    client.get_order(42)

    first, second = transport.api_calls()
    assert first.headers["Authorization"] == "Bearer tok-1"
    assert second.headers["Authorization"] == "Bearer tok-2"


def test_unauthorized_twice_is_raised(client, transport):
    transport.add_token("tok-1", "tok-2")
    transport.add("GET", "/orders/42", reply(401), reply(401))

    with pytest.raises(Unauthorized):
        client.get_order(42)

    assert len(transport.api_calls()) == 2


def test_token_is_fetched_once_for_many_calls(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", "/orders/42", reply(200, order_row(order_id=42)), reply(200, order_row(order_id=42)))

    client.get_order(42)
    client.get_order(42)

    assert len(transport.sent) == 3


# --- find by reference ------------------------------------------------------------------


def test_find_order_by_reference_scopes_to_the_customer_and_includes_split_parts(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", "/orders", reply(200, hal_page([order_row(order_id=501, reference_num="R1")])))

    found = client.find_order_by_reference("R1")

    (sent,) = transport.api_calls()
    assert sent.query == {
        "rql": f"{SCOPE};(referenceNum==R1,referenceNum==R1-*)",
        "pgsiz": "100",
        "pgnum": "1",
    }
    assert found.order_id == 501


def test_find_order_by_reference_returns_the_exact_match_among_split_parts(client, transport):
    rows = [
        order_row(order_id=502, reference_num="R1-1"),
        order_row(order_id=501, reference_num="R1"),
        order_row(order_id=503, reference_num="R1-2"),
    ]
    transport.add_token("tok-1")
    transport.add("GET", "/orders", reply(200, hal_page(rows)))

    assert client.find_order_by_reference("R1").order_id == 501


def test_find_order_by_reference_ignores_other_references_the_wildcard_matched(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", "/orders", reply(200, hal_page([order_row(order_id=9, reference_num="R1-X")])))

    assert client.find_order_by_reference("R1") is None


def test_find_order_by_reference_falls_back_to_the_first_split_part(client, transport):
    rows = [order_row(order_id=503, reference_num="R1-2"), order_row(order_id=502, reference_num="R1-1")]
    transport.add_token("tok-1")
    transport.add("GET", "/orders", reply(200, hal_page(rows)))

    assert client.find_order_by_reference("R1").order_id == 502


def test_find_order_by_reference_returns_none_when_nothing_matches(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", "/orders", reply(200, {"totalResults": 0}))

    assert client.find_order_by_reference("R1") is None


def test_find_order_by_reference_escapes_reserved_characters_twice_on_the_wire(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", "/orders", reply(200, {"totalResults": 0}))

    client.find_order_by_reference("A,B")

    (sent,) = transport.api_calls()
    assert sent.query["rql"] == f"{SCOPE};(referenceNum==A%2CB,referenceNum==A%2CB-*)"
    assert "referenceNum%3D%3DA%252CB" in sent.raw_query


# --- paging -----------------------------------------------------------------------------


def test_iter_orders_modified_since_filters_sorts_and_asks_for_the_maximum_page(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", "/orders", reply(200, hal_page([order_row()])))

    orders = list(client.iter_orders_modified_since("2024-05-01T10:00:00"))

    (sent,) = transport.api_calls()
    assert sent.query == {
        "rql": f"{SCOPE};readOnly.lastModifiedDate=ge=2024-05-01T10:00:00",
        "sort": "readOnly.lastModifiedDate,readOnly.orderId",
        "detail": "OrderItems,Packages",
        "pgsiz": "1000",
        "pgnum": "1",
    }
    assert len(orders) == 1


def test_iter_orders_modified_since_refuses_an_offset_date(client, transport):
    with pytest.raises(ValueError, match="no time zone"):
        client.iter_orders_modified_since("2024-05-01T10:00:00+02:00")

    assert transport.sent == []


def test_paging_follows_relative_next_links_without_decoding_them(client, transport):
    next_href = "/orders?pgsiz=2&pgnum=2&rql=referenceNum%3D%3DA%252CB"
    transport.add_token("tok-1")
    transport.add(
        "GET",
        "/orders",
        reply(200, hal_page([order_row(order_id=1), order_row(order_id=2)], total=3, next_href=next_href)),
        reply(200, hal_page([order_row(order_id=3)], total=3)),
    )

    orders = list(client.iter_orders_modified_since("2024-05-01T10:00:00", page_size=2))

    assert [order.order_id for order in orders] == [1, 2, 3]
    assert transport.api_calls()[1].url == BASE_URL + next_href


def test_paging_uses_total_results_when_there_are_no_links(client, transport):
    transport.add_token("tok-1")
    transport.add(
        "GET",
        "/orders",
        reply(200, hal_page([order_row(order_id=1), order_row(order_id=2)], total=3)),
        reply(200, hal_page([order_row(order_id=3)], total=3)),
    )

    orders = list(client.iter_orders_modified_since("2024-05-01T10:00:00", page_size=2))

    assert [order.order_id for order in orders] == [1, 2, 3]
    assert [sent.query["pgnum"] for sent in transport.api_calls()] == ["1", "2"]


def test_paging_stops_at_an_empty_page(client, transport):
    transport.add_token("tok-1")
    transport.add(
        "GET",
        "/orders",
        reply(200, hal_page([order_row(order_id=1)], total=5)),
        reply(200, {"totalResults": 5}),
    )

    assert len(list(client.iter_orders_modified_since("2024-05-01T10:00:00", page_size=1))) == 1
    assert len(transport.api_calls()) == 2


def test_paging_does_not_follow_a_next_link_to_another_host(client, transport):
    elsewhere = "https://elsewhere.example.test/orders?pgnum=2"
    transport.add_token("tok-1")
    transport.add(
        "GET",
        "/orders",
        reply(200, hal_page([order_row(order_id=1)], total=2, next_href=elsewhere)),
        reply(200, hal_page([order_row(order_id=2)], total=2)),
    )

    list(client.iter_orders_modified_since("2024-05-01T10:00:00", page_size=1))

    assert all(sent.url.startswith(BASE_URL) for sent in transport.sent)


def test_page_size_never_exceeds_the_resource_maximum(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", ITEMS_PATH, reply(200, {"totalResults": 0}))

    list(client.iter_items(page_size=500))

    assert transport.api_calls()[0].query["pgsiz"] == "100"


@pytest.mark.parametrize(
    ("name", "maximum"),
    [("orders", 1000), ("stock_summaries", 500), ("receivers", 500), ("items", 100), ("facilities", None)],
)
def test_collections_know_their_documented_maximum(name, maximum):
    assert COLLECTIONS[name].max_page_size == maximum
    assert COLLECTIONS[name].page_size(10_000) == maximum


def test_unexpected_collection_shape_is_reported_not_read_as_empty(client, transport):
    wrong = {"totalResults": 1, "_embedded": {"http://api.3plCentral.com/rels/orders/summary": [{"orderId": 1}]}}
    transport.add_token("tok-1")
    transport.add("GET", "/orders", *[reply(200, wrong)])

    with pytest.raises(ExtensivUnavailable, match="expected rows under 'orders/order'"):
        list(client.iter_orders_modified_since("2024-05-01T10:00:00"))


# --- cancel -----------------------------------------------------------------------------


def test_cancel_order_reads_the_etag_then_posts_the_canceler_with_if_match(client, transport, extensiv_sample):
    transport.add_token("tok-1")
    transport.add("GET", "/orders/42", reply(200, status_row(0), {"ETag": 'W/"abc=="'}))
    transport.add("POST", "/orders/42/canceler", reply(204))

    assert client.cancel_order(42, "buyer canceled on TikTok") is True

    read, cancel = transport.api_calls()
    assert read.query == {}
    assert cancel.headers["If-Match"] == 'W/"abc=="'
    assert cancel.headers["Content-Type"] == "application/json; charset=utf-8"
    assert cancel.json == {"reason": "buyer canceled on TikTok"}
    assert set(cancel.json) <= set(json.loads(extensiv_sample("order-canceler.request.json")))


def test_cancel_order_with_a_given_etag_does_not_read_first(client, transport):
    transport.add_token("tok-1")
    transport.add("POST", "/orders/42/canceler", reply(204))

    client.cancel_order(42, "buyer canceled", etag='"e1"')

    assert [sent.method for sent in transport.api_calls()] == ["POST"]


def test_cancel_order_rereads_and_retries_once_after_a_stale_etag(client, transport):
    transport.add_token("tok-1")
    transport.add("POST", "/orders/42/canceler", reply(412), reply(204))
    transport.add("GET", "/orders/42", reply(200, status_row(0), {"ETag": '"e2"'}))

    assert client.cancel_order(42, "buyer canceled", etag='"e1"') is True

    first, _, retried = transport.api_calls()
    assert (first.headers["If-Match"], retried.headers["If-Match"]) == ('"e1"', '"e2"')


def test_cancel_order_gives_up_after_a_second_stale_etag(client, transport):
    transport.add_token("tok-1")
    transport.add("POST", "/orders/42/canceler", reply(412), reply(412))
    transport.add("GET", "/orders/42", reply(200, status_row(0), {"ETag": '"e2"'}))

    with pytest.raises(PreconditionFailed):
        client.cancel_order(42, "buyer canceled", etag='"e1"')


def test_cancel_order_of_an_already_canceled_order_returns_false(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", "/orders/42", reply(200, status_row(2), {"ETag": '"e1"'}))

    assert client.cancel_order(42, "buyer canceled") is False
    assert [sent.method for sent in transport.api_calls()] == ["GET"]


def test_cancel_order_treats_order_canceled_rejection_as_done(client, transport):
    transport.add_token("tok-1")
    transport.add("POST", "/orders/42/canceler", reply(403, operation("OrderCanceled")))

    assert client.cancel_order(42, "buyer canceled", etag='"e1"') is False


def test_cancel_order_of_a_shipped_order_is_rejected(client, transport):
    transport.add_token("tok-1")
    transport.add("POST", "/orders/42/canceler", reply(403, operation("OrderConfirmed")))

    with pytest.raises(OperationRejected) as caught:
        client.cancel_order(42, "buyer canceled", etag='"e1"')

    assert caught.value.error_code == "OrderConfirmed"


def test_cancel_order_requires_a_reason(client):
    with pytest.raises(ValueError, match="reason"):
        client.cancel_order(42, "  ")


# --- facilities, stock, items, receivers ------------------------------------------------


def test_list_facilities_keeps_those_of_the_customer(client, transport):
    rows = [{"facilityId": 3, "name": "Reno"}, {"facilityId": 4, "name": "Other 3PL client"}]
    transport.add_token("tok-1")
    transport.add("GET", "/properties/facilities", reply(200, hal_page(rows, rel=FACILITY_REL)))
    transport.add("GET", f"/customers/{CUSTOMER_ID}", reply(200, {"facilities": [{"id": 3, "name": "Reno"}]}))

    facilities = client.list_facilities()

    assert [facility.facility_id for facility in facilities] == [3]
    assert transport.calls("GET", "/properties/facilities")[0].query == {"pgnum": "1"}


def test_iter_stock_summaries_reads_top_level_summaries_for_one_facility(client, transport, extensiv_sample):
    transport.add_token("tok-1")
    transport.add("GET", "/inventory/stocksummaries", reply(200, text=extensiv_sample("stock-summaries.response.json")))

    rows = list(client.iter_stock_summaries(facility_id=7))

    (sent,) = transport.api_calls()
    assert sent.query == {"rql": "facilityId==7", "pgsiz": "500", "pgnum": "1"}
    assert [(row.sku, row.facility_id) for row in rows] == [("str", 7)]


def test_find_item_by_sku_prefers_the_exact_match(client, transport):
    rows = [{"itemId": 1, "sku": "blue-m"}, {"itemId": 2, "sku": "BLUE-M"}]
    transport.add_token("tok-1")
    transport.add("GET", ITEMS_PATH, reply(200, hal_page(rows, rel=ITEM_REL)))

    item = client.find_item_by_sku("BLUE-M")

    assert item.item_id == 2
    assert transport.api_calls()[0].query == {"rql": "sku==BLUE-M", "pgsiz": "100", "pgnum": "1"}


def test_create_item_posts_sku_description_and_unit(client, transport):
    transport.add_token("tok-1")
    created = {"readOnly": {"itemId": 9}, "sku": "BLUE-M", "description": "Tee"}
    transport.add("POST", ITEMS_PATH, reply(201, created, {"ETag": '"i1"'}))

    item = client.create_item("BLUE-M", "Tee")

    assert transport.api_calls()[0].json == {
        "sku": "BLUE-M",
        "description": "Tee",
        "options": {"inventoryUnit": {"unitIdentifier": {"name": "Each"}}},
    }
    assert (item.item_id, item.etag) == (9, '"i1"')


def test_update_item_sends_the_whole_item_back_with_if_match(client, transport):
    current = {"readOnly": {"itemId": 9}, "sku": "BLUE-M", "description": "Tee", "upc": "123", "_links": {}}
    transport.add_token("tok-1")
    transport.add("GET", f"{ITEMS_PATH}/9", reply(200, current, {"ETag": '"i1"'}))
    transport.add("PUT", f"{ITEMS_PATH}/9", reply(200, {**current, "description": "Blue tee"}, {"ETag": '"i2"'}))

    item = client.update_item(9, '"i1"', description="Blue tee")

    put = transport.calls("PUT", f"{ITEMS_PATH}/9")[0]
    assert put.headers["If-Match"] == '"i1"'
    assert put.json == {"readOnly": {"itemId": 9}, "sku": "BLUE-M", "description": "Blue tee", "upc": "123"}
    assert (item.description, item.etag) == ("Blue tee", '"i2"')


def test_create_receiver_posts_a_return(client, transport):
    receiver = ReceiverCreate(
        customer_id=CUSTOMER_ID,
        facility_id=3,
        reference_num="576461413038785752-R1",
        items=[ReceiverLine(sku="BLUE-M", qty=1)],
        is_return=True,
    )
    transport.add_token("tok-1")
    created = {"readOnly": {"receiverId": 90, "receiverType": 1}, "referenceNum": receiver.reference_num}
    transport.add("POST", "/inventory/receivers", reply(201, created, {"ETag": '"r1"'}))

    result = client.create_receiver(receiver)

    assert transport.api_calls()[0].json == receiver.to_body()
    assert (result.receiver_id, result.is_return, result.etag) == (90, True, '"r1"')


def test_iter_receivers_filters_returns_changed_since(client, transport):
    transport.add_token("tok-1")
    rows = [{"readOnly": {"receiverId": 90, "receiverType": 1}, "referenceNum": "R"}]
    transport.add("GET", "/inventory/receivers", reply(200, hal_page(rows, rel=RECEIVER_REL)))

    receivers = list(client.iter_receivers("2024-05-01T00:00:00", ReceiverType.RETURN))

    assert transport.api_calls()[0].query == {
        "detail": "ReceiveItems",
        "sort": "readOnly.lastModifiedDate,readOnly.receiverId",
        "receivertype": "1",
        "rql": f"{SCOPE};readOnly.lastModifiedDate=ge=2024-05-01T00:00:00",
        "pgsiz": "500",
        "pgnum": "1",
    }
    assert receivers[0].is_return


# --- check_connection -------------------------------------------------------------------


def test_check_connection_reports_success(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", f"/customers/{CUSTOMER_ID}", reply(200, {"readOnly": {"customerId": CUSTOMER_ID}}))

    check = client.check_connection()

    assert check.ok
    assert check.failed_credential is None
    assert (
        check.message
        == f"connected to the production environment (https://secure-wms.com) as user 1523 for customer {CUSTOMER_ID}"
    )


def test_check_connection_fetches_a_fresh_token(client, transport):
    transport.add_token("tok-1", "tok-2")
    transport.add("GET", f"/customers/{CUSTOMER_ID}", reply(200, {}), reply(200, {}))

    client.check_connection()
    client.check_connection()

    assert len(transport.calls("POST", "/AuthServer/api/Token")) == 2


@pytest.mark.parametrize("status", [403, 404])
def test_check_connection_blames_the_customer_id_when_the_customer_is_not_visible(client, transport, status):
    transport.add_token("tok-1")
    transport.add("GET", f"/customers/{CUSTOMER_ID}", reply(status))

    check = client.check_connection()

    assert not check.ok
    assert check.failed_credential == "customer_id"
    assert f"customer {CUSTOMER_ID} answered {status}" in check.message


def test_check_connection_passes_the_token_diagnosis_through(client, transport):
    transport.add("POST", "/AuthServer/api/Token", reply(401, {"Message": "invalid_client: client not registered"}))

    check = client.check_connection()

    assert (check.ok, check.failed_credential) == (False, "client_id_or_secret")
    assert "Client Id / Client Secret" in check.message


def test_check_connection_blames_the_environment_when_the_host_is_unreachable(client, transport):
    refused = requests.ConnectionError("[Errno 111] Connection refused")
    transport.add("POST", "/AuthServer/api/Token", refused, refused, refused)

    check = client.check_connection()

    assert check.failed_credential == "environment"
    assert "https://secure-wms.com" in check.message
