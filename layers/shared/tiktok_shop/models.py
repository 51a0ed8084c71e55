"""Typed views of the TikTok Shop payloads this connector reads (API `data` objects and webhooks).

Parsing is lenient where the documentation is inconsistent: unknown fields are ignored, ids
arrive as strings or JSON numbers and are kept as strings, money stays a string, and a JSON
`null` counts as an absent field. Reference: shared/reference/tiktok-shop.md §3-§5.
"""

from __future__ import annotations

import json
from collections import Counter
from enum import IntEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tiktok_shop.errors import MalformedPayload

AWAITING_SHIPMENT = "AWAITING_SHIPMENT"
FULFILLMENT_BY_SELLER = "FULFILLMENT_BY_SELLER"
LINE_CANCELLED = "CANCELLED"

# NOTE: the Search Cancellations filter spells the withdrawn status CANCELLATION_REQUEST_CANCEL,
# responses and webhook 11 spell it CANCELLATION_REQUEST_CANCELLED (reference §4.5). Both parse
# to the filter spelling, so a status read back can be sent as a filter.
CANCEL_STATUS_WITHDRAWN = "CANCELLATION_REQUEST_CANCEL"
_CANCEL_STATUS_ALIASES = {"CANCELLATION_REQUEST_CANCELLED": CANCEL_STATUS_WITHDRAWN}


class WebhookType(IntEnum):
    """Numeric `type` of a pushed webhook (reference §5.4); unknown numbers stay plain ints."""

    ORDER_STATUS_CHANGE = 1
    RECIPIENT_ADDRESS_UPDATE = 3
    PACKAGE_UPDATE = 4
    PRODUCT_STATUS_CHANGE = 5
    SELLER_DEAUTHORIZATION = 6
    UPCOMING_AUTHORIZATION_EXPIRATION = 7
    CANCELLATION_STATUS_CHANGE = 11
    RETURN_STATUS_CHANGE = 12
    INVENTORY_STATUS_CHANGE = 27


