"""What the shipment-cancellations handler publishes: counts per direction and the buyer cancellation latency."""

from __future__ import annotations

from tests.support.handlers import LambdaContext, load_app
from tests.support.metrics import emitted_metrics, named
from tests.support.sandbox_world import handler_environment

BOTH_ON = {"PUSH_WAREHOUSE_CANCELLATIONS": "true", "PUSH_BUYER_CANCELLATIONS": "true"}


def test_buyer_cancellation_publishes_the_wait_from_the_request_to_the_extensiv_cancel(aws, world, monkeypatch, capsys):
    order = world.place_order({"TEE-RED-S": 1})
    world.submit(order.id)
    world.buyer_cancel(order.id)
    for name, value in handler_environment(aws, world, **BOTH_ON).items():
        monkeypatch.setenv(name, value)

    result = load_app("shipment_cancellations").handler({"action": "run"}, LambdaContext())

    metrics = emitted_metrics(capsys.readouterr().out)
    latency = named(metrics, "BuyerCancellationLatency")
    assert [(metric.unit, metric.dimensions["direction"]) for metric in latency] == [
        ("Seconds", "shipment_cancellations")
    ]
    assert 0 <= latency[0].values[0] <= 60
    assert result["buyer_cancellations"]["cancel_latency_s"] == latency[0].values[0]
    # A duration is not published as a count as well.
    assert named(metrics, "BuyerCancellations_cancel_latency_s") == []
    assert named(metrics, "BuyerCancellations_cancelled_by_buyer")[0].values == (1,)


def test_too_late_cancellation_publishes_no_latency(aws, world, monkeypatch, capsys):
    order = world.place_order({"MUG-01": 1})
    world.ship(world.submit(order.id))
    world.buyer_cancel(order.id)
    for name, value in handler_environment(aws, world, **BOTH_ON).items():
        monkeypatch.setenv(name, value)

    result = load_app("shipment_cancellations").handler({"action": "run"}, LambdaContext())

    assert result["buyer_cancellations"]["too_late_to_cancel"] == 1
    assert named(emitted_metrics(capsys.readouterr().out), "BuyerCancellationLatency") == []
