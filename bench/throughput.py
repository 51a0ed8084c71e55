"""Benchmark 3: orders per second through the shipping-request flow, Extensiv throttled vs not.

N orders, already past their hold, are queued at once (as a poll after an outage would) and
drained by two warm simulated Lambda environments: against an Extensiv sandbox without a rate
limit, then with its token bucket on (`rate_limit_per_second`, 429 with Retry-After when
empty), alternating for a few rounds. Throughput = orders / seconds from queueing to the last
`submitted_at`, summed over the rounds of a variant. Throttling may slow the hand-off; it must
lose and duplicate nothing.
"""

from __future__ import annotations

import time
from typing import Any

from bench import stats
from bench.stack import QueueConsumer, running_stack, wait_until
from connector_common.queues import ShippingRequestMessage, ShippingRequestQueue

NAME = "throughput"
SETTLE_TIMEOUT_S = 90.0
RATE_LIMIT_PER_S = 4.0
RATE_LIMIT_BURST = 4


def run(orders: int = 40, workers: int = 2, rounds: int = 2) -> dict[str, Any]:
    """Alternate unthrottled and throttled drains so that a burst of load elsewhere hits both alike."""
    free, throttled = [], []
    for _ in range(rounds):
        free.append(drain(orders, workers, rate_limit=None))
        throttled.append(drain(orders, workers, rate_limit=RATE_LIMIT_PER_S))
    return summarize(combine(free), combine(throttled))


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several drains of one variant as one: orders over total seconds, every reconciliation merged."""
    elapsed = [run["elapsed_s"] for run in runs]
    total = None if None in elapsed else sum(elapsed)
    done = sum(run["reconciliation"]["in_extensiv"] for run in runs)
    return {
        "rate_limit_per_s": runs[0]["rate_limit_per_s"],
        "orders": sum(run["orders"] for run in runs),
        "elapsed_s": total,
        "orders_per_s": None if not total else round(done / total, 3),
        "reconciliation": {
            "in_extensiv": done,
            "missing_ids": [order_id for run in runs for order_id in run["reconciliation"]["missing_ids"]],
            "duplicates": sum(run["reconciliation"]["duplicates"] for run in runs),
        },
        "runs": runs,
    }


def drain(orders: int, workers: int, rate_limit: float | None) -> dict[str, Any]:
    """Queue `orders` released orders at once and time the flow until all are in Extensiv."""
    extensiv_config = {"rate_limit_per_second": rate_limit, "rate_limit_burst": RATE_LIMIT_BURST}
    with running_stack(extensiv_config=extensiv_config) as stack:
        order_ids = stack.place_orders(orders, status="AWAITING_SHIPMENT")
        queue = ShippingRequestQueue(stack.world.sqs, stack.world.queue_url)
        consumer = QueueConsumer(stack, workers=workers)
        for app in consumer.apps:
            # Warm environments, as Lambda keeps them between batches: clients built, token fetched.
            app.runtime().flow().extensiv.get_customer()
        time.sleep(RATE_LIMIT_BURST / RATE_LIMIT_PER_S)  # both runs start from a full token bucket
        with consumer:
            started = time.time()
            queue.send_many(ShippingRequestMessage(order_id, "poll", started) for order_id in order_ids)
            wait_until(lambda: len(stack.submitted(order_ids)) == orders, SETTLE_TIMEOUT_S, every_s=0.25)
            wait_until(stack.queue_is_empty, 10.0, every_s=0.25)

        records = stack.submitted(order_ids)
        last = max((record.submitted_at for record in records.values()), default=None)
        elapsed = last - started if last is not None else None
        reconciliation = stats.reconcile(order_ids, stack.extensiv_references())
        log = stack.extensiv_control.get("/_sandbox/requests")["requests"]
        return {
            "rate_limit_per_s": rate_limit,
            "rate_limit_burst": RATE_LIMIT_BURST if rate_limit else None,
            "orders": orders,
            "workers": workers,
            "elapsed_s": None if elapsed is None else round(elapsed, 3),
            "orders_per_s": None if not elapsed else round(len(records) / elapsed, 3),
            "extensiv_requests": len(log),
            "extensiv_create_calls": stats.count_requests(log, "POST", "^/orders$"),
            "queue_records_failed": consumer.counts.failed_records,
            "dead_lettered": stack.dead_lettered(),
            "reconciliation": reconciliation.as_dict(),
        }


def summarize(free: dict[str, Any], throttled: dict[str, Any]) -> dict[str, Any]:
    """Checks: throttled/free throughput (reported), nothing missing or duplicated in either run."""
    lost = len(free["reconciliation"]["missing_ids"]) + len(throttled["reconciliation"]["missing_ids"])
    duplicated = free["reconciliation"]["duplicates"] + throttled["reconciliation"]["duplicates"]
    checks = [
        stats.info(NAME, "orders/s, Extensiv unthrottled", free["orders_per_s"]),
        stats.info(NAME, f"orders/s, Extensiv at {RATE_LIMIT_PER_S:g} req/s", throttled["orders_per_s"]),
        stats.info(
            NAME, "throttled/unthrottled throughput", stats.ratio(throttled["orders_per_s"], free["orders_per_s"])
        ),
        stats.info(
            NAME,
            "throttled orders/s per allowed req/s",
            stats.ratio(throttled["orders_per_s"], throttled["rate_limit_per_s"]),
        ),
        stats.equals(NAME, "missing orders (both runs)", float(lost), 0),
        stats.equals(NAME, "duplicate orders (both runs)", float(duplicated), 0),
    ]
    return {"name": NAME, "checks": checks, "details": {"unthrottled": free, "throttled": throttled}}
