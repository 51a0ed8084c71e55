"""The token refresh handler against the TikTok sandbox on 127.0.0.1, with the secret and hub in moto.

The sandbox rotates both tokens on every refresh (the old refresh token stops working), the
strictest reading of reference/tiktok-shop.md §3.4.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from token_renewal import AuthorizationExpired, TokenNotConfigured

from connector_common.platforms import Platforms
from connector_common.settings import PlatformSettings
from hub.sync_state import SyncStateRepository
from local.sandboxes.tiktok_shop import TikTokSandbox
from tests.support.handlers import LambdaContext, load_app
from tests.support.metrics import emitted_metrics, named
from tests.support.template import function_environment

CONTROL_TIMEOUT = 5
DAY = 86400
# Reset keeps earlier config changes: every test starts from the reference lifetimes (§3.4).
SANDBOX_CONFIG = {
    "rate_limit": 0,
    "unpaid_seconds": None,
    "webhook_url": None,
    "access_token_ttl": 7 * DAY,
    "authorization_ttl": 365 * DAY,
}
REFRESH_PATH = "/api/v2/token/refresh"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[TikTokSandbox]:
    with TikTokSandbox(SANDBOX_CONFIG) as running:
        yield running


class TokenWorld:
    def __init__(self, sandbox: TikTokSandbox, aws: Any) -> None:
        self.sandbox = sandbox
        self.aws = aws

    def reset(self, **config: Any) -> None:
        self.control("reset", {"config": {**SANDBOX_CONFIG, **config}})
        requests.delete(f"{self.sandbox.url}/_sandbox/requests", timeout=CONTROL_TIMEOUT).raise_for_status()

    def control(self, path: str, body: Any = None) -> Any:
        response = requests.post(f"{self.sandbox.url}/_sandbox/{path}", json=body or {}, timeout=CONTROL_TIMEOUT)
        response.raise_for_status()
        return response.json()

    def sandbox_tokens(self) -> dict[str, Any]:
        response = requests.get(f"{self.sandbox.url}/_sandbox/credentials", timeout=CONTROL_TIMEOUT)
        response.raise_for_status()
        return response.json()

    def store_sandbox_tokens(self, with_expiry: bool = True) -> dict[str, Any]:
        """Put the sandbox's current pair into the TikTok secret, as the merchant's setup does."""
        tokens = self.sandbox_tokens()
        secret = {key: tokens[key] for key in ("app_key", "app_secret", "access_token", "refresh_token", "shop_id")}
        secret["shop_cipher"] = tokens["shop_cipher"]
        if with_expiry:
            secret["access_token_expires_at"] = tokens["access_token_expire_in"]
            secret["refresh_token_expires_at"] = tokens["refresh_token_expire_in"]
        self.put_secret(secret)
        return secret

    def put_secret(self, secret: dict[str, Any]) -> None:
        self.aws.secretsmanager.put_secret_value(SecretId=self.aws.tiktok_secret_arn, SecretString=json.dumps(secret))

    def secret(self) -> dict[str, Any]:
        return json.loads(self.aws.secretsmanager.get_secret_value(SecretId=self.aws.tiktok_secret_arn)["SecretString"])

    def refresh_calls(self) -> int:
        log = requests.get(f"{self.sandbox.url}/_sandbox/requests", timeout=CONTROL_TIMEOUT).json()["requests"]
        return sum(1 for entry in log if entry["path"] == REFRESH_PATH)

    def status(self):
        return SyncStateRepository(self.aws.hub).get("tiktok_token_refresh")


@pytest.fixture
def world(sandbox, aws) -> TokenWorld:
    return TokenWorld(sandbox, aws)


@pytest.fixture
def token_refresh(world, aws, monkeypatch):
    service = function_environment("TokenRefreshFunction")["POWERTOOLS_SERVICE_NAME"]
    environment = aws.environment(
        POWERTOOLS_SERVICE_NAME=service,
        TIKTOK_API_BASE_URL=world.sandbox.url,
        TIKTOK_AUTH_BASE_URL=world.sandbox.url,
    )
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return load_app("token_refresh")


def lifetimes(output: str) -> dict[str, float]:
    metrics = emitted_metrics(output)
    return {
        name: named(metrics, name)[0].values[0]
        for name in ("AccessTokenSecondsLeft", "RefreshTokenSecondsLeft")
        if named(metrics, name)
    }


def test_token_expiring_within_the_window_is_refreshed_and_stored_back(world, token_refresh, capsys):
    world.reset(access_token_ttl=3600)
    before = world.store_sandbox_tokens()

    result = token_refresh.handler({"action": "run"}, LambdaContext())

    stored = world.secret()
    assert result["counts"]["refreshed"] == 1
    assert world.refresh_calls() == 1
    assert stored["access_token"] != before["access_token"]
    assert stored["refresh_token"] != before["refresh_token"]
    # The pair TikTok now accepts is the one in the secret; the rest of the secret is kept.
    assert (stored["access_token"], stored["refresh_token"]) == (
        world.sandbox_tokens()["access_token"],
        world.sandbox_tokens()["refresh_token"],
    )
    assert (stored["app_secret"], stored["shop_cipher"]) == (before["app_secret"], before["shop_cipher"])
    assert stored["access_token_expires_at"] == world.sandbox_tokens()["access_token_expire_in"]
    assert world.status().last_success_at is not None


def test_token_far_from_expiry_is_left_alone_and_its_lifetimes_published(world, token_refresh, capsys):
    world.reset()
    before = world.store_sandbox_tokens()

    result = token_refresh.handler({"action": "run"}, LambdaContext())

    assert result["counts"]["not_due"] == 1
    assert world.refresh_calls() == 0
    assert world.secret() == before
    published = lifetimes(capsys.readouterr().out)
    assert 7 * DAY - 60 <= published["AccessTokenSecondsLeft"] <= 7 * DAY
    assert 364 * DAY <= published["RefreshTokenSecondsLeft"] <= 365 * DAY


def test_lifetime_metrics_carry_exactly_the_dimensions_the_alarms_name(world, token_refresh, aws, capsys):
    world.reset()
    world.store_sandbox_tokens()

    token_refresh.handler({"action": "run"}, LambdaContext())

    for metric in emitted_metrics(capsys.readouterr().out):
        assert (metric.namespace, metric.dimensions) == (
            aws.environment()["POWERTOOLS_METRICS_NAMESPACE"],
            {"service": "token_refresh", "direction": "tiktok_token_refresh"},
        )


def test_already_expired_access_token_is_refreshed(world, token_refresh):
    world.reset()
    world.control("expire-token")
    expired = world.store_sandbox_tokens()

    token_refresh.handler({"action": "run"}, LambdaContext())

    assert world.secret()["access_token"] != expired["access_token"]
    assert world.secret()["access_token_expires_at"] > time.time() + 6 * DAY


def test_secret_without_expiries_is_refreshed_to_learn_them(world, token_refresh, capsys):
    world.reset()
    world.store_sandbox_tokens(with_expiry=False)

    token_refresh.handler({"action": "run"}, LambdaContext())

    stored = world.secret()
    assert world.refresh_calls() == 1
    assert stored["access_token_expires_at"] > time.time() + 6 * DAY
    assert stored["refresh_token_expires_at"] > time.time() + 364 * DAY
    assert set(lifetimes(capsys.readouterr().out)) == {"AccessTokenSecondsLeft", "RefreshTokenSecondsLeft"}


def test_forced_refresh_renews_a_token_that_is_not_due(world, token_refresh):
    world.reset()
    before = world.store_sandbox_tokens()

    result = token_refresh.handler({"action": "force"}, LambdaContext())

    assert result["counts"]["refreshed"] == 1
    assert world.secret()["access_token"] != before["access_token"]


def test_refresh_uses_the_pair_another_function_rotated_since_the_last_run(world, token_refresh):
    # GIVEN a warm token refresh that refreshed once (its secret cache holds that pair)
    world.reset(access_token_ttl=3600)
    world.store_sandbox_tokens()
    token_refresh.handler({"action": "run"}, LambdaContext())
    # AND another function rotated the pair since (the old refresh token no longer works)
    rotated = world.secret()
    response = requests.get(
        f"{world.sandbox.url}{REFRESH_PATH}",
        params={
            "app_key": rotated["app_key"],
            "app_secret": rotated["app_secret"],
            "refresh_token": rotated["refresh_token"],
            "grant_type": "refresh_token",
        },
        timeout=CONTROL_TIMEOUT,
    )
    world.store_sandbox_tokens()
    assert response.json()["code"] == 0

    # WHEN the token refresh runs again
    result = token_refresh.handler({"action": "run"}, LambdaContext())

    # THEN it refreshed with the newest refresh token, not its cached one
    assert result["counts"]["refreshed"] == 1
    assert world.secret()["access_token"] == world.sandbox_tokens()["access_token"]


def test_expired_authorization_fails_the_run_and_says_the_seller_must_authorize_again(world, token_refresh, capsys):
    world.reset()
    world.control("expire-token", {"refresh_token": True})
    before = world.store_sandbox_tokens()

    with pytest.raises(AuthorizationExpired, match="must authorize the app again"):
        token_refresh.handler({"action": "run"}, LambdaContext())

    assert world.secret() == before
    assert "must authorize the app again" in world.status().last_error
    # The alarms still get the lifetimes of the failed run.
    published = lifetimes(capsys.readouterr().out)
    assert published["RefreshTokenSecondsLeft"] <= 0
    assert published["AccessTokenSecondsLeft"] <= 0


def test_secret_without_tokens_fails_the_run_with_a_clear_reason(world, token_refresh):
    world.reset()
    world.put_secret({"app_key": "k", "app_secret": "s", "access_token": "", "refresh_token": ""})

    with pytest.raises(TokenNotConfigured, match="holds no refresh_token"):
        token_refresh.handler({"action": "run"}, LambdaContext())

    assert world.refresh_calls() == 0
    assert "TokenNotConfigured" in world.status().last_error


def test_warm_function_clients_take_the_pair_the_token_refresh_stored(world, token_refresh, aws):
    # GIVEN another function's warm client, built before the refresh
    world.reset()
    world.store_sandbox_tokens()
    loopback = {"TIKTOK_API_BASE_URL": world.sandbox.url, "TIKTOK_AUTH_BASE_URL": world.sandbox.url}
    settings = PlatformSettings.from_env({**aws.environment(**loopback), "SECRETS_MAX_AGE_SECONDS": "0"})
    platforms = Platforms(settings)
    warm = platforms.tiktok
    assert warm.get_authorized_shops()

    # WHEN the token refresh rotates the pair (the sandbox stops accepting the old access token)
    token_refresh.handler({"action": "force"}, LambdaContext())

    # THEN the function's next client uses the stored pair, and TikTok accepts it
    assert platforms.tiktok is not warm
    assert platforms.tiktok.credentials.access_token == world.secret()["access_token"]
    assert platforms.tiktok.get_authorized_shops()
