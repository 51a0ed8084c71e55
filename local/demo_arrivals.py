"""Catalog and arrivals in the demo: one inbound shipment that the Extensiv sandbox receives one unit short.

For `make run` (local/run.py), with PushProductCatalog, PushArrivals and PullReceipts set to
"true" in the stack parameters, against the loopback Extensiv sandbox:

    create_demo_arrival(hub)                      # at start, after the operator setup
    # invoke ArrivalsFunction {"action": "run"} now and then (its schedule fires once a minute)
    receive_demo_arrival(hub, extensiv_url)       # once pushed: the warehouse counts one unit short
    counts = catalog_and_arrivals_summary(hub)    # products_pushed, arrivals_pushed, receipts_pulled

The receiver is received with explicit quantities, so nothing here depends on the sandbox's
`receive_after_seconds` and `receipt_shortfall`, which would apply to return receivers too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import requests

from connector_common.arrival_file import create_arrivals
from hub.arrivals import ArrivalLine, ArrivalRepository, ArrivalSpec, ArrivalState, arrival_counts
from hub.catalog import catalog_counts
from hub.table import HubTable

TIMEOUT = 10
DEMO_ARRIVAL_ID = "PO-DEMO-1"
# Master SKUs of the demo catalog (local/demo.py); TEE-BLK-M reaches Extensiv as its channel SKU.
DEMO_LINES = {"TEE-BLK-M": 24, "MUG-CERAMIC": 12}


def demo_arrival(facility_id: str = "1", lines: Mapping[str, int] = DEMO_LINES) -> ArrivalSpec:
    """The demo's inbound shipment, expected today at `facility_id`."""
    return ArrivalSpec(
        arrival_id=DEMO_ARRIVAL_ID,
        supplier="Demo Supplier Co",
        expected_date=datetime.now(UTC).strftime("%Y-%m-%dT00:00:00"),
        facility_id=facility_id,
        lines=tuple(ArrivalLine(sku, quantity) for sku, quantity in lines.items()),
        po_number=DEMO_ARRIVAL_ID,
    )


def create_demo_arrival(hub: HubTable, facility_id: str = "1", lines: Mapping[str, int] = DEMO_LINES) -> bool:
    """Create the demo arrival in the hub, as `syncctl arrivals create` would; False if it was there already."""
    (creation,) = create_arrivals(hub, [demo_arrival(facility_id, lines)], source="demo")
    return creation.created


def receive_demo_arrival(hub: HubTable, extensiv_url: str, short_by: int = 1) -> bool:
    """Have the sandbox warehouse receive the demo arrival with `short_by` units missing on its first line.

    False while the arrival is not pushed yet (or once it was received).
    """
    arrival = ArrivalRepository(hub).get(DEMO_ARRIVAL_ID)
    if arrival is None or arrival.state != ArrivalState.PUSHED or not arrival.receiver_id:
        return False
    quantities = {line.extensiv_sku or line.sku: line.quantity for line in arrival.lines}
    first = next(iter(quantities))
    quantities[first] = max(0, quantities[first] - short_by)
    response = requests.post(
        f"{extensiv_url}/_sandbox/receivers/{arrival.receiver_id}/receive",
        json={"quantities": quantities},
        timeout=TIMEOUT,
    )
    if response.status_code == 409:  # received already
        return False
    response.raise_for_status()
    return True


def catalog_and_arrivals_summary(hub: HubTable) -> dict[str, int]:
    """The summary keys of issue 4 that come from the catalog and arrivals records in the hub."""
    catalog = catalog_counts(hub)
    arrivals = arrival_counts(hub)
    return {
        "products_pushed": catalog["products_pushed"],
        "sku_conflicts": catalog["sku_conflicts"],
        "arrivals_pushed": arrivals["arrivals_pushed"],
        "receipts_pulled": arrivals["receipts_pulled"],
        "receipt_variance_units": arrivals["receipt_variance_units"],
    }
