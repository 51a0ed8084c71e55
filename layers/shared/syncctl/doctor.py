"""`syncctl doctor`: which troubleshooting case of SPEC.md holds, its cause and what to do.

Pure: `diagnose(facts)` reads a `Facts` snapshot that `syncctl.gather` fills from the stack
(hub records, the functions' switches, the secrets, a few API checks) and returns findings.
Every case of SPEC "Troubleshooting the product must answer by itself" maps to findings:

    Extensiv connection fails            extensiv_secret_incomplete, extensiv_<credential>_wrong
    Extensiv does not recognise a product sku_missing_in_extensiv, channel_sku_missing_in_extensiv,
                                          held_unknown_sku, held_missing_sku
    Extensiv receives no shipping requests push_shipping_requests_off, order_out_of_scope,
                                          order_not_ingested, no_linked_facility, no_links
    Inventory does not reach TikTok       no_links, facility_unlinked, pull_inventory_off,
                                          sku_outside_inventory_scope
    Fulfillments do not appear            pull_fulfillments_off, push_fulfillments_off
    Locations do not appear               pull_locations_off
    An order went to the wrong facility   routed_by_link, link_changed_since_routing
    One SKU used by two products          sku_conflict

A flow whose function or switch the stack lacks is reported as missing, never a crash.
Severity: PROBLEM stops the merchant's, the order's or the SKU's sync (exit code 1); WARNING
may be intended (a switch left off while setting up); INFO and OK answer the question asked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from hub.fulfillments import PackageRecord, PackageState
from hub.locations import Facility, Link, LinkProblem, Warehouse
from hub.orders import HoldReason, OrderRecord, OrderState
from hub.skus import SkuRecord
from hub.sync_state import DirectionStatus
from syncctl.flows import (
    FLOWS,
    FULFILLMENTS,
    INVENTORY,
    LOCATIONS,
    PRODUCTS,
    PULL_FULFILLMENTS,
    PULL_INVENTORY,
    PULL_LOCATIONS,
    PULL_PRODUCT_CATALOG,
    PUSH_FULFILLMENTS,
    PUSH_PRODUCT_CATALOG,
    PUSH_SHIPPING_REQUESTS,
    SHIPPING_REQUESTS,
    Flow,
    Switch,
    SwitchState,
    scope_values,
    switch_state,
)
from syncctl.text import one_line

# A direction whose switch is on and that has not succeeded for this long is reported.
STALE_AFTER_S = 30 * 60
SCOPE_SHOWN = 5
EXTENSIV_SECRET_FIELDS = ("client_id", "client_secret", "customer_id", "user_id")
TIKTOK_SECRET_FIELDS = ("app_key", "app_secret", "access_token", "refresh_token", "shop_cipher")
ROUTABLE_TIKTOK_STATUS = "AWAITING_SHIPMENT"
SELLER_FULFILLED = "FULFILLMENT_BY_SELLER"
RESEND_HINT = "the order poll re-reads held orders within 15 minutes; `syncctl orders resend {order}` sends it now"


class Severity(StrEnum):
    PROBLEM = "problem"
    WARNING = "warning"
    INFO = "info"
    OK = "ok"


class Case(StrEnum):
    """The troubleshooting cases of SPEC.md, plus the stack's own health."""

    EXTENSIV_CONNECTION = "extensiv_connection"
    PRODUCT_NOT_RECOGNISED = "product_not_recognised"
    NO_SHIPPING_REQUESTS = "no_shipping_requests"
    INVENTORY = "inventory_not_reaching_tiktok"
    FULFILLMENTS = "fulfillments_not_appearing"
    LOCATIONS = "locations_not_appearing"
    ORDER_FACILITY = "order_facility"
    SKU_CONFLICT = "sku_conflict"
    OPERATIONS = "operations"


CASE_TITLES = {
    Case.EXTENSIV_CONNECTION: "Extensiv connection",
    Case.PRODUCT_NOT_RECOGNISED: "Extensiv does not recognise a product",
    Case.NO_SHIPPING_REQUESTS: "Extensiv receives no shipping requests",
    Case.INVENTORY: "Inventory does not reach TikTok",
    Case.FULFILLMENTS: "Fulfillments do not appear",
    Case.LOCATIONS: "Locations do not appear",
    Case.ORDER_FACILITY: "Which facility an order went to",
    Case.SKU_CONFLICT: "One SKU used by two products",
    Case.OPERATIONS: "Stack health",
}
_CASE_ORDER = {case: index for index, case in enumerate(Case)}
_SEVERITY_ORDER = {severity: index for index, severity in enumerate(Severity)}


@dataclass(frozen=True)
class Finding:
    """One cause that holds, and what the operator should do about it."""

    code: str
    severity: Severity
    case: Case
    cause: str
    advice: str
    subject: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "case": self.case.value,
            "subject": self.subject,
            "cause": self.cause,
            "advice": self.advice,
        }


# --- facts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionFacts:
    """What `ExtensivClient.check_connection()` answered."""

    ok: bool
    failed_credential: str | None
    message: str


@dataclass(frozen=True)
class DeadLetterFacts:
    message_id: str
    order_id: str | None
    reason: str | None


@dataclass(frozen=True)
class TikTokOrderFacts:
    """The order as TikTok reads it now (Get Order Detail)."""

    status: str
    fulfillment_type: str | None = None
    warehouse_id: str | None = None
    master_skus: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderFacts:
    order_id: str
    record: OrderRecord | None = None
    audit: tuple[Mapping[str, Any], ...] = ()
    tiktok_checked: bool = False
    # Checked and None: TikTok does not return the order for this shop.
    tiktok_order: TikTokOrderFacts | None = None
    tiktok_error: str | None = None
    # The link routing would use now: the warehouse's link, or with no warehouse id the only
    # link when there is exactly one (shipping_routing). None: routing finds no facility.
    warehouse_link: Link | None = None
    packages: tuple[PackageRecord, ...] = ()

    @property
    def warehouse_id(self) -> str | None:
        if self.record is not None and self.record.warehouse_id:
            return self.record.warehouse_id
        return self.tiktok_order.warehouse_id if self.tiktok_order else None


