"""The one place where `requests` is called: timeouts, transport errors and retries.

Both API clients build a `PreparedCall` and hand it to `send_with_retries`, which turns
`requests` exceptions into the caller's "no usable response" error and asks the caller's
classifier whether an answered error is worth retrying.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import requests

from connector_common.retry import RetryPolicy

logger = logging.getLogger(__name__)

T = TypeVar("T")

# NOTE: (connect, read) seconds. Lambda functions have a 30-60 s budget; a call that has not
# answered in 20 s is better retried than waited on.
DEFAULT_TIMEOUT = (3.05, 20.0)


@dataclass
class PreparedCall:
    """Everything needed to send one HTTP request; `prepare` is re-run before each attempt."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    log_path: str = ""


class RetryableResponse(Exception):  # noqa: N818 - a signal, not an error for callers
    """Raised by a response interpreter to ask for another attempt."""

    def __init__(self, error: Exception, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def send_with_retries(
    session: requests.Session,
    prepare: Callable[[], PreparedCall],
    interpret: Callable[[requests.Response], T],
    transport_error: Callable[[str, Exception], Exception],
    policy: RetryPolicy,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
    retry_transport_errors: bool = True,
) -> T:
    """Send a request, retrying transport failures and responses the interpreter marks retryable.

    `prepare` runs before every attempt so that signatures and timestamps are fresh.
    Raises whatever `interpret` raises, or `transport_error(...)` when no response came back.
    """
    attempt = 0
    while True:
        attempt += 1
        call = prepare()
        started = time.monotonic()
        try:
            response = session.request(call.method, call.url, headers=call.headers, data=call.body, timeout=timeout)
        except requests.RequestException as exc:
            error = transport_error(f"{type(exc).__name__} calling {call.log_path}", exc)
            error.__cause__ = exc
            if not (retry_transport_errors and policy.should_retry(attempt)):
                raise error from exc
            wait = policy.delay(attempt)
            logger.warning(
                "retrying after transport error",
                extra={"path": call.log_path, "attempt": attempt, "wait_s": round(wait, 2)},
            )
            sleep(wait)
            continue

        elapsed_ms = round((time.monotonic() - started) * 1000)
        logger.info(
            "outbound call",
            extra={
                "method": call.method,
                "path": call.log_path,
                "status": response.status_code,
                "duration_ms": elapsed_ms,
            },
        )
        try:
            return interpret(response)
        except RetryableResponse as retry:
            if not policy.should_retry(attempt):
                raise retry.error from None
            wait = policy.delay(attempt, retry.retry_after)
            logger.warning(
                "retrying after retryable response",
                extra={
                    "path": call.log_path,
                    "status": response.status_code,
                    "attempt": attempt,
                    "wait_s": round(wait, 2),
                },
            )
            sleep(wait)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header given in seconds; HTTP dates are ignored."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None
