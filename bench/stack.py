"""The connector in one process, on loopback, for the benchmarks.

- AWS: moto (`mock_aws`) with the stack's tables, queues and secrets built from template.yaml
  (tests/support/aws.py), fake credentials set explicitly, the metadata endpoint disabled.
- TikTok Shop and Extensiv: the project's sandboxes on 127.0.0.1, port 0.
- The functions: their real `app.handler`s, one module instance per simulated Lambda
  environment, fed the way AWS feeds them: API Gateway events built from the sandbox's
  signed webhook deliveries (`WebhookReceiver`), SQS batches by `QueueConsumer`, which plays
  Lambda's event source mapping (batch size and batching window read from template.yaml,
  partial batch failures honoured, a crashed invocation's messages left in flight).

NOTE: moto keeps its state in plain dicts without locks, whereas DynamoDB makes each
conditional write atomic. Every boto call is therefore serialised here (`serialise_aws_calls`)
so that an emulator race is never counted as a connector duplicate; the HTTP calls to the
sandboxes stay concurrent.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# As pyproject's pytest `pythonpath`: each function's modules import one another by bare name.
FUNCTIONS = ("tiktok_webhooks", "shipping_requests", "inventory")
for _path in [ROOT / "layers" / "shared", *(ROOT / "functions" / name for name in FUNCTIONS)]:
    if _path.is_dir() and str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import botocore.client  # noqa: E402
import requests  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench.stats import schedule_seconds  # noqa: E402
from hub.locations import LocationRepository  # noqa: E402
from hub.orders import OrderRecord, OrderRepository, OrderState  # noqa: E402
from hub.table import HubTable  # noqa: E402
from local.sandboxes.extensiv import ExtensivSandbox  # noqa: E402
from local.sandboxes.tiktok_shop import TikTokSandbox  # noqa: E402
from tests.support import template  # noqa: E402
from tests.support.aws import AwsWorld, build_world  # noqa: E402
from tests.support.factories import api_gateway_event  # noqa: E402
from tests.support.handlers import LambdaContext, load_app  # noqa: E402

LOOPBACK = "127.0.0.1"
CONTROL_TIMEOUT = 10
FACILITY_ID = "1"
WAREHOUSE_ID = "7068517275539719001"
SKUS = ("TEE-BLK-M", "HOODIE-GRY-L", "MUG-CERAMIC", "CAP-NAVY")
# Units of each SKU on both sides: plenty for every benchmark's orders, and within TikTok's
# accepted inventory range, so an inventory run finds nothing to correct.
UNITS = 5000
EXTENSIV_CONFIG = {
    "client_id": "bench-client-id",
    "client_secret": "bench-client-secret",
    "customer_id": 1001,
    "user_id": 1523,
}
# The clock that moves orders out of the buyer's hold ticks this often; a hold ends at most
# this much before the webhook announcing it leaves the sandbox.
TIKTOK_TICK_S = 0.05
AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "bench",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_LOG_LEVEL": "CRITICAL",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}
UNSET_ENVIRONMENT = (
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)

_aws_lock = threading.RLock()


def isolate_process() -> None:
    """Fake AWS credentials, no metadata endpoint, no proxies, quiet logs; call before building anything."""
    for name in UNSET_ENVIRONMENT:
        os.environ.pop(name, None)
    os.environ.update(AWS_ENVIRONMENT)
    # The connector logs every call and retry; a benchmark prints only its table.
    logging.disable(logging.CRITICAL)
    warnings.filterwarnings("ignore")
    serialise_aws_calls()


def serialise_aws_calls() -> None:
    """Let one boto call at a time into moto (see the module note); idempotent."""
    original = botocore.client.BaseClient._make_api_call
    if getattr(original, "bench_serialised", False):
        return

    def make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        with _aws_lock:
            return original(self, operation_name, api_params)

    make_api_call.bench_serialised = True  # type: ignore[attr-defined]
    botocore.client.BaseClient._make_api_call = make_api_call


def loopback_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


class Control:
    """JSON calls to a sandbox's `/_sandbox` control routes."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = loopback_session()

    def get(self, path: str) -> Any:
        response = self.session.get(f"{self.base_url}{path}", timeout=CONTROL_TIMEOUT)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: Any = None) -> Any:
        response = self.session.post(f"{self.base_url}{path}", json=body or {}, timeout=CONTROL_TIMEOUT)
        response.raise_for_status()
        return response.json()