@dataclass(frozen=True)
class SkuFacts:
    sku: str
    record: SkuRecord | None = None
    # Master SKUs whose Extensiv channel SKU is `sku` (when the operator asked by Extensiv SKU).
    channel_of: tuple[SkuRecord, ...] = ()
    # The SKU looked up in Extensiv: the record's channel SKU, else the SKU itself.
    extensiv_sku: str | None = None
    extensiv_checked: bool = False
    extensiv_item_found: bool = False
    extensiv_error: str | None = None
    held_orders: tuple[OrderRecord, ...] = ()


@dataclass(frozen=True)
class Facts:
    """Everything the doctor knows about one stack, for the merchant, one order or one SKU."""

    now: float
    # Logical id -> environment variables; None (or absent) when the stack has no such function.
    functions: Mapping[str, Mapping[str, str] | None] = field(default_factory=dict)
    extensiv_secret_missing: tuple[str, ...] = ()
    tiktok_secret_missing: tuple[str, ...] = ()
    extensiv_connection: ConnectionFacts | None = None
    extensiv_connection_skipped: str | None = None
    facilities: tuple[Facility, ...] = ()
    warehouses: tuple[Warehouse, ...] = ()
    links: tuple[Link, ...] = ()
    link_problems: tuple[LinkProblem, ...] = ()
    skus: tuple[SkuRecord, ...] = ()
    held_orders: tuple[OrderRecord, ...] = ()
    directions: Mapping[str, DirectionStatus] = field(default_factory=dict)
    dead_letters: tuple[DeadLetterFacts, ...] = ()
    order: OrderFacts | None = None
    sku: SkuFacts | None = None

    def environment(self, flow: Flow) -> Mapping[str, str] | None:
        return self.functions.get(flow.function)

    def switch(self, flow: Flow, switch: Switch) -> SwitchState:
        return switch_state(self.environment(flow), switch)

    def scope(self, flow: Flow) -> frozenset[str] | None:
        return scope_values(self.environment(flow), flow.scope) if flow.scope else None

    @property
    def extensiv_environment(self) -> str:
        for environment in self.functions.values():
            if environment and environment.get("EXTENSIV_ENVIRONMENT"):
                return environment["EXTENSIV_ENVIRONMENT"]
        return "unknown"


# --- diagnosis ------------------------------------------------------------------------------------


def diagnose(facts: Facts) -> list[Finding]:
    """Every finding that holds, grouped by troubleshooting case, problems first within a case."""
    findings = [*_connection(facts), *_tiktok_secret(facts)]
    if facts.order is not None:
        findings += _order(facts, facts.order)
    elif facts.sku is not None:
        findings += _sku(facts, facts.sku)
    else:
        findings += _merchant(facts)
    return sorted(findings, key=lambda finding: (_CASE_ORDER[finding.case], _SEVERITY_ORDER[finding.severity]))


def has_problems(findings: list[Finding]) -> bool:
    return any(finding.severity == Severity.PROBLEM for finding in findings)


def _merchant(facts: Facts) -> list[Finding]:
    return [
        *_shipping_requests(facts),
        *_held_orders(facts),
        *_links(facts),
        *_inventory(facts),
        *_fulfillments(facts, Severity.WARNING),
        *_locations(facts),
        *_catalog(facts),
        *_conflicts(facts.skus),
        *_directions(facts),
        *_dead_letters(facts.dead_letters),
    ]


# --- Extensiv connection -------------------------------------------------------------------------

_CREDENTIAL_ADVICE = {
    "client_id_or_secret": (
        "Check client_id and client_secret in the stack's Extensiv secret, and that they were issued for the "
        "{environment} environment (stack parameter ExtensivEnvironment): credentials of the other environment "
        "do not work there."
    ),
    "user_id": (
        "Check user_id in the Extensiv secret: the numeric id of the Extensiv user the connector acts as. If the "
        "credential expects the user's login name, set user_login_field to user_login (and user_login to it)."
    ),
    "customer_id": (
        "Check customer_id in the Extensiv secret, and that the Extensiv user is assigned to that customer with "
        "the CustomerView role."
    ),
    "environment": (
        "Check the stack parameter ExtensivEnvironment (now {environment}) and ExtensivBaseUrl: the token call "
        "did not reach an Extensiv token endpoint there."
    ),
}


def _connection(facts: Facts) -> list[Finding]:
    case = Case.EXTENSIV_CONNECTION
    if facts.extensiv_secret_missing:
        missing = ", ".join(facts.extensiv_secret_missing)
        return [
            Finding(
                "extensiv_secret_incomplete",
                Severity.PROBLEM,
                case,
                f"Extensiv connection fails: the stack's Extensiv secret has no {missing}.",
                "Put all four values (client_id, client_secret, customer_id, user_id) in the secret named by the "
                "stack output ExtensivSecretArn (aws secretsmanager put-secret-value), then run `syncctl doctor`.",
            )
        ]
    check = facts.extensiv_connection
    if check is None:
        reason = facts.extensiv_connection_skipped or "not asked"
        return [
            Finding(
                "extensiv_not_checked",
                Severity.INFO,
                case,
                f"The Extensiv connection was not checked: {reason}.",
                "Run `syncctl doctor` without --offline, from a machine that reaches Extensiv.",
            )
        ]
    if check.ok:
        return [Finding("extensiv_connected", Severity.OK, case, f"Extensiv connection works: {check.message}.", "")]
    credential = check.failed_credential
    if credential is None:
        return [
            Finding(
                "extensiv_unavailable",
                Severity.PROBLEM,
                case,
                f"Extensiv connection fails, not because of a credential: {check.message}",
                "Try again later; if it persists, check Extensiv's status and the stack parameter ExtensivBaseUrl.",
            )
        ]
    template = _CREDENTIAL_ADVICE.get(credential, "Check the Extensiv secret and the ExtensivEnvironment parameter.")
    return [
        Finding(
            f"extensiv_{credential}_wrong",
            Severity.PROBLEM,
            case,
            f"Extensiv connection fails ({_credential_words(credential)}): {check.message}",
            template.format(environment=facts.extensiv_environment),
            subject=credential,
        )
    ]


