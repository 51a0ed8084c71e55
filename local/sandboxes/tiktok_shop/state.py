"""In-memory, thread-safe state of one sandbox TikTok shop and the rules that change it.

Every public method takes the state lock, so HTTP handler threads, the ticker thread and
control calls see one consistent shop. Business rules raise `ApiError` with the code the
real API uses; control calls raise `ControlError`. Each order change stamps `update_time`
and each status change publishes an ORDER_STATUS_CHANGE notification (type 1); cancellation
and return changes publish types 11 and 12.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from . import fakes
from .config import MARK_SHIPPED_MARKETS, PARTIAL_CANCEL_MARKETS, SandboxConfig
from .errors import (
    AUTH_CODE_INVALID,
    CREDENTIALS,
    REFRESH_TOKEN_INVALID,
    TOKEN_EXPIRED,
    ApiError,
    ControlError,
)

ORDER_STATUSES = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)
SHIPPING_STATUSES = frozenset({"PARTIALLY_SHIPPING", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED"})
SEEDABLE_STATUSES = frozenset({"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"})
FULFILLMENT_TYPES = frozenset({"FULFILLMENT_BY_SELLER", "FULFILLMENT_BY_TIKTOK"})

# Seller cancel reasons (reference §4.5, DOCS-L cancel-reasons.json), US names; UK adds "_uk".
SELLER_CANCEL_PAID = {
    "seller_cancel_reason_out_of_stock": "Out of stock",
    "seller_cancel_reason_wrong_price": "Pricing error",
    "seller_cancel_paid_reason_address_not_deliver": "Unable to deliver to buyer address",
    "seller_cancel_paid_reason_buyer_requested_cancellation": "Buyer requested cancellation",
}
SELLER_CANCEL_UNPAID = {
    "seller_cancel_unpaid_reason_out_of_stock": "Out of stock",
    "seller_cancel_unpaid_reason_wrong_price": "Pricing error",
    "seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed": "Buyer hasn't paid within time allowed",
    "seller_cancel_unpaid_reason_buyer_requested_cancellation": "Buyer requested cancellation",
}
BUYER_CANCEL_REASONS = {
    "ecom_order_to_ship_canceled_reason_created_by_mistakes": "Order created by mistake",
    "ecom_order_to_ship_canceled_reason_change_of_mind": "No longer needed",
    "ecom_order_to_ship_canceled_reason_shipping_too_long": "Shipping takes too long",
}
# Reject reasons for a buyer's cancel request (reference §4.5 and the reject-reasons sample).
CANCEL_REJECT_REASONS = {
    "seller_reject_apply_product_has_been_packed": "Product has been packed",
    "order_manage_list_action_respond_popup_reject_reason_delivered": "Product has been delivered",
    "seller_reject_apply_you_have_reached_an_agreement_with_the_buyer": (
        "You have reached an agreement with the buyer"
    ),
}
RETURN_REJECT_REASONS = {
    "seller_reject_apply_package_has_not_exceeded_estimated_delivery_time": (
        "Package has not exceeded the estimated delivery time"
    ),
    "seller_reject_apply_you_have_reached_an_agreement_with_the_buyer": (
        "You have reached an agreement with the buyer"
    ),
    "seller_reject_receive_product_damaged_by_buyer": "Returned product was damaged by the buyer",
}
RETURN_REASONS = {
    "ecom_order_delivered_refund_and_return_reason_defective": "Product is defective or doesn't work",
    "ecom_order_delivered_refund_and_return_reason_wrong_product_seller": "Wrong product sent",
    "ecom_order_delivered_refund_and_return_reason_not_as_described": "Item not as described",
}
# Numeric webhook `type` per event_type name (reference §5.4).
EVENT_TYPES = {
    "ORDER_STATUS_CHANGE": 1,
    "REVERSE_STATUS_UPDATE": 2,
    "RECIPIENT_ADDRESS_UPDATE": 3,
    "PACKAGE_UPDATE": 4,
    "PRODUCT_STATUS_CHANGE": 5,
    "SELLER_DEAUTHORIZATION": 6,
    "UPCOMING_AUTHORIZATION_EXPIRATION": 7,
    "CANCELLATION_STATUS_CHANGE": 11,
    "RETURN_STATUS_CHANGE": 12,
    "NEW_CONVERSATION": 13,
    "NEW_MESSAGE": 14,
    "PRODUCT_INFORMATION_CHANGE": 15,
    "PRODUCT_CREATION": 16,
    "PRODUCT_CATEGORY_CHANGE": 18,
    "NEW_MESSAGE_LISTENER": 33,
    "INVOICE_STATUS_CHANGE": 36,
    "PRODUCT_AUDIT_STATUS_CHANGE": 37,
}
EVENT_NAMES = {number: name for name, number in EVENT_TYPES.items()}
GRANTED_SCOPES = [
    "seller.authorization.info",
    "seller.shop.info",
    "seller.order.info",
    "seller.fulfillment.basic",
    "seller.fulfillment.package.write",
    "seller.delivery.status.write",
    "seller.logistics",
    "seller.product.basic",
    "seller.product.write",
    "seller.return_refund.basic",
]
DEFAULT_PROVIDERS = ("USPS", "UPS", "FedEx", "DHL eCommerce")
TRACKING_CHARS = re.compile(r"^[A-Za-z0-9]+$")
# Rough carrier formats, only used for the Mark-as-Shipped `warning` (reference §4.4).
TRACKING_FORMATS = {
    "USPS": re.compile(r"^(9\d{15,21}|[A-Z]{2}\d{9}US)$"),
    "UPS": re.compile(r"^1Z[0-9A-Z]{16}$"),
    "FedEx": re.compile(r"^(\d{12}|\d{15}|\d{20})$"),
    "DHL eCommerce": re.compile(r"^GM\d{16,18}$"),
}
PACIFIC = ZoneInfo("America/Los_Angeles")
TAX_RATE = Decimal("0.0725")
CENT = Decimal("0.01")


@dataclass
class DeliveryOption:
    id: str
    name: str
    type: str
    description: str
    provider_ids: list[str]


@dataclass
class Warehouse:
    id: str
    entity_id: str
    name: str
    type: str
    sub_type: str
    effect_status: str
    is_default: bool
    address: dict[str, Any]
    delivery_options: list[DeliveryOption]


@dataclass
class Stock:
    quantity: int
    committed: int = 0
    backorder_quantity: int = 0
    handling_time: int = 0


@dataclass
class Sku:
    id: str
    product_id: str
    seller_sku: str
    name: str
    price: Decimal
    inventory: dict[str, Stock]


@dataclass
class Product:
    id: str
    title: str
    status: str
    create_time: int
    update_time: int
    skus: list[Sku]


@dataclass
class LineItem:
    id: str
    sku_id: str
    product_id: str
    seller_sku: str
    product_name: str
    sku_name: str
    price: Decimal
    package_id: str = ""
    cancelled: bool = False
    cancel_user: str = ""
    cancel_reason: str = ""


@dataclass
class Order:
    id: str
    status: str
    create_time: int
    update_time: int
    fulfillment_type: str
    shipping_type: str
    warehouse_id: str
    delivery_option_id: str
    delivery_option_name: str
    user_id: str
    buyer_email: str
    buyer_message: str
    address: dict[str, Any]
    line_items: list[LineItem]
    shipping_fee: Decimal
    is_on_hold_order: bool
    hold_seconds: float
    pay_at: float | None = None
    hold_until: float | None = None
    paid_time: int = 0
    sla: dict[str, int] = field(default_factory=dict)
    packages: list[str] = field(default_factory=list)
    rts_time: int = 0
    collection_time: int = 0
    delivery_time: int = 0
    tracking_number: str = ""
    shipping_provider: str = ""
    shipping_provider_id: str = ""
    cancellation_initiator: str = ""
    cancel_reason: str = ""
    cancel_time: int = 0
    is_buyer_request_cancel: bool = False
    request_cancel_time: int = 0
    shipping_info_updates: int = 0

    def active_lines(self) -> list[LineItem]:
        return [line for line in self.line_items if not line.cancelled]


@dataclass
class Package:
    id: str
    order_id: str
    line_item_ids: list[str]
    create_time: int
    update_time: int
    status: str = "PROCESSING"
    shipped: bool = False
    tracking_number: str = ""
    shipping_provider_id: str = ""
    shipping_provider_name: str = ""
    shipped_at: float = 0.0
    in_transit_at: float = 0.0
    tracking: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Cancellation:
    id: str
    order_id: str
    cancel_type: str  # CANCEL | BUYER_CANCEL (filter vocabulary, reference §4.5)
    role: str
    status: str
    reason: str
    reason_text: str
    line_item_ids: list[str]
    create_time: int
    update_time: int
    deadline: int = 0
    user_id: str = ""


@dataclass
class ReturnRequest:
    id: str
    order_id: str
    return_type: str
    status: str
    reason: str
    reason_text: str
    line_item_ids: list[str]
    create_time: int
    update_time: int
    user_id: str
    step_seconds: float | None
    next_step_at: float | None = None
    tracking_number: str = ""
    provider_name: str = ""
    provider_id: str = ""


@dataclass
class Notification:
    """One pushed webhook body (bytes are final: duplicates and resends reuse them)."""

    notification_id: str
    type: int
    body: bytes
    url: str | None
    order_id: str
    copies: int = 1


@dataclass
class Tokens:
    access_token: str
    access_expire_at: int
    refresh_token: str
    refresh_expire_at: int
    auth_code: str
    auth_code_expire_at: int


class ShopState:
    """The whole shop. `publish` is called (under the lock) with each new notification."""

    def __init__(self, config: SandboxConfig | None = None, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.config = config or SandboxConfig()
        self._clock = clock
        self.publish: Callable[[Notification], None] = lambda notification: None
        self.reset()

    # ------------------------------------------------------------------ lifecycle

    def now(self) -> float:
        return self._clock()

    def reset(self, config: dict[str, Any] | None = None, *, keep_config: bool = True) -> None:
        """Forget every shop record, re-seed the generator and mint fresh credentials."""
        with self.lock:
            base = self.config if keep_config else SandboxConfig()
            self.config = base.updated(config or {})
            self.rng = random.Random(self.config.seed)
            self._issued_ids: set[str] = set()
            self.warehouses: dict[str, Warehouse] = {}
            self.providers: dict[str, str] = {}
            self.products: dict[str, Product] = {}
            self.skus: dict[str, Sku] = {}
            self.orders: dict[str, Order] = {}
            self.packages: dict[str, Package] = {}
            self.cancellations: dict[str, Cancellation] = {}
            self.returns: dict[str, ReturnRequest] = {}
            self.subscriptions: dict[str, dict[str, Any]] = {}
            self.idempotency: dict[tuple[str, str], dict[str, Any]] = {}
            self.last_order_notification: dict[str, Notification] = {}
            self._rate_windows: dict[tuple[str, ...], collections.deque[float]] = {}
            self.page_secret = self.rng.getrandbits(128).to_bytes(16, "big")
            self.tokens = self._new_tokens(authorization_expire_at=None)
            self._seed_default_warehouses()

    def update_config(self, changes: dict[str, Any]) -> SandboxConfig:
        with self.lock:
            new_config = self.config.updated(changes)
            if "seed" in changes:
                self.rng = random.Random(new_config.seed)
            self.config = new_config
            return new_config

    # ------------------------------------------------------------------ credentials

    def credentials(self) -> dict[str, Any]:
        with self.lock:
            return {
                "app_key": self.config.app_key,
                "app_secret": self.config.app_secret,
                "access_token": self.tokens.access_token,
                "access_token_expire_in": self.tokens.access_expire_at,
                "refresh_token": self.tokens.refresh_token,
                "refresh_token_expire_in": self.tokens.refresh_expire_at,
                "auth_code": self.tokens.auth_code,
                "shop_id": self.config.shop_id,
                "shop_cipher": self.config.shop_cipher,
                "region": self.config.region,
                "open_id": self.config.open_id,
            }

    def webhook_credentials(self) -> tuple[str, str]:
        with self.lock:
            return self.config.app_key, self.config.app_secret

    def exchange_auth_code(self, query: dict[str, str]) -> dict[str, Any]:
        """GET /api/v2/token/get (reference §3.2). The auth code is single-use, valid 30 minutes."""
        with self.lock:
            self._check_app_credentials(query)
            if query.get("grant_type") != "authorized_code":
                raise ApiError(CREDENTIALS, "Invalid grant_type, expected authorized_code.", 400)
            code = query.get("auth_code", "")
            now = int(self.now())
            if code != self.tokens.auth_code or now >= self.tokens.auth_code_expire_at:
                raise ApiError(AUTH_CODE_INVALID, "invalid auth code")
            self.tokens = self._new_tokens(authorization_expire_at=None)
            return self._token_payload()

    def refresh_access_token(self, query: dict[str, str]) -> dict[str, Any]:
        """GET /api/v2/token/refresh (reference §3.3): rotates both tokens.

        NOTE: reference §3.4 does not say whether the previous refresh token survives a refresh;
        the sandbox rotates it (the old one stops working), the strictest reading.
        """
        with self.lock:
            self._check_app_credentials(query)
            if query.get("grant_type") != "refresh_token":
                raise ApiError(CREDENTIALS, "Invalid grant_type, expected refresh_token.", 400)
            now = int(self.now())
            if query.get("refresh_token") != self.tokens.refresh_token:
                raise ApiError(REFRESH_TOKEN_INVALID, "invalid refresh token")
            if now >= self.tokens.refresh_expire_at:
                raise ApiError(REFRESH_TOKEN_INVALID, "refresh token expired, the seller must re-authorize")
            auth_code = (self.tokens.auth_code, self.tokens.auth_code_expire_at)
            self.tokens = self._new_tokens(authorization_expire_at=self.tokens.refresh_expire_at)
            self.tokens.auth_code, self.tokens.auth_code_expire_at = auth_code
            return self._token_payload()

    def check_access_token(self, token: str) -> None:
        """Raise the reference's error for a missing, unknown, superseded or expired token."""
        with self.lock:
            if not token or token != self.tokens.access_token:
                # NOTE: a token replaced by a refresh is treated as invalid (brief: "must be the
                # current token"); the reference does not document the overlap (§3.4).
                raise ApiError(CREDENTIALS, "Invalid credentials. The `x-tts-access-token` header is invalid.", 401)
            if self.now() >= self.tokens.access_expire_at:
                raise ApiError(
                    TOKEN_EXPIRED,
                    "Expired credentials. The `access_token` or `x-tts-access-token` header has expired.",
                    401,
                )

    def expire_token(self, *, refresh_token: bool = False) -> dict[str, Any]:
        with self.lock:
            now = int(self.now())
            self.tokens.access_expire_at = now - 1
            if refresh_token:
                self.tokens.refresh_expire_at = now - 1
            return self.credentials()

    def allow_request(self, key: tuple[str, ...]) -> bool:
        """Sliding one-second window per endpoint, app and shop (reference §6.3)."""
        with self.lock:
            limit = self.config.rate_limit
            if limit <= 0:
                return True
            now = self.now()
            window = self._rate_windows.setdefault(key, collections.deque())
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= limit:
                return False
            window.append(now)
            return True

    def _check_app_credentials(self, query: dict[str, str]) -> None:
        if query.get("app_key") != self.config.app_key:
            raise ApiError(CREDENTIALS, "Invalid credentials. Invalid `app_key` query parameter.", 400)
        if query.get("app_secret") != self.config.app_secret:
            raise ApiError(CREDENTIALS, "Invalid credentials. Invalid `app_secret` query parameter.", 400)

    def _new_tokens(self, authorization_expire_at: int | None) -> Tokens:
        now = int(self.now())
        refresh_expire_at = authorization_expire_at or now + int(self.config.authorization_ttl)
        return Tokens(
            access_token="TTP_" + self._random_token(86),
            access_expire_at=now + int(self.config.access_token_ttl),
            refresh_token="TTP_" + self._random_token(66),
            refresh_expire_at=refresh_expire_at,
            auth_code="SBX_" + self._random_token(40),
            auth_code_expire_at=now + 1800,
        )

    def _token_payload(self) -> dict[str, Any]:
        return {
            "access_token": self.tokens.access_token,
            "access_token_expire_in": self.tokens.access_expire_at,
            "refresh_token": self.tokens.refresh_token,
            "refresh_token_expire_in": self.tokens.refresh_expire_at,
            "open_id": self.config.open_id,
            "seller_name": self.config.seller_name,
            "seller_base_region": self.config.region,
            "user_type": 0,
            "granted_scopes": list(GRANTED_SCOPES),
        }

    def _random_token(self, size: int) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "".join(self.rng.choice(alphabet) for _ in range(size))

    # ------------------------------------------------------------------ ids and clocks

    def new_id(self, prefix: str, length: int) -> str:
        while True:
            digits = "".join(str(self.rng.randint(0, 9)) for _ in range(length - len(prefix)))
            candidate = prefix + digits
            if candidate not in self._issued_ids:
                self._issued_ids.add(candidate)
                return candidate

    def _claim_id(self, wanted: Any, prefix: str, length: int) -> str:
        if wanted is None:
            return self.new_id(prefix, length)
        wanted = str(wanted)
        if wanted in self._issued_ids:
            raise ControlError(f"id {wanted} is already taken", 409)
        self._issued_ids.add(wanted)
        return wanted

    def _stamp(self) -> int:
        return int(self.now())

    # ------------------------------------------------------------------ warehouses and catalog

    def _seed_default_warehouses(self) -> None:
        for name in DEFAULT_PROVIDERS:
            self.providers[self.new_id("7117", 19)] = name
        self._add_warehouse({"name": "Sandbox Fulfillment Center", "is_default": True})
        self._add_warehouse({"name": "Sandbox Returns Center", "type": "RETURN_WAREHOUSE"})

    def add_warehouses(self, specs: list[dict[str, Any]], *, replace: bool = False) -> list[Warehouse]:
        with self.lock:
            if replace:
                self.warehouses.clear()
            created = [self._add_warehouse(spec) for spec in specs]
            if created and not any(w.is_default for w in self.warehouses.values() if w.type == "SALES_WAREHOUSE"):
                first_sales = next((w for w in created if w.type == "SALES_WAREHOUSE"), None)
                if first_sales:
                    first_sales.is_default = True
            return created

    def _add_warehouse(self, spec: dict[str, Any]) -> Warehouse:
        if "name" not in spec:
            raise ControlError("warehouse needs a name")
        warehouse_type = spec.get("type", "SALES_WAREHOUSE")
        if warehouse_type not in {"SALES_WAREHOUSE", "RETURN_WAREHOUSE"}:
            raise ControlError(f"unknown warehouse type {warehouse_type}")
        warehouse_id = self._claim_id(spec.get("id"), "7", 19)
        is_default = bool(spec.get("is_default", False))
        if is_default:
            for other in self.warehouses.values():
                if other.type == warehouse_type:
                    other.is_default = False
        address = {**self._default_warehouse_address(spec["name"]), **spec.get("address", {})}
        option_specs = spec.get("delivery_options") or [
            {"name": "Standard shipping", "type": "STANDARD"},
            {"name": "Express shipping", "type": "EXPRESS", "shipping_providers": ["UPS", "FedEx"]},
        ]
        options = [self._add_delivery_option(option) for option in option_specs]
        warehouse = Warehouse(
            id=warehouse_id,
            entity_id=self.new_id("73", 19),
            name=spec["name"],
            type=warehouse_type,
            sub_type=spec.get("sub_type", "DOMESTIC_WAREHOUSE"),
            effect_status=spec.get("effect_status", "ENABLED"),
            is_default=is_default,
            address=address,
            delivery_options=options if warehouse_type == "SALES_WAREHOUSE" else [],
        )
        self.warehouses[warehouse_id] = warehouse
        return warehouse

    def _add_delivery_option(self, spec: dict[str, Any]) -> DeliveryOption:
        provider_ids = []
        for provider in spec.get("shipping_providers", list(DEFAULT_PROVIDERS)):
            provider_spec = provider if isinstance(provider, dict) else {"name": provider}
            provider_ids.append(self._provider_id(provider_spec))
        option_type = spec.get("type", "STANDARD")
        return DeliveryOption(
            id=self._claim_id(spec.get("id"), "709", 19),
            name=spec.get("name", option_type.title()),
            type=option_type,
            description=spec.get("description", f"{spec.get('name', option_type)} delivered by the seller"),
            provider_ids=provider_ids,
        )

    def _provider_id(self, spec: dict[str, Any]) -> str:
        name = spec["name"]
        if spec.get("id"):
            self.providers[str(spec["id"])] = name
            return str(spec["id"])
        for provider_id, known in self.providers.items():
            if known == name:
                return provider_id
        provider_id = self.new_id("7117", 19)
        self.providers[provider_id] = name
        return provider_id

    def _default_warehouse_address(self, name: str) -> dict[str, Any]:
        return {
            "region": "United States",
            "state": "Nevada",
            "city": "Reno",
            "distict": "Washoe County",
            "town": "",
            "contact_person": "Warehouse Desk",
            "first_name": "Warehouse",
            "last_name": "Desk",
            "first_name_local_script": "",
            "last_name_local_script": "",
            "postal_code": "89502",
            "full_address": f"{name}, 4800 Sandbox Pkwy, Reno, NV 89502",
            "region_code": "US",
            "phone_number": "(+1)775-555-0100",
            "address_line1": "4800 Sandbox Pkwy",
            "address_line2": "",
            "address_line3": "",
            "address_line4": "",
            "geolocation": {"latitude": "39.4699", "longitude": "-119.7690"},
        }

    def default_sales_warehouse(self) -> Warehouse:
        sales = [w for w in self.warehouses.values() if w.type == "SALES_WAREHOUSE"]
        if not sales:
            raise ControlError("the shop has no sales warehouse", 409)
        return next((w for w in sales if w.is_default), sales[0])

    def add_products(self, specs: list[dict[str, Any]]) -> list[Product]:
        with self.lock:
            return [self._add_product(spec) for spec in specs]

    def _add_product(self, spec: dict[str, Any]) -> Product:
        if not spec.get("skus"):
            raise ControlError("product needs at least one sku")
        now = self._stamp()
        product = Product(
            id=self._claim_id(spec.get("id"), "1729", 19),
            title=spec.get("title", "Sandbox product"),
            status=spec.get("status", "ACTIVATE"),
            create_time=now,
            update_time=now,
            skus=[],
        )
        for sku_spec in spec["skus"]:
            if not sku_spec.get("seller_sku"):
                raise ControlError("every sku needs a seller_sku")
            sku = Sku(
                id=self._claim_id(sku_spec.get("id"), "1729", 19),
                product_id=product.id,
                seller_sku=sku_spec["seller_sku"],
                name=sku_spec.get("name", sku_spec["seller_sku"]),
                price=Decimal(str(sku_spec.get("price", "19.99"))).quantize(CENT),
                inventory=self._stock_from_spec(sku_spec.get("inventory")),
            )
            product.skus.append(sku)
            self.skus[sku.id] = sku
        self.products[product.id] = product
        return product

    def _stock_from_spec(self, spec: Any) -> dict[str, Stock]:
        if spec is None:
            return {self.default_sales_warehouse().id: Stock(quantity=0)}
        entries = (
            [{"warehouse_id": key, "quantity": value} for key, value in spec.items()]
            if isinstance(spec, dict)
            else spec
        )
        stock = {}
        for entry in entries:
            warehouse_id = str(entry["warehouse_id"])
            if warehouse_id not in self.warehouses:
                raise ControlError(f"unknown warehouse {warehouse_id}")
            stock[warehouse_id] = Stock(quantity=int(entry.get("quantity", 0)))
        return stock

    def update_product(self, product_id: str, spec: dict[str, Any]) -> Product:
        """Edit a product as a seller would: title, status, a variant's seller SKU, new variants.

        `skus` entries with the `id` of an existing variant change it; entries without one add
        a variant. The product's `update_time` moves, as Search Products then reports it.
        """
        with self.lock:
            product = self.products.get(product_id)
            if product is None:
                raise ControlError(f"unknown product {product_id}", 404)
            if "title" in spec:
                product.title = str(spec["title"])
            if "status" in spec:
                product.status = str(spec["status"])
            for sku_spec in spec.get("skus") or []:
                existing = next((sku for sku in product.skus if sku.id == str(sku_spec.get("id"))), None)
                if existing is not None:
                    existing.seller_sku = str(sku_spec.get("seller_sku", existing.seller_sku))
                    continue
                if not sku_spec.get("seller_sku"):
                    raise ControlError("every new sku needs a seller_sku")
                sku = Sku(
                    id=self._claim_id(sku_spec.get("id"), "1729", 19),
                    product_id=product.id,
                    seller_sku=sku_spec["seller_sku"],
                    name=sku_spec.get("name", sku_spec["seller_sku"]),
                    price=Decimal(str(sku_spec.get("price", "19.99"))).quantize(CENT),
                    inventory=self._stock_from_spec(sku_spec.get("inventory")),
                )
                product.skus.append(sku)
                self.skus[sku.id] = sku
            product.update_time = max(self._stamp(), product.update_time)
            return product

    def find_sku(self, *, sku_id: str | None = None, seller_sku: str | None = None) -> Sku:
        if sku_id:
            if sku_id not in self.skus:
                raise ControlError(f"unknown sku_id {sku_id}")
            return self.skus[sku_id]
        for sku in self.skus.values():
            if sku.seller_sku == seller_sku:
                return sku
        raise ControlError(f"unknown seller_sku {seller_sku}")

    # ------------------------------------------------------------------ orders (control side)

    def add_orders(self, specs: list[dict[str, Any]]) -> list[Order]:
        with self.lock:
            return [self._create_order(spec) for spec in specs]

    def _create_order(self, spec: dict[str, Any]) -> Order:
        status = spec.get("status", "UNPAID")
        if status not in SEEDABLE_STATUSES:
            raise ControlError(f"status must be one of {sorted(SEEDABLE_STATUSES)}")
        fulfillment_type = spec.get("fulfillment_type", "FULFILLMENT_BY_SELLER")
        if fulfillment_type not in FULFILLMENT_TYPES:
            raise ControlError(f"fulfillment_type must be one of {sorted(FULFILLMENT_TYPES)}")
        if not spec.get("lines"):
            raise ControlError("order needs lines")
        warehouse = (
            self.warehouses.get(str(spec["warehouse_id"]))
            if spec.get("warehouse_id")
            else self.default_sales_warehouse()
        )
        if warehouse is None or warehouse.type != "SALES_WAREHOUSE":
            raise ControlError(f"unknown sales warehouse {spec.get('warehouse_id')}")

        units: list[Sku] = []
        for line in spec["lines"]:
            sku = self.find_sku(sku_id=line.get("sku_id"), seller_sku=line.get("seller_sku"))
            if warehouse.id not in sku.inventory:
                raise ControlError(f"sku {sku.seller_sku} is not stocked in warehouse {warehouse.id}")
            quantity = int(line.get("quantity", 1))
            if quantity < 1:
                raise ControlError("quantity must be at least 1")
            units.extend([sku] * quantity)

        order_id = self._claim_id(spec.get("id"), "576", 18)
        now = self._stamp()
        create_time = int(spec.get("create_time", now))
        option = self._pick_delivery_option(warehouse, spec.get("delivery_option"))
        hold_seconds = float(spec.get("hold_seconds", self.config.hold_seconds))
        address = self._address_from_spec(spec.get("address", "default"))
        fbt = fulfillment_type == "FULFILLMENT_BY_TIKTOK"
        order = Order(
            id=order_id,
            status=status,
            create_time=create_time,
            update_time=now,
            fulfillment_type=fulfillment_type,
            shipping_type=spec.get("shipping_type", "TIKTOK" if fbt else "SELLER"),
            warehouse_id=warehouse.id,
            delivery_option_id=option.id,
            delivery_option_name=option.name,
            user_id=self.new_id("7021", 19),
            buyer_email=fakes.fake_buyer_email(self.rng),
            buyer_message=spec.get("buyer_message", ""),
            address=address,
            line_items=[self._line_item(sku) for sku in units],
            shipping_fee=Decimal("9.99") if option.type == "EXPRESS" else Decimal("5.99"),
            is_on_hold_order=status == "ON_HOLD" or (status == "UNPAID" and hold_seconds > 0),
            hold_seconds=hold_seconds,
        )
        self._reserve(order, order.line_items)
        if status == "UNPAID":
            unpaid_seconds = spec.get("unpaid_seconds", self.config.unpaid_seconds)
            order.pay_at = None if unpaid_seconds is None else self.now() + float(unpaid_seconds)
        else:
            self._mark_paid(order, hold=status == "ON_HOLD")
        self.orders[order_id] = order
        self._notify_order_status(order)
        return order

    def _pick_delivery_option(self, warehouse: Warehouse, wanted: Any) -> DeliveryOption:
        if not warehouse.delivery_options:
            raise ControlError(f"warehouse {warehouse.id} has no delivery options")
        if wanted is None:
            return warehouse.delivery_options[0]
        for option in warehouse.delivery_options:
            if wanted in {option.id, option.name, option.type}:
                return option
        raise ControlError(f"unknown delivery option {wanted}")

    def _address_from_spec(self, spec: Any) -> dict[str, Any]:
        if spec is None:
            return {}
        address = fakes.fake_recipient_address(self.rng)
        if isinstance(spec, dict):
            address.update(spec)
        elif spec != "default":
            raise ControlError('address must be null, "default" or an object')
        return address

    def _line_item(self, sku: Sku) -> LineItem:
        product = self.products[sku.product_id]
        return LineItem(
            id=self.new_id("577", 18),
            sku_id=sku.id,
            product_id=sku.product_id,
            seller_sku=sku.seller_sku,
            product_name=product.title,
            sku_name=sku.name,
            price=sku.price,
        )

    def _reserve(self, order: Order, lines: Iterable[LineItem]) -> None:
        # NOTE: placing an order moves units from available to committed (reference §4.2:
        # committed_quantity = units reserved by open orders); shipping or cancelling releases them.
        # An order fulfilled by TikTok ships from TikTok's stock, not the seller's warehouses.
        if order.fulfillment_type == "FULFILLMENT_BY_TIKTOK":
            return
        for line in lines:
            stock = self.skus[line.sku_id].inventory.get(order.warehouse_id)
            if stock:
                stock.quantity = max(stock.quantity - 1, 0)
                stock.committed += 1

    def _release(self, order: Order, lines: Iterable[LineItem], *, restock: bool) -> None:
        if order.fulfillment_type == "FULFILLMENT_BY_TIKTOK":
            return
        for line in lines:
            stock = self.skus[line.sku_id].inventory.get(order.warehouse_id)
            if stock:
                stock.committed = max(stock.committed - 1, 0)
                if restock:
                    stock.quantity += 1

    def _mark_paid(self, order: Order, *, hold: bool) -> str:
        """Record the payment; returns the status the order moves to (ON_HOLD or AWAITING_SHIPMENT)."""
        now = self.now()
        order.paid_time = int(now)
        order.pay_at = None
        order.sla = self._sla_times(order.paid_time)
        if self.config.region not in MARK_SHIPPED_MARKETS and not order.packages:
            # SEA/LATAM: a package exists from payment and is shipped with Ship Package (§4.1.1).
            self._new_package(order, order.active_lines())
        if hold:
            order.is_on_hold_order = True
            order.hold_until = now + order.hold_seconds
            return "ON_HOLD"
        order.hold_until = None
        return "AWAITING_SHIPMENT"

    def _sla_times(self, paid_time: int) -> dict[str, int]:
        # NOTE: US regular orders must ship within two business days, 11:59 PM Pacific (SPEC);
        # weekends are skipped, holidays are not modelled. The other SLAs are plausible spacings.
        shipping_due = _business_deadline(paid_time, 2)
        return {
            "rts_sla_time": shipping_due,
            "tts_sla_time": _business_deadline(paid_time, 7),
            "shipping_due_time": shipping_due,
            "cancel_order_sla_time": _business_deadline(paid_time, 7),
            "collection_due_time": shipping_due + 5 * 86400,
            "delivery_sla_time": paid_time + 10 * 86400,
            "delivery_due_time": paid_time + 14 * 86400,
            "delivery_option_required_delivery_time": paid_time + 10 * 86400,
        }

    def buyer_cancel(self, order_id: str, reason: str | None = None) -> Cancellation:
        """The buyer cancels: auto-approved while UNPAID/ON_HOLD, a pending request afterwards."""
        with self.lock:
            order = self._control_order(order_id)
            reason = reason or "ecom_order_to_ship_canceled_reason_created_by_mistakes"
            reason_text = BUYER_CANCEL_REASONS.get(reason, reason)
            if self._open_cancellation(order):
                raise ControlError("the order already has a pending cancellation", 409)
            if order.status not in {"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"}:
                raise ControlError(f"a buyer cannot cancel an order in {order.status}", 409)
            now = self._stamp()
            cancellation = Cancellation(
                id=self.new_id("4035", 19),
                order_id=order.id,
                cancel_type="BUYER_CANCEL",
                role="BUYER",
                status="CANCELLATION_REQUEST_PENDING",
                reason=reason,
                reason_text=reason_text,
                line_item_ids=[line.id for line in order.active_lines()],
                create_time=now,
                update_time=now,
                user_id=order.user_id,
            )
            self.cancellations[cancellation.id] = cancellation
            if order.status in {"UNPAID", "ON_HOLD"}:
                # Reference §4.5: inside ON_HOLD a buyer cancel is approved without the seller.
                cancellation.status = "CANCELLATION_REQUEST_SUCCESS"
                self._notify_cancellation(cancellation)
                self._cancel_lines(order, order.active_lines(), "BUYER", reason_text)
                return cancellation
            cancellation.deadline = now + int(self.config.buyer_cancel_response_seconds)
            order.is_buyer_request_cancel = True
            order.request_cancel_time = now
            order.update_time = now
            self._notify_cancellation(cancellation)
            return cancellation

    def force_status(self, order_id: str, status: str) -> Order:
        """Move an order the way TikTok or a carrier would (demo and test helper)."""
        with self.lock:
            order = self._control_order(order_id)
            if status == order.status:
                return order
            if status == "AWAITING_SHIPMENT" and order.status == "UNPAID":
                self._set_status(order, self._mark_paid(order, hold=False))
            elif status == "AWAITING_SHIPMENT" and order.status == "ON_HOLD":
                order.hold_until = None
                self._set_status(order, "AWAITING_SHIPMENT")
            elif status == "CANCELLED":
                self._system_cancel(order)
            elif status in {"IN_TRANSIT", "DELIVERED"} and order.status in SHIPPING_STATUSES:
                if any(not line.package_id for line in order.active_lines()):
                    raise ControlError("every line must be shipped first", 409)
                for package_id in order.packages:
                    package = self.packages[package_id]
                    if status == "IN_TRANSIT" and package.status == "PROCESSING":
                        self._advance_package(package, "FULFILLING")
                    elif status == "DELIVERED" and package.status != "COMPLETED":
                        self._advance_package(package, "COMPLETED")
                self._refresh_shipping_status(order)
            elif status == "COMPLETED" and order.status in {"DELIVERED", "IN_TRANSIT", "AWAITING_COLLECTION"}:
                self._set_status(order, "COMPLETED")
            else:
                raise ControlError(f"cannot force {order.status} -> {status}", 409)
            return order

    def _system_cancel(self, order: Order) -> None:
        if order.status in {"CANCELLED", "COMPLETED"}:
            raise ControlError(f"cannot cancel an order in {order.status}", 409)
        now = self._stamp()
        cancellation = Cancellation(
            id=self.new_id("4035", 19),
            order_id=order.id,
            cancel_type="CANCEL",
            role="SYSTEM",
            status="CANCELLATION_REQUEST_SUCCESS",
            reason="system_cancel_reason_seller_did_not_ship",
            reason_text="Seller did not ship in time",
            line_item_ids=[line.id for line in order.active_lines()],
            create_time=now,
            update_time=now,
            user_id=order.user_id,
        )
        self.cancellations[cancellation.id] = cancellation
        self._notify_cancellation(cancellation)
        self._cancel_lines(order, order.active_lines(), "SYSTEM", cancellation.reason_text, force=True)

    def open_return(self, spec: dict[str, Any]) -> ReturnRequest:
        """The buyer opens a return (or refund-only) request on shipped lines."""
        with self.lock:
            order = self._control_order(str(spec.get("order_id", "")))
            open_lines = {
                line_id
                for ret in self.returns.values()
                if ret.order_id == order.id and not _return_closed(ret.status)
                for line_id in ret.line_item_ids
            }
            eligible = [
                line
                for line in order.active_lines()
                if line.package_id and self.packages[line.package_id].shipped and line.id not in open_lines
            ]
            wanted = spec.get("line_item_ids")
            lines = [line for line in eligible if wanted is None or line.id in wanted]
            if not lines or (wanted is not None and len(lines) != len(set(wanted))):
                raise ControlError("a return needs shipped lines that have no open return", 409)
            return_type = spec.get("return_type", "RETURN_AND_REFUND")
            if return_type not in {"RETURN_AND_REFUND", "REFUND"}:
                raise ControlError("return_type must be RETURN_AND_REFUND or REFUND")
            reason = spec.get("reason", "ecom_order_delivered_refund_and_return_reason_defective")
            step = spec.get("step_seconds", self.config.return_step_seconds)
            now = self._stamp()
            ret = ReturnRequest(
                id=self.new_id("4035", 19),
                order_id=order.id,
                return_type=return_type,
                status="RETURN_OR_REFUND_REQUEST_PENDING",
                reason=reason,
                reason_text=RETURN_REASONS.get(reason, reason),
                line_item_ids=[line.id for line in lines],
                create_time=now,
                update_time=now,
                user_id=order.user_id,
                step_seconds=None if step is None else float(step),
            )
            if return_type == "RETURN_AND_REFUND" and ret.step_seconds is not None:
                ret.next_step_at = self.now() + ret.step_seconds
            self.returns[ret.id] = ret
            self._notify_return(ret)
            return ret

    def resend_order_notification(self, order_id: str, *, fresh: bool = False) -> Notification:
        """Deliver the last type-1 body again (byte-identical), or a new one for the current status."""
        with self.lock:
            order = self._control_order(order_id)
            if fresh:
                return self._notify_order_status(order)
            last = self.last_order_notification.get(order.id)
            if last is None:
                raise ControlError(f"no webhook was sent for order {order_id}", 404)
            again = Notification(last.notification_id, last.type, last.body, self._webhook_url(1), order.id)
            self.publish(again)
            return again

    def _control_order(self, order_id: str) -> Order:
        order = self.orders.get(order_id)
        if order is None:
            raise ControlError(f"unknown order {order_id}", 404)
        return order

    # ------------------------------------------------------------------ orders (API side)

    def find_orders(self, body: dict[str, Any]) -> list[Order]:
        with self.lock:
            orders = list(self.orders.values())
            status = body.get("order_status")
            if status:
                orders = [order for order in orders if order.status == status]
            orders = _in_window(orders, "create_time", body.get("create_time_ge"), body.get("create_time_lt"))
            orders = _in_window(orders, "update_time", body.get("update_time_ge"), body.get("update_time_lt"))
            if body.get("shipping_type"):
                orders = [order for order in orders if order.shipping_type == body["shipping_type"]]
            if body.get("buyer_user_id"):
                orders = [order for order in orders if order.user_id == body["buyer_user_id"]]
            if body.get("is_buyer_request_cancel") is not None:
                wanted = bool(body["is_buyer_request_cancel"])
                orders = [order for order in orders if order.is_buyer_request_cancel == wanted]
            if body.get("warehouse_ids"):
                warehouse_ids = set(body["warehouse_ids"])
                orders = [order for order in orders if order.warehouse_id in warehouse_ids]
            return orders

    def mark_package_shipped(self, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST /fulfillment/202309/orders/{order_id}/packages (reference §4.4)."""
        with self.lock:
            if self.config.region not in MARK_SHIPPED_MARKETS:
                raise ApiError(21008106, "This interface cannot be used in this region.")
            order = self._fulfillment_order(order_id)
            self._check_shippable(order)
            tracking_number, provider_id = self._check_tracking(order, body)

            active = order.active_lines()
            wanted = body.get("order_line_item_ids")
            if wanted:
                by_id = {line.id: line for line in order.line_items}
                unknown = [line_id for line_id in wanted if line_id not in by_id]
                if unknown:
                    raise ApiError(21001001, f"Invalid parameters. Unknown order_line_item_ids: {unknown}")
                lines = [by_id[line_id] for line_id in dict.fromkeys(wanted)]
                if any(line.cancelled for line in lines):
                    raise ApiError(21011041, "Cannot complete the operation when order is cancelled.")
                if any(line.package_id for line in lines):
                    raise ApiError(21011006, "These orders are already shipped.")
            else:
                lines = [line for line in active if not line.package_id]
                if not lines:
                    raise ApiError(21011006, "These orders are already shipped.")
            if self.config.reject_same_sku_split:
                self._check_same_sku_split(order, lines)
            self._check_duplicate_tracking(order, tracking_number)

            package = self._new_package(order, lines)
            self._ship_package(order, package, tracking_number, provider_id)
            warning = self._tracking_warning(tracking_number, provider_id)
            return {
                "order_id": order.id,
                "order_line_item_ids": [line.id for line in lines],
                "package_id": package.id,
                "warning": {"message": warning},
            }

    def ship_package(self, package_id: str, body: dict[str, Any]) -> None:
        """POST /fulfillment/202309/packages/{package_id}/ship (SEA/LATAM seller shipping)."""
        with self.lock:
            if self.config.region in MARK_SHIPPED_MARKETS:
                # Reference §4.4: US/UK/EU/JP seller shipping must use Mark Package As Shipped.
                raise ApiError(21008106, "This interface cannot be used in this region.")
            package = self.packages.get(package_id)
            if package is None:
                raise ApiError(21008111, "The order or package does not belong to the current seller.")
            if package.shipped:
                raise ApiError(21008099, "Package has been shipped. Please not ship the package again.")
            order = self.orders[package.order_id]
            self._check_shippable(order)
            shipment = body.get("self_shipment") or {}
            tracking_number, provider_id = self._check_tracking(order, shipment)
            self._ship_package(order, package, tracking_number, provider_id)

    def update_shipping_info(
        self, body: dict[str, Any], *, order_id: str | None = None, package_id: str | None = None
    ) -> None:
        """Order- or package-level tracking correction: once, within the window (reference §4.4)."""
        with self.lock:
            if package_id is not None:
                package = self.packages.get(package_id)
                if package is None:
                    raise ApiError(21011028, "The package does not belong to the current shop.")
                order = self.orders[package.order_id]
            else:
                order = self._fulfillment_order(order_id or "")
                if len(order.packages) > 1:
                    raise ApiError(
                        21011003,
                        "fulfill_unit action not allowed: the order is split, use Update Package Shipping Info",
                    )
                package = self.packages[order.packages[0]] if order.packages else None
            if order.status == "CANCELLED":
                raise ApiError(21011041, "Cannot complete the operation when order is cancelled.")
            if order.shipping_type != "SELLER":
                raise ApiError(
                    21011004,
                    "This API cannot be used to update package shipping information for packages "
                    "that are not shipped by sellers.",
                )
            if package is None or not package.shipped:
                raise ApiError(21011043, "The package has not been shipped yet.")
            if package.status == "COMPLETED":
                raise ApiError(
                    21011030,
                    "Package has already been delivered. If you would still like to update the "
                    "tracking number, please contact the platform for assistance.",
                )
            if self._open_cancellation(order) or self._open_return(order):
                raise ApiError(
                    21011007, "Package item has after-sale request, please process the after-sale request first."
                )
            if self.now() - package.shipped_at > self.config.shipping_info_update_window:
                raise ApiError(
                    21011049, "Due to platform rule limitations, you are unable to update the tracking number."
                )
            if order.shipping_info_updates >= 1:
                # NOTE: reference §4.4 says "once per order" and lists 21011050/51/52 without a
                # mapping; 21011051 carries the matching message in the Mark-as-Shipped table.
                raise ApiError(21011051, "The tracking number can only be updated once.")
            tracking_number, provider_id = self._check_tracking(order, body)

            now = self._stamp()
            package.tracking_number = tracking_number
            package.shipping_provider_id = provider_id
            package.shipping_provider_name = self.providers[provider_id]
            package.update_time = now
            package.tracking.append((now, "Tracking information updated by the seller"))
            order.tracking_number = tracking_number
            order.shipping_provider_id = provider_id
            order.shipping_provider = self.providers[provider_id]
            order.shipping_info_updates += 1
            order.update_time = now

    def _fulfillment_order(self, order_id: str) -> Order:
        order = self.orders.get(order_id)
        if order is None:
            raise ApiError(21008111, "The order or package does not belong to the current seller.")
        return order

    def _check_shippable(self, order: Order) -> None:
        if order.fulfillment_type == "FULFILLMENT_BY_TIKTOK":
            raise ApiError(21008025, "Seller cannot operate orders which are fulfilled by platform")
        if order.status == "ON_HOLD":
            raise ApiError(21011044, "The order is on hold and cannot be fulfilled yet.")
        if order.status == "UNPAID":
            raise ApiError(21011003, "fulfill_unit action not allowed")
        if order.status == "CANCELLED":
            raise ApiError(21011041, "Cannot complete the operation when order is cancelled.")
        if order.status not in {"AWAITING_SHIPMENT", "PARTIALLY_SHIPPING"}:
            raise ApiError(21011006, "These orders are already shipped.")
        if self._open_cancellation(order) or self._open_return(order):
            raise ApiError(
                21011007, "Package item has after-sale request, please process the after-sale request first."
            )

    def _check_tracking(self, order: Order, body: dict[str, Any]) -> tuple[str, str]:
        tracking_number = body.get("tracking_number")
        provider_id = body.get("shipping_provider_id")
        if not isinstance(tracking_number, str) or not tracking_number:
            raise ApiError(21001001, "Invalid parameters. tracking_number is required.")
        if not isinstance(provider_id, str) or not provider_id:
            raise ApiError(21001001, "Invalid parameters. shipping_provider_id is required.")
        if not TRACKING_CHARS.match(tracking_number):
            raise ApiError(21004012, "Tracking number has special characters, verify failed.")
        allowed = self._providers_for(order)
        if provider_id not in allowed:
            raise ApiError(21011022, "Invalid tracking number or provider ID. Please double check and try again.")
        return tracking_number, provider_id

    def _providers_for(self, order: Order) -> list[str]:
        warehouse = self.warehouses.get(order.warehouse_id)
        for option in warehouse.delivery_options if warehouse else []:
            if option.id == order.delivery_option_id:
                return option.provider_ids
        return []

    def _check_duplicate_tracking(self, order: Order, tracking_number: str) -> None:
        users = [package for package in self.packages.values() if package.tracking_number == tracking_number]
        if any(package.order_id == order.id for package in users):
            raise ApiError(21011025, "Duplicate tracking number.")
        # Consolidation: up to 20 orders with the same recipient may share one tracking number.
        other_orders = {package.order_id for package in users}
        if any(self.orders[other].address != order.address for other in other_orders):
            raise ApiError(21011025, "Duplicate tracking number.")
        if len(other_orders) >= 20:
            raise ApiError(21011026, "fulfillment tracking no used times over limit")

    def _check_same_sku_split(self, order: Order, lines: list[LineItem]) -> None:
        shipping = {line.id for line in lines}
        for line in lines:
            siblings = [
                other
                for other in order.active_lines()
                if other.sku_id == line.sku_id and other.id not in shipping and not other.package_id
            ]
            shipped_elsewhere = [
                other for other in order.active_lines() if other.sku_id == line.sku_id and other.package_id
            ]
            if siblings or shipped_elsewhere:
                raise ApiError(21011036, "split same sku in Multi Package not allow.")

    def _tracking_warning(self, tracking_number: str, provider_id: str) -> str:
        provider = self.providers[provider_id]
        pattern = TRACKING_FORMATS.get(provider)
        if pattern is None or pattern.match(tracking_number):
            matches = [name for name, fmt in TRACKING_FORMATS.items() if fmt.match(tracking_number)]
            return "match more than one provider" if len(matches) > 1 else ""
        return f"tracking number does not look like a {provider} tracking number"

    def _new_package(self, order: Order, lines: list[LineItem]) -> Package:
        now = self._stamp()
        package = Package(
            id=self.new_id("115", 19),
            order_id=order.id,
            line_item_ids=[line.id for line in lines],
            create_time=now,
            update_time=now,
        )
        for line in lines:
            line.package_id = package.id
        self.packages[package.id] = package
        order.packages.append(package.id)
        return package

    def _ship_package(self, order: Order, package: Package, tracking_number: str, provider_id: str) -> None:
        now = self.now()
        stamp = int(now)
        package.shipped = True
        package.shipped_at = now
        package.status = "PROCESSING"
        package.tracking_number = tracking_number
        package.shipping_provider_id = provider_id
        package.shipping_provider_name = self.providers[provider_id]
        package.update_time = stamp
        package.tracking.append((stamp, "Shipping label created, carrier awaiting item"))
        order.tracking_number = tracking_number
        order.shipping_provider_id = provider_id
        order.shipping_provider = self.providers[provider_id]
        order.rts_time = order.rts_time or stamp
        lines = [line for line in order.line_items if line.id in package.line_item_ids]
        self._release(order, lines, restock=False)
        self._refresh_shipping_status(order)

    def _advance_package(self, package: Package, status: str) -> None:
        now = self.now()
        stamp = int(now)
        package.status = status
        package.update_time = stamp
        if status == "FULFILLING":
            package.in_transit_at = now
            package.tracking.append((stamp, "Package picked up by the carrier"))
        elif status == "COMPLETED":
            package.tracking.append((stamp, "Your package was delivered!"))
        self.orders[package.order_id].update_time = stamp

    def _refresh_shipping_status(self, order: Order) -> None:
        """Derive the order status from its packages (reference §4.1.3 transitions)."""
        active = order.active_lines()
        if not active:
            return
        shipped_packages = {line.package_id for line in active if line.package_id}
        shipped_packages = {package_id for package_id in shipped_packages if self.packages[package_id].shipped}
        unshipped = [line for line in active if not line.package_id or line.package_id not in shipped_packages]
        statuses = {self.packages[package_id].status for package_id in shipped_packages}
        if not shipped_packages:
            new_status = order.status
        elif unshipped:
            new_status = "PARTIALLY_SHIPPING"
        elif statuses == {"COMPLETED"}:
            new_status = "DELIVERED"
            order.delivery_time = order.delivery_time or self._stamp()
        elif statuses <= {"FULFILLING", "COMPLETED"}:
            new_status = "IN_TRANSIT"
            order.collection_time = order.collection_time or self._stamp()
        else:
            new_status = "AWAITING_COLLECTION"
        self._set_status(order, new_status)

    # ------------------------------------------------------------------ cancellations

    def cancel_order(self, body: dict[str, Any]) -> Cancellation:
        """POST /return_refund/202309/cancellations: the seller cancels (reference §4.5)."""
        with self.lock:
            order_id, reason = body.get("order_id"), body.get("cancel_reason")
            if not order_id or not reason:
                raise ApiError(
                    25001001,
                    "An invalid request parameter was passed. order_id and cancel_reason are required.",
                )
            order = self.orders.get(str(order_id))
            if order is None:
                raise ApiError(25007006, "Order not found.")
            if order.status == "CANCELLED" or self._open_cancellation(order):
                raise ApiError(
                    25001011, "A return request is already in process, or the order has already been cancelled."
                )
            if order.status == "COMPLETED":
                raise ApiError(25001051, "Not allowed to return or cancel since order is completed or cancelled")
            lines = self._lines_to_cancel(order, body)
            if any(line.package_id and self.packages[line.package_id].shipped for line in lines):
                raise ApiError(
                    25001045,
                    "The order has already been shipped and we are unable to cancel shipment with the courier.",
                )
            reason_text = self._check_seller_reason(order, reason)

            now = self._stamp()
            cancellation = Cancellation(
                id=self.new_id("4035", 19),
                order_id=order.id,
                cancel_type="CANCEL",
                role="SELLER",
                status="CANCELLATION_REQUEST_SUCCESS",
                reason=reason,
                reason_text=reason_text,
                line_item_ids=[line.id for line in lines],
                create_time=now,
                update_time=now,
                user_id=order.user_id,
            )
            self.cancellations[cancellation.id] = cancellation
            self._notify_cancellation(cancellation)
            self._cancel_lines(order, lines, "SELLER", reason_text)
            return cancellation

    def _lines_to_cancel(self, order: Order, body: dict[str, Any]) -> list[LineItem]:
        active = order.active_lines()
        by_id = {line.id: line for line in order.line_items}
        if body.get("order_line_item_ids"):
            wanted = list(dict.fromkeys(body["order_line_item_ids"]))
            if any(line_id not in by_id for line_id in wanted):
                raise ApiError(25001001, "An invalid request parameter was passed. Unknown order_line_item_ids.")
            lines = [by_id[line_id] for line_id in wanted]
            if any(line.cancelled for line in lines):
                raise ApiError(
                    25001011, "A return request is already in process, or the order has already been cancelled."
                )
        elif body.get("skus"):
            lines = []
            for item in body["skus"]:
                candidates = [
                    line
                    for line in active
                    if line.sku_id == str(item.get("sku_id")) and line not in lines and not line.package_id
                ]
                quantity = int(item.get("quantity", 1))
                if quantity < 1 or len(candidates) < quantity:
                    raise ApiError(
                        25005011, "The requested line item(s) for return or refund exceeds the allowable limit."
                    )
                lines.extend(candidates[:quantity])
        else:
            return active
        if len(lines) < len(active) and self.config.region not in PARTIAL_CANCEL_MARKETS:
            raise ApiError(25005010, "Unable to cancel individual line items within this request.")
        return lines

    def _check_seller_reason(self, order: Order, reason: str) -> str:
        suffix = "_uk" if self.config.region == "GB" else ""
        paid = {name + suffix: text for name, text in SELLER_CANCEL_PAID.items()}
        unpaid = {name + suffix: text for name, text in SELLER_CANCEL_UNPAID.items()}
        if self.config.region not in PARTIAL_CANCEL_MARKETS:
            paid["seller_cancel_unable_to_deliver_to_buyer_address"] = "Unable to deliver to buyer address"
        allowed = unpaid if order.status == "UNPAID" else paid
        if reason in allowed:
            return allowed[reason]
        if reason in paid or reason in unpaid:
            raise ApiError(25001021, "Reason not match order status")
        raise ApiError(
            25001015,
            "The provided return reason cannot be used by the seller. "
            "Please select a valid return reason and try again.",
        )

    def respond_to_cancellation(self, cancel_id: str, *, approve: bool, body: dict[str, Any]) -> None:
        """Approve or reject a buyer's pending cancel request (reference §4.5)."""
        with self.lock:
            cancellation = self.cancellations.get(cancel_id)
            if cancellation is None:
                raise ApiError(25001001, "An invalid request parameter was passed. Unknown cancel_id.")
            if cancellation.status == "CANCELLATION_REQUEST_CANCELLED":
                raise ApiError(25020009, "reverse already cancelled")
            if cancellation.status != "CANCELLATION_REQUEST_PENDING":
                raise ApiError(25011012, "reverse status cannot approve application")
            order = self.orders[cancellation.order_id]
            if not approve:
                reason = body.get("reject_reason")
                if reason not in CANCEL_REJECT_REASONS:
                    raise ApiError(
                        25001001, "An invalid request parameter was passed. reject_reason is missing or unknown."
                    )
                self._close_buyer_request(order, cancellation, "CANCELLATION_REQUEST_CANCELLED")
                return
            if any(line.package_id and self.packages[line.package_id].shipped for line in order.active_lines()):
                raise ApiError(
                    25001045,
                    "The order has already been shipped and we are unable to cancel shipment with the courier.",
                )
            self._close_buyer_request(order, cancellation, "CANCELLATION_REQUEST_SUCCESS")
            lines = [line for line in order.active_lines() if line.id in cancellation.line_item_ids]
            self._cancel_lines(order, lines, "BUYER", cancellation.reason_text)

    def _close_buyer_request(self, order: Order, cancellation: Cancellation, status: str) -> None:
        now = self._stamp()
        cancellation.status = status
        cancellation.update_time = now
        order.is_buyer_request_cancel = False
        order.update_time = now
        self._notify_cancellation(cancellation)

    def _cancel_lines(
        self, order: Order, lines: list[LineItem], initiator: str, reason_text: str, *, force: bool = False
    ) -> None:
        now = self._stamp()
        for line in lines:
            line.cancelled = True
            line.cancel_user = initiator
            line.cancel_reason = reason_text
        unshipped = [line for line in lines if not line.package_id or not self.packages[line.package_id].shipped]
        self._release(order, unshipped, restock=True)
        for line in lines:
            if line.package_id and not self.packages[line.package_id].shipped:
                package = self.packages[line.package_id]
                package.line_item_ids.remove(line.id)
                line.package_id = ""
                if not package.line_item_ids:
                    package.status = "CANCELLED"
                    package.update_time = now
        order.update_time = now
        if not order.active_lines():
            order.cancellation_initiator = initiator
            order.cancel_reason = reason_text
            order.cancel_time = now
            for package_id in order.packages:
                if force and self.packages[package_id].status != "COMPLETED":
                    self.packages[package_id].status = "CANCELLED"
            self._set_status(order, "CANCELLED")
        elif order.status in SHIPPING_STATUSES:
            self._refresh_shipping_status(order)

    def _open_cancellation(self, order: Order) -> Cancellation | None:
        return next(
            (
                c
                for c in self.cancellations.values()
                if c.order_id == order.id and c.status == "CANCELLATION_REQUEST_PENDING"
            ),
            None,
        )

    def _open_return(self, order: Order) -> ReturnRequest | None:
        return next(
            (r for r in self.returns.values() if r.order_id == order.id and not _return_closed(r.status)),
            None,
        )

    def find_cancellations(self, body: dict[str, Any]) -> list[Cancellation]:
        with self.lock:
            items = list(self.cancellations.values())
            items = _matching(items, "id", body.get("cancel_ids"))
            items = _matching(items, "order_id", body.get("order_ids"))
            items = _matching(items, "user_id", body.get("buyer_user_ids"))
            items = _matching(items, "cancel_type", body.get("cancel_types"))
            statuses = body.get("cancel_status")
            if statuses:
                # Reference §4.5: filters spell CANCELLATION_REQUEST_CANCEL, responses ...CANCELLED.
                wanted = {
                    "CANCELLATION_REQUEST_CANCELLED" if s == "CANCELLATION_REQUEST_CANCEL" else s for s in statuses
                }
                items = [item for item in items if item.status in wanted]
            items = _in_window(items, "create_time", body.get("create_time_ge"), body.get("create_time_lt"))
            return _in_window(items, "update_time", body.get("update_time_ge"), body.get("update_time_lt"))

    # ------------------------------------------------------------------ returns

    def respond_to_return(self, return_id: str, *, approve: bool, body: dict[str, Any]) -> None:
        """Approve or reject a return at the stage it is in (reference §4.6)."""
        with self.lock:
            ret = self.returns.get(return_id)
            if ret is None:
                raise ApiError(25001001, "An invalid request parameter was passed. Unknown return_id.")
            decision = body.get("decision")
            if not decision:
                raise ApiError(25001001, "An invalid request parameter was passed. decision is required.")
            if ret.status == "RETURN_OR_REFUND_REQUEST_CANCEL":
                raise ApiError(25020009, "reverse already cancelled")
            new_status = self._return_decision(ret, approve, decision, body)
            ret.status = new_status
            ret.update_time = self._stamp()
            ret.next_step_at = (
                self.now() + ret.step_seconds
                if new_status == "AWAITING_BUYER_SHIP" and ret.step_seconds is not None
                else None
            )
            self.orders[ret.order_id].update_time = ret.update_time
            self._notify_return(ret)

    def _return_decision(self, ret: ReturnRequest, approve: bool, decision: str, body: dict[str, Any]) -> str:
        pending = ret.status == "RETURN_OR_REFUND_REQUEST_PENDING"
        if approve:
            if decision in {"APPROVE_RETURN", "APPROVE_REFUND"}:
                if not pending:
                    raise ApiError(25011012, "reverse status cannot approve application")
                if decision == "APPROVE_RETURN" and ret.return_type != "RETURN_AND_REFUND":
                    raise ApiError(25020004, "decision not match reverse type")
                if decision == "APPROVE_REFUND" and ret.return_type != "REFUND":
                    raise ApiError(25020004, "decision not match reverse type")
                if decision == "APPROVE_REFUND" or body.get("buyer_keep_item"):
                    return "RETURN_OR_REFUND_REQUEST_SUCCESS"
                return "AWAITING_BUYER_SHIP"
            if decision == "APPROVE_RECEIVED_PACKAGE":
                if ret.status != "BUYER_SHIPPED_ITEM":
                    raise ApiError(25011013, "reverse status cannot approve receive")
                return "RETURN_OR_REFUND_REQUEST_SUCCESS"
            raise ApiError(25020003, "decision not match reverse status")
        if not body.get("reject_reason"):
            raise ApiError(25001001, "An invalid request parameter was passed. reject_reason is required.")
        if decision in {"REJECT_RETURN", "REJECT_REFUND"} and pending:
            expected_type = "RETURN_AND_REFUND" if decision == "REJECT_RETURN" else "REFUND"
            if ret.return_type != expected_type:
                raise ApiError(25020004, "decision not match reverse type")
            return "REFUND_OR_RETURN_REQUEST_REJECT"
        if decision == "REJECT_RECEIVED_PACKAGE" and ret.status == "BUYER_SHIPPED_ITEM":
            return "REJECT_RECEIVE_PACKAGE"
        raise ApiError(25020003, "decision not match reverse status")

    def find_returns(self, body: dict[str, Any]) -> list[ReturnRequest]:
        with self.lock:
            items = list(self.returns.values())
            items = _matching(items, "id", body.get("return_ids"))
            items = _matching(items, "order_id", body.get("order_ids"))
            items = _matching(items, "user_id", body.get("buyer_user_ids"))
            items = _matching(items, "return_type", body.get("return_types"))
            items = _matching(items, "status", body.get("return_status"))
            items = _in_window(items, "create_time", body.get("create_time_ge"), body.get("create_time_lt"))
            return _in_window(items, "update_time", body.get("update_time_ge"), body.get("update_time_lt"))

    # ------------------------------------------------------------------ packages

    def find_packages(self, body: dict[str, Any]) -> list[Package]:
        with self.lock:
            items = [package for package in self.packages.values() if package.shipped]
            if body.get("package_status"):
                items = [package for package in items if package.status == body["package_status"]]
            items = _in_window(items, "create_time", body.get("create_time_ge"), body.get("create_time_lt"))
            return _in_window(items, "update_time", body.get("update_time_ge"), body.get("update_time_lt"))

    # ------------------------------------------------------------------ products and inventory

    def find_products(self, body: dict[str, Any]) -> list[Product]:
        with self.lock:
            items = list(self.products.values())
            status = body.get("status") or "ALL"
            if status != "ALL":
                items = [product for product in items if product.status == status]
            if body.get("seller_skus"):
                wanted = set(body["seller_skus"])
                items = [p for p in items if any(sku.seller_sku in wanted for sku in p.skus)]
            if body.get("sku_ids"):
                wanted = set(body["sku_ids"])
                items = [p for p in items if any(sku.id in wanted for sku in p.skus)]
            items = _in_window(items, "create_time", body.get("create_time_ge"), body.get("create_time_le"), True)
            return _in_window(items, "update_time", body.get("update_time_ge"), body.get("update_time_le"), True)

    def update_inventory(self, product_id: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """Per-SKU all-or-nothing update; failures come back inside a code-0 answer (§4.2)."""
        with self.lock:
            product = self.products.get(product_id)
            if product is None:
                raise ApiError(12052032, "The product does not exist")
            if product.status != "ACTIVATE":
                raise ApiError(
                    12052901,
                    "The product in its current status is not available for this operation. "
                    "Change the product status and try again.",
                )
            skus = body.get("skus")
            if not skus:
                raise ApiError(
                    12052902, "The SKU list is empty. Either omit the list entirely, or provide all required details."
                )
            if len(skus) > 100:
                raise ApiError(12052050, "A single product cannot have more than 100 different SKUs")
            errors = []
            seen: set[str] = set()
            for entry in skus:
                error = self._update_sku_inventory(product, entry, seen)
                if error:
                    errors.append(error)
            product.update_time = self._stamp()
            return errors

    def _update_sku_inventory(self, product: Product, entry: dict[str, Any], seen: set[str]) -> dict | None:
        sku_id = str(entry.get("id", ""))
        if not sku_id:
            return _sku_error(12052036, "The SKU ID is necessary", sku_id)
        if sku_id in seen:
            return _sku_error(12052553, "Sku id duplicate", sku_id)
        seen.add(sku_id)
        sku = self.skus.get(sku_id)
        if sku is None or sku.product_id != product.id:
            return _sku_error(12052556, "The SKU id not exist.", sku_id)

        inventory = entry.get("inventory") or []
        extra_errors = []
        updates: dict[str, dict[str, Any]] = {}
        for item in inventory:
            warehouse_id = item.get("warehouse_id")
            if warehouse_id is None and len(sku.inventory) == 1:
                warehouse_id = next(iter(sku.inventory))
            if warehouse_id is None:
                extra_errors.append(_extra("", 12019028, _MULTIPLE_WAREHOUSES))
                continue
            warehouse_id = str(warehouse_id)
            if warehouse_id not in self.warehouses:
                extra_errors.append(_extra(warehouse_id, 12052097, "The warehouse does not exist"))
                continue
            if warehouse_id not in sku.inventory or warehouse_id in updates:
                extra_errors.append(_extra(warehouse_id, 12052533, _WAREHOUSE_CHANGE))
                continue
            quantity = item.get("quantity")
            low, high = self.config.inventory_min_quantity, self.config.inventory_max_quantity
            if not isinstance(quantity, int) or isinstance(quantity, bool) or not low <= quantity <= high:
                extra_errors.append(_extra(warehouse_id, 12052055, _QUANTITY_LIMITS))
                continue
            updates[warehouse_id] = item
        for missing in sorted(set(sku.inventory) - set(updates)):
            if not any(error["warehouse_id"] == missing for error in extra_errors):
                extra_errors.append(_extra(missing, 12052533, _WAREHOUSE_CHANGE))
        if extra_errors:
            return {
                "code": 12052990,
                "message": "Check failed",
                "detail": {"sku_id": sku.id, "extra_errors": extra_errors},
            }
        for warehouse_id, item in updates.items():
            stock = sku.inventory[warehouse_id]
            stock.quantity = item["quantity"]
            if "backorder_quantity" in item:
                stock.backorder_quantity = int(item["backorder_quantity"])
            if "handling_time" in item:
                stock.handling_time = int(item["handling_time"])
        return None

    # ------------------------------------------------------------------ webhook subscriptions

    def set_subscription(self, event_type: str, address: str) -> None:
        with self.lock:
            now = self._stamp()
            existing = self.subscriptions.get(event_type)
            self.subscriptions[event_type] = {
                "event_type": event_type,
                "address": address,
                "create_time": existing["create_time"] if existing else now,
                "update_time": now,
            }

    def delete_subscription(self, event_type: str) -> bool:
        with self.lock:
            return self.subscriptions.pop(event_type, None) is not None

    # ------------------------------------------------------------------ time

    def tick(self) -> None:
        """Advance every time-driven transition that is due (called by the ticker thread)."""
        with self.lock:
            now = self.now()
            config = self.config
            for order in list(self.orders.values()):
                if order.status == "UNPAID" and order.pay_at is not None and now >= order.pay_at:
                    self._set_status(order, self._mark_paid(order, hold=order.hold_seconds > 0))
                elif order.status == "ON_HOLD" and order.hold_until is not None and now >= order.hold_until:
                    self._set_status(order, "AWAITING_SHIPMENT")
                elif (
                    order.status == "DELIVERED"
                    and config.completed_seconds is not None
                    and now >= order.delivery_time + config.completed_seconds
                ):
                    self._set_status(order, "COMPLETED")
            for package in list(self.packages.values()):
                if not package.shipped:
                    continue
                advanced = False
                if (
                    package.status == "PROCESSING"
                    and config.in_transit_seconds is not None
                    and now >= package.shipped_at + config.in_transit_seconds
                ):
                    self._advance_package(package, "FULFILLING")
                    advanced = True
                elif (
                    package.status == "FULFILLING"
                    and config.delivered_seconds is not None
                    and now >= package.in_transit_at + config.delivered_seconds
                ):
                    self._advance_package(package, "COMPLETED")
                    advanced = True
                order = self.orders[package.order_id]
                if advanced and order.status in SHIPPING_STATUSES:
                    self._refresh_shipping_status(order)
            for cancellation in list(self.cancellations.values()):
                if cancellation.status == "CANCELLATION_REQUEST_PENDING" and now >= cancellation.deadline:
                    # The seller did not answer in time: the request is approved automatically.
                    order = self.orders[cancellation.order_id]
                    if not any(line.package_id for line in order.active_lines()):
                        self._close_buyer_request(order, cancellation, "CANCELLATION_REQUEST_SUCCESS")
                        self._cancel_lines(order, order.active_lines(), "BUYER", cancellation.reason_text)
            for ret in list(self.returns.values()):
                if ret.next_step_at is None or now < ret.next_step_at:
                    continue
                self._advance_return(ret)

    def _advance_return(self, ret: ReturnRequest) -> None:
        # NOTE: the sandbox approves a pending return by itself after `return_step_seconds` and
        # lets the buyer ship it after as long again (brief; TikTok's own auto-approval timer is
        # not documented in the reference).
        if ret.status == "RETURN_OR_REFUND_REQUEST_PENDING":
            ret.status = "AWAITING_BUYER_SHIP"
            ret.next_step_at = self.now() + (ret.step_seconds or 0)
        elif ret.status == "AWAITING_BUYER_SHIP":
            ret.status = "BUYER_SHIPPED_ITEM"
            ret.tracking_number = "9400" + "".join(str(self.rng.randint(0, 9)) for _ in range(18))
            ret.provider_name = "USPS"
            ret.provider_id = next((pid for pid, name in self.providers.items() if name == "USPS"), "")
            ret.next_step_at = None
        else:
            ret.next_step_at = None
            return
        ret.update_time = self._stamp()
        self.orders[ret.order_id].update_time = ret.update_time
        self._notify_return(ret)

    # ------------------------------------------------------------------ notifications

    def _set_status(self, order: Order, status: str) -> None:
        order.update_time = self._stamp()
        if status == order.status:
            return
        order.status = status
        self._notify_order_status(order)

    def _notify_order_status(self, order: Order) -> Notification:
        status = order.status
        if status == "CANCELLED":
            status = self.config.webhook_cancel_status
        data = {
            "order_id": order.id,
            "order_status": status,
            "is_on_hold_order": order.is_on_hold_order,
            "update_time": order.update_time,
        }
        notification = self._publish(1, data, order.id)
        self.last_order_notification[order.id] = notification
        return notification

    def _notify_cancellation(self, cancellation: Cancellation) -> None:
        data = {
            "order_id": cancellation.order_id,
            "cancellations_role": cancellation.role,
            "cancel_status": cancellation.status,
            "cancel_id": cancellation.id,
            "create_time": cancellation.create_time,
        }
        self._publish(11, data, cancellation.order_id)

    def _notify_return(self, ret: ReturnRequest) -> None:
        data = {
            "order_id": ret.order_id,
            "return_role": "BUYER",
            "return_type": ret.return_type,
            "return_status": ret.status,
            "return_id": ret.id,
            "create_time": ret.create_time,
            "update_time": ret.update_time,
        }
        self._publish(12, data, ret.order_id)

    def _publish(self, event_type: int, data: dict[str, Any], order_id: str) -> Notification:
        notification_id = self.new_id("73", 19)
        envelope = {
            "type": event_type,
            "tts_notification_id": notification_id,
            "shop_id": self.config.shop_id,
            "timestamp": self._stamp(),
            "data": data,
        }
        body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
        copies = 2 if self.rng.random() < self.config.webhook_duplicate_ratio else 1
        notification = Notification(notification_id, event_type, body, self._webhook_url(event_type), order_id, copies)
        self.publish(notification)
        return notification

    def _webhook_url(self, event_type: int) -> str | None:
        subscription = self.subscriptions.get(EVENT_NAMES.get(event_type, ""))
        if subscription:
            return subscription["address"]
        return self.config.webhook_url

    # ------------------------------------------------------------------ snapshot

    def snapshot(self) -> dict[str, Any]:
        """What `GET /_sandbox/state` shows: the shop as a test or the demo wants to read it."""
        with self.lock:
            return {
                "now": int(self.now()),
                "shop": {
                    "shop_id": self.config.shop_id,
                    "shop_cipher": self.config.shop_cipher,
                    "region": self.config.region,
                },
                "orders": [self._order_summary(order) for order in self.orders.values()],
                "packages": [
                    {
                        "id": package.id,
                        "order_id": package.order_id,
                        "status": package.status,
                        "shipped": package.shipped,
                        "tracking_number": package.tracking_number,
                        "shipping_provider_id": package.shipping_provider_id,
                        "shipping_provider_name": package.shipping_provider_name,
                        "order_line_item_ids": list(package.line_item_ids),
                        "create_time": package.create_time,
                        "update_time": package.update_time,
                    }
                    for package in self.packages.values()
                ],
                "inventory": [
                    {
                        "product_id": sku.product_id,
                        "sku_id": sku.id,
                        "seller_sku": sku.seller_sku,
                        "warehouse_id": warehouse_id,
                        "available_quantity": stock.quantity,
                        "committed_quantity": stock.committed,
                    }
                    for sku in self.skus.values()
                    for warehouse_id, stock in sku.inventory.items()
                ],
                "warehouses": [
                    {
                        "id": w.id,
                        "name": w.name,
                        "type": w.type,
                        "is_default": w.is_default,
                        "delivery_options": [
                            {
                                "id": option.id,
                                "name": option.name,
                                "type": option.type,
                                "shipping_providers": [
                                    {"id": pid, "name": self.providers[pid]} for pid in option.provider_ids
                                ],
                            }
                            for option in w.delivery_options
                        ],
                    }
                    for w in self.warehouses.values()
                ],
                "cancellations": [
                    {
                        "cancel_id": c.id,
                        "order_id": c.order_id,
                        "cancel_type": c.cancel_type,
                        "role": c.role,
                        "status": c.status,
                        "reason": c.reason,
                        "order_line_item_ids": list(c.line_item_ids),
                        "update_time": c.update_time,
                    }
                    for c in self.cancellations.values()
                ],
                "returns": [
                    {
                        "return_id": r.id,
                        "order_id": r.order_id,
                        "return_type": r.return_type,
                        "status": r.status,
                        "return_tracking_number": r.tracking_number,
                        "order_line_item_ids": list(r.line_item_ids),
                        "update_time": r.update_time,
                    }
                    for r in self.returns.values()
                ],
                "webhook_subscriptions": list(self.subscriptions.values()),
            }

    def _order_summary(self, order: Order) -> dict[str, Any]:
        return {
            "id": order.id,
            "status": order.status,
            "fulfillment_type": order.fulfillment_type,
            "warehouse_id": order.warehouse_id,
            "create_time": order.create_time,
            "update_time": order.update_time,
            "paid_time": order.paid_time,
            "hold_until": order.hold_until,
            "is_buyer_request_cancel": order.is_buyer_request_cancel,
            "tracking_number": order.tracking_number,
            "shipping_info_updates": order.shipping_info_updates,
            "packages": list(order.packages),
            "line_items": [
                {
                    "id": line.id,
                    "seller_sku": line.seller_sku,
                    "sku_id": line.sku_id,
                    "package_id": line.package_id,
                    "cancelled": line.cancelled,
                }
                for line in order.line_items
            ],
        }


_MULTIPLE_WAREHOUSES = (
    "Multiple warehouses detected. Include all warehouse IDs and the corresponding details and try again."
)
_QUANTITY_LIMITS = "The SKU inventory quantity for the warehouse must be within allowed limits."
_WAREHOUSE_CHANGE = (
    "Removal, addition, and change of warehouses are not permitted. Please specify the original "
    "warehouses for the SKUs."
)


def _sku_error(code: int, message: str, sku_id: str) -> dict[str, Any]:
    return {"code": code, "message": message, "detail": {"sku_id": sku_id, "extra_errors": []}}


def _extra(warehouse_id: str, code: int, message: str) -> dict[str, Any]:
    return {"warehouse_id": warehouse_id, "code": code, "message": message}


def _return_closed(status: str) -> bool:
    return status in {
        "RETURN_OR_REFUND_REQUEST_SUCCESS",
        "REFUND_OR_RETURN_REQUEST_REJECT",
        "REJECT_RECEIVE_PACKAGE",
        "RETURN_OR_REFUND_REQUEST_CANCEL",
        "RETURN_OR_REFUND_REQUEST_COMPLETE",
    }


def _matching(items: list[Any], attribute: str, wanted: list[Any] | None) -> list[Any]:
    if not wanted:
        return items
    values = {str(value) for value in wanted}
    return [item for item in items if str(getattr(item, attribute)) in values]


def _in_window(items: list[Any], attribute: str, low: Any, high: Any, inclusive_high: bool = False) -> list[Any]:
    """`*_ge` is inclusive; `*_lt` exclusive (`*_le` inclusive where the endpoint names it so)."""
    if low is not None:
        items = [item for item in items if getattr(item, attribute) >= int(low)]
    if high is not None:
        if inclusive_high:
            items = [item for item in items if getattr(item, attribute) <= int(high)]
        else:
            items = [item for item in items if getattr(item, attribute) < int(high)]
    return items


def _business_deadline(paid_time: int, business_days: int) -> int:
    """11:59:59 PM Pacific on the n-th business day after `paid_time` (weekends skipped)."""
    day = dt.datetime.fromtimestamp(paid_time, PACIFIC).date()
    remaining = business_days
    while remaining:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    deadline = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=PACIFIC)
    return int(deadline.timestamp())
