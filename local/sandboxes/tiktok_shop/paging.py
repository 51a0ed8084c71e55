"""Cursor paging with opaque, base64 page tokens (reference §4 "General conventions").

Real tokens look like `6AsPQsUMvH3R...pmq/N5M1...+7D1ud64MPNz5OaT`: standard base64 with `+`
and `/` in them. Every token minted here carries both characters, so a client that forgets
to percent-encode `page_token` breaks here the way it breaks against TikTok (a raw `+`
arrives as a space and the token no longer decodes).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

# Three bytes that base64-encode to "+/+/", placed after the 9-byte MAC (a 3-byte boundary).
_PLUS_SLASH = b"\xfb\xff\xbf"
_MAC_SIZE = 9


class PageTokenError(ValueError):
    """The page token was not minted here, was altered, or belongs to another query."""


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_page_token: str
    total_count: int


class PageTokenCodec:
    """Mints and reads page tokens; the payload is MAC'd and scrambled so it stays opaque."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def encode(self, payload: dict[str, Any]) -> str:
        raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        mac = hmac.new(self._secret, raw, hashlib.sha256).digest()[:_MAC_SIZE]
        scrambled = _xor(raw, self._keystream(mac, len(raw)))
        return base64.b64encode(mac + _PLUS_SLASH + scrambled).decode()

    def decode(self, token: str) -> dict[str, Any]:
        try:
            blob = base64.b64decode(token.encode(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PageTokenError("page_token is not valid base64") from exc
        mac, mark, scrambled = blob[:_MAC_SIZE], blob[_MAC_SIZE : _MAC_SIZE + 3], blob[_MAC_SIZE + 3 :]
        if mark != _PLUS_SLASH or not scrambled:
            raise PageTokenError("page_token is malformed")
        raw = _xor(scrambled, self._keystream(mac, len(scrambled)))
        expected = hmac.new(self._secret, raw, hashlib.sha256).digest()[:_MAC_SIZE]
        if not hmac.compare_digest(mac, expected):
            raise PageTokenError("page_token was altered")
        return json.loads(raw)

    def _keystream(self, mac: bytes, size: int) -> bytes:
        blocks = []
        counter = 0
        while sum(len(block) for block in blocks) < size:
            blocks.append(hashlib.sha256(self._secret + mac + counter.to_bytes(4, "big")).digest())
            counter += 1
        return b"".join(blocks)[:size]


def query_fingerprint(*parts: Any) -> str:
    """A short digest of the filters and sort of a search; a token only resumes its own query."""
    raw = json.dumps(parts, separators=(",", ":"), sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def paginate(
    items: Sequence[T],
    sort_key: Callable[[T], tuple[Any, ...]],
    *,
    page_size: int,
    page_token: str | None,
    fingerprint: str,
    codec: PageTokenCodec,
    descending: bool = False,
    max_results: int | None = None,
) -> Page:
    """Keyset paging: the token remembers the last sort key, so items updated mid-walk move
    behind the cursor (and are seen again) instead of shifting offsets.

    Raises `PageTokenError` for a foreign token and `OverflowError` past `max_results`.
    """
    ordered = sorted(items, key=sort_key, reverse=descending)
    seen = 0
    if page_token:
        payload = codec.decode(page_token)
        if payload.get("f") != fingerprint:
            raise PageTokenError("page_token belongs to another query")
        cursor = tuple(payload["k"])
        seen = int(payload.get("n", 0))
        if descending:
            ordered = [item for item in ordered if tuple(sort_key(item)) < cursor]
        else:
            ordered = [item for item in ordered if tuple(sort_key(item)) > cursor]
    if max_results is not None and seen >= max_results:
        raise OverflowError(max_results)

    page = list(ordered[:page_size])
    next_token = ""
    if len(ordered) > page_size and page:
        last_key = list(sort_key(page[-1]))
        next_token = codec.encode({"f": fingerprint, "k": last_key, "n": seen + len(page)})
    return Page(items=page, next_page_token=next_token, total_count=len(items))


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))
