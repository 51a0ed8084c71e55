"""Benchmark 2: exactly once under repeated webhooks, throttling, errors, lost answers and crashes.

N orders leave their buyer hold while everything goes wrong at once:
- every webhook is delivered twice by the TikTok sandbox, and once more by a resend of the
  same notification after the hold (three deliveries); the queue also gets one or two extra
  triggers per order, shuffled, and the order poll runs on a (compressed) schedule;
- Extensiv answers POST /orders with 503s, carries out some creates but loses the answer
  (`lost_response`), resets the connection before others, fails lookups with 503s;
- TikTok throttles order reads and searches with 429s (more in a row than one call retries);
- some invocations die right after Extensiv created the order (a `SimulatedCrash`, a
  BaseException nothing catches, like a Lambda timeout): the hub is left `submitting` and
  the batch's messages stay in flight.
Afterwards Extensiv orders are counted per reference number: duplicates and missing must be 0.
POST /orders calls per order (sandbox request log) is the price paid for that safety.

NOTE: time is compressed by `TIME_SCALE` so the run takes seconds: the claim lease, the
crashed batch's visibility timeout, the poll schedule and the queue's redelivery backoff are
all divided by it. Their ratios to one another stay as in template.yaml and the settings.
"""

from __future__ import annotations

import random
import threading
import time
from types import ModuleType
from typing import Any

from bench import stats
from bench.stack import QueueConsumer, Stack, WebhookReceiver, poll_interval_seconds, running_stack, wait_until
from connector_common.queues import ShippingRequestMessage, ShippingRequestQueue, redelivery_delay
from hub.orders import OrderState
from tests.support.fakes import SimulatedCrash
from tests.support.handlers import LambdaContext

NAME = "exactly_once"
TIME_SCALE = 20
CLAIM_LEASE_S = 120 / TIME_SCALE
CRASH_VISIBILITY_S = round(360 / TIME_SCALE)
SETTLE_TIMEOUT_S = 120.0
FIRST_HOLD_S = 2.0
HOLD_SPACING_S = 0.1
THROTTLED = '{"code":36009002,"message":"Too many requests","request_id":"bench-throttle","data":null}'
ORDER_DETAIL = "^/order/[0-9]+/orders$"
ORDER_SEARCH = "^/order/[0-9]+/orders/search$"


def extensiv_faults() -> list[dict[str, Any]]:
    """Faults for the Extensiv sandbox, consumed in this order by matching requests."""
    create = {"match": "^/orders$", "method": "POST", "count": 1}
    kinds = [
        "status",
        "lost_response",
        "reset",
        "status",
        "lost_response",
        "status",
        "reset",
        "lost_response",
        "status",
    ]
    faults = [{**create, "kind": kind, "status": 503} for kind in kinds]
    faults.append({"match": "^/orders$", "method": "GET", "kind": "status", "status": 503, "count": 2})
    return faults


def tiktok_faults() -> list[dict[str, Any]]:
    throttled = {
        "kind": "status",
        "status": 429,
        "headers": {"Content-Type": "application/json", "x-sandbox-body": THROTTLED},
    }
    return [
        {"match": ORDER_DETAIL, "method": "GET", "count": 6, **throttled},
        {"match": ORDER_SEARCH, "method": "POST", "count": 2, **throttled},
    ]


class CrashPlan:
    """Which successful creates the invocation dies after (1-based, counted over every simulated environment)."""

    def __init__(self, after_creates: set[int]) -> None:
        self._after = set(after_creates)
        self._creates = 0
        self._lock = threading.Lock()
        self.crashed: list[str] = []

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._after) - len(self.crashed)

    def take(self, reference_num: str) -> bool:
        """Count one successful create; True when the invocation must die now."""
        with self._lock:
            self._creates += 1
            if self._creates not in self._after:
                return False
            self.crashed.append(reference_num)
            return True

    def install(self, app: ModuleType) -> None:
        """Make this environment's Extensiv client die right after a planned create; compress its backoff."""
        app.redelivery_delay = lambda receives: max(1, round(redelivery_delay(receives) / TIME_SCALE))
        client = app.runtime().platforms.extensiv
        create = client.create_order

        def create_then_die(order: Any) -> Any:
            created = create(order)
            if self.take(order.reference_num):
                raise SimulatedCrash("the function died after Extensiv created the order")
            return created

        client.create_order = create_then_die