@dataclass
class Stack:
    """Both sandboxes, the moto world and the handlers' environment, for one benchmark."""

    tiktok: TikTokSandbox
    extensiv: ExtensivSandbox
    world: AwsWorld
    tiktok_control: Control
    extensiv_control: Control
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def hub(self) -> HubTable:
        return self.world.hub

    @property
    def orders(self) -> OrderRepository:
        return OrderRepository(self.hub)

    def shipping_app(self) -> ModuleType:
        """A fresh `functions/shipping_requests/app.py`: one simulated Lambda environment."""
        return load_app("shipping_requests")

    def webhooks_app(self) -> ModuleType:
        return load_app("tiktok_webhooks")

    def inventory_app(self) -> ModuleType:
        return load_app("inventory")

    def place_orders(self, count: int, status: str = "ON_HOLD", hold_seconds: Callable[[int], float] = lambda i: 1.0):
        """Place `count` orders on TikTok; returns their ids in placing order."""
        specs = [
            {
                "warehouse_id": WAREHOUSE_ID,
                "status": status,
                "hold_seconds": hold_seconds(index),
                "lines": [{"seller_sku": SKUS[index % len(SKUS)], "quantity": 1 + index % 3}],
            }
            for index in range(count)
        ]
        created = self.tiktok_control.post("/_sandbox/orders", {"orders": specs})["orders"]
        return [order["id"] for order in created]

    def tiktok_orders(self, order_ids: set[str]) -> dict[str, dict[str, Any]]:
        return {
            order["id"]: order
            for order in self.tiktok_control.get("/_sandbox/state")["orders"]
            if order["id"] in order_ids
        }

    def extensiv_references(self) -> list[str]:
        return [order["referenceNum"] for order in self.extensiv_control.get("/_sandbox/state")["orders"]]

    def submitted(self, order_ids: list[str] | set[str]) -> dict[str, OrderRecord]:
        """Hub records of those orders that reached Extensiv (one index query)."""
        wanted = set(order_ids)
        records = self.orders.list_by_state(OrderState.SUBMITTED)
        return {record.order_id: record for record in records if record.order_id in wanted}

    def queue_is_empty(self) -> bool:
        attributes = self.world.sqs.get_queue_attributes(
            QueueUrl=self.world.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return (
            attributes["ApproximateNumberOfMessages"] == "0"
            and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
        )

    def dead_lettered(self) -> int:
        attributes = self.world.sqs.get_queue_attributes(
            QueueUrl=self.world.dead_letter_queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])


@contextlib.contextmanager
def running_stack(
    tiktok_config: dict[str, Any] | None = None,
    extensiv_config: dict[str, Any] | None = None,
    **environment: str,
) -> Iterator[Stack]:
    """Start both sandboxes and a moto world, seed them as an operator would, and set the functions' environment."""
    isolate_process()
    tiktok = TikTokSandbox({"tick_interval": TIKTOK_TICK_S, "unpaid_seconds": None, **(tiktok_config or {})})
    extensiv = ExtensivSandbox({**EXTENSIV_CONFIG, **(extensiv_config or {})}, _extensiv_seed(), ticker=False)
    with contextlib.ExitStack() as stop, mock_aws():
        stop.enter_context(tiktok)
        stop.enter_context(extensiv)
        tiktok_control, extensiv_control = Control(tiktok.url), Control(extensiv.url)
        _seed_tiktok(tiktok_control)
        world = build_world(_tiktok_secret(tiktok_control), _extensiv_secret())
        LocationRepository(world.hub).link(WAREHOUSE_ID, FACILITY_ID)
        env = world.environment(
            SHIPPING_REQUESTS_DEAD_LETTER_QUEUE_URL=world.dead_letter_queue_url,
            TIKTOK_API_BASE_URL=tiktok.url,
            TIKTOK_AUTH_BASE_URL=tiktok.url,
            EXTENSIV_BASE_URL=extensiv.url,
            EXTENSIV_ENVIRONMENT="sandbox",
            PUSH_SHIPPING_REQUESTS="true",
            POWERTOOLS_SERVICE_NAME="bench",
            POWERTOOLS_METRICS_NAMESPACE="bench",
            **environment,
        )
        previous = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        try:
            yield Stack(tiktok, extensiv, world, tiktok_control, extensiv_control, env)
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _seed_tiktok(control: Control) -> None:
    control.post(
        "/_sandbox/warehouses",
        {"warehouses": [{"id": WAREHOUSE_ID, "name": "Bench warehouse", "is_default": True}], "replace": True},
    )
    products = [
        {"title": sku, "skus": [{"seller_sku": sku, "inventory": [{"warehouse_id": WAREHOUSE_ID, "quantity": UNITS}]}]}
        for sku in SKUS
    ]
    control.post("/_sandbox/products", {"products": products})


