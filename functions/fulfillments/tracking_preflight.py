"""Tracking pre-flight: catch a tracking number TikTok would refuse before the push is spent.

Pure. A seller may correct tracking only once (SPEC), and TikTok cancels orders whose
tracking it cannot follow, so an obviously wrong number is held for the operator instead.
"""

from __future__ import annotations

import re

# NOTE: reference/tiktok-shop.md §4.4: 21004012 "special characters in tracking". Letters and
# digits only; a space or dash is refused too, and the connector does not rewrite the number.
TRACKING_CHARACTERS = re.compile(r"^[A-Za-z0-9]+$")
# Real parcel tracking numbers run from 10 (DHL Express) to 34 characters (USPS IMpb with
# routing); the bounds leave room either side and only reject what cannot be a number.
MIN_LENGTH = 8
MAX_LENGTH = 40
PLACEHOLDERS = frozenset({"tbd", "none", "null", "pending", "unknown", "notracking", "test", "na", "nan"})


def tracking_problem(tracking_number: str | None) -> str | None:
    """Why a tracking number must not be pushed, or None when it looks pushable."""
    value = (tracking_number or "").strip()
    if not value:
        return "no tracking number"
    if not TRACKING_CHARACTERS.match(value):
        return "tracking number has characters other than letters and digits"
    if value.casefold() in PLACEHOLDERS or len(set(value)) == 1:
        return "tracking number is a placeholder"
    if not MIN_LENGTH <= len(value) <= MAX_LENGTH:
        return f"tracking number length {len(value)} is outside {MIN_LENGTH}-{MAX_LENGTH}"
    return None