class Schedule:
    """The order poll on its schedule (divided by TIME_SCALE), in its own simulated environment."""

    def __init__(self, app: ModuleType, every_s: float) -> None:
        self.app = app
        self.every_s = every_s
        self.runs = 0
        self.failed_runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-schedule", daemon=True)

    def __enter__(self) -> Schedule:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.runs += 1
            try:
                self.app.handler({"action": "poll"}, LambdaContext())
            except Exception:
                self.failed_runs += 1


def run(orders: int = 30, workers: int = 3, seed: int = 11) -> dict[str, Any]:
    rng = random.Random(seed)
    tiktok_config = {
        "webhook_duplicate_ratio": 1.0,
        "webhook_duplicate_delay": 0.05,
        "webhook_retry_delays": [0.5, 1.0, 2.0, 5.0],
    }
    environment = {"CLAIM_LEASE_SECONDS": str(CLAIM_LEASE_S), "SHIPPING_REQUEST_MAX_RECEIVES": "5"}
    with running_stack(tiktok_config=tiktok_config, **environment) as stack:
        plan = CrashPlan({orders // 4, (3 * orders) // 4})
        receiver = WebhookReceiver(stack.webhooks_app())
        poll_app = stack.shipping_app()
        poll_app.redelivery_delay = lambda receives: max(1, round(redelivery_delay(receives) / TIME_SCALE))
        consumer = QueueConsumer(stack, workers=workers, crash_visibility_s=CRASH_VISIBILITY_S, prepare=plan.install)
        started = time.monotonic()
        with receiver, consumer, Schedule(poll_app, poll_interval_seconds() / TIME_SCALE) as schedule:
            stack.tiktok_control.post("/_sandbox/config", {"webhook_url": receiver.url})
            for fault in extensiv_faults():
                stack.extensiv_control.post("/_sandbox/faults", fault)
            for fault in tiktok_faults():
                stack.tiktok_control.post("/_sandbox/faults", fault)

            order_ids = stack.place_orders(orders, hold_seconds=lambda index: FIRST_HOLD_S + index * HOLD_SPACING_S)
            last_hold_end = FIRST_HOLD_S + (orders - 1) * HOLD_SPACING_S
            _repeat_while_holds_end(stack, order_ids, rng, last_hold_end)

            settled = wait_until(lambda: _settled(stack, order_ids), SETTLE_TIMEOUT_S, every_s=0.5)
            elapsed = time.monotonic() - started

        reconciliation = stats.reconcile(order_ids, stack.extensiv_references())
        extensiv_log = stack.extensiv_control.get("/_sandbox/requests")["requests"]
        tiktok_state = stack.tiktok_control.get("/_sandbox/state")
        details = {
            "orders": orders,
            "settled": settled,
            "elapsed_s": round(elapsed, 1),
            "time_scale": TIME_SCALE,
            "reconciliation": reconciliation.as_dict(),
            "hub_states": _hub_states(stack, order_ids),
            "dead_lettered": stack.dead_lettered(),
            "extensiv_create_calls": stats.count_requests(extensiv_log, "POST", "^/orders$"),
            "extensiv_lookup_calls": stats.count_requests(extensiv_log, "GET", "^/orders$"),
            "webhook_deliveries": receiver.deliveries,
            "tiktok_webhook_outcomes": _outcomes(tiktok_state.get("webhook_deliveries", [])),
            "queue_records_handled": consumer.counts.records,
            "queue_records_failed": consumer.counts.failed_records,
            "crashed_invocations": consumer.counts.crashed_invocations,
            "crashed_after_create": plan.crashed,
            "faults_not_triggered": _faults_pending(stack) + plan.pending,
            "poll_runs": schedule.runs,
            "failed_poll_runs": schedule.failed_runs,
        }
    return summarize(reconciliation, details)


def _repeat_while_holds_end(stack: Stack, order_ids: list[str], rng: random.Random, last_hold_end: float) -> None:
    """Once the holds are over: resend every order's last webhook and put 1-2 more triggers per order on the queue."""
    time.sleep(last_hold_end + 0.5)
    queue = ShippingRequestQueue(stack.world.sqs, stack.world.queue_url)
    extra = [ShippingRequestMessage(order_id, "bench_repeat", time.time()) for order_id in order_ids]
    extra += [
        ShippingRequestMessage(order_id, "bench_repeat", time.time())
        for order_id in rng.sample(order_ids, len(order_ids) // 2)
    ]
    rng.shuffle(extra)
    resend = list(order_ids)
    rng.shuffle(resend)
    for index, order_id in enumerate(resend):
        stack.tiktok_control.post(f"/_sandbox/webhooks/resend/{order_id}")
        if index % 5 == 0:
            queue.send_many(extra[: len(extra) // 6 + 1])
            extra = extra[len(extra) // 6 + 1 :]
    queue.send_many(extra)


def _settled(stack: Stack, order_ids: list[str]) -> bool:
    """Every order in Extensiv's hands per the hub, nothing left to deliver or to redeliver."""
    if len(stack.submitted(order_ids)) < len(order_ids):
        return False
    pending = stack.tiktok_control.get("/_sandbox/state").get("webhooks_pending", 0)
    return pending == 0 and stack.queue_is_empty()


def _faults_pending(stack: Stack) -> int:
    """Injected faults no request has met yet (each sandbox's fault injector, read in-process)."""
    extensiv = stack.extensiv.app.extensions["extensiv_sandbox"]["faults"].pending()
    tiktok = stack.tiktok.runtime.faults.pending()
    return sum(fault["count"] for fault in extensiv + tiktok)


def _hub_states(stack: Stack, order_ids: list[str]) -> dict[str, int]:
    states: dict[str, int] = {}
    for order_id in order_ids:
        record = stack.orders.get(order_id)
        state = record.state.value if record else "absent"
        states[state] = states.get(state, 0) + 1
    return states


def _outcomes(deliveries: list[dict[str, Any]]) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for delivery in deliveries:
        outcomes[delivery["outcome"]] = outcomes.get(delivery["outcome"], 0) + 1
    return outcomes


def summarize(reconciliation: stats.Reconciliation, details: dict[str, Any]) -> dict[str, Any]:
    """The checks of this benchmark from the reconciliation and the call counts."""
    orders = details["orders"]
    submitted = details["hub_states"].get(OrderState.SUBMITTED.value, 0)
    checks = [
        stats.equals(NAME, "duplicate Extensiv orders", float(reconciliation.duplicates), 0),
        stats.equals(NAME, "missing Extensiv orders", float(len(reconciliation.missing)), 0),
        stats.equals(NAME, "orders submitted in hub / orders", stats.ratio(submitted, orders), 1.0),
        stats.equals(NAME, "dead-lettered requests", float(details["dead_lettered"]), 0),
        stats.equals(NAME, "injected faults not triggered", float(details["faults_not_triggered"]), 0),
        stats.info(NAME, "webhook deliveries per order", stats.ratio(details["webhook_deliveries"], orders)),
        stats.info(NAME, "queue deliveries per order", stats.ratio(details["queue_records_handled"], orders)),
        stats.info(NAME, "Extensiv creates per order", stats.ratio(details["extensiv_create_calls"], orders)),
    ]
    return {"name": NAME, "checks": checks, "details": details}
