"""`syncctl`: the operator's command for one connector stack, local or deployed.

    syncctl status                               switch, last run, cursor, counts, last error per flow
    syncctl sku list | set-channel M C | remove-channel M
    syncctl locations list | link W F | unlink W
    syncctl orders held [--reason R] | show ID | resend ID
    syncctl dead-letters list | show ID | replay ID | replay --all
    syncctl sync FLOW | resync inventory|catalog
    syncctl doctor [--order ID | --sku SKU]

Exit codes: 0 done; 1 the command ran and found a problem (doctor findings, a failed run, a
record that is not there); 2 usage or connection errors. AWS and hub errors are one line on
stderr, never a traceback.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from connector_common.arrival_file import ArrivalFileError, create_arrivals_from_file
from connector_common.queues import QueueUnavailable, ShippingRequestMessage, ShippingRequestQueue
from hub.arrivals import ArrivalExists, ArrivalRecord, ArrivalRepository
from hub.errors import HubError, LinkConflict, TransitionRejected
from hub.fulfillments import CarrierMappingRepository, FulfillmentHoldReason, FulfillmentRepository
from hub.locations import LocationRepository
from hub.orders import HoldReason, OrderRecord, OrderRepository, OrderState
from hub.skus import SkuRecord, SkuRepository
from hub.sync_state import SyncStateRepository
from syncctl import views
from syncctl.dead_letters import DeadLetter, DeadLetterQueue
from syncctl.doctor import diagnose, has_problems
from syncctl.flows import FLOWS, Flow, flow_for_resync, flow_named, scope_values, switch_state
from syncctl.gather import ApiUnavailable, PlatformApis, StackApis, gather
from syncctl.stack import Invocation, Stack, StackError, Target, resolve_target
from syncctl.text import one_line

EXIT_FOUND_PROBLEMS = 1
EXIT_USAGE = 2

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Deps:
    """How syncctl reaches the outside world; tests pass their own through `CliRunner.invoke(obj=...)`."""

    connect: Callable[[Target], Stack] = Stack.connect
    apis: Callable[[Stack], PlatformApis] = StackApis
    clock: Callable[[], float] = time.time


@dataclass
class Session:
    """The options of one syncctl call and the stack they lead to (connected on first use)."""

    deps: Deps
    stack_name: str | None
    endpoint_url: str | None
    region: str | None
    _stack: Stack | None = field(default=None, repr=False)

    def stack(self) -> Stack:
        if self._stack is None:
            target = resolve_target(self.stack_name, self.endpoint_url, self.region)
            self._stack = self.deps.connect(target)
        return self._stack


class Failed(Exception):  # noqa: N818 - a command's own "stop with this message"
    """Stop the command with a message and an exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_FOUND_PROBLEMS) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def handled(command: F) -> F:
    """Turn the errors syncctl expects into one line on stderr and an exit code."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except Failed as exc:
            _error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except (StackError, HubError, QueueUnavailable, ApiUnavailable) as exc:
            _error(str(exc))
            raise typer.Exit(EXIT_USAGE) from None

    return run  # type: ignore[return-value]


def _error(message: str) -> None:
    views.console(stderr=True).print(f"[red]syncctl:[/red] {escape(one_line(message, limit=1000))}")


def _session(ctx: typer.Context) -> Session:
    return ctx.obj


app = typer.Typer(
    name="syncctl",
    help="Operate a TikTok Shop <-> Extensiv connector stack: status, SKUs, locations, orders, dead letters, doctor.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
sku_app = typer.Typer(help="Master SKUs and their Extensiv channel SKUs.", no_args_is_help=True)
locations_app = typer.Typer(help="Extensiv facilities, TikTok warehouses and their links.", no_args_is_help=True)
orders_app = typer.Typer(help="Orders in the hub: held ones, one order's record, re-sending one.", no_args_is_help=True)
dead_letters_app = typer.Typer(
    help="Shipping requests that failed every delivery: list, show, replay.", no_args_is_help=True
)
arrivals_app = typer.Typer(help="Arrivals (inbound shipments, purchase orders) for Extensiv.", no_args_is_help=True)
app.add_typer(sku_app, name="sku")
app.add_typer(locations_app, name="locations")
app.add_typer(orders_app, name="orders")
app.add_typer(dead_letters_app, name="dead-letters")
app.add_typer(arrivals_app, name="arrivals")
carriers_app = typer.Typer(help="Extensiv carrier -> TikTok shipping provider overrides.", no_args_is_help=True)
app.add_typer(carriers_app, name="carriers")

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
FlowName = StrEnum("FlowName", {flow.name: flow.name for flow in FLOWS})
ResyncName = StrEnum("ResyncName", {flow.resync_name: flow.resync_name for flow in FLOWS if flow.resync_name})
ReasonName = StrEnum("ReasonName", {reason.value: reason.value for reason in HoldReason})


@app.callback()
def main(
    ctx: typer.Context,
    stack_name: Annotated[
        str | None, typer.Option("--stack-name", help="Stack name (default: $SYNCCTL_STACK or connector-local).")
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            "--endpoint-url", help="AWS endpoint (default: $AWS_ENDPOINT_URL, or the running local emulator)."
        ),
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="AWS region (default: $AWS_REGION).")] = None,
) -> None:
    deps = ctx.obj if isinstance(ctx.obj, Deps) else Deps()
    ctx.obj = Session(deps, stack_name, endpoint_url, region)


# --- status, sync, resync -------------------------------------------------------------------------


@app.command()
@handled
def status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Per flow: switch, last run, last success, cursor, counts and last error."""
    session = _session(ctx)
    stack = session.stack()
    hub = stack.hub()
    now = session.deps.clock()
    directions = {state.direction: state for state in SyncStateRepository(hub).list()}
    flows = [_flow_status(stack, flow, directions) for flow in FLOWS]
    known = {direction for flow in FLOWS for direction in flow.directions}
    others = [_direction_json(state) for name, state in sorted(directions.items()) if name not in known]
    dead_letters = DeadLetterQueue(stack.client("sqs"), stack.dead_letter_queue_url, stack.queue_url).depth()
    held = len(OrderRepository(hub).list_by_state(OrderState.HELD))
    report = {
        "stack": stack.target.stack_name,
        "endpoint": stack.target.endpoint_url,
        "flows": flows,
        "other_directions": others,
        "dead_letters": dead_letters,
        "held_orders": held,
    }
    if as_json:
        views.print_json(report)
        return

    out = views.console()
    rows = []
    for flow in flows:
        switches = ", ".join(f"{name}={value}" for name, value in flow["switches"].items())
        scope = "" if flow["scope"] is None else f" scope: {views.text(flow['scope']) if flow['scope'] else 'all'}"
        if not flow["deployed"]:
            rows.append([flow["flow"], "not in this stack", "-", "-", "-", "-", "-"])
            continue
        for state in flow["directions"] or [{"direction": "(never ran)"}]:
            rows.append(
                [
                    f"{flow['flow']}: {state['direction']}",
                    switches + scope,
                    views.age(state.get("last_run_at"), now),
                    views.age(state.get("last_success_at"), now),
                    _cursor_text(state),
                    state.get("counts"),
                    one_line(state.get("last_error") or "", limit=120),
                ]
            )
    for state in others:
        last_run, last_success = views.age(state["last_run_at"], now), views.age(state["last_success_at"], now)
        rows.append(
            [
                state["direction"],
                "-",
                last_run,
                last_success,
                _cursor_text(state),
                state["counts"],
                one_line(state["last_error"] or "", limit=120),
            ]
        )
    columns = ["flow", "switch", "last run", "last success", "cursor", "counts", "last error"]
    out.print(views.table(f"stack {stack.target.stack_name}", columns, rows))
    out.print(f"held orders: {held}   dead letters: {dead_letters}")


