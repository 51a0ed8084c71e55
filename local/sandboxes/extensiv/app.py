"""Routes of the Extensiv 3PL Warehouse Manager sandbox, and its `/_sandbox` control API.

The API half follows /work/shared/reference/extensiv.md: OAuth client credentials at
`/AuthServer/api/Token`, bearer tokens, HAL or plain JSON by `Accept`, 1-indexed paging with
per-resource maximums, rql filters, ETag and If-Match. Query parameter names are matched
case-insensitively and unknown ones are ignored, as on the real API.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import logging
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, Response, g, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ..harness import FaultInjector, RequestLog, install_harness
from . import render
from .config import SandboxConfig
from .errors import ExtensivError, NotFoundError, QueryParameterError, UnauthorizedError
from .rql import Schema, compile_filter, compile_sort
from .state import SandboxConflict, StockRecord, WarehouseState, etag_for

logger = logging.getLogger(__name__)

HAL_JSON = "application/hal+json; charset=utf-8"
PLAIN_JSON = "application/json; charset=utf-8"
CUSTOMER_ROW_VERSION = 1

# NOTE: reference/extensiv.md §8.4 [H] (orders, trackinginfo, stocksummaries, receivers,
# items) and [M] (/inventory, /customers). Facilities and /orders/summaries are not given;
# the sandbox allows the orders maximum there.
PAGE_LIMITS = {
    "orders": (1000, 100),
    "summaries": (1000, 100),
    "tracking": (4000, 100),
    "stocksummaries": (500, 100),
    "inventory": (1000, 100),
    "receivers": (500, 100),
    "items": (100, 10),
    "customers": (100, 20),
    "facilities": (1000, 100),
}


def _args() -> dict[str, str]:
    return {key.lower(): value for key, value in request.args.items()}


def _wants_hal() -> bool:
    return "hal+json" in request.headers.get("Accept", "").lower()


def _json_response(payload: Any, status: int = 200, etag: str | None = None) -> Response:
    if _wants_hal():
        body, content_type = payload, HAL_JSON
    else:
        body, content_type = render.to_plain(payload), PLAIN_JSON
    response = Response(json.dumps(body), status=status, content_type=content_type)
    if etag:
        response.headers["ETag"] = etag
    return response


def _body() -> Any:
    return request.get_json(force=True, silent=True)


def _page(kind: str, args: dict[str, str], count_only_allowed: bool = False) -> tuple[int, int]:
    maximum, default = PAGE_LIMITS[kind]
    size = _positive_int(args, "pgsiz", default, minimum=1)
    number = _positive_int(args, "pgnum", 1, minimum=0 if count_only_allowed else 1)
    if size > maximum:
        # NOTE: reference/extensiv.md §8.4 [H]: over the maximum is an error, not a clamp;
        # the error code is not documented [L].
        hint = f"pgsiz must be between 1 and {maximum}"
        raise QueryParameterError(["pgsiz"], "NotParsable", hint)
    return size, number


def _positive_int(args: dict[str, str], name: str, default: int, minimum: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryParameterError([name], "NotParsable", f"Value not parsable: {raw}") from None
    if value < minimum:
        raise QueryParameterError([name], "NotParsable", f"{name} must be at least {minimum}")
    return value


def _flags(args: dict[str, str], name: str, allowed: set[str]) -> frozenset[str]:
    raw = args.get(name) or ""
    values = {value.strip().lower() for value in raw.split(",") if value.strip()}
    unknown = values - allowed
    if unknown:
        hint = "Value not supported: " + ", ".join(sorted(unknown))
        raise QueryParameterError([name], "NotParsable", hint)
    return frozenset(values - {"none"})


def _bool_arg(args: dict[str, str], name: str) -> bool:
    raw = (args.get(name) or "false").lower()
    if raw not in ("true", "false"):
        raise QueryParameterError([name], "NotParsable", f"Value not parsable: {raw}")
    return raw == "true"


def _collection(
    path: str,
    key: str | None,
    rows: list[dict[str, Any]],
    page: tuple[int, int],
    args: dict[str, str],
    link_params: tuple[str, ...],
) -> dict[str, Any]:
    """One page of a collection with relative `_links.next`/`prev` (§8.4 [H])."""
    size, number = page
    total = len(rows)
    payload: dict[str, Any] = {"totalResults": total}
    if number == 0:
        return payload
    start = (number - 1) * size
    page_rows = rows[start : start + size]
    if key is None:
        payload["summaries"] = page_rows
    elif page_rows:
        # NOTE: reference/extensiv.md §1.2 [L]: whether an empty page carries an empty
        # `_embedded` is not documented; the sandbox leaves it out, so clients must cope.
        payload["_embedded"] = {key: page_rows}

    def href(page_number: int) -> str:
        params = [(name, args[name]) for name in link_params if args.get(name)]
        params += [("pgsiz", str(size)), ("pgnum", str(page_number))]
        return f"{path}?{urlencode(params, quote_via=quote)}"

    links = {}
    if start + size < total:
        links["next"] = {"href": href(number + 1)}
    if number > 1:
        links["prev"] = {"href": href(number - 1)}
    if links:
        payload["_links"] = links
    return payload


def _filtered(
    pairs: list[tuple[Any, dict[str, Any]]], schema: Schema, args: dict[str, str], sortable: bool = True
) -> list[Any]:
    """Apply rql then sort to (record, full row) pairs; both are validated before rows are read."""
    predicate = compile_filter(args.get("rql"), schema)
    sorter = compile_sort(args.get("sort") if sortable else None, schema)
    kept = [(record, row) for record, row in pairs if predicate(row)]
    by_row = {id(row): record for record, row in kept}
    return [by_row[id(row)] for row in sorter([row for _, row in kept])]


@functools.cache
def _schemas() -> dict[str, Schema]:
    """Schemas from fully filled prototypes, built once on a scratch state."""
    scratch = WarehouseState(SandboxConfig(seed=1))
    scratch.set_stock({"sku": "PROTO", "facilityId": 1, "onHand": 10, "onHold": 1})
    body = {
        "customerIdentifier": {"id": scratch.config.customer_id},
        "facilityIdentifier": {"id": 1},
        "referenceNum": "PROTO-1",
        "description": "d",
        "poNum": "p",
        "externalId": "e",
        "earliestShipDate": "2024-01-01T00:00:00",
        "shipCancelDate": "2024-01-02T00:00:00",
        "notes": "n",
        "shippingNotes": "n",
        "billingCode": "Prepaid",
        "asnNumber": "a",
        "invoiceNumber": "i",
        "routingInfo": dict.fromkeys(("carrier", "mode", "scacCode", "account", "shipPointZip"), "x"),
        "shipTo": {"name": "n", "address1": "a", "city": "c", "state": "s", "zip": "z", "country": "US"},
        "orderItems": [{"itemIdentifier": {"sku": "PROTO"}, "qty": 1, "externalId": "x", "notes": "n"}],
    }
    order = scratch.create_order(body)
    scratch.ship_order(order.order_id)
    receiver = scratch.create_receiver(
        {
            "customerIdentifier": {"id": scratch.config.customer_id},
            "facilityIdentifier": {"id": 1},
            "referenceNum": "PROTO-R",
            "poNum": "p",
            "externalId": "e",
            "expectedDate": "2024-01-01T00:00:00",
            "receiveItems": [{"itemIdentifier": {"sku": "PROTO"}, "qty": 1}],
        }
    )
    scratch.receive(receiver.receiver_id)
    record = scratch.peek_stock("PROTO", 1)
    item = scratch.item_by_sku("PROTO")
    item.fields.update({"upc": "u", "description2": "d", "inventoryCategory": "c", "cost": 1.0, "price": 1.0})
    return {
        "orders": Schema(render.render_order(scratch, order, render.FULL_ORDER_DETAIL, render.FULL_ITEM_DETAIL)),
        "summaries": Schema(render.render_order_summary(scratch, order)),
        "tracking": Schema(render.render_tracking_rows(scratch, order)[0]),
        "stocksummaries": Schema(render.render_stock_summary(scratch, record, True)),
        "inventory": Schema(render.render_inventory_row(scratch, record)),
        "receivers": Schema(render.render_receiver(scratch, receiver, {"all"}, {"all"})),
        "items": Schema(render.render_item(scratch, item)),
        "facilities": Schema(render.render_facility(scratch, scratch.facilities[1])),
    }


def create_app(
    state: WarehouseState | None = None,
    config: SandboxConfig | dict[str, Any] | None = None,
    seed_data: dict[str, Any] | None = None,
) -> Flask:
    """Build the sandbox app; pass a `WarehouseState` to share it with a ticker or a test."""
    if state is None:
        if isinstance(config, dict):
            config = SandboxConfig.model_validate(config)
        state = WarehouseState(config, seed_data)
    app = Flask(__name__)
    # The harness's "reset" fault raises ConnectionAbortedError; it must reach the server
    # so the connection drops instead of turning into a 500.
    app.config["PROPAGATE_EXCEPTIONS"] = True
    faults, log = FaultInjector(), RequestLog()
    install_harness(app, faults, log)
    app.extensions["extensiv_sandbox"] = {"state": state, "faults": faults, "log": log}
    _register_errors(app)
    _register_auth(app, state)
    _register_orders(app, state)
    _register_inventory(app, state)
    _register_catalog(app, state)
    _register_receivers(app, state)
    _register_control(app, state, faults, log)
    return app


def _register_errors(app: Flask) -> None:
    @app.errorhandler(ExtensivError)
    def _extensiv_error(error: ExtensivError) -> Response:
        body = error.body()
        if body is None:
            response = Response("", status=error.status)
        elif isinstance(body, str):
            response = Response(body, status=error.status, content_type="text/plain; charset=utf-8")
        else:
            response = Response(json.dumps(body), status=error.status, content_type=PLAIN_JSON)
        response.headers.update(error.headers())
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        # ASP.NET Web API's own messages for unmatched routes and verbs.
        if isinstance(error, MethodNotAllowed):
            message = f"The requested resource does not support http method '{request.method}'."
        elif isinstance(error, NotFound):
            message = f"No HTTP resource was found that matches the request URI '{request.path}'."
        else:
            message = error.description or error.name
        response = Response(json.dumps({"Message": message}), status=error.code or 500, content_type=PLAIN_JSON)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if isinstance(error, ConnectionError):
            _drop_connection()
            raise error
        logger.exception("sandbox request failed", extra={"path": request.path})
        # NOTE: reference/extensiv.md §8.1 [H]: a 500 carries a plain-text body.
        return Response("An error has occurred.", status=500, content_type="text/plain; charset=utf-8")


def _drop_connection() -> None:
    """Shut the client socket so the harness's "reset" fault reads as a dropped connection.

    Werkzeug only logs a ConnectionError raised by the app and then waits for the next
    request on the kept-alive socket, which a client would see as a hang, not a reset.
    """
    connection = request.environ.get("werkzeug.socket")
    if connection is None:
        return
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


def _register_auth(app: Flask, state: WarehouseState) -> None:
    @app.before_request
    def _authenticate() -> None:
        if request.path.startswith("/_sandbox"):
            return
        state.take_rate_limit()
        if request.routing_exception is not None or request.path.lower().startswith("/authserver/"):
            return
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = state.token_for(value.strip()) if scheme.lower() == "bearer" and value.strip() else None
        if token is None:
            raise UnauthorizedError()
        g.token = token

    @app.post("/AuthServer/api/Token")
    def _token() -> Response:
        client_id, client_secret = _basic_credentials()
        result = state.issue_token(client_id, client_secret, _body())
        return Response(json.dumps(result), status=200, content_type=PLAIN_JSON)


def _basic_credentials() -> tuple[str | None, str | None]:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None, None
    client_id, separator, client_secret = decoded.partition(":")
    return (client_id, client_secret) if separator else (None, None)


def _require_user(state: WarehouseState) -> None:
    state.require_user(g.token)


def _register_orders(app: Flask, state: WarehouseState) -> None:
    order_links = ("rql", "sort", "detail", "itemdetail", "markforlistid", "skulist", "skucontains")

    def details(args: dict[str, str]) -> tuple[frozenset[str], frozenset[str]]:
        detail = _flags(args, "detail", render.ORDER_DETAILS)
        item_detail = _flags(args, "itemdetail", render.ORDER_ITEM_DETAILS)
        # NOTE: reference/extensiv.md §8.5 [H]: itemdetail is ignored without OrderItems.
        if not detail & {"orderitems", "all"}:
            item_detail = frozenset()
        return detail, item_detail

    @app.get("/orders")
    def _list_orders() -> Response:
        _require_user(state)
        args = _args()
        page = _page("orders", args)
        detail, item_detail = details(args)
        skus = {sku.strip().lower() for sku in (args.get("skulist") or "").split(",") if sku.strip()}
        contains = (args.get("skucontains") or "").lower()
        with state.lock:
            orders = sorted(state.orders.values(), key=lambda order: order.order_id)
            if skus:
                orders = [o for o in orders if any(line.sku.lower() in skus for line in o.lines)]
            if contains:
                orders = [o for o in orders if any(contains in line.sku.lower() for line in o.lines)]
            pairs = [
                (o, render.render_order(state, o, render.FULL_ORDER_DETAIL, render.FULL_ITEM_DETAIL)) for o in orders
            ]
            selected = _filtered(pairs, _schemas()["orders"], args)
            rows = [render.render_order(state, o, detail, item_detail) for o in selected]
        return _json_response(_collection("/orders", render.REL_ORDER, rows, page, args, order_links))

    @app.post("/orders")
    def _create_order() -> Response:
        _require_user(state)
        with state.lock:
            order = state.create_order(_body())
            # NOTE: reference/extensiv.md §3.1 [M]: 201 with the created order and an ETag;
            # which details the body carries is not documented, the sandbox includes the lines.
            payload = render.render_order(state, order, {"orderitems"})
            etag = etag_for(order.row_version)
        response = _json_response(payload, status=201, etag=etag)
        response.headers["Location"] = f"/orders/{order.order_id}"
        return response

    @app.get("/orders/<int:order_id>")
    def _get_order(order_id: int) -> Response:
        _require_user(state)
        detail, item_detail = details(_args())
        with state.lock:
            order = state.get_order(order_id)
            payload = render.render_order(state, order, detail, item_detail)
            etag = etag_for(order.row_version)
        return _json_response(payload, etag=etag)

    @app.put("/orders/<int:order_id>")
    def _update_order(order_id: int) -> Response:
        _require_user(state)
        detail, item_detail = details(_args())
        replace_lines = bool(detail & {"orderitems", "all"})
        with state.lock:
            order = state.update_order(order_id, request.headers.get("If-Match"), _body(), replace_lines)
            payload = render.render_order(state, order, detail, item_detail)
            etag = etag_for(order.row_version)
        return _json_response(payload, etag=etag)

    @app.post("/orders/<int:order_id>/canceler")
    def _cancel_order(order_id: int) -> Response:
        _require_user(state)
        state.cancel_order(order_id, request.headers.get("If-Match"), _body())
        return Response(status=204)

    @app.post("/orders/<int:order_id>/confirmer")
    def _confirm_order(order_id: int) -> Response:
        _require_user(state)
        state.confirm_order(order_id, request.headers.get("If-Match"), _body())
        return Response(status=204)

    @app.get("/orders/<int:order_id>/packages")
    def _order_packages(order_id: int) -> Response:
        _require_user(state)
        with state.lock:
            order = state.get_order(order_id)
            packages = [render.render_package(state, order, p, embedded=True) for p in order.packages]
        payload: dict[str, Any] = {"_embedded": {render.REL_PACKAGE: packages}}
        payload["_links"] = {"self": {"href": f"/orders/{order_id}/packages"}}
        return _json_response(payload)

    @app.get("/orders/shipmentstrackinginfo")
    def _tracking_info() -> Response:
        _require_user(state)
        args = _args()
        page = _page("tracking", args, count_only_allowed=True)
        with state.lock:
            rows = [
                row
                for order in sorted(state.orders.values(), key=lambda o: o.order_id)
                for row in render.render_tracking_rows(state, order)
            ]
        rows = _filtered([(row, row) for row in rows], _schemas()["tracking"], args)
        # NOTE: reference/extensiv.md §3.4 [H] gives the row fields but not the _embedded
        # key; the sandbox uses the bare `item` of the other newer list rels (§8.7).
        return _json_response(_collection("/orders/shipmentstrackinginfo", "item", rows, page, args, ("rql", "sort")))

    @app.get("/orders/summaries")
    def _order_summaries() -> Response:
        _require_user(state)
        args = _args()
        page = _page("summaries", args)
        contains = args.get("orderidcontains") or ""
        with state.lock:
            orders = sorted(state.orders.values(), key=lambda o: o.order_id)
            pairs = [(o, render.render_order_summary(state, o)) for o in orders if contains in str(o.order_id)]
        rows = _filtered([(row, row) for _, row in pairs], _schemas()["summaries"], args)
        links = ("rql", "sort", "orderidcontains", "receiverid")
        return _json_response(_collection("/orders/summaries", "item", rows, page, args, links))


def _register_inventory(app: Flask, state: WarehouseState) -> None:
    def visible(record: StockRecord) -> bool:
        # A SKU never received in a facility has no row there, as on the real API.
        return record.total_received > 0 or record.on_hand > 0 or record.allocated > 0

    @app.get("/inventory/stocksummaries")
    def _stock_summaries() -> Response:
        args = _args()
        page = _page("stocksummaries", args)
        with_ordered = _bool_arg(args, "orderednotallocated")
        with state.lock:
            records = sorted(state.stock.values(), key=lambda r: (r.facility_id, r.sku.lower()))
            rows = [render.render_stock_summary(state, r, with_ordered) for r in records if visible(r)]
        # NOTE: reference/extensiv.md §4.1 [H]: no sort parameter here (ignored as unknown).
        rows = _filtered([(row, row) for row in rows], _schemas()["stocksummaries"], args, sortable=False)
        links = ("rql", "orderednotallocated")
        return _json_response(_collection("/inventory/stocksummaries", None, rows, page, args, links))

    @app.get("/inventory")
    def _inventory() -> Response:
        args = _args()
        page = _page("inventory", args)
        with state.lock:
            records = sorted(state.stock.values(), key=lambda r: r.receive_item_id)
            rows = [render.render_inventory_row(state, r) for r in records if visible(r)]
        rows = _filtered([(row, row) for row in rows], _schemas()["inventory"], args)
        return _json_response(_collection("/inventory", "item", rows, page, args, ("rql", "sort")))


def _register_catalog(app: Flask, state: WarehouseState) -> None:
    def require_customer(customer_id: int) -> None:
        if customer_id != state.config.customer_id:
            raise NotFoundError()

    @app.get("/customers")
    def _customers() -> Response:
        args = _args()
        page = _page("customers", args)
        with state.lock:
            rows = [render.render_customer(state)]
        return _json_response(_collection("/customers", render.REL_CUSTOMER, rows, page, args, ("rql", "sort")))

    @app.get("/customers/<int:customer_id>")
    def _customer(customer_id: int) -> Response:
        require_customer(customer_id)
        with state.lock:
            payload = render.render_customer(state)
        return _json_response(payload, etag=etag_for(CUSTOMER_ROW_VERSION))

    @app.get("/customers/<int:customer_id>/items")
    def _items(customer_id: int) -> Response:
        require_customer(customer_id)
        args = _args()
        page = _page("items", args)
        with state.lock:
            items = sorted(state.items.values(), key=lambda i: i.item_id)
            rows = [render.render_item(state, item) for item in items]
        selected = _filtered([(row, row) for row in rows], _schemas()["items"], args)
        path = f"/customers/{customer_id}/items"
        links = ("rql", "sort", "classificationhead", "kitinclusion", "storagerateinclusion")
        return _json_response(_collection(path, render.REL_ITEM, selected, page, args, links))

    @app.post("/customers/<int:customer_id>/items")
    def _create_item(customer_id: int) -> Response:
        require_customer(customer_id)
        with state.lock:
            item = state.create_item(_body())
            payload = render.render_item(state, item)
            etag = etag_for(item.row_version)
        response = _json_response(payload, status=201, etag=etag)
        response.headers["Location"] = f"/customers/{customer_id}/items/{item.item_id}"
        return response

    @app.get("/customers/<int:customer_id>/items/<int:item_id>")
    def _item(customer_id: int, item_id: int) -> Response:
        require_customer(customer_id)
        with state.lock:
            item = state.items.get(item_id)
            if item is None:
                raise NotFoundError()
            payload = render.render_item(state, item)
            etag = etag_for(item.row_version)
        return _json_response(payload, etag=etag)

    @app.put("/customers/<int:customer_id>/items/<int:item_id>")
    def _update_item(customer_id: int, item_id: int) -> Response:
        require_customer(customer_id)
        with state.lock:
            item = state.update_item(item_id, request.headers.get("If-Match"), _body())
            payload = render.render_item(state, item)
            etag = etag_for(item.row_version)
        return _json_response(payload, etag=etag)

    @app.get("/properties/facilities")
    def _facilities() -> Response:
        args = _args()
        page = _page("facilities", args)
        with state.lock:
            facilities = sorted(state.facilities.values(), key=lambda f: f.facility_id)
            rows = [render.render_facility(state, f) for f in facilities]
        rows = _filtered([(row, row) for row in rows], _schemas()["facilities"], args)
        path = "/properties/facilities"
        return _json_response(_collection(path, render.REL_FACILITY, rows, page, args, ("rql", "sort")))

    @app.get("/properties/facilities/<int:facility_id>")
    def _facility(facility_id: int) -> Response:
        with state.lock:
            facility = state.facilities.get(facility_id)
            if facility is None:
                raise NotFoundError()
            payload = render.render_facility(state, facility)
            etag = etag_for(facility.row_version)
        return _json_response(payload, etag=etag)


RECEIVER_TYPES = {"0", "1", "2", "3", "4"}


def _register_receivers(app: Flask, state: WarehouseState) -> None:
    receiver_links = ("rql", "sort", "detail", "itemdetail", "purchaseorderid", "receivertype")

    def details(args: dict[str, str]) -> tuple[frozenset[str], frozenset[str]]:
        detail = _flags(args, "detail", render.RECEIVER_DETAILS)
        item_detail = _flags(args, "itemdetail", render.RECEIVER_ITEM_DETAILS)
        return detail, item_detail

    def of_type(receiver_type: str | None) -> Callable[[Any], bool]:
        # NOTE: reference/extensiv.md §7.1 [H]: 0 Normal, 1 Return, 2 ReceiveAgainst,
        # 3 OnlyASNs, 4 NoASNs. The sandbox has no ASNs, so 2 and 3 are always empty. What
        # the list returns without the parameter is undocumented [L]: here, every receiver.
        if receiver_type is None:
            return lambda receiver: True
        if receiver_type not in RECEIVER_TYPES:
            raise QueryParameterError(["receivertype"], "NotParsable", f"Value not parsable: {receiver_type}")
        wanted = {
            "0": lambda r: not r.is_return,
            "1": lambda r: r.is_return,
            "2": lambda r: False,
            "3": lambda r: False,
            "4": lambda r: True,
        }
        return wanted[receiver_type]

    @app.get("/inventory/receivers")
    def _list_receivers() -> Response:
        _require_user(state)
        args = _args()
        page = _page("receivers", args)
        detail, item_detail = details(args)
        matches_type = of_type(args.get("receivertype"))
        with state.lock:
            receivers = [r for r in sorted(state.receivers.values(), key=lambda r: r.receiver_id) if matches_type(r)]
            pairs = [(r, render.render_receiver(state, r, {"all"}, {"all"})) for r in receivers]
            selected = _filtered(pairs, _schemas()["receivers"], args)
            rows = [render.render_receiver(state, r, detail, item_detail) for r in selected]
        path = "/inventory/receivers"
        return _json_response(_collection(path, render.REL_RECEIVER, rows, page, args, receiver_links))

    @app.post("/inventory/receivers")
    def _create_receiver() -> Response:
        _require_user(state)
        with state.lock:
            receiver = state.create_receiver(_body())
            payload = render.render_receiver(state, receiver, {"receiveitems"})
            etag = etag_for(receiver.row_version)
        response = _json_response(payload, status=201, etag=etag)
        response.headers["Location"] = f"/inventory/receivers/{receiver.receiver_id}"
        return response

    @app.get("/inventory/receivers/<int:receiver_id>")
    def _get_receiver(receiver_id: int) -> Response:
        _require_user(state)
        detail, item_detail = details(_args())
        with state.lock:
            receiver = state.get_receiver(receiver_id)
            payload = render.render_receiver(state, receiver, detail, item_detail)
            etag = etag_for(receiver.row_version)
        return _json_response(payload, etag=etag)

    @app.put("/inventory/receivers/<int:receiver_id>")
    def _update_receiver(receiver_id: int) -> Response:
        _require_user(state)
        detail, item_detail = details(_args())
        with state.lock:
            receiver = state.update_receiver(receiver_id, request.headers.get("If-Match"), _body())
            payload = render.render_receiver(state, receiver, detail, item_detail)
            etag = etag_for(receiver.row_version)
        return _json_response(payload, etag=etag)

    @app.post("/inventory/receivers/<int:receiver_id>/confirmer")
    def _confirm_receiver(receiver_id: int) -> Response:
        _require_user(state)
        state.confirm_receiver(receiver_id, request.headers.get("If-Match"), _body())
        return Response(status=204)

    @app.post("/inventory/receivers/<int:receiver_id>/canceler")
    def _cancel_receiver(receiver_id: int) -> Response:
        _require_user(state)
        state.cancel_receiver(receiver_id, request.headers.get("If-Match"), _body())
        return Response(status=204)


def _control_json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


def _control_error(message: str, status: int) -> Response:
    return _control_json({"error": message}, status)


def _as_list(body: Any, key: str) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get(key), list):
        return body[key]
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        return [body]
    raise ValueError(f"expected an object, a list, or {{{key!r}: [...]}}")


def _register_control(app: Flask, state: WarehouseState, faults: FaultInjector, log: RequestLog) -> None:
    def guarded(handler: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            try:
                return handler(*args, **kwargs)
            except ValidationError as error:
                return _control_json({"error": "invalid config", "details": json.loads(error.json())}, 400)
            except NotFoundError:
                return _control_error("not found", 404)
            except SandboxConflict as error:
                return _control_error(str(error), 409)
            except (ValueError, TypeError) as error:
                return _control_error(str(error), 400)

        return wrapper

    @app.get("/_sandbox/config")
    def _get_config() -> Response:
        return _control_json({"config": state.config.model_dump()})

    @app.post("/_sandbox/config")
    @guarded
    def _set_config() -> Response:
        patch = _body()
        if not isinstance(patch, dict):
            raise ValueError("expected a JSON object of settings")
        return _control_json({"config": state.update_config(patch).model_dump()})

    @app.post("/_sandbox/facilities")
    @guarded
    def _set_facilities() -> Response:
        with state.lock:
            facilities = [state.upsert_facility(data) for data in _as_list(_body(), "facilities")]
            rows = [render.render_facility(state, f) for f in facilities]
        return _control_json({"facilities": rows})

    @app.post("/_sandbox/items")
    @guarded
    def _set_items() -> Response:
        with state.lock:
            items = [state.upsert_item(data) for data in _as_list(_body(), "items")]
            rows = [render.render_item(state, item) for item in items]
        return _control_json({"items": rows})

    @app.post("/_sandbox/stock")
    @guarded
    def _set_stock() -> Response:
        with state.lock:
            records = [state.set_stock(data) for data in _as_list(_body(), "stock")]
            rows = [render.render_stock_summary(state, r, with_ordered=True) for r in records]
        return _control_json({"stock": rows})

    @app.post("/_sandbox/orders/<int:order_id>/ship")
    @guarded
    def _ship(order_id: int) -> Response:
        body = _body() or {}
        with state.lock:
            order = state.ship_order(
                order_id,
                packages=body.get("packages"),
                carrier_name=body.get("carrier"),
                force=bool(body.get("force", False)),
                split=body.get("split"),
            )
            payload = render.render_order(state, order, {"orderitems", "packages"})
        return _control_json({"order": payload})

    @app.post("/_sandbox/orders/<int:order_id>/cancel")
    @guarded
    def _warehouse_cancel(order_id: int) -> Response:
        body = _body() or {}
        with state.lock:
            order = state.warehouse_cancel(order_id, str(body.get("reason") or "Canceled by warehouse"))
            payload = render.render_order(state, order, {"orderitems"})
        return _control_json({"order": payload})

    @app.post("/_sandbox/receivers/<int:receiver_id>/receive")
    @guarded
    def _receive(receiver_id: int) -> Response:
        body = _body() or {}
        quantities = body.get("quantities")
        with state.lock:
            receiver = state.receive(receiver_id, quantities)
            payload = render.render_receiver(state, receiver, {"receiveitems"})
        return _control_json({"receiver": payload})

    @app.post("/_sandbox/tick")
    @guarded
    def _tick() -> Response:
        state.tick()
        return _control_json({"ok": True})

    @app.post("/_sandbox/clock")
    @guarded
    def _clock() -> Response:
        body = _body() or {}
        state.advance_clock(float(body.get("advance_seconds", 0)))
        return _control_json({"now": state.local_time(state.now())})

    @app.get("/_sandbox/state")
    def _state() -> Response:
        return _control_json(state.snapshot())

    @app.post("/_sandbox/reset")
    def _reset() -> Response:
        state.reset()
        faults.clear()
        log.clear()
        return _control_json({"ok": True})
