"""Pydantic models of the Extensiv records the connector reads and the bodies it sends.

Responses are parsed from the camelCase HAL shape that `Accept: application/hal+json` selects
(reference/extensiv.md §1.2). Read-only fields sit in a `readOnly` block and identifiers are
nested objects (`customerIdentifier.id`); the models flatten both. Quantities are decimals,
never ints (§8.8). Dates come without a time zone (§8.6): each is kept as the raw string, the
form a cursor must be sent back in, and offered parsed beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import IntEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel, to_snake

# NOTE: reference §3.1 (REL-import): 7 = RestApi, 4 = Api.
REST_API_TRANSACTION_SOURCE = 7
API_TRANSACTION_ENTRY_TYPE = 4

_SPLIT_SUFFIX = re.compile(r"-\d+$")


class OrderStatus(IntEnum):
    """`readOnly.status` of orders and receivers (WarehouseTransactionApiStatus, reference §3.4)."""

    OPEN = 0
    CLOSED = 1
    CANCELED = 2


class ReceiverType(IntEnum):
    """The `receivertype` filter of `GET /inventory/receivers` (reference §7.1)."""

    NORMAL = 0
    RETURN = 1
    RECEIVE_AGAINST = 2
    ONLY_ASNS = 3
    NO_ASNS = 4


class ApiModel(BaseModel):
    """Base of the response models: camelCase aliases, unknown fields ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
    )


def parse_extensiv_datetime(raw: str | None) -> datetime | None:
    """Parse an Extensiv date-time as sent (naive unless the string has an offset); None if unreadable."""
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def embedded(payload: Mapping[str, Any], rel: str) -> list[dict[str, Any]]:
    """Rows under `_embedded` for a rel such as `orders/order` or the bare key `item`.

    Keys are full rel URLs whose spelling varies (`3plCentral` and `3plcentral`, reference §8.7),
    so they are compared without case and without the part before `/rels/`.
    """
    block = payload.get("_embedded")
    if not isinstance(block, Mapping):
        return []
    wanted = rel.casefold()
    for key, rows in block.items():
        name = key.casefold()
        if "/rels/" in name:
            name = name.split("/rels/", 1)[1]
        if name == wanted and isinstance(rows, list):
            return [row for row in rows if isinstance(row, dict)]
    return []


def _flatten_read_only(data: Any) -> Any:
    """Merge `readOnly` into the top level (top-level values win when both are set)."""
    if not isinstance(data, Mapping):
        return data
    flat = dict(data)
    read_only = data.get("readOnly")
    if isinstance(read_only, Mapping):
        for key, value in read_only.items():
            if flat.get(key) is None:
                flat[key] = value
    return flat


def _fill(flat: dict[str, Any], alias: str, value: Any) -> None:
    """Set `alias` from a nested or embedded source unless the caller already gave the field."""
    if value is None or value == []:
        return
    if flat.get(alias) is not None or flat.get(to_snake(alias)) is not None:
        return
    flat[alias] = value


def _identifier_field(flat: dict[str, Any], identifier_key: str, target: str, field: str = "id") -> None:
    identifier = flat.get(identifier_key)
    if isinstance(identifier, Mapping):
        _fill(flat, target, identifier.get(field))


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# --- responses ---------------------------------------------------------------------------


class TokenResponse(ApiModel):
    """Body of `POST /AuthServer/api/Token` (snake_case keys, reference §2.1)."""

    access_token: str = Field(alias="access_token", min_length=1)
    token_type: str = Field(default="Bearer", alias="token_type")
    expires_in: float | None = Field(default=None, alias="expires_in")


class RoutingInfo(ApiModel):
    """Carrier, service mode and order-level tracking of an order."""

    carrier: str | None = None
    mode: str | None = None
    scac: str | None = Field(default=None, alias="scacCode")
    tracking_number: str | None = None


class OrderItem(ApiModel):
    """One line of an order."""

    order_item_id: int | None = None
    sku: str | None = None
    item_id: int | None = None
    qty: Decimal = Decimal(0)
    external_id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        flat = _flatten_read_only(data)
        if isinstance(flat, dict):
            _identifier_field(flat, "itemIdentifier", "sku", "sku")
            _identifier_field(flat, "itemIdentifier", "itemId", "id")
        return flat


class PackageContent(ApiModel):
    """Which order line, and how much of it, a package holds."""

    order_item_id: int | None = None
    qty: Decimal = Decimal(0)


class Package(ApiModel):
    """A shipped package with its tracking number and contents."""

    package_id: int | None = None
    tracking_number: str | None = None
    contents: list[PackageContent] = Field(default_factory=list, alias="packageContents")

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        flat = _flatten_read_only(data)
        if isinstance(flat, dict):
            _fill(flat, "packageContents", embedded(flat, "orders/packagecontent"))
        return flat


