"""Typed settings per function, read from environment variables and validated before a handler runs.

Each field name is the lower-case form of its environment variable (HUB_TABLE -> hub_table);
template.yaml sets them, and this module is the one place that knows their names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, field_validator


class Settings(BaseModel):
    """Base: builds itself from the environment."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        environ = os.environ if environ is None else environ
        values = {name: environ[name.upper()] for name in cls.model_fields if name.upper() in environ}
        return cls.model_validate(values)


class HubSettings(Settings):
    hub_table: str


class PlatformSettings(HubSettings):
    """Where the two platforms are and where their credentials live."""

    tiktok_secret_arn: str
    extensiv_secret_arn: str
    tiktok_api_base_url: str = "https://open-api.tiktokglobalshop.com"
    tiktok_auth_base_url: str = "https://auth.tiktok-shops.com"
    extensiv_environment: Literal["sandbox", "production"] = "sandbox"
    extensiv_base_url: str | None = None
    secrets_max_age_seconds: int = 300


class WebhookSettings(HubSettings):
    tiktok_secret_arn: str
    idempotency_table: str
    shipping_requests_queue_url: str
    webhook_max_age_seconds: int = 57600
    # NOTE: TikTok stamps the body when it pushes; a clock a little ahead of ours is not forgery.
    webhook_max_future_skew_seconds: int = 300
    secrets_max_age_seconds: int = 300


class ShippingRequestSettings(PlatformSettings):
    shipping_requests_queue_url: str
    shipping_requests_dead_letter_queue_url: str | None = None
    # The queue's maxReceiveCount: on the last delivery the function parks the request itself,
    # with its reason; SQS redrive remains the backstop when the function dies instead.
    shipping_request_max_receives: int = 5
    push_shipping_requests: bool = False
    order_id_scope: frozenset[str] = frozenset()
    claim_lease_seconds: float = 120.0
    poll_overlap_seconds: int = 300
    poll_lag_seconds: int = 5
    initial_lookback_seconds: int = 24 * 3600
    recheck_held_after_seconds: int = 900

    @field_validator("order_id_scope", mode="before")
    @classmethod
    def _split_scope(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value
