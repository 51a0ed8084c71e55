"""Token call, caching and the diagnosis of a failed connection."""

from __future__ import annotations

import json

import pytest
import requests
from pydantic import ValidationError

from connector_common.retry import RetryPolicy
from extensiv.auth import (
    ENVIRONMENTS,
    ExtensivCredentials,
    TokenProvider,
    resolve_base_url,
)
from extensiv.errors import ExtensivAuthError
from tests.unit.extensiv.conftest import BASE_URL, TOKEN_PATH, reply

# The made-up pair printed on REL-auth and the Basic header the page shows for it.
DOC_CLIENT_ID = "fr4zzl3d-g0rp-ni11-b0rk-cr4ck3rj4ck5"
DOC_CLIENT_SECRET = "rump3lstiltskin"
DOC_BASIC = "Basic ZnI0enpsM2QtZzBycC1uaTExLWIwcmstY3I0Y2szcmo0Y2s1OnJ1bXAzbHN0aWx0c2tpbg=="

FAST = RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0)


def provider(credentials, transport, clock=None, base_url=BASE_URL):
    kwargs = {"clock": clock} if clock else {}
    return TokenProvider(credentials, transport, base_url, retry_policy=FAST, sleep=lambda _: None, **kwargs)


def with_fields(credentials: ExtensivCredentials, **changes) -> ExtensivCredentials:
    fields = {**credentials.model_dump(), "client_secret": credentials.client_secret.get_secret_value()}
    return ExtensivCredentials(**{**fields, **changes})


def failure(credentials, transport, *replies) -> ExtensivAuthError:
    transport.add("POST", TOKEN_PATH, *replies)
    with pytest.raises(ExtensivAuthError) as caught:
        provider(credentials, transport).token()
    return caught.value


def test_token_request_matches_the_documented_sample(credentials, transport, extensiv_sample):
    documented = with_fields(
        credentials,
        client_id=DOC_CLIENT_ID,
        client_secret=DOC_CLIENT_SECRET,
        user_login_field="user_login",
        user_login="guysmiley",
    )
    transport.add_token("tok-1")

    token = provider(documented, transport).token()

    (sent,) = transport.sent
    assert token == "tok-1"
    assert (sent.method, sent.url) == ("POST", BASE_URL + TOKEN_PATH)
    assert sent.headers["Authorization"] == DOC_BASIC
    assert sent.headers["Content-Type"] == "application/json; charset=utf-8"
    assert sent.headers["Accept"] == "application/json"
    assert sent.json == json.loads(extensiv_sample("auth-token.request.json"))
    assert sent.timeout is not None


def test_token_request_sends_the_numeric_user_as_user_login_id_by_default(credentials, transport):
    transport.add_token("tok-1")

    provider(credentials, transport).token()

    assert transport.sent[0].json == {"grant_type": "client_credentials", "user_login_id": "1523"}


def test_token_request_user_login_falls_back_to_the_user_id(credentials, transport):
    transport.add_token("tok-1")

    provider(with_fields(credentials, user_login_field="user_login"), transport).token()

    assert transport.sent[0].json == {"grant_type": "client_credentials", "user_login": "1523"}


def test_token_request_carries_tpl_when_the_credential_has_one(credentials, transport):
    transport.add_token("tok-1")

    provider(with_fields(credentials, tpl="{0a1b2c3d-0000-4000-8000-000000000000}"), transport).token()

    assert transport.sent[0].json["tpl"] == "{0a1b2c3d-0000-4000-8000-000000000000}"


def test_token_is_cached_until_half_its_lifetime(credentials, transport, clock):
    transport.add_token("tok-1", "tok-2")
    tokens = provider(credentials, transport, clock)

    first = tokens.token()
    clock.now += 1799
    cached = tokens.token()
    clock.now += 1
    refreshed = tokens.token()

    assert (first, cached, refreshed) == ("tok-1", "tok-1", "tok-2")
    assert len(transport.sent) == 2


def test_token_short_lifetime_is_refreshed_five_minutes_before_expiry(credentials, transport, clock):
    transport.add_token("tok-1", expires_in=400)
    transport.add_token("tok-2")
    tokens = provider(credentials, transport, clock)

    tokens.token()
    clock.now += 99
    assert tokens.token() == "tok-1"
    clock.now += 1
    assert tokens.token() == "tok-2"


def test_token_without_expires_in_assumes_thirty_minutes(credentials, transport, clock):
    transport.add_token("tok-1", expires_in=None)
    transport.add_token("tok-2")
    tokens = provider(credentials, transport, clock)

    tokens.token()
    clock.now += 899
    assert tokens.token() == "tok-1"
    clock.now += 1
    assert tokens.token() == "tok-2"


def test_invalidate_forces_a_new_token(credentials, transport):
    transport.add_token("tok-1", "tok-2")
    tokens = provider(credentials, transport)
    tokens.token()

    tokens.invalidate("tok-1")

    assert tokens.token() == "tok-2"


def test_invalidate_of_an_older_token_keeps_the_current_one(credentials, transport):
    transport.add_token("tok-1")
    tokens = provider(credentials, transport)
    tokens.token()

    tokens.invalidate("tok-0")

    assert tokens.token() == "tok-1"
    assert len(transport.sent) == 1


