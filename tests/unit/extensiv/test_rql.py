"""rql clauses: reserved characters in values are percent-encoded, property names are checked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from extensiv import rql


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("576461413038785752", "576461413038785752"),
        ("A,B;C", "A%2CB%3BC"),
        ("50%", "50%25"),
        ("x=(y)*!", "x%3D%28y%29%2A%21"),
        ("2024-05-01T10:05:00", "2024-05-01T10:05:00"),
        ("with space", "with space"),
    ],
)
def test_escape_value_percent_encodes_reserved_characters(value, escaped):
    assert rql.escape_value(value) == escaped


def test_escape_value_encodes_percent_before_the_rest():
    assert rql.escape_value("%2C") == "%252C"


def test_clauses_combine_with_and_and_parenthesised_or():
    clause = rql.all_of(
        rql.equals("readOnly.customerIdentifier.id", 12),
        rql.any_of(rql.equals("referenceNum", "R,1"), rql.starts_with("referenceNum", "R,1-")),
    )

    assert clause == "readOnly.customerIdentifier.id==12;(referenceNum==R%2C1,referenceNum==R%2C1-*)"


def test_at_least_renders_naive_datetimes():
    assert rql.at_least("readOnly.lastModifiedDate", datetime(2024, 5, 1, 10)) == (
        "readOnly.lastModifiedDate=ge=2024-05-01T10:00:00"
    )


def test_at_least_refuses_aware_datetimes():
    with pytest.raises(ValueError, match="naive"):
        rql.at_least("readOnly.lastModifiedDate", datetime(2024, 5, 1, tzinfo=UTC))


def test_any_of_a_single_clause_needs_no_parentheses():
    assert rql.any_of("a==1", "") == "a==1"


@pytest.mark.parametrize("field", ["referenceNum==x;a", "", "a..b", "1abc"])
def test_property_names_are_checked(field):
    with pytest.raises(ValueError, match="not an rql property name"):
        rql.equals(field, "x")