def _credential_words(credential: str) -> str:
    return {
        "client_id_or_secret": "the Client Id or Client Secret is wrong",
        "user_id": "the User ID is wrong",
        "customer_id": "the Customer ID is wrong",
        "environment": "the environment or base URL is wrong",
    }.get(credential, credential)


def _tiktok_secret(facts: Facts) -> list[Finding]:
    if not facts.tiktok_secret_missing:
        return []
    missing = ", ".join(facts.tiktok_secret_missing)
    return [
        Finding(
            "tiktok_secret_incomplete",
            Severity.PROBLEM,
            Case.OPERATIONS,
            f"The stack's TikTok secret has no {missing}: no flow can read or write TikTok Shop.",
            "Put the app key and secret, the seller's tokens and the shop cipher in the secret named by the stack "
            "output TikTokSecretArn (README: Connect TikTok Shop).",
        )
    ]


# --- shipping requests ---------------------------------------------------------------------------


def _shipping_requests(facts: Facts, blocking: bool = False, order_id: str | None = None) -> list[Finding]:
    """The switch and the order-id scope; for one order, whether they stop it."""
    case = Case.NO_SHIPPING_REQUESTS
    state = facts.switch(SHIPPING_REQUESTS, PUSH_SHIPPING_REQUESTS)
    if state == SwitchState.ABSENT:
        return [_flow_missing(SHIPPING_REQUESTS, case, Severity.PROBLEM, "no TikTok order can reach Extensiv")]
    findings = []
    if state == SwitchState.OFF:
        findings.append(
            Finding(
                "push_shipping_requests_off",
                Severity.PROBLEM if blocking else Severity.WARNING,
                case,
                "The push of shipping requests is off (PushShippingRequests=false): orders are held with reason "
                "push_disabled and none reaches Extensiv.",
                f"When the setup is checked, {_set_parameter('PushShippingRequests', 'true')}; "
                + RESEND_HINT.format(order=order_id or "<order id>")
                + ".",
                subject=order_id,
            )
        )
    scope = facts.scope(SHIPPING_REQUESTS) or frozenset()
    if scope and order_id is None:
        findings.append(
            Finding(
                "order_id_scope_set",
                Severity.WARNING,
                case,
                f"Only {len(scope)} TikTok order id(s) are sent to Extensiv (OrderIdScope: {_shown(scope)}); every "
                "other order is held with reason out_of_scope.",
                f"For the full volume, {_set_parameter('OrderIdScope', '')}.",
            )
        )
    if scope and order_id is not None and order_id not in scope:
        findings.append(
            Finding(
                "order_out_of_scope",
                Severity.PROBLEM,
                case,
                f"Order {order_id} is outside the order-id scope (OrderIdScope: {_shown(scope)}): it is held with "
                "reason out_of_scope.",
                "Add it to OrderIdScope, or empty the scope for the full volume, and run `sam deploy`; "
                + RESEND_HINT.format(order=order_id)
                + ".",
                subject=order_id,
            )
        )
    return findings


@dataclass(frozen=True)
class _Hold:
    severity: Severity
    case: Case
    cause: str
    advice: str


_HOLDS: dict[str, _Hold] = {
    HoldReason.ON_HOLD: _Hold(
        Severity.INFO,
        Case.NO_SHIPPING_REQUESTS,
        "{subject} in the buyer's hold window on TikTok (about an hour after payment).",
        "Nothing to do: the order poll sends it when TikTok releases it.",
    ),
    HoldReason.CANCEL_REQUESTED: _Hold(
        Severity.INFO,
        Case.NO_SHIPPING_REQUESTS,
        "{subject} held: the buyer asked TikTok to cancel it.",
        "Answer the cancel request in TikTok Seller Center; a rejected request lets the order go on.",
    ),
    HoldReason.PUSH_DISABLED: _Hold(
        Severity.PROBLEM,
        Case.NO_SHIPPING_REQUESTS,
        "{subject} held because the push of shipping requests was off.",
        "Switch it on ({parameter}); " + RESEND_HINT + ".",
    ),
    HoldReason.OUT_OF_SCOPE: _Hold(
        Severity.INFO,
        Case.NO_SHIPPING_REQUESTS,
        "{subject} held because it is outside the order-id scope (OrderIdScope).",
        "Add the order to OrderIdScope, or empty it for the full volume, and run `sam deploy`; " + RESEND_HINT + ".",
    ),
    HoldReason.MISSING_ADDRESS: _Hold(
        Severity.PROBLEM,
        Case.NO_SHIPPING_REQUESTS,
        "{subject} held because TikTok gives no complete ship-to address (missing: {detail}).",
        "Check the order in TikTok Seller Center (the address is readable only after the hold window); "
        + RESEND_HINT
        + ".",
    ),
    HoldReason.NO_LINKED_FACILITY: _Hold(
        Severity.PROBLEM,
        Case.NO_SHIPPING_REQUESTS,
        "{subject} held because routing found no Extensiv facility linked to its TikTok warehouse ({detail}).",
        "Link the warehouse: `syncctl locations list`, then `syncctl locations link <warehouse_id> <facility_id>`; "
        + RESEND_HINT
        + ".",
    ),
    HoldReason.MISSING_SKU: _Hold(
        Severity.PROBLEM,
        Case.PRODUCT_NOT_RECOGNISED,
        "{subject} held because line items carry no seller SKU on TikTok (line items: {detail}).",
        "Give every TikTok product variant a seller SKU (the master SKU the warehouse knows); " + RESEND_HINT + ".",
    ),
    HoldReason.UNKNOWN_SKU: _Hold(
        Severity.PROBLEM,
        Case.PRODUCT_NOT_RECOGNISED,
        "{subject} held because Extensiv does not recognise SKU {detail}.",
        "Create the item in Extensiv, or map the master SKU to the SKU Extensiv uses (`syncctl sku set-channel "
        "<master> <extensiv sku>`), or switch on the catalog push (PushProductCatalog); `syncctl doctor --sku "
        "<sku>` tells which. Then " + RESEND_HINT + ".",
    ),
    HoldReason.EXTENSIV_REJECTED: _Hold(
        Severity.PROBLEM,
        Case.NO_SHIPPING_REQUESTS,
        "{subject} held: Extensiv rejected it ({detail}).",
        "Fix what Extensiv names (the customer's required fields, the facility, the SKU); " + RESEND_HINT + ".",
    ),
}


