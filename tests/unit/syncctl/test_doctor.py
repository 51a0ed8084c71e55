"""The doctor's diagnosis: each troubleshooting case of SPEC.md, built as facts, with its cause and advice."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from hub.fulfillments import PackageRecord, PackageState
from hub.locations import Facility, Link, LinkProblem, Warehouse
from hub.orders import OrderRecord, OrderState
from hub.skus import SkuRecord
from hub.sync_state import DirectionStatus
from syncctl.doctor import (
    Case,
    ConnectionFacts,
    DeadLetterFacts,
    Facts,
    Finding,
    OrderFacts,
    Severity,
    SkuFacts,
    TikTokOrderFacts,
    diagnose,
    has_problems,
)
from syncctl.flows import FLOWS

NOW = 1_700_000_000.0
WAREHOUSE = "7068517275539719942"
OTHER_WAREHOUSE = "7068517275539719999"
FACILITY = "1"
OTHER_FACILITY = "2"
LINK = Link(WAREHOUSE, FACILITY, "2023-11-14T00:00:00.000000Z")
ORDER = "576461413038785752"


def functions(**variables: str | None) -> dict[str, dict[str, str] | None]:
    """Every flow's function with every switch on and scopes empty; `NAME=None` removes a variable."""
    deployed: dict[str, dict[str, str] | None] = {}
    for flow in FLOWS:
        environment = {"EXTENSIV_ENVIRONMENT": "sandbox", "PUSH_SHIPPING_REQUESTS": "true", "ORDER_ID_SCOPE": ""}
        environment.update({switch.variable: "true" for switch in flow.switches})
        if flow.scope:
            environment[flow.scope.variable] = ""
        for name, value in variables.items():
            if name in environment and value is None:
                del environment[name]
            elif name in environment:
                environment[name] = value
        deployed[flow.function] = environment
    return deployed


def without(logical_id: str, **variables: str | None) -> dict[str, dict[str, str] | None]:
    deployed = functions(**variables)
    deployed[logical_id] = None
    return deployed


def healthy(**changes: Any) -> Facts:
    """A merchant whose setup is complete: every flow on, one link, the connection works."""
    facts = Facts(
        now=NOW,
        functions=functions(),
        extensiv_connection=ConnectionFacts(True, None, "connected to the sandbox environment"),
        facilities=(Facility(FACILITY, "Reno DC"),),
        warehouses=(Warehouse(WAREHOUSE, "West", "SALES_WAREHOUSE", "ENABLED"),),
        links=(LINK,),
        skus=(SkuRecord("TEE-RED-L", product_id="p1", sku_id="s1"),),
    )
    return replace(facts, **changes)


def held(reason: str, detail: str | None = None, order_id: str = ORDER, warehouse: str = WAREHOUSE) -> OrderRecord:
    return OrderRecord(order_id, OrderState.HELD, reason=reason, reason_detail=detail, warehouse_id=warehouse)


def submitted(state: OrderState = OrderState.SUBMITTED, facility: str = FACILITY) -> OrderRecord:
    return OrderRecord(ORDER, state, warehouse_id=WAREHOUSE, facility_id=facility, extensiv_order_id="1001")


def only(findings: list[Finding], code: str, case: Case | None = None) -> Finding:
    matching = [finding for finding in findings if finding.code == code and (case is None or finding.case == case)]
    assert len(matching) == 1, [finding.code for finding in findings]
    return matching[0]


def codes(findings: list[Finding]) -> set[str]:
    return {finding.code for finding in findings}


# --- the whole merchant, healthy -------------------------------------------------------------------


def test_doctor_healthy_merchant_has_no_problem_and_confirms_the_connection():
    findings = diagnose(healthy())

    assert not has_problems(findings)
    assert only(findings, "extensiv_connected").severity == Severity.OK


def test_doctor_findings_are_grouped_by_case_with_problems_first():
    findings = diagnose(healthy(links=(), functions=functions(PUSH_SHIPPING_REQUESTS="false")))

    cases = [finding.case for finding in findings]
    assert cases == sorted(cases, key=list(Case).index)
    shipping = [finding.severity for finding in findings if finding.case == Case.NO_SHIPPING_REQUESTS]
    assert shipping[0] == Severity.PROBLEM


# --- Extensiv connection fails: which credential or environment ----------------------------------


def test_doctor_extensiv_secret_incomplete_names_the_missing_fields():
    findings = diagnose(healthy(extensiv_connection=None, extensiv_secret_missing=("customer_id", "user_id")))

    finding = only(findings, "extensiv_secret_incomplete")
    assert finding.severity == Severity.PROBLEM
    assert finding.cause == "Extensiv connection fails: the stack's Extensiv secret has no customer_id, user_id."
    assert "client_id, client_secret, customer_id, user_id" in finding.advice
    assert "ExtensivSecretArn" in finding.advice


