"""Extensiv error bodies become typed errors by status, `$type` and ErrorCode, never by message text."""

from __future__ import annotations

import json

import pytest

from extensiv.errors import (
    ExtensivApiError,
    ExtensivServerError,
    ExtensivUnavailable,
    Forbidden,
    NotFound,
    OperationRejected,
    PreconditionFailed,
    PreconditionRequired,
    QueryRejected,
    RateLimited,
    Unauthorized,
    ValidationFailed,
    error_from_response,
)

TYPE_PREFIX = "WMS.V2.Generic.Models.Exceptions."
ASSEMBLY = ", WMS.V2.Generic.Models"


def exception_body(kind: str, code: str | None = None, hint: str | None = None, **extra) -> str:
    body: dict = {"$type": f"{TYPE_PREFIX}{kind}{ASSEMBLY}"}
    if code is not None:
        body["ErrorCode"] = code
    if hint is not None:
        body["Hint"] = hint
    body.update(extra)
    return json.dumps(body)


def model_validation(code: str, properties: list[dict] | None = None, hint: str | None = None) -> str:
    return exception_body("ModelValidationException", code, hint, ModelType="Order", Properties=properties or [])


def test_error_from_response_reads_the_documented_query_parameter_exception(extensiv_sample):
    text = extensiv_sample("error-query-parameter-exception.json").decode("utf-8")

    error = error_from_response(400, text)

    assert type(error) is QueryRejected
    assert error.status == 400
    assert error.exception_type == "QueryParameterException"
    assert error.error_code == "NotParsable"
    assert error.hint == "Properties not supported: gorp"
    assert str(error) == "Extensiv answered 400 QueryParameterException NotParsable: Properties not supported: gorp"


def test_error_from_response_reads_the_camel_case_list_exception_sample(extensiv_sample):
    document = json.loads(extensiv_sample("error-list-exception.faulted-orders.hal.json"))

    error = error_from_response(400, json.dumps(document["faultedOrders"]))

    assert type(error) is ExtensivApiError
    assert error.exception_type == "ListException"
    assert len(error.faults) == 1
    assert error.faults[0].entry_number == 1
    assert error.faults[0].entry_info == "str"
    assert error.faults[0].error_code is None


def test_error_from_response_reads_a_fault_with_its_wms_exception():
    body = {"faults": [{"entryNumber": 2, "entryInfo": "R-9", "wmsException": {"errorCode": "Duplicate", "hint": "h"}}]}

    error = error_from_response(400, json.dumps(body))

    assert error.faults[0].error_code == "Duplicate"
    assert error.faults[0].hint == "h"


@pytest.mark.parametrize(
    ("status", "text", "expected"),
    [
        (401, "", Unauthorized),
        (403, exception_body("AuthorizationException", "Forbidden"), Forbidden),
        (403, "", Forbidden),
        (403, exception_body("OperationException", "OrderConfirmed"), OperationRejected),
        (404, "", NotFound),
        (412, "", PreconditionFailed),
        (428, "", PreconditionRequired),
        (429, "", RateLimited),
        (500, "Internal Server Error", ExtensivServerError),
        (503, "", ExtensivServerError),
        (400, model_validation("Required"), ValidationFailed),
        (400, exception_body("QueryParameterException", "DoesNotExist"), QueryRejected),
        (400, "not json", ExtensivApiError),
        (409, "", ExtensivApiError),
    ],
)
def test_error_from_response_picks_the_leaf_for_status_and_type(status, text, expected):
    assert type(error_from_response(status, text)) is expected


def test_error_from_response_accepts_camel_case_operation_codes_without_a_type():
    error = error_from_response(403, json.dumps({"errorCode": "OrderCanceled", "hint": "already canceled"}))

    assert type(error) is OperationRejected
    assert error.has_code("ordercanceled")
    assert error.hint == "already canceled"


def test_error_from_response_keeps_the_plain_text_of_a_server_error():
    error = error_from_response(500, "An error has occurred.")

    assert error.raw == "An error has occurred."
    assert error.retryable
    assert error.error_code is None


def test_error_from_response_reads_retry_after_on_429():
    error = error_from_response(429, "", {"retry-after": "7"})

    assert isinstance(error, RateLimited)
    assert error.retry_after == 7.0
    assert error.retryable


def test_error_retryable_flags_split_transient_from_permanent():
    assert ExtensivUnavailable("timeout").retryable
    assert not error_from_response(400, model_validation("Required")).retryable
    assert not error_from_response(404, "").retryable


def test_validation_failed_is_duplicate_by_error_code():
    error = error_from_response(400, model_validation("Duplicate", [{"Name": "ReferenceNum", "Value": "R-1"}]))

    assert isinstance(error, ValidationFailed)
    assert error.is_duplicate
    assert not error.is_unknown_item


def test_validation_failed_does_not_read_the_hint_to_decide():
    error = error_from_response(400, model_validation("Required", hint="Duplicate referenceNum"))

    assert not error.is_duplicate


def test_validation_failed_names_the_unknown_sku_from_properties():
    properties = [{"Name": "OrderItems[0].ItemIdentifier.Sku", "Value": "SKU-404"}]

    error = error_from_response(400, model_validation("DoesNotExist", properties))

    assert error.is_unknown_item
    assert error.unknown_sku == "SKU-404"
    assert error.properties[0].name == "OrderItems[0].ItemIdentifier.Sku"


def test_validation_failed_takes_the_sku_from_the_hint_when_properties_lack_a_value():
    properties = [{"Name": "ItemIdentifier", "Value": None}]

    error = error_from_response(400, model_validation("DoesNotExist", properties, hint="Sku: BLUE-XL not found"))

    assert error.unknown_sku == "BLUE-XL"


def test_validation_failed_unknown_facility_is_not_an_unknown_item():
    properties = [{"Name": "FacilityIdentifier.Id", "Value": 99}]

    error = error_from_response(400, model_validation("DoesNotExist", properties))

    assert not error.is_unknown_item
    assert error.unknown_sku is None


def test_error_from_response_accepts_camel_case_model_validation():
    body = {
        "$type": f"{TYPE_PREFIX}ModelValidationException{ASSEMBLY}",
        "errorCode": "DoesNotExist",
        "properties": [{"name": "itemIdentifier.sku", "value": "A-1"}],
    }

    error = error_from_response(400, json.dumps(body))

    assert error.is_unknown_item
    assert error.unknown_sku == "A-1"
