"""Client of the Extensiv 3PL Warehouse Manager REST API for the connector's flows.

Every call asks for HAL (`Accept: application/hal+json`), carries a bearer token from
`TokenProvider` (fetched again once after a 401), has a timeout, and goes through
`send_with_retries`. Reads retry throttling, 5xx and transport failures; creates retry only
throttling, because a create that timed out may have been applied: the caller looks the
record up by its reference before sending it again.

Collections page with `pgsiz`/`pgnum` inside per-resource maximums (asking for more is an
error, reference/extensiv.md §8.4) and follow `_links.next` as given.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit

import requests
from pydantic import BaseModel, ValidationError

from connector_common.http import DEFAULT_TIMEOUT, PreparedCall, RetryableResponse, send_with_retries
from connector_common.retry import RetryPolicy
from extensiv import rql
from extensiv.auth import ConnectionCheck, ExtensivCredentials, TokenProvider, resolve_base_url
from extensiv.errors import (
    ExtensivAuthError,
    ExtensivError,
    ExtensivServerError,
    ExtensivUnavailable,
    Forbidden,
    NotFound,
    OperationRejected,
    PreconditionFailed,
    RateLimited,
    Unauthorized,
    error_from_response,
)
from extensiv.models import (
    Customer,
    ExtensivOrder,
    Facility,
    Item,
    OrderCreate,
    Page,
    Receiver,
    ReceiverCreate,
    ReceiverType,
    StockSummary,
    read_page,
)

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

HAL_JSON = "application/hal+json"
JSON_BODY = "application/json; charset=utf-8"
ORDER_DETAIL = "OrderItems,Packages"
RECEIVER_DETAIL = "ReceiveItems"
CUSTOMER_SCOPE = "readOnly.customerIdentifier.id"
# NOTE: reference/extensiv.md §3.3 [H] lists this property for scoping orders by facility
# (airbyte). Receivers carry the same `readOnly.facilityIdentifier` (§7.2 [H]), but no source
# shows it used in a receivers rql [M]: the sandbox accepts it; verify with real credentials.
FACILITY_SCOPE = "readOnly.facilityIdentifier.id"
LAST_MODIFIED = "readOnly.lastModifiedDate"

_PAGING = frozenset({"pgsiz", "pgnum", "rql", "sort"})


@dataclass(frozen=True)
class Collection:
    """A paged resource: where it lives, where its rows sit, its page-size limit and parameters.

    `max_page_size` None means the limit is undocumented: `pgsiz` is not sent and the
    server's default page size is used.
    """

    path: str
    rows: str
    max_page_size: int | None
    parameters: frozenset[str]

    def page_size(self, requested: int | None) -> int | None:
        """The `pgsiz` to send: the maximum by default, never more than it; None when unknown."""
        if self.max_page_size is None:
            return None
        if requested is None:
            return self.max_page_size
        return max(1, min(requested, self.max_page_size))


# NOTE: page-size maximums from the rel pages (reference §8.4); unknown query parameters are
# silently ignored by Extensiv (§8.5), so each collection lists the ones it accepts.
COLLECTIONS: dict[str, Collection] = {
    "orders": Collection(
        "/orders",
        "orders/order",
        1000,
        _PAGING | {"detail", "itemdetail", "markforlistid", "skulist", "skucontains", "hvpbatchname"},
    ),
    "stock_summaries": Collection(
        "/inventory/stocksummaries",
        "summaries",
        500,
        frozenset({"pgsiz", "pgnum", "rql", "orderednotallocated"}),
    ),
    "receivers": Collection(
        "/inventory/receivers",
        "inventory/receiver",
        500,
        _PAGING | {"detail", "itemdetail", "purchaseorderid", "receivertype", "deactivatedcustomers"},
    ),
    "items": Collection(
        "/customers/{customer_id}/items",
        "customers/item",
        100,
        _PAGING | {"classificationhead", "kitInclusion", "storageRateInclusion"},
    ),
    "facilities": Collection(
        "/properties/facilities",
        "properties/facility",
        None,
        _PAGING | {"customerId"},
    ),
}


@dataclass(frozen=True)
class _Reply:
    status: int
    payload: Any
    etag: str | None


class ExtensivClient:
    """Calls the Extensiv API on behalf of one customer (`credentials.customer_id`).

    `base_url` overrides the environment's host (the local sandbox); `session` is the
    `requests.Session` every call goes through. Methods raise `ExtensivError` subclasses
    only: `ExtensivAuthError` when no token can be had, `ExtensivUnavailable` when no usable
    answer came back, and the `ExtensivApiError` leaves for answered errors.
    """

    def __init__(
        self,
        credentials: ExtensivCredentials,
        base_url: str | None,
        session: requests.Session,
        token_provider: TokenProvider | None = None,
        retry_policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self._credentials = credentials
        self._base_url = resolve_base_url(credentials.environment, base_url)
        self._session = session
        self._policy = retry_policy or RetryPolicy()
        self._sleep = sleep
        self._timeout = timeout
        self._tokens = token_provider or TokenProvider(
            credentials,
            session,
            self._base_url,
            clock=clock,
            retry_policy=self._policy,
            sleep=sleep,
            timeout=timeout,
        )

    @property
    def customer_id(self) -> int:
        return self._credentials.customer_id

    # --- connection ---------------------------------------------------------------------

    def check_connection(self) -> ConnectionCheck:
        """Get a fresh token, then read the customer; says which setting is wrong if either fails.

        Never raises for API outcomes: the result carries `ok`, `failed_credential` and a message.
        """
        where = self._tokens.environment_description
        customer_id = self._credentials.customer_id
        try:
            self._tokens.invalidate()
            self._tokens.token()
        except ExtensivAuthError as exc:
            return ConnectionCheck(ok=False, failed_credential=exc.failed_credential, message=str(exc))

        try:
            self._call("GET", _path("customers", customer_id))
        except (NotFound, Forbidden) as exc:
            return ConnectionCheck(
                ok=False,
                failed_credential="customer_id",
                message=(
                    f"the token works, but customer {customer_id} answered {exc.status}: the Customer ID "
                    "is wrong, or the Extensiv user is not assigned to that customer "
                    "(or the credential lacks the CustomerView role)"
                ),
            )
        except Unauthorized:
            return ConnectionCheck(
                ok=False,
                failed_credential="user_id",
                message=(
                    "a token was issued but the API refused it (401): the user named in the token call "
                    "may not be valid for API calls; check the User ID and user_login_field"
                ),
            )
        except ExtensivAuthError as exc:
            return ConnectionCheck(ok=False, failed_credential=exc.failed_credential, message=str(exc))
        except ExtensivUnavailable as exc:
            return ConnectionCheck(
                ok=False,
                failed_credential="environment",
                message=f"the token call worked but the API at {where} gave no usable answer: {exc}",
            )
        except ExtensivError as exc:
            return ConnectionCheck(ok=False, failed_credential=None, message=f"reading customer failed: {exc}")

        return ConnectionCheck(
            ok=True,
            failed_credential=None,
            message=f"connected to {where} as user {self._credentials.user_id} for customer {customer_id}",
        )

    def get_customer(self) -> Customer:
        """The configured customer (`GET /customers/{id}`); raises `NotFound` when it is not visible."""
        reply = self._call("GET", _path("customers", self._credentials.customer_id))
        return _parse(Customer, reply.payload)

    # --- orders -------------------------------------------------------------------------

    def create_order(self, order: OrderCreate) -> ExtensivOrder:
        """Create an order (`POST /orders`, 201 with the order and its ETag).

        Not retried after a timeout or 5xx: on `ExtensivUnavailable` or `ExtensivServerError`
        the outcome is unknown, so call `find_order_by_reference` before sending it again.
        `ValidationFailed.is_duplicate` means the reference already exists.
        """
        reply = self._call("POST", "/orders", body=order.to_body(), idempotent=False)
        if not isinstance(reply.payload, Mapping):
            raise ExtensivUnavailable("order create answered without a body; look the order up by reference")
        created = _parse(ExtensivOrder, reply.payload, etag=reply.etag)
        logger.info(
            "extensiv order created",
            extra={
                "order_id": created.order_id,
                "reference_num": created.reference_num,
                "facility_id": order.facility_id,
            },
        )
        return created

    def find_order_by_reference(self, reference_num: str, detail: str | None = None) -> ExtensivOrder | None:
        """The customer's order whose `referenceNum` is exactly `reference_num`, or None.

        When the warehouse split the order (`-1`, `-2` suffixes, reference §8.8) the exact
        match is returned; when only split parts exist (the original was renamed), the first
        part is returned so the caller never creates the order a second time.
        """
        orders = self.find_orders_by_reference(reference_num, detail=detail)
        exact = [order for order in orders if order.reference_num == reference_num]
        if len(exact) > 1:
            logger.warning(
                "several extensiv orders share a reference",
                extra={"reference_num": reference_num, "count": len(exact)},
            )
        if exact:
            return min(exact, key=lambda order: order.order_id)
        if orders:
            logger.info(
                "extensiv order found only as split parts",
                extra={"reference_num": reference_num, "count": len(orders)},
            )
            return min(orders, key=_split_number)
        return None

    def find_orders_by_reference(self, reference_num: str, detail: str | None = None) -> list[ExtensivOrder]:
        """The order with this reference and its split parts (`<reference>-<digits>`), customer-scoped."""
        if not reference_num:
            raise ValueError("reference_num must not be empty")
        query = {
            "rql": rql.all_of(
                rql.equals(CUSTOMER_SCOPE, self._credentials.customer_id),
                rql.any_of(
                    rql.equals("referenceNum", reference_num),
                    rql.starts_with("referenceNum", f"{reference_num}-"),
                ),
            ),
            "detail": detail,
        }
        found = self._iter_collection("orders", ExtensivOrder, query, page_size=100)
        return [order for order in found if _is_reference_or_split(order.reference_num, reference_num)]

    def get_order(self, order_id: int, detail: str | None = ORDER_DETAIL) -> ExtensivOrder:
        """One order with its ETag (`GET /orders/{id}`); raises `NotFound` for an unknown id."""
        reply = self._call("GET", _path("orders", order_id), query={"detail": detail})
        return _parse(ExtensivOrder, reply.payload, etag=reply.etag)

    def iter_orders_modified_since(
        self,
        since: str,
        detail: str | None = ORDER_DETAIL,
        page_size: int | None = None,
        facility_id: int | None = None,
    ) -> Iterator[ExtensivOrder]:
        """The customer's orders with `lastModifiedDate >= since`, oldest change first; with
        `facility_id`, only that facility's.

        `since` is a naive date-time string as Extensiv returns it (reference §8.6); the
        comparison is inclusive, so callers de-duplicate by order id and modification date.
        Dates are in each facility's own zone, so a cursor is only comparable within one facility.
        """
        query = {
            "rql": rql.all_of(
                rql.equals(CUSTOMER_SCOPE, self._credentials.customer_id),
                rql.at_least(LAST_MODIFIED, _naive(since)),
                _facility_scope(facility_id),
            ),
            # NOTE: offset paging over a changing set needs a stable order (reference §8.4).
            "sort": f"{LAST_MODIFIED},readOnly.orderId",
            "detail": detail,
        }
        return self._iter_collection("orders", ExtensivOrder, query, page_size=page_size)

    def cancel_order(self, order_id: int, reason: str, etag: str | None = None) -> bool:
        """Cancel an open order (`POST /orders/{id}/canceler`, If-Match, 204).

        Reads the ETag first when none is given; on 412 reads it again and retries once.
        Returns False when the order was already canceled. Raises `OperationRejected` when
        the order can no longer be canceled (e.g. OrderConfirmed, AlreadyCompleted).
        """
        if not reason.strip():
            raise ValueError("Extensiv requires a cancel reason")
        if etag is None:
            current = self.get_order(order_id, detail=None)
            if current.is_canceled:
                return False
            etag = current.etag

        try:
            return self._cancel(order_id, reason, etag)
        except PreconditionFailed:
            logger.info("extensiv etag stale; reading the order again", extra={"order_id": order_id})
        current = self.get_order(order_id, detail=None)
        if current.is_canceled:
            return False
        return self._cancel(order_id, reason, current.etag)

    def _cancel(self, order_id: int, reason: str, etag: str | None) -> bool:
        try:
            self._call(
                "POST",
                _path("orders", order_id, "canceler"),
                body={"reason": reason},
                if_match=etag,
            )
        except OperationRejected as exc:
            if exc.has_code("OrderCanceled"):
                return False
            raise
        logger.info("extensiv order canceled", extra={"order_id": order_id})
        return True

    # --- facilities and inventory -------------------------------------------------------

    def list_facilities(self, for_customer: bool = True) -> list[Facility]:
        """Facilities (warehouses) visible to the credential.

        With `for_customer`, only those the customer record lists (when it lists any).
        """
        facilities = list(self._iter_collection("facilities", Facility, {}))
        if not for_customer:
            return facilities
        linked = set(self.get_customer().facility_ids)
        if not linked:
            return facilities
        return [facility for facility in facilities if facility.facility_id in linked]

    def iter_stock_summaries(
        self, facility_id: int | None = None, page_size: int | None = None
    ) -> Iterator[StockSummary]:
        """Stock per item, qualifier and facility (`/inventory/stocksummaries`).

        NOTE: rows carry no customer id and no rql name for customer scoping is documented
        (reference §4.1, [L]); callers keep only the SKUs they know.
        """
        query: dict[str, Any] = {}
        if facility_id is not None:
            query["rql"] = rql.equals("facilityId", facility_id)
        return self._iter_collection("stock_summaries", StockSummary, query, page_size=page_size)

    # --- items --------------------------------------------------------------------------

    def iter_items(self, modified_since: str | None = None, page_size: int | None = None) -> Iterator[Item]:
        """The customer's catalog (`/customers/{id}/items`), optionally only recent changes."""
        query: dict[str, Any] = {}
        if modified_since is not None:
            query["rql"] = rql.at_least(LAST_MODIFIED, _naive(modified_since))
            query["sort"] = LAST_MODIFIED
        return self._iter_collection("items", Item, query, page_size=page_size)

    def find_item_by_sku(self, sku: str) -> Item | None:
        """The item with this SKU, or None; an exact match wins over one differing in case only.

        rql compares values without case (reference §8.5).
        """
        if not sku:
            raise ValueError("sku must not be empty")
        found = list(self._iter_collection("items", Item, {"rql": rql.equals("sku", sku)}))
        exact = [item for item in found if item.sku == sku]
        if exact:
            return exact[0]
        folded = [item for item in found if item.sku.casefold() == sku.casefold()]
        return folded[0] if folded else None

    def get_item(self, item_id: int) -> Item:
        """One item with its ETag; raises `NotFound`."""
        reply = self._call("GET", _path("customers", self._credentials.customer_id, "items", item_id))
        return _parse(Item, reply.payload, etag=reply.etag)

    def create_item(self, sku: str, description: str, unit_name: str | None = "Each") -> Item:
        """Create a catalog item (`POST /customers/{id}/items`, 201 + ETag); not retried on timeout.

        NOTE: the minimum body (sku, description, inventory unit) is unconfirmed and the unit
        name must exist in the 3PL's list (reference §6, [L]); `unit_name=None` leaves it out.
        """
        body: dict[str, Any] = {"sku": sku, "description": description}
        if unit_name:
            body["options"] = {"inventoryUnit": {"unitIdentifier": {"name": unit_name}}}
        path = _path("customers", self._credentials.customer_id, "items")
        reply = self._call("POST", path, body=body, idempotent=False)
        if not isinstance(reply.payload, Mapping):
            raise ExtensivUnavailable("item create answered without a body; look the item up by SKU")
        return _parse(Item, reply.payload, etag=reply.etag)

    def update_item(self, item_id: int, etag: str, *, description: str | None = None) -> Item:
        """Change an item's description (`PUT /customers/{id}/items/{itemId}`, If-Match `etag`).

        NOTE: whether a PUT keeps the fields it omits is undocumented, so the current
        representation is read and sent back whole with the changes applied. Raises
        `PreconditionFailed` when `etag` is stale.
        """
        path = _path("customers", self._credentials.customer_id, "items", item_id)
        current = self._call("GET", path).payload
        if not isinstance(current, Mapping):
            raise ExtensivUnavailable("item read answered without a body")
        body = {key: value for key, value in current.items() if key not in ("_links", "_embedded")}
        if description is not None:
            body["description"] = description

        reply = self._call("PUT", path, body=body, if_match=etag)
        if not isinstance(reply.payload, Mapping):
            return self.get_item(item_id)
        return _parse(Item, reply.payload, etag=reply.etag)

    # --- receivers and returns ----------------------------------------------------------

    def create_receiver(self, receiver: ReceiverCreate) -> Receiver:
        """Create a receiver, or an expected return when `receiver.is_return` (201 + ETag).

        Not retried on timeout or 5xx: look it up with `find_receiver_by_reference` first.
        """
        reply = self._call("POST", "/inventory/receivers", body=receiver.to_body(), idempotent=False)
        if not isinstance(reply.payload, Mapping):
            raise ExtensivUnavailable("receiver create answered without a body; look it up by reference")
        created = _parse(Receiver, reply.payload, etag=reply.etag)
        logger.info(
            "extensiv receiver created",
            extra={"receiver_id": created.receiver_id, "is_return": receiver.is_return},
        )
        return created

    def iter_receivers(
        self,
        modified_since: str | None = None,
        receiver_type: ReceiverType | None = None,
        detail: str | None = RECEIVER_DETAIL,
        page_size: int | None = None,
        facility_id: int | None = None,
    ) -> Iterator[Receiver]:
        """The customer's receivers, optionally changed since a naive date-time, of one type
        (`ReceiverType.RETURN` for returns) and in one facility."""
        clauses = [rql.equals(CUSTOMER_SCOPE, self._credentials.customer_id)]
        query: dict[str, Any] = {"detail": detail}
        if modified_since is not None:
            clauses.append(rql.at_least(LAST_MODIFIED, _naive(modified_since)))
            query["sort"] = f"{LAST_MODIFIED},readOnly.receiverId"
        clauses.append(_facility_scope(facility_id))
        if receiver_type is not None:
            query["receivertype"] = int(receiver_type)
        query["rql"] = rql.all_of(*clauses)
        return self._iter_collection("receivers", Receiver, query, page_size=page_size)

    def find_receiver_by_reference(self, reference_num: str) -> Receiver | None:
        """The customer's receiver whose `referenceNum` is exactly `reference_num`, or None."""
        if not reference_num:
            raise ValueError("reference_num must not be empty")
        query = {
            "rql": rql.all_of(
                rql.equals(CUSTOMER_SCOPE, self._credentials.customer_id),
                rql.equals("referenceNum", reference_num),
            ),
            "detail": RECEIVER_DETAIL,
        }
        found = self._iter_collection("receivers", Receiver, query, page_size=100)
        return next((receiver for receiver in found if receiver.reference_num == reference_num), None)

    def get_receiver(self, receiver_id: int, detail: str | None = RECEIVER_DETAIL) -> Receiver:
        """One receiver with its ETag (`GET /inventory/receivers/{id}`); raises `NotFound`."""
        reply = self._call("GET", _path("inventory", "receivers", receiver_id), query={"detail": detail})
        return _parse(Receiver, reply.payload, etag=reply.etag)

    # --- plumbing -----------------------------------------------------------------------

    def _iter_collection(
        self,
        name: str,
        model: type[M],
        query: Mapping[str, Any],
        page_size: int | None = None,
    ) -> Iterator[M]:
        collection = COLLECTIONS[name]
        unknown = set(query) - collection.parameters
        if unknown:
            raise ValueError(f"{collection.path} does not take {sorted(unknown)}")
        path = collection.path.format(customer_id=quote(str(self._credentials.customer_id), safe=""))
        params = dict(query)
        size = collection.page_size(page_size)
        if size is not None:
            params["pgsiz"] = size
        return self._pages(path, params, model, collection.rows)

    def _pages(self, path: str, params: dict[str, Any], model: type[M], rows: str) -> Iterator[M]:
        page_number = 1
        seen = 0
        url = self._url(path, {**params, "pgnum": page_number})
        while True:
            reply = self._call("GET", url)
            page = _read_page(reply.payload, model, rows)
            yield from page.items

            seen += len(page.items)
            page_number += 1
            if not page.items:
                return
            next_url = self._follow(page.next_href)
            if next_url is None:
                if page.total_results is None or seen >= page.total_results:
                    return
                next_url = self._url(path, {**params, "pgnum": page_number})
            if next_url == url:
                return
            url = next_url

    def _follow(self, href: str | None) -> str | None:
        """Absolute URL of a `_links.next` href, used as given (never url-decoded).

        NOTE: hrefs are relative paths (reference §8.4); decoding them would break escaped rql
        values (§8.5). An absolute href to another host is not followed: it would receive the token.
        """
        if href is None:
            return None
        if href.startswith(("http://", "https://")):
            if _origin(href) == _origin(self._base_url):
                return href
            logger.warning("ignoring extensiv next link to another host", extra={"host": urlsplit(href).hostname})
            return None
        return self._base_url + (href if href.startswith("/") else "/" + href)

    def _url(self, target: str, query: Mapping[str, Any] | None = None) -> str:
        url = target if target.startswith(("http://", "https://")) else self._base_url + target
        pairs = [(key, str(value)) for key, value in (query or {}).items() if value is not None]
        if not pairs:
            return url
        return f"{url}?{urlencode(pairs, quote_via=quote)}"

    def _call(
        self,
        method: str,
        target: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        if_match: str | None = None,
        idempotent: bool = True,
    ) -> _Reply:
        url = self._url(target, query)
        sent_tokens: list[str] = []
        try:
            return self._send(method, url, body, if_match, idempotent, sent_tokens)
        except Unauthorized:
            # NOTE: help center: fetch a new token whenever a call gets 401 (reference §2.1).
            logger.info("extensiv refused the token; fetching a new one", extra={"path": _log_path(url)})
            self._tokens.invalidate(sent_tokens[-1] if sent_tokens else None)
        return self._send(method, url, body, if_match, idempotent, sent_tokens)

    def _send(
        self,
        method: str,
        url: str,
        body: Any,
        if_match: str | None,
        idempotent: bool,
        sent_tokens: list[str],
    ) -> _Reply:
        encoded = None if body is None else json.dumps(body).encode("utf-8")

        def prepare() -> PreparedCall:
            token = self._tokens.token()
            sent_tokens.append(token)
            headers = {"Accept": HAL_JSON, "Authorization": f"Bearer {token}"}
            if encoded is not None:
                headers["Content-Type"] = JSON_BODY
            if if_match is not None:
                headers["If-Match"] = if_match
            return PreparedCall(method=method, url=url, headers=headers, body=encoded, log_path=_log_path(url))

        return send_with_retries(
            self._session,
            prepare,
            lambda response: _interpret(response, idempotent),
            _unavailable,
            self._policy,
            timeout=self._timeout,
            sleep=self._sleep,
            retry_transport_errors=idempotent,
        )


