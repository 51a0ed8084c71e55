"""`make run`: the whole connector on this machine, syncing a demo shop.

    python -m local.run --duration 90

Starts, all on 127.0.0.1: the TikTok Shop and Extensiv sandboxes, a local AWS emulator
(ministack) into which template.yaml is built and deployed with the SAM CLI exactly as a
merchant deploys it, then seeds the stack's secrets and the operator's links, and plays a
demo shop whose orders arrive over time. Progress is printed every few seconds; after
`--duration` seconds (0 = until Ctrl-C) everything is shut down and the reconciliation
summary is printed, its last line one JSON object.

With real credentials in the environment (see README "Real APIs") the sandboxes and the demo
are left out and the same stack talks to TikTok Shop and Extensiv instead.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import requests

from hub.locations import LocationRepository
from hub.orders import OrderRepository, OrderState
from hub.skus import SkuRepository
from hub.table import HubTable
from local.aws.emulator import DEFAULT_REGION, DeployedStack, Ministack, deploy_stack, record_running
from local.demo import CHANNEL_SKUS, FAULTS, LINKS, DemoShop
from local.demo_arrivals import catalog_and_arrivals_summary, create_demo_arrival, receive_demo_arrival
from local.demo_returns import open_returns, receive_returns, returnable_order_ids, returns_summary
from local.reconcile import fulfillment_summary, routable_order_ids, summarize
from local.sandboxes.extensiv import ExtensivSandbox
from local.sandboxes.tiktok_shop import TikTokSandbox

logger = logging.getLogger("local.run")
REPO_ROOT = Path(__file__).resolve().parents[1]

STACK_NAME = "connector-local"
PROGRESS_EVERY_S = 5.0
# The deployed schedules run every minute (the finest EventBridge rate); the demo also forces
# a run of every direction this often, as an operator's forced sync would, to show several cycles.
FORCED_RUN_EVERY_S = 20.0
FORCED_RUNS = (
    ("LocationsFunction", {"action": "run"}),
    ("ProductsFunction", {"action": "run"}),
    ("ShippingRequestsFunction", {"action": "poll"}),
    ("FulfillmentsFunction", {"action": "run"}),
    ("ShipmentCancellationsFunction", {"action": "run"}),
    ("ReturnsFunction", {"action": "run"}),
    ("ArrivalsFunction", {"action": "run"}),
    ("InventoryFunction", {"action": "run"}),
)
SETTLE_TIMEOUT_S = 120.0
FOLLOW_UP_KINDS = ("cancel_after_handoff", "cancel_too_late", "warehouse_cancels")
RETURNS_RECEIVED_EVERY_S = 8.0
REAL_API_VARIABLES = ("TIKTOK_APP_KEY", "EXTENSIV_CLIENT_ID")
TIMEOUT = 10


class ForcedRuns:
    """Runs every direction of the stack now and then, in a background thread."""

    def __init__(self, stack: DeployedStack, every: float = FORCED_RUN_EVERY_S) -> None:
        self.stack = stack
        self.every = every
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="forced-runs", daemon=True)

    def start(self) -> ForcedRuns:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=120)

    def cycle(self) -> None:
        """One forced run of each direction the stack has, in flow order."""
        with self._lock:
            for logical_id, payload in FORCED_RUNS:
                if logical_id not in self.stack.resources:
                    continue
                result = self.stack.invoke(logical_id, payload)
                if not result.ok:
                    logger.warning("forced run of %s failed: %s", logical_id, result.function_error)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.cycle()
            except Exception:
                logger.exception("forced runs stopped by an error")


@dataclass
class DemoRun:
    """The moving parts of one demo run and what it has placed so far."""

    shop: DemoShop
    tiktok_url: str
    extensiv_url: str
    stack: DeployedStack
    hub: HubTable
    placed: list[tuple[str, str]] = field(default_factory=list)  # (kind, tiktok order id)
    faults_injected: int = 0
    cancelled_in_hold: set[str] = field(default_factory=set)
    pending_cancels: list[tuple[float, str]] = field(default_factory=list)
    followed_up: set[str] = field(default_factory=set)
    returns_opened: list[dict[str, Any]] = field(default_factory=list)
    last_receipts: float = 0.0
    arrival_received: bool = False

    def place_due_orders(self, elapsed: float) -> None:
        for planned in self.shop.due(elapsed, len(self.placed)):
            response = _post(f"{self.tiktok_url}/_sandbox/orders", {"orders": [planned.spec]})
            order_id = response["orders"][0]["id"]
            self.placed.append((planned.kind, order_id))
            if planned.kind == "cancel_in_hold":
                self.pending_cancels.append((elapsed + self.shop.hold_seconds / 3, order_id))

    def inject_due_faults(self, elapsed: float) -> None:
        for sandbox, at_second, fault in FAULTS[self.faults_injected :]:
            if at_second > elapsed:
                return
            url = self.tiktok_url if sandbox == "tiktok" else self.extensiv_url
            _post(f"{url}/_sandbox/faults", fault)
            self.faults_injected += 1
            logger.info("injected a fault into the %s sandbox: %s %s", sandbox, fault["kind"], fault.get("status", ""))

    def cancel_due(self, elapsed: float) -> None:
        for due_at, order_id in list(self.pending_cancels):
            if due_at <= elapsed:
                answer = _post(
                    f"{self.tiktok_url}/_sandbox/orders/{order_id}/buyer-cancel", {"reason": "buyer_changed_mind"}
                )
                # Inside the hold TikTok approves at once; a slow machine may have let the hold end,
                # and then the request waits for the seller like any buyer cancellation.
                if answer.get("cancel_status") != "CANCELLATION_REQUEST_PENDING":
                    self.cancelled_in_hold.add(order_id)
                self.pending_cancels.remove((due_at, order_id))

    def follow_up_handed_off(self) -> None:
        """Cancellations after the hand-off: the buyer in time, the buyer too late, the warehouse."""
        orders = OrderRepository(self.hub)
        for kind, order_id in self.placed:
            if kind not in FOLLOW_UP_KINDS or order_id in self.followed_up:
                continue
            record = orders.get(order_id)
            if record is None or record.state != OrderState.SUBMITTED or not record.extensiv_order_id:
                continue
            self.followed_up.add(order_id)
            if kind == "warehouse_cancels":
                _post(f"{self.extensiv_url}/_sandbox/orders/{record.extensiv_order_id}/cancel", {"reason": "damaged"})
                continue
            if kind == "cancel_too_late":
                # The warehouse ships before TikTok has heard of it; the buyer cancels meanwhile.
                _post(f"{self.extensiv_url}/_sandbox/orders/{record.extensiv_order_id}/ship", {"force": True})
            try:
                _post(f"{self.tiktok_url}/_sandbox/orders/{order_id}/buyer-cancel", {"reason": "buyer_changed_mind"})
            except requests.HTTPError:
                logger.info("TikTok refused a buyer cancel of %s: the tracking was already pushed", order_id)

    def receive_arrival(self) -> None:
        """Once the demo arrival is in Extensiv, the warehouse receives it one unit short."""
        if not self.arrival_received:
            self.arrival_received = receive_demo_arrival(self.hub, self.extensiv_url)

    def enable_catalog_push(self) -> dict[str, int]:
        """The operator switches the catalog push on: products Extensiv lacks are created once."""
        lambda_client = self.stack.client("lambda")
        name = self.stack.function_name("ProductsFunction")
        environment = lambda_client.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
        environment["PUSH_PRODUCT_CATALOG"] = "true"
        lambda_client.update_function_configuration(FunctionName=name, Environment={"Variables": environment})
        for _ in range(2):
            result = self.stack.invoke("ProductsFunction", {"action": "run"})
            if not result.ok:
                logger.warning("catalog push failed: %s", result.function_error)
        return catalog_and_arrivals_summary(self.hub)

    def exchange_returns(self, elapsed: float, duration: float, settling: bool = False) -> None:
        """Halfway through, buyers return a few shipped orders; the warehouse receives them."""
        if not self.returns_opened and (settling or elapsed >= duration / 2):
            returnable = len(returnable_order_ids(_get(f"{self.tiktok_url}/_sandbox/state")))
            # Parcels first: a refund-only request is added only when there are orders to spare.
            if returnable >= 2 or (settling and returnable):
                refund_only = 1 if returnable >= 3 else 0
                self.returns_opened = open_returns(self.tiktok_url, count=3, refund_only=refund_only, step_seconds=4.0)
        if self.returns_opened and (settling or elapsed - self.last_receipts >= RETURNS_RECEIVED_EVERY_S):
            receive_returns(self.extensiv_url, short_every=3)
            self.last_receipts = elapsed

    def progress(self, elapsed: float) -> str:
        records = OrderRepository(self.hub)
        held = {}
        for record in records.list_by_state(OrderState.HELD):
            held[record.reason] = held.get(record.reason, 0) + 1
        extensiv = _get(f"{self.extensiv_url}/_sandbox/state")["orders"]
        held_text = ", ".join(f"{reason} {count}" for reason, count in sorted(held.items())) or "none"
        return (
            f"[{elapsed:5.0f}s] TikTok orders {len(self.placed):3d} | in Extensiv {len(extensiv):3d} | "
            f"held: {held_text} | dead-lettered {self.dead_lettered()}"
        )

    def dead_lettered(self) -> int:
        sqs = self.stack.client("sqs")
        url = self.stack.outputs["ShippingRequestsDeadLetterQueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])

    def summary(self) -> dict[str, Any]:
        tiktok_state = _get(f"{self.tiktok_url}/_sandbox/state")
        extensiv_state = _get(f"{self.extensiv_url}/_sandbox/state")
        extensiv_skus = {item["sku"] for item in extensiv_state["items"]}
        routable = routable_order_ids(tiktok_state, set(LINKS), extensiv_skus, CHANNEL_SKUS, self.cancelled_in_hold)
        orders = OrderRepository(self.hub)
        records = [record for _, order_id in self.placed if (record := orders.get(order_id))]
        summary = summarize(tiktok_state, extensiv_state, records, routable, self.dead_lettered())
        summary.update(fulfillment_summary(tiktok_state, extensiv_state, records, orders.list_too_late_to_cancel()))
        mismatches = _inventory_mismatches(extensiv_state, tiktok_state, self.hub)
        summary["inventory_mismatches"] = len(mismatches)
        if mismatches:
            summary["inventory_mismatch_details"] = [mismatch.as_dict() for mismatch in mismatches]
        summary.update(returns_summary(self.hub))
        summary["faults_injected"] = self.faults_injected
        return summary

    def is_fulfilled(self) -> bool:
        """Every order the warehouse shipped carries its tracking on TikTok."""
        summary = fulfillment_summary(
            _get(f"{self.tiktok_url}/_sandbox/state"), _get(f"{self.extensiv_url}/_sandbox/state"), [], []
        )
        return not summary["shipped_without_tracking_on_tiktok"]

    def pending_work(self) -> list[str]:
        """What the flows have not finished yet; empty when the run can end."""
        pending = []
        if not self.is_settled():
            pending.append("orders in flight")
        if not self.is_fulfilled():
            pending.append("tracking to push")
        parcels_back = [opened for opened in self.returns_opened if opened["return_type"] != "REFUND"]
        if not self.returns_opened or returns_summary(self.hub)["returns_received"] < len(parcels_back):
            pending.append("returns")
        if not self.arrival_received or not catalog_and_arrivals_summary(self.hub)["receipts_pulled"]:
            pending.append("arrival receipt")
        return pending

    def is_settled(self) -> bool:
        """Every placed order has left the transient states, and the queue is empty."""
        records = OrderRepository(self.hub)
        for _, order_id in self.placed:
            record = records.get(order_id)
            if record is None or record.state in (OrderState.RECEIVED, OrderState.SUBMITTING):
                return False
            if record.state == OrderState.HELD and record.reason == "on_hold":
                return False
        sqs = self.stack.client("sqs")
        attributes = sqs.get_queue_attributes(
            QueueUrl=self.stack.outputs["ShippingRequestsQueueUrl"],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return (
            attributes["ApproximateNumberOfMessages"] == "0"
            and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=0.0, help="seconds of demo sync; 0 runs until Ctrl-C")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    for noisy in ("botocore", "urllib3", "werkzeug", "local.sandboxes"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    stop = _stop_flag()
    if all(os.environ.get(name) for name in REAL_API_VARIABLES):
        summary = run_against_real_apis(args.duration, stop)
    else:
        summary = run_demo(args.duration, args.seed, stop)
    _print_summary(summary)
    problems = ("missing", "duplicates", "shipped_without_tracking_on_tiktok", "inventory_mismatches")
    return 1 if any(summary.get(key) for key in problems) else 0


def run_demo(
    duration: float,
    seed: int,
    stop: Callable[[], bool],
    before_shutdown: Callable[[DemoRun], None] | None = None,
) -> dict[str, Any]:
    """Run the demo shop through the deployed local stack; returns the reconciliation summary.

    `before_shutdown` sees the finished run while the stack and sandboxes still answer
    (the end-to-end tests read function logs there).
    """
    shop = DemoShop(duration=duration or 3600.0, seed=seed)
    started = time.monotonic()
    with ExitStack() as stack:
        tiktok = stack.enter_context(TikTokSandbox(shop.tiktok_config()))
        extensiv = stack.enter_context(ExtensivSandbox(shop.extensiv_config(), shop.extensiv_seed()))
        _post(f"{tiktok.url}/_sandbox/warehouses", {"warehouses": _warehouse_specs(), "replace": True})
        _post(f"{tiktok.url}/_sandbox/products", {"products": shop.tiktok_products()})
        logger.info("sandboxes up: TikTok Shop %s, Extensiv %s", tiktok.url, extensiv.url)

        ministack = stack.enter_context(Ministack(function_env={"POWERTOOLS_TRACE_DISABLED": "true"}))
        stack.callback(record_running(ministack).unlink, missing_ok=True)
        logger.info("local AWS emulator on %s; building and deploying template.yaml ...", ministack.endpoint_url)
        deployed = deploy_stack(
            ministack, stack_name=STACK_NAME, parameter_overrides=_sandbox_parameters(tiktok, extensiv)
        )
        _seed_secrets(deployed, _get(f"{tiktok.url}/_sandbox/credentials"), shop.extensiv_secret())
        webhook_url = deployed.local_url(deployed.outputs["WebhookUrl"])
        _post(f"{tiktok.url}/_sandbox/config", {"webhook_url": webhook_url})
        hub = _hub(deployed)
        _seed_operator_setup(hub)
        logger.info("stack %s deployed in %.0fs; webhooks to %s", STACK_NAME, time.monotonic() - started, webhook_url)

        create_demo_arrival(hub)
        demo = DemoRun(shop, tiktok.url, extensiv.url, deployed, hub)
        _drive(demo, duration, stop)
        summary = demo.summary()
        logger.info("finally the operator switches the catalog push on ...")
        summary.update(demo.enable_catalog_push())
        if before_shutdown is not None:
            before_shutdown(demo)
        return summary


def _drive(demo: DemoRun, duration: float, stop: Callable[[], bool]) -> None:
    began = time.monotonic()
    last_progress = 0.0
    # DURATION covers the whole run: traffic first, then the settle window.
    traffic_until = duration - demo.shop.settle_seconds if duration else 0.0
    forced = ForcedRuns(demo.stack).start()
    try:
        while not stop():
            elapsed = time.monotonic() - began
            if duration and elapsed >= traffic_until:
                break
            demo.place_due_orders(elapsed)
            demo.cancel_due(elapsed)
            demo.inject_due_faults(elapsed)
            demo.follow_up_handed_off()
            demo.exchange_returns(elapsed, duration or demo.shop.duration)
            demo.receive_arrival()
            if elapsed - last_progress >= PROGRESS_EVERY_S:
                logger.info(demo.progress(elapsed))
                last_progress = elapsed
            time.sleep(0.5)
    finally:
        forced.stop()

    logger.info("settling: no new orders, warehouse drift off, every direction runs until done ...")
    _post(f"{demo.extensiv_url}/_sandbox/config", {"stock_drift_every_seconds": None, "cancel_ratio": 0.0})
    deadline = began + duration if duration else time.monotonic() + SETTLE_TIMEOUT_S
    pending = ["everything"]
    while pending and not stop() and (pending == ["everything"] or time.monotonic() < deadline):
        demo.follow_up_handed_off()
        demo.receive_arrival()
        demo.exchange_returns(0.0, 0.0, settling=True)
        forced.cycle()
        pending = demo.pending_work()
    if pending:
        logger.warning("settling timed out; still pending: %s", ", ".join(pending))
    # The last inventory run comes after every order above has settled.
    forced.cycle()
    logger.info(demo.progress(time.monotonic() - began))


def run_against_real_apis(duration: float, stop: Callable[[], bool]) -> dict[str, Any]:
    """Deploy the same stack locally, pointed at the real APIs with credentials from the environment."""
    env = os.environ
    parameters = {
        "ExtensivEnvironment": env.get("EXTENSIV_ENVIRONMENT", "sandbox"),
        "PushShippingRequests": env.get("PUSH_SHIPPING_REQUESTS", "false"),
        "OrderIdScope": env.get("ORDER_ID_SCOPE", ""),
    }
    tiktok_secret = {
        "app_key": env["TIKTOK_APP_KEY"],
        "app_secret": env.get("TIKTOK_APP_SECRET", ""),
        "access_token": env.get("TIKTOK_ACCESS_TOKEN", ""),
        "refresh_token": env.get("TIKTOK_REFRESH_TOKEN", ""),
        "shop_id": env.get("TIKTOK_SHOP_ID", ""),
        "shop_cipher": env.get("TIKTOK_SHOP_CIPHER", ""),
    }
    extensiv_secret = {
        "client_id": env["EXTENSIV_CLIENT_ID"],
        "client_secret": env.get("EXTENSIV_CLIENT_SECRET", ""),
        "customer_id": int(env.get("EXTENSIV_CUSTOMER_ID", "0")),
        "user_id": env.get("EXTENSIV_USER_ID", ""),
    }
    with Ministack(function_env={"POWERTOOLS_TRACE_DISABLED": "true"}) as ministack, ExitStack() as cleanup:
        cleanup.callback(record_running(ministack).unlink, missing_ok=True)
        deployed = deploy_stack(ministack, stack_name=STACK_NAME, parameter_overrides=parameters)
        _seed_secrets(deployed, tiktok_secret, extensiv_secret)
        logger.info("stack deployed against the real APIs; polling (webhooks cannot reach a local stack)")
        began = time.monotonic()
        while not stop() and not (duration and time.monotonic() - began >= duration):
            result = deployed.invoke("ShippingRequestsFunction", {"action": "poll"})
            logger.info("poll: %s", result.payload if result.ok else result.function_error)
            _sleep_until(stop, FORCED_RUN_EVERY_S)
        hub = _hub(deployed)
        states: dict[str, int] = {}
        for state in OrderState:
            states[state.value] = len(OrderRepository(hub).list_by_state(state))
    return {"mode": "real_apis", "hub_states": states}


def _inventory_mismatches(extensiv_state: dict, tiktok_state: dict, hub: HubTable) -> list[Any]:
    """The inventory direction's own mismatch check (functions/inventory), run against the sandboxes."""
    # NOTE: function code is not an installed package; its folder goes on the path as Lambda's would.
    folder = str(REPO_ROOT / "functions" / "inventory")
    if folder not in sys.path:
        sys.path.append(folder)
    from inventory_mismatches import inventory_mismatches

    return inventory_mismatches(extensiv_state, tiktok_state, hub)