def _held_orders(facts: Facts) -> list[Finding]:
    by_reason: dict[str, list[OrderRecord]] = defaultdict(list)
    for record in facts.held_orders:
        by_reason[record.reason or "unknown"].append(record)
    findings = []
    for reason, records in sorted(by_reason.items()):
        hold = _HOLDS.get(reason)
        ids = _shown(record.order_id for record in records)
        details = _shown(record.reason_detail for record in records if record.reason_detail)
        subject = f"{len(records)} order(s) ({ids}) are"
        if hold is None:
            findings.append(
                Finding(
                    f"held_{reason}",
                    Severity.PROBLEM,
                    Case.NO_SHIPPING_REQUESTS,
                    f"{subject} held with reason {reason}.",
                    "See `syncctl orders held --reason " + reason + "` and `syncctl doctor --order <id>`.",
                )
            )
            continue
        findings.append(
            Finding(
                f"held_{reason}",
                hold.severity,
                hold.case,
                hold.cause.format(subject=subject, detail=details or "-"),
                hold.advice.format(order="<order id>", parameter=_set_parameter("PushShippingRequests", "true")),
                subject=reason,
            )
        )
    return findings


# --- locations and links -------------------------------------------------------------------------


def _links(facts: Facts) -> list[Finding]:
    if not facts.links:
        return _no_links(facts)
    linked_facilities = {link.facility_id for link in facts.links}
    linked_warehouses = {link.warehouse_id for link in facts.links}
    findings = []
    for facility in facts.facilities:
        if facility.is_active and facility.facility_id not in linked_facilities:
            findings.append(
                Finding(
                    "facility_unlinked",
                    Severity.WARNING,
                    Case.INVENTORY,
                    f"Extensiv facility {facility.facility_id} ({facility.name}) is linked to no TikTok warehouse: "
                    "its stock has nowhere to go on TikTok (reported by each inventory run, not dropped).",
                    "If TikTok sells from this facility, link it: `syncctl locations link <warehouse_id> "
                    f"{facility.facility_id}`.",
                    subject=facility.facility_id,
                )
            )
    for warehouse in facts.warehouses:
        sells = warehouse.warehouse_type is None or warehouse.is_sales_warehouse
        if sells and warehouse.is_active and warehouse.warehouse_id not in linked_warehouses:
            findings.append(
                Finding(
                    "warehouse_unlinked",
                    Severity.WARNING,
                    Case.NO_SHIPPING_REQUESTS,
                    f"TikTok warehouse {warehouse.warehouse_id} ({warehouse.name}) is linked to no Extensiv facility: "
                    "its orders are held with reason no_linked_facility.",
                    f"Link it: `syncctl locations link {warehouse.warehouse_id} <facility_id>`.",
                    subject=warehouse.warehouse_id,
                )
            )
    for problem in facts.link_problems:
        link = problem.link
        findings.append(
            Finding(
                "link_problem",
                Severity.WARNING,
                Case.ORDER_FACILITY,
                f"The link of TikTok warehouse {link.warehouse_id} to Extensiv facility {link.facility_id} cannot "
                f"serve: {problem.problem.replace('_', ' ')}.",
                "Check both sides (`syncctl locations list`) and link the warehouse to a facility that works.",
                subject=link.warehouse_id,
            )
        )
    return findings


def _no_links(facts: Facts) -> list[Finding]:
    advice = "See `syncctl locations list`, then `syncctl locations link <warehouse_id> <facility_id>` for each "
    advice += "TikTok sales warehouse."
    findings = [
        Finding(
            "no_links",
            Severity.PROBLEM,
            Case.NO_SHIPPING_REQUESTS,
            "No TikTok warehouse is linked to an Extensiv facility: routing holds every order with reason "
            "no_linked_facility.",
            advice,
        )
    ]
    if facts.switch(INVENTORY, PULL_INVENTORY) != SwitchState.ABSENT:
        findings.append(
            Finding(
                "no_links",
                Severity.PROBLEM,
                Case.INVENTORY,
                "No linked location: Extensiv stock has no TikTok warehouse to go to.",
                advice,
            )
        )
    return findings


def _locations(facts: Facts) -> list[Finding]:
    case = Case.LOCATIONS
    state = facts.switch(LOCATIONS, PULL_LOCATIONS)
    if state == SwitchState.ABSENT:
        return [_flow_missing(LOCATIONS, case, Severity.WARNING, "facilities and warehouses are not pulled")]
    if state == SwitchState.OFF:
        return [
            Finding(
                "pull_locations_off",
                Severity.PROBLEM if not facts.facilities else Severity.WARNING,
                case,
                "The location pull is off (PullLocations=false): Extensiv facilities and TikTok warehouses do not "
                "appear in the hub" + (" (none has so far)." if not facts.facilities else ", or stay as last pulled."),
                f"{_sentence(_set_parameter('PullLocations', 'true'))}; then `syncctl sync locations`.",
            )
        ]
    if not facts.facilities and not _has_run(facts, LOCATIONS):
        return [
            Finding(
                "locations_not_pulled_yet",
                Severity.INFO,
                case,
                "The location pull is on but has not run yet: no facility is in the hub.",
                "Wait for the schedule or run `syncctl sync locations`.",
            )
        ]
    return []


# --- inventory -----------------------------------------------------------------------------------


