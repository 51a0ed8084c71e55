"""Pure routing rules: may this TikTok order go to Extensiv now, where, and with which lines?

No I/O here. The flow gathers what the rules need (the order as TikTok reads it now, the SKU
records, the facility linked to the order's warehouse, the switches) and acts on the decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from hub.locations import Link
from hub.orders import HoldReason
from hub.skus import SkuRecord
from tiktok_shop.models import Order, RecipientAddress

SELLER_FULFILLED = "FULFILLMENT_BY_SELLER"
ROUTABLE_STATUS = "AWAITING_SHIPMENT"
# NOTE: reference/tiktok-shop.md §4.1.3: UNPAID and ON_HOLD are the buyer's window; the
# address is empty and fulfilment calls fail with 21011044 until AWAITING_SHIPMENT.
WAITING_STATUSES = frozenset({"UNPAID", "ON_HOLD"})
# The order webhook spells it CANCEL, the API CANCELLED (reference §5.4).
CANCELLED_STATUSES = frozenset({"CANCELLED", "CANCEL"})


class Action(StrEnum):
    ROUTE = "route"
    HOLD = "hold"
    CANCEL = "cancel"
    SKIP = "skip"


@dataclass(frozen=True)
class ShipTo:
    name: str
    address1: str
    address2: str
    city: str
    state: str
    postal_code: str
    country: str
    phone: str


@dataclass(frozen=True)
class ShippingLine:
    master_sku: str
    extensiv_sku: str
    quantity: int


@dataclass(frozen=True)
class Switches:
    push_shipping_requests: bool
    order_id_scope: frozenset[str] = frozenset()

    def in_scope(self, order_id: str) -> bool:
        return not self.order_id_scope or order_id in self.order_id_scope


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str | None = None
    detail: str | None = None
    link: Link | None = None
    ship_to: ShipTo | None = None
    lines: list[ShippingLine] = field(default_factory=list)

    @classmethod
    def hold(cls, reason: HoldReason, detail: str | None = None) -> Decision:
        return cls(Action.HOLD, reason.value, detail)


def decide(order: Order, switches: Switches, link: Link | None, skus: dict[str, SkuRecord]) -> Decision:
    """Apply the routing rules in the order an operator would check them."""
    if order.fulfillment_type and order.fulfillment_type != SELLER_FULFILLED:
        return Decision(Action.SKIP, "not_seller_fulfilled", order.fulfillment_type)
    if order.status in CANCELLED_STATUSES:
        return Decision(Action.CANCEL, "cancelled_on_tiktok")
    if order.status in WAITING_STATUSES:
        return Decision.hold(HoldReason.ON_HOLD, order.status)
    if order.status != ROUTABLE_STATUS:
        return Decision(Action.SKIP, "not_awaiting_shipment", order.status)
    if order.is_buyer_request_cancel:
        return Decision.hold(HoldReason.CANCEL_REQUESTED)
    if not switches.push_shipping_requests:
        return Decision.hold(HoldReason.PUSH_DISABLED)
    if not switches.in_scope(order.id):
        return Decision.hold(HoldReason.OUT_OF_SCOPE)

    ship_to, missing = ship_to_from(order.recipient_address)
    if ship_to is None:
        return Decision.hold(HoldReason.MISSING_ADDRESS, ",".join(missing))
    if link is None:
        return Decision.hold(HoldReason.NO_LINKED_FACILITY, f"warehouse {order.warehouse_id or '(none)'}")

    lines, unmapped = shipping_lines(order, skus)
    if unmapped:
        return Decision.hold(HoldReason.MISSING_SKU, ",".join(unmapped))
    return Decision(Action.ROUTE, link=link, ship_to=ship_to, lines=lines)


def master_skus_of(order: Order) -> list[str]:
    """Every master SKU the order's open lines (or their bundle components) name."""
    skus = {sku for line in order.open_line_items for sku, _ in line.pick_units() if sku}
    return sorted(skus)


def shipping_lines(order: Order, skus: dict[str, SkuRecord]) -> tuple[list[ShippingLine], list[str]]:
    """Quantities per SKU (one unit per line item, bundles exploded), translated to the Extensiv SKU.

    Returns the lines and the ids of line items that carry no seller SKU at all.
    """
    unmapped = order.line_ids_without_seller_sku()
    if unmapped:
        return [], unmapped
    lines = []
    for master_sku, quantity in sorted(order.quantities_by_sku().items()):
        record = skus.get(master_sku)
        extensiv_sku = record.extensiv_sku if record else master_sku
        lines.append(ShippingLine(master_sku, extensiv_sku, quantity))
    return lines, []


def ship_to_from(address: RecipientAddress | None) -> tuple[ShipTo | None, list[str]]:
    """The Extensiv ship-to contact, or None and the names of the missing fields."""
    if address is None:
        return None, ["recipient_address"]
    name = (address.name or " ".join(filter(None, [address.first_name, address.last_name]))).strip()
    address1 = (address.address_line1 or address.address_detail or "").strip()
    country = (address.region_code or "").strip()
    fields = {
        "name": name,
        "address_line1": address1,
        "city": (address.city or "").strip(),
        "postal_code": (address.postal_code or "").strip(),
        "region_code": country,
    }
    # NOTE: Extensiv's ship-to wants a state for US addresses (reference/extensiv.md §3.1,
    # a 3PL's required-field table); other markets may have none.
    if country == "US":
        fields["state"] = (address.state or "").strip()
    missing = [key for key, value in fields.items() if not value]
    if missing:
        return None, missing
    ship_to = ShipTo(
        name=name,
        address1=address1,
        address2=(address.address_line2 or "").strip(),
        city=fields["city"],
        state=(address.state or "").strip(),
        postal_code=fields["postal_code"],
        country=country,
        phone=(address.phone_number or "").strip(),
    )
    return ship_to, []
