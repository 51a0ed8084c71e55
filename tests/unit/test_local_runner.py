"""The local stack must never point at a real host, and the demo plan must exercise every rule."""

from __future__ import annotations

from types import SimpleNamespace

from local.demo import DemoShop
from local.run import _sandbox_parameters
from tests.support.template import template


def test_local_stack_overrides_every_parameter_that_defaults_to_a_real_host():
    tiktok = SimpleNamespace(url="http://127.0.0.1:4001")
    extensiv = SimpleNamespace(url="http://127.0.0.1:4002")

    parameters = _sandbox_parameters(tiktok, extensiv)

    url_parameters = [
        name
        for name, spec in template()["Parameters"].items()
        if name.endswith("Url") or str(spec.get("Default", "")).startswith("https://")
    ]
    assert url_parameters
    for name in url_parameters:
        assert parameters[name].startswith("http://127.0.0.1:"), name


def test_demo_plan_of_a_ninety_second_run_has_every_kind_of_order():
    kinds = {order.kind for order in DemoShop(duration=90).plan}

    assert kinds == {
        "plain",
        "unknown_sku",
        "mapped_sku",
        "unlinked",
        "fbt",
        "cancel_in_hold",
        "cancel_after_handoff",
        "cancel_too_late",
        "warehouse_cancels",
    }


def test_demo_stops_placing_orders_early_enough_for_every_hold_to_end():
    shop = DemoShop(duration=90)

    assert max(order.at_second for order in shop.plan) + shop.hold_seconds + shop.settle_seconds < 90
