"""Routes of the TikTok Shop sandbox: the real API surface, and `/_sandbox` control routes.

Business routes check, in order: `app_key`, the per-endpoint rate limit, `sign` presence,
`timestamp` window, the signature, the `x-tts-access-token` header and `shop_cipher`
(reference §1.2, §2, §6). Answers use the envelope `{"code","data","message","request_id"}`.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import MethodNotAllowed, NotFound

from ..harness import FaultInjector, RequestLog, install_harness
from . import errors as codes
from . import views
from .config import SandboxConfig
from .errors import ApiError, ControlError, param_error
from .paging import Page, PageTokenCodec, PageTokenError, paginate, query_fingerprint
from .signing import is_valid_sign
from .state import CANCEL_REJECT_REASONS, EVENT_TYPES, ORDER_STATUSES, RETURN_REJECT_REASONS, ShopState
from .webhooks import WebhookDispatcher, WebhookSettings

logger = logging.getLogger(__name__)

EXTENSION = "tiktok_sandbox"
VERSIONED_PATH = re.compile(r"^/([a-z_]+)/(\d{6})/(.+)$")
# Reference §2.1: accepted timestamps run from 5 minutes before to 30 seconds after server time.
TIMESTAMP_PAST = 300
TIMESTAMP_FUTURE = 30

api = Blueprint("tiktok_api", __name__)
control = Blueprint("tiktok_control", __name__, url_prefix="/_sandbox")


class SandboxRuntime:
    """The shop state plus the threads that move it: the ticker and the webhook dispatcher."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.state = ShopState(SandboxConfig().updated(config or {}))
        self.faults = FaultInjector()
        self.requests = RequestLog()
        self.dispatcher = WebhookDispatcher(self.state.webhook_credentials, self._webhook_settings)
        self.state.publish = self.dispatcher.publish
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def start(self) -> None:
        self.dispatcher.start()
        if self._ticker and self._ticker.is_alive():
            return
        self._stop.clear()
        self._ticker = threading.Thread(target=self._tick_loop, name="tiktok-sandbox-ticker", daemon=True)
        self._ticker.start()

    def stop(self) -> None:
        self._stop.set()
        if self._ticker:
            self._ticker.join(timeout=5)
        self.dispatcher.stop()

    def reset(self, config: dict[str, Any] | None, *, defaults: bool) -> None:
        self.dispatcher.clear()
        self.faults.clear()
        self.requests.clear()
        self.state.reset(config, keep_config=not defaults)

    def _tick_loop(self) -> None:
        while not self._stop.wait(self.state.config.tick_interval):
            try:
                self.state.tick()
            except Exception:
                logger.exception("sandbox tick failed")

    def _webhook_settings(self) -> WebhookSettings:
        config = self.state.config
        return WebhookSettings(
            timeout=config.webhook_timeout,
            retry_delays=list(config.webhook_retry_delays),
            duplicate_delay=config.webhook_duplicate_delay,
        )


def create_app(config: dict[str, Any] | None = None, *, start_background: bool = True) -> Flask:
    """Build the sandbox app. Its runtime is `app.extensions["tiktok_sandbox"]` (stop it when done)."""
    app = Flask(__name__)
    runtime = SandboxRuntime(config)
    app.extensions[EXTENSION] = runtime
    install_harness(app, runtime.faults, runtime.requests)
    app.register_blueprint(api)
    app.register_blueprint(control)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(ControlError, _control_error)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(MethodNotAllowed, _method_not_allowed)
    if start_background:
        runtime.start()
    return app


# ---------------------------------------------------------------------- envelope and errors


def envelope(
    data: Any, *, code: int = 0, message: str = "Success", status: int = 200, request_id: bool = True
) -> Response:
    payload: dict[str, Any] = {"code": code, "data": data, "message": message}
    if request_id:
        payload["request_id"] = _request_id()
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return Response(body, status=status, mimetype="application/json")


def _request_id() -> str:
    # Shape of the samples' request ids: UTC time to the second, then 20 upper-case hex digits.
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(_runtime().state.now()))
    return stamp + uuid.uuid4().hex[:20].upper()


def _api_error(error: ApiError) -> Response:
    return envelope(
        error.data, code=error.code, message=error.message, status=error.http_status, request_id=error.with_request_id
    )