class ExtensivOrder(ApiModel):
    """An Extensiv order as read back (`GET /orders/{id}`, `/orders`, create response).

    `etag` comes from the response header, never from the body; single-order reads carry it.
    """

    order_id: int
    reference_num: str
    status: OrderStatus | int | None = Field(default=None, union_mode="left_to_right")
    is_closed: bool = False
    process_date: str | None = None
    ship_date: str | None = None
    small_parcel_ship_date: str | None = None
    creation_date: str | None = None
    last_modified_date: str | None = None
    facility_id: int | None = None
    customer_id: int | None = None
    routing_info: RoutingInfo = Field(default_factory=RoutingInfo)
    order_items: list[OrderItem] = Field(default_factory=list)
    packages: list[Package] = Field(default_factory=list)
    etag: str | None = Field(default=None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        flat = _flatten_read_only(data)
        if not isinstance(flat, dict):
            return flat
        flat.pop("etag", None)
        _identifier_field(flat, "customerIdentifier", "customerId")
        _identifier_field(flat, "facilityIdentifier", "facilityId")
        _fill(flat, "orderItems", embedded(flat, "orders/item"))
        _fill(flat, "packages", embedded(flat, "orders/package"))
        if flat.get("routingInfo") is None:
            flat.pop("routingInfo", None)
        return flat

    @classmethod
    def from_response(cls, payload: Mapping[str, Any], etag: str | None = None) -> ExtensivOrder:
        """Parse a response body and attach the ETag header it came with."""
        return cls.model_validate(payload).model_copy(update={"etag": etag})

    @property
    def is_canceled(self) -> bool:
        return self.status == OrderStatus.CANCELED

    @property
    def is_shipped(self) -> bool:
        """Confirmed by the warehouse: closed with status Closed (reference §3.4)."""
        return self.is_closed and self.status == OrderStatus.CLOSED

    @property
    def is_split_part(self) -> bool:
        """The reference ends in `-<digits>`, the suffix the warehouse gives split orders (§8.8)."""
        return bool(_SPLIT_SUFFIX.search(self.reference_num))

    @property
    def shipped_date(self) -> str | None:
        """Raw ship date: processDate, else smallParcelShipDate, else shipDate.

        NOTE: which field is the confirmation date is undocumented (reference §3.4, [L]).
        """
        return self.process_date or self.small_parcel_ship_date or self.ship_date

    @property
    def created_at(self) -> datetime | None:
        return parse_extensiv_datetime(self.creation_date)

    @property
    def last_modified_at(self) -> datetime | None:
        return parse_extensiv_datetime(self.last_modified_date)

    @property
    def processed_at(self) -> datetime | None:
        return parse_extensiv_datetime(self.process_date)


class OrderSummary(ApiModel):
    """A row of `GET /orders/summaries` (light: no status, items or packages)."""

    order_id: int
    reference_num: str
    is_closed: bool = False
    fully_allocated: bool | None = None
    creation_date: str | None = None
    customer_id: int | None = None
    facility_id: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        flat = _flatten_read_only(data)
        if isinstance(flat, dict):
            _identifier_field(flat, "customerIdentifier", "customerId")
            _identifier_field(flat, "facilityIdentifier", "facilityId")
        return flat


class Customer(ApiModel):
    """The parts of `GET /customers/{id}` the connector uses (no names or addresses)."""

    customer_id: int | None = None
    facility_ids: list[int] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        flat = _flatten_read_only(data)
        if isinstance(flat, dict):
            facilities = flat.get("facilities") or []
            ids = [facility.get("id") for facility in facilities if isinstance(facility, Mapping)]
            _fill(flat, "facilityIds", [facility_id for facility_id in ids if facility_id is not None])
        return flat


class Facility(ApiModel):
    """A warehouse (`/properties/facilities`); `time_zone_name` is a Windows zone id."""

    facility_id: int
    name: str | None = None
    time_zone_name: str | None = None
    deactivated: bool = False

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        flat = _flatten_read_only(data)
        if isinstance(flat, dict):
            _fill(flat, "facilityId", flat.get("id"))
        return flat


class StockSummary(ApiModel):
    """A row of `/inventory/stocksummaries`: one item, qualifier and facility.

    `allocated` includes units already shipped, so use `available` (reference §4.1).
    """

    sku: str
    item_id: int | None = None
    facility_id: int | None = None
    qualifier: str | None = None
    available: Decimal = Decimal(0)
    on_hand: Decimal = Decimal(0)
    allocated: Decimal = Decimal(0)
    on_hold: Decimal = Decimal(0)
    total_received: Decimal = Decimal(0)
    ordered_not_allocated: Decimal | None = None

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        flat = dict(data)
        _identifier_field(flat, "itemIdentifier", "sku", "sku")
        _identifier_field(flat, "itemIdentifier", "itemId", "id")
        return flat


class Item(ApiModel):
    """A catalog item of the customer (`/customers/{id}/items`)."""

    item_id: int
    sku: str
    description: str | None = None
    deactivated: bool = False
    last_modified_date: str | None = None
    etag: str | None = Field(default=None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        flat = _flatten_read_only(data)
        if isinstance(flat, dict):
            flat.pop("etag", None)
        return flat

    @classmethod
    def from_response(cls, payload: Mapping[str, Any], etag: str | None = None) -> Item:
        """Parse a response body and attach the ETag header it came with."""
        return cls.model_validate(payload).model_copy(update={"etag": etag})


class ReceiverItem(ApiModel):
    """One line of a receiver; `qty` counts as received only once the receiver is closed (§7.2)."""

    receive_item_id: int | None = None
    sku: str | None = None
    qty: Decimal = Decimal(0)

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        flat = _flatten_read_only(data)
        if isinstance(flat, dict):
            _identifier_field(flat, "itemIdentifier", "sku", "sku")
        return flat


class Receiver(ApiModel):
    """An inbound receipt, or a return when `is_return` (reference §7)."""

    receiver_id: int
    reference_num: str | None = None
    status: OrderStatus | int | None = Field(default=None, union_mode="left_to_right")
    is_return: bool = False
    receiver_type: int | None = None
    facility_id: int | None = None
    customer_id: int | None = None
    external_id: str | None = None
    items: list[ReceiverItem] = Field(default_factory=list, alias="receiveItems")
    expected_date: str | None = None
    arrival_date: str | None = None
    creation_date: str | None = None
    last_modified_date: str | None = None
    etag: str | None = Field(default=None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        flat = _flatten_read_only(data)
        if not isinstance(flat, dict):
            return flat
        flat.pop("etag", None)
        _identifier_field(flat, "customerIdentifier", "customerId")
        _identifier_field(flat, "facilityIdentifier", "facilityId")
        _fill(flat, "receiveItems", embedded(flat, "inventory/receiveritem"))
        receiver_type = flat.get("receiverType", flat.get("receiver_type"))
        _fill(flat, "isReturn", receiver_type == ReceiverType.RETURN if receiver_type is not None else None)
        return flat

    @classmethod
    def from_response(cls, payload: Mapping[str, Any], etag: str | None = None) -> Receiver:
        """Parse a response body and attach the ETag header it came with."""
        return cls.model_validate(payload).model_copy(update={"etag": etag})

    @property
    def is_received(self) -> bool:
        """Confirmed by the warehouse: stock is on hand."""
        return self.status == OrderStatus.CLOSED

    @property
    def last_modified_at(self) -> datetime | None:
        return parse_extensiv_datetime(self.last_modified_date)


T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a collection: its rows, the total the server reported and the next link."""

    items: list[T]
    total_results: int | None
    next_href: str | None


def read_page(payload: Mapping[str, Any], model: type[T], rows_key: str) -> Page[T]:
    """Parse a collection page; `rows_key` is an `_embedded` rel, or a top-level array name
    (`summaries` for stock summaries, which are not HAL-embedded, reference §4.1).

    Raises ValueError when rows sit under another key than expected (a shape this code does
    not know must not read as an empty page), and pydantic `ValidationError` for bad rows.
    """
    rows = payload.get(rows_key)
    if not isinstance(rows, list):
        rows = embedded(payload, rows_key)
    if not rows and _has_other_rows(payload):
        keys = sorted(payload.get("_embedded", {}))
        raise ValueError(f"expected rows under {rows_key!r}, found _embedded keys {keys}")
    total = payload.get("totalResults")
    return Page(
        items=[model.model_validate(row) for row in rows if isinstance(row, dict)],
        total_results=total if isinstance(total, int) else None,
        next_href=_next_href(payload),
    )


def _has_other_rows(payload: Mapping[str, Any]) -> bool:
    block = payload.get("_embedded")
    if not isinstance(block, Mapping):
        return False
    return any(isinstance(rows, list) and rows for rows in block.values())


def _next_href(payload: Mapping[str, Any]) -> str | None:
    links = payload.get("_links")
    if not isinstance(links, Mapping):
        return None
    link = links.get("next")
    if isinstance(link, Mapping) and isinstance(link.get("href"), str) and link["href"]:
        return link["href"]
    return None


# --- request bodies ----------------------------------------------------------------------


class RequestModel(BaseModel):
    """Base of the bodies the connector builds: strict about unknown fields."""

    model_config = ConfigDict(extra="forbid")


class ShipTo(RequestModel):
    """The recipient of an order; Extensiv creates a contact from these fields."""

    name: str
    company: str | None = None
    address1: str
    address2: str | None = None
    city: str
    state: str | None = None
    zip: str | None = None
    country: str
    phone: str | None = None
    email: str | None = None
    is_residential: bool | None = None

    def to_body(self) -> dict[str, Any]:
        body = {
            "name": self.name,
            "companyName": self.company,
            "address1": self.address1,
            "address2": self.address2,
            "city": self.city,
            "state": self.state,
            "zip": self.zip,
            "country": self.country,
            "phoneNumber": self.phone,
            "emailAddress": self.email,
            "isAddressResidential": self.is_residential,
        }
        return {key: value for key, value in body.items() if value is not None}


class OrderLine(RequestModel):
    """One line of a new order: an Extensiv SKU and a quantity."""

    sku: str = Field(min_length=1)
    qty: Decimal = Field(gt=0)
    external_id: str | None = None

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"itemIdentifier": {"sku": self.sku}, "qty": _json_number(self.qty)}
        if self.external_id:
            body["externalId"] = self.external_id
        return body


class SavedElement(RequestModel):
    """A custom field; names must exist for the customer in Extensiv (reference §3.1, [L])."""

    name: str = Field(min_length=1)
    value: str


class RoutingRequest(RequestModel):
    """Requested carrier and service for a new order."""

    carrier: str | None = None
    mode: str | None = None
    scac: str | None = None
    account: str | None = None

    def to_body(self) -> dict[str, Any]:
        body = {"carrier": self.carrier, "mode": self.mode, "scacCode": self.scac, "account": self.account}
        return {key: value for key, value in body.items() if value is not None}


class OrderCreate(RequestModel):
    """Input of `POST /orders`; `to_body()` renders the documented OrderCreate JSON (reference §3.1).

    Raises pydantic `ValidationError` on an empty line list, a non-positive quantity, or a
    reference ending in `-<digits>` (the suffix Extensiv gives split orders, §8.8).
    """

    customer_id: int
    facility_id: int
    reference_num: str = Field(min_length=1)
    ship_to: ShipTo
    order_items: list[OrderLine] = Field(min_length=1)
    notes: str | None = None
    shipping_notes: str | None = None
    po_num: str | None = None
    billing_code: str | None = None
    routing: RoutingRequest | None = None
    saved_elements: list[SavedElement] = Field(default_factory=list)
    # NOTE: None leaves completeness to the customer's Order Queue setting (reference §3.1).
    defer_notification: bool | None = None

    @field_validator("reference_num")
    @classmethod
    def _not_split_like(cls, value: str) -> str:
        if _SPLIT_SUFFIX.search(value):
            raise ValueError("must not end in -<digits>: Extensiv marks split orders that way")
        return value

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "customerIdentifier": {"id": self.customer_id},
            "facilityIdentifier": {"id": self.facility_id},
            "referenceNum": self.reference_num,
            "shipTo": self.ship_to.to_body(),
            "orderItems": [line.to_body() for line in self.order_items],
            "warehouseTransactionSourceEnum": REST_API_TRANSACTION_SOURCE,
            "transactionEntryTypeEnum": API_TRANSACTION_ENTRY_TYPE,
        }
        optional = {
            "notes": self.notes,
            "shippingNotes": self.shipping_notes,
            "poNum": self.po_num,
            "billingCode": self.billing_code,
            "deferNotification": self.defer_notification,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        if self.routing is not None:
            body["routingInfo"] = self.routing.to_body()
        if self.saved_elements:
            body["savedElements"] = [{"name": e.name, "value": e.value} for e in self.saved_elements]
        return body


class ReceiverLine(RequestModel):
    """One expected line of a new receiver."""

    sku: str = Field(min_length=1)
    qty: Decimal = Field(gt=0)
    external_id: str | None = None

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"itemIdentifier": {"sku": self.sku}, "qty": _json_number(self.qty)}
        if self.external_id:
            body["externalId"] = self.external_id
        return body


class ReceiverCreate(RequestModel):
    """Input of `POST /inventory/receivers`: an arrival, or an expected return when `is_return`."""

    customer_id: int
    facility_id: int
    reference_num: str = Field(min_length=1)
    items: list[ReceiverLine] = Field(min_length=1)
    is_return: bool = False
    expected_date: str | None = None
    po_num: str | None = None
    external_id: str | None = None
    notes: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    defer_notification: bool | None = None

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "customerIdentifier": {"id": self.customer_id},
            "facilityIdentifier": {"id": self.facility_id},
            "referenceNum": self.reference_num,
            "isReturn": self.is_return,
            "receiveItems": [line.to_body() for line in self.items],
            "transactionEntryType": API_TRANSACTION_ENTRY_TYPE,
        }
        optional = {
            "expectedDate": self.expected_date,
            "poNum": self.po_num,
            "externalId": self.external_id,
            "notes": self.notes,
            "carrier": self.carrier,
            "trackingNumber": self.tracking_number,
            "deferNotification": self.defer_notification,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return body