def _extensiv_seed() -> dict[str, Any]:
    return {
        "facilities": [{"id": int(FACILITY_ID), "name": "Bench DC", "timeZoneName": "Pacific Standard Time"}],
        "items": [{"sku": sku, "description": sku} for sku in SKUS],
        "stock": [{"sku": sku, "facilityId": int(FACILITY_ID), "onHand": UNITS} for sku in SKUS],
    }


def _tiktok_secret(control: Control) -> dict[str, Any]:
    credentials = control.get("/_sandbox/credentials")
    return {
        "app_key": credentials["app_key"],
        "app_secret": credentials["app_secret"],
        "access_token": credentials["access_token"],
        "refresh_token": credentials["refresh_token"],
        "access_token_expires_at": credentials.get("access_token_expire_in"),
        "refresh_token_expires_at": credentials.get("refresh_token_expire_in"),
        "shop_id": credentials["shop_id"],
        "shop_cipher": credentials["shop_cipher"],
    }


def _extensiv_secret() -> dict[str, Any]:
    return {
        "client_id": EXTENSIV_CONFIG["client_id"],
        "client_secret": EXTENSIV_CONFIG["client_secret"],
        "customer_id": EXTENSIV_CONFIG["customer_id"],
        "user_id": str(EXTENSIV_CONFIG["user_id"]),
    }


# ------------------------------------------------------------------------------ API Gateway