def _control_error(error: ControlError) -> Response:
    return Response(json.dumps({"error": error.message}), status=error.status, mimetype="application/json")


def _not_found(error: NotFound) -> Response:
    if request.path.startswith("/_sandbox"):
        return _control_error(ControlError(f"no control route {request.path}", 404))
    if _is_unknown_version(request.path):
        # Shape of error-36009014-version-invalid.response.json: data null, no request_id.
        # NOTE: the HTTP status of this answer is not documented; 400 like the parameter family.
        return envelope(
            None,
            code=codes.VERSION_INVALID,
            message="The version name is invalid, please check and retry.",
            status=400,
            request_id=False,
        )
    return envelope(
        None,
        code=codes.INVALID_PATH,
        message="Invalid path. The specified path does not match any available endpoint.",
        status=404,
    )


def _method_not_allowed(error: MethodNotAllowed) -> Response:
    if request.path.startswith("/_sandbox"):
        return _control_error(ControlError(f"method {request.method} not allowed on {request.path}", 405))
    return envelope(
        None,
        code=codes.INVALID_METHOD,
        message="Invalid method. The HTTP method used is not supported by this endpoint.",
        status=405,
    )


def _is_unknown_version(path: str) -> bool:
    match = VERSIONED_PATH.match(path)
    if not match:
        return False
    category, _, rest = match.groups()
    for rule in current_app.url_map.iter_rules():
        known = VERSIONED_PATH.match(rule.rule)
        if not known or known.group(1) != category:
            continue
        segments = ("[^/]+" if part.startswith("<") else re.escape(part) for part in known.group(3).split("/"))
        if re.fullmatch("/".join(segments), rest):
            return True
    return False


def _runtime() -> SandboxRuntime:
    return current_app.extensions[EXTENSION]


# ---------------------------------------------------------------------- authentication


@dataclass
class Call:
    """A request that passed the common checks."""

    state: ShopState
    query: dict[str, str]
    body: dict[str, Any]


