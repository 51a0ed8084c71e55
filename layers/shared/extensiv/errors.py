"""Typed errors of the Extensiv 3PL Warehouse Manager API and the one function that builds them.

Two branches under `ExtensivError`: `ExtensivUnavailable` when no usable response came back
(timeouts, connection errors, a success body that does not parse), and `ExtensivApiError` when
Extensiv answered with an error status. Leaves exist only where callers branch on them.

Error bodies are Newtonsoft exceptions with a `$type` and PascalCase properties
(reference/extensiv.md §8.2, samples/extensiv/error-query-parameter-exception.json); bulk
operators embed a camelCase `ListException`; 5xx bodies are plain text (§8.1). The mapping
reads the status, the exception type and `ErrorCode`, never the message text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from connector_common.http import parse_retry_after

FailedCredential = Literal["client_id_or_secret", "user_id", "customer_id", "environment"]

# NOTE: 403 OperationException codes from REL-exceptions as summarised by MCP-notes (reference §8.2, [M]).
OPERATION_ERROR_CODES = frozenset(
    {
        "inuse",
        "wrongcustomerinbatch",
        "mixedfacilitiesinbatch",
        "orderconfirmed",
        "alreadycompleted",
        "notfullyallocated",
        "dateinfuture",
        "datebeforefreeze",
        "ordernotconfirmed",
        "ordercanceled",
        "unallocated",
        "fullyallocated",
    }
)

_RAW_TEXT_LIMIT = 2000
_SKU_IN_HINT = re.compile(r"\bsku\b\W{0,3}([A-Za-z0-9][\w.\-/#+]*)", re.IGNORECASE)


@dataclass(frozen=True)
class PropertyError:
    """One `Properties[{Name, Value}]` entry of a ModelValidationException."""

    name: str
    value: Any


@dataclass(frozen=True)
class ListFault:
    """One `faults[]` entry of a ListException (bulk operations)."""

    entry_number: int | None
    entry_info: str | None
    error_code: str | None
    hint: str | None


class ExtensivError(Exception):
    """Root of every error raised by the Extensiv client; `retryable` says if trying later may help."""

    retryable: bool = False


class ExtensivUnavailable(ExtensivError):
    """No usable response: timeout, connection error, or a success body that could not be read.

    A create call that ends here may or may not have been applied; look the record up by its
    reference before sending it again.
    """

    retryable = True


class ExtensivAuthError(ExtensivError):
    """The token call failed; the message says which credential or environment is likely wrong."""

    def __init__(
        self,
        message: str,
        failed_credential: FailedCredential | None,
        status: int | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.failed_credential = failed_credential
        self.status = status
        self.retryable = retryable


class ExtensivApiError(ExtensivError):
    """Extensiv answered with an error status; carries the parsed exception body."""

    def __init__(
        self,
        message: str,
        status: int,
        error_code: str | None = None,
        hint: str | None = None,
        exception_type: str | None = None,
        properties: tuple[PropertyError, ...] = (),
        faults: tuple[ListFault, ...] = (),
        model_type: str | None = None,
        raw: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.hint = hint
        self.exception_type = exception_type
        self.properties = properties
        self.faults = faults
        self.model_type = model_type
        self.raw = raw

    def has_code(self, code: str) -> bool:
        """True when `ErrorCode` equals `code`, ignoring case (Extensiv names are case-insensitive)."""
        return (self.error_code or "").casefold() == code.casefold()


class Unauthorized(ExtensivApiError):
    """401 on an API call: the bearer token is missing, expired or not valid for this host."""


class Forbidden(ExtensivApiError):
    """403 without an operation code: the credential lacks a role for this call (reference §2.3)."""


class OperationRejected(ExtensivApiError):
    """403 OperationException: the resource's state forbids the operation (OrderConfirmed, OrderCanceled, …)."""


class NotFound(ExtensivApiError):
    """404: the id in the path does not exist (or is not visible to this user)."""


class ValidationFailed(ExtensivApiError):
    """400 ModelValidationException: the body was refused (Required, DoesNotExist, Duplicate, …)."""

    @property
    def is_duplicate(self) -> bool:
        """The record already exists, e.g. an order with the same `referenceNum`."""
        return self.has_code("Duplicate")

    @property
    def is_unknown_item(self) -> bool:
        """An item (SKU) named in the body does not exist for this customer (reference §8.8)."""
        if not self.has_code("DoesNotExist"):
            return False
        return any(_names_item(prop.name) for prop in self.properties)

    @property
    def unknown_sku(self) -> str | None:
        """The SKU the body names as unknown, for display only; None when it cannot be told."""
        if not self.is_unknown_item:
            return None
        for prop in self.properties:
            if _names_item(prop.name) and prop.value not in (None, ""):
                return str(prop.value)
        match = _SKU_IN_HINT.search(self.hint or "")
        return match.group(1) if match else None


class QueryRejected(ExtensivApiError):
    """400 QueryParameterException: rql, sort or another query parameter was refused."""


class PreconditionFailed(ExtensivApiError):
    """412: the If-Match ETag is stale; re-read the resource and try again."""