def _inventory(facts: Facts, sku: str | None = None) -> list[Finding]:
    case = Case.INVENTORY
    blocking = sku is not None
    state = facts.switch(INVENTORY, PULL_INVENTORY)
    if state == SwitchState.ABSENT:
        severity = Severity.PROBLEM if blocking else Severity.WARNING
        return [_flow_missing(INVENTORY, case, severity, "stock does not reach TikTok", subject=sku)]
    findings = []
    if state == SwitchState.OFF:
        findings.append(
            Finding(
                "pull_inventory_off",
                Severity.PROBLEM if blocking else Severity.WARNING,
                case,
                "The inventory pull is off (PullInventory=false): no Extensiv stock reaches TikTok.",
                f"When the links are checked, {_set_parameter('PullInventory', 'true')}; then `syncctl resync "
                "inventory` pushes every SKU once.",
                subject=sku,
            )
        )
    scope = facts.scope(INVENTORY) or frozenset()
    if scope and sku is None:
        findings.append(
            Finding(
                "inventory_scope_set",
                Severity.WARNING,
                case,
                f"Only {len(scope)} SKU(s) are in the inventory scope (InventorySkuScope: {_shown(scope)}); the stock "
                "of every other SKU is left alone on TikTok.",
                f"For every SKU, {_set_parameter('InventorySkuScope', '')}.",
            )
        )
    if scope and sku is not None and sku not in scope:
        findings.append(
            Finding(
                "sku_outside_inventory_scope",
                Severity.PROBLEM,
                case,
                f"SKU {sku} is outside the inventory scope (InventorySkuScope: {_shown(scope)}): its stock is not "
                "pushed to TikTok.",
                "Add the SKU to InventorySkuScope (or empty it for every SKU) and run `sam deploy`; then `syncctl "
                "resync inventory`.",
                subject=sku,
            )
        )
    if blocking and not facts.links:
        findings.append(
            Finding(
                "no_links",
                Severity.PROBLEM,
                case,
                "No linked location: Extensiv stock has no TikTok warehouse to go to.",
                "`syncctl locations list`, then `syncctl locations link <warehouse_id> <facility_id>`.",
                subject=sku,
            )
        )
    return findings


# --- fulfillments ---------------------------------------------------------------------------------


def _fulfillments(facts: Facts, severity: Severity, order_id: str | None = None) -> list[Finding]:
    case = Case.FULFILLMENTS
    pull = facts.switch(FULFILLMENTS, PULL_FULFILLMENTS)
    push = facts.switch(FULFILLMENTS, PUSH_FULFILLMENTS)
    if pull == SwitchState.ABSENT and push == SwitchState.ABSENT:
        return [_flow_missing(FULFILLMENTS, case, severity, "tracking never reaches TikTok", subject=order_id)]
    findings = []
    if pull != SwitchState.ON:
        findings.append(
            Finding(
                "pull_fulfillments_off",
                severity,
                case,
                "The pull of fulfillments from Extensiv is off (PullFulfillments=false): shipped Extensiv orders "
                "are not recorded in the hub, so no tracking can reach TikTok.",
                f"{_sentence(_set_parameter('PullFulfillments', 'true'))}.",
                subject=order_id,
            )
        )
    if push != SwitchState.ON:
        findings.append(
            Finding(
                "push_fulfillments_off",
                severity,
                case,
                "The push of fulfillments to TikTok is off (PushFulfillments=false): shipped packages are recorded "
                "in the hub but not marked shipped on TikTok.",
                f"{_sentence(_set_parameter('PushFulfillments', 'true'))} (carriers are checked before the one "
                "allowed tracking correction is spent).",
                subject=order_id,
            )
        )
    return findings


# --- catalog and SKUs -----------------------------------------------------------------------------


def _catalog(facts: Facts) -> list[Finding]:
    state = facts.switch(PRODUCTS, PUSH_PRODUCT_CATALOG)
    if state == SwitchState.ON:
        return []
    what = "this stack has no catalog push (ProductsFunction)" if state == SwitchState.ABSENT else "it is off"
    return [
        Finding(
            "catalog_push_off",
            Severity.INFO,
            Case.PRODUCT_NOT_RECOGNISED,
            f"The catalog push to Extensiv is not in use ({what}): Extensiv must already know every SKU, "
            "or a channel SKU must map it.",
            "Nothing to do if Extensiv already has the items; otherwise see `syncctl doctor --sku <sku>`.",
        )
    ]


def _conflicts(records: tuple[SkuRecord, ...]) -> list[Finding]:
    return [
        Finding(
            "sku_conflict",
            Severity.PROBLEM,
            Case.SKU_CONFLICT,
            f"SKU {record.master_sku} is used by two or more TikTok products ({record.product_id}, "
            f"{', '.join(record.conflicting_product_ids)}): it is reported as a conflict and its stock is not pushed.",
            "Give each TikTok product variant its own seller SKU in TikTok Seller Center; the conflict clears on "
            "the next catalog pull.",
            subject=record.master_sku,
        )
        for record in records
        if record.has_conflict
    ]


def _sku(facts: Facts, sku: SkuFacts) -> list[Finding]:
    findings: list[Finding] = []
    record = sku.record
    if record is None and not sku.channel_of:
        pull = facts.switch(PRODUCTS, PULL_PRODUCT_CATALOG)
        advice = "Check the seller SKU in TikTok Seller Center; `syncctl sku list` shows what the hub knows."
        if pull != SwitchState.ON:
            advice += " The catalog pull is " + ("off" if pull == SwitchState.OFF else "not in this stack")
            advice += f" ({_set_parameter('PullProductCatalog', 'true')})." if pull == SwitchState.OFF else "."
        findings.append(
            Finding(
                "sku_unknown_to_hub",
                Severity.WARNING,
                Case.PRODUCT_NOT_RECOGNISED,
                f"The hub has no SKU {sku.sku}: the TikTok catalog has not been pulled, or {sku.sku} is not a TikTok "
                "seller SKU nor a channel SKU set here.",
                advice,
                subject=sku.sku,
            )
        )
    if len(sku.channel_of) > 1:
        masters = ", ".join(other.master_sku for other in sku.channel_of)
        findings.append(
            Finding(
                "channel_sku_shared",
                Severity.WARNING,
                Case.PRODUCT_NOT_RECOGNISED,
                f"Extensiv SKU {sku.sku} is the channel SKU of several master SKUs ({masters}): Extensiv stock of "
                "it cannot be told apart per TikTok product.",
                "Keep one mapping: `syncctl sku remove-channel <master>` for the others.",
                subject=sku.sku,
            )
        )
    elif sku.channel_of:
        findings.append(
            Finding(
                "channel_sku_of",
                Severity.INFO,
                Case.PRODUCT_NOT_RECOGNISED,
                f"{sku.sku} is the Extensiv channel SKU of master SKU {sku.channel_of[0].master_sku}.",
                "",
                subject=sku.sku,
            )
        )
    findings += _extensiv_item(facts, sku)
    findings += _conflicts(tuple(item for item in (record, *sku.channel_of) if item is not None))
    findings += _inventory(facts, sku=record.master_sku if record else sku.sku)
    for held in sku.held_orders:
        hold = _HOLDS.get(held.reason or "")
        findings.append(
            Finding(
                f"held_{held.reason}",
                hold.severity if hold else Severity.PROBLEM,
                hold.case if hold else Case.NO_SHIPPING_REQUESTS,
                f"Order {held.order_id} waits for this SKU (held: {held.reason}, {held.reason_detail or '-'}).",
                _sentence(RESEND_HINT.format(order=held.order_id)) + " once the SKU is fixed.",
                subject=held.order_id,
            )
        )
    return findings