@pytest.mark.parametrize(
    ("credential", "cause", "advice"),
    [
        (
            "client_id_or_secret",
            "the Client Id or Client Secret is wrong",
            "Check client_id and client_secret in the stack's Extensiv secret, and that they were issued for the "
            "sandbox environment",
        ),
        ("user_id", "the User ID is wrong", "set user_login_field to user_login"),
        ("customer_id", "the Customer ID is wrong", "Check customer_id in the Extensiv secret"),
        (
            "environment",
            "the environment or base URL is wrong",
            "ExtensivEnvironment (now sandbox) and ExtensivBaseUrl",
        ),
    ],
)
def test_doctor_extensiv_connection_failure_names_the_wrong_credential(credential, cause, advice):
    check = ConnectionFacts(False, credential, "Extensiv rejected it")

    finding = only(diagnose(healthy(extensiv_connection=check)), f"extensiv_{credential}_wrong")

    assert finding.severity == Severity.PROBLEM
    assert finding.case == Case.EXTENSIV_CONNECTION
    assert finding.cause == f"Extensiv connection fails ({cause}): Extensiv rejected it"
    assert advice in finding.advice
    assert finding.subject == credential


def test_doctor_extensiv_server_trouble_is_not_blamed_on_a_credential():
    check = ConnectionFacts(False, None, "the token endpoint answered 503")

    finding = only(diagnose(healthy(extensiv_connection=check)), "extensiv_unavailable")

    assert "not because of a credential" in finding.cause
    assert finding.advice.startswith("Try again later")


def test_doctor_connection_not_checked_says_why():
    finding = only(
        diagnose(healthy(extensiv_connection=None, extensiv_connection_skipped="--offline")), "extensiv_not_checked"
    )

    assert finding.severity == Severity.INFO
    assert finding.cause == "The Extensiv connection was not checked: --offline."


def test_doctor_tiktok_secret_incomplete_is_a_problem():
    finding = only(diagnose(healthy(tiktok_secret_missing=("access_token", "shop_cipher"))), "tiktok_secret_incomplete")

    assert finding.severity == Severity.PROBLEM
    assert "no access_token, shop_cipher" in finding.cause
    assert "TikTokSecretArn" in finding.advice


# --- Extensiv does not recognise a product -------------------------------------------------------


def sku_facts(**changes: Any) -> SkuFacts:
    values = {
        "sku": "TEE-RED-L",
        "record": SkuRecord("TEE-RED-L", product_id="p1"),
        "extensiv_sku": "TEE-RED-L",
        "extensiv_checked": True,
        "extensiv_item_found": False,
    }
    return SkuFacts(**{**values, **changes})


def test_doctor_sku_missing_in_extensiv_with_catalog_push_off_advises_push_or_mapping():
    facts = healthy(functions=functions(PUSH_PRODUCT_CATALOG="false"), sku=sku_facts())

    finding = only(diagnose(facts), "sku_missing_in_extensiv")

    assert finding.severity == Severity.PROBLEM
    assert finding.case == Case.PRODUCT_NOT_RECOGNISED
    assert finding.cause.startswith("Extensiv does not recognise SKU TEE-RED-L and no channel SKU maps it")
    assert "`syncctl sku set-channel TEE-RED-L <extensiv sku>`" in finding.advice
    assert "the catalog push is off, set the stack parameter PushProductCatalog=true" in finding.advice


def test_doctor_sku_missing_in_extensiv_without_catalog_flow_says_create_it_there():
    facts = healthy(functions=without("ProductsFunction"), sku=sku_facts())

    finding = only(diagnose(facts), "sku_missing_in_extensiv")

    assert "create the item in Extensiv (this stack has no catalog push)" in finding.advice


def test_doctor_sku_missing_in_extensiv_with_catalog_push_on_points_at_the_push():
    finding = only(diagnose(healthy(sku=sku_facts())), "sku_missing_in_extensiv")

    assert "the catalog push is on but has not created it yet" in finding.advice
    assert "`syncctl resync catalog`" in finding.advice


def test_doctor_channel_sku_unknown_to_extensiv_advises_fixing_the_mapping():
    record = SkuRecord("TEE-RED-L", channel_sku="3PL-TEE-RED-L", product_id="p1")
    facts = healthy(sku=sku_facts(record=record, extensiv_sku="3PL-TEE-RED-L"))

    finding = only(diagnose(facts), "channel_sku_missing_in_extensiv")

    assert finding.cause.startswith(
        "Extensiv does not recognise 3PL-TEE-RED-L, the channel SKU set for master SKU TEE-RED-L"
    )
    assert "`syncctl sku set-channel TEE-RED-L <extensiv sku>`" in finding.advice
    assert "create item 3PL-TEE-RED-L in Extensiv" in finding.advice


