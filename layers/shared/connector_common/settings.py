"""Typed settings per function, read from environment variables and validated before a handler runs.

Each field name is the lower-case form of its environment variable (HUB_TABLE -> hub_table);
template.yaml sets them, and this module is the one place that knows their names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator


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
    return_events_queue_url: str | None = None
    shipment_cancellations_function: str | None = None
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


class LocationSettings(PlatformSettings):
    """The locations direction: Extensiv facilities and TikTok warehouses into the hub."""

    # On by default: it only reads both platforms, and linking needs the lists (SPEC setup step 5).
    pull_locations: bool = True


class InventorySettings(PlatformSettings):
    """The inventory direction: Extensiv available stock to the linked TikTok warehouses."""

    pull_inventory: bool = False
    # Comma-separated master SKUs; empty means every SKU.
    inventory_sku_scope: frozenset[str] = frozenset()
    # Units held back from TikTok for every SKU without a buffer of its own in the hub.
    inventory_default_buffer: int = Field(default=0, ge=0)
    # A SKU that Search Products did not find is looked up again after this long (or on resync).
    unknown_sku_recheck_seconds: int = 3600

    @field_validator("inventory_sku_scope", mode="before")
    @classmethod
    def _split_sku_scope(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value


class FulfillmentSettings(PlatformSettings):
    """The fulfillments direction: shipped Extensiv orders into the hub, packages to TikTok."""

    pull_fulfillments: bool = False
    push_fulfillments: bool = False
    # The shop's market decides the ship call (reference/tiktok-shop.md §4.4): US, GB, EU and JP
    # mark packages as shipped; SEA and LATAM ship TikTok's own package.
    tiktok_shop_region: str = "US"
    # NOTE: Extensiv dates carry no time zone (reference/extensiv.md §8.6): each pull re-reads
    # this far behind its cursor and skips what it recorded already.
    fulfillment_pull_overlap_seconds: int = Field(default=7200, ge=0)
    fulfillment_initial_lookback_seconds: int = Field(default=3 * 86400, gt=0)
    fulfillment_claim_lease_seconds: float = Field(default=120.0, gt=0)
    # Held packages are checked again after this long (an override may have been set meanwhile).
    fulfillment_recheck_held_after_seconds: int = Field(default=900, ge=0)

    @field_validator("tiktok_shop_region", mode="after")
    @classmethod
    def _upper_region(cls, value: str) -> str:
        return value.strip().upper()


class ShipmentCancellationSettings(PlatformSettings):
    """Shipment cancellations: Extensiv cancellations to TikTok, TikTok buyer cancellations to Extensiv."""

    push_warehouse_cancellations: bool = False
    push_buyer_cancellations: bool = False
    tiktok_shop_region: str = "US"
    warehouse_cancellation_overlap_seconds: int = Field(default=7200, ge=0)
    buyer_cancellation_overlap_seconds: int = Field(default=600, ge=0)
    cancellation_initial_lookback_seconds: int = Field(default=3 * 86400, gt=0)

    @field_validator("tiktok_shop_region", mode="after")
    @classmethod
    def _upper_region(cls, value: str) -> str:
        return value.strip().upper()


class ProductSettings(PlatformSettings):
    """The products direction: the TikTok catalog into the hub, optionally pushed as Extensiv items."""

    # On by default: it only reads TikTok, and SKU conflicts are found by it.
    pull_product_catalog: bool = True
    push_product_catalog: bool = False
    # TikTok stamps products in whole seconds: each pull re-reads this far behind its cursor.
    catalog_pull_overlap_seconds: int = Field(default=300, ge=0)
    # NOTE: the unit must exist in the 3PL's unit-of-measure list (reference/extensiv.md §6, [L]).
    catalog_item_unit_name: str = "Each"


class ArrivalSettings(PlatformSettings):
    """Arrivals (hub -> Extensiv receivers) and receipts (confirmed receivers -> hub)."""

    push_arrivals: bool = False
    pull_receipts: bool = False
    arrival_claim_lease_seconds: float = Field(default=120.0, gt=0)
    # Held arrivals (unknown SKU, refused by Extensiv) are tried again after this long (or on resync).
    arrival_recheck_held_after_seconds: int = Field(default=900, ge=0)
    # NOTE: Extensiv dates carry no time zone and may be in each facility's own zone
    # (reference/extensiv.md §8.6): each pull re-reads a day behind its cursor and skips what
    # it recorded already (receivers are few, so the re-read is cheap).
    receipt_pull_overlap_seconds: int = Field(default=86400, ge=0)
    receipt_initial_lookback_seconds: int = Field(default=7 * 86400, gt=0)


class ReturnSettings(PlatformSettings):
    """Returns, each way on its own switch: TikTok returns to Extensiv expected returns, and
    what Extensiv receives back to the hub and TikTok."""

    returns_to_extensiv: bool = False
    returns_from_extensiv: bool = False
    return_claim_lease_seconds: float = Field(default=120.0, gt=0)
    # TikTok's search index can lag: each poll re-reads this far behind its cursor.
    return_poll_overlap_seconds: int = Field(default=600, ge=0)
    return_poll_lag_seconds: int = Field(default=5, ge=0)
    return_initial_lookback_seconds: int = Field(default=7 * 86400, gt=0)
    # NOTE: Extensiv dates carry no time zone and may be facility time (reference/extensiv.md
    # §8.6): each receipt pull re-reads this far behind its cursor, enough to span US zones.
    return_receipt_overlap_seconds: int = Field(default=12 * 3600, ge=0)
    return_receipt_initial_lookback_seconds: int = Field(default=7 * 86400, gt=0)


class TokenRefreshSettings(PlatformSettings):
    """The TikTok token refresh: renew the seller's access token before it expires."""

    # The function runs every hour: a window of a day leaves many runs to retry a failed refresh
    # before the 7-day access token (reference/tiktok-shop.md §3.4) runs out.
    tiktok_token_refresh_window_seconds: int = Field(default=86400, ge=7200)


class HealthSettings(HubSettings):
    """The health check: how long ago each direction last ran successfully, from the hub."""
