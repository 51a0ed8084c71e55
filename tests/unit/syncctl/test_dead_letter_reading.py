"""Reading a dead letter: the function's attributes when it parked it, none when SQS redrive moved it."""

from __future__ import annotations

from syncctl.dead_letters import NO_REASON, dead_letter_from
from syncctl.text import one_line
from syncctl.views import age


def message(**overrides):
    value = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "Body": '{"order_id":"777","source":"webhook","event_time":null}',
        "Attributes": {"SentTimestamp": "1700000000000", "ApproximateReceiveCount": "2"},
    }
    value.update(overrides)
    return value


def test_dead_letter_parked_by_the_function_carries_reason_and_receives():
    attributes = {
        "order_id": {"DataType": "String", "StringValue": "777"},
        "reason": {"DataType": "String", "StringValue": "ExtensivServerError: 503"},
        "receives": {"DataType": "Number", "StringValue": "5"},
    }

    letter = dead_letter_from(message(MessageAttributes=attributes))

    assert (letter.order_id, letter.reason_text, letter.receives, letter.source) == (
        "777",
        "ExtensivServerError: 503",
        5,
        "webhook",
    )
    assert letter.dead_lettered_at == 1_700_000_000.0


def test_dead_letter_moved_by_redrive_says_no_reason_was_recorded():
    letter = dead_letter_from(message())

    assert letter.reason is None
    assert letter.reason_text == NO_REASON
    assert letter.order_id == "777"
    assert letter.receives is None


def test_dead_letter_with_a_foreign_body_still_lists():
    letter = dead_letter_from(message(Body="not json"))

    assert (letter.order_id, letter.source, letter.body) == (None, None, "not json")


def test_age_reads_hub_stamps_and_epochs():
    now = 1_700_000_000.0

    assert age("2023-11-14T22:13:15.000000Z", now) == "5s"
    assert age(now - 125, now) == "2m"
    assert age(now - 3 * 3600 - 60, now) == "3h 1m"
    assert age(now - 2 * 86400 - 3600, now) == "2d 1h"
    assert age(None, now) == "-"


def test_one_line_joins_an_error_and_drops_pydantic_links():
    message = (
        "3 validation errors for ExtensivCredentials\nclient_id\n  String should have at least 1 character\n"
        "    For further information visit https://errors.pydantic.dev/2.14/v/string_too_short\n"
    )

    assert one_line(message) == (
        "3 validation errors for ExtensivCredentials; client_id; String should have at least 1 character"
    )
    assert one_line("x" * 50, limit=10) == "xxxxxxx..."
