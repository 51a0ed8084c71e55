"""Every TikTok Shop endpoint the connector calls, with its version pinned in one table.

The version is part of the path since 202309 and is chosen per endpoint (reference §7). A
retired version answers 36009014 (`VersionRetired`): bump the pin here, nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Endpoint:
    """One API operation.

    `shop_scoped`: sends `shop_cipher` (reference §1.2). `retry_ambiguous`: safe to resend
    after a timeout, a 5xx or a malformed answer, when the first attempt may have been
    applied; False for writes that must be re-read instead (reference §6.4).
    """

    method: str
    category: str
    version: str
    resource: str
    shop_scoped: bool = True
    retry_ambiguous: bool = True

    @property
    def template(self) -> str:
        return f"/{self.category}/{self.version}/{self.resource}"

    def path(self, **ids: str) -> str:
        """The path with each id percent-encoded (ids never reach the path raw)."""
        quoted = {name: quote(str(value), safe="") for name, value in ids.items()}
        return self.template.format(**quoted)


AUTHORIZED_SHOPS = Endpoint("GET", "authorization", "202309", "shops", shop_scoped=False)

SEARCH_ORDERS = Endpoint("POST", "order", "202309", "orders/search")
# NOTE: Get Order Detail 202309 (`/order/202309/orders`) still exists; 202507 is the version the
# current documentation describes, with the same request shape (ids comma-joined, at most 50).
GET_ORDER_DETAIL = Endpoint("GET", "order", "202507", "orders")

WAREHOUSES = Endpoint("GET", "logistics", "202309", "warehouses")
DELIVERY_OPTIONS = Endpoint("GET", "logistics", "202309", "warehouses/{warehouse_id}/delivery_options")
SHIPPING_PROVIDERS = Endpoint("GET", "logistics", "202309", "delivery_options/{delivery_option_id}/shipping_providers")

# NOTE: newer specs move Mark Package As Shipped to 202610 with a different body; the 202309 path
# and the 202309 body belong together (reference §4.4).
MARK_PACKAGE_SHIPPED = Endpoint("POST", "fulfillment", "202309", "orders/{order_id}/packages", retry_ambiguous=False)
SHIP_PACKAGE = Endpoint("POST", "fulfillment", "202309", "packages/{package_id}/ship", retry_ambiguous=False)
SEARCH_PACKAGES = Endpoint("POST", "fulfillment", "202309", "packages/search")

SEARCH_PRODUCTS = Endpoint("POST", "product", "202502", "products/search")
INVENTORY_SEARCH = Endpoint("POST", "product", "202309", "inventory/search")
# Sets absolute quantities, so a resend after an ambiguous failure converges.
UPDATE_INVENTORY = Endpoint("POST", "product", "202309", "products/{product_id}/inventory/update")

# NOTE: Cancel Order takes no idempotency key: never resend it blindly (reference §4.5, §6.4).
CANCEL_ORDER = Endpoint("POST", "return_refund", "202309", "cancellations", retry_ambiguous=False)
SEARCH_CANCELLATIONS = Endpoint("POST", "return_refund", "202309", "cancellations/search")
APPROVE_CANCELLATION = Endpoint("POST", "return_refund", "202309", "cancellations/{cancel_id}/approve")
REJECT_CANCELLATION = Endpoint("POST", "return_refund", "202309", "cancellations/{cancel_id}/reject")

SEARCH_RETURNS = Endpoint("POST", "return_refund", "202309", "returns/search")
APPROVE_RETURN = Endpoint("POST", "return_refund", "202309", "returns/{return_id}/approve")
REJECT_RETURN = Endpoint("POST", "return_refund", "202309", "returns/{return_id}/reject")

# Auth host; unsigned, no version in the path, secret in the query (reference §3.3).
TOKEN_REFRESH_PATH = "/api/v2/token/refresh"  # noqa: S105 - a path, not a secret

ALL_ENDPOINTS = (
    AUTHORIZED_SHOPS,
    SEARCH_ORDERS,
    GET_ORDER_DETAIL,
    WAREHOUSES,
    DELIVERY_OPTIONS,
    SHIPPING_PROVIDERS,
    MARK_PACKAGE_SHIPPED,
    SHIP_PACKAGE,
    SEARCH_PACKAGES,
    SEARCH_PRODUCTS,
    INVENTORY_SEARCH,
    UPDATE_INVENTORY,
    CANCEL_ORDER,
    SEARCH_CANCELLATIONS,
    APPROVE_CANCELLATION,
    REJECT_CANCELLATION,
    SEARCH_RETURNS,
    APPROVE_RETURN,
    REJECT_RETURN,
)
