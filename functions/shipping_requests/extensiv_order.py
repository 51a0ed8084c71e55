"""How a routed TikTok order reads as an Extensiv order (OrderCreate, reference/extensiv.md §3.1)."""

from __future__ import annotations

from shipping_routing import Decision

from extensiv.models import OrderCreate, OrderLine, ShipTo
from tiktok_shop.models import Order


def order_create_for(order: Order, decision: Decision, customer_id: int) -> OrderCreate:
    """The Extensiv order for a routed TikTok order; the TikTok order id is the reference number."""
    ship_to, link = decision.ship_to, decision.link
    if ship_to is None or link is None:
        raise ValueError("only a routed decision becomes an Extensiv order")
    return OrderCreate(
        customer_id=customer_id,
        facility_id=int(link.facility_id),
        reference_num=order.id,
        ship_to=ShipTo(
            name=ship_to.name,
            address1=ship_to.address1,
            address2=ship_to.address2 or None,
            city=ship_to.city,
            state=ship_to.state or None,
            zip=ship_to.postal_code,
            country=ship_to.country,
            phone=ship_to.phone or None,
            is_residential=True,
        ),
        order_items=[OrderLine(sku=line.extensiv_sku, qty=line.quantity) for line in decision.lines],
        notes=f"TikTok Shop order {order.id}",
    )
