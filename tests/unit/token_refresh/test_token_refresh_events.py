"""The token refresh's sample events, its schedule and its refresh window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from token_renewal import TokenRenewal

from connector_common.settings import TokenRefreshSettings
from tests.support.handlers import load_app
from tests.support.template import parameter_default, resource
from tiktok_shop.credentials import TikTokCredentials

EVENTS = Path(__file__).resolve().parents[3] / "events" / "token_refresh"
NOW = 1_800_000_000
REQUIRED = {"HUB_TABLE": "hub", "TIKTOK_SECRET_ARN": "t", "EXTENSIV_SECRET_ARN": "e"}


def test_hourly_schedule_sends_the_sample_event():
    schedule = resource("TokenRefreshFunction")["Properties"]["Events"]["Run"]["Properties"]

    assert json.loads(schedule["Input"]) == json.loads((EVENTS / "schedule-run.json").read_text()) == {"action": "run"}
    assert parameter_default(schedule["Schedule"]["Ref"]) == "rate(1 hour)"


@pytest.mark.parametrize("event", ["schedule-run.json", "force-refresh.json"])
def test_sample_events_name_an_action_the_handler_takes(event):
    app = load_app("token_refresh")

    assert app.action_of(json.loads((EVENTS / event).read_text())) in app.ACTIONS


def test_refresh_window_defaults_to_a_day_in_the_settings_and_the_template():
    settings = TokenRefreshSettings.from_env(REQUIRED)

    assert settings.tiktok_token_refresh_window_seconds == parameter_default("TikTokTokenRefreshWindowSeconds") == 86400


def test_refresh_window_shorter_than_two_hourly_runs_is_refused():
    with pytest.raises(ValueError, match="greater than or equal to 7200"):
        TokenRefreshSettings.from_env({**REQUIRED, "TIKTOK_TOKEN_REFRESH_WINDOW_SECONDS": "3600"})


@pytest.mark.parametrize(
    ("expires_in", "due"),
    [(None, True), (-5, True), (3600, True), (86400, True), (86401, False), (7 * 86400, False)],
)
def test_access_token_is_due_within_the_window_or_when_its_expiry_is_unknown(expires_in, due):
    renewal = TokenRenewal(keeper=None, client_for=None, window_seconds=86400, clock=lambda: NOW)
    credentials = TikTokCredentials(
        app_key="k",
        app_secret="s",
        access_token="a",
        refresh_token="r",
        access_token_expires_at=None if expires_in is None else NOW + expires_in,
    )

    assert renewal.is_due(credentials) is due
