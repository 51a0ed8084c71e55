"""Renew the seller's TikTok access token before it expires, and say how long both tokens last.

The access token lives 7 days and must be refreshed before it runs out; the refresh token lives
as long as the seller's authorization, which no refresh extends: once it has run out the seller
must authorize the app again (reference/tiktok-shop.md §3.4). Every function also refreshes on
demand when TikTok answers 105002, so this schedule only keeps that from happening, and tells
the operator in time when the authorization itself is about to end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from connector_common.direction import RunCounts
from connector_common.platforms import TikTokTokenKeeper
from tiktok_shop.client import TikTokShopClient
from tiktok_shop.credentials import TikTokCredentials
from tiktok_shop.errors import TikTokApiError

logger = logging.getLogger(__name__)

DIRECTION = "tiktok_token_refresh"
# TikTok warns 30 days before the authorization ends (webhook type 7, reference §3.4).
AUTHORIZATION_WARNING_SECONDS = 30 * 86400
ClientFactory = Callable[[TikTokCredentials], TikTokShopClient]


class TokenNotConfigured(Exception):
    """The TikTok secret holds no refresh token: the shop's tokens were never stored."""


class AuthorizationExpired(Exception):
    """The seller's authorization (the refresh token) has run out: the seller must authorize again."""


class TokenRenewal:
    """One pass: read the secret, refresh when the access token is due, report both lifetimes.

    `run` puts `access_token_seconds_left` and `refresh_token_seconds_left` (when known) and
    `refreshed` or `not_due` into the counts. It raises TokenNotConfigured, AuthorizationExpired,
    the TikTok client's errors when the refresh fails, and SecretUnavailable from the secret store.
    """

    def __init__(
        self,
        keeper: TikTokTokenKeeper,
        client_for: ClientFactory,
        window_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keeper = keeper
        self.client_for = client_for
        self.window_seconds = window_seconds
        self.clock = clock

    def run(self, counts: RunCounts, force: bool = False) -> None:
        # Read past the cache: another function may have refreshed (and rotated) the pair.
        current = self.keeper.current(fresh=True)
        self._note_lifetimes(current, counts)
        if not current.refresh_token:
            raise TokenNotConfigured("the TikTok secret holds no refresh_token; store the shop's tokens first")
        if not force and not self.is_due(current):
            counts.add("not_due")
            self._warn_if_authorization_ends_soon(current)
            return

        try:
            renewed = self.keeper.refresh(self.client_for(current), current)
        except TikTokApiError as exc:
            if self._authorization_over(current):
                raise AuthorizationExpired(
                    "the seller's TikTok authorization has expired; the seller must authorize the app again"
                ) from exc
            raise

        counts.add("refreshed")
        self._note_lifetimes(renewed, counts)
        self._warn_if_authorization_ends_soon(renewed)

    def is_due(self, credentials: TikTokCredentials) -> bool:
        """Whether the access token expires within the window; an unknown expiry is due.

        Refreshing is what tells the expiry (the grant carries it), so a secret stored without
        `access_token_expires_at` gets one on the first run.
        """
        left = self._seconds_left(credentials.access_token_expires_at)
        return left is None or left <= self.window_seconds

    def _authorization_over(self, credentials: TikTokCredentials) -> bool:
        left = self._seconds_left(credentials.refresh_token_expires_at)
        return left is not None and left <= 0

    def _seconds_left(self, expires_at: int | None) -> int | None:
        if expires_at is None:
            return None
        return int(expires_at - self.clock())

    def _note_lifetimes(self, credentials: TikTokCredentials, counts: RunCounts) -> None:
        for name, expires_at in (
            ("access_token_seconds_left", credentials.access_token_expires_at),
            ("refresh_token_seconds_left", credentials.refresh_token_expires_at),
        ):
            left = self._seconds_left(expires_at)
            if left is None:
                counts.values.pop(name, None)
            else:
                counts.values[name] = left

    def _warn_if_authorization_ends_soon(self, credentials: TikTokCredentials) -> None:
        left = self._seconds_left(credentials.refresh_token_expires_at)
        if left is not None and left <= AUTHORIZATION_WARNING_SECONDS:
            logger.warning(
                "TikTok authorization ends soon: the seller must authorize the app again",
                extra={"refresh_token_expires_at": credentials.refresh_token_expires_at, "days_left": left // 86400},
            )
