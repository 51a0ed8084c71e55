"""Settings of one sandbox shop: credentials, market, clocks of the order lifecycle, webhooks."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .errors import ControlError

# Markets where seller shipping goes through Mark Package As Shipped (reference §4.4).
MARK_SHIPPED_MARKETS = frozenset({"US", "GB", "ES", "IE", "IT", "DE", "FR", "JP"})
# Markets where a seller may cancel single line items (reference §4.5).
PARTIAL_CANCEL_MARKETS = frozenset({"US", "GB"})


@dataclass
class SandboxConfig:
    """Everything `POST /_sandbox/config` can change. Durations are seconds; None disables a step."""

    app_key: str = "sandbox_app_key"
    app_secret: str = "sandbox_app_secret"
    shop_id: str = "7495540735365777507"
    shop_cipher: str = "ROW_SbxAAABBAAB8tKAVoAqsMTjsQZFL"
    shop_name: str = "Sandbox Demo Shop"
    shop_code: str = "USLCSBX0001"
    region: str = "US"
    seller_type: str = "LOCAL"
    open_id: str = "7010736057180325637"
    seller_name: str = "Sandbox Demo Seller"
    currency: str = "USD"
    # Reference §3.4: access tokens live 7 days; the refresh token lives as long as the authorization.
    access_token_ttl: float = 7 * 86400
    authorization_ttl: float = 365 * 86400
    # Reference §6.3: 50 requests per second per API per app per shop. 0 disables the limiter.
    rate_limit: int = 50
    webhook_url: str | None = None
    webhook_timeout: float = 3.0
    # Reference §5.1: TikTok retries after 2 min, 30 min, 3 h and 12 h, then gives up.
    webhook_retry_delays: list[float] = field(default_factory=lambda: [120.0, 1800.0, 10800.0, 43200.0])
    webhook_duplicate_ratio: float = 0.0
    webhook_duplicate_delay: float = 0.2
    # NOTE: the ORDER_STATUS_CHANGE topic page spells the cancelled status CANCEL (reference §5.4).
    webhook_cancel_status: str = "CANCEL"
    unpaid_seconds: float | None = 5.0
    # Reference §4.1.3: ON_HOLD lasts about an hour (the buyer's remorse window).
    hold_seconds: float = 3600.0
    in_transit_seconds: float | None = 300.0
    delivered_seconds: float | None = 1800.0
    completed_seconds: float | None = None
    return_step_seconds: float | None = 60.0
    # Reference §4.5 / SPEC: sellers answer a buyer's cancel request within 24 hours.
    buyer_cancel_response_seconds: float = 86400.0
    # Reference §4.4: US tracking may be corrected within 72 h of shipping, once.
    shipping_info_update_window: float = 72 * 3600.0
    # NOTE: reference §4.2 is unsure whether quantity 0 is accepted (doc says [1, 99,999], older
    # specs and common practice use 0); the sandbox accepts 0 unless this is raised to 1.
    inventory_min_quantity: int = 0
    inventory_max_quantity: int = 99999
    # NOTE: 21011036 "split same sku in Multi Package not allow" is in the Mark Package As Shipped
    # error table, but when it applies is not documented (reference §4.4); off unless enabled.
    reject_same_sku_split: bool = False
    tick_interval: float = 0.1
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def updated(self, changes: dict[str, Any]) -> SandboxConfig:
        """A copy with `changes` applied; raises ControlError for unknown keys or bad values."""
        known = {item.name: item for item in dataclasses.fields(self)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise ControlError(f"unknown config keys: {', '.join(unknown)}")
        values = self.to_dict()
        for key, value in changes.items():
            values[key] = _coerce(key, value, getattr(self, key))
        return SandboxConfig(**values)


def _coerce(key: str, value: Any, current: Any) -> Any:
    optional = key in {
        "webhook_url",
        "unpaid_seconds",
        "in_transit_seconds",
        "delivered_seconds",
        "completed_seconds",
        "return_step_seconds",
    }
    if value is None:
        if optional:
            return None
        raise ControlError(f"config {key} cannot be null")
    try:
        if isinstance(current, bool):
            if not isinstance(value, bool):
                raise TypeError(key)
            return value
        if isinstance(current, list):
            return [float(item) for item in value]
        if isinstance(current, int) and not isinstance(current, bool):
            return int(value)
        if isinstance(current, float) or (current is None and key != "webhook_url"):
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ControlError(f"config {key} has a bad value: {value!r}") from exc