class TikTokModel(BaseModel):
    """Base of every TikTok payload model."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_means_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


def _normalise_cancel_status(status: str | None) -> str | None:
    if status is None:
        return None
    return _CANCEL_STATUS_ALIASES.get(status, status)


def _strip_sku(seller_sku: str | None) -> str | None:
    if seller_sku is None:
        return None
    return seller_sku.strip() or None


def _token_or_none(token: str | None) -> str | None:
    return token or None


# NOTE: the last page has an empty or absent next_page_token (reference §4).
PageToken = Annotated[str | None, AfterValidator(_token_or_none)]
CancelStatus = Annotated[str | None, AfterValidator(_normalise_cancel_status)]
# Names, phone numbers and street lines stay out of repr(), so a logged model leaks no PII.
Personal = Annotated[str | None, Field(repr=False)]


# --- orders ---------------------------------------------------------------------------------


class DistrictInfo(TikTokModel):
    address_level: str | None = None
    address_level_name: str | None = None
    address_name: str | None = None


class RecipientAddress(TikTokModel):
    """Where an order ships. Empty while UNPAID or ON_HOLD; parts are masked in some states."""

    name: Personal = None
    first_name: Personal = None
    last_name: Personal = None
    phone_number: Personal = None
    address_line1: Personal = None
    address_line2: Personal = None
    address_line3: Personal = None
    address_line4: Personal = None
    address_detail: Personal = None
    postal_code: str | None = None
    region_code: str | None = None
    post_town: str | None = None
    full_address: Personal = None
    district_info: list[DistrictInfo] = Field(default_factory=list)

    def district_name(self, level: str) -> str | None:
        """The `address_name` of a district level (`L0` country ... `L4`), if present."""
        for district in self.district_info:
            if district.address_level == level:
                return district.address_name
        return None

    @property
    def state(self) -> str | None:
        return self.district_name("L1")

    @property
    def city(self) -> str | None:
        return self.district_name("L3")

    @property
    def street_lines(self) -> list[str]:
        """Address lines 1-4 without the blank ones (samples carry single-space lines)."""
        lines = (self.address_line1, self.address_line2, self.address_line3, self.address_line4)
        return [line.strip() for line in lines if line and line.strip()]


class CombinedListingSku(TikTokModel):
    """One component of a virtual bundle line (Seller Center bundles)."""

    sku_id: str
    sku_count: int = 1
    product_id: str | None = None
    seller_sku: str | None = None

    @property
    def master_sku(self) -> str | None:
        return _strip_sku(self.seller_sku)


class LineItem(TikTokModel):
    """One unit of an order: TikTok has no quantity field, a line is always one unit (§4.1.4)."""

    id: str
    sku_id: str
    product_id: str | None = None
    seller_sku: str | None = None
    product_name: str | None = None
    sku_name: str | None = None
    sale_price: str | None = None
    currency: str | None = None
    display_status: str | None = None
    package_id: str | None = None
    cancel_user: str | None = None
    combined_listing_skus: list[CombinedListingSku] = Field(default_factory=list)

    @property
    def master_sku(self) -> str | None:
        """The seller SKU without surrounding whitespace (the raw value is kept in `seller_sku`)."""
        return _strip_sku(self.seller_sku)

    @property
    def is_cancelled(self) -> bool:
        return self.display_status == LINE_CANCELLED

    def pick_units(self, explode_bundles: bool = True) -> list[tuple[str | None, int]]:
        """(master SKU, units) that the warehouse picks for this line; bundles become components."""
        if explode_bundles and self.combined_listing_skus:
            return [(part.master_sku, part.sku_count) for part in self.combined_listing_skus]
        return [(self.master_sku, 1)]


class OrderPackage(TikTokModel):
    id: str


class Order(TikTokModel):
    """An order as Search Orders and Get Order Detail return it (fields a 3PL needs)."""

    id: str
    status: str
    fulfillment_type: str | None = None
    shipping_type: str | None = None
    warehouse_id: str | None = None
    delivery_option_id: str | None = None
    create_time: int | None = None
    update_time: int | None = None
    paid_time: int | None = None
    is_on_hold_order: bool = False
    is_buyer_request_cancel: bool = False
    rts_sla_time: int | None = None
    shipping_due_time: int | None = None
    tts_sla_time: int | None = None
    cancel_reason: str | None = None
    cancellation_initiator: str | None = None
    buyer_message: Personal = None
    recipient_address: RecipientAddress | None = None
    line_items: list[LineItem] = Field(default_factory=list)
    packages: list[OrderPackage] = Field(default_factory=list)

    @field_validator("recipient_address", mode="before")
    @classmethod
    def _empty_address_is_none(cls, value: Any) -> Any:
        return value or None

    @property
    def is_awaiting_shipment(self) -> bool:
        """Ready to hand to the warehouse. Decide from status, never from a readable address."""
        return self.status == AWAITING_SHIPMENT

    @property
    def is_seller_fulfilled(self) -> bool:
        """The seller (through the 3PL) ships it; FBT orders must not be shipped by us."""
        return self.fulfillment_type == FULFILLMENT_BY_SELLER

    @property
    def open_line_items(self) -> list[LineItem]:
        """Lines still to ship: every line except cancelled ones."""
        return [line for line in self.line_items if not line.is_cancelled]

    def line_ids_without_seller_sku(self, explode_bundles: bool = True) -> list[str]:
        """Ids of open lines that carry no seller SKU (such an order cannot be routed)."""
        missing = []
        for line in self.open_line_items:
            skus = [master_sku for master_sku, _ in line.pick_units(explode_bundles)]
            if None in skus:
                missing.append(line.id)
        return missing

    def quantities_by_sku(self, explode_bundles: bool = True) -> dict[str, int]:
        """Units per master SKU over the open lines, one unit per line, bundles exploded.

        Raises ValueError naming the lines when some carry no seller SKU.
        """
        missing = self.line_ids_without_seller_sku(explode_bundles)
        if missing:
            raise ValueError(f"order {self.id}: line items without a seller SKU: {', '.join(missing)}")

        quantities: Counter[str] = Counter()
        for line in self.open_line_items:
            for master_sku, units in line.pick_units(explode_bundles):
                quantities[str(master_sku)] += units
        return dict(quantities)


class OrderPage(TikTokModel):
    orders: list[Order] = Field(default_factory=list)
    next_page_token: PageToken = None
    total_count: int | None = None


# --- shops and logistics ----------------------------------------------------------------------


class Shop(TikTokModel):
    """An authorized shop; `cipher` goes into `shop_cipher` of shop-scoped calls."""

    id: str
    name: str | None = None
    region: str | None = None
    seller_type: str | None = None
    cipher: str | None = None
    code: str | None = None


class WarehouseAddress(TikTokModel):
    region_code: str | None = None
    region: str | None = None
    state: str | None = None
    city: str | None = None
    postal_code: str | None = None


class Warehouse(TikTokModel):
    """A TikTok warehouse; the same site has different ids for its sales and return roles."""

    id: str
    name: str | None = None
    effect_status: str | None = None
    type: str | None = None
    sub_type: str | None = None
    is_default: bool = False
    address: WarehouseAddress | None = None

    @property
    def is_sales_warehouse(self) -> bool:
        return self.type == "SALES_WAREHOUSE"

    @property
    def is_enabled(self) -> bool:
        return self.effect_status == "ENABLED"


class DeliveryOption(TikTokModel):
    id: str
    name: str | None = None
    type: str | None = None
    description: str | None = None


class ShippingProvider(TikTokModel):
    id: str
    name: str | None = None


# --- products and inventory -------------------------------------------------------------------


class SkuInventory(TikTokModel):
    warehouse_id: str | None = None
    quantity: int = 0


class ProductSku(TikTokModel):
    id: str
    seller_sku: str | None = None
    inventory: list[SkuInventory] = Field(default_factory=list)

    @property
    def master_sku(self) -> str | None:
        return _strip_sku(self.seller_sku)


class Product(TikTokModel):
    id: str
    title: str | None = None
    status: str | None = None
    skus: list[ProductSku] = Field(default_factory=list)
    create_time: int | None = None
    update_time: int | None = None


class ProductPage(TikTokModel):
    products: list[Product] = Field(default_factory=list)
    next_page_token: PageToken = None
    total_count: int | None = None


class WarehouseStock(TikTokModel):
    warehouse_id: str
    available_quantity: int = 0
    committed_quantity: int = 0


class SkuStock(TikTokModel):
    """Inventory Search result for one SKU: available equals the quantity last pushed."""

    id: str
    seller_sku: str | None = None
    total_available_quantity: int = 0
    total_committed_quantity: int = 0
    warehouse_inventory: list[WarehouseStock] = Field(default_factory=list)

    @property
    def master_sku(self) -> str | None:
        return _strip_sku(self.seller_sku)


class ProductStock(TikTokModel):
    product_id: str
    skus: list[SkuStock] = Field(default_factory=list)


class WarehouseInventoryError(TikTokModel):
    warehouse_id: str | None = None
    code: int | None = None
    message: str | None = None


class InventorySkuError(TikTokModel):
    """One SKU that Update Inventory refused, with per-warehouse reasons when TikTok gives them."""

    code: int | None = None
    message: str | None = None
    sku_id: str | None = None
    warehouse_errors: list[WarehouseInventoryError] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _flatten_detail(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        detail = data.get("detail") or {}
        return {
            **data,
            "sku_id": detail.get("sku_id"),
            "warehouse_errors": detail.get("extra_errors") or [],
        }


class InventoryUpdateResult(TikTokModel):
    """Update Inventory answers `code 0` even when SKUs failed: read `errors` (reference §4.2)."""

    errors: list[InventorySkuError] = Field(default_factory=list)

    @property
    def is_success(self) -> bool:
        return not self.errors

    @property
    def failed_sku_ids(self) -> list[str]:
        return [error.sku_id for error in self.errors if error.sku_id]


# --- fulfilment -------------------------------------------------------------------------------


class PackageShipped(TikTokModel):
    """Mark Package As Shipped result; surface `warning_message` (tracking/provider mismatch hints)."""

    order_id: str | None = None
    package_id: str | None = None
    order_line_item_ids: list[str] = Field(default_factory=list)
    warning_message: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _lift_warning(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("warning"), dict):
            return {**data, "warning_message": data["warning"].get("message") or None}
        return data


class Package(TikTokModel):
    """A package from Search Package."""

    id: str
    status: str | None = None
    tracking_number: str | None = None
    shipping_provider_id: str | None = None
    shipping_provider_name: str | None = None
    order_ids: list[str] = Field(default_factory=list)
    order_line_item_ids: list[str] = Field(default_factory=list)
    create_time: int | None = None
    update_time: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _order_ids(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("orders"), list):
            ids = [order.get("id") for order in data["orders"] if isinstance(order, dict)]
            return {**data, "order_ids": [order_id for order_id in ids if order_id is not None]}
        return data


class PackagePage(TikTokModel):
    packages: list[Package] = Field(default_factory=list)
    next_page_token: PageToken = None
    total_count: int | None = None


# --- cancellations and returns ----------------------------------------------------------------


class CancelLineItem(TikTokModel):
    cancel_line_item_id: str | None = None
    order_line_item_id: str | None = None
    sku_id: str | None = None
    seller_sku: str | None = None


class Cancellation(TikTokModel):
    """A cancellation (seller, buyer request or system); `cancel_status` uses one spelling."""

    cancel_id: str
    order_id: str
    cancel_type: str | None = None
    cancel_status: CancelStatus = None
    role: str | None = None
    cancel_reason: str | None = None
    cancel_line_items: list[CancelLineItem] = Field(default_factory=list)
    create_time: int | None = None
    update_time: int | None = None


class CancellationPage(TikTokModel):
    cancellations: list[Cancellation] = Field(default_factory=list)
    next_page_token: PageToken = None
    total_count: int | None = None


class CancelOrderResult(TikTokModel):
    """What Cancel Order (seller-initiated) answers."""

    cancel_id: str
    cancel_status: CancelStatus = None


class ReturnLineItem(TikTokModel):
    return_line_item_id: str | None = None
    order_line_item_id: str | None = None
    sku_id: str | None = None
    seller_sku: str | None = None


class ReturnOrder(TikTokModel):
    """A return or refund request; unknown statuses are kept as opaque strings."""

    return_id: str
    order_id: str
    return_type: str | None = None
    return_status: str | None = None
    role: str | None = None
    return_tracking_number: str | None = None
    return_provider_name: str | None = None
    return_line_items: list[ReturnLineItem] = Field(default_factory=list)
    create_time: int | None = None
    update_time: int | None = None


class ReturnPage(TikTokModel):
    return_orders: list[ReturnOrder] = Field(default_factory=list)
    next_page_token: PageToken = None
    total_count: int | None = None


# --- auth ---------------------------------------------------------------------------------------


class TokenGrant(TikTokModel):
    """Token Get/Refresh result. Both `*_expire_in` are ABSOLUTE Unix seconds, not durations."""

    access_token: str = Field(repr=False)
    access_token_expire_in: int
    refresh_token: str = Field(repr=False)
    refresh_token_expire_in: int
    open_id: str | None = None
    seller_base_region: str | None = None
    granted_scopes: list[str] = Field(default_factory=list)


# --- webhooks -----------------------------------------------------------------------------------


class OrderStatusChange(TikTokModel):
    """Webhook type 1: a trigger to re-read the order (its status vocabulary differs: CANCEL)."""

    order_id: str
    order_status: str | None = None
    is_on_hold_order: bool | None = None
    update_time: int | None = None


class CancellationStatusChange(TikTokModel):
    """Webhook type 11 (`cancellations_role` is plural on the wire)."""

    order_id: str
    cancel_id: str | None = None
    cancel_status: CancelStatus = None
    role: str | None = Field(default=None, validation_alias="cancellations_role")
    create_time: int | None = None


class ReturnStatusChange(TikTokModel):
    """Webhook type 12."""

    order_id: str
    return_id: str | None = None
    return_role: str | None = None
    return_type: str | None = None
    return_status: str | None = None
    create_time: int | None = None
    update_time: int | None = None


PayloadT = TypeVar("PayloadT", bound=TikTokModel)


class WebhookEvent(TikTokModel):
    """A pushed webhook envelope; `tts_notification_id` (when present) de-duplicates retries."""

    type: int
    tts_notification_id: str | None = None
    shop_id: str
    timestamp: int
    data: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_body(cls, raw_body: bytes | str) -> WebhookEvent:
        """Parse the raw body (after the signature was checked over the same bytes).

        Raises MalformedPayload when the body is not JSON or lacks the envelope fields.
        """
        try:
            document = json.loads(raw_body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedPayload(f"webhook body is not valid JSON: {exc}") from exc
        try:
            return cls.model_validate(document)
        except ValidationError as exc:
            raise MalformedPayload(f"webhook body is not a TikTok Shop envelope: {exc}") from exc

    @property
    def order_id(self) -> str | None:
        """The order the event concerns (types 1, 3, 11, 12), as a string."""
        order_id = self.data.get("order_id")
        return None if order_id is None else str(order_id)

    def order_status_change(self) -> OrderStatusChange:
        """The type 1 payload; raises MalformedPayload for another type or a bad payload."""
        return self._payload(WebhookType.ORDER_STATUS_CHANGE, OrderStatusChange)

    def cancellation_status_change(self) -> CancellationStatusChange:
        """The type 11 payload; raises MalformedPayload for another type or a bad payload."""
        return self._payload(WebhookType.CANCELLATION_STATUS_CHANGE, CancellationStatusChange)

    def return_status_change(self) -> ReturnStatusChange:
        """The type 12 payload; raises MalformedPayload for another type or a bad payload."""
        return self._payload(WebhookType.RETURN_STATUS_CHANGE, ReturnStatusChange)

    def _payload(self, expected: WebhookType, model: type[PayloadT]) -> PayloadT:
        if self.type != expected:
            raise MalformedPayload(f"webhook type {self.type} is not {expected.name} ({int(expected)})")
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            raise MalformedPayload(f"webhook {expected.name} data does not match: {exc}") from exc