def _interpret(response: requests.Response, idempotent: bool) -> _Reply:
    status = response.status_code
    if 200 <= status < 300:
        return _Reply(status, _success_payload(response, idempotent), response.headers.get("ETag"))
    error = error_from_response(status, response.text, response.headers)
    if isinstance(error, RateLimited):
        raise RetryableResponse(error, error.retry_after)
    if idempotent and isinstance(error, ExtensivServerError):
        raise RetryableResponse(error)
    raise error


def _success_payload(response: requests.Response, idempotent: bool) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError as exc:
        error = ExtensivUnavailable(f"Extensiv answered {response.status_code} with a body that is not JSON")
        error.__cause__ = exc
        if idempotent:
            raise RetryableResponse(error) from exc
        raise error from exc


def _unavailable(summary: str, exc: Exception) -> ExtensivUnavailable:
    return ExtensivUnavailable(f"no usable answer from Extensiv: {summary}")


def _read_page(payload: Any, model: type[M], rows: str) -> Page[M]:
    if not isinstance(payload, Mapping):
        raise ExtensivUnavailable("a collection page answered without a JSON object")
    try:
        return read_page(payload, model, rows)
    except (ValueError, ValidationError) as exc:
        raise ExtensivUnavailable(f"unexpected {model.__name__} page from Extensiv: {_short(exc)}") from exc


