"""The error bodies the Extensiv API answers with.

NOTE: reference/extensiv.md §8.2 [H]: exceptions are Newtonsoft-serialized with a `$type`
(type name plus assembly) and PascalCase properties, whatever the Accept header asked for;
see samples/extensiv/error-query-parameter-exception.json. The token endpoint answers
`{"Message": ...}` instead (§2.1 [M]), and a 500 carries plain text (§8.1 [H]).
"""

from __future__ import annotations

from typing import Any

EXCEPTION_NAMESPACE = "WMS.V2.Generic.Models.Exceptions"
EXCEPTION_ASSEMBLY = "WMS.V2.Generic.Models"


def _type_name(name: str) -> str:
    return f"{EXCEPTION_NAMESPACE}.{name}, {EXCEPTION_ASSEMBLY}"


class ExtensivError(Exception):
    """An error response of the emulated API: an HTTP status and the body that goes with it."""

    status = 400

    def body(self) -> dict[str, Any] | str | None:
        return None

    def headers(self) -> dict[str, str]:
        return {}


class QueryParameterError(ExtensivError):
    status = 400

    def __init__(self, parameters: list[str], error_code: str, hint: str) -> None:
        super().__init__(hint)
        self.parameters = parameters
        self.error_code = error_code
        self.hint = hint

    def body(self) -> dict[str, Any]:
        return {
            "$type": _type_name("QueryParameterException"),
            "Parameters": self.parameters,
            "ErrorCode": self.error_code,
            "Hint": self.hint,
        }


class ModelValidationError(ExtensivError):
    status = 400

    def __init__(
        self, model_type: str, error_code: str, hint: str, properties: list[tuple[str, Any]] | None = None
    ) -> None:
        super().__init__(hint)
        self.model_type = model_type
        self.error_code = error_code
        self.hint = hint
        self.properties = properties or []

    def body(self) -> dict[str, Any]:
        return {
            "$type": _type_name("ModelValidationException"),
            "ModelType": self.model_type,
            "Properties": [{"Name": name, "Value": value} for name, value in self.properties],
            "ErrorCode": self.error_code,
            "Hint": self.hint,
        }


class OperationError(ExtensivError):
    status = 403

    def __init__(self, action_type: str, action: str, error_code: str, hint: str, status: int = 403) -> None:
        super().__init__(hint)
        self.status = status
        self.action_type = action_type
        self.action = action
        self.error_code = error_code
        self.hint = hint

    def body(self) -> dict[str, Any]:
        return {
            "$type": _type_name("OperationException"),
            "ActionNameType": self.action_type,
            "ActionName": self.action,
            "ErrorCode": self.error_code,
            "Hint": self.hint,
        }


def precondition_required(action_type: str, action: str) -> OperationError:
    # NOTE: reference/extensiv.md §1.4 and §8.1 [H] give the statuses (428 missing, 412
    # stale) but no body; the sandbox answers with the documented OperationException shape.
    hint = "If-Match header is required for this operation"
    return OperationError(action_type, action, "PreconditionRequired", hint, status=428)


def precondition_failed(action_type: str, action: str) -> OperationError:
    hint = "If-Match header does not match the current ETag of the resource"
    return OperationError(action_type, action, "PreconditionFailed", hint, status=412)


class AuthorizationError(ExtensivError):
    status = 403

    def __init__(self, error_code: str, hint: str) -> None:
        super().__init__(hint)
        self.error_code = error_code
        self.hint = hint

    def body(self) -> dict[str, Any]:
        return {"$type": _type_name("AuthorizationException"), "ErrorCode": self.error_code, "Hint": self.hint}


class NotFoundError(ExtensivError):
    """404 with an empty body: the reference documents the status only (§8.1 [H])."""

    status = 404


class TokenError(ExtensivError):
    """An error of the auth server, in its own `{"Message": ...}` shape."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"Message": self.message}


class UnauthorizedError(ExtensivError):
    status = 401

    def body(self) -> dict[str, Any]:
        # NOTE: reference/extensiv.md §8.1 [H] documents 401 for a missing or invalid
        # bearer token but not its body; this is what ASP.NET Web API's [Authorize] sends.
        return {"Message": "Authorization has been denied for this request."}

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class RateLimitedError(ExtensivError):
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after

    def body(self) -> str:
        return "Too many requests. Retry later."

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
