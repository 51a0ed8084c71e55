"""template.yaml's alarms and dashboard name the metrics the functions publish, exactly.

CloudWatch files a custom metric under its namespace, name and full dimension set; an alarm or
graph that differs in any of them watches a metric nobody publishes and stays silent. The
functions' side is read from their source (metric names in `add_metric` calls and the
`*_METRICS` tables, the `direction` dimension from `add_dimension`/`set_default_dimensions`),
so renaming a metric or a direction without the template breaks these tests.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.support.template import ROOT, function_environment, template

NAMESPACE = template()["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
POWERTOOLS_DIMENSIONS = {"service", "direction"}
# Directions that no SecondsSinceLastSuccess alarm watches, and why.
UNWATCHED_DIRECTIONS = {
    # Runs hourly; its own alarms watch what matters (token lifetimes, errors).
    "tiktok_token_refresh": "covered by the token lifetime and error alarms",
}


@dataclass
class FunctionMetrics:
    """What one function's code publishes: metric names and the `direction` dimension values."""

    logical_id: str
    service: str
    names: set[str] = field(default_factory=set)
    directions: set[str] = field(default_factory=set)
    any_direction: bool = False


def resources_of(kind: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in template()["Resources"].items() if body["Type"] == kind}


def module_constants(path: Path) -> dict[str, Any]:
    """Module-level `NAME = <literal>` assignments of a Python file."""
    constants = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return constants


def imported_names(tree: ast.Module, folder: Path) -> dict[str, Any]:
    """Names imported from the function's own modules (`from inventory_sync import DIRECTION as X`)."""
    names = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and (folder / f"{node.module}.py").exists():
            constants = module_constants(folder / f"{node.module}.py")
            for alias in node.names:
                if alias.name in constants:
                    names[alias.asname or alias.name] = constants[alias.name]
    return names


def metric_table_names(value: Any) -> set[str]:
    """Metric names in a `*_METRICS` table (count name -> metric name, possibly nested per direction)."""
    if isinstance(value, dict):
        return set().union(*(metric_table_names(item) for item in value.values())) if value else set()
    return {value} if isinstance(value, str) else set()


@cache
def published() -> dict[str, FunctionMetrics]:
    """Per service (POWERTOOLS_SERVICE_NAME), what the function's app.py publishes."""
    found = {}
    for logical_id, body in resources_of("AWS::Serverless::Function").items():
        folder = ROOT / body["Properties"]["CodeUri"]
        service = function_environment(logical_id)["POWERTOOLS_SERVICE_NAME"]
        app = folder / "app.py"
        tree = ast.parse(app.read_text())
        known = {**module_constants(app), **imported_names(tree, folder)}
        metrics = FunctionMetrics(logical_id, service)
        for name, value in module_constants(app).items():
            if name.endswith("_METRICS"):
                metrics.names |= metric_table_names(value)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            keywords = {keyword.arg: keyword.value for keyword in node.keywords}
            if node.func.attr == "add_metric" and isinstance(keywords.get("name"), ast.Constant):
                metrics.names.add(keywords["name"].value)
            direction = None
            if node.func.attr == "set_default_dimensions":
                direction = keywords.get("direction")
            elif node.func.attr == "add_dimension" and getattr(keywords.get("name"), "value", None) == "direction":
                direction = keywords.get("value")
            if isinstance(direction, ast.Constant):
                metrics.directions.add(direction.value)
            elif isinstance(direction, ast.Name) and direction.id in known:
                metrics.directions.add(known[direction.id])
            elif direction is not None:
                metrics.any_direction = True
        found[service] = metrics
    return found


@cache
def hub_directions() -> set[str]:
    """Every direction name the functions record in the hub (`DIRECTION = "..."` in their modules)."""
    names = set()
    for path in (ROOT / "functions").glob("*/*.py"):
        direction = module_constants(path).get("DIRECTION")
        if isinstance(direction, str):
            names.add(direction)
    return names


def custom_metric_alarms() -> dict[str, dict[str, Any]]:
    return {
        name: body["Properties"]
        for name, body in resources_of("AWS::CloudWatch::Alarm").items()
        if not body["Properties"]["Namespace"].startswith("AWS/")
    }


def dimensions_of(properties: dict[str, Any]) -> dict[str, str]:
    return {dimension["Name"]: dimension["Value"] for dimension in properties.get("Dimensions", [])}


@pytest.mark.parametrize("alarm", sorted(custom_metric_alarms()))
def test_custom_metric_alarm_watches_a_metric_its_function_publishes_with_those_dimensions(alarm):
    properties = custom_metric_alarms()[alarm]
    dimensions = dimensions_of(properties)

    assert properties["Namespace"] == NAMESPACE
    assert set(dimensions) == POWERTOOLS_DIMENSIONS
    function = published().get(dimensions["service"])
    assert function is not None, f"no function has POWERTOOLS_SERVICE_NAME {dimensions['service']!r}"
    assert properties["MetricName"] in function.names
    if dimensions["direction"] not in function.directions:
        assert function.any_direction
        assert dimensions["direction"] in hub_directions()


def test_every_direction_the_hub_records_has_a_not_succeeding_alarm():
    watched = {
        dimensions_of(properties)["direction"]
        for properties in custom_metric_alarms().values()
        if properties["MetricName"] == "SecondsSinceLastSuccess"
    }

    assert watched == hub_directions() - set(UNWATCHED_DIRECTIONS)


