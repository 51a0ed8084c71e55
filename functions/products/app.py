"""Handler of the products direction: `{"action": "run"}` from the schedule, `{"action": "resync"}` on demand.

A run pulls the TikTok catalog into the hub (direction `products`), then pushes new and changed
items to Extensiv when the switch is on (direction `products_push`). A resync re-reads the whole
catalog and re-checks every item.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from catalog_pull import DIRECTION as PULL_DIRECTION
from catalog_pull import CatalogPull
from catalog_push import DIRECTION as PUSH_DIRECTION
from catalog_push import CatalogPush

from connector_common.direction import RunCounts, requested_action, run_directions
from connector_common.platforms import Platforms
from connector_common.settings import ProductSettings
from hub.catalog import CatalogRepository

logger = Logger()
tracer = Tracer()
metrics = Metrics()

ACTIONS = ("run", "resync")
# Run counts published as metrics (count unit), by metric name.
COUNT_METRICS = {
    "products_seen": "CatalogProductsSeen",
    "products_new": "CatalogProductsNew",
    "products_changed": "CatalogProductsChanged",
    "sku_conflicts_found": "CatalogSkuConflicts",
    "created": "CatalogItemsCreated",
    "updated": "CatalogItemsUpdated",
    "adopted": "CatalogItemsAdopted",
    "skipped_conflict": "CatalogItemsSkippedConflict",
    "channel_sku_missing": "CatalogChannelSkuMissing",
    "rejected": "CatalogItemsRejected",
    "failed": "CatalogItemsFailed",
}


class Runtime:
    """Everything one warm Lambda environment reuses between invocations."""

    def __init__(self) -> None:
        self.settings = ProductSettings.from_env()
        self.platforms = Platforms(self.settings)

    def pull(self) -> CatalogPull:
        platforms = self.platforms
        return CatalogPull(
            tiktok=platforms.tiktok,
            catalog=CatalogRepository(platforms.hub),
            skus=platforms.skus,
            sync_state=platforms.sync_state,
            overlap_seconds=self.settings.catalog_pull_overlap_seconds,
        )

    def push(self) -> CatalogPush:
        platforms = self.platforms
        return CatalogPush(
            extensiv=platforms.extensiv,
            catalog=CatalogRepository(platforms.hub),
            skus=platforms.skus,
            unit_name=self.settings.catalog_item_unit_name or None,
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
    metrics.add_dimension(name="direction", value=PULL_DIRECTION)
    action = action_of(event)
    resync = action == "resync"
    settings = runtime().settings
    sync_state = runtime().platforms.sync_state

    def pull(counts: RunCounts) -> None:
        runtime().pull().run(counts, resync=resync)

    def push(counts: RunCounts) -> None:
        runtime().push().run(counts, resync=resync)

    steps = (
        ("pull", PULL_DIRECTION, settings.pull_product_catalog, pull),
        ("push", PUSH_DIRECTION, settings.push_product_catalog, push),
    )
    report: dict[str, Any] = {"action": action}
    names = {direction: name for name, direction, _, _ in steps}
    # The push works from the hub, so it runs even when TikTok could not be read this time.
    results = run_directions(
        [(direction, enabled, work) for _, direction, enabled, work in steps],
        sync_state,
        on_done=lambda direction, counts: publish(counts),
    )
    report.update({names[direction]: counts for direction, counts in results.items()})
    return report


def publish(counts: dict[str, int]) -> None:
    for name, metric in COUNT_METRICS.items():
        if name in counts:
            metrics.add_metric(name=metric, unit=MetricUnit.Count, value=counts[name])
