"""Fixtures for the Extensiv unit tests: documented samples, fake credentials, a scripted transport."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from connector_common.retry import RetryPolicy
from extensiv.auth import ExtensivCredentials, TokenProvider
from extensiv.client import ExtensivClient

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "extensiv"
BASE_URL = "https://secure-wms.com"
TOKEN_PATH = "/AuthServer/api/Token"
CUSTOMER_ID = 77
USER_ID = 1523
ORDER_REL = "http://api.3plCentral.com/rels/orders/order"


@dataclass
class Sent:
    """One request the code under test sent."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    timeout: Any

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def raw_query(self) -> str:
        return urlsplit(self.url).query

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.raw_query, keep_blank_values=True))

    @property
    def json(self) -> Any:
        return None if self.body is None else json.loads(self.body)


@dataclass
class FakeTransport:
    """Stands in for `requests.Session`: answers from a script per (method, path), records every call.

    Each scripted reply is used once, in order; an unscripted request fails the test.
    """

    sent: list[Sent] = field(default_factory=list)
    script: dict[tuple[str, str], list[Any]] = field(default_factory=lambda: defaultdict(list))

    def add(self, method: str, path: str, *replies: requests.Response | Exception) -> FakeTransport:
        self.script[(method, path)].extend(replies)
        return self

    def add_token(self, *tokens: str, expires_in: float | None = 3600) -> FakeTransport:
        for token in tokens:
            body: dict[str, Any] = {"access_token": token, "token_type": "Bearer", "refresh_token": None}
            if expires_in is not None:
                body["expires_in"] = expires_in
            self.add("POST", TOKEN_PATH, reply(200, body))
        return self

    def request(self, method: str, url: str, headers=None, data=None, timeout=None) -> requests.Response:
        self.sent.append(Sent(method, url, dict(headers or {}), data, timeout))
        replies = self.script.get((method, urlsplit(url).path))
        if not replies:
            raise AssertionError(f"unscripted request {method} {url}")
        outcome = replies.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def calls(self, method: str, path: str) -> list[Sent]:
        return [sent for sent in self.sent if sent.method == method and sent.path == path]

    def api_calls(self) -> list[Sent]:
        return [sent for sent in self.sent if sent.path != TOKEN_PATH]


def reply(
    status: int,
    body: Any = None,
    headers: dict[str, str] | None = None,
    text: str | bytes | None = None,
) -> requests.Response:
    """A `requests.Response` with a JSON body (or raw `text`) and headers."""
    response = requests.Response()
    response.status_code = status
    if text is not None:
        response._content = text if isinstance(text, bytes) else text.encode("utf-8")
    elif body is not None:
        response._content = json.dumps(body).encode("utf-8")
    else:
        response._content = b""
    response.headers = CaseInsensitiveDict(headers or {})
    response.encoding = "utf-8"
    return response


def hal_page(rows: list[dict[str, Any]], total: int | None = None, next_href: str | None = None, rel=ORDER_REL):
    """A HAL collection page as `Accept: application/hal+json` returns it."""
    page: dict[str, Any] = {"totalResults": len(rows) if total is None else total}
    if rows:
        page["_embedded"] = {rel: rows}
    if next_href:
        page["_links"] = {"next": {"href": next_href}}
    return page


def order_row(order_id: int = 501, reference_num: str = "576461413038785752", **overrides: Any) -> dict[str, Any]:
    """An order in the documented HAL shape (reference §3.4): read-only fields under `readOnly`."""
    row: dict[str, Any] = {
        "readOnly": {
            "orderId": order_id,
            "isClosed": False,
            "status": 0,
            "creationDate": "2024-05-01T10:00:00",
            "lastModifiedDate": "2024-05-01T10:05:00.1234567",
            "customerIdentifier": {"id": CUSTOMER_ID, "name": "str"},
            "facilityIdentifier": {"id": 3, "name": "str"},
        },
        "referenceNum": reference_num,
        "routingInfo": {"carrier": "UPS", "mode": "Ground", "scacCode": "UPSN", "trackingNumber": None},
    }
    row.update(overrides)
    return row


class Clock:
    """A settable clock for token expiry."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def extensiv_sample() -> Callable[[str], bytes]:
    """Raw bytes of a documented sample copied byte-exact into tests/fixtures/extensiv/."""

    def load(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return load


@pytest.fixture
def credentials() -> ExtensivCredentials:
    return ExtensivCredentials(
        client_id="fake-client-id",
        client_secret="fake-client-secret",
        customer_id=CUSTOMER_ID,
        user_id=USER_ID,
    )


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(credentials: ExtensivCredentials, transport: FakeTransport, clock: Clock, sleeps: list[float]):
    """A client on the production host with a fast retry policy and recorded sleeps."""
    policy = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)
    tokens = TokenProvider(credentials, transport, BASE_URL, clock=clock, retry_policy=policy, sleep=sleeps.append)
    return ExtensivClient(
        credentials,
        BASE_URL,
        transport,
        token_provider=tokens,
        retry_policy=policy,
        sleep=sleeps.append,
    )
