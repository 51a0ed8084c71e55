"""Handler of the TikTok token refresh: `{"action": "run"}` from the hourly schedule, `{"action": "force"}` on demand.

A run refreshes the seller's access token when it expires within the window and stores the new
pair back in the TikTok secret; `force` refreshes whatever the expiry. Every run, failed or not,
publishes how long the access token and the refresh token (the seller's authorization) last.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from token_renewal import DIRECTION, TokenRenewal

from connector_common.direction import RunCounts, requested_action, run_direction
from connector_common.observability import route_library_logs
from connector_common.platforms import Platforms, TikTokTokenKeeper
from connector_common.settings import TokenRefreshSettings
from tiktok_shop.client import TikTokShopClient
from tiktok_shop.credentials import TikTokCredentials

logger = Logger()
route_library_logs(logger, "token_renewal")
tracer = Tracer()
metrics = Metrics()
metrics.set_default_dimensions(direction=DIRECTION)

ACTIONS = ("run", "force")
# Token lifetimes published as metrics (seconds), by count name; the alarms watch these.
LIFETIME_METRICS = {
    "access_token_seconds_left": "AccessTokenSecondsLeft",
    "refresh_token_seconds_left": "RefreshTokenSecondsLeft",
}


class Runtime:
    """Everything one warm Lambda environment reuses between invocations."""

    def __init__(self) -> None:
        self.settings = TokenRefreshSettings.from_env()
        self.platforms = Platforms(self.settings)

    def renewal(self) -> TokenRenewal:
        settings = self.settings
        keeper = TikTokTokenKeeper(self.platforms.secrets, settings.tiktok_secret_arn)
        return TokenRenewal(keeper, self.client_for, settings.tiktok_token_refresh_window_seconds)

    def client_for(self, credentials: TikTokCredentials) -> TikTokShopClient:
        # A client of its own per refresh, built from the pair just read: never a warm client's copy.
        settings = self.settings
        return TikTokShopClient(
            credentials=credentials,
            session=self.platforms.session,
            api_base_url=settings.tiktok_api_base_url,
            auth_base_url=settings.tiktok_auth_base_url,
        )


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    return Runtime()


def action_of(event: dict[str, Any]) -> str:
    """The requested action; raises ValueError for anything but run or force."""
    return requested_action(event, ACTIONS)


def publish(counts: dict[str, int]) -> None:
    for name, metric in LIFETIME_METRICS.items():
        if name in counts:
            metrics.add_metric(name=metric, unit=MetricUnit.Seconds, value=counts[name])
    metrics.add_metric(name="AccessTokenRefreshed", unit=MetricUnit.Count, value=counts.get("refreshed", 0))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = action_of(event)

    def work(counts: RunCounts) -> None:
        try:
            runtime().renewal().run(counts, force=action == "force")
        finally:
            # A failed refresh is when the lifetimes matter most: the alarms see them either way.
            publish(counts.values)

    counts = run_direction(DIRECTION, True, runtime().platforms.sync_state, work)
    return {"action": action, "counts": counts}
