"""syncctl's table of flows matches template.yaml: functions, switch variables and parameters."""

from __future__ import annotations

import pytest

from syncctl.flows import FLOWS, PUSH_SHIPPING_REQUESTS, Flow, SwitchState, scope_values, switch_state
from tests.support import template


def deployed_variables(flow: Flow) -> dict:
    return template.function_environment(flow.function)


@pytest.mark.parametrize("flow", FLOWS, ids=lambda flow: flow.name)
def test_flow_function_switches_and_scope_are_the_templates(flow):
    variables = deployed_variables(flow)

    assert template.resource(flow.function)["Type"] == "AWS::Serverless::Function"
    for switch in flow.switches:
        assert variables[switch.variable] == {"Ref": switch.parameter}
        assert template.template()["Parameters"][switch.parameter]["AllowedValues"] == ["true", "false"]
    if flow.scope:
        assert variables[flow.scope.variable] == {"Ref": flow.scope.parameter}


@pytest.mark.parametrize("flow", FLOWS, ids=lambda flow: flow.name)
def test_flow_sync_action_is_what_its_schedule_sends(flow):
    events = template.resource(flow.function)["Properties"].get("Events", {})
    inputs = {event["Properties"].get("Input") for event in events.values() if event["Type"] == "Schedule"}

    assert f'{{"action": "{flow.sync_action}"}}' in inputs


@pytest.mark.parametrize(
    ("environment", "state"),
    [
        ({"PUSH_SHIPPING_REQUESTS": "true"}, SwitchState.ON),
        ({"PUSH_SHIPPING_REQUESTS": "True"}, SwitchState.ON),
        ({"PUSH_SHIPPING_REQUESTS": "false"}, SwitchState.OFF),
        ({"PUSH_SHIPPING_REQUESTS": ""}, SwitchState.OFF),
        ({}, SwitchState.ABSENT),
        (None, SwitchState.ABSENT),
    ],
)
def test_switch_state_reads_the_functions_variable(environment, state):
    assert switch_state(environment, PUSH_SHIPPING_REQUESTS) == state


def test_scope_values_split_on_commas_and_ignore_blanks():
    flow = FLOWS[0]

    assert scope_values({"ORDER_ID_SCOPE": " 111, ,222 "}, flow.scope) == frozenset({"111", "222"})
    assert scope_values({"ORDER_ID_SCOPE": ""}, flow.scope) == frozenset()
    assert scope_values({}, flow.scope) is None
