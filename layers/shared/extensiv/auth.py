"""Extensiv credentials, environments and the cached OAuth client-credentials token.

`POST /AuthServer/api/Token` with `Authorization: Basic base64(client_id:client_secret)` and a
JSON body naming the user the connector acts as (reference/extensiv.md §2). The token lives
30 to 60 minutes; it is cached and fetched again well before it expires or after a 401.

A failed token call raises `ExtensivAuthError` whose message says which credential or which
environment is the likely culprit, so the operator can fix the right setting.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from connector_common.http import (
    DEFAULT_TIMEOUT,
    PreparedCall,
    RetryableResponse,
    parse_retry_after,
    send_with_retries,
)
from connector_common.retry import RetryPolicy
from extensiv.errors import ExtensivAuthError, FailedCredential
from extensiv.models import TokenResponse

logger = logging.getLogger(__name__)

Environment = Literal["production", "sandbox"]
UserLoginField = Literal["user_login_id", "user_login"]

# NOTE: the sandbox host is the legacy 3PLWM sandbox, paid and per tenant (reference §1.1, [M]);
# the base URL can be overridden, which is also how the local sandbox is reached.
ENVIRONMENTS: dict[Environment, str] = {
    "production": "https://secure-wms.com",
    "sandbox": "https://box.secure-wms.com",
}
AUTH_SERVER_PATH = "/AuthServer/api/Token"

# NOTE: help center: tokens last "typically between 30 and 60 minutes" (reference §2.1); used
# when a token response carries no expires_in.
ASSUMED_TOKEN_LIFETIME = 1800.0
REFRESH_MARGIN = 300.0

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_OAUTH_CODE = re.compile(r"^\s*([a-z_]+)\s*(?::|$)")
_SERVER_TEXT_LIMIT = 200


class ExtensivCredentials(BaseModel):
    """The four values a merchant enters to connect Extensiv, plus the environment.

    `user_id` is the numeric id of the Extensiv user the connector acts as. Both token body
    variants work in practice (reference §2.2): `user_login_id` sends that id, `user_login`
    sends `user_login` (a login name or "3PL Warehouse Manager ID") or, when unset, the id.
    `tpl` is the 3PL GUID some credentials come with.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    customer_id: int = Field(gt=0)
    user_id: int = Field(gt=0)
    user_login_field: UserLoginField = "user_login_id"
    user_login: str | None = None
    tpl: str | None = None
    environment: Environment = "production"

    def token_request_body(self) -> dict[str, Any]:
        """JSON body of the token call: grant type, exactly one user field, and `tpl` if set."""
        if self.user_login_field == "user_login":
            user_value = self.user_login or str(self.user_id)
        else:
            user_value = str(self.user_id)
        body: dict[str, Any] = {"grant_type": "client_credentials", self.user_login_field: user_value}
        if self.tpl:
            body["tpl"] = self.tpl
        return body


def resolve_base_url(environment: Environment, override: str | None = None) -> str:
    """The API base URL: the override when given, else the environment's host.

    Raises ValueError for an override that is not http(s), or plain http beyond loopback
    (the token call carries the client secret).
    """
    url = (override or ENVIRONMENTS[environment]).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Extensiv base URL must be an http(s) URL, got {url!r}")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        raise ValueError("Extensiv base URL must use https unless it points at loopback")
    return url


def environment_of(environment: Environment, base_url: str) -> Environment:
    """The environment a base URL belongs to: the known host's name, else the configured one."""
    for name, url in ENVIRONMENTS.items():
        if base_url == url:
            return name
    return environment


def describe_environment(environment: Environment, base_url: str) -> str:
    """Human wording for messages, e.g. `the sandbox environment (https://box.secure-wms.com)`."""
    name = environment_of(environment, base_url)
    if base_url == ENVIRONMENTS[name]:
        return f"the {name} environment ({base_url})"
    return f"the {name} environment with base URL override {base_url}"


@dataclass(frozen=True)
class ConnectionCheck:
    """Outcome of `ExtensivClient.check_connection()`; `failed_credential` names what to fix."""

    ok: bool
    failed_credential: FailedCredential | None
    message: str


