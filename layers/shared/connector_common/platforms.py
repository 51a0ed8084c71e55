"""Connections to TikTok Shop, Extensiv and the hub, built from settings and stored secrets.

Every function builds its clients here so that credentials, base URLs and token refresh
behave the same in every direction.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import requests
from botocore.exceptions import BotoCoreError, ClientError

from connector_common.settings import HubSettings, PlatformSettings
from extensiv.auth import ExtensivCredentials, resolve_base_url
from extensiv.client import ExtensivClient
from hub.locations import LocationRepository
from hub.orders import OrderRepository
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from hub.table import HubTable
from tiktok_shop.client import TikTokShopClient
from tiktok_shop.credentials import TikTokCredentials

logger = logging.getLogger(__name__)


class SecretUnavailable(Exception):
    """A secret could not be read or written, or does not hold the expected JSON."""


class SecretStore:
    """Reads and writes JSON secrets in Secrets Manager, caching reads for `max_age` seconds."""

    def __init__(self, client: Any, max_age: float = 300.0, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.max_age = max_age
        self.clock = clock
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    def get(self, secret_id: str, fresh: bool = False) -> dict[str, Any]:
        cached = self._cache.get(secret_id)
        if cached and not fresh and self.clock() - cached[0] < self.max_age:
            return cached[1]
        try:
            response = self.client.get_secret_value(SecretId=secret_id)
            value = json.loads(response["SecretString"])
        except (ClientError, BotoCoreError) as exc:
            raise SecretUnavailable(f"cannot read secret {secret_id}: {type(exc).__name__}") from exc
        except (KeyError, json.JSONDecodeError) as exc:
            raise SecretUnavailable(f"secret {secret_id} is not a JSON object") from exc
        self._cache[secret_id] = (self.clock(), value)
        return value

    def put(self, secret_id: str, value: dict[str, Any]) -> None:
        try:
            self.client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(value))
        except (ClientError, BotoCoreError) as exc:
            raise SecretUnavailable(f"cannot write secret {secret_id}: {type(exc).__name__}") from exc
        self._cache[secret_id] = (self.clock(), value)


def tiktok_credentials(secret: dict[str, Any]) -> TikTokCredentials:
    return TikTokCredentials(
        app_key=str(secret.get("app_key", "")),
        app_secret=str(secret.get("app_secret", "")),
        access_token=str(secret.get("access_token", "")),
        refresh_token=str(secret.get("refresh_token", "")),
        shop_cipher=secret.get("shop_cipher") or None,
        shop_id=str(secret["shop_id"]) if secret.get("shop_id") else None,
        access_token_expires_at=_int_or_none(secret.get("access_token_expires_at")),
        refresh_token_expires_at=_int_or_none(secret.get("refresh_token_expires_at")),
    )


def extensiv_credentials(secret: dict[str, Any], environment: str = "production") -> ExtensivCredentials:
    return ExtensivCredentials(
        environment=environment,
        client_id=str(secret.get("client_id", "")),
        client_secret=str(secret.get("client_secret", "")),
        customer_id=int(secret.get("customer_id") or 0),
        user_id=int(secret.get("user_id") or 0),
        user_login_field=secret.get("user_login_field") or "user_login_id",
        user_login=secret.get("user_login") or None,
        tpl=secret.get("tpl") or None,
    )


class TikTokTokenKeeper:
    """Refreshes the seller's access token and stores the new pair back in the secret.

    NOTE: reference/tiktok-shop.md §3.4 [LOW]: whether an old refresh token survives a
    refresh is undocumented, so refreshes are treated as rotating: before refreshing, the
    secret is re-read, and if another invocation already stored a newer token it is used.
    """

    def __init__(self, secrets: SecretStore, secret_id: str) -> None:
        self.secrets = secrets
        self.secret_id = secret_id
        self._lock = threading.Lock()

    def current(self, fresh: bool = False) -> TikTokCredentials:
        """The credentials in the secret (`fresh` skips the read cache)."""
        return tiktok_credentials(self.secrets.get(self.secret_id, fresh=fresh))

    def refresh(self, client: TikTokShopClient, expired: TikTokCredentials) -> TikTokCredentials:
        with self._lock:
            stored = self.secrets.get(self.secret_id, fresh=True)
            if stored.get("access_token") and stored.get("access_token") != expired.access_token:
                logger.info("using access token refreshed by another invocation")
                return tiktok_credentials(stored)
            grant = client.refresh_access_token()
            updated = {
                **stored,
                "access_token": grant.access_token,
                "refresh_token": grant.refresh_token,
                "access_token_expires_at": grant.access_token_expire_in,
                "refresh_token_expires_at": grant.refresh_token_expire_in,
            }
            self.secrets.put(self.secret_id, updated)
            logger.info("TikTok access token refreshed", extra={"expires_at": grant.access_token_expire_in})
            return tiktok_credentials(updated)


class Platforms:
    """Lazily built clients and repositories for one function invocation environment."""

    def __init__(self, settings: HubSettings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        self._hub: HubTable | None = None
        self._secrets: SecretStore | None = None
        self._tiktok: TikTokShopClient | None = None
        self._extensiv: ExtensivClient | None = None

    @property
    def hub(self) -> HubTable:
        if self._hub is None:
            self._hub = HubTable(boto3.resource("dynamodb").Table(self.settings.hub_table))
        return self._hub

    @property
    def orders(self) -> OrderRepository:
        return OrderRepository(self.hub)

    @property
    def skus(self) -> SkuRepository:
        return SkuRepository(self.hub)

    @property
    def locations(self) -> LocationRepository:
        return LocationRepository(self.hub)

    @property
    def sync_state(self) -> SyncStateRepository:
        return SyncStateRepository(self.hub)

    @property
    def secrets(self) -> SecretStore:
        if self._secrets is None:
            max_age = getattr(self.settings, "secrets_max_age_seconds", 300)
            self._secrets = SecretStore(boto3.client("secretsmanager"), max_age=max_age)
        return self._secrets

    @property
    def platform_settings(self) -> PlatformSettings:
        if not isinstance(self.settings, PlatformSettings):
            raise TypeError("this function's settings do not name the platforms")
        return self.settings

    @property
    def tiktok(self) -> TikTokShopClient:
        if self._tiktok is not None and self._token_superseded(self._tiktok):
            # NOTE: the token refresh function rotates the pair days before expiry, and whether the
            # old access token keeps working is undocumented (reference/tiktok-shop.md §3.4): a
            # warm client takes the stored pair once its secret read cache (max age) has expired.
            logger.info("using the access token stored by the token refresh")
            self._tiktok = None
        if self._tiktok is None:
            settings = self.platform_settings
            keeper = TikTokTokenKeeper(self.secrets, settings.tiktok_secret_arn)
            client: TikTokShopClient | None = None

            def on_token_expired() -> TikTokCredentials:
                assert client is not None
                return keeper.refresh(client, client.credentials)

            client = TikTokShopClient(
                credentials=keeper.current(),
                session=self.session,
                api_base_url=settings.tiktok_api_base_url,
                auth_base_url=settings.tiktok_auth_base_url,
                on_token_expired=on_token_expired,
            )
            self._tiktok = client
        return self._tiktok

    def _token_superseded(self, client: TikTokShopClient) -> bool:
        """Whether the secret holds a later access token than the client uses."""
        try:
            stored = tiktok_credentials(self.secrets.get(self.platform_settings.tiktok_secret_arn))
        except SecretUnavailable:
            # The client in hand still works as well as it did: keep it, the next access re-reads.
            return False
        in_use = client.credentials
        if not stored.access_token or stored.access_token == in_use.access_token:
            return False
        return (stored.access_token_expires_at or 0) >= (in_use.access_token_expires_at or 0)

    @property
    def extensiv(self) -> ExtensivClient:
        if self._extensiv is None:
            settings = self.platform_settings
            secret = self.secrets.get(settings.extensiv_secret_arn)
            base_url = resolve_base_url(settings.extensiv_environment, settings.extensiv_base_url)
            self._extensiv = ExtensivClient(
                credentials=extensiv_credentials(secret, settings.extensiv_environment),
                base_url=base_url,
                session=self.session,
            )
        return self._extensiv


def _int_or_none(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)