def test_documented_token_response_with_comments_fails_clearly(credentials, transport, extensiv_sample):
    documented = extensiv_sample("auth-token.response.txt")

    error = failure(credentials, transport, reply(200, text=documented))

    assert error.failed_credential == "environment"
    assert "is not valid JSON" in str(error)
    assert isinstance(error.__cause__, json.JSONDecodeError)


def test_token_response_without_access_token_fails_clearly(credentials, transport):
    error = failure(credentials, transport, reply(200, {"token_type": "Bearer"}))

    assert error.failed_credential == "environment"
    assert "no usable access_token" in str(error)


def test_invalid_client_names_client_id_and_secret_and_the_environment(credentials, transport):
    rejected = reply(401, {"Message": "invalid_client: client not registered"})

    error = failure(credentials, transport, rejected)

    assert error.failed_credential == "client_id_or_secret"
    assert error.status == 401
    assert str(error) == (
        "Extensiv rejected the Client Id / Client Secret (invalid_client: client not registered). "
        "Check both values, and that they were issued for the production environment "
        "(https://secure-wms.com): credentials of the sandbox environment do not work there."
    )


def test_invalid_client_on_sandbox_points_at_production_credentials(credentials, transport):
    sandbox = with_fields(credentials, environment="sandbox")
    transport.add("POST", TOKEN_PATH, reply(401, {"Message": "invalid_client: client not registered"}))

    with pytest.raises(ExtensivAuthError) as caught:
        provider(sandbox, transport, base_url=None).token()

    assert transport.sent[0].url == "https://box.secure-wms.com" + TOKEN_PATH
    assert "the sandbox environment (https://box.secure-wms.com)" in str(caught.value)
    assert "credentials of the production environment" in str(caught.value)


def test_bare_401_is_blamed_on_client_id_and_secret(credentials, transport):
    error = failure(credentials, transport, reply(401, text=""))

    assert error.failed_credential == "client_id_or_secret"


def test_invalid_grant_names_the_user_and_suggests_user_login(credentials, transport):
    rejected = reply(400, {"error": "invalid_grant", "error_description": "unknown login"})

    error = failure(credentials, transport, rejected)

    assert error.failed_credential == "user_id"
    assert "Check the User ID (1523), sent as user_login_id" in str(error)
    assert "set user_login_field to 'user_login'" in str(error)


def test_user_rejection_with_user_login_suggests_user_login_id(credentials, transport):
    by_login = with_fields(credentials, user_login_field="user_login", user_login="connector")
    transport.add("POST", TOKEN_PATH, reply(401, {"Message": "User not found"}))

    with pytest.raises(ExtensivAuthError) as caught:
        provider(by_login, transport).token()

    assert caught.value.failed_credential == "user_id"
    assert "sent as user_login;" in str(caught.value)
    assert "set user_login_field to 'user_login_id'" in str(caught.value)
    assert "connector" not in str(caught.value)


@pytest.mark.parametrize(
    "exc",
    [
        requests.ConnectionError("[Errno 111] Connection refused"),
        requests.exceptions.SSLError("certificate verify failed"),
        requests.ConnectTimeout("connect timed out"),
    ],
)
def test_unreachable_token_host_names_the_environment(credentials, transport, exc):
    error = failure(credentials, transport, exc, exc)

    assert error.failed_credential == "environment"
    assert error.retryable
    assert "the production environment (https://secure-wms.com)" in str(error)
    assert "check the environment choice and the base URL" in str(error)
    assert len(transport.sent) == 2


def test_read_timeout_on_the_token_call_is_not_blamed_on_a_setting(credentials, transport):
    slow = requests.ReadTimeout("read timed out")

    error = failure(credentials, transport, slow, slow)

    assert error.failed_credential is None
    assert error.retryable


def test_missing_token_endpoint_names_the_environment(credentials, transport):
    error = failure(credentials, transport, reply(404, text="<html>Not Found</html>"))

    assert error.failed_credential == "environment"
    assert "has no Extensiv token endpoint (HTTP 404)" in str(error)


def test_server_error_on_the_token_call_is_retried_then_reported_as_retryable(credentials, transport):
    error = failure(credentials, transport, reply(503, text="busy"), reply(503, text="busy"))

    assert error.failed_credential is None
    assert error.retryable
    assert error.status == 503
    assert len(transport.sent) == 2


def test_token_errors_never_carry_the_client_secret(credentials, transport):
    error = failure(credentials, transport, reply(401, {"Message": "invalid_client: client not registered"}))

    assert "fake-client-secret" not in str(error)
    assert "fake-client-secret" not in repr(credentials)


def test_resolve_base_url_picks_the_environment_host():
    assert resolve_base_url("production") == ENVIRONMENTS["production"]
    assert resolve_base_url("sandbox") == "https://box.secure-wms.com"


def test_resolve_base_url_allows_plain_http_only_on_loopback():
    assert resolve_base_url("sandbox", "http://127.0.0.1:8082/") == "http://127.0.0.1:8082"
    with pytest.raises(ValueError, match="https unless it points at loopback"):
        resolve_base_url("sandbox", "http://wms.example.test")


def test_credentials_reject_a_non_numeric_user_id():
    with pytest.raises(ValidationError):
        ExtensivCredentials(client_id="c", client_secret="s", customer_id=1, user_id="guysmiley")