def test_doctor_sku_known_to_extensiv_is_confirmed():
    findings = diagnose(healthy(sku=sku_facts(extensiv_item_found=True)))

    assert only(findings, "extensiv_item_found").cause == "Extensiv knows item TEE-RED-L."
    assert not has_problems(findings)


def test_doctor_sku_not_checked_in_extensiv_says_why():
    finding = only(
        diagnose(healthy(sku=sku_facts(extensiv_checked=False, extensiv_error="--offline"))),
        "extensiv_item_not_checked",
    )

    assert finding.cause == "Whether Extensiv knows TEE-RED-L was not checked: --offline."


def test_doctor_sku_unknown_to_the_hub_with_catalog_pull_off_says_so():
    facts = healthy(functions=functions(PULL_PRODUCT_CATALOG="false"), sku=sku_facts(record=None, sku="NOPE"))

    finding = only(diagnose(facts), "sku_unknown_to_hub")

    assert finding.severity == Severity.WARNING
    assert "The catalog pull is off (set the stack parameter PullProductCatalog=true" in finding.advice


def test_doctor_asked_by_extensiv_sku_names_its_master_sku():
    master = SkuRecord("TEE-BLK-M", channel_sku="3PL-TEE-BLACK-M", product_id="p1")
    facts = healthy(sku=sku_facts(sku="3PL-TEE-BLACK-M", record=None, channel_of=(master,), extensiv_item_found=True))

    findings = diagnose(facts)

    assert (
        only(findings, "channel_sku_of").cause == "3PL-TEE-BLACK-M is the Extensiv channel SKU of master SKU TEE-BLK-M."
    )
    assert "sku_unknown_to_hub" not in codes(findings)


def test_doctor_one_extensiv_sku_mapped_from_two_masters_is_reported():
    masters = (SkuRecord("A", channel_sku="X"), SkuRecord("B", channel_sku="X"))
    facts = healthy(sku=sku_facts(sku="X", record=None, channel_of=masters, extensiv_item_found=True))

    finding = only(diagnose(facts), "channel_sku_shared")

    assert "several master SKUs (A, B)" in finding.cause
    assert "`syncctl sku remove-channel <master>`" in finding.advice


@pytest.mark.parametrize(
    ("reason", "detail", "cause"),
    [
        ("unknown_sku", "SOCKS-LIMITED", "held because Extensiv does not recognise SKU SOCKS-LIMITED."),
        ("missing_sku", "5764614130387857520001", "held because line items carry no seller SKU on TikTok"),
    ],
)
def test_doctor_orders_held_for_a_product_extensiv_does_not_know(reason, detail, cause):
    facts = healthy(held_orders=(held(reason, detail),))

    finding = only(diagnose(facts), f"held_{reason}")

    assert finding.case == Case.PRODUCT_NOT_RECOGNISED
    assert finding.severity == Severity.PROBLEM
    assert f"1 order(s) ({ORDER}) are {cause}" in finding.cause


def test_doctor_unknown_sku_hold_advises_item_mapping_or_catalog_push():
    finding = only(diagnose(healthy(held_orders=(held("unknown_sku", "SOCKS-LIMITED"),))), "held_unknown_sku")

    assert "Create the item in Extensiv" in finding.advice
    assert "`syncctl sku set-channel <master> <extensiv sku>`" in finding.advice
    assert "PushProductCatalog" in finding.advice


def test_doctor_sku_lists_the_orders_waiting_for_it():
    waiting = held("unknown_sku", "TEE-RED-L")

    finding = only(diagnose(healthy(sku=sku_facts(held_orders=(waiting,)))), "held_unknown_sku")

    assert finding.cause == f"Order {ORDER} waits for this SKU (held: unknown_sku, TEE-RED-L)."
    assert f"`syncctl orders resend {ORDER}`" in finding.advice


# --- Extensiv receives no shipping requests ------------------------------------------------------


def test_doctor_merchant_push_off_is_a_warning_with_the_parameter_to_set():
    finding = only(diagnose(healthy(functions=functions(PUSH_SHIPPING_REQUESTS="false"))), "push_shipping_requests_off")

    assert finding.severity == Severity.WARNING
    assert finding.case == Case.NO_SHIPPING_REQUESTS
    assert "push_disabled" in finding.cause
    assert "set the stack parameter PushShippingRequests=true" in finding.advice
    assert "`sam deploy`" in finding.advice


def test_doctor_order_received_while_push_is_off_is_a_problem():
    facts = healthy(
        functions=functions(PUSH_SHIPPING_REQUESTS="false"),
        order=OrderFacts(
            ORDER, record=OrderRecord(ORDER, OrderState.RECEIVED, warehouse_id=WAREHOUSE), warehouse_link=LINK
        ),
    )

    finding = only(diagnose(facts), "push_shipping_requests_off")

    assert finding.severity == Severity.PROBLEM
    assert f"`syncctl orders resend {ORDER}`" in finding.advice


