"""Errors the sandbox answers with, as TikTok Shop spells them.

Codes and messages come from the reference (reference/tiktok-shop.md §6.2) and the per-endpoint
error tables of the official API pages it cites (DOCS-L). Where the reference names a code but
not the HTTP status, the choice is marked with a NOTE where it is made.
"""

from __future__ import annotations

from typing import Any

# Common errors (DOCS-L common-errors.md, reference §6.2).
INVALID_SIGN = 106001
CREDENTIALS = 36009004
TOKEN_EXPIRED = 105002
SCOPE_DENIED = 105005
TOKEN_SHOP_MISMATCH = 101000
SHOP_CIPHER_MISSING = 106013
TOO_MANY_REQUESTS = 36009002
INTERNAL = 36009003
INVALID_PATH = 36009009
INVALID_METHOD = 36009010
VERSION_INVALID = 36009014
BODY_FORMAT = 36009022

# Token endpoints: undocumented in the reference; integrators report 36004004 "invalid auth code".
AUTH_CODE_INVALID = 36004004
REFRESH_TOKEN_INVALID = 36004005


class ApiError(Exception):
    """A TikTok-style error answer: `code` in the envelope, with the HTTP status it travels on."""

    def __init__(
        self,
        code: int,
        message: str,
        http_status: int = 200,
        *,
        data: Any = None,
        with_request_id: bool = True,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status
        self.data = data
        self.with_request_id = with_request_id


class ControlError(Exception):
    """A bad call to the `/_sandbox` control API (not part of the TikTok surface)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def param_error(message: str) -> ApiError:
    """36009004 for a missing or malformed request parameter ("param body.X is missing")."""
    # NOTE: reference §6.2 files "param body.X is missing" under 36009004; the HTTP status of
    # these is not documented. Live 36009004 answers were seen as HTTP 400 (samples/README.md,
    # "Left out on purpose"), so the sandbox uses 400 for the whole parameter family.
    return ApiError(CREDENTIALS, message, 400)
