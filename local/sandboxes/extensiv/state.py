"""In-memory state of the emulated 3PL: one customer, its facilities, items, stock, orders, receivers.

Every public method takes the state's re-entrant lock, so the Flask threads and the warehouse
ticker can share one `WarehouseState`. Times are kept as aware UTC datetimes and rendered as
naive facility-local strings at the edge (see `local_time`).
"""

from __future__ import annotations

import base64
import copy
import logging
import math
import random
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .config import WINDOWS_TIME_ZONES, Carrier, SandboxConfig
from .errors import (
    AuthorizationError,
    ModelValidationError,
    NotFoundError,
    OperationError,
    RateLimitedError,
    TokenError,
    precondition_failed,
    precondition_required,
)
from .rql import parse_datetime

logger = logging.getLogger(__name__)


class SandboxConflict(Exception):
    """A control request that does not fit the record's state (e.g. shipping a closed order)."""


STATUS_OPEN = 0
STATUS_CLOSED = 1
STATUS_CANCELED = 2

UNITS_OF_MEASURE = {"each": 1, "case": 2, "pallet": 3, "box": 4, "pack": 5, "pair": 6, "set": 7, "unit": 8}

ORDER_FIELDS_FROM_BODY = (
    "description",
    "poNum",
    "externalId",
    "earliestShipDate",
    "shipCancelDate",
    "notes",
    "shippingNotes",
    "billingCode",
    "asnNumber",
    "invoiceNumber",
    "soldTo",
    "billTo",
    "savedElements",
    "fulfillInvInfo",
    "parcelOption",
)
ROUTING_KEYS = (
    "carrier",
    "mode",
    "scacCode",
    "account",
    "shipPointZip",
    "isCod",
    "isInsurance",
    "requiresDeliveryConf",
    "requiresReturnReceipt",
    "loadNumber",
    "billOfLading",
    "trackingNumber",
    "trailerNumber",
    "sealNumber",
    "doorNumber",
    "pickupDate",
)
CONTACT_KEYS = (
    "companyName",
    "name",
    "title",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "country",
    "phoneNumber",
    "emailAddress",
    "dept",
    "code",
)
RECEIVER_FIELDS_FROM_BODY = (
    "poNum",
    "externalId",
    "receiptAdviceNumber",
    "expectedDate",
    "notes",
    "scacCode",
    "carrier",
    "billOfLading",
    "trackingNumber",
    "trailerNumber",
    "sealNumber",
    "doorNumber",
    "savedElements",
)


def etag_for(row_version: int) -> str:
    """An opaque quoted ETag that looks like a SQL Server rowversion, as the API's appear to be."""
    return '"' + base64.b64encode(row_version.to_bytes(8, "big")).decode() + '"'


def _normalise_etag(value: str) -> str:
    # NOTE: reference/extensiv.md §1.4 [L]: ExtensivSharp echoes the ETag marked weak
    # (W/"...") and works in production, so the weak prefix is not held against a client.
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass
class Facility:
    facility_id: int
    name: str
    code: str
    time_zone_name: str
    address: dict[str, Any]
    row_version: int
    deactivated: bool = False


@dataclass
class Item:
    item_id: int
    sku: str
    fields: dict[str, Any]
    created: datetime
    modified: datetime
    row_version: int
    deactivated: bool = False


@dataclass
class StockRecord:
    """Stock of one SKU in one facility.

    NOTE: reference/extensiv.md §4.1 [H]: the reported `allocated` includes units already
    shipped, so it does not fall when an order ships; `available` is what is free to sell.
    """

    sku: str
    facility_id: int
    receive_item_id: int
    total_received: float = 0.0
    on_hand: float = 0.0
    on_hold: float = 0.0
    allocated_open: float = 0.0
    shipped: float = 0.0

    @property
    def available(self) -> float:
        return max(0.0, self.on_hand - self.allocated_open - self.on_hold)

    @property
    def allocated(self) -> float:
        return self.allocated_open + self.shipped


@dataclass
class OrderLine:
    order_item_id: int
    item_id: int
    sku: str
    qty: float
    fields: dict[str, Any]
    modified: datetime
    row_version: int
    allocated: float = 0.0


@dataclass
class PackageContent:
    package_content_id: int
    order_item_id: int
    qty: float
    created: datetime


@dataclass
class Package:
    package_id: int
    tracking_number: str
    contents: list[PackageContent]
    created: datetime
    weight: float = 1.0


@dataclass
class Order:
    order_id: int
    customer_id: int
    facility_id: int
    reference_num: str
    fields: dict[str, Any]
    ship_to: dict[str, Any]
    routing_info: dict[str, Any]
    lines: list[OrderLine]
    created: datetime
    modified: datetime
    created_ts: float
    row_version: int
    defer_notification: bool = False
    status: int = STATUS_OPEN
    is_closed: bool = False
    process_date: datetime | None = None
    pick_done_date: datetime | None = None
    pack_done_date: datetime | None = None
    packages: list[Package] = field(default_factory=list)
    cancel_reason: str | None = None

    @property
    def fully_allocated(self) -> bool:
        return all(line.allocated >= line.qty for line in self.lines)


@dataclass
class ReceiveLine:
    receive_item_id: int
    item_id: int
    sku: str
    qty: float
    fields: dict[str, Any]


@dataclass
class Receiver:
    receiver_id: int
    customer_id: int
    facility_id: int
    reference_num: str
    fields: dict[str, Any]
    lines: list[ReceiveLine]
    is_return: bool
    created: datetime
    modified: datetime
    created_ts: float
    row_version: int
    defer_notification: bool = False
    status: int = STATUS_OPEN
    arrival_date: datetime | None = None
    cancel_reason: str | None = None


@dataclass
class Token:
    value: str
    expires_at: float
    user_id: int | None


class _Counters:
    def __init__(self) -> None:
        self._values = {
            "row_version": 2000,
            "order": 50000,
            "order_item": 200000,
            "package": 900000,
            "package_content": 950000,
            "receiver": 7000,
            "receive_item": 300000,
            "item": 30000,
            "facility": 0,
        }

    def next(self, name: str) -> int:
        self._values[name] += 1
        return self._values[name]


