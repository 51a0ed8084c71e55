"""The demo's arrival (local/demo_arrivals.py): pushed once, received one unit short, counted in the summary."""

from __future__ import annotations

from local.demo_arrivals import (
    DEMO_ARRIVAL_ID,
    catalog_and_arrivals_summary,
    create_demo_arrival,
    receive_demo_arrival,
)


def test_demo_arrival_is_received_one_unit_short_and_counted(world):
    # GIVEN the demo's warehouse items and the operator's channel-SKU mapping
    items = [{"sku": "3PL-TEE-BLACK-M", "description": "Classic tee"}, {"sku": "MUG-CERAMIC", "description": "Mug"}]
    world.sandboxes.extensiv_control("items", {"items": items})
    world.skus.set_channel_sku("TEE-BLK-M", "3PL-TEE-BLACK-M")

    assert create_demo_arrival(world.hub) is True
    assert create_demo_arrival(world.hub) is False
    assert receive_demo_arrival(world.hub, world.sandboxes.extensiv.url) is False  # not pushed yet
    world.push()
    assert receive_demo_arrival(world.hub, world.sandboxes.extensiv.url) is True
    world.pull()

    receipt = world.arrivals.get(DEMO_ARRIVAL_ID).receipt
    assert [(line.sku, line.extensiv_sku, line.variance) for line in receipt.lines] == [
        ("TEE-BLK-M", "3PL-TEE-BLACK-M", 1),
        ("MUG-CERAMIC", "MUG-CERAMIC", 0),
    ]
    assert receive_demo_arrival(world.hub, world.sandboxes.extensiv.url) is False
    summary = catalog_and_arrivals_summary(world.hub)
    assert (summary["arrivals_pushed"], summary["receipts_pulled"], summary["receipt_variance_units"]) == (1, 1, 1)
    assert summary["products_pushed"] == 0
