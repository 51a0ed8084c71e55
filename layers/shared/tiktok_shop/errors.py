"""The TikTok Shop error tree and the one table that turns statuses and codes into it.

    TikTokShopError
    ├── TikTokUnavailable          no usable response (timeout, connection, malformed body)
    ├── MalformedPayload           a webhook body that is not the documented JSON
    └── TikTokApiError             TikTok answered with an error (code, message, request_id)
        ├── InvalidSignature       106001
        ├── AccessTokenExpired     105002: renew the token, retry once
        ├── CredentialsRejected    app key, token, shop cipher, scope or IP allow list
        ├── RateLimited            HTTP 429 / 36009002
        ├── TikTokServerError      HTTP 5xx / 36009003 / 36009007
        ├── OrderOnHold            21011044: wait for AWAITING_SHIPMENT
        ├── VersionRetired         36009014: the pinned endpoint version is gone
        ├── NotFound               HTTP 404
        └── ValidationFailed       every other business code

Reference: shared/reference/tiktok-shop.md §6.
"""

from __future__ import annotations

from typing import ClassVar


class TikTokShopError(Exception):
    """Root of every TikTok Shop error."""

    retryable: ClassVar[bool] = False


class TikTokUnavailable(TikTokShopError):
    """No usable response: timeout, connection error, or a body that is not the JSON envelope."""

    retryable = True

    def __init__(self, message: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


class MalformedPayload(TikTokShopError):
    """A body from TikTok (a webhook) that does not parse as the documented JSON."""


class TikTokApiError(TikTokShopError):
    """TikTok answered with a non-zero `code` (or an error status); `request_id` is for support."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None,
        request_id: str | None,
        http_status: int,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.code = code
        self.request_id = request_id
        self.http_status = http_status
        self.hint = hint
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"HTTP {self.http_status}, request {self.request_id}" if self.request_id else f"HTTP {self.http_status}"
        summary = f"TikTok Shop error {self.code} ({where})"
        if self.hint:
            return f"{summary}: {self.hint}: {self.message}"
        return f"{summary}: {self.message}"


class InvalidSignature(TikTokApiError):
    """The `sign` did not match: the signed bytes differ from the sent bytes, or the secret is wrong."""


class AccessTokenExpired(TikTokApiError):
    """The access token expired; refresh it and retry the call once."""


class CredentialsRejected(TikTokApiError):
    """A credential or identifier was refused; `hint` names which one. Not retryable."""


class RateLimited(TikTokApiError):
    """Too many requests for this app and shop (about 50 per second per endpoint)."""

    retryable = True


class TikTokServerError(TikTokApiError):
    """TikTok failed internally or timed out; worth retrying with backoff."""

    retryable = True


class OrderOnHold(TikTokApiError):
    """The order is ON_HOLD (buyer's cancel window); fulfilment is refused until it ends."""


class VersionRetired(TikTokApiError):
    """The endpoint version pinned in `endpoints.py` was retired; upgrade the pin."""


class NotFound(TikTokApiError):
    """The resource or route does not exist."""


class ValidationFailed(TikTokApiError):
    """TikTok refused the request for a business reason (see `code` and `message`)."""


_CREDENTIAL_HINTS: dict[int, str] = {
    36009004: "app key, access token, timestamp or shop cipher refused (check the clock too)",
    101000: "access token or category asset cipher is invalid for this user type",
    105001: "the seller's authorization expired; the seller must authorize the app again",
    105005: "the app lacks the scope package this API needs",
    106013: "shop_cipher is missing",
    36009033: "this caller's IP address is not in the app's allow list",
}

_ERRORS_BY_CODE: dict[int, type[TikTokApiError]] = {
    106001: InvalidSignature,
    105002: AccessTokenExpired,
    **dict.fromkeys(_CREDENTIAL_HINTS, CredentialsRejected),
    36009002: RateLimited,
    36009003: TikTokServerError,
    36009007: TikTokServerError,
    21011044: OrderOnHold,
    36009014: VersionRetired,
}

_ERRORS_BY_STATUS: dict[int, type[TikTokApiError]] = {
    404: NotFound,
    429: RateLimited,
}


def error_for(http_status: int, code: int | None, message: str, request_id: str | None) -> TikTokApiError:
    """The typed error for an answered failure: the vendor code decides first, then the status."""
    error_class = _ERRORS_BY_CODE.get(code) if code is not None else None
    if error_class is None:
        error_class = _ERRORS_BY_STATUS.get(http_status)
    if error_class is None:
        error_class = TikTokServerError if http_status >= 500 else ValidationFailed

    hint = _CREDENTIAL_HINTS.get(code) if code is not None else None
    return error_class(message, code=code, request_id=request_id, http_status=http_status, hint=hint)