def _parse(model: type[M], payload: Any, etag: str | None = None) -> M:
    if not isinstance(payload, Mapping):
        raise ExtensivUnavailable(f"expected a {model.__name__} object from Extensiv")
    try:
        parsed = model.model_validate(payload)
    except ValidationError as exc:
        raise ExtensivUnavailable(f"unexpected {model.__name__} body from Extensiv: {_short(exc)}") from exc
    if etag is not None and "etag" in type(parsed).model_fields:
        parsed = parsed.model_copy(update={"etag": etag})
    return parsed


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        return f"{exc.error_count()} problem(s), first at {location or 'root'}: {first['msg']}"
    return str(exc)


def _path(*segments: object) -> str:
    """`/a/b/c` with every segment percent-quoted, so an id can never change the path."""
    return "".join("/" + quote(str(segment), safe="") for segment in segments)


def _log_path(url: str) -> str:
    return urlsplit(url).path


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


def _naive(value: str) -> str:
    parsed = datetime.fromisoformat(value) if value else None
    if parsed is None:
        raise ValueError("a date-time is required")
    if parsed.tzinfo is not None:
        raise ValueError("Extensiv date-times carry no time zone; pass the naive string it returned")
    return value


def _facility_scope(facility_id: int | None) -> str:
    """The rql clause keeping one facility's records; empty (no clause) for None."""
    if facility_id is None:
        return ""
    if isinstance(facility_id, bool) or not isinstance(facility_id, int) or facility_id <= 0:
        raise ValueError(f"a facility id is a positive integer, not {facility_id!r}")
    return rql.equals(FACILITY_SCOPE, facility_id)


def _is_reference_or_split(candidate: str, reference_num: str) -> bool:
    if candidate == reference_num:
        return True
    prefix = f"{reference_num}-"
    return candidate.startswith(prefix) and candidate[len(prefix) :].isdigit()


def _split_number(order: ExtensivOrder) -> int:
    suffix = order.reference_num.rsplit("-", 1)[-1]
    return int(suffix) if suffix.isdigit() else 0
