"""The inventory function's sample events, switch defaults and settings stay what the docs say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector_common.settings import InventorySettings
from tests.support.handlers import load_app
from tests.support.template import parameter_default, resource

EVENTS = Path(__file__).resolve().parents[3] / "events" / "inventory"
PLATFORM_ENV = {"HUB_TABLE": "hub", "TIKTOK_SECRET_ARN": "tiktok", "EXTENSIV_SECRET_ARN": "extensiv"}


@pytest.mark.parametrize(("name", "action"), [("schedule-run.json", "run"), ("resync.json", "resync")])
def test_sample_events_are_actions_the_handler_accepts(name, action):
    event = json.loads((EVENTS / name).read_text())

    assert load_app("inventory").action_of(event) == action


def test_schedule_sends_the_run_action():
    schedule = resource("InventoryFunction")["Properties"]["Events"]["Run"]["Properties"]

    assert json.loads(schedule["Input"]) == json.loads((EVENTS / "schedule-run.json").read_text())


def test_inventory_is_off_by_default_with_no_scope_and_no_buffer():
    assert (parameter_default("PullInventory"), parameter_default("InventorySkuScope")) == ("false", "")
    assert parameter_default("InventoryDefaultBuffer") == 0
    settings = InventorySettings.from_env(PLATFORM_ENV)
    assert (settings.pull_inventory, settings.inventory_sku_scope, settings.inventory_default_buffer) == (
        False,
        frozenset(),
        0,
    )


def test_sku_scope_parameter_is_a_comma_separated_list_of_master_skus():
    settings = InventorySettings.from_env(
        {**PLATFORM_ENV, "PULL_INVENTORY": "true", "INVENTORY_SKU_SCOPE": " TEE-RED-S, MUG-01,,"}
    )

    assert (settings.pull_inventory, settings.inventory_sku_scope) == (True, frozenset({"TEE-RED-S", "MUG-01"}))


def test_negative_default_buffer_is_refused_before_the_handler_runs():
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        InventorySettings.from_env({**PLATFORM_ENV, "INVENTORY_DEFAULT_BUFFER": "-1"})
