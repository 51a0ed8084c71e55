"""Benchmark 1: seconds from the end of TikTok's buyer hold to the Extensiv order, webhook path vs poll path.

Path A (webhook): the TikTok sandbox pushes signed ORDER_STATUS_CHANGE webhooks to the webhook
function (through a loopback receiver standing in for API Gateway); the shipping-requests
function consumes the queue as Lambda's event source mapping would (template's batch size and
batching window). Latency = hub `submitted_at` - the order's `hold_until` in the sandbox.

Path B (poll only): same stack, webhooks switched off. A first real poll sees the orders
while they are ON_HOLD and holds them (reason `on_hold`), as the minute-by-minute poll does
during an hour-long hold. After the holds end, one real poll run re-checks them (its sweep of
held orders) and they go out. The 60 s schedule is simulated: each order's hold end is placed
at an evenly spread position in the poll minute (`stats.stratified_offsets`), so
latency = wait for the next tick (`stats.poll_wait_seconds`) + the measured processing time
from the start of that poll run to the order's `submitted_at`.
"""

from __future__ import annotations

import time
from typing import Any

from bench import stats
from bench.stack import QueueConsumer, Stack, WebhookReceiver, poll_interval_seconds, running_stack, wait_until
from tests.support.handlers import LambdaContext

NAME = "handoff"
SETTLE_TIMEOUT_S = 60.0
# Webhook path: holds end 3 s after placing (after the ON_HOLD notifications were handled),
# then one every 0.3 s. NOTE: Lambda gives each concurrent environment its own CPU; here two
# share this machine's, and drain a few orders a second when it is busy (see `throughput`).
# Orders leave the hold slower than that, so what is measured is the hand-off, not a queue
# that Lambda's scale-out would never build.
WEBHOOK_FIRST_HOLD_S = 3.0
WEBHOOK_HOLD_SPACING_S = 0.3
# Poll path: the first poll must find the orders (its search skips the last `lag` seconds),
# so holds end after it has run and parked them.
POLL_FIRST_HOLD_S = 12.0
POLL_HOLD_SPACING_S = 0.1


def run(orders: int = 30, workers: int = 2) -> dict[str, Any]:
    interval = poll_interval_seconds()
    with running_stack(tiktok_config={"webhook_retry_delays": [1.0, 2.0, 5.0]}) as stack:
        receiver = WebhookReceiver(stack.webhooks_app())
        with receiver, QueueConsumer(stack, workers=workers):
            webhook = _webhook_path(stack, receiver, orders)
            poll = _poll_path(stack, orders, interval)
    return summarize(webhook["latencies_s"], poll["latencies_s"], orders, interval, webhook, poll)


def _webhook_path(stack: Stack, receiver: WebhookReceiver, count: int) -> dict[str, Any]:
    stack.tiktok_control.post("/_sandbox/config", {"webhook_url": receiver.url})
    order_ids = stack.place_orders(
        count, hold_seconds=lambda index: WEBHOOK_FIRST_HOLD_S + index * WEBHOOK_HOLD_SPACING_S
    )

    wait_until(lambda: len(stack.submitted(order_ids)) == count, SETTLE_TIMEOUT_S, every_s=0.25)

    records = stack.submitted(order_ids)
    tiktok = stack.tiktok_orders(set(order_ids))
    latencies = [records[order_id].submitted_at - tiktok[order_id]["hold_until"] for order_id in records]
    arrivals = {order_id: receiver.first_arrival.get((order_id, "AWAITING_SHIPMENT")) for order_id in records}
    announced = [order_id for order_id, arrival in arrivals.items() if arrival is not None]
    return {
        "orders": count,
        "in_extensiv": len(records),
        "webhook_deliveries": receiver.deliveries,
        "hold_end_to_webhook_s": stats.distribution([arrivals[i] - tiktok[i]["hold_until"] for i in announced]),
        "webhook_to_extensiv_s": stats.distribution([records[i].submitted_at - arrivals[i] for i in announced]),
        "latencies_s": latencies,
    }