def _flow_status(stack: Stack, flow: Flow, directions: dict[str, Any]) -> dict[str, Any]:
    environment = stack.function_environment(flow.function)
    scope = scope_values(environment, flow.scope) if flow.scope else None
    return {
        "flow": flow.name,
        "function": flow.function,
        "deployed": environment is not None,
        "switches": {switch.variable: switch_state(environment, switch).value for switch in flow.switches},
        "scope": sorted(scope) if scope is not None else None,
        "directions": [_direction_json(directions[name]) for name in flow.directions if name in directions],
    }


def _direction_json(state: Any) -> dict[str, Any]:
    return {
        "direction": state.direction,
        "last_run_at": state.last_run_at,
        "last_success_at": state.last_success_at,
        "cursor": state.cursor,
        "facility_cursors": state.facility_cursors,
        "counts": state.last_counts,
        "last_error": state.last_error,
    }


def _cursor_text(state: dict[str, Any]) -> str | None:
    """The direction's cursor, or one line per Extensiv facility for the feeds read by facility."""
    by_facility = state.get("facility_cursors") or {}
    if not by_facility:
        return state.get("cursor")
    lines = [f"facility {facility_id}: {cursor}" for facility_id, cursor in sorted(by_facility.items(), key=_by_id)]
    return "\n".join(lines)