def test_doctor_order_held_while_push_was_off_and_still_is():
    facts = healthy(
        functions=functions(PUSH_SHIPPING_REQUESTS="false"),
        order=OrderFacts(ORDER, record=held("push_disabled"), warehouse_link=LINK),
    )

    findings = diagnose(facts)

    assert (
        only(findings, "held_push_disabled").cause
        == f"Order {ORDER} is held because the push of shipping requests was off."
    )
    assert only(findings, "push_shipping_requests_off").severity == Severity.PROBLEM


def test_doctor_order_held_while_push_was_off_but_is_on_now_advises_resend():
    facts = healthy(order=OrderFacts(ORDER, record=held("push_disabled"), warehouse_link=LINK))

    finding = only(diagnose(facts), "held_push_disabled")

    assert finding.advice.startswith("The push is on now. `syncctl orders resend")
    assert "push_shipping_requests_off" not in codes(diagnose(facts))


def test_doctor_merchant_order_id_scope_is_a_warning_listing_the_ids():
    finding = only(diagnose(healthy(functions=functions(ORDER_ID_SCOPE="111,222"))), "order_id_scope_set")

    assert finding.severity == Severity.WARNING
    assert finding.cause.startswith("Only 2 TikTok order id(s) are sent to Extensiv (OrderIdScope: 111, 222)")
    assert 'set the stack parameter OrderIdScope=""' in finding.advice


def test_doctor_order_outside_the_order_id_scope_is_a_problem():
    facts = healthy(
        functions=functions(ORDER_ID_SCOPE="111,222"),
        order=OrderFacts(ORDER, record=held("out_of_scope"), warehouse_link=LINK),
    )

    finding = only(diagnose(facts), "order_out_of_scope")

    assert finding.severity == Severity.PROBLEM
    assert finding.cause == (
        f"Order {ORDER} is outside the order-id scope (OrderIdScope: 111, 222): it is held with reason out_of_scope."
    )
    assert "Add it to OrderIdScope, or empty the scope" in finding.advice


def test_doctor_order_held_out_of_scope_but_in_scope_now_advises_resend():
    facts = healthy(
        functions=functions(ORDER_ID_SCOPE=f"111,{ORDER}"),
        order=OrderFacts(ORDER, record=held("out_of_scope"), warehouse_link=LINK),
    )

    findings = diagnose(facts)

    assert only(findings, "held_out_of_scope").advice.startswith("The order is in scope now.")
    assert "order_out_of_scope" not in codes(findings)


def test_doctor_order_tiktok_has_but_the_hub_never_saw_is_not_ingested():
    tiktok = TikTokOrderFacts("AWAITING_SHIPMENT", "FULFILLMENT_BY_SELLER", WAREHOUSE, ("TEE-RED-L",))
    facts = healthy(order=OrderFacts(ORDER, tiktok_checked=True, tiktok_order=tiktok, warehouse_link=LINK))

    finding = only(diagnose(facts), "order_not_ingested")

    assert finding.severity == Severity.PROBLEM
    assert finding.cause == (
        f"TikTok has order {ORDER} (status AWAITING_SHIPMENT) but the hub never saw it: no webhook reached the stack "
        "and no poll picked it up."
    )
    assert "WebhookUrl" in finding.advice
    assert f"`syncctl orders resend {ORDER}` sends it now" in finding.advice


def test_doctor_order_not_ingested_and_fulfilled_by_tiktok_says_it_never_goes_to_extensiv():
    tiktok = TikTokOrderFacts("AWAITING_SHIPMENT", "FULFILLMENT_BY_TIKTOK", WAREHOUSE)
    facts = healthy(order=OrderFacts(ORDER, tiktok_checked=True, tiktok_order=tiktok, warehouse_link=LINK))

    finding = only(diagnose(facts), "order_not_seller_fulfilled")

    assert "TikTok ships it" in finding.cause


def test_doctor_order_unknown_to_hub_and_tiktok_advises_checking_id_and_shop():
    facts = healthy(order=OrderFacts(ORDER, tiktok_checked=True, tiktok_order=None))

    finding = only(diagnose(facts), "order_unknown_to_tiktok")

    assert finding.cause == f"Neither the hub nor TikTok (for this stack's shop) knows order {ORDER}."
    assert "not a package id" in finding.advice


def test_doctor_order_not_ingested_when_tiktok_was_not_asked_says_why():
    facts = healthy(order=OrderFacts(ORDER, tiktok_checked=False, tiktok_error="--offline"))

    finding = only(diagnose(facts), "order_not_ingested")

    assert finding.cause == f"The hub never saw order {ORDER} (TikTok was not asked: --offline)."


