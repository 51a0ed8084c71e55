"""The sandbox's own request-sign check and webhook signing (reference §2 and §5.2).

Written from the reference, independently of the connector's client, so a bug in one does
not hide the same bug in the other.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

# Step 1 of §2.1: these query keys never enter the sign string.
UNSIGNED_QUERY_KEYS = frozenset({"sign", "access_token", "x-tts-access-token"})


def sign_base(path: str, query: Iterable[tuple[str, str]], body: bytes, content_type: str | None) -> bytes:
    """The string that gets wrapped in the secret: path, sorted `keyvalue` pairs, then the body.

    `query` holds decoded values (what the server sees after percent-decoding). The body is
    appended as received unless the media type is multipart/form-data.
    """
    pairs = sorted(
        ((key, value) for key, value in query if key not in UNSIGNED_QUERY_KEYS),
        key=lambda pair: pair[0],
    )
    base = path.encode() + b"".join(key.encode() + value.encode() for key, value in pairs)
    if not _is_multipart(content_type):
        base += body
    return base


def compute_sign(
    app_secret: str,
    path: str,
    query: Iterable[tuple[str, str]],
    body: bytes = b"",
    content_type: str | None = None,
) -> str:
    """Lower-case hex HMAC-SHA256 of `app_secret + base + app_secret`, keyed with `app_secret`."""
    secret = app_secret.encode()
    wrapped = secret + sign_base(path, query, body, content_type) + secret
    return hmac.new(secret, wrapped, hashlib.sha256).hexdigest()


def is_valid_sign(
    sign: str,
    app_secret: str,
    path: str,
    query: Iterable[tuple[str, str]],
    body: bytes,
    content_type: str | None,
) -> bool:
    """Constant-time check; an upper-case digest fails, as it does on the real API (§2.1 step 7)."""
    expected = compute_sign(app_secret, path, query, body, content_type)
    return hmac.compare_digest(expected.encode(), sign.encode())


def webhook_signature(app_key: str, app_secret: str, body: bytes) -> str:
    """The `Authorization` header of a pushed webhook: hex HMAC-SHA256(app_secret, app_key + body)."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def _is_multipart(content_type: str | None) -> bool:
    # Compare the media type only: the real header carries "; boundary=..." (§2.1 step 5).
    if not content_type:
        return False
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"
