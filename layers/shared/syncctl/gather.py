"""The doctor's gatherer: fills `doctor.Facts` from a stack (hub, function switches, secrets, API checks).

The API clients are built the way the functions build them (connector_common.platforms and
settings, from the stack's secrets and a function's environment), so a check here meets the
same credentials and base URLs the connector uses. Reading only: the doctor never refreshes a
token or writes a secret. Every failure to learn a fact becomes part of the facts (why it was
not checked), never an exception for the operator.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import requests
from pydantic import ValidationError

from connector_common.platforms import extensiv_credentials, tiktok_credentials
from connector_common.retry import RetryPolicy
from connector_common.settings import PlatformSettings
from extensiv.client import ExtensivClient
from extensiv.errors import ExtensivError
from hub.fulfillments import FulfillmentRepository
from hub.locations import LocationRepository
from hub.orders import HoldReason, OrderRecord, OrderRepository, OrderState
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from syncctl.dead_letters import DeadLetterQueue
from syncctl.doctor import (
    EXTENSIV_SECRET_FIELDS,
    TIKTOK_SECRET_FIELDS,
    ConnectionFacts,
    DeadLetterFacts,
    Facts,
    OrderFacts,
    SkuFacts,
    TikTokOrderFacts,
)
from syncctl.flows import FLOWS, SHIPPING_REQUESTS
from syncctl.stack import Stack, StackError
from tiktok_shop.client import TikTokShopClient
from tiktok_shop.errors import AccessTokenExpired, TikTokShopError

logger = logging.getLogger(__name__)

# The doctor answers an operator waiting at a terminal: one retry, not four.
DOCTOR_RETRIES = RetryPolicy(attempts=2, base_delay=0.5, max_delay=2.0)


class ApiUnavailable(Exception):
    """A platform client cannot be built (secret, settings); the message says why."""


class PlatformApis(Protocol):
    """The two clients the doctor asks; tests give fakes with the same methods."""

    def extensiv(self) -> Any: ...

    def tiktok(self) -> Any: ...


class StackApis:
    """Extensiv and TikTok clients from the stack's secrets and its functions' settings."""

    def __init__(self, stack: Stack, session: requests.Session | None = None) -> None:
        self.stack = stack
        self.session = session or requests.Session()
        self._settings: PlatformSettings | None = None

    def settings(self) -> PlatformSettings:
        """The platform settings a function of the stack runs with; raises ApiUnavailable."""
        if self._settings is None:
            environment = None
            for flow in (SHIPPING_REQUESTS, *FLOWS):
                environment = self.stack.function_environment(flow.function)
                if environment and "EXTENSIV_SECRET_ARN" in environment:
                    break
            if not environment:
                raise ApiUnavailable("no function of the stack names the platforms' settings")
            try:
                self._settings = PlatformSettings.from_env(environment)
            except ValidationError as exc:
                count = exc.error_count()
                raise ApiUnavailable(f"the functions' platform settings are invalid ({count} error(s))") from None
        return self._settings

    def extensiv(self) -> ExtensivClient:
        settings = self.settings()
        secret = _secret(self.stack, settings.extensiv_secret_arn)
        try:
            credentials = extensiv_credentials(secret, settings.extensiv_environment)
            return ExtensivClient(
                credentials=credentials,
                base_url=settings.extensiv_base_url,
                session=self.session,
                retry_policy=DOCTOR_RETRIES,
            )
        except (ValidationError, ValueError) as exc:
            raise ApiUnavailable(f"the Extensiv secret or base URL is not usable: {type(exc).__name__}") from None

    def tiktok(self) -> TikTokShopClient:
        settings = self.settings()
        secret = _secret(self.stack, settings.tiktok_secret_arn)
        try:
            credentials = tiktok_credentials(secret)
        except (KeyError, ValueError) as exc:
            raise ApiUnavailable(f"the TikTok secret is not usable: {type(exc).__name__}") from None
        # No on_token_expired: refreshing would rotate the seller's tokens from an operator's machine.
        return TikTokShopClient(
            credentials=credentials,
            session=self.session,
            api_base_url=settings.tiktok_api_base_url,
            auth_base_url=settings.tiktok_auth_base_url,
            retry_policy=DOCTOR_RETRIES,
        )


def _secret(stack: Stack, arn: str) -> dict[str, Any]:
    try:
        return stack.secret(arn)
    except StackError as exc:
        raise ApiUnavailable(str(exc)) from None


def gather(
    stack: Stack,
    apis: PlatformApis,
    order_id: str | None = None,
    sku: str | None = None,
    offline: bool = False,
    clock: Callable[[], float] = time.time,
) -> Facts:
    """Read what the doctor needs for the merchant, one order or one SKU; raises StackError/HubError."""
    hub = stack.hub()
    locations = LocationRepository(hub)
    skus = SkuRepository(hub)
    orders = OrderRepository(hub)

    functions = {flow.function: stack.function_environment(flow.function) for flow in FLOWS}
    extensiv_missing, tiktok_missing, secrets_problem = _secret_gaps(stack)
    connection, skipped = _check_connection(apis, offline, extensiv_missing, secrets_problem)
    links = tuple(locations.list_links())
    dead_letters = DeadLetterQueue(stack.client("sqs"), stack.dead_letter_queue_url, stack.queue_url).list()

    facts: dict[str, Any] = {
        "now": clock(),
        "functions": functions,
        "extensiv_secret_missing": extensiv_missing,
        "tiktok_secret_missing": tiktok_missing,
        "extensiv_connection": connection,
        "extensiv_connection_skipped": skipped,
        "facilities": tuple(locations.list_facilities()),
        "warehouses": tuple(locations.list_warehouses()),
        "links": links,
        "link_problems": tuple(locations.link_problems()),
        "directions": {status.direction: status for status in SyncStateRepository(hub).list()},
        "dead_letters": tuple(
            DeadLetterFacts(letter.message_id, letter.order_id, letter.reason) for letter in dead_letters
        ),
    }
    lookups_blocked = skipped if connection is None else None
    if order_id is not None:
        facts["order"] = _order_facts(hub, orders, locations, apis, order_id, offline, links)
    elif sku is not None:
        facts["sku"] = _sku_facts(skus, orders, apis, sku, offline, connection, lookups_blocked)
    else:
        facts["skus"] = tuple(skus.list())
        facts["held_orders"] = tuple(orders.list_by_state(OrderState.HELD))
    return Facts(**facts)


def _secret_gaps(stack: Stack) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    """Which required fields each secret lacks (names only, never values)."""
    try:
        extensiv = stack.secret(stack.extensiv_secret_arn)
        tiktok = stack.secret(stack.tiktok_secret_arn)
    except StackError as exc:
        return (), (), str(exc)
    extensiv_missing = tuple(name for name in EXTENSIV_SECRET_FIELDS if not _filled(extensiv.get(name)))
    tiktok_missing = tuple(name for name in TIKTOK_SECRET_FIELDS if not _filled(tiktok.get(name)))
    return extensiv_missing, tiktok_missing, None


def _filled(value: Any) -> bool:
    return value not in (None, "", 0, "0")


def _check_connection(
    apis: PlatformApis, offline: bool, missing: tuple[str, ...], secrets_problem: str | None
) -> tuple[ConnectionFacts | None, str | None]:
    if offline:
        return None, "--offline"
    if secrets_problem:
        return None, secrets_problem
    if missing:
        return None, "the Extensiv secret is incomplete"
    try:
        check = apis.extensiv().check_connection()
    except ApiUnavailable as exc:
        return None, str(exc)
    return ConnectionFacts(check.ok, check.failed_credential, check.message), None


def _order_facts(
    hub: Any,
    orders: OrderRepository,
    locations: LocationRepository,
    apis: PlatformApis,
    order_id: str,
    offline: bool,
    links: tuple[Any, ...],
) -> OrderFacts:
    record = orders.get(order_id)
    tiktok_checked, tiktok_order, tiktok_error = _tiktok_order(apis, order_id, offline)
    warehouse_id = (record.warehouse_id if record else None) or (tiktok_order.warehouse_id if tiktok_order else None)
    if warehouse_id:
        link = locations.facility_link_for_warehouse(warehouse_id)
    else:
        # As routing does: with no warehouse id, the only link when there is exactly one.
        link = links[0] if len(links) == 1 else None
    return OrderFacts(
        order_id=order_id,
        record=record,
        audit=tuple(orders.audit_trail(order_id)) if record else (),
        tiktok_checked=tiktok_checked,
        tiktok_order=tiktok_order,
        tiktok_error=tiktok_error,
        warehouse_link=link,
        packages=tuple(FulfillmentRepository(hub).packages_of(order_id)) if record else (),
    )


def _tiktok_order(apis: PlatformApis, order_id: str, offline: bool) -> tuple[bool, TikTokOrderFacts | None, str | None]:
    if offline:
        return False, None, "--offline"
    try:
        found = apis.tiktok().get_orders([order_id])
    except ApiUnavailable as exc:
        return False, None, str(exc)
    except AccessTokenExpired:
        return False, None, "the TikTok access token is expired (the functions refresh it on their next run)"
    except TikTokShopError as exc:
        return False, None, f"TikTok answered {type(exc).__name__}: {exc}"
    if not found:
        return True, None, None
    order = found[0]
    master_skus = tuple(sorted({line.master_sku for line in order.line_items if line.master_sku}))
    facts = TikTokOrderFacts(order.status, order.fulfillment_type, order.warehouse_id, master_skus)
    return True, facts, None


def _sku_facts(
    skus: SkuRepository,
    orders: OrderRepository,
    apis: PlatformApis,
    sku: str,
    offline: bool,
    connection: ConnectionFacts | None,
    lookups_blocked: str | None,
) -> SkuFacts:
    record = skus.get(sku)
    channel_of = tuple(skus.find_by_channel_sku(sku))
    extensiv_sku = record.extensiv_sku if record else sku
    held = tuple(
        order
        for order in orders.list_by_state(OrderState.HELD)
        if _waits_for_sku(order, {sku, extensiv_sku, *(other.master_sku for other in channel_of)})
    )
    checked, found, error = False, False, None
    if offline:
        error = "--offline"
    elif connection is not None and not connection.ok:
        error = "the Extensiv connection fails"
    elif lookups_blocked:
        error = lookups_blocked
    else:
        try:
            found = apis.extensiv().find_item_by_sku(extensiv_sku) is not None
            checked = True
        except (ApiUnavailable, ExtensivError) as exc:
            error = f"{type(exc).__name__}: {exc}"
    return SkuFacts(
        sku=sku,
        record=record,
        channel_of=channel_of,
        extensiv_sku=extensiv_sku,
        extensiv_checked=checked,
        extensiv_item_found=found,
        extensiv_error=error,
        held_orders=held,
    )


def _waits_for_sku(order: OrderRecord, names: set[str]) -> bool:
    if order.reason != HoldReason.UNKNOWN_SKU:
        return False
    return bool(set((order.reason_detail or "").split(",")) & names)


__all__ = ["ApiUnavailable", "PlatformApis", "StackApis", "gather"]
