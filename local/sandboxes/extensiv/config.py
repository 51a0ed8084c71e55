"""Settings of the Extensiv sandbox: credentials, clock, and how the emulated warehouse behaves."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# NOTE: reference/extensiv.md §5 [H]: facilities carry a Windows time-zone id; the
# sandbox maps the common ones to IANA zones to render local, offset-free dates.
WINDOWS_TIME_ZONES = {
    "Pacific Standard Time": "America/Los_Angeles",
    "Mountain Standard Time": "America/Denver",
    "US Mountain Standard Time": "America/Phoenix",
    "Central Standard Time": "America/Chicago",
    "Eastern Standard Time": "America/New_York",
    "Alaskan Standard Time": "America/Anchorage",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "GMT Standard Time": "Europe/London",
    "W. Europe Standard Time": "Europe/Berlin",
    "UTC": "UTC",
}

UserField = Literal["user_login", "user_login_id"]


class Carrier(BaseModel):
    """A carrier the emulated warehouse ships with; `weight` is its share of random picks."""

    model_config = ConfigDict(extra="forbid")

    name: str
    mode: str = "Ground"
    scac_code: str = ""
    weight: float = Field(default=1.0, ge=0)
    tracking_format: Literal["ups", "usps", "fedex", "ontrac", "generic"] = "generic"


DEFAULT_CARRIERS = [
    Carrier(name="UPS", mode="Ground", scac_code="UPSN", weight=45, tracking_format="ups"),
    Carrier(name="USPS", mode="Priority Mail", scac_code="USPS", weight=35, tracking_format="usps"),
    Carrier(name="FedEx", mode="FedEx Ground", scac_code="FDEG", weight=18, tracking_format="fedex"),
    # The rare one: a regional carrier a TikTok shop may not list, so tracking pre-flight has work.
    Carrier(name="OnTrac", mode="Ground", scac_code="EMSY", weight=2, tracking_format="ontrac"),
]


class SandboxConfig(BaseModel):
    """Everything `POST /_sandbox/config` can change. Warehouse automation is off by default."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    customer_id: int = 1001
    customer_name: str = "Sandbox Merchant"
    customer_external_id: str = "SANDBOX-MERCHANT"
    user_id: int = 1523
    user_login: str = "tiktok-connector"
    # NOTE: reference/extensiv.md §2.2 [H]: tenants differ on which body field names the
    # user; list the ones this tenant accepts.
    user_fields: list[UserField] = Field(default_factory=lambda: ["user_login", "user_login_id"])
    tpl: str | None = None
    tpl_required: bool = False
    token_lifetime_seconds: float = Field(default=3600, gt=0)
    server_time_zone_name: str = "Pacific Standard Time"
    reference_num_unique: bool = True

    seed: int = 0
    ticker_interval_seconds: float = Field(default=1.0, gt=0)
    ship_after_seconds: float | None = Field(default=None, ge=0)
    split_ratio: float = Field(default=0.0, ge=0, le=1)
    cancel_ratio: float = Field(default=0.0, ge=0, le=1)
    carriers: list[Carrier] = Field(default_factory=lambda: [c.model_copy() for c in DEFAULT_CARRIERS])
    receive_after_seconds: float | None = Field(default=None, ge=0)
    receipt_shortfall: float = Field(default=0, ge=0)
    receipt_shortfall_ratio: float = Field(default=1.0, ge=0, le=1)
    stock_drift_every_seconds: float | None = Field(default=None, gt=0)
    stock_drift_max: int = Field(default=2, ge=1)

    # NOTE: reference/extensiv.md §8.3 [M]: no rate limit or 429 is documented, so this
    # is off unless a test or demo wants to exercise the client's back-off.
    rate_limit_per_second: float | None = Field(default=None, gt=0)
    rate_limit_burst: int = Field(default=10, ge=1)