def _extensiv_item(facts: Facts, sku: SkuFacts) -> list[Finding]:
    case = Case.PRODUCT_NOT_RECOGNISED
    asked = sku.extensiv_sku or sku.sku
    if not sku.extensiv_checked:
        reason = sku.extensiv_error or "not asked"
        return [
            Finding(
                "extensiv_item_not_checked",
                Severity.INFO,
                case,
                f"Whether Extensiv knows {asked} was not checked: {reason}.",
                "Fix the Extensiv connection first (see above), then run `syncctl doctor --sku` again.",
                subject=sku.sku,
            )
        ]
    if sku.extensiv_item_found:
        return [Finding("extensiv_item_found", Severity.OK, case, f"Extensiv knows item {asked}.", "", subject=asked)]
    record = sku.record
    if record is not None and record.channel_sku:
        return [
            Finding(
                "channel_sku_missing_in_extensiv",
                Severity.PROBLEM,
                case,
                f"Extensiv does not recognise {record.channel_sku}, the channel SKU set for master SKU "
                f"{record.master_sku}: orders and stock of it fail.",
                f"Set the SKU Extensiv really uses: `syncctl sku set-channel {record.master_sku} <extensiv sku>`, "
                f"or create item {record.channel_sku} in Extensiv.",
                subject=record.master_sku,
            )
        ]
    return [
        Finding(
            "sku_missing_in_extensiv",
            Severity.PROBLEM,
            case,
            f"Extensiv does not recognise SKU {asked} and no channel SKU maps it: orders with it are held "
            f"(unknown_sku) and its stock is not read.",
            f"If Extensiv knows the product under another SKU, map it: `syncctl sku set-channel {asked} <extensiv "
            f"sku>`. Otherwise {_catalog_advice(facts)}.",
            subject=asked,
        )
    ]


def _catalog_advice(facts: Facts) -> str:
    state = facts.switch(PRODUCTS, PUSH_PRODUCT_CATALOG)
    if state == SwitchState.ABSENT:
        return "create the item in Extensiv (this stack has no catalog push)"
    if state == SwitchState.OFF:
        return (
            "create the item in Extensiv, or let the connector do it: the catalog push is off, "
            + _set_parameter("PushProductCatalog", "true")
            + ", then `syncctl resync catalog`"
        )
    return (
        "the catalog push is on but has not created it yet: see `syncctl status` (products), then `syncctl "
        "resync catalog`"
    )


# --- one order -----------------------------------------------------------------------------------


def _order(facts: Facts, order: OrderFacts) -> list[Finding]:
    order_id = order.order_id
    findings = [*_order_dead_letters(facts, order_id)]
    record = order.record
    if record is None:
        findings += _not_ingested(order)
        findings += _would_stop(facts, order)
        return findings
    if record.state == OrderState.RECEIVED:
        findings.append(
            Finding(
                "order_received",
                Severity.INFO,
                Case.NO_SHIPPING_REQUESTS,
                f"The hub received order {order_id} but has not decided on it yet.",
                "The shipping-requests queue processes it shortly; " + RESEND_HINT.format(order=order_id) + ".",
                subject=order_id,
            )
        )
        findings += _would_stop(facts, order)
    elif record.state == OrderState.HELD:
        findings += _held(facts, order, record)
    elif record.state == OrderState.SUBMITTING:
        findings.append(
            Finding(
                "order_submitting",
                Severity.WARNING,
                Case.NO_SHIPPING_REQUESTS,
                f"Order {order_id} is being sent to Extensiv, or the last attempt failed"
                + (f" ({one_line(record.last_error)})." if record.last_error else "."),
                "The queue retries it, and each retry first asks Extensiv for the reference, so it is never created "
                "twice; if it sits in the dead letters, `syncctl dead-letters replay <message id>`.",
                subject=order_id,
            )
        )
    elif record.state in (OrderState.SUBMITTED, OrderState.SHIPPED, OrderState.FULFILLED):
        findings += _routed(order, record)
        findings += _order_fulfillment(facts, order, record)
    elif record.state == OrderState.CANCELLED:
        findings.append(
            Finding(
                "order_cancelled",
                Severity.INFO,
                Case.NO_SHIPPING_REQUESTS,
                f"Order {order_id} was cancelled ({record.reason or 'no reason recorded'}); nothing goes to Extensiv.",
                "",
                subject=order_id,
            )
        )
    elif record.state == OrderState.SKIPPED:
        findings.append(
            Finding(
                "order_not_for_the_warehouse",
                Severity.INFO,
                Case.NO_SHIPPING_REQUESTS,
                f"Order {order_id} is not the warehouse's to ship ({record.reason}"
                + (f", {record.reason_detail}" if record.reason_detail else "")
                + "), for example fulfilled by TikTok.",
                "",
                subject=order_id,
            )
        )
    return findings


