"""Handler of the inventory direction: `{"action": "run"}` from the schedule, `{"action": "resync"}` on demand."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from inventory_sync import DIRECTION, InventorySync

from connector_common.direction import RunCounts, requested_action, run_direction
from connector_common.platforms import Platforms
from connector_common.settings import InventorySettings
from hub.inventory import InventoryRepository

logger = Logger()
tracer = Tracer()
metrics = Metrics()
metrics.set_default_dimensions(direction=DIRECTION)

ACTIONS = ("run", "resync")
# Run counts published as metrics (count unit), by metric name.
COUNT_METRICS = {
    "skipped_switched_off": "DirectionSwitchedOff",
    "skus_in_scope": "InventorySkusInScope",
    "skus_pushed": "InventorySkusPushed",
    "skus_unchanged": "InventorySkusUnchanged",
    "skus_failed": "InventorySkusFailed",
    "unlinked_facilities": "InventoryUnlinkedFacilities",
    "unknown_on_tiktok": "InventoryUnknownSkus",
    "sku_conflicts": "InventorySkuConflicts",
    "oversell_risks": "OversellRisk",
}


class Runtime:
    """Everything one warm Lambda environment reuses between invocations."""

    def __init__(self) -> None:
        self.settings = InventorySettings.from_env()
        self.platforms = Platforms(self.settings)

    def sync(self) -> InventorySync:
        platforms = self.platforms
        return InventorySync(
            extensiv=platforms.extensiv,
            tiktok=platforms.tiktok,
            skus=platforms.skus,
            locations=platforms.locations,
            orders=platforms.orders,
            inventory=InventoryRepository(platforms.hub),
            sync_state=platforms.sync_state,
            sku_scope=self.settings.inventory_sku_scope,
            default_buffer=self.settings.inventory_default_buffer,
            unknown_recheck_seconds=self.settings.unknown_sku_recheck_seconds,
        )


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    return Runtime()


def action_of(event: dict[str, Any]) -> str:
    """The requested action; raises ValueError for anything but run or resync."""
    return requested_action(event, ACTIONS)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = action_of(event)
    settings = runtime().settings

    def work(counts: RunCounts) -> None:
        runtime().sync().run(counts, resync=action == "resync")

    counts = run_direction(DIRECTION, settings.pull_inventory, runtime().platforms.sync_state, work)
    for name, metric in COUNT_METRICS.items():
        if name in counts:
            metrics.add_metric(name=metric, unit=MetricUnit.Count, value=counts[name])
    if "stock_staleness_s" in counts:
        metrics.add_metric(name="StockStaleness", unit=MetricUnit.Seconds, value=counts["stock_staleness_s"])
    return {"action": action, "counts": counts}