def test_doctor_order_held_for_no_linked_facility_advises_linking():
    facts = healthy(
        links=(),
        order=OrderFacts(
            ORDER, record=held("no_linked_facility", f"warehouse {OTHER_WAREHOUSE}", warehouse=OTHER_WAREHOUSE)
        ),
    )

    finding = only(diagnose(facts), "held_no_linked_facility")

    assert finding.severity == Severity.PROBLEM
    assert finding.cause == (
        f"Order {ORDER} is held because routing found no Extensiv facility linked to its TikTok warehouse "
        f"(warehouse {OTHER_WAREHOUSE})."
    )
    assert "`syncctl locations link <warehouse_id> <facility_id>`" in finding.advice


def test_doctor_order_held_for_no_linked_facility_that_is_linked_now_advises_resend():
    link = Link(OTHER_WAREHOUSE, OTHER_FACILITY)
    record = held("no_linked_facility", f"warehouse {OTHER_WAREHOUSE}", warehouse=OTHER_WAREHOUSE)
    facts = healthy(order=OrderFacts(ORDER, record=record, warehouse_link=link))

    finding = only(diagnose(facts), "held_no_linked_facility")

    assert finding.advice == (
        f"Warehouse {OTHER_WAREHOUSE} is linked to facility {OTHER_FACILITY} now. `syncctl orders resend {ORDER}` "
        "sends it now (or wait for the poll)."
    )


def test_doctor_received_order_whose_warehouse_is_not_linked_will_be_held():
    record = OrderRecord(ORDER, OrderState.RECEIVED, warehouse_id=OTHER_WAREHOUSE)
    facts = healthy(order=OrderFacts(ORDER, record=record, warehouse_link=None))

    finding = only(diagnose(facts), "no_linked_facility")

    assert finding.cause == (
        f"Routing will find no Extensiv facility for order {ORDER}: its TikTok warehouse {OTHER_WAREHOUSE} is not "
        "linked."
    )
    assert f"`syncctl locations link {OTHER_WAREHOUSE} <facility_id>`" in finding.advice


def test_doctor_merchant_without_any_link_cannot_route_nor_push_stock():
    findings = diagnose(healthy(links=()))

    assert only(findings, "no_links", Case.NO_SHIPPING_REQUESTS).severity == Severity.PROBLEM
    assert only(findings, "no_links", Case.INVENTORY).severity == Severity.PROBLEM
    assert "`syncctl locations link <warehouse_id> <facility_id>`" in only(findings, "no_links", Case.INVENTORY).advice


def test_doctor_unlinked_sales_warehouse_is_reported():
    warehouses = (
        Warehouse(WAREHOUSE, "West", "SALES_WAREHOUSE"),
        Warehouse(OTHER_WAREHOUSE, "Pop-up", "SALES_WAREHOUSE"),
    )

    finding = only(diagnose(healthy(warehouses=warehouses)), "warehouse_unlinked")

    assert finding.cause.startswith(f"TikTok warehouse {OTHER_WAREHOUSE} (Pop-up) is linked to no Extensiv facility")
    assert finding.advice == f"Link it: `syncctl locations link {OTHER_WAREHOUSE} <facility_id>`."


def test_doctor_return_warehouse_without_link_is_not_reported():
    warehouses = (
        Warehouse(WAREHOUSE, "West", "SALES_WAREHOUSE"),
        Warehouse(OTHER_WAREHOUSE, "Returns", "RETURN_WAREHOUSE"),
    )

    assert "warehouse_unlinked" not in codes(diagnose(healthy(warehouses=warehouses)))


def test_doctor_missing_shipping_flow_is_a_problem():
    finding = only(diagnose(healthy(functions=without("ShippingRequestsFunction"))), "shipping_requests_flow_missing")

    assert finding.severity == Severity.PROBLEM
    assert "ShippingRequestsFunction or its switch is missing" in finding.cause
    assert "`sam deploy`" in finding.advice


@pytest.mark.parametrize(
    ("reason", "severity"),
    [("on_hold", Severity.INFO), ("cancel_requested", Severity.INFO), ("missing_address", Severity.PROBLEM),
     ("extensiv_rejected", Severity.PROBLEM)],
)  # fmt: skip
def test_doctor_each_hold_reason_has_a_cause_and_advice(reason, severity):
    facts = healthy(order=OrderFacts(ORDER, record=held(reason, "detail-x"), warehouse_link=LINK))

    finding = only(diagnose(facts), f"held_{reason}")

    assert finding.severity == severity
    assert finding.cause.startswith(f"Order {ORDER} is ")
    assert finding.advice