def _by_id(pair: tuple[str, str]) -> tuple[int, str]:
    return len(pair[0]), pair[0]


@app.command()
@handled
def sync(
    ctx: typer.Context, flow_name: Annotated[FlowName, typer.Argument(metavar="FLOW")], as_json: JsonOption = False
) -> None:
    """Run one flow now, as its schedule would."""
    flow = flow_named(flow_name.value)
    assert flow is not None
    _run_flow(_session(ctx).stack(), flow, {"action": flow.sync_action}, "run", as_json)


@app.command()
@handled
def resync(
    ctx: typer.Context,
    what: Annotated[ResyncName, typer.Argument(metavar="inventory|catalog")],
    as_json: JsonOption = False,
) -> None:
    """Force a full resync: every SKU's stock (inventory) or every product (catalog)."""
    flow = flow_for_resync(what.value)
    assert flow is not None
    _run_flow(_session(ctx).stack(), flow, {"action": "resync"}, "resync", as_json)


def _run_flow(stack: Stack, flow: Flow, payload: dict[str, Any], verb: str, as_json: bool) -> None:
    out = views.console(stderr=as_json)
    environment = stack.function_environment(flow.function)
    if environment is None:
        raise Failed(f"stack {stack.target.stack_name} has no {flow.function}: the {flow.name} flow is not deployed")
    off = [switch.label for switch in flow.switches if switch_state(environment, switch).value != "on"]
    if off and len(off) == len(flow.switches):
        effect = "the run is recorded and does nothing"
        if not flow.switch_stops_run:
            effect = "the orders it finds are held with reason push_disabled"
        out.print(f"[yellow]note:[/yellow] {', '.join(off)} is off: {effect}")
    with _spinner(out, f"{verb} {flow.name} ({flow.function})"):
        invocation = stack.invoke(flow.function, payload)
    if as_json:
        views.print_json(
            {"function": flow.function, "ok": invocation.ok, "error": invocation.error, "answer": invocation.payload}
        )
    if not invocation.ok:
        raise Failed(f"{invocation.function} failed: {invocation.error}")
    if not as_json:
        _print_invocation(out, invocation)


def _print_invocation(out: Any, invocation: Invocation) -> None:
    answer = invocation.payload if isinstance(invocation.payload, dict) else {"answer": invocation.payload}
    # Each function reports its counts under its own keys ("counts", "poll", "pull", "push" ...).
    rows = [[name, views.text(value)] for name, value in answer.items()]
    out.print(f"{invocation.function} done")
    out.print(views.table("", ["", "counts"], rows))


# --- SKUs -----------------------------------------------------------------------------------------