def _not_ingested(order: OrderFacts) -> list[Finding]:
    order_id = order.order_id
    case = Case.NO_SHIPPING_REQUESTS
    advice = (
        "Check that the TikTok webhook is registered to the stack output WebhookUrl and that the order poll runs "
        f"(`syncctl status`); `syncctl orders resend {order_id}` sends it now."
    )
    if not order.tiktok_checked:
        reason = f" (TikTok was not asked: {order.tiktok_error or 'offline'})"
        return [
            Finding(
                "order_not_ingested",
                Severity.PROBLEM,
                case,
                f"The hub never saw order {order_id}{reason}.",
                advice,
                subject=order_id,
            )
        ]
    tiktok = order.tiktok_order
    if tiktok is None:
        return [
            Finding(
                "order_unknown_to_tiktok",
                Severity.PROBLEM,
                case,
                f"Neither the hub nor TikTok (for this stack's shop) knows order {order_id}.",
                "Check the id (a TikTok order id, not a package id) and that the stack's TikTok secret is for the "
                "shop that sold it (shop_cipher).",
                subject=order_id,
            )
        ]
    findings = [
        Finding(
            "order_not_ingested",
            Severity.PROBLEM,
            case,
            f"TikTok has order {order_id} (status {tiktok.status}) but the hub never saw it: no webhook reached the "
            "stack and no poll picked it up.",
            advice,
            subject=order_id,
        )
    ]
    if tiktok.fulfillment_type and tiktok.fulfillment_type != SELLER_FULFILLED:
        findings.append(
            Finding(
                "order_not_seller_fulfilled",
                Severity.INFO,
                case,
                f"Order {order_id} is {tiktok.fulfillment_type}: TikTok ships it, so it never goes to Extensiv.",
                "",
                subject=order_id,
            )
        )
    return findings


def _would_stop(facts: Facts, order: OrderFacts) -> list[Finding]:
    """Conditions that will hold an order that has not been decided on yet."""
    findings = _shipping_requests(facts, blocking=True, order_id=order.order_id)
    if order.warehouse_link is None:
        warehouse = order.warehouse_id or "(none)"
        findings.append(
            Finding(
                "no_linked_facility",
                Severity.PROBLEM,
                Case.NO_SHIPPING_REQUESTS,
                f"Routing will find no Extensiv facility for order {order.order_id}: its TikTok warehouse {warehouse} "
                "is not linked.",
                f"`syncctl locations link {order.warehouse_id or '<warehouse_id>'} <facility_id>`; "
                + RESEND_HINT.format(order=order.order_id)
                + ".",
                subject=order.order_id,
            )
        )
    return findings


_CLEARS_BY_ITSELF = frozenset(reason.value for reason in HoldReason if reason.clears_by_itself)


def _held(facts: Facts, order: OrderFacts, record: OrderRecord) -> list[Finding]:
    order_id = order.order_id
    reason = record.reason or "unknown"
    hold = _HOLDS.get(reason)
    subject = f"Order {order_id} is"
    if hold is None:
        return [
            Finding(
                f"held_{reason}",
                Severity.PROBLEM,
                Case.NO_SHIPPING_REQUESTS,
                f"{subject} held with reason {reason} ({record.reason_detail or '-'}).",
                _sentence(RESEND_HINT.format(order=order_id)) + " once the cause is fixed.",
                subject=order_id,
            )
        ]
    advice = hold.advice.format(order=order_id, parameter=_set_parameter("PushShippingRequests", "true"))
    fixed = _cause_fixed(facts, order, reason)
    if fixed:
        advice = f"{fixed} `syncctl orders resend {order_id}` sends it now (or wait for the poll)."
    findings = [
        Finding(
            f"held_{reason}",
            hold.severity,
            hold.case,
            hold.cause.format(subject=subject, detail=record.reason_detail or "-"),
            advice,
            subject=order_id,
        )
    ]
    if reason in (HoldReason.PUSH_DISABLED, HoldReason.OUT_OF_SCOPE) and not fixed:
        findings += _shipping_requests(facts, blocking=True, order_id=order_id)
    if reason in _CLEARS_BY_ITSELF:
        # Once TikTok releases it, these decide whether it reaches Extensiv.
        findings += _would_stop(facts, order)
    return findings


def _cause_fixed(facts: Facts, order: OrderFacts, reason: str) -> str | None:
    """Words saying the cause of a hold is gone now, or None."""
    if reason == HoldReason.PUSH_DISABLED and facts.switch(SHIPPING_REQUESTS, PUSH_SHIPPING_REQUESTS) == SwitchState.ON:
        return "The push is on now."
    scope = facts.scope(SHIPPING_REQUESTS)
    if reason == HoldReason.OUT_OF_SCOPE and scope is not None and (not scope or order.order_id in scope):
        return "The order is in scope now."
    if reason == HoldReason.NO_LINKED_FACILITY and order.warehouse_link is not None:
        link = order.warehouse_link
        return f"Warehouse {link.warehouse_id} is linked to facility {link.facility_id} now."
    return None


def _routed(order: OrderFacts, record: OrderRecord) -> list[Finding]:
    order_id = order.order_id
    warehouse = record.warehouse_id or "(none)"
    facility = record.facility_id or "(unknown)"
    linked_at = _routing_time(order.audit)
    findings = [
        Finding(
            "routed_by_link",
            Severity.OK,
            Case.ORDER_FACILITY,
            f"Order {order_id} is in Extensiv as order {record.extensiv_order_id}, at facility {facility}: routed by "
            f"the link of TikTok warehouse {warehouse} to facility {facility}"
            + (f" (sent {linked_at})." if linked_at else "."),
            "If that facility is wrong, correct the link for later orders (`syncctl locations unlink "
            f"{record.warehouse_id or '<warehouse_id>'}`, then `syncctl locations link ...`); this order stays at "
            "that facility in Extensiv: move or cancel it there (the connector never sends an order twice).",
            subject=order_id,
        )
    ]
    current = order.warehouse_link
    if current is not None and record.facility_id and current.facility_id != record.facility_id:
        findings.append(
            Finding(
                "link_changed_since_routing",
                Severity.WARNING,
                Case.ORDER_FACILITY,
                f"Warehouse {warehouse} is now linked to facility {current.facility_id}, not {facility}: the link "
                f"changed after order {order_id} was routed.",
                "Later orders go to the new facility; move this one in Extensiv if it must ship from there.",
                subject=order_id,
            )
        )
    elif current is None and record.warehouse_id:
        findings.append(
            Finding(
                "link_removed_since_routing",
                Severity.WARNING,
                Case.ORDER_FACILITY,
                f"Warehouse {warehouse} is not linked any more: later orders from it are held (no_linked_facility).",
                f"`syncctl locations link {warehouse} <facility_id>`.",
                subject=order_id,
            )
        )
    return findings