def _poll_path(stack: Stack, count: int, interval: float) -> dict[str, Any]:
    stack.tiktok_control.post("/_sandbox/config", {"webhook_url": None})
    poller = stack.shipping_app()
    lag = int(poller.runtime().settings.poll_lag_seconds)
    order_ids = stack.place_orders(count, hold_seconds=lambda index: POLL_FIRST_HOLD_S + index * POLL_HOLD_SPACING_S)

    # GIVEN a poll that saw the orders during their hold
    time.sleep(lag + 1.0)
    first = poller.handler({"action": "poll"}, LambdaContext())["poll"]
    wait_until(lambda: _held_on_hold(stack, order_ids) == count, SETTLE_TIMEOUT_S, every_s=0.25)

    # WHEN the holds have ended and the next tick comes
    tiktok = stack.tiktok_orders(set(order_ids))
    last_hold_end = max(order["hold_until"] for order in tiktok.values())
    wait_until(lambda: _released(stack, order_ids) == count, SETTLE_TIMEOUT_S + max(0.0, last_hold_end - time.time()))
    poll_started = time.time()
    second = poller.handler({"action": "poll"}, LambdaContext())["poll"]
    wait_until(lambda: len(stack.submitted(order_ids)) == count, SETTLE_TIMEOUT_S, every_s=0.25)

    # THEN each order waited for its tick, then for this run's processing
    records = stack.submitted(order_ids)
    by_hold_end = sorted(records, key=lambda order_id: tiktok[order_id]["hold_until"])
    offsets = stats.stratified_offsets(len(by_hold_end), interval)
    latencies = [
        stats.poll_wait_seconds(offset, interval, lag=0) + (records[order_id].submitted_at - poll_started)
        for order_id, offset in zip(by_hold_end, offsets, strict=True)
    ]
    return {
        "orders": count,
        "in_extensiv": len(records),
        "first_poll": first,
        "poll_after_hold": second,
        "processing_s": stats.distribution([records[order_id].submitted_at - poll_started for order_id in records]),
        "latencies_s": latencies,
    }


def _held_on_hold(stack: Stack, order_ids: list[str]) -> int:
    held = [stack.orders.get(order_id) for order_id in order_ids]
    return sum(1 for record in held if record is not None and record.reason == "on_hold")


def _released(stack: Stack, order_ids: list[str]) -> int:
    orders = stack.tiktok_orders(set(order_ids)).values()
    return sum(1 for order in orders if order["status"] == "AWAITING_SHIPMENT")


def summarize(
    webhook_latencies: list[float],
    poll_latencies: list[float],
    orders: int,
    interval: float,
    webhook: dict[str, Any],
    poll: dict[str, Any],
) -> dict[str, Any]:
    """The report of this benchmark and its checks, from the two latency samples."""
    a, b = stats.distribution(webhook_latencies), stats.distribution(poll_latencies)
    a_p95, a_median = (a["p95"], a["median"]) if a else (None, None)
    b_p95, b_median = (b["p95"], b["median"]) if b else (None, None)
    checks = [
        stats.below(NAME, "webhook path p95 (s)", a_p95, 5.0),
        stats.info(NAME, "webhook path median (s)", a_median),
        stats.info(NAME, "poll path p95 (s)", b_p95),
        stats.info(NAME, "poll path median (s)", b_median),
        stats.at_least(NAME, "poll/webhook ratio, p95", stats.ratio(b_p95, a_p95), 10.0),
        stats.at_least(NAME, "poll/webhook ratio, median", stats.ratio(b_median, a_median), 10.0),
        stats.info(NAME, "hourly baseline/webhook p95", stats.ratio(stats.HOURLY_BASELINE_S, a_p95)),
        stats.equals(
            NAME, "orders missing (both paths)", float(2 * orders - len(webhook_latencies) - len(poll_latencies)), 0
        ),
    ]
    details = {
        "orders_per_path": orders,
        "poll_interval_s": interval,
        "webhook_path": {key: value for key, value in webhook.items() if key != "latencies_s"} | {"latency_s": a},
        "poll_path": {key: value for key, value in poll.items() if key != "latencies_s"} | {"latency_s": b},
    }
    return {"name": NAME, "checks": checks, "details": details}