class WebhookReceiver:
    """POST /webhooks/tiktok on 127.0.0.1: each delivery goes through the webhook function's handler."""

    def __init__(self, app: ModuleType) -> None:
        receiver = self
        self.app = app
        self.deliveries = 0
        # (order id, order status) -> when its first webhook arrived, for the latency breakdown
        self.first_arrival: dict[tuple[str, str], float] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.note_arrival(body)
                event = api_gateway_event(body, self.headers.get("Authorization"))
                try:
                    status = receiver.app.handler(event, LambdaContext())["statusCode"]
                except Exception:
                    status = 502  # API Gateway's answer when the function fails
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the http.server signature
                return

        self._server = HTTPServer((LOOPBACK, 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="bench-webhooks", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self._server.server_port}/webhooks/tiktok"

    def note_arrival(self, body: bytes) -> None:
        self.deliveries += 1
        with contextlib.suppress(ValueError, AttributeError, TypeError, KeyError):
            data = json.loads(body).get("data") or {}
            key = (str(data["order_id"]), str(data["order_status"]))
            self.first_arrival.setdefault(key, time.time())

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# ------------------------------------------------------------------------------ SQS -> Lambda


def event_source_settings() -> tuple[int, float]:
    """BatchSize and MaximumBatchingWindowInSeconds of the shipping-requests queue event in template.yaml."""
    properties = template.resource("ShippingRequestsFunction")["Properties"]["Events"]["Queue"]["Properties"]
    return int(properties.get("BatchSize", 10)), float(properties.get("MaximumBatchingWindowInSeconds", 0))


def poll_interval_seconds() -> float:
    """The order poll's schedule from template.yaml's default (`rate(1 minute)` -> 60)."""
    return schedule_seconds(template.parameter_default("OrderPollSchedule"))


@dataclass
class ConsumerCounts:
    invocations: int = 0
    records: int = 0
    failed_records: int = 0
    crashed_invocations: int = 0


class QueueConsumer:
    """Lambda's SQS event source mapping for the shipping-requests queue, with `workers` concurrent environments.

    Each worker owns its own `app` module (a Lambda environment is one process). A batch is
    handed over when full or when the batching window has passed since its first message;
    records not reported in `batchItemFailures` are deleted. An invocation that dies with a
    BaseException (a simulated crash) deletes nothing: its messages stay in flight for
    `crash_visibility_s`, as after a Lambda timeout.
    """

    def __init__(
        self,
        stack: Stack,
        workers: int = 2,
        crash_visibility_s: int = 30,
        idle_sleep_s: float = 0.02,
        prepare: Callable[[ModuleType], None] | None = None,
    ) -> None:
        self.stack = stack
        self.batch_size, self.window_s = event_source_settings()
        self.crash_visibility_s = crash_visibility_s
        self.idle_sleep_s = idle_sleep_s
        self.counts = ConsumerCounts()
        self._counts_lock = threading.Lock()
        self._stop = threading.Event()
        self.apps = [stack.shipping_app() for _ in range(workers)]
        for app in self.apps:
            if prepare:
                prepare(app)
        self._threads = [
            threading.Thread(target=self._work, args=(app,), name=f"bench-lambda-{index}", daemon=True)
            for index, app in enumerate(self.apps)
        ]

    def __enter__(self) -> QueueConsumer:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _work(self, app: ModuleType) -> None:
        sqs, queue_url = self.stack.world.sqs, self.stack.world.queue_url
        while not self._stop.is_set():
            messages = self._collect_batch(sqs, queue_url)
            if not messages:
                time.sleep(self.idle_sleep_s)
                continue
            self._invoke(app, sqs, queue_url, messages)

    def _collect_batch(self, sqs: Any, queue_url: str) -> list[dict[str, Any]]:
        messages = self._receive(sqs, queue_url, self.batch_size)
        if not messages:
            return []
        window_ends = time.monotonic() + self.window_s
        while len(messages) < self.batch_size and time.monotonic() < window_ends and not self._stop.is_set():
            more = self._receive(sqs, queue_url, self.batch_size - len(messages))
            if more:
                messages.extend(more)
            else:
                time.sleep(self.idle_sleep_s)
        return messages

    @staticmethod
    def _receive(sqs: Any, queue_url: str, count: int) -> list[dict[str, Any]]:
        response = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=count, AttributeNames=["All"], WaitTimeSeconds=0
        )
        return response.get("Messages", [])

    def _invoke(self, app: ModuleType, sqs: Any, queue_url: str, messages: list[dict[str, Any]]) -> None:
        records = [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message["Attributes"],
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:shipping-requests",
                "awsRegion": "us-east-1",
            }
            for message in messages
        ]
        with self._counts_lock:
            self.counts.invocations += 1
            self.counts.records += len(records)
        try:
            response = app.handler({"Records": records}, LambdaContext())
        except Exception:
            # The whole invocation failed: Lambda leaves every message to its visibility timeout.
            with self._counts_lock:
                self.counts.failed_records += len(records)
            return
        except BaseException:
            with self._counts_lock:
                self.counts.crashed_invocations += 1
            for message in messages:
                sqs.change_message_visibility(
                    QueueUrl=queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=self.crash_visibility_s,
                )
            return
        failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        with self._counts_lock:
            self.counts.failed_records += len(failed)
        done = [message for message in messages if message["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                for index, message in enumerate(done[start : start + 10])
            ]
            sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)


def wait_until(condition: Callable[[], bool], timeout_s: float, every_s: float = 0.1) -> bool:
    """Poll `condition` until it holds or `timeout_s` passes; returns whether it held."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every_s)
    return condition()