def signed(shop_cipher: bool = True) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Wrap a business route with the common checks; the route receives a `Call` first."""

    def decorator(handler: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def wrapper(**kwargs: Any) -> Response:
            call = _authenticate(needs_shop_cipher=shop_cipher)
            return handler(call, **kwargs)

        return wrapper

    return decorator


def _authenticate(*, needs_shop_cipher: bool) -> Call:
    state = _runtime().state
    config = state.config
    args = request.args

    app_key = args.get("app_key")
    if not app_key or app_key != config.app_key:
        raise ApiError(codes.CREDENTIALS, "Invalid credentials. Invalid `app_key` query parameter.", 400)
    rule = request.url_rule.rule if request.url_rule else request.path
    if not state.allow_request((request.method, rule, app_key, config.shop_id)):
        raise ApiError(
            codes.TOO_MANY_REQUESTS,
            "Too many requests. You've made too many requests in a short period of time.",
            429,
        )
    sign = args.get("sign")
    if not sign:
        raise ApiError(
            codes.CREDENTIALS,
            "Missing credentials. The request does not include a required signature in the query.",
            400,
        )
    _check_timestamp(args.get("timestamp"), state.now())
    raw_body = request.get_data()
    query_items = list(args.items(multi=True))
    if not is_valid_sign(sign, config.app_secret, request.path, query_items, raw_body, request.content_type):
        raise ApiError(codes.INVALID_SIGN, "Invalid credentials. The `sign` query parameter is invalid.", 401)
    state.check_access_token(request.headers.get("x-tts-access-token", ""))
    _check_shop_cipher(args.get("shop_cipher"), config.shop_cipher, needs_shop_cipher)
    body = _parse_body(raw_body)
    return Call(state=state, query=args.to_dict(flat=True), body=body)


def _check_timestamp(raw: str | None, now: float) -> None:
    try:
        timestamp = int(raw or "")
    except ValueError:
        raise ApiError(
            codes.CREDENTIALS, "Invalid timestamp. The `timestamp` query parameter is missing or not an integer.", 400
        ) from None
    if timestamp < 0:
        raise ApiError(
            codes.CREDENTIALS,
            "Invalid timestamp. The value of the `timestamp` query parameter must not be lesser than 0.",
            400,
        )
    if timestamp < now - TIMESTAMP_PAST:
        raise ApiError(
            codes.CREDENTIALS,
            "Invalid timestamp. The value of the `timestamp` query parameter must not be earlier than 5 minutes "
            "before the current time.",
            400,
        )
    if timestamp > now + TIMESTAMP_FUTURE:
        raise ApiError(
            codes.CREDENTIALS,
            "Invalid timestamp. The value of the `timestamp` query parameter must not exceed the current time "
            "by more than 30 seconds.",
            400,
        )


def _check_shop_cipher(given: str | None, expected: str, required: bool) -> None:
    if required and not given:
        raise ApiError(
            codes.SHOP_CIPHER_MISSING,
            "Missing identifier. The `shop_cipher` query parameter is required to identify the target shop.",
            400,
        )
    if required and given != expected:
        raise ApiError(
            codes.TOKEN_SHOP_MISMATCH,
            "Invalid query or header. The `x-tts-access-token` header is not associated with the shop of the "
            "provided `shop_cipher`.",
            401,
        )
    if not required and given is not None:
        raise ApiError(
            codes.CREDENTIALS,
            "Unexpected identifier. The `shop_cipher` query parameter is not required for this request.",
            400,
        )


def _parse_body(raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    media_type = (request.content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(
            codes.BODY_FORMAT,
            "Invalid request format. The request body format must be `application/json` for structured data or "
            "`multipart/form-data` for binary files.",
            400,
        )
    try:
        body = json.loads(raw)
    except ValueError:
        raise param_error("param body is not valid JSON") from None
    if not isinstance(body, dict):
        raise param_error("param body must be a JSON object")
    return body


def _page_size(call: Call, *, low: int, high: int, default: int | None) -> int:
    raw = call.query.get("page_size")
    if raw is None:
        if default is None:
            raise param_error("param page_size is missing")
        return default
    try:
        size = int(raw)
    except ValueError:
        raise param_error(f"param page_size is invalid, valid range [{low}, {high}]") from None
    if not low <= size <= high:
        raise param_error(f"param page_size is invalid, valid range [{low}, {high}]")
    return size


def _sort(call: Call, fields: tuple[str, ...], default_order: str) -> tuple[str, bool]:
    field = call.query.get("sort_field", fields[0])
    if field not in fields:
        raise param_error(f"param sort_field is invalid, expected one of {', '.join(fields)}")
    order = call.query.get("sort_order", default_order)
    if order not in {"ASC", "DESC"}:
        raise param_error("param sort_order is invalid, expected ASC or DESC")
    return field, order == "DESC"


def _page(
    call: Call,
    items: list[Any],
    sort_key: Callable[[Any], tuple],
    *,
    scope: str,
    size: int,
    descending: bool,
    fingerprint: Any,
    max_results: int | None = None,
) -> Page:
    try:
        return paginate(
            items,
            sort_key,
            page_size=size,
            page_token=call.query.get("page_token") or None,
            fingerprint=query_fingerprint(scope, fingerprint),
            codec=PageTokenCodec(call.state.page_secret),
            descending=descending,
            max_results=max_results,
        )
    except PageTokenError:
        raise param_error("param page_token is invalid") from None


def _list_param(body: dict[str, Any], key: str, limit: int) -> list[Any] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise param_error(f"param body.{key} must be a list")
    if len(value) > limit:
        raise param_error(f"param body.{key} exceeds the max count {limit}")
    return value


# ---------------------------------------------------------------------- token endpoints (auth host)


@api.get("/api/v2/token/get")
def token_get() -> Response:
    data = _runtime().state.exchange_auth_code(request.args.to_dict(flat=True))
    return _token_envelope(data)


@api.get("/api/v2/token/refresh")
def token_refresh() -> Response:
    data = _runtime().state.refresh_access_token(request.args.to_dict(flat=True))
    return _token_envelope(data)


def _token_envelope(data: dict[str, Any]) -> Response:
    # The token samples print lower-case "success" and put `data` before `request_id`.
    payload = {"code": 0, "message": "success", "data": data, "request_id": _request_id()}
    return Response(json.dumps(payload, separators=(",", ":")), mimetype="application/json")


# ---------------------------------------------------------------------- shops


@api.get("/authorization/202309/shops")
@signed(shop_cipher=False)
def authorized_shops(call: Call) -> Response:
    config = call.state.config
    shop = {
        "id": config.shop_id,
        "name": config.shop_name,
        "region": config.region,
        "seller_type": config.seller_type,
        "cipher": config.shop_cipher,
        "code": config.shop_code,
    }
    return envelope({"shops": [shop]})


@api.get("/seller/202309/shops")
@signed(shop_cipher=False)
def active_shops(call: Call) -> Response:
    config = call.state.config
    return envelope({"shops": [{"id": config.shop_id, "region": config.region}]})


# ---------------------------------------------------------------------- orders


@api.post("/order/202309/orders/search")
@signed()
def search_orders(call: Call) -> Response:
    size = _page_size(call, low=1, high=100, default=None)
    sort_field, descending = _sort(call, ("create_time", "update_time"), "DESC")
    body = call.body
    if body.get("order_status") and body["order_status"] not in ORDER_STATUSES:
        raise param_error("param body.order_status is invalid")
    _list_param(body, "warehouse_ids", 100)
    state = call.state
    with state.lock:
        orders = state.find_orders(body)
        page = _page(
            call,
            orders,
            lambda order: (getattr(order, sort_field), order.id),
            scope="orders",
            size=size,
            descending=descending,
            fingerprint=[body, sort_field, descending],
        )
        rendered = [views.order_view(state, order, version="202309", for_search=True) for order in page.items]
    return envelope({"next_page_token": page.next_page_token, "total_count": page.total_count, "orders": rendered})


@api.get("/order/202309/orders")
@signed()
def order_detail_202309(call: Call) -> Response:
    return _order_detail(call, "202309")


@api.get("/order/202507/orders")
@signed()
def order_detail_202507(call: Call) -> Response:
    return _order_detail(call, "202507")


def _order_detail(call: Call, version: str) -> Response:
    ids = [item.strip() for item in call.query.get("ids", "").split(",") if item.strip()]
    if not ids:
        raise param_error("param ids is missing")
    ids = list(dict.fromkeys(ids))
    if len(ids) > 50:
        raise param_error("param ids exceeds the max count 50")
    state = call.state
    with state.lock:
        # NOTE: ids of other shops or unknown ids are left out of `orders` (the error table only
        # lists 21008111 for orders of another seller; reference §4.1 does not say more).
        found = [state.orders[order_id] for order_id in ids if order_id in state.orders]
        rendered = [views.order_view(state, order, version=version) for order in found]
    return envelope({"orders": rendered})


# ---------------------------------------------------------------------- logistics


@api.get("/logistics/202309/warehouses")
@signed()
def warehouses(call: Call) -> Response:
    with call.state.lock:
        rendered = [views.warehouse_view(w) for w in call.state.warehouses.values()]
    return envelope({"warehouses": rendered})


@api.get("/logistics/202309/warehouses/<warehouse_id>/delivery_options")
@signed()
def delivery_options(call: Call, warehouse_id: str) -> Response:
    scope = call.query.get("scope", "WAREHOUSE")
    if scope not in {"WAREHOUSE", "PRODUCT"}:
        raise param_error("param scope is invalid")
    with call.state.lock:
        warehouse = call.state.warehouses.get(warehouse_id)
        if warehouse is None:
            raise ApiError(11005004, "warehouse not exist")
        rendered = views.delivery_options_view(warehouse)
    return envelope({"delivery_options": rendered})


@api.get("/logistics/202309/delivery_options/<delivery_option_id>/shipping_providers")
@signed()
def shipping_providers(call: Call, delivery_option_id: str) -> Response:
    state = call.state
    with state.lock:
        options = [
            option
            for warehouse in state.warehouses.values()
            for option in warehouse.delivery_options
            if option.id == delivery_option_id
        ]
        if not options:
            raise ApiError(11050001, "invalid param")
        providers = [{"id": pid, "name": state.providers[pid]} for pid in options[0].provider_ids]
    return envelope({"shipping_providers": providers})


# ---------------------------------------------------------------------- products and inventory


@api.post("/product/202502/products/search")
@signed()
def search_products_202502(call: Call) -> Response:
    return _search_products(call)


@api.post("/product/202309/products/search")
@signed()
def search_products_202309(call: Call) -> Response:
    return _search_products(call)


def _search_products(call: Call) -> Response:
    size = _page_size(call, low=1, high=100, default=None)
    _list_param(call.body, "seller_skus", 10)
    _list_param(call.body, "sku_ids", 10)
    state = call.state
    with state.lock:
        products = state.find_products(call.body)
        try:
            page = _page(
                call,
                products,
                lambda product: (product.create_time, product.id),
                scope="products",
                size=size,
                descending=False,
                fingerprint=[call.body],
                max_results=10000,
            )
        except OverflowError:
            raise ApiError(12052180, "The search result exceeds 10,000 products, narrow the time window.") from None
        rendered = [views.product_search_view(state, product) for product in page.items]
    return envelope({"total_count": page.total_count, "products": rendered, "next_page_token": page.next_page_token})


@api.get("/product/202309/products/<product_id>")
@signed()
def get_product(call: Call, product_id: str) -> Response:
    state = call.state
    with state.lock:
        product = state.products.get(product_id)
        if product is None:
            raise ApiError(12052032, "The product does not exist")
        if product.status in {"FREEZE", "DELETED"}:
            raise ApiError(12052901, "The product in its current status is not available for this operation.")
        rendered = views.product_detail_view(state, product)
    return envelope(rendered)


@api.post("/product/202309/inventory/search")
@signed()
def inventory_search(call: Call) -> Response:
    product_ids = _list_param(call.body, "product_ids", 100)
    sku_ids = _list_param(call.body, "sku_ids", 600)
    if not product_ids and not sku_ids:
        raise param_error("param body.product_ids or body.sku_ids is required")
    state = call.state
    with state.lock:
        inventory = []
        if sku_ids:
            # Reference §4.2: when both are given, sku_ids wins.
            by_product: dict[str, list[Any]] = {}
            for sku_id in dict.fromkeys(str(item) for item in sku_ids):
                sku = state.skus.get(sku_id)
                if sku:
                    by_product.setdefault(sku.product_id, []).append(sku)
            inventory = [views.inventory_view(state.products[pid], skus) for pid, skus in by_product.items()]
        else:
            for product_id in dict.fromkeys(str(item) for item in product_ids or []):
                product = state.products.get(product_id)
                if product:
                    inventory.append(views.inventory_view(product, product.skus))
    return envelope({"inventory": inventory})


@api.post("/product/202309/products/<product_id>/inventory/update")
@signed()
def update_inventory(call: Call, product_id: str) -> Response:
    failures = call.state.update_inventory(product_id, call.body)
    return envelope({"errors": failures} if failures else {})


# ---------------------------------------------------------------------- fulfillment


@api.post("/fulfillment/202309/orders/<order_id>/packages")
@signed()
def mark_package_shipped(call: Call, order_id: str) -> Response:
    return envelope(call.state.mark_package_shipped(order_id, call.body))


@api.post("/fulfillment/202309/packages/<package_id>/ship")
@signed()
def ship_package(call: Call, package_id: str) -> Response:
    call.state.ship_package(package_id, call.body)
    return envelope({})


@api.get("/fulfillment/202309/packages/<package_id>")
@signed()
def package_detail(call: Call, package_id: str) -> Response:
    state = call.state
    with state.lock:
        package = state.packages.get(package_id)
        if package is None or not views._is_visible(state, package_id):
            raise ApiError(21008111, "The order or package does not belong to the current seller.")
        rendered = views.package_detail_view(state, package)
    return envelope(rendered)


@api.post("/fulfillment/202309/packages/search")
@signed()
def search_packages(call: Call) -> Response:
    size = _page_size(call, low=1, high=50, default=None)
    sort_field, descending = _sort(call, ("create_time", "update_time", "order_pay_time"), "DESC")
    state = call.state

    def sort_key(package: Any) -> tuple:
        if sort_field == "order_pay_time":
            return (state.orders[package.order_id].paid_time, package.id)
        return (getattr(package, sort_field), package.id)

    with state.lock:
        page = _page(
            call,
            state.find_packages(call.body),
            sort_key,
            scope="packages",
            size=size,
            descending=descending,
            fingerprint=[call.body, sort_field, descending],
        )
        rendered = [views.package_summary_view(state, package) for package in page.items]
    return envelope({"next_page_token": page.next_page_token, "total_count": page.total_count, "packages": rendered})


@api.post("/fulfillment/202309/orders/<order_id>/shipping_info/update")
@signed()
def update_order_shipping_info(call: Call, order_id: str) -> Response:
    call.state.update_shipping_info(call.body, order_id=order_id)
    return envelope({})


@api.post("/fulfillment/202309/packages/<package_id>/shipping_info/update")
@signed()
def update_package_shipping_info(call: Call, package_id: str) -> Response:
    call.state.update_shipping_info(call.body, package_id=package_id)
    return envelope({})


@api.get("/fulfillment/202309/orders/<order_id>/tracking")
@signed()
def order_tracking(call: Call, order_id: str) -> Response:
    state = call.state
    with state.lock:
        order = state.orders.get(order_id)
        if order is None:
            raise ApiError(21008111, "The order or package does not belong to the current seller.")
        tracking = views.tracking_view(state, order)
    return envelope({"tracking": tracking})


# ---------------------------------------------------------------------- cancellations and returns


@api.post("/return_refund/202309/cancellations")
@signed()
def cancel_order(call: Call) -> Response:
    cancellation = call.state.cancel_order(call.body)
    return envelope({"cancel_id": cancellation.id, "cancel_status": cancellation.status})


@api.post("/return_refund/202309/cancellations/search")
@signed()
def search_cancellations(call: Call) -> Response:
    # Reference §4.5: page_size is string-typed, default 10, range 1-50; sort_order defaults to ASC.
    size = _page_size(call, low=1, high=50, default=10)
    sort_field, descending = _sort(call, ("create_time", "update_time"), "ASC")
    state = call.state
    with state.lock:
        page = _page(
            call,
            state.find_cancellations(call.body),
            lambda item: (getattr(item, sort_field), item.id),
            scope="cancellations",
            size=size,
            descending=descending,
            fingerprint=[call.body, sort_field, descending],
        )
        rendered = [views.cancellation_view(state, item) for item in page.items]
    return envelope(
        {"cancellations": rendered, "total_count": page.total_count, "next_page_token": page.next_page_token}
    )


@api.post("/return_refund/202309/cancellations/<cancel_id>/approve")
@signed()
def approve_cancellation(call: Call, cancel_id: str) -> Response:
    return _idempotent(call, lambda: call.state.respond_to_cancellation(cancel_id, approve=True, body=call.body))


@api.post("/return_refund/202309/cancellations/<cancel_id>/reject")
@signed()
def reject_cancellation(call: Call, cancel_id: str) -> Response:
    return _idempotent(call, lambda: call.state.respond_to_cancellation(cancel_id, approve=False, body=call.body))


@api.post("/return_refund/202309/returns/search")
@signed()
def search_returns(call: Call) -> Response:
    # Reference §4.6: page_size is string-typed, default 10, range 10-50; sort_order defaults to ASC.
    size = _page_size(call, low=10, high=50, default=10)
    sort_field, descending = _sort(call, ("create_time", "update_time"), "ASC")
    state = call.state
    with state.lock:
        page = _page(
            call,
            state.find_returns(call.body),
            lambda item: (getattr(item, sort_field), item.id),
            scope="returns",
            size=size,
            descending=descending,
            fingerprint=[call.body, sort_field, descending],
        )
        rendered = [views.return_view(state, item) for item in page.items]
    return envelope(
        {"return_orders": rendered, "total_count": page.total_count, "next_page_token": page.next_page_token}
    )


@api.post("/return_refund/202309/returns/<return_id>/approve")
@signed()
def approve_return(call: Call, return_id: str) -> Response:
    return _idempotent(call, lambda: call.state.respond_to_return(return_id, approve=True, body=call.body))


@api.post("/return_refund/202309/returns/<return_id>/reject")
@signed()
def reject_return(call: Call, return_id: str) -> Response:
    return _idempotent(call, lambda: call.state.respond_to_return(return_id, approve=False, body=call.body))


@api.get("/return_refund/202309/reject_reasons")
@signed()
def reject_reasons(call: Call) -> Response:
    target = call.query.get("return_or_cancel_id", "")
    state = call.state
    with state.lock:
        if target in state.returns:
            reasons = RETURN_REJECT_REASONS
        elif target in state.cancellations or not target:
            reasons = CANCEL_REJECT_REASONS
        else:
            raise ApiError(25001001, "An invalid request parameter was passed. Unknown return_or_cancel_id.")
    return envelope({"reasons": [{"name": name, "text": text} for name, text in reasons.items()]})


def _idempotent(call: Call, action: Callable[[], None]) -> Response:
    """Same `idempotency_key` on the same path: the first answer again, and no second effect."""
    key = call.query.get("idempotency_key")
    if key is not None and not 0 < len(key) <= 255:
        raise ApiError(25001001, "An invalid request parameter was passed. idempotency_key is 1-255 characters.")
    state = call.state
    with state.lock:
        remembered = state.idempotency.get((request.path, key)) if key else None
        if remembered is None:
            try:
                action()
                remembered = {"code": 0, "message": "Success", "data": {}, "status": 200}
            except ApiError as error:
                remembered = {
                    "code": error.code,
                    "message": error.message,
                    "data": error.data,
                    "status": error.http_status,
                }
            if key:
                state.idempotency[(request.path, key)] = remembered
    return envelope(
        remembered["data"], code=remembered["code"], message=remembered["message"], status=remembered["status"]
    )


# ---------------------------------------------------------------------- webhook subscriptions


@api.get("/event/202309/webhooks")
@signed()
def list_webhooks(call: Call) -> Response:
    with call.state.lock:
        webhooks = [dict(item) for item in call.state.subscriptions.values()]
    return envelope({"webhooks": webhooks, "total_count": len(webhooks)})


@api.put("/event/202309/webhooks")
@signed()
def update_webhook(call: Call) -> Response:
    event_type, address = call.body.get("event_type"), call.body.get("address")
    if event_type not in EVENT_TYPES:
        raise param_error("param body.event_type is invalid")
    if not isinstance(address, str) or not 0 < len(address) <= 255:
        raise param_error("param body.address is missing or longer than 255 characters")
    # NOTE: TikTok requires an https address with a domain name and no port (reference §5.1);
    # the sandbox accepts loopback http addresses so a local receiver can subscribe, and only
    # ever delivers to loopback (see webhooks.py).
    call.state.set_subscription(event_type, address)
    return envelope({})


@api.delete("/event/202309/webhooks")
@signed()
def delete_webhook(call: Call) -> Response:
    event_type = call.body.get("event_type")
    if event_type not in EVENT_TYPES:
        raise param_error("param body.event_type is invalid")
    call.state.delete_subscription(event_type)
    return envelope({})


# ---------------------------------------------------------------------- control routes


def _json_body() -> Any:
    body = request.get_json(silent=True)
    if body is None and request.get_data():
        raise ControlError("body must be JSON")
    return body if body is not None else {}


def _items(body: Any, key: str) -> list[dict[str, Any]]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get(key), list):
        return body[key]
    if isinstance(body, dict) and body:
        return [body]
    raise ControlError(f"expected a list, an object with `{key}`, or one object")


@control.route("/config", methods=["GET", "POST"])
def config_route() -> Response:
    state = _runtime().state
    if request.method == "POST":
        body = _json_body()
        if not isinstance(body, dict):
            raise ControlError("config must be an object")
        state.update_config(body)
    return jsonify({"config": state.config.to_dict()})


@control.get("/credentials")
def credentials_route() -> Response:
    credentials = _runtime().state.credentials()
    credentials["base_url"] = request.host_url.rstrip("/")
    return jsonify(credentials)


@control.post("/warehouses")
def warehouses_route() -> Response:
    body = _json_body()
    replace = bool(body.get("replace")) if isinstance(body, dict) else False
    state = _runtime().state
    with state.lock:
        created = state.add_warehouses(_items(body, "warehouses"), replace=replace)
        payload = [_warehouse_summary(state, warehouse) for warehouse in created]
    return jsonify({"warehouses": payload})


def _warehouse_summary(state: ShopState, warehouse: Any) -> dict[str, Any]:
    return {
        "id": warehouse.id,
        "name": warehouse.name,
        "type": warehouse.type,
        "is_default": warehouse.is_default,
        "delivery_options": [
            {
                "id": option.id,
                "name": option.name,
                "type": option.type,
                "shipping_providers": [{"id": pid, "name": state.providers[pid]} for pid in option.provider_ids],
            }
            for option in warehouse.delivery_options
        ],
    }


@control.post("/products")
def products_route() -> Response:
    state = _runtime().state
    with state.lock:
        created = state.add_products(_items(_json_body(), "products"))
        payload = [
            {
                "id": product.id,
                "title": product.title,
                "status": product.status,
                "skus": [
                    {
                        "id": sku.id,
                        "seller_sku": sku.seller_sku,
                        "inventory": [
                            {"warehouse_id": wid, "quantity": stock.quantity} for wid, stock in sku.inventory.items()
                        ],
                    }
                    for sku in product.skus
                ],
            }
            for product in created
        ]
    return jsonify({"products": payload})


@control.post("/products/<product_id>")
def product_update_route(product_id: str) -> Response:
    """Edit one product (title, status, variants' seller SKUs, new variants); see ShopState.update_product."""
    body = _json_body()
    if not isinstance(body, dict):
        raise ControlError("body must be an object")
    state = _runtime().state
    with state.lock:
        product = state.update_product(product_id, body)
        payload = {
            "id": product.id,
            "title": product.title,
            "status": product.status,
            "update_time": product.update_time,
            "skus": [{"id": sku.id, "seller_sku": sku.seller_sku} for sku in product.skus],
        }
    return jsonify({"product": payload})


@control.post("/orders")
def orders_route() -> Response:
    state = _runtime().state
    with state.lock:
        created = state.add_orders(_items(_json_body(), "orders"))
        payload = [_order_summary(order) for order in created]
    return jsonify({"orders": payload})


def _order_summary(order: Any) -> dict[str, Any]:
    return {
        "id": order.id,
        "status": order.status,
        "warehouse_id": order.warehouse_id,
        "delivery_option_id": order.delivery_option_id,
        "line_items": [
            {"id": line.id, "seller_sku": line.seller_sku, "sku_id": line.sku_id} for line in order.line_items
        ],
    }


@control.post("/orders/<order_id>/buyer-cancel")
def buyer_cancel_route(order_id: str) -> Response:
    body = _json_body()
    cancellation = _runtime().state.buyer_cancel(order_id, body.get("reason") if isinstance(body, dict) else None)
    return jsonify({"cancel_id": cancellation.id, "cancel_status": cancellation.status, "order_id": order_id})


@control.post("/orders/<order_id>/status")
def order_status_route(order_id: str) -> Response:
    body = _json_body()
    if not isinstance(body, dict) or not body.get("status"):
        raise ControlError("body needs a status")
    state = _runtime().state
    with state.lock:
        order = state.force_status(order_id, body["status"])
        return jsonify(_order_summary(order))


@control.post("/returns")
def returns_route() -> Response:
    body = _json_body()
    if not isinstance(body, dict):
        raise ControlError("body must be an object")
    ret = _runtime().state.open_return(body)
    return jsonify(
        {"return_id": ret.id, "order_id": ret.order_id, "status": ret.status, "order_line_item_ids": ret.line_item_ids}
    )


@control.post("/webhooks/resend/<order_id>")
def resend_route(order_id: str) -> Response:
    body = _json_body()
    fresh = isinstance(body, dict) and body.get("mode") == "fresh"
    notification = _runtime().state.resend_order_notification(order_id, fresh=fresh)
    return jsonify({"tts_notification_id": notification.notification_id, "body": notification.body.decode()})


@control.post("/expire-token")
def expire_token_route() -> Response:
    body = _json_body()
    refresh = isinstance(body, dict) and bool(body.get("refresh_token"))
    return jsonify(_runtime().state.expire_token(refresh_token=refresh))


@control.post("/tick")
def tick_route() -> Response:
    _runtime().state.tick()
    return jsonify({"ok": True})


@control.get("/state")
def state_route() -> Response:
    runtime = _runtime()
    snapshot = runtime.state.snapshot()
    snapshot["webhook_deliveries"] = runtime.dispatcher.deliveries()
    snapshot["webhooks_pending"] = runtime.dispatcher.pending()
    return jsonify(snapshot)


@control.post("/reset")
def reset_route() -> Response:
    body = _json_body()
    if not isinstance(body, dict):
        raise ControlError("body must be an object")
    runtime = _runtime()
    runtime.reset(body.get("config"), defaults=bool(body.get("defaults")))
    return jsonify({"config": runtime.state.config.to_dict(), "credentials": runtime.state.credentials()})
