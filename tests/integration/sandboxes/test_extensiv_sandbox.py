"""The Extensiv sandbox behaves like reference/extensiv.md says the real API does.

One sandbox per module on 127.0.0.1 (port 0), reset before every test; plain `requests`.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from local.sandboxes.extensiv import ExtensivSandbox

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "extensiv"
CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret"
CUSTOMER_ID = 12
USER_ID = 1523
USER_LOGIN = "connector-user"
REL_ORDER = "http://api.3plCentral.com/rels/orders/order"
REL_ORDER_ITEM = "http://api.3plCentral.com/rels/orders/item"
REL_RECEIVER = "http://api.3plCentral.com/rels/inventory/receiver"
QUERY_EXCEPTION = "WMS.V2.Generic.Models.Exceptions.QueryParameterException, WMS.V2.Generic.Models"
NAIVE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
TIMEOUT = 5

CONFIG = {
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "customer_id": CUSTOMER_ID,
    "user_id": USER_ID,
    "user_login": USER_LOGIN,
    "ticker_interval_seconds": 0.02,
}
SEED = {
    "facilities": [
        {"id": 1, "name": "Reno", "timeZoneName": "Pacific Standard Time"},
        {"id": 2, "name": "Newark", "timeZoneName": "Eastern Standard Time"},
    ],
    "stock": [
        {"sku": "TEE-RED-S", "facilityId": 1, "onHand": 50},
        {"sku": "TEE-BLUE-M", "facilityId": 1, "onHand": 20},
        {"sku": "MUG-01", "facilityId": 2, "onHand": 5},
    ],
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ExtensivSandbox]:
    with ExtensivSandbox(CONFIG, SEED) as running:
        yield running


@pytest.fixture
def url(sandbox: ExtensivSandbox) -> str:
    requests.post(f"{sandbox.url}/_sandbox/reset", timeout=TIMEOUT).raise_for_status()
    return sandbox.url


def configure(url: str, **settings: Any) -> None:
    requests.post(f"{url}/_sandbox/config", json=settings, timeout=TIMEOUT).raise_for_status()


def request_token(url: str, body: dict[str, Any], client: tuple[str, str] = (CLIENT_ID, CLIENT_SECRET)):
    basic = base64.b64encode(f"{client[0]}:{client[1]}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}", "Accept": "application/json"}
    return requests.post(f"{url}/AuthServer/api/Token", json=body, headers=headers, timeout=TIMEOUT)


def token_for(url: str) -> str:
    response = request_token(url, {"grant_type": "client_credentials", "user_login_id": str(USER_ID)})
    response.raise_for_status()
    return response.json()["access_token"]


@pytest.fixture
def api(url: str) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token_for(url)}", "Accept": "application/hal+json"})
    return session


def order_body(reference_num: str, lines: list[tuple[str, float]] | None = None, facility_id: int = 1):
    lines = lines or [("TEE-RED-S", 1)]
    return {
        "customerIdentifier": {"id": CUSTOMER_ID},
        "facilityIdentifier": {"id": facility_id},
        "referenceNum": reference_num,
        "poNum": f"PO-{reference_num}",
        "shipTo": {
            "name": "Jane Doe",
            "address1": "1 Main St",
            "city": "Reno",
            "state": "NV",
            "zip": "89501",
            "country": "US",
        },
        "orderItems": [{"itemIdentifier": {"sku": sku}, "qty": qty} for sku, qty in lines],
    }


def create_order(url: str, api: requests.Session, reference_num: str, **kwargs: Any) -> dict[str, Any]:
    response = api.post(f"{url}/orders", json=order_body(reference_num, **kwargs), timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    return response.json()


def get_order(url: str, api: requests.Session, order_id: int, detail: str = "All") -> requests.Response:
    return api.get(f"{url}/orders/{order_id}", params={"detail": detail}, timeout=TIMEOUT)


def stock_row(url: str, api: requests.Session, sku: str, facility_id: int = 1) -> dict[str, Any]:
    rql = f"itemIdentifier.sku=={sku};facilityId=={facility_id}"
    response = api.get(f"{url}/inventory/stocksummaries", params={"rql": rql}, timeout=TIMEOUT)
    response.raise_for_status()
    (row,) = response.json()["summaries"]
    return row


def wait_for(check: Callable[[], bool], seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def assert_query_exception(response: requests.Response, parameter: str) -> None:
    assert response.status_code == 400
    body = response.json()
    assert body["$type"] == QUERY_EXCEPTION
    assert body["Parameters"] == [parameter]
    assert body["ErrorCode"] == "NotParsable"
    assert isinstance(body["Hint"], str)


# -- token ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user",
    [{"user_login_id": str(USER_ID)}, {"user_login": USER_LOGIN}, {"user_login": str(USER_ID)}],
    ids=["user_login_id", "user_login-name", "user_login-numeric-id"],
)
def test_token_accepts_either_user_field(url: str, user: dict[str, str]) -> None:
    response = request_token(url, {"grant_type": "client_credentials", **user, "tpl": "{ABC}"})

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"] is None
    assert body["scope"] is None
    assert body["access_token"]


def test_token_wrong_client_is_401_with_message_shape(url: str) -> None:
    body = {"grant_type": "client_credentials", "user_login_id": str(USER_ID)}

    response = request_token(url, body, client=(CLIENT_ID, "wrong"))

    assert response.status_code == 401
    assert response.json() == {"Message": "invalid_client: client not registered"}


def test_token_wrong_user_is_invalid_grant(url: str) -> None:
    response = request_token(url, {"grant_type": "client_credentials", "user_login_id": "999"})

    assert response.status_code == 400
    assert response.json()["Message"].startswith("invalid_grant:")


def test_token_rejects_a_user_field_the_tenant_does_not_accept(url: str) -> None:
    configure(url, user_fields=["user_login"])

    response = request_token(url, {"grant_type": "client_credentials", "user_login_id": str(USER_ID)})

    assert response.status_code == 400
    assert response.json()["Message"].startswith("invalid_grant:")


def test_token_endpoint_answers_get_with_405(url: str) -> None:
    response = requests.get(f"{url}/AuthServer/api/Token", timeout=TIMEOUT)

    assert response.status_code == 405


def test_token_lifetime_is_configurable(url: str) -> None:
    configure(url, token_lifetime_seconds=120)

    response = request_token(url, {"grant_type": "client_credentials", "user_login_id": str(USER_ID)})

    assert response.json()["expires_in"] == 120


def test_expired_bearer_is_401(url: str, api: requests.Session) -> None:
    assert api.get(f"{url}/orders", timeout=TIMEOUT).status_code == 200

    requests.post(f"{url}/_sandbox/clock", json={"advance_seconds": 3601}, timeout=TIMEOUT)
    response = api.get(f"{url}/orders", timeout=TIMEOUT)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_missing_or_unknown_bearer_is_401(url: str) -> None:
    assert requests.get(f"{url}/orders", timeout=TIMEOUT).status_code == 401
    headers = {"Authorization": "Bearer not-a-token"}
    assert requests.get(f"{url}/orders", headers=headers, timeout=TIMEOUT).status_code == 401


def test_token_without_user_cannot_touch_orders(url: str) -> None:
    token = request_token(url, {"grant_type": "client_credentials"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/hal+json"}

    orders = requests.get(f"{url}/orders", headers=headers, timeout=TIMEOUT)
    stock = requests.get(f"{url}/inventory/stocksummaries", headers=headers, timeout=TIMEOUT)

    assert orders.status_code == 403
    assert orders.json()["$type"].startswith("WMS.V2.Generic.Models.Exceptions.AuthorizationException")
    assert stock.status_code == 200


# -- collections, paging, rql --------------------------------------------------------------


def test_orders_collection_is_hal_with_relative_next_link(url: str, api: requests.Session) -> None:
    for number in range(3):
        create_order(url, api, f"SHOP-{number}")

    first = api.get(f"{url}/orders", params={"pgsiz": 2, "rql": "referenceNum==SHOP-*"}, timeout=TIMEOUT)
    body = first.json()
    next_href = body["_links"]["next"]["href"]
    second = api.get(url + next_href, timeout=TIMEOUT).json()

    assert first.headers["Content-Type"].startswith("application/hal+json")
    assert body["totalResults"] == 3
    assert [o["referenceNum"] for o in body["_embedded"][REL_ORDER]] == ["SHOP-0", "SHOP-1"]
    assert next_href.startswith("/orders?")
    assert "pgnum=2" in next_href
    assert "prev" not in body["_links"]
    assert [o["referenceNum"] for o in second["_embedded"][REL_ORDER]] == ["SHOP-2"]
    assert second["_links"]["prev"]["href"].startswith("/orders?")
    assert "next" not in second["_links"]


def test_order_items_are_embedded_only_with_detail(url: str, api: requests.Session) -> None:
    order_id = create_order(url, api, "SHOP-1")["readOnly"]["orderId"]

    bare = get_order(url, api, order_id, detail="None").json()
    detailed = get_order(url, api, order_id, detail="OrderItems").json()

    assert "_embedded" not in bare
    assert "packages" not in bare["readOnly"]
    line = detailed["_embedded"][REL_ORDER_ITEM][0]
    assert line["itemIdentifier"]["sku"] == "TEE-RED-S"
    assert line["qty"] == 1.0


@pytest.mark.parametrize(
    ("path", "pgsiz"),
    [("/orders", 1001), ("/customers/12/items", 101), ("/inventory/stocksummaries", 501)],
)
def test_page_size_over_the_maximum_is_a_query_parameter_exception(
    url: str, api: requests.Session, path: str, pgsiz: int
) -> None:
    response = api.get(url + path, params={"pgsiz": pgsiz}, timeout=TIMEOUT)

    assert_query_exception(response, "pgsiz")


def test_items_default_page_size_is_ten(url: str, api: requests.Session) -> None:
    items = [{"sku": f"SKU-{n:02}"} for n in range(12)]
    requests.post(f"{url}/_sandbox/items", json=items, timeout=TIMEOUT).raise_for_status()

    body = api.get(f"{url}/customers/{CUSTOMER_ID}/items", timeout=TIMEOUT).json()

    assert body["totalResults"] == 15
    assert len(body["_embedded"]["http://api.3plCentral.com/rels/customers/item"]) == 10
    assert body["_links"]["next"]["href"].startswith(f"/customers/{CUSTOMER_ID}/items?")


def test_unknown_query_parameters_are_ignored(url: str, api: requests.Session) -> None:
    create_order(url, api, "SHOP-1")
    create_order(url, api, "SHOP-2", lines=[("MUG-01", 1)], facility_id=2)
    params = {"pgsize": 1, "customerid": 999, "facilityid": 1, "pg_siz": 1}

    response = api.get(f"{url}/orders", params=params, timeout=TIMEOUT)

    assert response.status_code == 200
    assert response.json()["totalResults"] == 2


def test_rql_last_modified_ge_returns_orders_changed_since(url: str, api: requests.Session) -> None:
    create_order(url, api, "OLD-1")
    requests.post(f"{url}/_sandbox/clock", json={"advance_seconds": 7200}, timeout=TIMEOUT)
    api.headers["Authorization"] = f"Bearer {token_for(url)}"
    recent = create_order(url, api, "NEW-1")
    since = recent["readOnly"]["lastModifiedDate"]

    rql = f"readOnly.lastModifiedDate=ge={since}"
    params = {"rql": rql, "sort": "readOnly.lastModifiedDate"}
    body = api.get(f"{url}/orders", params=params, timeout=TIMEOUT).json()

    assert NAIVE_DATE.match(since)
    assert [o["referenceNum"] for o in body["_embedded"][REL_ORDER]] == ["NEW-1"]


def test_rql_reference_num_equality(url: str, api: requests.Session) -> None:
    create_order(url, api, "SHOP-1")
    create_order(url, api, "SHOP-2")

    body = api.get(f"{url}/orders", params={"rql": "referencenum==shop-2"}, timeout=TIMEOUT).json()

    assert [o["referenceNum"] for o in body["_embedded"][REL_ORDER]] == ["SHOP-2"]


def test_rql_status_canceled_with_and_or(url: str, api: requests.Session) -> None:
    create_order(url, api, "KEEP-1")
    canceled = create_order(url, api, "GONE-1")["readOnly"]["orderId"]
    requests.post(f"{url}/_sandbox/orders/{canceled}/cancel", timeout=TIMEOUT).raise_for_status()

    by_status = api.get(f"{url}/orders", params={"rql": "READONLY.STATUS==2"}, timeout=TIMEOUT).json()
    either = api.get(
        f"{url}/orders",
        params={"rql": "readOnly.status==2,referenceNum==KEEP-1;readOnly.isClosed==false", "sort": "-referenceNum"},
        timeout=TIMEOUT,
    ).json()

    assert [o["readOnly"]["orderId"] for o in by_status["_embedded"][REL_ORDER]] == [canceled]
    assert [o["referenceNum"] for o in either["_embedded"][REL_ORDER]] == ["KEEP-1", "GONE-1"]


@pytest.mark.parametrize(
    "rql",
    ["gorp==1", "referenceNum=zz=1", "readOnly.status==", "readOnly.lastModifiedDate=ge=yesterday", "(referenceNum==1"],
)
def test_bad_rql_is_a_query_parameter_exception(url: str, api: requests.Session, rql: str) -> None:
    response = api.get(f"{url}/orders", params={"rql": rql}, timeout=TIMEOUT)

    assert_query_exception(response, "rql")


def test_unknown_rql_property_matches_the_documented_body(url: str, api: requests.Session) -> None:
    expected = json.loads((SAMPLES / "error-query-parameter-exception.json").read_text())

    response = api.get(f"{url}/orders", params={"rql": "gorp==1"}, timeout=TIMEOUT)

    assert response.json() == expected


def test_plain_json_accept_gets_pascal_case_resource_list(url: str, api: requests.Session) -> None:
    create_order(url, api, "SHOP-1")

    response = api.get(f"{url}/orders", headers={"Accept": "application/json"}, timeout=TIMEOUT)

    body = response.json()
    assert body["TotalResults"] == 1
    assert body["ResourceList"][0]["ReadOnly"]["OrderId"] > 0


# -- orders --------------------------------------------------------------------------------


def test_create_order_answers_201_with_etag_and_order_id(url: str, api: requests.Session) -> None:
    response = api.post(f"{url}/orders", json=order_body("SHOP-1"), timeout=TIMEOUT)

    body = response.json()
    order_id = body["readOnly"]["orderId"]
    fetched = get_order(url, api, order_id)
    assert response.status_code == 201
    assert response.headers["ETag"]
    assert response.headers["Location"] == f"/orders/{order_id}"
    assert body["readOnly"]["status"] == 0
    assert body["readOnly"]["isClosed"] is False
    assert NAIVE_DATE.match(body["readOnly"]["creationDate"])
    assert fetched.headers["ETag"] == response.headers["ETag"]


def test_order_dates_are_facility_local_without_offset(url: str, api: requests.Session) -> None:
    west = create_order(url, api, "WEST-1")["readOnly"]["creationDate"]
    east = create_order(url, api, "EAST-1", lines=[("MUG-01", 1)], facility_id=2)["readOnly"]["creationDate"]

    gap = datetime.fromisoformat(east) - datetime.fromisoformat(west)

    assert round(gap.total_seconds() / 3600) == 3


def test_duplicate_reference_num_is_model_validation_duplicate(url: str, api: requests.Session) -> None:
    create_order(url, api, "SHOP-1")

    response = api.post(f"{url}/orders", json=order_body("SHOP-1"), timeout=TIMEOUT)

    body = response.json()
    assert response.status_code == 400
    assert body["$type"].startswith("WMS.V2.Generic.Models.Exceptions.ModelValidationException")
    assert body["ErrorCode"] == "Duplicate"
    assert body["Properties"] == [{"Name": "ReferenceNum", "Value": "SHOP-1"}]


def test_unknown_sku_is_does_not_exist_naming_the_sku(url: str, api: requests.Session) -> None:
    response = api.post(f"{url}/orders", json=order_body("SHOP-1", lines=[("NOPE-9", 1)]), timeout=TIMEOUT)

    body = response.json()
    assert response.status_code == 400
    assert body["ErrorCode"] == "DoesNotExist"
    assert body["Properties"] == [{"Name": "Sku", "Value": "NOPE-9"}]
    assert "NOPE-9" in body["Hint"]


@pytest.mark.parametrize(
    ("change", "error_code"),
    [
        ({"facilityIdentifier": {"id": 77}}, "DoesNotExist"),
        ({"customerIdentifier": {"id": 77}}, "DoesNotExist"),
        ({"referenceNum": ""}, "Required"),
        ({"shipTo": None}, "Required"),
        ({"orderItems": []}, "Required"),
    ],
    ids=["facility", "customer", "referenceNum", "shipTo", "orderItems"],
)
def test_create_order_validates_required_and_known_identifiers(
    url: str, api: requests.Session, change: dict[str, Any], error_code: str
) -> None:
    response = api.post(f"{url}/orders", json=order_body("SHOP-1") | change, timeout=TIMEOUT)

    assert response.status_code == 400
    assert response.json()["ErrorCode"] == error_code


def test_put_order_needs_if_match_and_moves_last_modified(url: str, api: requests.Session) -> None:
    created = api.post(f"{url}/orders", json=order_body("SHOP-1"), timeout=TIMEOUT)
    order_id = created.json()["readOnly"]["orderId"]
    requests.post(f"{url}/_sandbox/clock", json={"advance_seconds": 60}, timeout=TIMEOUT)
    change = order_body("SHOP-1") | {"notes": "leave at door"}

    missing = api.put(f"{url}/orders/{order_id}", json=change, timeout=TIMEOUT)
    updated = api.put(
        f"{url}/orders/{order_id}", json=change, headers={"If-Match": created.headers["ETag"]}, timeout=TIMEOUT
    )

    assert missing.status_code == 428
    assert updated.status_code == 200
    assert updated.json()["notes"] == "leave at door"
    assert updated.headers["ETag"] != created.headers["ETag"]
    assert updated.json()["readOnly"]["lastModifiedDate"] > created.json()["readOnly"]["lastModifiedDate"]


def test_canceler_without_if_match_is_428(url: str, api: requests.Session) -> None:
    order_id = create_order(url, api, "SHOP-1")["readOnly"]["orderId"]

    response = api.post(f"{url}/orders/{order_id}/canceler", json={"reason": "buyer"}, timeout=TIMEOUT)

    assert response.status_code == 428


def test_canceler_with_stale_etag_is_412(url: str, api: requests.Session) -> None:
    created = api.post(f"{url}/orders", json=order_body("SHOP-1"), timeout=TIMEOUT)
    order_id = created.json()["readOnly"]["orderId"]
    api.put(
        f"{url}/orders/{order_id}",
        json=order_body("SHOP-1"),
        headers={"If-Match": created.headers["ETag"]},
        timeout=TIMEOUT,
    ).raise_for_status()

    response = api.post(
        f"{url}/orders/{order_id}/canceler",
        json={"reason": "buyer"},
        headers={"If-Match": created.headers["ETag"]},
        timeout=TIMEOUT,
    )

    assert response.status_code == 412
    assert response.json()["$type"].startswith("WMS.V2.Generic.Models.Exceptions.")


def test_canceler_cancels_an_open_order_and_frees_stock(url: str, api: requests.Session) -> None:
    order_id = create_order(url, api, "SHOP-1", lines=[("TEE-RED-S", 4)])["readOnly"]["orderId"]
    etag = get_order(url, api, order_id).headers["ETag"]
    headers = {"If-Match": f"W/{etag}"}

    response = api.post(f"{url}/orders/{order_id}/canceler", json={"reason": "buyer"}, headers=headers, timeout=TIMEOUT)

    order = get_order(url, api, order_id).json()
    assert response.status_code == 204
    assert response.content == b""
    assert order["readOnly"]["status"] == 2
    assert stock_row(url, api, "TEE-RED-S")["available"] == 50.0


def test_canceler_requires_a_reason(url: str, api: requests.Session) -> None:
    order_id = create_order(url, api, "SHOP-1")["readOnly"]["orderId"]
    headers = {"If-Match": get_order(url, api, order_id).headers["ETag"]}

    response = api.post(f"{url}/orders/{order_id}/canceler", json={}, headers=headers, timeout=TIMEOUT)

    assert response.status_code == 400
    assert response.json()["ErrorCode"] == "Required"


@pytest.mark.parametrize(("control", "error_code"), [("ship", "OrderConfirmed"), ("cancel", "OrderCanceled")])
def test_canceler_on_a_closed_order_is_403(url: str, api: requests.Session, control: str, error_code: str) -> None:
    order_id = create_order(url, api, "SHOP-1")["readOnly"]["orderId"]
    requests.post(f"{url}/_sandbox/orders/{order_id}/{control}", timeout=TIMEOUT).raise_for_status()
    headers = {"If-Match": get_order(url, api, order_id).headers["ETag"]}

    response = api.post(f"{url}/orders/{order_id}/canceler", json={"reason": "late"}, headers=headers, timeout=TIMEOUT)

    body = response.json()
    assert response.status_code == 403
    assert body["$type"].startswith("WMS.V2.Generic.Models.Exceptions.OperationException")
    assert body["ErrorCode"] == error_code


def test_confirmer_closes_the_order_with_tracking(url: str, api: requests.Session) -> None:
    order_id = create_order(url, api, "SHOP-1")["readOnly"]["orderId"]
    headers = {"If-Match": get_order(url, api, order_id).headers["ETag"]}

    response = api.post(
        f"{url}/orders/{order_id}/confirmer", json={"trackingNumber": "PRO-1"}, headers=headers, timeout=TIMEOUT
    )

    order = get_order(url, api, order_id).json()
    assert response.status_code == 204
    assert order["readOnly"]["status"] == 1
    assert order["readOnly"]["isClosed"] is True
    assert order["routingInfo"]["trackingNumber"] == "PRO-1"


# -- the warehouse at work -----------------------------------------------------------------


def test_warehouse_ships_a_split_order_with_tracking_per_package(url: str, api: requests.Session) -> None:
    configure(url, ship_after_seconds=0, split_ratio=1.0)
    lines = [("TEE-RED-S", 2), ("TEE-BLUE-M", 1)]
    order_id = create_order(url, api, "SHOP-1", lines=lines)["readOnly"]["orderId"]

    wait_for(lambda: get_order(url, api, order_id).json()["readOnly"]["status"] == 1)
    order = get_order(url, api, order_id, detail="OrderItems,Packages").json()
    tracking = api.get(f"{url}/orders/shipmentstrackinginfo", timeout=TIMEOUT).json()

    read_only = order["readOnly"]
    packages = read_only["packages"]
    line_ids = {line["readOnly"]["orderItemId"] for line in order["_embedded"][REL_ORDER_ITEM]}
    packed = {content["orderItemId"] for package in packages for content in package["packageContents"]}
    assert read_only["isClosed"] is True
    assert NAIVE_DATE.match(read_only["processDate"])
    assert order["routingInfo"]["carrier"] in {"UPS", "USPS", "FedEx", "OnTrac"}
    assert len(packages) == 2
    assert len({package["trackingNumber"] for package in packages}) == 2
    assert packed == line_ids
    assert sum(c["qty"] for p in packages for c in p["packageContents"]) == 3.0
    assert tracking["totalResults"] == 2


def test_packages_resource_embeds_package_contents(url: str, api: requests.Session) -> None:
    order_id = create_order(url, api, "SHOP-1", lines=[("TEE-RED-S", 2)])["readOnly"]["orderId"]
    requests.post(f"{url}/_sandbox/orders/{order_id}/ship", json={"split": True}, timeout=TIMEOUT)

    body = api.get(f"{url}/orders/{order_id}/packages", timeout=TIMEOUT).json()

    packages = body["_embedded"]["http://api.3plCentral.com/rels/orders/package"]
    contents = [p["_embedded"]["http://api.3plCentral.com/rels/orders/packagecontent"] for p in packages]
    assert [[c["qty"] for c in group] for group in contents] == [[1.0], [1.0]]


def test_control_ship_honours_given_packages_and_carrier(url: str, api: requests.Session) -> None:
    order_id = create_order(url, api, "SHOP-1", lines=[("TEE-RED-S", 2)])["readOnly"]["orderId"]
    packages = [[{"sku": "TEE-RED-S", "qty": 1}], [{"sku": "TEE-RED-S", "qty": 1}]]

    response = requests.post(
        f"{url}/_sandbox/orders/{order_id}/ship", json={"packages": packages, "carrier": "FedEx"}, timeout=TIMEOUT
    )

    order = response.json()["order"]
    assert order["routingInfo"]["carrier"] == "FedEx"
    assert all(re.fullmatch(r"\d{12}", p["trackingNumber"]) for p in order["readOnly"]["packages"])


def test_warehouse_cancels_with_cancel_ratio(url: str, api: requests.Session) -> None:
    configure(url, ship_after_seconds=0, cancel_ratio=1.0)
    order_id = create_order(url, api, "SHOP-1")["readOnly"]["orderId"]

    wait_for(lambda: get_order(url, api, order_id).json()["readOnly"]["status"] == 2)


def test_ship_lowers_on_hand_and_allocation_lowers_available(url: str, api: requests.Session) -> None:
    order_id = create_order(url, api, "SHOP-1", lines=[("TEE-RED-S", 3)])["readOnly"]["orderId"]
    after_create = stock_row(url, api, "TEE-RED-S")

    requests.post(f"{url}/_sandbox/orders/{order_id}/ship", timeout=TIMEOUT).raise_for_status()
    after_ship = stock_row(url, api, "TEE-RED-S")

    assert (after_create["onHand"], after_create["available"], after_create["allocated"]) == (50.0, 47.0, 3.0)
    # NOTE: reference/extensiv.md §4.1 [H]: allocated keeps counting shipped units.
    assert (after_ship["onHand"], after_ship["available"], after_ship["allocated"]) == (47.0, 47.0, 3.0)
    assert after_ship["totalReceived"] == 50.0


def test_order_without_stock_waits_until_stock_arrives(url: str, api: requests.Session) -> None:
    configure(url, ship_after_seconds=0)
    order_id = create_order(url, api, "SHOP-1", lines=[("TEE-BLUE-M", 25)])["readOnly"]["orderId"]
    time.sleep(0.1)
    assert get_order(url, api, order_id).json()["readOnly"]["fullyAllocated"] is False

    requests.post(f"{url}/_sandbox/stock", json={"sku": "TEE-BLUE-M", "facilityId": 1, "onHand": 30}, timeout=5)

    wait_for(lambda: get_order(url, api, order_id).json()["readOnly"]["status"] == 1)


def test_stock_drift_changes_one_sku(url: str, api: requests.Session) -> None:
    before = api.get(f"{url}/inventory/stocksummaries", timeout=TIMEOUT).json()["summaries"]
    configure(url, stock_drift_every_seconds=60)

    requests.post(f"{url}/_sandbox/clock", json={"advance_seconds": 61}, timeout=TIMEOUT)
    requests.post(f"{url}/_sandbox/tick", timeout=TIMEOUT)
    after = api.get(f"{url}/inventory/stocksummaries", timeout=TIMEOUT).json()["summaries"]

    changed = [b["itemIdentifier"]["sku"] for b, a in zip(before, after, strict=True) if b["onHand"] != a["onHand"]]
    assert len(changed) == 1


# -- receivers -----------------------------------------------------------------------------


def receiver_body(reference_num: str, lines: list[tuple[str, float]], is_return: bool = False):
    return {
        "customerIdentifier": {"id": CUSTOMER_ID},
        "facilityIdentifier": {"id": 1},
        "referenceNum": reference_num,
        "isReturn": is_return,
        "receiveItems": [{"itemIdentifier": {"sku": sku}, "qty": qty} for sku, qty in lines],
    }


def test_receivers_filter_returns_with_receivertype_1(url: str, api: requests.Session) -> None:
    api.post(f"{url}/inventory/receivers", json=receiver_body("PO-1", [("TEE-RED-S", 10)]), timeout=TIMEOUT)
    created = api.post(
        f"{url}/inventory/receivers",
        json=receiver_body("RMA-1", [("TEE-RED-S", 1)], is_return=True),
        timeout=TIMEOUT,
    )

    returns = api.get(f"{url}/inventory/receivers", params={"receivertype": 1}, timeout=TIMEOUT).json()
    everything = api.get(f"{url}/inventory/receivers", timeout=TIMEOUT).json()

    assert created.status_code == 201
    assert created.headers["ETag"]
    assert [r["referenceNum"] for r in returns["_embedded"][REL_RECEIVER]] == ["RMA-1"]
    assert returns["_embedded"][REL_RECEIVER][0]["readOnly"]["receiverType"] == 1
    assert everything["totalResults"] == 2


def test_warehouse_receives_with_shortfall_and_stock_rises(url: str, api: requests.Session) -> None:
    configure(url, receive_after_seconds=0, receipt_shortfall=1)
    body = receiver_body("PO-1", [("TEE-RED-S", 10), ("TEE-BLUE-M", 10)])
    receiver_id = api.post(f"{url}/inventory/receivers", json=body, timeout=TIMEOUT).json()["readOnly"]["receiverId"]

    def received() -> dict[str, Any]:
        path = f"{url}/inventory/receivers/{receiver_id}"
        return api.get(path, params={"detail": "ReceiveItems"}, timeout=TIMEOUT).json()

    wait_for(lambda: received()["readOnly"]["status"] == 1)
    lines = received()["_embedded"]["http://api.3plCentral.com/rels/inventory/receiveritem"]

    assert sorted(line["qty"] for line in lines) == [9.0, 10.0]
    red = next(line["qty"] for line in lines if line["itemIdentifier"]["sku"] == "TEE-RED-S")
    assert stock_row(url, api, "TEE-RED-S")["onHand"] == 50.0 + red
    assert NAIVE_DATE.match(received()["arrivalDate"])


def test_receiver_confirmer_puts_stock_on_hand(url: str, api: requests.Session) -> None:
    created = api.post(f"{url}/inventory/receivers", json=receiver_body("PO-1", [("MUG-01", 4)]), timeout=TIMEOUT)
    receiver_id = created.json()["readOnly"]["receiverId"]
    # The receiver is for facility 1, where MUG-01 has no stock yet.
    headers = {"If-Match": created.headers["ETag"]}

    confirmer = f"{url}/inventory/receivers/{receiver_id}/confirmer"
    response = api.post(confirmer, json={}, headers=headers, timeout=TIMEOUT)

    assert response.status_code == 204
    assert stock_row(url, api, "MUG-01", facility_id=1)["onHand"] == 4.0


def test_bad_receivertype_is_a_query_parameter_exception(url: str, api: requests.Session) -> None:
    response = api.get(f"{url}/inventory/receivers", params={"receivertype": 9}, timeout=TIMEOUT)

    assert_query_exception(response, "receivertype")


# -- catalog and properties ----------------------------------------------------------------


def test_facility_has_etag_and_time_zone(url: str, api: requests.Session) -> None:
    response = api.get(f"{url}/properties/facilities/2", timeout=TIMEOUT)
    listing = api.get(f"{url}/properties/facilities", timeout=TIMEOUT).json()

    assert response.headers["ETag"]
    assert response.json()["timeZoneName"] == "Eastern Standard Time"
    assert listing["totalResults"] == 2
    assert "http://api.3plCentral.com/rels/properties/facility" in listing["_embedded"]


def test_create_item_then_duplicate_sku(url: str, api: requests.Session) -> None:
    item = {"sku": "NEW-1", "description": "New", "options": {"inventoryUnit": {"unitIdentifier": {"name": "Each"}}}}
    path = f"{url}/customers/{CUSTOMER_ID}/items"

    created = api.post(path, json=item, timeout=TIMEOUT)
    duplicate = api.post(path, json=item, timeout=TIMEOUT)
    by_sku = api.get(path, params={"rql": "sku==NEW-1"}, timeout=TIMEOUT).json()

    assert created.status_code == 201
    assert created.headers["ETag"]
    assert duplicate.json()["ErrorCode"] == "Duplicate"
    assert by_sku["totalResults"] == 1


# -- faults and limits ---------------------------------------------------------------------


def test_injected_fault_answers_once_then_recovers(url: str, api: requests.Session) -> None:
    fault = {"match": "^/orders$", "status": 503, "count": 1, "method": "GET"}
    requests.post(f"{url}/_sandbox/faults", json=fault, timeout=TIMEOUT).raise_for_status()

    first = api.get(f"{url}/orders", params={"pgsiz": 5}, timeout=TIMEOUT)
    second = api.get(f"{url}/orders", timeout=TIMEOUT)
    sent = requests.get(f"{url}/_sandbox/requests", timeout=TIMEOUT).json()["requests"]

    assert first.status_code == 503
    assert second.status_code == 200
    assert sent[-2]["query"] == {"pgsiz": "5"}
    assert sent[-2]["headers"]["accept"] == "application/hal+json"


def test_injected_reset_drops_the_connection(url: str, api: requests.Session) -> None:
    fault = {"match": "^/orders$", "kind": "reset"}
    requests.post(f"{url}/_sandbox/faults", json=fault, timeout=TIMEOUT).raise_for_status()

    with pytest.raises(requests.ConnectionError):
        api.get(f"{url}/orders", timeout=TIMEOUT)


def test_optional_rate_limit_answers_429_with_retry_after(url: str, api: requests.Session) -> None:
    configure(url, rate_limit_per_second=1, rate_limit_burst=2)

    statuses = [api.get(f"{url}/orders", timeout=TIMEOUT) for _ in range(3)]

    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert int(statuses[-1].headers["Retry-After"]) >= 1


# -- conformance with the documented samples -----------------------------------------------


def json_shape(node: Any) -> Any:
    """Keys and JSON types of a document (lists by their first element)."""
    if isinstance(node, dict):
        return {key: json_shape(value) for key, value in node.items()}
    if isinstance(node, list):
        return [json_shape(node[0])] if node else []
    if isinstance(node, bool):
        return "boolean"
    if isinstance(node, int | float):
        return "number"
    return type(node).__name__


def test_stock_summaries_body_matches_the_documented_sample(url: str, api: requests.Session) -> None:
    sample = json.loads((SAMPLES / "stock-summaries.response.json").read_text())

    body = api.get(
        f"{url}/inventory/stocksummaries", params={"orderednotallocated": "true", "pgsiz": 1}, timeout=TIMEOUT
    ).json()

    assert json_shape(body["summaries"]) == json_shape(sample["summaries"])
    assert isinstance(body["totalResults"], int)
    assert "_embedded" not in body


def test_order_summaries_body_matches_the_documented_sample(url: str, api: requests.Session) -> None:
    sample = json.loads((SAMPLES / "order-summaries.hal.json").read_text())
    create_order(url, api, "SHOP-1")

    body = api.get(f"{url}/orders/summaries", timeout=TIMEOUT).json()

    assert json_shape(body) == json_shape(sample)
