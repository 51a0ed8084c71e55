"""Request and webhook signatures for the TikTok Shop Partner API (HMAC-SHA256, lower-case hex).

Reference: shared/reference/tiktok-shop.md §2 (requests) and §5.2 (webhooks).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

# NOTE: `sign` is the result and `access_token` is the legacy query token; neither is signed (§2.1).
UNSIGNED_QUERY_KEYS = frozenset({"sign", "access_token"})

MULTIPART = "multipart/form-data"


def sign_request(
    app_secret: str,
    path: str,
    query: Mapping[str, str],
    body: bytes | None,
    content_type: str = "application/json",
) -> str:
    """The `sign` query value for one request.

    `query` holds the decoded values that will be sent (everything but `sign` and
    `access_token` is signed); `body` must be the exact bytes sent, or None when no body
    is sent. Multipart bodies are not signed. Headers are never signed.
    """
    signed = sorted((key, value) for key, value in query.items() if key not in UNSIGNED_QUERY_KEYS)
    concatenated = "".join(key + value for key, value in signed)
    message = f"{path}{concatenated}".encode()
    if body and not _is_multipart(content_type):
        message += body

    secret = app_secret.encode()
    wrapped = secret + message + secret
    return hmac.new(secret, wrapped, hashlib.sha256).hexdigest()


def webhook_signature(app_key: str, app_secret: str, raw_body: bytes) -> str:
    """The `Authorization` header value TikTok sends with a webhook: HMAC of app key + raw body."""
    message = app_key.encode() + raw_body
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def verify_webhook(app_key: str, app_secret: str, raw_body: bytes, authorization_header: str | None) -> bool:
    """Whether a webhook's `Authorization` header signs these raw body bytes (constant-time).

    Hash the bytes as received: re-serialised JSON would not match.
    """
    if not authorization_header:
        return False

    expected = webhook_signature(app_key, app_secret, raw_body).encode()
    received = authorization_header.strip().lower().encode()
    return hmac.compare_digest(expected, received)


def _is_multipart(content_type: str) -> bool:
    # NOTE: the real header is `multipart/form-data; boundary=...`; compare the media type only.
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == MULTIPART
