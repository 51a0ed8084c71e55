"""Two Extensiv facilities in different time zones, for the tests of the facility-by-facility feed.

Extensiv writes the dates of orders and receivers in their facility's zone, without an offset
(reference/extensiv.md §8.6; the sandbox models it). The seeded facility 1 "Reno" is Pacific;
`add_eastern_facility` gives a `SandboxWorld` a facility 2 "Newark" in Eastern time, a TikTok
sales warehouse linked to it, and a SKU stocked in both. Something changed in Newark carries a
naive date three hours ahead of a change made at the same moment in Reno.
"""

from __future__ import annotations

from typing import Any

import requests

from hub.locations import Facility, LocationRepository
from hub.table import HubTable
from tests.support.sandbox_world import SandboxWorld

PACIFIC_FACILITY_ID = "1"
EASTERN_FACILITY_ID = "2"
EASTERN_SKU = "TEE-EAST"
FACILITIES = (
    Facility(PACIFIC_FACILITY_ID, "Reno", "Pacific Standard Time"),
    Facility(EASTERN_FACILITY_ID, "Newark", "Eastern Standard Time"),
)
TIMEOUT = 5


def add_eastern_facility(world: SandboxWorld) -> str:
    """Facility 2 (Eastern) in Extensiv, a TikTok warehouse linked to it; the warehouse id."""
    world.extensiv_control(
        "facilities", {"id": int(EASTERN_FACILITY_ID), "name": "Newark", "timeZoneName": "Eastern Standard Time"}
    )
    world.extensiv_control("stock", {"sku": EASTERN_SKU, "facilityId": int(EASTERN_FACILITY_ID), "onHand": 500})
    (warehouse,) = _post(f"{world.tiktok_url}/_sandbox/warehouses", {"warehouses": [{"name": "Newark"}]})["warehouses"]
    product = {"title": "Tee east", "skus": [{"seller_sku": EASTERN_SKU, "inventory": {warehouse["id"]: 100}}]}
    _post(f"{world.tiktok_url}/_sandbox/products", {"products": [product]})
    LocationRepository(world.hub).link(warehouse["id"], EASTERN_FACILITY_ID)
    return warehouse["id"]


def place_order_in(world: SandboxWorld, warehouse_id: str, lines: dict[str, int]) -> str:
    """An order awaiting shipment from one TikTok warehouse; its id."""
    spec = {
        "status": "AWAITING_SHIPMENT",
        "warehouse_id": warehouse_id,
        "lines": [{"seller_sku": sku, "quantity": quantity} for sku, quantity in lines.items()],
    }
    return _post(f"{world.tiktok_url}/_sandbox/orders", {"orders": [spec]})["orders"][0]["id"]


def advance_extensiv_clock(extensiv_url: str, seconds: float) -> None:
    """Real time passes in the warehouse: whatever changes next is later than what changed before."""
    _post(f"{extensiv_url}/_sandbox/clock", {"advance_seconds": seconds})


def save_both_facilities(hub: HubTable) -> None:
    """The hub as the locations direction leaves it once it pulled both facilities."""
    locations = LocationRepository(hub)
    for facility in FACILITIES:
        locations.save_facility(facility)


def _post(url: str, body: Any) -> Any:
    response = requests.post(url, json=body, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()
