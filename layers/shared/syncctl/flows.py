"""The connector's flows as an operator sees them: function, switches, scope and hub run records.

One row per sync direction of template.yaml. A flow whose function is not in the stack, or
whose switch variable the function does not carry, is a flow this stack does not have (an
older template, or a flow not built yet): syncctl says so rather than failing.

Names here must match template.yaml (logical ids, environment variables, parameters) and
the direction names the functions record in the hub (`run_direction`, `advance_cursor`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

_TRUE = frozenset({"true", "1", "yes", "on"})


class SwitchState(StrEnum):
    ON = "on"
    OFF = "off"
    ABSENT = "absent"


@dataclass(frozen=True)
class Switch:
    """An on/off stack parameter, as the function's environment variable carries it."""

    variable: str
    parameter: str
    label: str


@dataclass(frozen=True)
class Scope:
    """An optional comma-separated list that narrows a flow (order ids, SKUs); empty means all."""

    variable: str
    parameter: str
    label: str


@dataclass(frozen=True)
class Flow:
    name: str
    label: str
    function: str
    directions: tuple[str, ...]
    switches: tuple[Switch, ...]
    scope: Scope | None = None
    # The payload action of a forced run (`syncctl sync`), and whether a forced full
    # resync exists (`syncctl resync`).
    sync_action: str | None = "run"
    resync_name: str | None = None
    # Whether the switch stops a run altogether (run_direction); the shipping-request poll runs
    # whatever the switch says and holds what it finds (push_disabled).
    switch_stops_run: bool = True

    def switch(self, variable: str) -> Switch:
        return next(switch for switch in self.switches if switch.variable == variable)


PUSH_SHIPPING_REQUESTS = Switch("PUSH_SHIPPING_REQUESTS", "PushShippingRequests", "push shipping requests")
ORDER_ID_SCOPE = Scope("ORDER_ID_SCOPE", "OrderIdScope", "order-id scope")
PULL_LOCATIONS = Switch("PULL_LOCATIONS", "PullLocations", "pull locations")
PULL_INVENTORY = Switch("PULL_INVENTORY", "PullInventory", "pull inventory")
INVENTORY_SKU_SCOPE = Scope("INVENTORY_SKU_SCOPE", "InventorySkuScope", "inventory SKU scope")
PULL_FULFILLMENTS = Switch("PULL_FULFILLMENTS", "PullFulfillments", "pull fulfillments")
PUSH_FULFILLMENTS = Switch("PUSH_FULFILLMENTS", "PushFulfillments", "push fulfillments")
PUSH_WAREHOUSE_CANCELLATIONS = Switch(
    "PUSH_WAREHOUSE_CANCELLATIONS", "PushWarehouseCancellations", "push warehouse cancellations"
)
PUSH_BUYER_CANCELLATIONS = Switch("PUSH_BUYER_CANCELLATIONS", "PushBuyerCancellations", "push buyer cancellations")
PULL_PRODUCT_CATALOG = Switch("PULL_PRODUCT_CATALOG", "PullProductCatalog", "pull product catalog")
PUSH_PRODUCT_CATALOG = Switch("PUSH_PRODUCT_CATALOG", "PushProductCatalog", "push product catalog")
RETURNS_TO_EXTENSIV = Switch("RETURNS_TO_EXTENSIV", "ReturnsToExtensiv", "returns to Extensiv")
RETURNS_FROM_EXTENSIV = Switch("RETURNS_FROM_EXTENSIV", "ReturnsFromExtensiv", "returns from Extensiv")
PUSH_ARRIVALS = Switch("PUSH_ARRIVALS", "PushArrivals", "push arrivals")
PULL_RECEIPTS = Switch("PULL_RECEIPTS", "PullReceipts", "pull receipts")

SHIPPING_REQUESTS = Flow(
    name="shipping_requests",
    label="shipping requests (TikTok -> Extensiv)",
    function="ShippingRequestsFunction",
    directions=("shipping_requests_poll",),
    switches=(PUSH_SHIPPING_REQUESTS,),
    scope=ORDER_ID_SCOPE,
    # The schedule sends {"action": "poll"}; anything else is read as an SQS batch.
    sync_action="poll",
    switch_stops_run=False,
)
LOCATIONS = Flow(
    name="locations",
    label="locations (Extensiv facilities, TikTok warehouses -> hub)",
    function="LocationsFunction",
    directions=("locations",),
    switches=(PULL_LOCATIONS,),
)
INVENTORY = Flow(
    name="inventory",
    label="inventory (Extensiv -> TikTok)",
    function="InventoryFunction",
    directions=("inventory",),
    switches=(PULL_INVENTORY,),
    scope=INVENTORY_SKU_SCOPE,
    resync_name="inventory",
)
FULFILLMENTS = Flow(
    name="fulfillments",
    label="fulfillments (Extensiv -> TikTok)",
    function="FulfillmentsFunction",
    directions=("fulfillments_pull", "fulfillments_push"),
    switches=(PULL_FULFILLMENTS, PUSH_FULFILLMENTS),
)
SHIPMENT_CANCELLATIONS = Flow(
    name="shipment_cancellations",
    label="shipment cancellations (both ways)",
    function="ShipmentCancellationsFunction",
    directions=("warehouse_cancellations", "buyer_cancellations"),
    switches=(PUSH_WAREHOUSE_CANCELLATIONS, PUSH_BUYER_CANCELLATIONS),
)
PRODUCTS = Flow(
    name="products",
    label="product catalog (TikTok -> hub -> Extensiv)",
    function="ProductsFunction",
    directions=("products", "products_push"),
    switches=(PULL_PRODUCT_CATALOG, PUSH_PRODUCT_CATALOG),
    resync_name="catalog",
)
RETURNS = Flow(
    name="returns",
    label="returns (both ways)",
    function="ReturnsFunction",
    directions=("returns_to_extensiv", "returns_from_extensiv"),
    switches=(RETURNS_TO_EXTENSIV, RETURNS_FROM_EXTENSIV),
)
ARRIVALS = Flow(
    name="arrivals",
    label="arrivals and receipts (hub <-> Extensiv)",
    function="ArrivalsFunction",
    directions=("arrivals_push", "receipts_pull"),
    switches=(PUSH_ARRIVALS, PULL_RECEIPTS),
)

FLOWS: tuple[Flow, ...] = (
    SHIPPING_REQUESTS,
    LOCATIONS,
    INVENTORY,
    FULFILLMENTS,
    SHIPMENT_CANCELLATIONS,
    PRODUCTS,
    RETURNS,
    ARRIVALS,
)
# Functions syncctl calls for something else than a flow's run.
OTHER_FUNCTIONS = ("TikTokWebhooksFunction",)


def flow_named(name: str) -> Flow | None:
    return next((flow for flow in FLOWS if flow.name == name), None)


def flow_for_resync(name: str) -> Flow | None:
    return next((flow for flow in FLOWS if flow.resync_name == name), None)


def is_on(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def switch_state(environment: Mapping[str, str] | None, switch: Switch) -> SwitchState:
    """On or off from a function's environment; ABSENT when the function or its variable is missing."""
    if environment is None or switch.variable not in environment:
        return SwitchState.ABSENT
    return SwitchState.ON if is_on(environment[switch.variable]) else SwitchState.OFF


def scope_values(environment: Mapping[str, str] | None, scope: Scope) -> frozenset[str] | None:
    """The scope list (empty: everything); None when the stack has no such scope."""
    if environment is None or scope.variable not in environment:
        return None
    raw = str(environment[scope.variable] or "")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())