def _sandbox_parameters(tiktok: TikTokSandbox, extensiv: ExtensivSandbox) -> dict[str, str]:
    # Every URL the stack could call is overridden to the loopback sandboxes: the template's
    # defaults name the real hosts, and the deployed schedule starts polling on its own.
    return {
        "TikTokApiBaseUrl": tiktok.url,
        "TikTokAuthBaseUrl": tiktok.url,
        "ExtensivBaseUrl": extensiv.url,
        "ExtensivEnvironment": "sandbox",
        "PushShippingRequests": "true",
        "PullFulfillments": "true",
        "PushFulfillments": "true",
        "PushWarehouseCancellations": "true",
        "PushBuyerCancellations": "true",
        "PullInventory": "true",
        "ReturnsToExtensiv": "true",
        "ReturnsFromExtensiv": "true",
        "PushArrivals": "true",
        "PullReceipts": "true",
        "ShippingRequestMaxReceives": "5",
        "LogLevel": "INFO",
    }


def _warehouse_specs() -> list[dict[str, Any]]:
    from local.demo import WAREHOUSES

    return [dict(warehouse) for warehouse in WAREHOUSES]


def _seed_secrets(deployed: DeployedStack, tiktok: dict[str, Any], extensiv: dict[str, Any]) -> None:
    secrets = deployed.client("secretsmanager")
    tiktok_secret = {
        "app_key": tiktok["app_key"],
        "app_secret": tiktok["app_secret"],
        "access_token": tiktok["access_token"],
        "refresh_token": tiktok["refresh_token"],
        "access_token_expires_at": tiktok.get("access_token_expire_in"),
        "refresh_token_expires_at": tiktok.get("refresh_token_expire_in"),
        "shop_id": tiktok["shop_id"],
        "shop_cipher": tiktok["shop_cipher"],
    }
    secrets.put_secret_value(SecretId=deployed.outputs["TikTokSecretArn"], SecretString=json.dumps(tiktok_secret))
    secrets.put_secret_value(SecretId=deployed.outputs["ExtensivSecretArn"], SecretString=json.dumps(extensiv))