def test_doctor_order_being_submitted_says_the_retry_never_duplicates():
    record = OrderRecord(
        ORDER, OrderState.SUBMITTING, warehouse_id=WAREHOUSE, last_error="ExtensivUnavailable: timeout"
    )

    finding = only(diagnose(healthy(order=OrderFacts(ORDER, record=record, warehouse_link=LINK))), "order_submitting")

    assert "(ExtensivUnavailable: timeout)" in finding.cause
    assert "never created twice" in finding.advice


# --- inventory does not reach TikTok -------------------------------------------------------------


def test_doctor_merchant_inventory_pull_off_is_a_warning():
    finding = only(diagnose(healthy(functions=functions(PULL_INVENTORY="false"))), "pull_inventory_off")

    assert finding.severity == Severity.WARNING
    assert finding.cause == "The inventory pull is off (PullInventory=false): no Extensiv stock reaches TikTok."
    assert "set the stack parameter PullInventory=true" in finding.advice
    assert "`syncctl resync inventory`" in finding.advice


def test_doctor_sku_with_inventory_pull_off_is_a_problem():
    facts = healthy(functions=functions(PULL_INVENTORY="false"), sku=sku_facts(extensiv_item_found=True))

    assert only(diagnose(facts), "pull_inventory_off").severity == Severity.PROBLEM


def test_doctor_sku_outside_the_inventory_scope_is_a_problem():
    facts = healthy(functions=functions(INVENTORY_SKU_SCOPE="MUG-01,CAP-NAVY"), sku=sku_facts(extensiv_item_found=True))

    finding = only(diagnose(facts), "sku_outside_inventory_scope")

    assert finding.severity == Severity.PROBLEM
    assert finding.cause == (
        "SKU TEE-RED-L is outside the inventory scope (InventorySkuScope: CAP-NAVY, MUG-01): its stock is not pushed "
        "to TikTok."
    )
    assert "Add the SKU to InventorySkuScope" in finding.advice


def test_doctor_sku_inside_the_inventory_scope_is_fine():
    facts = healthy(functions=functions(INVENTORY_SKU_SCOPE="TEE-RED-L"), sku=sku_facts(extensiv_item_found=True))

    assert not has_problems(diagnose(facts))


def test_doctor_merchant_inventory_scope_is_a_warning():
    finding = only(diagnose(healthy(functions=functions(INVENTORY_SKU_SCOPE="A,B,C"))), "inventory_scope_set")

    assert finding.cause.startswith("Only 3 SKU(s) are in the inventory scope (InventorySkuScope: A, B, C)")


def test_doctor_sku_without_any_linked_location_is_a_problem():
    finding = only(diagnose(healthy(links=(), sku=sku_facts(extensiv_item_found=True))), "no_links")

    assert finding.case == Case.INVENTORY
    assert finding.cause == "No linked location: Extensiv stock has no TikTok warehouse to go to."


def test_doctor_unlinked_facility_is_reported_as_stock_with_nowhere_to_go():
    facilities = (Facility(FACILITY, "Reno DC"), Facility(OTHER_FACILITY, "Columbus DC"))

    finding = only(diagnose(healthy(facilities=facilities)), "facility_unlinked")

    assert finding.case == Case.INVENTORY
    assert f"Extensiv facility {OTHER_FACILITY} (Columbus DC) is linked to no TikTok warehouse" in finding.cause
    assert f"`syncctl locations link <warehouse_id> {OTHER_FACILITY}`" in finding.advice


def test_doctor_stack_without_inventory_flow_says_so():
    finding = only(diagnose(healthy(functions=without("InventoryFunction"))), "inventory_flow_missing")

    assert finding.case == Case.INVENTORY
    assert "stock does not reach TikTok" in finding.cause


def test_doctor_missing_switch_variable_means_the_flow_is_missing():
    findings = diagnose(healthy(functions=functions(PULL_INVENTORY=None)))

    assert "inventory_flow_missing" in codes(findings)


# --- fulfillments do not appear ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "code", "words"),
    [
        ("PULL_FULFILLMENTS", "pull_fulfillments_off", "The pull of fulfillments from Extensiv is off"),
        ("PUSH_FULFILLMENTS", "push_fulfillments_off", "The push of fulfillments to TikTok is off"),
    ],
)
def test_doctor_merchant_fulfillment_switch_off_is_reported(variable, code, words):
    finding = only(diagnose(healthy(functions=functions(**{variable: "false"}))), code)

    assert finding.severity == Severity.WARNING
    assert finding.case == Case.FULFILLMENTS
    assert finding.cause.startswith(words)


