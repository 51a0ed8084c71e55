"""Building Extensiv rql filters (FIQL) with escaped values.

`;` is AND, `,` is OR, parentheses group; operators are `==`, `!=`, `=ge=`, `=le=`, … and a
`*` at either end of a string value is a wildcard (reference/extensiv.md §8.5).

NOTE: the REL-rql page (as read by MCP-notes, [M]) says the special characters
`% ! ( ) * = , ;` inside a value are percent-encoded and the `%` then encoded again, because
the server decodes the query string once and the rql value once more. `escape_value` does the
first encoding; the query-string encoding of the whole `rql` parameter (client.py) does the
second, which is what ExtensivSharp's builder puts on the wire. Values without those
characters (digits, letters, dashes, dates) are unaffected whichever way the server decodes.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

RqlValue = str | int | Decimal | date | datetime

_SPECIAL = "%!()*=,;"
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")


def escape_value(value: RqlValue) -> str:
    """Render a value for rql, percent-encoding the characters rql reserves (`%` first)."""
    text = _render(value)
    return "".join(f"%{ord(char):02X}" if char in _SPECIAL else char for char in text)


def equals(field: str, value: RqlValue) -> str:
    """`field==value`, the value matched literally (no wildcard)."""
    return f"{_checked(field)}=={escape_value(value)}"


def starts_with(field: str, prefix: RqlValue) -> str:
    """`field==prefix*`: the escaped prefix followed by the rql wildcard."""
    return f"{_checked(field)}=={escape_value(prefix)}*"


def at_least(field: str, value: RqlValue) -> str:
    """`field=ge=value` (inclusive, the usual cursor comparison)."""
    return f"{_checked(field)}=ge={escape_value(value)}"


def all_of(*clauses: str) -> str:
    """AND of the given clauses (empty ones are skipped)."""
    return ";".join(clause for clause in clauses if clause)


def any_of(*clauses: str) -> str:
    """OR of the given clauses, parenthesised so it can sit inside an AND."""
    kept = [clause for clause in clauses if clause]
    if len(kept) == 1:
        return kept[0]
    return "(" + ",".join(kept) + ")"


def _render(value: RqlValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("Extensiv dates carry no time zone; pass a naive datetime")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _checked(field: str) -> str:
    if not _FIELD.match(field):
        raise ValueError(f"not an rql property name: {field!r}")
    return field