@sku_app.command("list")
@handled
def sku_list(
    ctx: typer.Context,
    conflicts: Annotated[bool, typer.Option("--conflicts", help="Only SKUs used by two products.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Master SKUs (TikTok seller SKUs), their Extensiv channel SKU, and conflicts."""
    records = SkuRepository(_session(ctx).stack().hub()).list()
    if conflicts:
        records = [record for record in records if record.has_conflict]
    if as_json:
        views.print_json([_sku_json(record) for record in records])
        return
    rows = [
        [r.master_sku, r.channel_sku, r.extensiv_sku, r.product_id, r.sku_id, r.product_name, r.conflicting_product_ids]
        for r in records
    ]
    columns = ["master SKU", "channel SKU", "Extensiv SKU", "product", "TikTok SKU id", "name", "conflict with"]
    out = views.console()
    out.print(views.table("SKUs", columns, rows))
    conflicted = sum(1 for record in records if record.has_conflict)
    if conflicted:
        out.print(f"[red]{conflicted} SKU(s) used by two products:[/red] see `syncctl doctor --sku <sku>`")


def _sku_json(record: SkuRecord) -> dict[str, Any]:
    return {
        "master_sku": record.master_sku,
        "channel_sku": record.channel_sku,
        "extensiv_sku": record.extensiv_sku,
        "product_id": record.product_id,
        "sku_id": record.sku_id,
        "product_name": record.product_name,
        "conflicting_product_ids": record.conflicting_product_ids,
        "conflict": record.has_conflict,
    }


@sku_app.command("set-channel")
@handled
def sku_set_channel(
    ctx: typer.Context,
    master_sku: Annotated[str, typer.Argument(help="The TikTok seller SKU.")],
    channel_sku: Annotated[str, typer.Argument(help="The SKU Extensiv knows the product by.")],
) -> None:
    """Map a master SKU to the SKU Extensiv uses (shipping requests, inventory and returns translate)."""
    hub = _session(ctx).stack().hub()
    skus = SkuRepository(hub)
    out = views.console()
    before = skus.get(master_sku)
    sharing = [other.master_sku for other in skus.find_by_channel_sku(channel_sku) if other.master_sku != master_sku]
    if sharing:
        out.print(
            f"[yellow]warning:[/yellow] {channel_sku} is also the channel SKU of {', '.join(sharing)}: "
            "Extensiv stock of it cannot be told apart per TikTok product"
        )
    record = skus.set_channel_sku(master_sku, channel_sku)
    out.print(f"{record.master_sku} -> Extensiv SKU {record.channel_sku}")
    waiting = _held_for(
        OrderRepository(hub), HoldReason.UNKNOWN_SKU, {master_sku, before.extensiv_sku if before else ""}
    )
    _hint_resend(out, waiting)


@sku_app.command("remove-channel")
@handled
def sku_remove_channel(ctx: typer.Context, master_sku: Annotated[str, typer.Argument()]) -> None:
    """Remove a master SKU's channel SKU: Extensiv is asked for the master SKU again."""
    skus = SkuRepository(_session(ctx).stack().hub())
    record = skus.get(master_sku)
    if record is None:
        raise Failed(f"the hub has no SKU {master_sku} (`syncctl sku list` shows what it has)")
    if not record.channel_sku:
        views.console().print(f"{master_sku} has no channel SKU; nothing to remove")
        return
    try:
        skus.remove_channel_sku(master_sku)
    except TransitionRejected:
        raise Failed(f"the hub has no SKU {master_sku}") from None
    views.console().print(f"{master_sku}: channel SKU {record.channel_sku} removed; Extensiv SKU is {master_sku} again")


# --- locations ------------------------------------------------------------------------------------


@locations_app.command("list")
@handled
def locations_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Extensiv facilities, TikTok warehouses and the links between them."""
    locations = LocationRepository(_session(ctx).stack().hub())
    facilities = locations.list_facilities()
    warehouses = locations.list_warehouses()
    links = locations.list_links()
    problems = locations.link_problems()
    if as_json:
        views.print_json(
            {
                "facilities": [vars(facility) for facility in facilities],
                "warehouses": [vars(warehouse) for warehouse in warehouses],
                "links": [vars(link) for link in links],
                "problems": [
                    {"warehouse_id": p.link.warehouse_id, "facility_id": p.link.facility_id, "problem": p.problem}
                    for p in problems
                ],
            }
        )
        return
    by_facility = {link.facility_id: link.warehouse_id for link in links}
    by_warehouse = {link.warehouse_id: link.facility_id for link in links}
    out = views.console()
    out.print(
        views.table(
            "Extensiv facilities",
            ["facility", "name", "time zone", "active", "linked warehouse"],
            [
                [f.facility_id, f.name, f.time_zone_name, f.is_active, by_facility.get(f.facility_id)]
                for f in facilities
            ],
        )
    )
    out.print(
        views.table(
            "TikTok warehouses",
            ["warehouse", "name", "type", "status", "linked facility"],
            [
                [w.warehouse_id, w.name, w.warehouse_type, w.effect_status, by_warehouse.get(w.warehouse_id)]
                for w in warehouses
            ],
        )
    )
    problem_of = {(p.link.warehouse_id, p.link.facility_id): p.problem for p in problems}
    out.print(
        views.table(
            "Links",
            ["TikTok warehouse", "Extensiv facility", "linked at", "problem"],
            [
                [k.warehouse_id, k.facility_id, k.linked_at, problem_of.get((k.warehouse_id, k.facility_id))]
                for k in links
            ],
        )
    )


@locations_app.command("link")
@handled
def locations_link(
    ctx: typer.Context,
    warehouse_id: Annotated[str, typer.Argument(help="TikTok warehouse id.")],
    facility_id: Annotated[str, typer.Argument(help="Extensiv facility id.")],
) -> None:
    """Link a TikTok warehouse to an Extensiv facility (one to one)."""
    hub = _session(ctx).stack().hub()
    locations = LocationRepository(hub)
    out = views.console()
    if warehouse_id not in {w.warehouse_id for w in locations.list_warehouses()}:
        out.print(f"[yellow]note:[/yellow] warehouse {warehouse_id} is not among the pulled TikTok warehouses")
    if facility_id not in {f.facility_id for f in locations.list_facilities()}:
        out.print(f"[yellow]note:[/yellow] facility {facility_id} is not among the pulled Extensiv facilities")
    try:
        link = locations.link(warehouse_id, facility_id)
    except LinkConflict:
        raise Failed(_link_conflict(locations, warehouse_id, facility_id), EXIT_USAGE) from None
    out.print(f"warehouse {link.warehouse_id} -> facility {link.facility_id}")
    waiting = [
        record
        for record in _held_for(OrderRepository(hub), HoldReason.NO_LINKED_FACILITY, None)
        if record.warehouse_id == warehouse_id
    ]
    _hint_resend(out, waiting)


def _link_conflict(locations: LocationRepository, warehouse_id: str, facility_id: str) -> str:
    current = locations.facility_link_for_warehouse(warehouse_id)
    if current is not None and current.facility_id != facility_id:
        return (
            f"warehouse {warehouse_id} is already linked to facility {current.facility_id}; links are one to one: "
            f"`syncctl locations unlink {warehouse_id}` first"
        )
    other = locations.warehouse_link_for_facility(facility_id)
    if other is not None and other.warehouse_id != warehouse_id:
        return (
            f"facility {facility_id} is already linked to warehouse {other.warehouse_id}; links are one to one: "
            f"`syncctl locations unlink {other.warehouse_id}` first"
        )
    return f"warehouse {warehouse_id} or facility {facility_id} is already linked elsewhere"


@locations_app.command("unlink")
@handled
def locations_unlink(
    ctx: typer.Context, warehouse_id: Annotated[str, typer.Argument(help="TikTok warehouse id.")]
) -> None:
    """Remove the link of a TikTok warehouse; its orders are held until it is linked again."""
    removed = LocationRepository(_session(ctx).stack().hub()).unlink(warehouse_id)
    out = views.console()
    if removed is None:
        out.print(f"warehouse {warehouse_id} was not linked; nothing to remove")
        return
    out.print(f"warehouse {removed.warehouse_id} unlinked from facility {removed.facility_id}")


# --- orders ---------------------------------------------------------------------------------------


@orders_app.command("held")
@handled
def orders_held(
    ctx: typer.Context,
    reason: Annotated[ReasonName | None, typer.Option("--reason", help="Only orders held for this reason.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Orders the connector holds back from Extensiv, with the reason and how long."""
    session = _session(ctx)
    records = OrderRepository(session.stack().hub()).list_by_state(OrderState.HELD)
    if reason is not None:
        records = [record for record in records if record.reason == reason.value]
    now = session.deps.clock()
    if as_json:
        views.print_json(
            [{**_order_json(record), "held_for_s": _seconds_since(record.updated_at, now)} for record in records]
        )
        return
    rows = [
        [
            r.order_id,
            r.reason,
            r.reason_detail,
            r.warehouse_id,
            views.age(r.updated_at, now),
            views.age(r.first_seen_at, now),
        ]
        for r in records
    ]
    out = views.console()
    columns = ["order", "reason", "detail", "warehouse", "held for", "first seen"]
    out.print(views.table(f"held orders ({len(records)})", columns, rows))
    if records:
        out.print("why and what to do: `syncctl doctor --order <order>`")


def _seconds_since(stamp: Any, now: float) -> int | None:
    moment = views.epoch_of(stamp)
    return None if moment is None else max(0, int(now - moment))


def _order_json(record: OrderRecord) -> dict[str, Any]:
    return {name: (value.value if name == "state" else value) for name, value in vars(record).items()}


@orders_app.command("show")
@handled
def orders_show(ctx: typer.Context, order_id: Annotated[str, typer.Argument()], as_json: JsonOption = False) -> None:
    """One order's hub record, audit trail, route and packages."""
    hub = _session(ctx).stack().hub()
    orders = OrderRepository(hub)
    record = orders.get(order_id)
    if record is None:
        raise Failed(f"the hub has no order {order_id}: `syncctl doctor --order {order_id}` tells why")
    audit = orders.audit_trail(order_id)
    packages = FulfillmentRepository(hub).packages_of(order_id)
    link = LocationRepository(hub).facility_link_for_warehouse(record.warehouse_id) if record.warehouse_id else None
    if as_json:
        views.print_json(
            {
                "order": _order_json(record),
                "audit": audit,
                "current_link": vars(link) if link else None,
                "packages": [{**vars(package), "state": package.state.value} for package in packages],
            }
        )
        return
    out = views.console()
    fields = [[name, value] for name, value in _order_json(record).items() if value not in (None, "")]
    out.print(views.table(f"order {order_id}", ["field", "value"], fields))
    route = f"warehouse {record.warehouse_id or '(none)'} -> facility {record.facility_id or '(not routed yet)'}"
    now_linked = f"; the warehouse is linked to facility {link.facility_id} now" if link else "; not linked now"
    out.print(f"route: {route}{now_linked}")
    out.print(
        views.table(
            "audit trail",
            ["when", "event", "details"],
            [[entry.get("sk", "").removeprefix("AUDIT#"), entry.get("event"), entry.get("details")] for entry in audit],
        )
    )
    if packages:
        rows = [[p.package_id, p.state.value, p.carrier, p.tracking_number, p.reason] for p in packages]
        out.print(views.table("packages", ["package", "state", "carrier", "tracking", "reason"], rows))


@orders_app.command("resend")
@handled
def orders_resend(ctx: typer.Context, order_id: Annotated[str, typer.Argument()]) -> None:
    """Put the order on the shipping-requests queue again; it is still created at most once."""
    stack = _session(ctx).stack()
    record = OrderRepository(stack.hub()).get(order_id)
    ShippingRequestQueue(stack.client("sqs"), stack.queue_url).send(ShippingRequestMessage(order_id, "operator"))
    out = views.console()
    out.print(f"order {order_id} queued for a shipping request")
    if record is None:
        out.print("the hub has not seen it before: the flow reads it from TikTok")
    elif record.is_done:
        extensiv = f" (Extensiv order {record.extensiv_order_id})" if record.extensiv_order_id else ""
        out.print(f"the hub has it as {record.state.value}{extensiv}: the flow will not send it again")


def _held_for(orders: OrderRepository, reason: HoldReason, details: set[str] | None) -> list[OrderRecord]:
    held = [record for record in orders.list_by_state(OrderState.HELD) if record.reason == reason.value]
    if details is None:
        return held
    return [record for record in held if set((record.reason_detail or "").split(",")) & details]


def _hint_resend(out: Any, waiting: list[OrderRecord]) -> None:
    if not waiting:
        return
    ids = ", ".join(record.order_id for record in waiting[:5]) + (" ..." if len(waiting) > 5 else "")
    out.print(
        f"{len(waiting)} held order(s) waited for this ({ids}): the order poll re-reads them within 15 minutes, "
        "or `syncctl orders resend <order>` now"
    )


# --- dead letters ---------------------------------------------------------------------------------


def _dead_letters(stack: Stack) -> DeadLetterQueue:
    return DeadLetterQueue(stack.client("sqs"), stack.dead_letter_queue_url, stack.queue_url)


@dead_letters_app.command("list")
@handled
def dead_letters_list(
    ctx: typer.Context,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Show at most this many.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Shipping requests that failed every delivery, with their reason."""
    session = _session(ctx)
    letters = _dead_letters(session.stack()).list(limit)
    if as_json:
        views.print_json([letter.to_json() for letter in letters])
        return
    now = session.deps.clock()
    rows = [
        [
            letter.message_id,
            letter.order_id,
            letter.reason_text,
            letter.receives,
            letter.source,
            letter.dead_lettered_at,
        ]
        for letter in letters
    ]
    rows = [[*row[:5], views.age(row[5], now)] for row in rows]
    columns = ["message id", "order", "reason", "receives", "source", "queued"]
    out = views.console()
    out.print(views.table(f"dead letters ({len(letters)})", columns, rows))
    if letters:
        out.print("replay one: `syncctl dead-letters replay <message id>`; all: `syncctl dead-letters replay --all`")


@dead_letters_app.command("show")
@handled
def dead_letters_show(
    ctx: typer.Context, message_id: Annotated[str, typer.Argument()], as_json: JsonOption = False
) -> None:
    """One dead letter: body, reason, receives, and what the hub says about its order."""
    stack = _session(ctx).stack()
    letter = _dead_letters(stack).find(message_id)
    if letter is None:
        raise Failed(f"no dead letter {message_id} (`syncctl dead-letters list` shows them)")
    record = OrderRepository(stack.hub()).get(letter.order_id) if letter.order_id else None
    if as_json:
        views.print_json({**letter.to_json(), "hub_order": _order_json(record) if record else None})
        return
    hub_state = f"{record.state.value} ({record.reason or '-'})" if record else "not in the hub"
    rows = [
        ["message id", letter.message_id],
        ["order", letter.order_id],
        ["reason", letter.reason_text],
        ["receives", letter.receives],
        ["source", letter.source],
        ["body", letter.body],
        ["order in the hub", hub_state],
    ]
    views.console().print(views.table(f"dead letter {message_id}", ["field", "value"], rows))


@dead_letters_app.command("replay")
@handled
def dead_letters_replay(
    ctx: typer.Context,
    message_id: Annotated[str | None, typer.Argument(help="The dead letter to replay.")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every dead letter.")] = False,
) -> None:
    """Send dead letters back to the shipping-requests queue; an order is still created at most once."""
    if (message_id is None) == (not replay_all):
        raise Failed("name one message id, or --all", EXIT_USAGE)
    queue = _dead_letters(_session(ctx).stack())
    out = views.console()
    if message_id is not None:
        letter = queue.replay(message_id)
        if letter is None:
            raise Failed(f"no dead letter {message_id} (`syncctl dead-letters list` shows them)")
        out.print(f"replayed {letter.message_id} (order {letter.order_id or '?'})")
        return
    replayed = _replay_all(queue, out)
    out.print(f"replayed {len(replayed)} dead letter(s); each order is still created at most once")


def _replay_all(queue: DeadLetterQueue, out: Any) -> list[DeadLetter]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=out, transient=False) as progress:
        task = progress.add_task("replaying dead letters", total=None)

        def advance(total: int, letter: DeadLetter) -> None:
            progress.update(task, total=total, advance=1)

        return queue.replay_all(advance)


# --- doctor ---------------------------------------------------------------------------------------


@app.command()
@handled
def doctor(
    ctx: typer.Context,
    order_id: Annotated[str | None, typer.Option("--order", help="Diagnose one TikTok order.")] = None,
    sku: Annotated[str | None, typer.Option("--sku", help="Diagnose one SKU (master or Extensiv SKU).")] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Do not call TikTok or Extensiv.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Which troubleshooting case holds, and what to do: for the merchant, one order or one SKU."""
    if order_id and sku:
        raise Failed("--order and --sku exclude each other", EXIT_USAGE)
    session = _session(ctx)
    stack = session.stack()
    out = views.console()
    with _spinner(out, "gathering facts"):
        facts = gather(stack, session.deps.apis(stack), order_id, sku, offline, session.deps.clock)
    findings = diagnose(facts)
    subject = f"order {order_id}" if order_id else f"SKU {sku}" if sku else f"stack {stack.target.stack_name}"
    if as_json:
        views.print_json(
            {
                "subject": subject,
                "problems": sum(1 for finding in findings if finding.severity == "problem"),
                "findings": [finding.to_json() for finding in findings],
            }
        )
    else:
        views.print_findings(out, findings, subject)
    if has_problems(findings):
        raise typer.Exit(EXIT_FOUND_PROBLEMS)


# --- arrivals ------------------------------------------------------------------------------------


@arrivals_app.command("create")
@handled
def arrivals_create(
    ctx: typer.Context,
    file: Annotated[Path, typer.Option("--file", "-f", help="Arrivals as JSON or CSV (see README).")],
) -> None:
    """Create arrivals in the hub from a file; the arrivals flow pushes them to Extensiv."""
    hub = _session(ctx).stack().hub()
    try:
        created = create_arrivals_from_file(hub, file)
    except ArrivalFileError as exc:
        raise Failed(str(exc), EXIT_USAGE) from None
    except ArrivalExists as exc:
        raise Failed(one_line(str(exc)), EXIT_USAGE) from None
    out = views.console()
    for creation in created:
        record = creation.record
        verb = "created" if creation.created else "already there, unchanged"
        units = sum(line.quantity for line in record.lines)
        out.print(
            f"{record.arrival_id}: {verb} ({len(record.lines)} SKU(s), {units} units, facility {record.facility_id})"
        )


@arrivals_app.command("list")
@handled
def arrivals_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Arrivals in the hub: state, Extensiv receiver, and the receipt's variance once received."""
    records = ArrivalRepository(_session(ctx).stack().hub()).list()
    if as_json:
        views.print_json([_arrival_json(record) for record in records])
        return
    rows = [
        [
            r.arrival_id,
            r.state.value,
            r.supplier,
            r.expected_date,
            r.facility_id,
            r.receiver_id,
            r.reason,
            _variance_text(r),
        ]
        for r in records
    ]
    columns = ["arrival", "state", "supplier", "expected", "facility", "receiver", "reason", "variance"]
    views.console().print(views.table("Arrivals", columns, rows))


def _arrival_json(record: ArrivalRecord) -> dict[str, Any]:
    return {
        "arrival_id": record.arrival_id,
        "state": record.state.value,
        "supplier": record.supplier,
        "expected_date": record.expected_date,
        "facility_id": record.facility_id,
        "receiver_id": record.receiver_id,
        "reason": record.reason,
        "lines": [{"sku": line.sku, "quantity": line.quantity} for line in record.lines],
        "receipt": None
        if record.receipt is None
        else [
            {"sku": line.sku, "expected": str(line.expected), "received": str(line.received)}
            for line in record.receipt.lines
        ],
    }


def _variance_text(record: ArrivalRecord) -> str | None:
    if record.receipt is None:
        return None
    short = [
        f"{line.sku} {line.expected - line.received:+}"
        for line in record.receipt.lines
        if line.expected != line.received
    ]
    return ", ".join(short) or "none"


# --- carriers --------------------------------------------------------------------------------------


@carriers_app.command("list")
@handled
def carriers_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Operator overrides of the built-in Extensiv carrier -> TikTok shipping provider table."""
    overrides = CarrierMappingRepository(_session(ctx).stack().hub()).list()
    if as_json:
        views.print_json([vars(override) for override in overrides])
        return
    rows = [[o.extensiv_carrier, o.shipping_provider_name, o.shipping_provider_id] for o in overrides]
    columns = ["Extensiv carrier", "TikTok provider name", "TikTok provider id"]
    views.console().print(views.table("Carrier overrides", columns, rows))


@carriers_app.command("set")
@handled
def carriers_set(
    ctx: typer.Context,
    extensiv_carrier: Annotated[str, typer.Argument(help="The carrier name as Extensiv ships with it.")],
    provider_name: Annotated[str | None, typer.Option("--provider-name", help="TikTok provider name.")] = None,
    provider_id: Annotated[str | None, typer.Option("--provider-id", help="TikTok provider id.")] = None,
) -> None:
    """Map an Extensiv carrier to a TikTok shipping provider, then re-queue packages held for it."""
    hub = _session(ctx).stack().hub()
    try:
        override = CarrierMappingRepository(hub).set(extensiv_carrier, provider_name, provider_id)
    except ValueError as exc:
        raise Failed(str(exc), EXIT_USAGE) from None
    requeued = FulfillmentRepository(hub).requeue_held(FulfillmentHoldReason.CARRIER_NOT_ACCEPTED)
    provider = override.shipping_provider_name or override.shipping_provider_id
    views.console().print(
        f"{override.extensiv_carrier} -> TikTok provider {provider}; {requeued} held package(s) will be pushed again"
    )


@carriers_app.command("remove")
@handled
def carriers_remove(ctx: typer.Context, extensiv_carrier: Annotated[str, typer.Argument()]) -> None:
    """Drop an override: the built-in table applies again."""
    removed = CarrierMappingRepository(_session(ctx).stack().hub()).remove(extensiv_carrier)
    if not removed:
        raise Failed(f"no override for carrier {extensiv_carrier} (`syncctl carriers list` shows them)")
    views.console().print(f"{extensiv_carrier}: override removed")


# --- helpers ----------------------------------------------------------------------------------------


def _spinner(out: Any, description: str) -> Progress:
    """A spinner with elapsed time while one long call runs (a forced run, gathering facts)."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    progress = Progress(*columns, console=out, transient=True)
    progress.add_task(description, total=None)
    return progress