def test_not_succeeding_alarms_stay_quiet_for_switched_off_directions():
    for properties in custom_metric_alarms().values():
        if properties["MetricName"] == "SecondsSinceLastSuccess":
            assert properties["TreatMissingData"] == "notBreaching"
            assert properties["Threshold"] == {"Ref": "DirectionStaleAfterSeconds"}


def test_health_check_heartbeat_alarm_fires_when_the_check_stops():
    heartbeat = next(p for p in custom_metric_alarms().values() if p["MetricName"] == "DirectionsWatched")

    assert (heartbeat["TreatMissingData"], heartbeat["ComparisonOperator"]) == ("breaching", "LessThanThreshold")


@pytest.mark.parametrize(
    ("metric", "threshold"),
    [("AccessTokenSecondsLeft", 6 * 3600), ("RefreshTokenSecondsLeft", 30 * 86400), ("OversellRisk", 0)],
)
def test_token_and_oversell_alarms_have_the_documented_thresholds(metric, threshold):
    alarm = next(p for p in custom_metric_alarms().values() if p["MetricName"] == metric)

    assert alarm["Threshold"] == threshold


def test_every_function_has_an_errors_alarm():
    watched = {
        properties["Dimensions"][0]["Value"]["Ref"]
        for properties in (body["Properties"] for body in resources_of("AWS::CloudWatch::Alarm").values())
        if (properties["Namespace"], properties["MetricName"]) == ("AWS/Lambda", "Errors")
    }

    assert watched == set(resources_of("AWS::Serverless::Function"))


def test_every_dead_letter_queue_has_a_depth_alarm():
    dead_letter_queues = {
        body["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for body in resources_of("AWS::SQS::Queue").values()
        if "RedrivePolicy" in body["Properties"]
    }
    watched = {
        properties["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for properties in (body["Properties"] for body in resources_of("AWS::CloudWatch::Alarm").values())
        if properties["Namespace"] == "AWS/SQS"
    }

    assert dead_letter_queues
    assert watched == dead_letter_queues


def test_every_alarm_notifies_the_alarm_topic():
    for name, body in resources_of("AWS::CloudWatch::Alarm").items():
        assert {"Ref": "AlarmTopic"} in body["Properties"].get("AlarmActions", []), name


def test_alarm_email_subscription_exists_only_when_an_address_is_given():
    subscription = template()["Resources"]["AlarmEmailSubscription"]

    assert subscription["Condition"] == "HasAlarmEmail"
    assert template()["Parameters"]["AlarmEmail"]["Default"] == ""


# --- dashboard ---------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\$\{([^!}]+)\}")


def dashboard_json() -> dict[str, Any]:
    """The dashboard body with every ${...} replaced as CloudFormation would, checked to resolve."""
    body = template()["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    parameters = template()["Parameters"]
    resources = template()["Resources"]

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("AWS::"):
            return "us-east-1" if name == "AWS::Region" else "stack"
        if name in parameters:
            return str(parameters[name]["Default"])
        assert name.split(".")[0] in resources, f"the dashboard names an unknown resource: {name}"
        return f"physical-{name}"

    return json.loads(PLACEHOLDER.sub(substitute, body))


def dashboard_text() -> str:
    return template()["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]


def metric_rows() -> list[list[Any]]:
    return [row for widget in dashboard_json()["widgets"] for row in widget.get("properties", {}).get("metrics", [])]


def test_dashboard_body_is_valid_json_after_substitution():
    widgets = dashboard_json()["widgets"]

    assert widgets
    assert all(widget["type"] in {"metric", "text"} for widget in widgets)


def test_dashboard_shows_errors_of_every_function():
    for logical_id in resources_of("AWS::Serverless::Function"):
        assert f"${{{logical_id}}}" in dashboard_text()


def test_dashboard_search_expressions_use_the_powertools_schema_and_published_metric_names():
    every_name = set().union(*(function.names for function in published().values()))
    services = set(published())
    expressions = [row[0]["expression"] for row in metric_rows() if "expression" in row[0]]
    searches = [expression for expression in expressions if expression.startswith("SEARCH(")]

    assert searches
    for expression in searches:
        assert f"{{{NAMESPACE},direction,service}}" in expression
        assert set(re.findall(r'MetricName="(\w+)"', expression)) <= every_name
        assert set(re.findall(r'service="(\w+)"', expression)) <= services


def test_dashboard_metric_rows_name_published_metrics_with_their_dimensions():
    for row in metric_rows():
        if isinstance(row[0], dict) or row[0] != NAMESPACE:
            continue
        dimensions = dict(zip(row[2:-1:2], row[3:-1:2], strict=True))
        function = published()[dimensions["service"]]
        assert set(dimensions) == POWERTOOLS_DIMENSIONS
        assert row[1] in function.names
        assert dimensions["direction"] in function.directions


def test_dashboard_has_a_flow_graph_for_every_function_that_moves_data():
    flows = {
        service
        for expression in (row[0].get("expression", "") for row in metric_rows() if isinstance(row[0], dict))
        for service in re.findall(r'service="(\w+)"', expression)
    }

    assert flows >= set(published()) - {"token_refresh"}
