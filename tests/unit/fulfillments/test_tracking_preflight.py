"""Tracking pre-flight: what TikTok would refuse is caught before the one correction is spent."""

from __future__ import annotations

import pytest
from tracking_preflight import tracking_problem


@pytest.mark.parametrize(
    "tracking_number",
    [
        "1Z999AA10123456784",  # UPS
        "9400111899223344556677",  # USPS
        "123456789012",  # FedEx
        "GM2951173225174494",  # DHL eCommerce
        " 1Z999AA10123456784 ",  # surrounding blanks are not part of the number
    ],
)
def test_real_looking_tracking_numbers_pass(tracking_number):
    assert tracking_problem(tracking_number) is None


@pytest.mark.parametrize(
    ("tracking_number", "problem"),
    [
        (None, "no tracking number"),
        ("   ", "no tracking number"),
        ("1Z 999 AA1 01 2345 6784", "tracking number has characters other than letters and digits"),
        ("1Z-999-AA1", "tracking number has characters other than letters and digits"),
        ("N/A", "tracking number has characters other than letters and digits"),
        ("TBD", "tracking number is a placeholder"),
        ("0000000000", "tracking number is a placeholder"),
        ("12345", "tracking number length 5 is outside 8-40"),
        ("1Z" + "9" * 39, "tracking number length 41 is outside 8-40"),
    ],
)
def test_obviously_invalid_tracking_numbers_are_caught(tracking_number, problem):
    assert tracking_problem(tracking_number) == problem
