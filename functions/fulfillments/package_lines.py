"""Pure rules between Extensiv packages and TikTok line items.

- `shipment_from`: a shipped Extensiv order -> carrier, ship date and packages with their
  lines, each line's Extensiv SKU translated back to the master SKU.
- `allocate_line_items`: which TikTok line items each package carries. A TikTok line item
  is one unit (reference/tiktok-shop.md §4.1.4), so a package holding 2 units of SKU X
  takes two unshipped line items of SKU X.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from extensiv.models import ExtensivOrder
from hub.fulfillments import PackageLine, PackageRecord, Shipment, ShippedPackage
from hub.skus import SkuRepository
from tiktok_shop.models import LineItem, Order

# Line statuses before a line leaves with a package; `TO_SHIP` appears in the 202507 sample.
UNSHIPPED_LINE_STATUSES = frozenset({"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "TO_SHIP"})


class AmbiguousChannelSku(Exception):  # noqa: N818 - a data condition the caller reports
    """An Extensiv SKU is the channel SKU of several master SKUs."""


def master_sku_translator(skus: SkuRepository) -> Callable[[str], str]:
    """Extensiv SKU -> master SKU: the master whose channel SKU it is, else the SKU itself.

    The translator raises AmbiguousChannelSku when several masters claim the channel SKU.
    """

    def master_sku_for(extensiv_sku: str) -> str:
        masters = sorted({record.master_sku for record in skus.find_by_channel_sku(extensiv_sku)})
        if len(masters) > 1:
            raise AmbiguousChannelSku(f"Extensiv SKU {extensiv_sku} is the channel SKU of {', '.join(masters)}")
        return masters[0] if masters else extensiv_sku

    return master_sku_for


def retranslated(package: PackageRecord, master_sku_for: Callable[[str], str]) -> PackageRecord:
    """The package with its lines translated by today's SKU mapping (an operator may have fixed a
    channel SKU since the pull); lines that cannot be translated keep what the pull recorded."""
    lines = []
    for line in package.lines:
        try:
            lines.append(replace(line, master_sku=master_sku_for(line.extensiv_sku)))
        except AmbiguousChannelSku:
            lines.append(line)
    return replace(package, lines=lines)


@dataclass(frozen=True)
class Allocation:
    """The TikTok line items one package carries, and the units no line item was left for."""

    order_line_item_ids: list[str]
    unmatched: dict[str, int] = field(default_factory=dict)

    @property
    def problem(self) -> str | None:
        if self.unmatched:
            parts = ", ".join(f"{units} x {sku}" for sku, units in sorted(self.unmatched.items()))
            return f"no unshipped TikTok line item left for {parts}"
        if not self.order_line_item_ids:
            return "the package carries no whole TikTok line item (only part of a bundle)"
        return None


def shipment_from(order: ExtensivOrder, master_sku_for: Callable[[str], str]) -> Shipment:
    """Read a shipped Extensiv order. `master_sku_for` translates an Extensiv SKU and raises
    AmbiguousChannelSku when it cannot; such lines are kept as line problems."""
    skus = {item.order_item_id: item.sku for item in order.order_items if item.order_item_id is not None}
    routing = order.routing_info
    packages = _package_contents(order, skus)
    shipped = []
    for package_id, tracking_number, contents, problems in packages:
        lines, line_problems = _lines(contents, master_sku_for)
        shipped.append(ShippedPackage(package_id, tracking_number, lines, problems + line_problems))
    return Shipment(
        extensiv_order_id=str(order.order_id),
        reference_num=order.reference_num,
        carrier=routing.carrier,
        scac=routing.scac,
        ship_date=order.shipped_date,
        last_modified_date=order.last_modified_date,
        packages=shipped,
    )


def _package_contents(
    order: ExtensivOrder, skus: dict[int, str | None]
) -> list[tuple[str, str | None, Counter[str], list[str]]]:
    """(package id, tracking, units per Extensiv SKU, problems) for each package of the order."""
    routing_tracking = order.routing_info.tracking_number
    everything: Counter[str] = Counter()
    for item in order.order_items:
        if item.sku:
            everything[item.sku] += item.qty
    packages = sorted(order.packages, key=lambda package: package.package_id or 0)

    # NOTE: packages come only with detail=Packages and a shipment without parcels (LTL) may
    # have none (reference/extensiv.md §3.4): the order-level tracking then covers every line.
    if not packages:
        return [(f"order-{order.order_id}", routing_tracking, everything, [])]
    # A warehouse that records no contents per package: the first package's tracking is the
    # shipment's master tracking and covers every line (one TikTok package).
    if all(not package.contents for package in packages):
        first = packages[0]
        return [(str(first.package_id), first.tracking_number or routing_tracking, everything, [])]

    result = []
    single = len(packages) == 1
    for package in packages:
        contents: Counter[str] = Counter()
        problems = []
        for content in package.contents:
            sku = skus.get(content.order_item_id) if content.order_item_id is not None else None
            if not sku:
                problems.append(f"package content names unknown order item {content.order_item_id}")
                continue
            contents[sku] += content.qty
        if not package.contents:
            problems.append("package has no contents recorded")
        tracking = package.tracking_number or (routing_tracking if single else None)
        result.append((str(package.package_id), tracking, contents, problems))
    return result


def _lines(contents: Counter[str], master_sku_for: Callable[[str], str]) -> tuple[list[PackageLine], list[str]]:
    lines, problems = [], []
    for extensiv_sku, quantity in sorted(contents.items()):
        units = Decimal(quantity)
        if units <= 0 or units != units.to_integral_value():
            problems.append(f"{extensiv_sku}: {units} is not a whole number of units")
            continue
        try:
            master_sku = master_sku_for(extensiv_sku)
        except AmbiguousChannelSku as exc:
            problems.append(str(exc))
            continue
        lines.append(PackageLine(extensiv_sku, master_sku, int(units)))
    return lines, problems


def is_line_shipped(line: LineItem) -> bool:
    """Whether TikTok has the line item in a shipped package already."""
    if line.is_cancelled:
        return False
    if line.display_status:
        return line.display_status not in UNSHIPPED_LINE_STATUSES
    return bool(line.package_id)


def allocate_line_items(order: Order, packages: Iterable[PackageRecord]) -> dict[str, Allocation]:
    """Line items for every package that has none assigned yet, in package order.

    Line items already assigned to a package (pushed or not) and line items TikTok shows as
    shipped are not given out again; cancelled lines never are. Bundle lines (virtual bundles,
    `combined_listing_skus`) go to the package that completes their components.
    """
    packages = sorted(packages, key=lambda package: package.package_id)
    taken = {line_id for package in packages for line_id in package.order_line_item_ids}
    free = [line for line in order.open_line_items if line.id not in taken and not is_line_shipped(line)]

    singles: dict[str, list[str]] = defaultdict(list)
    bundles: list[tuple[str, Counter[str]]] = []
    for line in sorted(free, key=lambda line: line.id):
        if line.combined_listing_skus:
            components: Counter[str] = Counter()
            for sku, units in line.pick_units():
                components[sku or ""] += units
            bundles.append((line.id, components))
        elif line.master_sku:
            singles[line.master_sku].append(line.id)

    allocations = {}
    for package in packages:
        if package.order_line_item_ids:
            continue
        line_ids: list[str] = []
        unmatched: Counter[str] = Counter()
        for package_line in package.lines:
            pool = singles[package_line.master_sku]
            taken_now = pool[: package_line.quantity]
            del pool[: package_line.quantity]
            line_ids += taken_now
            missing = package_line.quantity - len(taken_now)
            missing = _take_bundle_units(bundles, package_line.master_sku, missing, line_ids)
            if missing:
                unmatched[package_line.master_sku] += missing
        allocations[package.package_id] = Allocation(line_ids, dict(unmatched))
    return allocations


def _take_bundle_units(bundles: list[tuple[str, Counter[str]]], sku: str, missing: int, line_ids: list[str]) -> int:
    """Consume component units from bundle lines; a bundle completed here joins `line_ids`."""
    for bundle in list(bundles):
        if missing <= 0:
            break
        line_id, remaining = bundle
        used = min(remaining[sku], missing)
        if not used:
            continue
        remaining[sku] -= used
        missing -= used
        if not +remaining:
            line_ids.append(line_id)
            bundles.remove(bundle)
    return missing