class WarehouseState:
    """The emulated tenant. Construct with a config and optional seed data (facilities, items, stock)."""

    def __init__(
        self,
        config: SandboxConfig | None = None,
        seed_data: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lock = threading.RLock()
        self._wall_clock = clock
        self._initial_config = (config or SandboxConfig()).model_copy(deep=True)
        self._initial_seed = copy.deepcopy(seed_data or {})
        self._reset_locked()

    # -- lifecycle ------------------------------------------------------------------------

    def _reset_locked(self) -> None:
        self.config = self._initial_config.model_copy(deep=True)
        self._clock_offset = 0.0
        self._counters = _Counters()
        self.facilities: dict[int, Facility] = {}
        self.items: dict[int, Item] = {}
        self.stock: dict[tuple[str, int], StockRecord] = {}
        self.orders: dict[int, Order] = {}
        self.receivers: dict[int, Receiver] = {}
        self.tokens: dict[str, Token] = {}
        self.customer_created = self.now()
        self._bucket = (float(self.config.rate_limit_burst), self.clock())
        self._last_drift = self.clock()
        self._drift_rng = random.Random(f"{self.config.seed}:drift")
        self.load_seed(self._initial_seed)

    def reset(self) -> None:
        with self.lock:
            self._reset_locked()

    def load_seed(self, seed: dict[str, Any]) -> None:
        with self.lock:
            facilities = seed.get("facilities") or [{"id": 1, "name": "Sandbox Warehouse", "code": "SBX"}]
            for facility in facilities:
                self.upsert_facility(facility)
            for item in seed.get("items") or []:
                self.upsert_item(item)
            for row in seed.get("stock") or []:
                self.set_stock(row)

    def update_config(self, patch: dict[str, Any]) -> SandboxConfig:
        with self.lock:
            merged = self.config.model_dump() | patch
            new_config = SandboxConfig.model_validate(merged)
            if new_config.seed != self.config.seed:
                self._drift_rng = random.Random(f"{new_config.seed}:drift")
            self.config = new_config
            self._bucket = (float(new_config.rate_limit_burst), self.clock())
            return self.config

    # -- time -----------------------------------------------------------------------------

    def clock(self) -> float:
        return self._wall_clock() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        with self.lock:
            self._clock_offset += seconds

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def zone_for(self, facility_id: int | None) -> ZoneInfo:
        facility = self.facilities.get(facility_id) if facility_id is not None else None
        name = facility.time_zone_name if facility else self.config.server_time_zone_name
        return ZoneInfo(WINDOWS_TIME_ZONES.get(name, "UTC"))

    def local_time(self, moment: datetime | None, facility_id: int | None = None) -> str | None:
        """Render a moment as the API does: naive, to the second, in the facility's time zone.

        NOTE: reference/extensiv.md §8.6 [L]: the zone of `creationDate` and
        `lastModifiedDate` is undocumented (server vs warehouse time). The sandbox uses the
        facility's `timeZoneName` for transactions and `server_time_zone_name` for the rest,
        so a client that treats these dates as UTC is visibly wrong and cursors need overlap.
        """
        if moment is None:
            return None
        return moment.astimezone(self.zone_for(facility_id)).replace(tzinfo=None).isoformat(timespec="seconds")

    def _next_row_version(self) -> int:
        return self._counters.next("row_version")

    # -- auth -----------------------------------------------------------------------------

    def issue_token(self, client_id: str | None, client_secret: str | None, body: Any) -> dict[str, Any]:
        """Answer the token call or raise TokenError in the auth server's `{"Message"}` shape."""
        with self.lock:
            config = self.config
            client_ok = client_id == config.client_id and client_secret == config.client_secret
            if not client_ok:
                raise TokenError(401, "invalid_client: client not registered")
            if not isinstance(body, dict):
                raise TokenError(400, "invalid_request: body must be a JSON object")
            if body.get("grant_type") != "client_credentials":
                raise TokenError(400, "unsupported_grant_type")
            self._check_tpl(body.get("tpl"))
            user_id = self._user_for(body)

            lifetime = config.token_lifetime_seconds
            token = Token(secrets.token_urlsafe(96), self.clock() + lifetime, user_id)
            self._prune_tokens()
            self.tokens[token.value] = token
            return {
                "access_token": token.value,
                "token_type": "Bearer",
                "expires_in": max(1, math.floor(lifetime)),
                "refresh_token": None,
                "scope": None,
            }

    def _check_tpl(self, tpl: Any) -> None:
        # NOTE: reference/extensiv.md §2.2 [M]: `tpl` is required only for Single-Tenant
        # dynamic credentials and harmless otherwise; a wrong one fails like a wrong client.
        expected = self.config.tpl
        if expected is None:
            return
        if tpl is None:
            if self.config.tpl_required:
                raise TokenError(401, "invalid_client: client not registered")
            return
        if str(tpl).strip("{}").lower() != expected.strip("{}").lower():
            raise TokenError(401, "invalid_client: client not registered")

    def _user_for(self, body: dict[str, Any]) -> int | None:
        """The user the token acts as, None when the body names none.

        NOTE: reference/extensiv.md §2.2 [H]: the user is named by `user_login_id` (numeric
        id) or `user_login` (login name; the help center says the numeric id works there too).
        A wrong user's answer is undocumented [L]: the sandbox answers 400 with the auth
        server's Message shape and an OAuth `invalid_grant` prefix, so a client can tell it
        from `invalid_client` (wrong id or secret).
        """
        config = self.config
        named = {name: body.get(name) for name in ("user_login", "user_login_id") if body.get(name) is not None}
        if not named:
            return None
        accepted = {
            "user_login": {config.user_login.lower(), str(config.user_id)},
            "user_login_id": {str(config.user_id)},
        }
        for name, value in named.items():
            if name in config.user_fields and str(value).strip().lower() in accepted[name]:
                return config.user_id
        raise TokenError(400, "invalid_grant: user login is not valid for this client")

    def _prune_tokens(self) -> None:
        now = self.clock()
        for value in [value for value, token in self.tokens.items() if token.expires_at <= now]:
            del self.tokens[value]

    def token_for(self, value: str) -> Token | None:
        with self.lock:
            token = self.tokens.get(value)
            if token is None or token.expires_at <= self.clock():
                return None
            return token

    def require_user(self, token: Token) -> None:
        # NOTE: reference/extensiv.md §2.2 [M] (Celigo): a token obtained without a user
        # login does not work for transactional calls such as orders and receivers.
        if token.user_id is None:
            raise AuthorizationError("UserRequired", "The access token was issued without a user login")

    def take_rate_limit(self) -> None:
        """Spend one request from the token bucket; raise RateLimitedError when it is empty."""
        with self.lock:
            rate = self.config.rate_limit_per_second
            if rate is None:
                return
            burst = float(self.config.rate_limit_burst)
            tokens, last = self._bucket
            now = self.clock()
            tokens = min(burst, tokens + (now - last) * rate)
            if tokens < 1:
                self._bucket = (tokens, now)
                raise RateLimitedError(max(1, math.ceil((1 - tokens) / rate)))
            self._bucket = (tokens - 1, now)

    # -- facilities, customer, items, stock ----------------------------------------------

    def upsert_facility(self, data: dict[str, Any]) -> Facility:
        with self.lock:
            facility_id = int(data.get("id") or data.get("facilityId") or 0)
            if facility_id <= 0:
                facility_id = max(self.facilities, default=0) + 1
            existing = self.facilities.get(facility_id)
            time_zone = data.get("timeZoneName") or (existing.time_zone_name if existing else None)
            time_zone = time_zone or self.config.server_time_zone_name
            if time_zone not in WINDOWS_TIME_ZONES:
                raise ValueError(f"unknown timeZoneName {time_zone!r}; known: {sorted(WINDOWS_TIME_ZONES)}")
            facility = Facility(
                facility_id=facility_id,
                name=data.get("name") or (existing.name if existing else f"Facility {facility_id}"),
                code=data.get("code") or (existing.code if existing else f"F{facility_id}"),
                time_zone_name=time_zone,
                address=data.get("address") or (existing.address if existing else {}),
                row_version=self._next_row_version(),
                deactivated=bool(data.get("deactivated", False)),
            )
            self.facilities[facility_id] = facility
            return facility

    def facility_by_identifier(self, identifier: Any) -> Facility | None:
        if not isinstance(identifier, dict):
            return None
        if identifier.get("id") not in (None, 0):
            return self.facilities.get(_as_int(identifier.get("id")))
        name = str(identifier.get("name") or "").lower()
        return next((f for f in self.facilities.values() if name and f.name.lower() == name), None)

    def customer_matches(self, identifier: Any) -> bool:
        # NOTE: reference/extensiv.md §3.1 [H] (REL-identifiers): `id` wins when present,
        # otherwise `name` or `externalId` resolve the customer.
        if not isinstance(identifier, dict):
            return False
        config = self.config
        if identifier.get("id") not in (None, 0):
            return _as_int(identifier.get("id")) == config.customer_id
        name = str(identifier.get("name") or "").lower()
        external_id = str(identifier.get("externalId") or "").lower()
        return bool(name and name == config.customer_name.lower()) or bool(
            external_id and external_id == config.customer_external_id.lower()
        )

    def item_by_sku(self, sku: str) -> Item | None:
        wanted = sku.strip().lower()
        return next((item for item in self.items.values() if item.sku.lower() == wanted), None)

    def item_by_identifier(self, identifier: Any) -> Item | None:
        if not isinstance(identifier, dict):
            return None
        if identifier.get("id") not in (None, 0):
            return self.items.get(_as_int(identifier.get("id")))
        sku = identifier.get("sku")
        return self.item_by_sku(str(sku)) if sku else None

    def upsert_item(self, data: dict[str, Any]) -> Item:
        """Add or replace a catalog item by SKU (control route; no validation beyond the SKU)."""
        with self.lock:
            sku = str(data.get("sku") or "").strip()
            if not sku:
                raise ValueError("sku is required")
            now = self.now()
            existing = self.item_by_sku(sku)
            fields = {key: value for key, value in data.items() if key not in ("sku", "itemId", "readOnly")}
            fields.setdefault("description", sku)
            if existing:
                existing.fields.update(fields)
                existing.modified = now
                existing.row_version = self._next_row_version()
                return existing
            item_id = _as_int(data.get("itemId")) or self._counters.next("item")
            item = Item(item_id, sku, fields, now, now, self._next_row_version())
            self.items[item_id] = item
            return item

    def peek_stock(self, sku: str, facility_id: int) -> StockRecord | None:
        return self.stock.get((sku.lower(), facility_id))

    def stock_for(self, sku: str, facility_id: int) -> StockRecord:
        key = (sku.lower(), facility_id)
        record = self.stock.get(key)
        if record is None:
            record = StockRecord(sku=sku, facility_id=facility_id, receive_item_id=self._counters.next("receive_item"))
            self.stock[key] = record
        return record

    def set_stock(self, data: dict[str, Any]) -> StockRecord:
        """Set the physical stock of a SKU in a facility (the control route behind POST /_sandbox/stock)."""
        with self.lock:
            sku = str(data.get("sku") or "").strip()
            facility_id = _as_int(data.get("facilityId") or data.get("facility_id"))
            if not sku or facility_id not in self.facilities:
                raise ValueError("sku and an existing facilityId are required")
            if self.item_by_sku(sku) is None:
                self.upsert_item({"sku": sku})
            record = self.stock_for(self.item_by_sku(sku).sku, facility_id)
            on_hand = _as_float(data.get("onHand", data.get("on_hand")))
            if on_hand is not None:
                received_delta = max(0.0, on_hand - record.on_hand)
                record.on_hand = on_hand
                record.total_received += received_delta
            on_hold = _as_float(data.get("onHold", data.get("on_hold")))
            if on_hold is not None:
                record.on_hold = on_hold
            total_received = _as_float(data.get("totalReceived"))
            if total_received is not None:
                record.total_received = total_received
            self._allocate_open_orders()
            return record

    # -- orders ---------------------------------------------------------------------------

    def get_order(self, order_id: int) -> Order:
        order = self.orders.get(order_id)
        if order is None:
            raise NotFoundError()
        return order

    def create_order(self, body: Any) -> Order:
        """Validate an OrderCreate body like the API (§3.1) and store the order, allocating stock."""
        with self.lock:
            if not isinstance(body, dict):
                raise ModelValidationError("Order", "Required", "An order body is required", [("Order", None)])
            self._require_customer(body, "Order")
            facility = self._require_facility(body, "Order")
            reference_num = _require_text(body, "referenceNum", "Order", "ReferenceNum")
            self._check_unique_reference(reference_num, None)
            ship_to = _validated_ship_to(body.get("shipTo"))
            lines = self._build_order_lines(body.get("orderItems"), [])

            now = self.now()
            order = Order(
                order_id=self._counters.next("order"),
                customer_id=self.config.customer_id,
                facility_id=facility.facility_id,
                reference_num=reference_num,
                fields={key: body.get(key) for key in ORDER_FIELDS_FROM_BODY},
                ship_to=ship_to,
                routing_info=_routing_info(body.get("routingInfo")),
                lines=lines,
                created=now,
                modified=now,
                created_ts=self.clock(),
                row_version=self._next_row_version(),
                defer_notification=bool(body.get("deferNotification", False)),
            )
            self.orders[order.order_id] = order
            self._allocate(order)
            return order

    def _require_customer(self, body: dict[str, Any], model: str) -> None:
        identifier = body.get("customerIdentifier")
        if not isinstance(identifier, dict) or not any(identifier.get(k) for k in ("id", "name", "externalId")):
            raise ModelValidationError(
                model, "Required", "CustomerIdentifier is required", [("CustomerIdentifier", None)]
            )
        if not self.customer_matches(identifier):
            raise ModelValidationError(
                model, "DoesNotExist", "Customer does not exist", [("CustomerIdentifier", identifier)]
            )

    def _require_facility(self, body: dict[str, Any], model: str) -> Facility:
        identifier = body.get("facilityIdentifier")
        if not isinstance(identifier, dict) or not any(identifier.get(k) for k in ("id", "name")):
            raise ModelValidationError(
                model, "Required", "FacilityIdentifier is required", [("FacilityIdentifier", None)]
            )
        facility = self.facility_by_identifier(identifier)
        if facility is None or facility.deactivated:
            raise ModelValidationError(
                model, "DoesNotExist", "Facility does not exist", [("FacilityIdentifier", identifier)]
            )
        return facility

    def _check_unique_reference(self, reference_num: str, own_order_id: int | None) -> None:
        # NOTE: reference/extensiv.md §3.1 and §9 q1 [L]: uniqueness scope is undocumented;
        # the sandbox treats referenceNum as unique per customer, cancelled orders included.
        if not self.config.reference_num_unique:
            return
        wanted = reference_num.lower()
        for order in self.orders.values():
            if order.order_id != own_order_id and order.reference_num.lower() == wanted:
                raise ModelValidationError(
                    "Order",
                    "Duplicate",
                    "An order with this ReferenceNum already exists for the customer",
                    [("ReferenceNum", reference_num)],
                )

    def _build_order_lines(self, raw_lines: Any, previous: list[OrderLine]) -> list[OrderLine]:
        if not isinstance(raw_lines, list) or not raw_lines:
            raise ModelValidationError("Order", "Required", "OrderItems is required", [("OrderItems", None)])
        by_id = {line.order_item_id: line for line in previous}
        now = self.now()
        lines = []
        for raw in raw_lines:
            if not isinstance(raw, dict):
                raise ModelValidationError("OrderItem", "Required", "OrderItem is required", [("OrderItem", raw)])
            item = self._require_item(raw.get("itemIdentifier"), "OrderItem")
            qty = _as_float(raw.get("qty"))
            if qty is None or qty <= 0:
                raise ModelValidationError("OrderItem", "Required", "Qty must be positive", [("Qty", raw.get("qty"))])
            read_only = raw.get("readOnly") if isinstance(raw.get("readOnly"), dict) else {}
            kept = by_id.get(_as_int(read_only.get("orderItemId")))
            fields = {key: value for key, value in raw.items() if key not in ("itemIdentifier", "qty", "readOnly")}
            fields.setdefault("qualifier", "")
            lines.append(
                OrderLine(
                    order_item_id=kept.order_item_id if kept else self._counters.next("order_item"),
                    item_id=item.item_id,
                    sku=item.sku,
                    qty=qty,
                    fields=fields,
                    modified=now,
                    row_version=self._next_row_version(),
                )
            )
        return lines

    def _require_item(self, identifier: Any, model: str) -> Item:
        if not isinstance(identifier, dict) or not (identifier.get("sku") or identifier.get("id")):
            raise ModelValidationError(model, "Required", "ItemIdentifier is required", [("ItemIdentifier", None)])
        item = self.item_by_identifier(identifier)
        if item is None or item.deactivated:
            sku = identifier.get("sku") if identifier.get("id") in (None, 0) else identifier.get("id")
            name = "Sku" if identifier.get("id") in (None, 0) else "ItemId"
            raise ModelValidationError(
                model, "DoesNotExist", f"Item {sku} does not exist for the customer", [(name, sku)]
            )
        return item

    def update_order(self, order_id: int, if_match: str | None, body: Any, replace_lines: bool) -> Order:
        """PUT /orders/{id}: replace the writable fields of an open order.

        NOTE: reference/extensiv.md §3.7 and §9 q9 [L]: whether a PUT without
        detail=OrderItems keeps the lines is unverified; the sandbox keeps them and only
        replaces lines when the request asks for detail=OrderItems (or All).
        """
        with self.lock:
            order = self.get_order(order_id)
            self._check_if_match(order.row_version, if_match, "Order", "Update")
            self._require_open(order, "Update")
            if not isinstance(body, dict):
                raise ModelValidationError("Order", "Required", "An order body is required", [("Order", None)])
            reference_num = _require_text(body, "referenceNum", "Order", "ReferenceNum")
            self._check_unique_reference(reference_num, order.order_id)
            ship_to = _validated_ship_to(body.get("shipTo"))
            new_lines = self._build_order_lines(body.get("orderItems"), order.lines) if replace_lines else None
            if "facilityIdentifier" in body:
                facility = self._require_facility(body, "Order")
            else:
                facility = self.facilities[order.facility_id]

            self._release(order)
            order.reference_num = reference_num
            order.facility_id = facility.facility_id
            order.ship_to = ship_to
            order.routing_info = _routing_info(body.get("routingInfo"))
            order.fields = {key: body.get(key) for key in ORDER_FIELDS_FROM_BODY}
            if new_lines is not None:
                order.lines = new_lines
            self._touch(order)
            self._allocate(order)
            return order

    def cancel_order(self, order_id: int, if_match: str | None, body: Any) -> Order:
        """POST /orders/{id}/canceler (§3.5): If-Match, a reason, and only while open."""
        with self.lock:
            order = self.get_order(order_id)
            self._check_if_match(order.row_version, if_match, "Order", "Cancel")
            reason = body.get("reason") if isinstance(body, dict) else None
            if not isinstance(reason, str) or not reason.strip():
                raise ModelValidationError("CancelOrder", "Required", "Reason is required", [("Reason", None)])
            self._require_open(order, "Cancel")
            self._cancel(order, reason)
            return order

    def confirm_order(self, order_id: int, if_match: str | None, body: Any) -> Order:
        """POST /orders/{id}/confirmer (§3.6): closes a fully allocated open order, no packages."""
        with self.lock:
            order = self.get_order(order_id)
            self._check_if_match(order.row_version, if_match, "Order", "Confirm")
            self._require_open(order, "Confirm")
            body = body if isinstance(body, dict) else {}
            confirm_date = self._date_not_in_future(body.get("confirmDate"), order.facility_id, "Order", "Confirm")
            if not order.fully_allocated:
                raise OperationError("Order", "Confirm", "NotFullyAllocated", "The order is not fully allocated")
            if body.get("trackingNumber"):
                order.routing_info["trackingNumber"] = body["trackingNumber"]
            for key in ("trailerNumber", "sealNumber", "billOfLading", "loadNumber", "doorNumber", "pickupDate"):
                if body.get(key) is not None:
                    order.routing_info[key] = body[key]
            self._close_shipped(order, confirm_date)
            return order

    def _date_not_in_future(self, raw: Any, facility_id: int, action_type: str, action: str) -> datetime:
        now = self.now()
        if raw in (None, ""):
            return now
        try:
            local = parse_datetime(str(raw))
        except ValueError:
            raise ModelValidationError(action_type, "ValueNotSupported", "Date is not valid", [("Date", raw)]) from None
        moment = local.replace(tzinfo=self.zone_for(facility_id)).astimezone(UTC)
        if moment > now:
            raise OperationError(action_type, action, "DateInFuture", "The date cannot be in the future")
        return moment

    def _check_if_match(self, row_version: int, if_match: str | None, action_type: str, action: str) -> None:
        if if_match is None or not if_match.strip():
            raise precondition_required(action_type, action)
        if _normalise_etag(if_match) != _normalise_etag(etag_for(row_version)):
            raise precondition_failed(action_type, action)

    def _require_open(self, order: Order, action: str) -> None:
        if order.status == STATUS_CANCELED:
            raise OperationError("Order", action, "OrderCanceled", "The order has been canceled")
        if order.is_closed:
            raise OperationError("Order", action, "OrderConfirmed", "The order has been confirmed")

    def _touch(self, record: Order | Receiver) -> None:
        record.modified = self.now()
        record.row_version = self._next_row_version()

    # -- allocation and the warehouse's own moves ----------------------------------------

    def _allocate(self, order: Order) -> None:
        if order.status != STATUS_OPEN or order.defer_notification:
            return
        changed = False
        for line in order.lines:
            missing = line.qty - line.allocated
            if missing <= 0:
                continue
            record = self.stock_for(line.sku, order.facility_id)
            take = min(missing, record.available)
            if take > 0:
                line.allocated += take
                record.allocated_open += take
                changed = True
        if changed:
            self._touch(order)

    def _allocate_open_orders(self) -> None:
        for order in sorted(self.orders.values(), key=lambda o: o.order_id):
            if order.status == STATUS_OPEN and not order.fully_allocated:
                self._allocate(order)

    def _release(self, order: Order) -> None:
        for line in order.lines:
            if line.allocated > 0:
                record = self.stock_for(line.sku, order.facility_id)
                record.allocated_open = max(0.0, record.allocated_open - line.allocated)
                line.allocated = 0.0

    def _cancel(self, order: Order, reason: str) -> None:
        self._release(order)
        order.status = STATUS_CANCELED
        # NOTE: reference/extensiv.md §3.4 [L]: whether a cancelled order reads isClosed is
        # not stated; the reference advises treating only `isClosed && status==1` as shipped,
        # so the sandbox closes cancelled orders too and clients must look at status.
        order.is_closed = True
        order.cancel_reason = reason
        self._touch(order)
        self._allocate_open_orders()

    def _close_shipped(self, order: Order, when: datetime) -> None:
        for line in order.lines:
            record = self.stock_for(line.sku, order.facility_id)
            record.allocated_open = max(0.0, record.allocated_open - line.allocated)
            record.on_hand = max(0.0, record.on_hand - line.qty)
            record.shipped += line.qty
            line.allocated = line.qty
        order.status = STATUS_CLOSED
        order.is_closed = True
        order.process_date = when
        order.pick_done_date = order.pick_done_date or when
        order.pack_done_date = order.pack_done_date or when
        self._touch(order)

    def ship_order(
        self,
        order_id: int,
        packages: list[list[dict[str, Any]]] | None = None,
        carrier_name: str | None = None,
        force: bool = False,
        split: bool | None = None,
    ) -> Order:
        """The warehouse picks, packs and confirms an order now (control route and ticker)."""
        with self.lock:
            order = self.get_order(order_id)
            if order.status != STATUS_OPEN:
                raise SandboxConflict(f"order {order_id} is not open")
            if not order.fully_allocated and not force:
                raise SandboxConflict(f"order {order_id} is not fully allocated; pass force to ship anyway")
            rng = random.Random(f"{self.config.seed}:ship:{order_id}")
            carrier = self._carrier_for(order, carrier_name, rng)
            if packages is not None:
                groups = self._package_groups_from_request(order, packages)
            else:
                wants_split = split if split is not None else rng.random() < self.config.split_ratio
                groups = _split_lines(order.lines) if wants_split else [[(line, line.qty) for line in order.lines]]

            now = self.now()
            order.packages = []
            for group in groups:
                package_id = self._counters.next("package")
                contents = [
                    PackageContent(self._counters.next("package_content"), line.order_item_id, qty, now)
                    for line, qty in group
                ]
                tracking = _tracking_number(carrier.tracking_format, rng)
                weight = round(0.4 + 0.3 * sum(qty for _, qty in group), 2)
                order.packages.append(Package(package_id, tracking, contents, now, weight))
            order.routing_info.update(
                {
                    "carrier": carrier.name,
                    "mode": carrier.mode,
                    "scacCode": carrier.scac_code,
                    "trackingNumber": order.packages[0].tracking_number if order.packages else None,
                }
            )
            self._close_shipped(order, now)
            logger.info("sandbox order shipped", extra={"order_id": order_id, "packages": len(order.packages)})
            return order

    def _carrier_for(self, order: Order, name: str | None, rng: random.Random) -> Carrier:
        # The warehouse honours a carrier the order asked for; otherwise it picks by weight.
        carriers = self.config.carriers
        wanted = name or order.routing_info.get("carrier")
        if wanted:
            match = next((c for c in carriers if c.name.lower() == str(wanted).lower()), None)
            mode = order.routing_info.get("mode") or "Ground"
            return match or Carrier(name=str(wanted), mode=mode, tracking_format="generic")
        if not carriers:
            return Carrier(name="UPS", mode="Ground", scac_code="UPSN", tracking_format="ups")
        weights = [c.weight for c in carriers]
        if sum(weights) <= 0:
            weights = [1.0] * len(carriers)
        return rng.choices(carriers, weights=weights, k=1)[0]

    def _package_groups_from_request(
        self, order: Order, packages: list[list[dict[str, Any]]]
    ) -> list[list[tuple[OrderLine, float]]]:
        groups = []
        for package in packages:
            group = []
            for entry in package:
                line = _find_line(order, entry)
                qty = _as_float(entry.get("qty"))
                if line is None or qty is None or qty <= 0:
                    raise ValueError(f"package line {entry!r} does not match a line of order {order.order_id}")
                group.append((line, qty))
            if group:
                groups.append(group)
        if not groups:
            raise ValueError("packages must hold at least one line")
        return groups

    def warehouse_cancel(self, order_id: int, reason: str = "Canceled by warehouse") -> Order:
        with self.lock:
            order = self.get_order(order_id)
            if order.status != STATUS_OPEN:
                raise SandboxConflict(f"order {order_id} is not open")
            self._cancel(order, reason)
            return order

    # -- receivers ------------------------------------------------------------------------

    def get_receiver(self, receiver_id: int) -> Receiver:
        receiver = self.receivers.get(receiver_id)
        if receiver is None:
            raise NotFoundError()
        return receiver

    def create_receiver(self, body: Any) -> Receiver:
        """POST /inventory/receivers (§7.1); `isReturn` makes it a return (§7.3)."""
        with self.lock:
            if not isinstance(body, dict):
                raise ModelValidationError("Receiver", "Required", "A receiver body is required", [("Receiver", None)])
            self._require_customer(body, "Receiver")
            facility = self._require_facility(body, "Receiver")
            reference_num = _require_text(body, "referenceNum", "Receiver", "ReferenceNum")
            lines = self._build_receive_lines(body.get("receiveItems"))
            now = self.now()
            receiver = Receiver(
                receiver_id=self._counters.next("receiver"),
                customer_id=self.config.customer_id,
                facility_id=facility.facility_id,
                reference_num=reference_num,
                fields={key: body.get(key) for key in RECEIVER_FIELDS_FROM_BODY},
                lines=lines,
                is_return=bool(body.get("isReturn", False)),
                created=now,
                modified=now,
                created_ts=self.clock(),
                row_version=self._next_row_version(),
                defer_notification=bool(body.get("deferNotification", False)),
            )
            self.receivers[receiver.receiver_id] = receiver
            return receiver

    def _build_receive_lines(self, raw_lines: Any) -> list[ReceiveLine]:
        # NOTE: reference/extensiv.md §8.8 [H]: on a PUT, readOnly.receiveItemId names an
        # existing line (0 adds one); the sandbox rebuilds the list and keeps no other state.
        if not isinstance(raw_lines, list) or not raw_lines:
            raise ModelValidationError("Receiver", "Required", "ReceiveItems is required", [("ReceiveItems", None)])
        lines = []
        for raw in raw_lines:
            if not isinstance(raw, dict):
                raise ModelValidationError("ReceiveItem", "Required", "ReceiveItem is required", [("ReceiveItem", raw)])
            item = self._require_item(raw.get("itemIdentifier"), "ReceiveItem")
            qty = _as_float(raw.get("qty"))
            if qty is None or qty <= 0:
                raise ModelValidationError("ReceiveItem", "Required", "Qty must be positive", [("Qty", raw.get("qty"))])
            read_only = raw.get("readOnly") if isinstance(raw.get("readOnly"), dict) else {}
            line_id = _as_int(read_only.get("receiveItemId")) or self._counters.next("receive_item")
            fields = {key: value for key, value in raw.items() if key not in ("itemIdentifier", "qty", "readOnly")}
            fields.setdefault("qualifier", "")
            lines.append(ReceiveLine(line_id, item.item_id, item.sku, qty, fields))
        return lines

    def update_receiver(self, receiver_id: int, if_match: str | None, body: Any) -> Receiver:
        with self.lock:
            receiver = self.get_receiver(receiver_id)
            self._check_if_match(receiver.row_version, if_match, "Receiver", "Update")
            self._require_open_receiver(receiver, "Update")
            if not isinstance(body, dict):
                raise ModelValidationError("Receiver", "Required", "A receiver body is required", [("Receiver", None)])
            receiver.reference_num = _require_text(body, "referenceNum", "Receiver", "ReferenceNum")
            if "receiveItems" in body:
                receiver.lines = self._build_receive_lines(body.get("receiveItems"))
            receiver.fields = {key: body.get(key) for key in RECEIVER_FIELDS_FROM_BODY}
            self._touch(receiver)
            return receiver

    def confirm_receiver(self, receiver_id: int, if_match: str | None, body: Any) -> Receiver:
        """POST /inventory/receivers/{id}/confirmer: put the lines on hand as they stand."""
        with self.lock:
            receiver = self.get_receiver(receiver_id)
            self._check_if_match(receiver.row_version, if_match, "Receiver", "Confirm")
            self._require_open_receiver(receiver, "Confirm")
            body = body if isinstance(body, dict) else {}
            arrival = self._date_not_in_future(body.get("arrivalDate"), receiver.facility_id, "Receiver", "Confirm")
            for key in ("trackingNumber", "trailerNumber", "sealNumber", "billOfLading"):
                if body.get(key) is not None:
                    receiver.fields[key] = body[key]
            self._close_received(receiver, arrival)
            return receiver

    def cancel_receiver(self, receiver_id: int, if_match: str | None, body: Any) -> Receiver:
        with self.lock:
            receiver = self.get_receiver(receiver_id)
            self._check_if_match(receiver.row_version, if_match, "Receiver", "Cancel")
            reason = body.get("reason") if isinstance(body, dict) else None
            if not isinstance(reason, str) or not reason.strip():
                raise ModelValidationError("CancelReceiver", "Required", "Reason is required", [("Reason", None)])
            self._require_open_receiver(receiver, "Cancel")
            receiver.status = STATUS_CANCELED
            receiver.cancel_reason = reason
            self._touch(receiver)
            return receiver

    def _require_open_receiver(self, receiver: Receiver, action: str) -> None:
        # NOTE: reference/extensiv.md §8.2 [M] lists OperationException codes without
        # saying which applies to receivers; the sandbox picks the closest names.
        if receiver.status == STATUS_CANCELED:
            raise OperationError("Receiver", action, "OrderCanceled", "The receiver has been canceled")
        if receiver.status == STATUS_CLOSED:
            raise OperationError("Receiver", action, "AlreadyCompleted", "The receiver has been confirmed")

    def receive(self, receiver_id: int, quantities: dict[str, float] | None = None) -> Receiver:
        """The warehouse counts what arrived, edits the lines to match, and confirms the receiver.

        NOTE: reference/extensiv.md §7.2 [L]: whether `qty` means expected or received is
        ambiguous; here it is the expected quantity until status 1, then what was received.
        """
        with self.lock:
            receiver = self.get_receiver(receiver_id)
            if receiver.status != STATUS_OPEN:
                raise SandboxConflict(f"receiver {receiver_id} is not open")
            if quantities is not None:
                wanted = {sku.lower(): qty for sku, qty in quantities.items()}
                for line in receiver.lines:
                    line.qty = float(wanted.get(line.sku.lower(), line.qty))
            else:
                self._apply_shortfall(receiver)
            self._close_received(receiver, self.now())
            return receiver

    def _apply_shortfall(self, receiver: Receiver) -> None:
        shortfall = self.config.receipt_shortfall
        if shortfall <= 0:
            return
        rng = random.Random(f"{self.config.seed}:receive:{receiver.receiver_id}")
        if rng.random() >= self.config.receipt_shortfall_ratio:
            return
        line = receiver.lines[rng.randrange(len(receiver.lines))]
        line.qty = max(0.0, line.qty - shortfall)

    def _close_received(self, receiver: Receiver, arrival: datetime) -> None:
        for line in receiver.lines:
            record = self.stock_for(line.sku, receiver.facility_id)
            record.on_hand += line.qty
            record.total_received += line.qty
        receiver.status = STATUS_CLOSED
        receiver.arrival_date = arrival
        self._touch(receiver)
        self._allocate_open_orders()

    # -- items through the API ------------------------------------------------------------

    def create_item(self, body: Any) -> Item:
        """POST /customers/{id}/items.

        NOTE: reference/extensiv.md §6 and §9 q6 [L]: the minimum body is unconfirmed; the
        sandbox requires sku, description and an inventory unit name from its UoM list.
        """
        with self.lock:
            fields = self._validated_item_body(body, None)
            now = self.now()
            item = Item(self._counters.next("item"), fields.pop("sku"), fields, now, now, self._next_row_version())
            self.items[item.item_id] = item
            return item

    def update_item(self, item_id: int, if_match: str | None, body: Any) -> Item:
        with self.lock:
            item = self.items.get(item_id)
            if item is None:
                raise NotFoundError()
            self._check_if_match(item.row_version, if_match, "Item", "Update")
            fields = self._validated_item_body(body, item.item_id)
            item.sku = fields.pop("sku")
            item.fields = fields
            item.modified = self.now()
            item.row_version = self._next_row_version()
            return item

    def _validated_item_body(self, body: Any, own_item_id: int | None) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ModelValidationError("Item", "Required", "An item body is required", [("Item", None)])
        sku = _require_text(body, "sku", "Item", "Sku")
        _require_text(body, "description", "Item", "Description")
        existing = self.item_by_sku(sku)
        if existing and existing.item_id != own_item_id:
            raise ModelValidationError("Item", "Duplicate", "An item with this Sku already exists", [("Sku", sku)])
        unit = (((body.get("options") or {}).get("inventoryUnit") or {}).get("unitIdentifier") or {}).get("name")
        if not unit:
            raise ModelValidationError(
                "Item",
                "Required",
                "Options.InventoryUnit.UnitIdentifier is required",
                [("Options.InventoryUnit.UnitIdentifier", None)],
            )
        if str(unit).lower() not in UNITS_OF_MEASURE:
            raise ModelValidationError(
                "Item", "DoesNotExist", f"Unit of measure {unit} does not exist", [("UnitIdentifier", unit)]
            )
        return {key: value for key, value in body.items() if key not in ("readOnly", "itemId", "_links")}

    # -- the warehouse at work ------------------------------------------------------------

    def tick(self) -> None:
        """One step of the warehouse: allocate, ship or cancel due orders, receive due receivers, drift."""
        with self.lock:
            config = self.config
            now = self.clock()
            self._allocate_open_orders()
            if config.ship_after_seconds is not None:
                self._work_orders(now, config.ship_after_seconds)
            if config.receive_after_seconds is not None:
                for receiver in sorted(self.receivers.values(), key=lambda r: r.receiver_id):
                    due = now - receiver.created_ts >= config.receive_after_seconds
                    if receiver.status == STATUS_OPEN and due:
                        self.receive(receiver.receiver_id)
            every = config.stock_drift_every_seconds
            if every is not None and now - self._last_drift >= every:
                self._last_drift = now
                self._drift_stock()

    def _work_orders(self, now: float, ship_after: float) -> None:
        for order in sorted(self.orders.values(), key=lambda o: o.order_id):
            due = now - order.created_ts >= ship_after
            if order.status != STATUS_OPEN or order.defer_notification or not due:
                continue
            # One draw per order id, so the outcome does not depend on tick timing.
            roll = random.Random(f"{self.config.seed}:fate:{order.order_id}").random()
            if roll < self.config.cancel_ratio:
                self._cancel(order, "Canceled by warehouse")
            elif order.fully_allocated:
                self.ship_order(order.order_id)

    def _drift_stock(self) -> None:
        """A cycle count: one random SKU's on-hand moves by a small amount, never below what is promised."""
        records = sorted(self.stock.values(), key=lambda r: (r.sku.lower(), r.facility_id))
        if not records:
            return
        record = self._drift_rng.choice(records)
        size = self._drift_rng.randint(1, self.config.stock_drift_max)
        delta = size if self._drift_rng.random() < 0.5 else -size
        floor = record.allocated_open + record.on_hold
        record.on_hand = max(floor, record.on_hand + delta)
        self._allocate_open_orders()

    # -- inspection -----------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """A compact view of everything, for GET /_sandbox/state and test assertions."""
        with self.lock:
            return {
                "config": self.config.model_dump(),
                "clock": self.local_time(self.now()),
                "facilities": [
                    {"facilityId": f.facility_id, "name": f.name, "timeZoneName": f.time_zone_name}
                    for f in self.facilities.values()
                ],
                "items": [{"itemId": i.item_id, "sku": i.sku, **i.fields} for i in self.items.values()],
                "stock": [
                    {
                        "sku": r.sku,
                        "facilityId": r.facility_id,
                        "onHand": r.on_hand,
                        "available": r.available,
                        "allocated": r.allocated,
                        "allocatedOpen": r.allocated_open,
                        "onHold": r.on_hold,
                        "shipped": r.shipped,
                        "totalReceived": r.total_received,
                    }
                    for r in self.stock.values()
                ],
                "orders": [self._order_snapshot(o) for o in self.orders.values()],
                "receivers": [
                    {
                        "receiverId": r.receiver_id,
                        "referenceNum": r.reference_num,
                        "isReturn": r.is_return,
                        "status": r.status,
                        "facilityId": r.facility_id,
                        "lines": [{"receiveItemId": x.receive_item_id, "sku": x.sku, "qty": x.qty} for x in r.lines],
                    }
                    for r in self.receivers.values()
                ],
                "tokens": len(self.tokens),
            }

    def _order_snapshot(self, order: Order) -> dict[str, Any]:
        sku_by_line = {line.order_item_id: line.sku for line in order.lines}
        return {
            "orderId": order.order_id,
            "referenceNum": order.reference_num,
            "facilityId": order.facility_id,
            "status": order.status,
            "isClosed": order.is_closed,
            "fullyAllocated": order.fully_allocated,
            "carrier": order.routing_info.get("carrier"),
            "processDate": self.local_time(order.process_date, order.facility_id),
            "lastModifiedDate": self.local_time(order.modified, order.facility_id),
            "lines": [
                {"orderItemId": x.order_item_id, "sku": x.sku, "qty": x.qty, "allocated": x.allocated}
                for x in order.lines
            ],
            "packages": [
                {
                    "packageId": p.package_id,
                    "trackingNumber": p.tracking_number,
                    "contents": [
                        {"orderItemId": c.order_item_id, "sku": sku_by_line.get(c.order_item_id), "qty": c.qty}
                        for c in p.contents
                    ],
                }
                for p in order.packages
            ],
        }


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _require_text(body: dict[str, Any], key: str, model: str, name: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ModelValidationError(model, "Required", f"{name} is required", [(name, value)])
    return value.strip()


def _validated_ship_to(raw: Any) -> dict[str, Any]:
    # NOTE: reference/extensiv.md §3.1 [M]: which shipTo fields are required is partly
    # inferred; the sandbox asks for a name or company, address1, city and country.
    if not isinstance(raw, dict):
        raise ModelValidationError("Order", "Required", "ShipTo is required", [("ShipTo", None)])
    if not (raw.get("name") or raw.get("companyName")):
        raise ModelValidationError("Order", "Required", "ShipTo.Name is required", [("ShipTo.Name", None)])
    for key in ("address1", "city", "country"):
        if not raw.get(key):
            name = f"ShipTo.{key[0].upper()}{key[1:]}"
            raise ModelValidationError("Order", "Required", f"{name} is required", [(name, None)])
    contact = {key: raw.get(key) for key in CONTACT_KEYS}
    contact["isAddressResidential"] = bool(raw.get("isAddressResidential", False))
    contact["addressStatus"] = raw.get("addressStatus", 0)
    return contact


def _routing_info(raw: Any) -> dict[str, Any]:
    raw = raw if isinstance(raw, dict) else {}
    info = {key: raw.get(key) for key in ROUTING_KEYS}
    for flag in ("isCod", "isInsurance", "requiresDeliveryConf", "requiresReturnReceipt"):
        info[flag] = bool(info[flag])
    return info


def _find_line(order: Order, entry: dict[str, Any]) -> OrderLine | None:
    if entry.get("orderItemId") is not None:
        return next((x for x in order.lines if x.order_item_id == _as_int(entry["orderItemId"])), None)
    sku = str(entry.get("sku") or "").lower()
    return next((x for x in order.lines if x.sku.lower() == sku), None)


def _split_lines(lines: list[OrderLine]) -> list[list[tuple[OrderLine, float]]]:
    """Two packages: lines divided between them, or one line's units divided when it is alone."""
    if len(lines) >= 2:
        middle = (len(lines) + 1) // 2
        return [[(x, x.qty) for x in lines[:middle]], [(x, x.qty) for x in lines[middle:]]]
    line = lines[0]
    if line.qty < 2:
        return [[(line, line.qty)]]
    first = float(math.floor(line.qty / 2))
    return [[(line, first)], [(line, line.qty - first)]]


def _tracking_number(tracking_format: str, rng: random.Random) -> str:
    def digits(count: int) -> str:
        return "".join(rng.choice(string.digits) for _ in range(count))

    if tracking_format == "ups":
        shipper = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))
        return f"1Z{shipper}03{digits(8)}"
    if tracking_format == "usps":
        return f"9400{digits(18)}"
    if tracking_format == "fedex":
        return digits(12)
    if tracking_format == "ontrac":
        return f"C{digits(14)}"
    return "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(12))