def _hub(deployed: DeployedStack) -> HubTable:
    resource = boto3.resource(
        "dynamodb",
        endpoint_url=deployed.endpoint_url,
        region_name=deployed.region or DEFAULT_REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - the emulator's fixed fake key
    )
    return HubTable(resource.Table(deployed.outputs["HubTableName"]))


def _seed_operator_setup(hub: HubTable) -> None:
    """What the merchant's operator does once: link warehouses to facilities, map differing SKUs."""
    locations = LocationRepository(hub)
    for warehouse_id, facility_id in LINKS.items():
        locations.link(warehouse_id, facility_id)
    skus = SkuRepository(hub)
    for master_sku, channel_sku in CHANNEL_SKUS.items():
        skus.set_channel_sku(master_sku, channel_sku)


def _print_summary(summary: dict[str, Any]) -> None:
    sys.stdout.write("\nreconciliation summary\n")
    for key, value in summary.items():
        sys.stdout.write(f"  {key:26s} {value}\n")
    sys.stdout.write(json.dumps(summary, sort_keys=False) + "\n")
    sys.stdout.flush()


def _stop_flag() -> Callable[[], bool]:
    stopped = {"value": False}

    def request_stop(signum: int, frame: object) -> None:
        stopped["value"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    return lambda: stopped["value"]


def _sleep_until(stop: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stop():
        time.sleep(0.5)


def _post(url: str, body: Any) -> Any:
    response = requests.post(url, json=body, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


def _get(url: str) -> Any:
    response = requests.get(url, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


if __name__ == "__main__":
    sys.exit(main())
