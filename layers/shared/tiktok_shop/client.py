"""TikTok Shop Partner API client: signed calls, envelope checks, typed errors, paging, tokens.

Every request gets a fresh `timestamp` and `sign` per attempt, the access token in the
`x-tts-access-token` header, and a body serialised once whose exact bytes are both signed and
sent. POST calls always send a JSON object (`{}` when there is no filter, as the documented
samples do); GET calls send no body. Reference: shared/reference/tiktok-shop.md.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import requests
from pydantic import ValidationError

from connector_common.http import DEFAULT_TIMEOUT, PreparedCall, RetryableResponse, parse_retry_after, send_with_retries
from connector_common.retry import RetryPolicy
from tiktok_shop import endpoints
from tiktok_shop.credentials import TikTokCredentials
from tiktok_shop.endpoints import Endpoint
from tiktok_shop.errors import AccessTokenExpired, RateLimited, TikTokUnavailable, error_for
from tiktok_shop.models import (
    Cancellation,
    CancellationPage,
    CancelOrderResult,
    DeliveryOption,
    InventoryUpdateResult,
    Order,
    OrderPage,
    PackagePage,
    PackageShipped,
    Product,
    ProductPage,
    ProductStock,
    ReturnOrder,
    ReturnPage,
    ShippingProvider,
    Shop,
    TikTokModel,
    TokenGrant,
    Warehouse,
)
from tiktok_shop.signing import sign_request

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=TikTokModel)
PageT = TypeVar("PageT", OrderPage, ProductPage, CancellationPage, ReturnPage, PackagePage)

JSON_CONTENT_TYPE = "application/json"

ORDER_DETAIL_BATCH = 50
INVENTORY_SEARCH_BATCH = 600
MAX_SKUS_PER_INVENTORY_UPDATE = 100
MAX_SELLER_SKUS_PER_PRODUCT_SEARCH = 10
# NOTE: Search Cancellations takes 1-50 and Search Returns 10-50, both as strings (reference §4.5, §4.6).
AFTERSALE_PAGE_SIZE = 50
MIN_RETURN_PAGE_SIZE = 10
MAX_PACKAGE_PAGE_SIZE = 50
# Renew a token this close to its expiry before the call, rather than spend a call on 105002.
TOKEN_EXPIRY_MARGIN_S = 60.0

# (sku_id, [(warehouse_id, quantity), ...]) for Update Inventory.
SkuQuantities = tuple[str, Sequence[tuple[str, int]]]


class TikTokShopClient:
    """Calls the TikTok Shop Partner API for one shop with one set of credentials.

    Retries throttling, 5xx and transport failures with backoff (`retry_policy`); writes that
    cannot be resent safely (mark shipped, ship package, cancel order) are retried only when
    throttled, and surface timeouts and 5xx so the caller re-reads state. On an expired access
    token it asks `on_token_expired` once for new credentials and retries once.
    Every method raises a `TikTokShopError` subclass; `requests` errors never leave the client.
    """

    def __init__(
        self,
        credentials: TikTokCredentials,
        session: requests.Session,
        api_base_url: str,
        auth_base_url: str,
        retry_policy: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen dataclass, safe to share
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        on_token_expired: Callable[[], TikTokCredentials] | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self._credentials = credentials
        self._session = session
        self._api_base_url = api_base_url.rstrip("/")
        self._auth_base_url = auth_base_url.rstrip("/")
        self._retry_policy = retry_policy
        self._clock = clock
        self._sleep = sleep
        self._on_token_expired = on_token_expired
        self._timeout = timeout

    @property
    def credentials(self) -> TikTokCredentials:
        """The credentials in use, including tokens renewed during this client's life."""
        return self._credentials

    # --- shops and logistics ------------------------------------------------------------------

    def get_authorized_shops(self) -> list[Shop]:
        """Shops this access token may act for, each with the `cipher` shop-scoped calls need."""
        data = self._call(endpoints.AUTHORIZED_SHOPS)
        return _parse_items(Shop, data, "shops")

    def list_warehouses(self) -> list[Warehouse]:
        """The shop's warehouses (sales and return roles have different ids)."""
        data = self._call(endpoints.WAREHOUSES)
        return _parse_items(Warehouse, data, "warehouses")

    def list_delivery_options(self, warehouse_id: str) -> list[DeliveryOption]:
        """Active delivery options of one warehouse."""
        data = self._call(endpoints.DELIVERY_OPTIONS, ids={"warehouse_id": warehouse_id})
        return _parse_items(DeliveryOption, data, "delivery_options")

    def list_shipping_providers(self, delivery_option_id: str) -> list[ShippingProvider]:
        """Carriers TikTok accepts for a delivery option (use the order's `delivery_option_id`)."""
        data = self._call(endpoints.SHIPPING_PROVIDERS, ids={"delivery_option_id": delivery_option_id})
        return _parse_items(ShippingProvider, data, "shipping_providers")

    # --- orders ---------------------------------------------------------------------------------

    def search_orders(
        self,
        update_time_ge: int,
        update_time_lt: int | None = None,
        page_token: str | None = None,
        page_size: int = 100,
        order_status: str | None = None,
    ) -> OrderPage:
        """One page of orders updated in [update_time_ge, update_time_lt), oldest change first."""
        _check_range("page_size", page_size, 1, 100)
        query = {"page_size": str(page_size), "sort_field": "update_time", "sort_order": "ASC"}
        _put(query, "page_token", page_token)
        body: dict[str, Any] = {"update_time_ge": update_time_ge}
        _put(body, "update_time_lt", update_time_lt)
        _put(body, "order_status", order_status)

        data = self._call(endpoints.SEARCH_ORDERS, query=query, body=body)
        return _parse(OrderPage, data)

    def iter_orders_updated_since(
        self, update_time_ge: int, update_time_lt: int | None = None, page_size: int = 100
    ) -> Iterator[Order]:
        """Every order updated in the window, following `next_page_token` to the last page."""

        def fetch(token: str | None) -> OrderPage:
            return self.search_orders(update_time_ge, update_time_lt, page_token=token, page_size=page_size)

        for page in _follow(fetch):
            yield from page.orders

    def get_orders(self, ids: Sequence[str]) -> list[Order]:
        """Get Order Detail for any number of ids (sent in batches of 50)."""
        orders: list[Order] = []
        for batch in _chunks(list(ids), ORDER_DETAIL_BATCH):
            data = self._call(endpoints.GET_ORDER_DETAIL, query={"ids": ",".join(batch)})
            orders.extend(_parse_items(Order, data, "orders"))
        return orders

    # --- fulfilment -------------------------------------------------------------------------------

    def mark_package_shipped(
        self,
        order_id: str,
        tracking_number: str,
        shipping_provider_id: str,
        order_line_item_ids: Sequence[str] | None = None,
    ) -> PackageShipped:
        """Mark Package As Shipped (US, UK, EU, JP seller shipping); pass line ids for a split.

        Not resent after a timeout or 5xx: on TikTokUnavailable or TikTokServerError re-read the
        order before trying again (a seller may correct tracking only once).
        """
        body: dict[str, Any] = {"tracking_number": tracking_number, "shipping_provider_id": shipping_provider_id}
        if order_line_item_ids:
            body["order_line_item_ids"] = list(order_line_item_ids)

        data = self._call(endpoints.MARK_PACKAGE_SHIPPED, ids={"order_id": order_id}, body=body)
        return _parse(PackageShipped, data)

    def ship_package(self, package_id: str, tracking_number: str, shipping_provider_id: str) -> None:
        """Ship Package with self-shipment tracking (SEA, LATAM). Not resent after a timeout or 5xx."""
        body = {"self_shipment": {"tracking_number": tracking_number, "shipping_provider_id": shipping_provider_id}}
        self._call(endpoints.SHIP_PACKAGE, ids={"package_id": package_id}, body=body)

    def search_packages(
        self,
        update_time_ge: int | None = None,
        update_time_lt: int | None = None,
        package_status: str | None = None,
        page_token: str | None = None,
        page_size: int = MAX_PACKAGE_PAGE_SIZE,
    ) -> PackagePage:
        """One page of packages, oldest change first (page size 1-50)."""
        _check_range("page_size", page_size, 1, MAX_PACKAGE_PAGE_SIZE)
        query = {"page_size": str(page_size), "sort_field": "update_time", "sort_order": "ASC"}
        _put(query, "page_token", page_token)
        body: dict[str, Any] = {}
        _put(body, "update_time_ge", update_time_ge)
        _put(body, "update_time_lt", update_time_lt)
        _put(body, "package_status", package_status)

        data = self._call(endpoints.SEARCH_PACKAGES, query=query, body=body)
        return _parse(PackagePage, data)

    # --- products and inventory ------------------------------------------------------------------

    def search_products(
        self,
        page_token: str | None = None,
        page_size: int = 100,
        update_time_ge: int | None = None,
        seller_skus: Sequence[str] | None = None,
    ) -> ProductPage:
        """One page of products (any status). A search pages through at most 10,000 results
        (code 12052180): narrow by `update_time_ge` for large catalogues.
        """
        _check_range("page_size", page_size, 1, 100)
        if seller_skus is not None and len(seller_skus) > MAX_SELLER_SKUS_PER_PRODUCT_SEARCH:
            raise ValueError(f"at most {MAX_SELLER_SKUS_PER_PRODUCT_SEARCH} seller_skus per search")
        query = {"page_size": str(page_size)}
        _put(query, "page_token", page_token)
        body: dict[str, Any] = {}
        _put(body, "update_time_ge", update_time_ge)
        if seller_skus:
            body["seller_skus"] = list(seller_skus)

        data = self._call(endpoints.SEARCH_PRODUCTS, query=query, body=body)
        return _parse(ProductPage, data)

    def iter_products(
        self,
        update_time_ge: int | None = None,
        seller_skus: Sequence[str] | None = None,
        page_size: int = 100,
    ) -> Iterator[Product]:
        """Every product matching the filters, following `next_page_token`."""

        def fetch(token: str | None) -> ProductPage:
            return self.search_products(token, page_size, update_time_ge, seller_skus)

        for page in _follow(fetch):
            yield from page.products

    def inventory_search(self, sku_ids: Sequence[str]) -> list[ProductStock]:
        """Available and committed stock per warehouse for SKUs (batches of 600)."""
        stock: list[ProductStock] = []
        for batch in _chunks(list(sku_ids), INVENTORY_SEARCH_BATCH):
            data = self._call(endpoints.INVENTORY_SEARCH, body={"sku_ids": batch})
            stock.extend(_parse_items(ProductStock, data, "inventory"))
        return stock

    def update_inventory(self, product_id: str, skus: Sequence[SkuQuantities]) -> InventoryUpdateResult:
        """Set sellable quantities per SKU and warehouse for one product.

        NOTE: each SKU must list every warehouse assigned to it, no more, no fewer (reference §4.2).
        A `code 0` answer may still refuse some SKUs: read `InventoryUpdateResult.errors`.
        Raises ValueError for more than 100 SKUs or a negative quantity.
        """
        if len(skus) > MAX_SKUS_PER_INVENTORY_UPDATE:
            raise ValueError(f"at most {MAX_SKUS_PER_INVENTORY_UPDATE} SKUs per inventory update")
        sku_bodies = []
        for sku_id, stock in skus:
            if any(quantity < 0 for _, quantity in stock):
                raise ValueError(f"negative quantity for SKU {sku_id}")
            inventory = [{"warehouse_id": warehouse_id, "quantity": quantity} for warehouse_id, quantity in stock]
            sku_bodies.append({"id": sku_id, "inventory": inventory})

        data = self._call(endpoints.UPDATE_INVENTORY, ids={"product_id": product_id}, body={"skus": sku_bodies})
        result = _parse(InventoryUpdateResult, data)
        if not result.is_success:
            logger.warning(
                "inventory update refused some SKUs",
                extra={"product_id": product_id, "failed_sku_ids": result.failed_sku_ids},
            )
        return result

    # --- cancellations ---------------------------------------------------------------------------

    def cancel_order(
        self, order_id: str, cancel_reason: str, order_line_item_ids: Sequence[str] | None = None
    ) -> CancelOrderResult:
        """Seller-initiated cancel (a reason name such as `seller_cancel_reason_out_of_stock`).

        NOTE: no idempotency key exists for this call, so it is not resent after a timeout or
        5xx: search cancellations for the order before trying again.
        """
        body: dict[str, Any] = {"order_id": order_id, "cancel_reason": cancel_reason}
        if order_line_item_ids:
            body["order_line_item_ids"] = list(order_line_item_ids)

        data = self._call(endpoints.CANCEL_ORDER, body=body)
        return _parse(CancelOrderResult, data)

    def search_cancellations(
        self,
        update_time_ge: int | None = None,
        order_ids: Sequence[str] | None = None,
        page_token: str | None = None,
        page_size: int = AFTERSALE_PAGE_SIZE,
    ) -> CancellationPage:
        """One page of cancellations, oldest change first (page size 1-50)."""
        _check_range("page_size", page_size, 1, AFTERSALE_PAGE_SIZE)
        query = {"page_size": str(page_size), "sort_field": "update_time", "sort_order": "ASC"}
        _put(query, "page_token", page_token)
        body: dict[str, Any] = {}
        _put(body, "update_time_ge", update_time_ge)
        if order_ids:
            body["order_ids"] = list(order_ids)

        data = self._call(endpoints.SEARCH_CANCELLATIONS, query=query, body=body)
        return _parse(CancellationPage, data)

    def iter_cancellations(
        self,
        update_time_ge: int | None = None,
        order_ids: Sequence[str] | None = None,
        page_size: int = AFTERSALE_PAGE_SIZE,
    ) -> Iterator[Cancellation]:
        """Every cancellation matching the filters, following `next_page_token`."""

        def fetch(token: str | None) -> CancellationPage:
            return self.search_cancellations(update_time_ge, order_ids, page_token=token, page_size=page_size)

        for page in _follow(fetch):
            yield from page.cancellations

    def approve_cancellation(self, cancel_id: str, idempotency_key: str) -> None:
        """Approve a buyer's cancel request; reuse the same `idempotency_key` on every retry."""
        query = {"idempotency_key": _required("idempotency_key", idempotency_key)}
        self._call(endpoints.APPROVE_CANCELLATION, ids={"cancel_id": cancel_id}, query=query, body={})

    def reject_cancellation(
        self, cancel_id: str, reject_reason: str, idempotency_key: str, comment: str | None = None
    ) -> None:
        """Reject a buyer's cancel request with a reason name (e.g. the product was packed)."""
        query = {"idempotency_key": _required("idempotency_key", idempotency_key)}
        body = {"reject_reason": reject_reason}
        _put(body, "comment", comment)
        self._call(endpoints.REJECT_CANCELLATION, ids={"cancel_id": cancel_id}, query=query, body=body)

    # --- returns ----------------------------------------------------------------------------------

    def search_returns(
        self,
        update_time_ge: int | None = None,
        order_ids: Sequence[str] | None = None,
        return_status: Sequence[str] | None = None,
        page_token: str | None = None,
        page_size: int = AFTERSALE_PAGE_SIZE,
    ) -> ReturnPage:
        """One page of returns, oldest change first (page size 10-50)."""
        _check_range("page_size", page_size, MIN_RETURN_PAGE_SIZE, AFTERSALE_PAGE_SIZE)
        query = {"page_size": str(page_size), "sort_field": "update_time", "sort_order": "ASC"}
        _put(query, "page_token", page_token)
        body: dict[str, Any] = {}
        _put(body, "update_time_ge", update_time_ge)
        if order_ids:
            body["order_ids"] = list(order_ids)
        if return_status:
            body["return_status"] = list(return_status)

        data = self._call(endpoints.SEARCH_RETURNS, query=query, body=body)
        return _parse(ReturnPage, data)

    def iter_returns(
        self,
        update_time_ge: int | None = None,
        order_ids: Sequence[str] | None = None,
        return_status: Sequence[str] | None = None,
        page_size: int = AFTERSALE_PAGE_SIZE,
    ) -> Iterator[ReturnOrder]:
        """Every return matching the filters, following `next_page_token`."""

        def fetch(token: str | None) -> ReturnPage:
            return self.search_returns(update_time_ge, order_ids, return_status, token, page_size)

        for page in _follow(fetch):
            yield from page.return_orders

    def approve_return(self, return_id: str, decision: str, idempotency_key: str) -> None:
        """Approve a return with a decision such as `APPROVE_RECEIVED_PACKAGE`."""
        query = {"idempotency_key": _required("idempotency_key", idempotency_key)}
        body = {"decision": decision}
        self._call(endpoints.APPROVE_RETURN, ids={"return_id": return_id}, query=query, body=body)

    def reject_return(
        self,
        return_id: str,
        decision: str,
        reject_reason: str,
        idempotency_key: str,
        comment: str | None = None,
    ) -> None:
        """Reject a return (e.g. `REJECT_RECEIVED_PACKAGE`) with a reason name."""
        query = {"idempotency_key": _required("idempotency_key", idempotency_key)}
        body = {"decision": decision, "reject_reason": reject_reason}
        _put(body, "comment", comment)
        self._call(endpoints.REJECT_RETURN, ids={"return_id": return_id}, query=query, body=body)

    # --- tokens -------------------------------------------------------------------------------------

    def refresh_access_token(self) -> TokenGrant:
        """Exchange the refresh token for a new token pair and keep it in `credentials`.

        The caller must persist the new pair atomically: the old refresh token may stop working.
        """
        credentials = self._credentials
        query = {
            "app_key": credentials.app_key,
            "app_secret": credentials.app_secret,
            "refresh_token": credentials.refresh_token,
            "grant_type": "refresh_token",
        }
        path = endpoints.TOKEN_REFRESH_PATH
        url = f"{self._auth_base_url}{path}?{_encode_query(query)}"

        def prepare() -> PreparedCall:
            return PreparedCall(method="GET", url=url, log_path=path)

        try:
            data = self._send_prepared(prepare, retry_ambiguous=True)
        except TikTokUnavailable as exc:
            # NOTE: a requests error's text carries the URL, and this query holds the app secret and
            # the refresh token: keep that chained exception out of every traceback.
            raise TikTokUnavailable(str(exc), exc.http_status) from None

        grant = _parse(TokenGrant, data)
        self._credentials = credentials.with_grant(grant)
        logger.info("tiktok access token refreshed", extra={"access_token_expires_at": grant.access_token_expire_in})
        return grant

    # --- plumbing -----------------------------------------------------------------------------------

    def _call(
        self,
        endpoint: Endpoint,
        ids: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        if endpoint.shop_scoped and not self._credentials.shop_cipher:
            raise ValueError(f"{endpoint.template} needs a shop_cipher in the credentials")
        path = endpoint.path(**(ids or {}))
        payload = _encode_json(body) if body is not None else None
        if self._credentials.is_access_token_expired(self._clock(), TOKEN_EXPIRY_MARGIN_S):
            self._renew_credentials(path, reason="expiring")

        try:
            return self._send(endpoint, path, query or {}, payload)
        except AccessTokenExpired:
            if self._on_token_expired is None:
                raise
            self._renew_credentials(path, reason="expired")
            return self._send(endpoint, path, query or {}, payload)

    def _renew_credentials(self, path: str, reason: str) -> None:
        if self._on_token_expired is None:
            return
        logger.info("renewing tiktok access token", extra={"path": path, "reason": reason})
        self._credentials = self._on_token_expired()

    def _send(self, endpoint: Endpoint, path: str, query: Mapping[str, str], payload: bytes | None) -> dict[str, Any]:
        def prepare() -> PreparedCall:
            credentials = self._credentials
            params = {"app_key": credentials.app_key, "timestamp": str(int(self._clock())), **query}
            if endpoint.shop_scoped:
                params["shop_cipher"] = str(credentials.shop_cipher)
            params["sign"] = sign_request(credentials.app_secret, path, params, payload)
            return PreparedCall(
                method=endpoint.method,
                url=f"{self._api_base_url}{path}?{_encode_query(params)}",
                headers={"content-type": JSON_CONTENT_TYPE, "x-tts-access-token": credentials.access_token},
                body=payload,
                log_path=path,
            )

        return self._send_prepared(prepare, endpoint.retry_ambiguous)

    def _send_prepared(self, prepare: Callable[[], PreparedCall], retry_ambiguous: bool) -> dict[str, Any]:
        return send_with_retries(
            self._session,
            prepare,
            interpret=lambda response: _interpret(response, retry_ambiguous),
            transport_error=lambda message, _exc: TikTokUnavailable(message),
            policy=self._retry_policy,
            timeout=self._timeout,
            sleep=self._sleep,
            retry_transport_errors=retry_ambiguous,
        )


def _interpret(response: requests.Response, retry_ambiguous: bool) -> dict[str, Any]:
    """The envelope's `data`, or the typed error; retryable errors ask for another attempt."""
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    try:
        code, envelope = _decode_envelope(response)
    except TikTokUnavailable as malformed:
        if retry_ambiguous:
            raise RetryableResponse(malformed, retry_after) from None
        raise

    # NOTE: the HTTP status alone proves nothing: business errors come back as HTTP 200 with a
    # non-zero code, and a 4xx/5xx without a code is still an error (reference §6.1).
    if code == 0 and response.status_code < 400:
        data = envelope.get("data")
        return data if isinstance(data, dict) else {}

    error = error_for(
        response.status_code,
        code,
        str(envelope.get("message") or ""),
        _optional_str(envelope.get("request_id")),
    )
    # NOTE: throttling is refused before any work is done, so even non-idempotent writes may
    # resend it; 5xx and timeouts may have been applied (reference §6.4).
    if isinstance(error, RateLimited) or (error.retryable and retry_ambiguous):
        raise RetryableResponse(error, retry_after)
    raise error


def _decode_envelope(response: requests.Response) -> tuple[int, dict[str, Any]]:
    try:
        envelope = json.loads(response.content)
    except ValueError as exc:
        raise TikTokUnavailable("malformed response: body is not JSON", response.status_code) from exc
    if not isinstance(envelope, dict):
        raise TikTokUnavailable("malformed response: body is not a JSON object", response.status_code)

    code = envelope.get("code")
    if isinstance(code, str) and code.lstrip("-").isdigit():
        code = int(code)
    if not isinstance(code, int) or isinstance(code, bool):
        raise TikTokUnavailable("malformed response: envelope has no numeric code", response.status_code)
    return code, envelope


def _parse(model: type[ModelT], data: Mapping[str, Any]) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _shape_error(model, exc) from None


def _parse_items(model: type[ModelT], data: Mapping[str, Any], key: str) -> list[ModelT]:
    items = data.get(key) or []
    try:
        return [model.model_validate(item) for item in items]
    except ValidationError as exc:
        raise _shape_error(model, exc) from None


def _shape_error(model: type[TikTokModel], exc: ValidationError) -> TikTokUnavailable:
    # Locations and error types only: the input values may hold names and addresses.
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['type']}"
        for error in exc.errors(include_input=False, include_url=False)
    )
    return TikTokUnavailable(f"malformed response: {model.__name__} does not match ({problems})")


def _follow(fetch: Callable[[str | None], PageT]) -> Iterator[PageT]:
    """Pages from `fetch(page_token)` until a page has no next token; a repeated token stops it."""
    seen: set[str] = set()
    token: str | None = None
    while True:
        page = fetch(token)
        yield page
        token = page.next_page_token
        if token is None:
            return
        if token in seen:
            raise TikTokUnavailable("malformed response: TikTok repeated a page token")
        seen.add(token)


def _encode_json(body: Mapping[str, Any]) -> bytes:
    # NOTE: serialised once; these exact bytes are signed and sent (reference §2.1).
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _encode_query(params: Mapping[str, str]) -> str:
    # NOTE: RFC 3986 encoding: page tokens carry `+` and `/`, and a raw `+` would arrive as a space.
    return urlencode(sorted(params.items()), quote_via=quote, safe="")


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")


def _required(name: str, value: str) -> str:
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)
