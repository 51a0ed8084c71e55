"""The Extensiv change-feed reads scoped to one facility: the exact rql the client sends."""

from __future__ import annotations

import pytest

from extensiv.models import ReceiverType
from tests.unit.extensiv.conftest import CUSTOMER_ID, hal_page, order_row, reply

SCOPE = f"readOnly.customerIdentifier.id=={CUSTOMER_ID}"
RECEIVER_REL = "http://api.3plCentral.com/rels/inventory/receiver"


def test_iter_orders_modified_since_scoped_to_a_facility_sends_its_rql_clause(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", "/orders", reply(200, hal_page([order_row()])))

    orders = list(client.iter_orders_modified_since("2024-05-01T10:00:00", detail=None, facility_id=3))

    (sent,) = transport.api_calls()
    assert sent.query["rql"] == (
        f"{SCOPE};readOnly.lastModifiedDate=ge=2024-05-01T10:00:00;readOnly.facilityIdentifier.id==3"
    )
    assert sent.query["sort"] == "readOnly.lastModifiedDate,readOnly.orderId"
    assert len(orders) == 1


def test_iter_orders_modified_since_without_a_facility_reads_every_facility(client, transport):
    transport.add_token("tok-1")
    transport.add("GET", "/orders", reply(200, hal_page([])))

    list(client.iter_orders_modified_since("2024-05-01T10:00:00"))

    assert transport.api_calls()[0].query["rql"] == f"{SCOPE};readOnly.lastModifiedDate=ge=2024-05-01T10:00:00"


def test_iter_receivers_scoped_to_a_facility_sends_its_rql_clause(client, transport):
    transport.add_token("tok-1")
    rows = [{"readOnly": {"receiverId": 90, "receiverType": 1}, "referenceNum": "R"}]
    transport.add("GET", "/inventory/receivers", reply(200, hal_page(rows, rel=RECEIVER_REL)))

    receivers = list(client.iter_receivers("2024-05-01T00:00:00", ReceiverType.RETURN, facility_id=2))

    assert transport.api_calls()[0].query == {
        "detail": "ReceiveItems",
        "sort": "readOnly.lastModifiedDate,readOnly.receiverId",
        "receivertype": "1",
        "rql": f"{SCOPE};readOnly.lastModifiedDate=ge=2024-05-01T00:00:00;readOnly.facilityIdentifier.id==2",
        "pgsiz": "500",
        "pgnum": "1",
    }
    assert [receiver.receiver_id for receiver in receivers] == [90]


@pytest.mark.parametrize("facility_id", [0, -1, "2", True])
def test_facility_scope_refuses_what_is_not_an_extensiv_facility_id(client, transport, facility_id):
    with pytest.raises(ValueError, match="a facility id is a positive integer"):
        list(client.iter_orders_modified_since("2024-05-01T10:00:00", facility_id=facility_id))
    with pytest.raises(ValueError, match="a facility id is a positive integer"):
        list(client.iter_receivers("2024-05-01T00:00:00", facility_id=facility_id))
    assert transport.api_calls() == []