class PreconditionRequired(ExtensivApiError):
    """428: the call needs an If-Match header."""


class RateLimited(ExtensivApiError):
    """429: throttled; `retry_after` holds the server's wait in seconds when it gave one."""

    retryable = True

    def __init__(self, message: str, status: int, retry_after: float | None = None, **fields: Any) -> None:
        super().__init__(message, status, **fields)
        self.retry_after = retry_after


class ExtensivServerError(ExtensivApiError):
    """5xx (plain-text body): a server fault, worth retrying later."""

    retryable = True


def error_from_response(status: int, text: str, headers: Mapping[str, str] | None = None) -> ExtensivApiError:
    """Turn an error response into the matching `ExtensivApiError` leaf.

    Decides by status, exception type (`$type`) and `ErrorCode`, accepting PascalCase and
    camelCase bodies; falls back to `ExtensivApiError` for statuses nobody branches on.
    """
    headers = headers or {}
    body = _parse_object(text)
    fields = _exception_fields(body, text)
    message = _describe(status, fields)
    kind = (fields["exception_type"] or "").casefold()

    if status == 429:
        retry_after = parse_retry_after(_header(headers, "Retry-After"))
        return RateLimited(message, status, retry_after=retry_after, **fields)
    if status >= 500:
        return ExtensivServerError(message, status, **fields)
    cls = _leaf_for(status, kind, (fields["error_code"] or "").casefold())
    return cls(message, status, **fields)


def _leaf_for(status: int, kind: str, code: str) -> type[ExtensivApiError]:
    if status == 400:
        if kind == "modelvalidationexception":
            return ValidationFailed
        if kind == "queryparameterexception":
            return QueryRejected
        return ExtensivApiError
    if status == 403:
        if kind == "operationexception" or (not kind and code in OPERATION_ERROR_CODES):
            return OperationRejected
        return Forbidden
    return {
        401: Unauthorized,
        404: NotFound,
        412: PreconditionFailed,
        428: PreconditionRequired,
    }.get(status, ExtensivApiError)


def _exception_fields(body: dict[str, Any] | None, text: str) -> dict[str, Any]:
    raw = text[:_RAW_TEXT_LIMIT]
    if body is None:
        return {
            "error_code": None,
            "hint": None,
            "exception_type": None,
            "properties": (),
            "faults": (),
            "model_type": None,
            "raw": raw,
        }
    faults = tuple(_parse_fault(fault) for fault in _get(body, "Faults") or () if isinstance(fault, dict))
    exception_type = _short_type_name(_get(body, "$type"))
    if exception_type is None and _get(body, "Faults") is not None:
        exception_type = "ListException"
    return {
        "error_code": _text_or_none(_get(body, "ErrorCode")),
        "hint": _text_or_none(_get(body, "Hint")),
        "exception_type": exception_type,
        "properties": tuple(_parse_property(prop) for prop in _get(body, "Properties") or () if isinstance(prop, dict)),
        "faults": faults,
        "model_type": _text_or_none(_get(body, "ModelType")),
        "raw": raw,
    }


def _parse_property(prop: dict[str, Any]) -> PropertyError:
    return PropertyError(name=str(_get(prop, "Name") or ""), value=_get(prop, "Value"))


def _parse_fault(fault: dict[str, Any]) -> ListFault:
    wms_exception = _get(fault, "WmsException")
    wms_exception = wms_exception if isinstance(wms_exception, dict) else {}
    entry_number = _get(fault, "EntryNumber")
    return ListFault(
        entry_number=entry_number if isinstance(entry_number, int) else None,
        entry_info=_text_or_none(_get(fault, "EntryInfo")),
        error_code=_text_or_none(_get(wms_exception, "ErrorCode")),
        hint=_text_or_none(_get(wms_exception, "Hint")),
    )


def _describe(status: int, fields: dict[str, Any]) -> str:
    parts = [f"Extensiv answered {status}"]
    if fields["exception_type"]:
        parts.append(fields["exception_type"])
    if fields["error_code"]:
        parts.append(fields["error_code"])
    message = " ".join(parts)
    if fields["hint"]:
        message = f"{message}: {fields['hint']}"
    return message


def _short_type_name(value: Any) -> str | None:
    # "WMS.V2.Generic.Models.Exceptions.QueryParameterException, WMS.V2.Generic.Models"
    if not isinstance(value, str) or not value.strip():
        return None
    full_name = value.split(",", 1)[0].strip()
    return full_name.rsplit(".", 1)[-1]


def _names_item(property_name: str) -> bool:
    name = property_name.casefold()
    return "itemidentifier" in name or name.endswith("sku")


def _parse_object(text: str) -> dict[str, Any] | None:
    try:
        body = json.loads(text)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _get(mapping: dict[str, Any], name: str) -> Any:
    """Look a key up ignoring case: PascalCase `$type` bodies and camelCase ListException alike."""
    if name in mapping:
        return mapping[name]
    wanted = name.casefold()
    for key, value in mapping.items():
        if key.casefold() == wanted:
            return value
    return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.casefold()
    return next((v for k, v in headers.items() if k.casefold() == wanted), None)


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