def _routing_time(audit: tuple[Mapping[str, Any], ...]) -> str | None:
    for entry in reversed(audit):
        if entry.get("event") == "submitted":
            sort_key = str(entry.get("sk", ""))
            return sort_key.removeprefix("AUDIT#") or None
    return None


def _order_fulfillment(facts: Facts, order: OrderFacts, record: OrderRecord) -> list[Finding]:
    order_id = order.order_id
    case = Case.FULFILLMENTS
    if record.state == OrderState.FULFILLED:
        return [Finding("order_fulfilled", Severity.OK, case, f"Tracking of order {order_id} is on TikTok.", "")]
    blocked = [
        finding
        for finding in _fulfillments(facts, Severity.PROBLEM, order_id)
        if record.state == OrderState.SHIPPED or finding.code != "push_fulfillments_off"
    ]
    findings = list(blocked)
    for package in order.packages:
        if package.state == PackageState.HELD:
            findings.append(
                Finding(
                    "package_held",
                    Severity.PROBLEM,
                    case,
                    f"Package {package.package_id} of order {order_id} is not pushed to TikTok: {package.reason}"
                    + (f" ({package.reason_detail})." if package.reason_detail else "."),
                    "Fix the cause (a carrier TikTok accepts: see the carrier mapping; tracking; lines), the next "
                    "fulfillments run re-checks held packages.",
                    subject=package.package_id,
                )
            )
    if record.state == OrderState.SUBMITTED and not blocked:
        findings.append(
            Finding(
                "order_not_shipped_yet",
                Severity.INFO,
                case,
                f"Extensiv has not shipped order {order_id} yet (as of the last fulfillments pull).",
                "Nothing to do until the warehouse ships it.",
                subject=order_id,
            )
        )
    return findings


def _order_dead_letters(facts: Facts, order_id: str) -> list[Finding]:
    letters = tuple(letter for letter in facts.dead_letters if letter.order_id == order_id)
    return _dead_letters(letters, order_id)


# --- stack health --------------------------------------------------------------------------------


def _dead_letters(letters: tuple[DeadLetterFacts, ...], order_id: str | None = None) -> list[Finding]:
    if not letters:
        return []
    reasons = _shown(letter.reason or "no reason recorded: the function did not finish" for letter in letters)
    orders = _shown(letter.order_id or "?" for letter in letters)
    ids = _shown(letter.message_id for letter in letters)
    what = f"{len(letters)} shipping request(s) for order(s) {orders}"
    return [
        Finding(
            "dead_letters",
            Severity.PROBLEM,
            Case.OPERATIONS,
            f"{what} failed every delivery and wait in the dead-letter queue (reasons: {reasons}).",
            f"Inspect them (`syncctl dead-letters show <message id>`: {ids}), fix the cause, then `syncctl "
            "dead-letters replay <message id>` or `--all`: a replayed order is still created once.",
            subject=order_id,
        )
    ]


def _directions(facts: Facts) -> list[Finding]:
    findings = []
    for flow in FLOWS:
        environment = facts.environment(flow)
        switched_on = environment is not None and any(
            switch_state(environment, switch) == SwitchState.ON for switch in flow.switches
        )
        for direction in flow.directions:
            status = facts.directions.get(direction)
            if status is None:
                continue
            if status.last_error:
                findings.append(
                    Finding(
                        "direction_failing",
                        Severity.PROBLEM,
                        Case.OPERATIONS,
                        f"The last run of {direction} failed: {one_line(status.last_error)}",
                        f"Read the logs of {flow.function} around {status.last_run_at}; after the fix, `syncctl sync "
                        f"{flow.name}` runs it at once.",
                        subject=direction,
                    )
                )
            elif switched_on and _older_than(status.last_success_at, facts.now, STALE_AFTER_S):
                findings.append(
                    Finding(
                        "direction_stale",
                        Severity.WARNING,
                        Case.OPERATIONS,
                        f"{direction} has not run successfully since {status.last_success_at}.",
                        f"Check the schedule of {flow.function} and its errors; `syncctl sync {flow.name}` runs it "
                        "now.",
                        subject=direction,
                    )
                )
    return findings


def _has_run(facts: Facts, flow: Flow) -> bool:
    return any(facts.directions.get(direction) for direction in flow.directions)


def _older_than(stamp: str | None, now: float, seconds: float) -> bool:
    if not stamp:
        return False
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return False
    return now - moment > seconds


# --- wording helpers ------------------------------------------------------------------------------


def _flow_missing(flow: Flow, case: Case, severity: Severity, effect: str, subject: str | None = None) -> Finding:
    return Finding(
        f"{flow.name}_flow_missing",
        severity,
        case,
        f"This stack has no {flow.label} flow ({flow.function} or its switch is missing): {effect}.",
        "Deploy the current template.yaml (`sam build` then `sam deploy`) to add it.",
        subject=subject,
    )


def _set_parameter(parameter: str, value: str) -> str:
    shown = f'{parameter}="{value}"' if value == "" else f"{parameter}={value}"
    return f"set the stack parameter {shown} (samconfig.toml parameter_overrides) and run `sam deploy`"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _shown(values: Any) -> str:
    items = sorted({str(value) for value in values if value})
    text = ", ".join(items[:SCOPE_SHOWN])
    return text + (f" and {len(items) - SCOPE_SHOWN} more" if len(items) > SCOPE_SHOWN else "")
