"""The app and seller credentials one client acts with."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tiktok_shop.models import TokenGrant


@dataclass(frozen=True)
class TikTokCredentials:
    """App key and secret, the seller's tokens (expiries are absolute Unix seconds) and the shop.

    Secrets and tokens are left out of `repr`, so logging this object leaks nothing.
    `shop_cipher` may be None only for calls that take no shop (Get Authorized Shops).
    """

    app_key: str
    app_secret: str = dataclasses.field(repr=False)
    access_token: str = dataclasses.field(repr=False)
    refresh_token: str = dataclasses.field(repr=False)
    shop_cipher: str | None = None
    shop_id: str | None = None
    access_token_expires_at: int | None = None
    refresh_token_expires_at: int | None = None

    def with_grant(self, grant: TokenGrant) -> TikTokCredentials:
        """A copy carrying the tokens and expiries of a fresh token grant."""
        return dataclasses.replace(
            self,
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            access_token_expires_at=grant.access_token_expire_in,
            refresh_token_expires_at=grant.refresh_token_expire_in,
        )

    def is_access_token_expired(self, now: float, margin_s: float = 0.0) -> bool:
        """Whether the access token is expired (or within `margin_s` of it); unknown expiry is False."""
        if self.access_token_expires_at is None:
            return False
        return now >= self.access_token_expires_at - margin_s
