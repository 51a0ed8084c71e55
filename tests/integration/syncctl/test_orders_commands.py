"""`syncctl orders`: held orders, one order's record and audit trail, re-sending one."""

from __future__ import annotations

import json

from hub.orders import HoldReason, OrderRepository
from tests.integration.syncctl.conftest import NOW, as_json

WAREHOUSE = "7068517275539719001"


def hold(world, order_id: str, reason: HoldReason, detail: str | None = None) -> None:
    orders = OrderRepository(world.hub)
    orders.observe(order_id, "AWAITING_SHIPMENT", 1, WAREHOUSE)
    orders.hold(order_id, reason, detail)


def test_orders_held_lists_reason_detail_and_age(world, syncctl):
    hold(world, "111", HoldReason.NO_LINKED_FACILITY, f"warehouse {WAREHOUSE}")
    hold(world, "222", HoldReason.UNKNOWN_SKU, "SOCKS-LIMITED")

    held = {order["order_id"]: order for order in as_json(syncctl("orders", "held", "--json"))}
    table = syncctl("orders", "held", clock=lambda: NOW + 10**9)

    assert held["111"]["reason"] == "no_linked_facility"
    assert held["111"]["reason_detail"] == f"warehouse {WAREHOUSE}"
    assert held["222"]["reason_detail"] == "SOCKS-LIMITED"
    assert held["111"]["held_for_s"] is not None
    assert "held orders (2)" in table.stdout
    assert "syncctl doctor --order <order>" in table.stdout


def test_orders_held_filters_by_reason(world, syncctl):
    hold(world, "111", HoldReason.NO_LINKED_FACILITY)
    hold(world, "222", HoldReason.UNKNOWN_SKU, "SOCKS-LIMITED")

    held = as_json(syncctl("orders", "held", "--reason", "unknown_sku", "--json"))

    assert [order["order_id"] for order in held] == ["222"]


def test_orders_held_rejects_an_unknown_reason(world, syncctl):
    assert syncctl("orders", "held", "--reason", "bored").exit_code == 2


def test_orders_show_gives_record_audit_trail_and_current_route(world, syncctl):
    hold(world, "111", HoldReason.NO_LINKED_FACILITY, f"warehouse {WAREHOUSE}")

    shown = as_json(syncctl("orders", "show", "111", "--json"))
    table = syncctl("orders", "show", "111")

    assert shown["order"]["state"] == "held"
    assert [entry["event"] for entry in shown["audit"]] == ["held"]
    assert shown["audit"][0]["details"] == {"reason": "no_linked_facility", "detail": f"warehouse {WAREHOUSE}"}
    assert shown["current_link"] is None
    assert f"route: warehouse {WAREHOUSE} -> facility (not routed yet); not linked now" in table.stdout


def test_orders_show_of_an_order_the_hub_never_saw_is_exit_1(world, syncctl):
    result = syncctl("orders", "show", "404")

    assert result.exit_code == 1
    assert result.stderr.strip() == "syncctl: the hub has no order 404: `syncctl doctor --order 404` tells why"


def test_orders_resend_queues_an_operator_shipping_request(world, syncctl):
    hold(world, "111", HoldReason.PUSH_DISABLED)

    result = syncctl("orders", "resend", "111")

    assert result.exit_code == 0, result.output
    bodies = [json.loads(message["Body"]) for message in world.receive()]
    assert bodies == [{"order_id": "111", "source": "operator", "event_time": None}]


def test_orders_resend_of_an_order_already_in_extensiv_says_nothing_more_will_be_sent(world, syncctl):
    orders = OrderRepository(world.hub)
    orders.observe("111", "AWAITING_SHIPMENT", 1, WAREHOUSE)
    claim = orders.claim("111", 60)
    orders.mark_submitted(claim, "1001", "1", how="created")

    result = syncctl("orders", "resend", "111")

    assert "the hub has it as submitted (Extensiv order 1001): the flow will not send it again" in result.stdout
