"""End to end: the stack deployed into the local AWS emulator, driven the way `make run` does.

This is `make run DURATION=60` in-process: sandboxes on loopback, template.yaml built and
deployed by the SAM CLI into ministack, the demo shop's orders flowing through the real
webhook, queue and Lambda functions.
"""

from __future__ import annotations

import os

import pytest

from local.aws.emulator import MINISTACK_PYTHON, SAM_EXECUTABLE
from local.run import run_demo

pytestmark = pytest.mark.e2e

if not (MINISTACK_PYTHON.exists() and SAM_EXECUTABLE.exists()):
    message = "the local AWS emulator is not installed: run `make test` (it runs local/aws/setup.sh)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)


@pytest.fixture(scope="module")
def summary():
    return run_demo(duration=60, seed=7, stop=lambda: False)


def test_every_routable_order_reaches_extensiv_exactly_once(summary):
    assert summary["routable"] >= 3
    assert summary["missing"] == []
    assert summary["duplicates"] == 0
    assert summary["unexpected_in_extensiv"] == []
    assert summary["extensiv_orders"] == summary["routable"]


def test_orders_that_cannot_be_routed_are_held_with_their_reason(summary):
    assert summary["held"].get("unknown_sku", 0) >= 1
    assert summary["held"].get("no_linked_facility", 0) >= 1
    assert "on_hold" not in summary["held"]


def test_fulfilled_by_tiktok_and_cancelled_in_hold_orders_are_not_sent(summary):
    assert summary["hub_states"].get("skipped", 0) >= 1
    assert summary["hub_states"].get("cancelled", 0) >= 1
    assert summary["dead_lettered"] == 0


def test_orders_reach_extensiv_seconds_after_their_hold_ends(summary):
    latency = summary["hold_end_to_extensiv_s"]
    assert latency["count"] == summary["extensiv_orders"]
    assert latency["max"] < 30