class TokenProvider:
    """Fetches and caches the bearer token; call `invalidate` after a 401 to force a new one.

    The token is refreshed at half its lifetime or five minutes before it expires, whichever
    comes first. `token()` raises `ExtensivAuthError`.
    """

    def __init__(
        self,
        credentials: ExtensivCredentials,
        session: requests.Session,
        base_url: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self._credentials = credentials
        self._session = session
        self._base_url = resolve_base_url(credentials.environment, base_url)
        self._environment = environment_of(credentials.environment, self._base_url)
        self._clock = clock
        self._policy = retry_policy or RetryPolicy(attempts=3)
        self._sleep = sleep
        self._timeout = timeout
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0

    @property
    def environment_description(self) -> str:
        return describe_environment(self._environment, self._base_url)

    def token(self) -> str:
        """A valid access token, from the cache when it is still fresh."""
        with self._lock:
            if self._token is not None and self._clock() < self._refresh_at:
                return self._token
            fetched_at = self._clock()
            response = self._fetch()
            lifetime = response.expires_in if response.expires_in is not None else ASSUMED_TOKEN_LIFETIME
            self._token = response.access_token
            self._refresh_at = fetched_at + min(lifetime * 0.5, lifetime - REFRESH_MARGIN)
            logger.info(
                "extensiv token fetched",
                extra={"environment": self._environment, "expires_in": lifetime},
            )
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still `token`, when one is given)."""
        with self._lock:
            if token is None or token == self._token:
                self._token = None
                self._refresh_at = 0.0

    def _fetch(self) -> TokenResponse:
        return send_with_retries(
            self._session,
            self._prepare,
            self._interpret,
            self._unreachable,
            self._policy,
            timeout=self._timeout,
            sleep=self._sleep,
        )

    def _prepare(self) -> PreparedCall:
        secret = self._credentials.client_secret.get_secret_value()
        pair = f"{self._credentials.client_id}:{secret}".encode()
        return PreparedCall(
            method="POST",
            url=self._base_url + AUTH_SERVER_PATH,
            headers={
                "Authorization": "Basic " + base64.b64encode(pair).decode("ascii"),
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
            },
            body=json.dumps(self._credentials.token_request_body()).encode("utf-8"),
            log_path=AUTH_SERVER_PATH,
        )

    def _interpret(self, response: requests.Response) -> TokenResponse:
        status = response.status_code
        if 200 <= status < 300:
            return parse_token_response(response.text, self.environment_description)
        if status == 429 or status >= 500:
            error = ExtensivAuthError(
                f"the Extensiv token endpoint of {self.environment_description} answered {status}; "
                "this is a server-side problem, not a credential one: try again later",
                failed_credential=None,
                status=status,
                retryable=True,
            )
            raise RetryableResponse(error, parse_retry_after(response.headers.get("Retry-After")))
        raise diagnose_token_rejection(status, response.text, self._credentials, self._environment, self._base_url)

    def _unreachable(self, summary: str, exc: Exception) -> ExtensivAuthError:
        if isinstance(exc, requests.ReadTimeout):
            return ExtensivAuthError(
                f"the Extensiv token endpoint of {self.environment_description} did not answer in time "
                f"({summary}); try again later",
                failed_credential=None,
                retryable=True,
            )
        return ExtensivAuthError(
            f"could not reach the Extensiv token endpoint of {self.environment_description} ({summary}); "
            "check the environment choice and the base URL",
            failed_credential="environment",
            retryable=True,
        )


def parse_token_response(text: str, environment_description: str) -> TokenResponse:
    """Read a 2xx token body; raises `ExtensivAuthError` when it is not a usable token."""
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise ExtensivAuthError(
            f"the token response from {environment_description} is not valid JSON ({exc.msg} at "
            f"line {exc.lineno} column {exc.colno}); check that the base URL points at Extensiv",
            failed_credential="environment",
        ) from exc
    try:
        return TokenResponse.model_validate(payload)
    except ValidationError as exc:
        raise ExtensivAuthError(
            f"the token response from {environment_description} carries no usable access_token; "
            "check that the base URL points at Extensiv",
            failed_credential="environment",
        ) from exc


def diagnose_token_rejection(
    status: int,
    text: str,
    credentials: ExtensivCredentials,
    environment: Environment,
    base_url: str,
) -> ExtensivAuthError:
    """Build the `ExtensivAuthError` for a refused token call, naming the likely wrong setting.

    The auth server answers `{"Message": "invalid_client: ..."}` (reference §2.1, [M]): the
    OAuth error code before the colon tells a bad client from a bad grant (the user).
    """
    environment_description = describe_environment(environment, base_url)
    server_text = _server_message(text)
    code = _oauth_code(text, server_text)
    said = f" ({server_text})" if server_text else ""

    # NOTE: the auth server has no structured field naming the refused user; when the OAuth
    # code does not tell, a message that mentions the user picks the user hint. Only the
    # diagnosis wording depends on it.
    mentions_user = re.search(r"\buser", server_text, re.IGNORECASE) is not None
    if code in ("invalid_client", "unauthorized_client") or (status == 401 and code is None and not mentions_user):
        other = "sandbox" if environment == "production" else "production"
        return ExtensivAuthError(
            f"Extensiv rejected the Client Id / Client Secret{said}. Check both values, and that they "
            f"were issued for {environment_description}: credentials of the {other} environment "
            "do not work there.",
            failed_credential="client_id_or_secret",
            status=status,
        )
    if code == "invalid_grant" or mentions_user:
        return ExtensivAuthError(
            f"Extensiv accepted the client but rejected the user{said}. Check the User ID "
            f"({credentials.user_id}), sent as {credentials.user_login_field}; "
            f"{_other_user_field_hint(credentials.user_login_field)}",
            failed_credential="user_id",
            status=status,
        )
    if status in (404, 405):
        return ExtensivAuthError(
            f"{environment_description} has no Extensiv token endpoint (HTTP {status}); "
            "check the environment choice and the base URL",
            failed_credential="environment",
            status=status,
        )
    return ExtensivAuthError(
        f"Extensiv refused the token request with HTTP {status}{said}",
        failed_credential=None,
        status=status,
    )


def _other_user_field_hint(field: UserLoginField) -> str:
    if field == "user_login_id":
        return (
            "if this credential expects the user's login name or 3PL Warehouse Manager ID, "
            "set user_login_field to 'user_login' (and user_login to that value)"
        )
    return "if this credential expects the numeric user id, set user_login_field to 'user_login_id'"


def _server_message(text: str) -> str:
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:_SERVER_TEXT_LIMIT]
    if not isinstance(body, dict):
        return ""
    lowered = {str(key).casefold(): value for key, value in body.items()}
    parts = [lowered.get(key) for key in ("message", "error", "error_description")]
    return " ".join(str(part) for part in parts if part)[:_SERVER_TEXT_LIMIT]


def _oauth_code(text: str, server_text: str) -> str | None:
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"].strip().casefold() or None
    match = _OAUTH_CODE.match(server_text)
    return match.group(1) if match else None