def test_doctor_shipped_order_with_push_off_is_a_problem():
    facts = healthy(
        functions=functions(PUSH_FULFILLMENTS="false"),
        order=OrderFacts(ORDER, record=submitted(OrderState.SHIPPED), warehouse_link=LINK),
    )

    finding = only(diagnose(facts), "push_fulfillments_off")

    assert finding.severity == Severity.PROBLEM
    assert finding.advice.startswith("Set the stack parameter PushFulfillments=true")


def test_doctor_submitted_order_with_pull_off_blames_the_pull_only():
    facts = healthy(
        functions=functions(PULL_FULFILLMENTS="false", PUSH_FULFILLMENTS="false"),
        order=OrderFacts(ORDER, record=submitted(), warehouse_link=LINK),
    )

    findings = diagnose(facts)

    assert only(findings, "pull_fulfillments_off").severity == Severity.PROBLEM
    assert "push_fulfillments_off" not in codes(findings)


def test_doctor_submitted_order_with_fulfillments_on_is_waiting_for_the_warehouse():
    facts = healthy(order=OrderFacts(ORDER, record=submitted(), warehouse_link=LINK))

    findings = diagnose(facts)

    assert only(findings, "order_not_shipped_yet").severity == Severity.INFO
    assert not has_problems(findings)


def test_doctor_held_package_names_its_reason():
    package = PackageRecord(
        ORDER, "pkg-1", "1001", PackageState.HELD, reason="carrier_not_accepted", reason_detail="Acme"
    )
    facts = healthy(
        order=OrderFacts(ORDER, record=submitted(OrderState.SHIPPED), warehouse_link=LINK, packages=(package,))
    )

    finding = only(diagnose(facts), "package_held")

    assert finding.cause == f"Package pkg-1 of order {ORDER} is not pushed to TikTok: carrier_not_accepted (Acme)."


def test_doctor_fulfilled_order_is_confirmed():
    facts = healthy(order=OrderFacts(ORDER, record=submitted(OrderState.FULFILLED), warehouse_link=LINK))

    assert only(diagnose(facts), "order_fulfilled").cause == f"Tracking of order {ORDER} is on TikTok."


def test_doctor_stack_without_fulfillments_flow_says_so():
    finding = only(diagnose(healthy(functions=without("FulfillmentsFunction"))), "fulfillments_flow_missing")

    assert "tracking never reaches TikTok" in finding.cause


# --- locations do not appear ---------------------------------------------------------------------


def test_doctor_location_pull_off_with_no_facility_is_a_problem():
    finding = only(diagnose(healthy(facilities=(), functions=functions(PULL_LOCATIONS="false"))), "pull_locations_off")

    assert finding.severity == Severity.PROBLEM
    assert finding.case == Case.LOCATIONS
    assert finding.cause.startswith("The location pull is off (PullLocations=false)")
    assert finding.advice.startswith("Set the stack parameter PullLocations=true")
    assert "`syncctl sync locations`" in finding.advice


def test_doctor_location_pull_off_with_facilities_pulled_before_is_a_warning():
    finding = only(diagnose(healthy(functions=functions(PULL_LOCATIONS="false"))), "pull_locations_off")

    assert finding.severity == Severity.WARNING


def test_doctor_location_pull_on_that_never_ran_says_to_wait_or_run_it():
    finding = only(diagnose(healthy(facilities=())), "locations_not_pulled_yet")

    assert finding.advice == "Wait for the schedule or run `syncctl sync locations`."


def test_doctor_stack_without_locations_flow_says_so():
    assert "locations_flow_missing" in codes(diagnose(healthy(functions=without("LocationsFunction"))))


# --- an order went to the wrong facility: which link routed it -----------------------------------


def test_doctor_names_the_link_that_routed_an_order():
    audit = ({"sk": "AUDIT#2023-11-14T22:13:20.000000Z", "event": "submitted", "details": {"facility_id": FACILITY}},)
    facts = healthy(order=OrderFacts(ORDER, record=submitted(), audit=audit, warehouse_link=LINK))

    finding = only(diagnose(facts), "routed_by_link")

    assert finding.case == Case.ORDER_FACILITY
    assert finding.cause == (
        f"Order {ORDER} is in Extensiv as order 1001, at facility {FACILITY}: routed by the link of TikTok warehouse "
        f"{WAREHOUSE} to facility {FACILITY} (sent 2023-11-14T22:13:20.000000Z)."
    )
    assert f"`syncctl locations unlink {WAREHOUSE}`" in finding.advice
    assert "never sends an order twice" in finding.advice


def test_doctor_says_when_the_link_changed_after_routing():
    facts = healthy(order=OrderFacts(ORDER, record=submitted(), warehouse_link=Link(WAREHOUSE, OTHER_FACILITY)))

    finding = only(diagnose(facts), "link_changed_since_routing")

    assert finding.cause == (
        f"Warehouse {WAREHOUSE} is now linked to facility {OTHER_FACILITY}, not {FACILITY}: the link changed after "
        f"order {ORDER} was routed."
    )


