"""What the fulfillments handler publishes: held packages in one sum, and both latencies of a pushed package."""

from __future__ import annotations

from fulfillment_push import ship_date_epoch

from tests.support.handlers import LambdaContext, load_app
from tests.support.metrics import emitted_metrics, named
from tests.support.sandbox_world import handler_environment

BOTH_ON = {"PULL_FULFILLMENTS": "true", "PUSH_FULFILLMENTS": "true"}


def test_pushed_package_publishes_its_latencies_and_the_held_sum(aws, world, monkeypatch, capsys):
    order = world.place_order({"TEE-RED-S": 1})
    world.ship(world.submit(order.id))
    for name, value in handler_environment(aws, world, **BOTH_ON).items():
        monkeypatch.setenv(name, value)

    result = load_app("fulfillments").handler({"action": "run"}, LambdaContext())

    metrics = emitted_metrics(capsys.readouterr().out)
    assert result["fulfillments_push"]["packages_pushed"] == 1
    for name in ("TrackingPushLatency", "ShipToTrackingLatency"):
        (latency,) = named(metrics, name)
        assert (latency.unit, latency.dimensions["direction"]) == ("Seconds", "fulfillments")
        assert latency.values[0] >= 0
    assert named(metrics, "FulfillmentPush_held")[0].values == (0,)


def test_ship_date_reads_as_utc_when_extensiv_gives_no_zone():
    assert ship_date_epoch("2026-11-01T12:00:00") == 1_793_534_400
    assert ship_date_epoch("2026-11-01T12:00:00-05:00") == 1_793_534_400 + 5 * 3600
    assert ship_date_epoch("yesterday") is None
    assert ship_date_epoch(None) is None
