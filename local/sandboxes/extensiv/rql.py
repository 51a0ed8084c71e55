"""RQL as the Extensiv rel page describes it: a FIQL subset checked against a resource model.

`compile_filter` and `compile_sort` validate the whole expression before any row is read,
so an unknown property fails even on an empty collection, as it does on the real API.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from .errors import QueryParameterError

Row = dict[str, Any]

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?)?(Z|[+-]\d{2}:?\d{2})?$")
SELECTOR_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
OPERATORS = {"==", "!=", "=gt=", "=ge=", "=lt=", "=le=", "=in=", "=out=", "=hv="}
STOP_CHARS = ";,()"


def parse_datetime(text: str) -> datetime:
    """Parse a date the way .NET `DateTime.Parse` accepts it in rql, dropping any offset.

    NOTE: reference/extensiv.md §8.5 [H]: rql dates are `2013-07-30`, `2013-07-30T16:43:00`
    or `...Z`. What the server does with an offset is undocumented (§8.6 [L]); the
    sandbox keeps the wall-clock part, as airbyte does with its cursor.
    """
    if not DATE_PATTERN.match(text.strip()):
        raise ValueError(text)
    cleaned = re.sub(r"(Z|[+-]\d{2}:?\d{2})$", "", text.strip()).replace(" ", "T")
    if "." in cleaned:
        head, fraction = cleaned.split(".", 1)
        cleaned = f"{head}.{fraction[:6]}"
    return datetime.fromisoformat(cleaned)


@dataclass(frozen=True)
class Comparison:
    selector: str
    operator: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Junction:
    kind: str  # "and" | "or"
    parts: tuple[Node, ...]


Node = Comparison | Junction


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, hint: str) -> QueryParameterError:
        return QueryParameterError(["rql"], "NotParsable", hint)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse(self) -> Node:
        node = self.parse_or()
        if self.pos != len(self.text):
            raise self.fail(f"Unexpected character at position {self.pos}: {self.peek()}")
        return node

    def parse_or(self) -> Node:
        parts = [self.parse_and()]
        while self.peek() == ",":
            self.pos += 1
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else Junction("or", tuple(parts))

    def parse_and(self) -> Node:
        parts = [self.parse_primary()]
        while self.peek() == ";":
            self.pos += 1
            parts.append(self.parse_primary())
        return parts[0] if len(parts) == 1 else Junction("and", tuple(parts))

    def parse_primary(self) -> Node:
        if self.peek() != "(":
            return self.parse_comparison()
        self.pos += 1
        node = self.parse_or()
        if self.peek() != ")":
            raise self.fail("Missing closing parenthesis")
        self.pos += 1
        return node

    def parse_comparison(self) -> Comparison:
        match = re.compile(r"[A-Za-z0-9_.]+").match(self.text, self.pos)
        selector = match.group(0) if match else ""
        if not SELECTOR_PATTERN.match(selector):
            raise self.fail(f"Expected a property name at position {self.pos}")
        self.pos += len(selector)
        operator = self.parse_operator()
        values = self.parse_values()
        return Comparison(selector, operator, values)

    def parse_operator(self) -> str:
        rest = self.text[self.pos :]
        if rest.startswith(("==", "!=")):
            operator = rest[:2]
        else:
            match = re.match(r"=[A-Za-z]+=", rest)
            if not match:
                raise self.fail(f"Expected an operator at position {self.pos}")
            operator = match.group(0).lower()
        if operator not in OPERATORS:
            raise self.fail(f"Operator not supported: {operator}")
        self.pos += len(operator)
        return operator

    def parse_values(self) -> tuple[str, ...]:
        if self.peek() == "(":
            end = self.text.find(")", self.pos)
            if end < 0:
                raise self.fail("Missing closing parenthesis in value list")
            raw = self.text[self.pos + 1 : end].split(",")
            self.pos = end + 1
        else:
            start = self.pos
            while self.pos < len(self.text) and self.text[self.pos] not in STOP_CHARS:
                self.pos += 1
            raw = [self.text[start : self.pos]]
        # NOTE: reference/extensiv.md §8.5 [M]: special characters in values are
        # percent-encoded twice; the query string decoding undid the first layer.
        values = tuple(unquote(value) for value in raw)
        if any(value == "" for value in values):
            raise self.fail(f"Missing value before position {self.pos}")
        return values


class Schema:
    """The filterable and sortable leaves of one resource model, from a fully filled prototype."""

    def __init__(self, prototype: Row) -> None:
        self._fields: dict[str, tuple[tuple[str, ...], str]] = {}
        self._collect(prototype, ())

    def _collect(self, node: Row, prefix: tuple[str, ...]) -> None:
        for key, value in node.items():
            if key.startswith("_"):
                continue
            path = (*prefix, key)
            if isinstance(value, dict):
                self._collect(value, path)
            elif not isinstance(value, list):
                self._fields[".".join(path).lower()] = (path, _kind_of(value))

    def resolve(self, selector: str) -> tuple[tuple[str, ...], str] | None:
        return self._fields.get(selector.lower())


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str) and DATE_PATTERN.match(value) and "T" in value:
        return "date"
    return "string"


def _value_at(row: Row, path: tuple[str, ...]) -> Any:
    node: Any = row
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _convert(kind: str, text: str, parameter: str) -> Any:
    try:
        if kind == "bool":
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        if kind == "number":
            return float(text)
        if kind == "date":
            return parse_datetime(text)
    except ValueError:
        raise QueryParameterError([parameter], "NotParsable", f"Value not parsable: {text}") from None
    return text.lower()


def _comparable(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "date":
        try:
            return parse_datetime(str(value))
        except ValueError:
            return None
    if kind == "number":
        return float(value)
    if kind == "string":
        return str(value).lower()
    return value


def _compile_comparison(node: Comparison, schema: Schema, unknown: list[str]) -> Callable[[Row], bool]:
    resolved = schema.resolve(node.selector)
    if resolved is None:
        unknown.append(node.selector)
        return lambda row: False
    path, kind = resolved
    operator = node.operator

    if operator == "=hv=":
        wanted = _convert("bool", node.values[0], "rql")
        return lambda row: (_value_at(row, path) not in (None, "")) == wanted

    if operator in ("=in=", "=out="):
        options = [_convert(kind, value, "rql") for value in node.values]
        inside = operator == "=in="
        return lambda row: (_comparable(kind, _value_at(row, path)) in options) == inside

    if len(node.values) != 1:
        raise QueryParameterError(["rql"], "NotParsable", f"Operator {operator} takes one value")
    raw = node.values[0]
    if kind == "string" and "*" in raw and operator in ("==", "!="):
        pattern = re.compile(".*".join(re.escape(piece) for piece in raw.lower().split("*")), re.DOTALL)
        negate = operator == "!="
        return lambda row: (
            (_value_at(row, path) is not None and bool(pattern.fullmatch(str(_value_at(row, path)).lower()))) != negate
        )

    wanted = _convert(kind, raw, "rql")
    tests: dict[str, Callable[[Any], bool]] = {
        "==": lambda value: value == wanted,
        "!=": lambda value: value != wanted,
        "=gt=": lambda value: value > wanted,
        "=ge=": lambda value: value >= wanted,
        "=lt=": lambda value: value < wanted,
        "=le=": lambda value: value <= wanted,
    }
    test = tests[operator]

    def matches(row: Row) -> bool:
        value = _comparable(kind, _value_at(row, path))
        if value is None:
            return operator == "!="
        return test(value)

    return matches


def _compile_node(node: Node, schema: Schema, unknown: list[str]) -> Callable[[Row], bool]:
    if isinstance(node, Comparison):
        return _compile_comparison(node, schema, unknown)
    parts = [_compile_node(part, schema, unknown) for part in node.parts]
    if node.kind == "and":
        return lambda row: all(part(row) for part in parts)
    return lambda row: any(part(row) for part in parts)


def compile_filter(text: str | None, schema: Schema) -> Callable[[Row], bool]:
    """Turn an rql expression into a row predicate; raises QueryParameterError like the API."""
    if text is None or text.strip() == "":
        return lambda row: True
    tree = _Parser(text.strip()).parse()
    unknown: list[str] = []
    predicate = _compile_node(tree, schema, unknown)
    if unknown:
        hint = "Properties not supported: " + ", ".join(unknown)
        raise QueryParameterError(["rql"], "NotParsable", hint)
    return predicate


def compile_sort(text: str | None, schema: Schema) -> Callable[[list[Row]], list[Row]]:
    """Turn `sort=-readOnly.creationDate,referenceNum` into a stable multi-key sort."""
    if text is None or text.strip() == "":
        return lambda rows: rows
    keys: list[tuple[tuple[str, ...], str, bool]] = []
    unknown: list[str] = []
    for part in text.split(","):
        name = part.strip()
        descending = name.startswith("-")
        name = name.lstrip("+-").strip()
        resolved = schema.resolve(name)
        if resolved is None:
            unknown.append(name)
            continue
        keys.append((*resolved, descending))
    if unknown:
        # NOTE: reference/extensiv.md §8.5 [H] documents sort but not how an unknown
        # property is answered; the sandbox refuses it as it refuses one in rql.
        hint = "Properties not supported: " + ", ".join(unknown)
        raise QueryParameterError(["sort"], "NotParsable", hint)

    def sort(rows: list[Row]) -> list[Row]:
        ordered = list(rows)
        for path, kind, descending in reversed(keys):
            ordered.sort(key=lambda row, p=path, k=kind: _sort_key(k, _value_at(row, p)), reverse=descending)
        return ordered

    return sort


def _sort_key(kind: str, value: Any) -> tuple[int, Any]:
    comparable = _comparable(kind, value)
    return (0, 0) if comparable is None else (1, comparable)