def test_doctor_says_when_the_routing_link_was_removed():
    facts = healthy(order=OrderFacts(ORDER, record=submitted(), warehouse_link=None))

    assert "link_removed_since_routing" in codes(diagnose(facts))


def test_doctor_reports_a_link_that_cannot_serve():
    problem = LinkProblem(LINK, "facility_deactivated")

    finding = only(diagnose(healthy(link_problems=(problem,))), "link_problem")

    assert finding.case == Case.ORDER_FACILITY
    assert "cannot serve: facility deactivated" in finding.cause


# --- the same SKU used by two products -----------------------------------------------------------


def test_doctor_sku_used_by_two_products_is_a_conflict():
    record = SkuRecord("MUG-01", product_id="p1", conflicting_product_ids=["p2"])

    finding = only(diagnose(healthy(skus=(record,))), "sku_conflict")

    assert finding.severity == Severity.PROBLEM
    assert finding.case == Case.SKU_CONFLICT
    assert finding.cause.startswith("SKU MUG-01 is used by two or more TikTok products (p1, p2)")
    assert "its own seller SKU" in finding.advice


def test_doctor_one_sku_reports_its_conflict():
    record = SkuRecord("MUG-01", product_id="p1", conflicting_product_ids=["p2"])
    facts = healthy(sku=sku_facts(sku="MUG-01", record=record, extensiv_item_found=True))

    assert only(diagnose(facts), "sku_conflict").subject == "MUG-01"


# --- stack health --------------------------------------------------------------------------------


def test_doctor_dead_letters_are_a_problem_with_replay_advice():
    letters = (DeadLetterFacts("m-1", ORDER, "ExtensivServerError: 503"), DeadLetterFacts("m-2", "999", None))

    finding = only(diagnose(healthy(dead_letters=letters)), "dead_letters")

    assert finding.cause.startswith(f"2 shipping request(s) for order(s) {ORDER}, 999 failed every delivery")
    assert "no reason recorded: the function did not finish" in finding.cause
    assert "`syncctl dead-letters replay <message id>` or `--all`" in finding.advice


def test_doctor_order_reports_only_its_own_dead_letters():
    letters = (DeadLetterFacts("m-1", ORDER, "boom"), DeadLetterFacts("m-2", "999", "bang"))
    facts = healthy(dead_letters=letters, order=OrderFacts(ORDER, record=submitted(), warehouse_link=LINK))

    finding = only(diagnose(facts), "dead_letters")

    assert finding.cause.startswith(f"1 shipping request(s) for order(s) {ORDER}")
    assert "m-1" in finding.advice
    assert "m-2" not in finding.advice


def test_doctor_direction_whose_last_run_failed_is_a_problem():
    status = DirectionStatus("inventory", last_run_at="2023-11-14T22:00:00Z", last_error="TikTokUnavailable: 503")

    finding = only(diagnose(healthy(directions={"inventory": status})), "direction_failing")

    assert finding.cause == "The last run of inventory failed: TikTokUnavailable: 503"
    assert "`syncctl sync inventory`" in finding.advice


def test_doctor_direction_without_success_for_long_is_a_warning():
    status = DirectionStatus("locations", last_success_at="2023-11-14T18:00:00Z")

    finding = only(diagnose(healthy(directions={"locations": status})), "direction_stale")

    assert finding.severity == Severity.WARNING
    assert "has not run successfully since 2023-11-14T18:00:00Z" in finding.cause


def test_doctor_direction_switched_off_is_not_stale():
    status = DirectionStatus("inventory", last_success_at="2023-11-01T00:00:00Z")
    facts = healthy(functions=functions(PULL_INVENTORY="false"), directions={"inventory": status})

    assert "direction_stale" not in codes(diagnose(facts))


def test_doctor_multi_line_errors_are_shown_on_one_line():
    status = DirectionStatus("locations", last_error="ValidationError: 1 validation error\nclient_id\n  too short")

    finding = only(diagnose(healthy(directions={"locations": status})), "direction_failing")

    assert (
        finding.cause == "The last run of locations failed: ValidationError: 1 validation error; client_id; too short"
    )


def test_doctor_order_in_the_hold_window_also_names_what_will_stop_it_next():
    facts = healthy(
        functions=functions(PUSH_SHIPPING_REQUESTS="false"),
        order=OrderFacts(ORDER, record=held("on_hold", "ON_HOLD"), warehouse_link=None),
    )

    findings = diagnose(facts)

    assert only(findings, "held_on_hold").severity == Severity.INFO
    assert only(findings, "push_shipping_requests_off").severity == Severity.PROBLEM
    assert only(findings, "no_linked_facility").severity == Severity.PROBLEM
