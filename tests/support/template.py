"""Build AWS resources in moto from template.yaml itself, so tests never restate the schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !GetAtt, !Sub ...) as plain mappings."""


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


@cache
def template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


def resource(logical_id: str) -> dict[str, Any]:
    return template()["Resources"][logical_id]


def parameter_default(name: str) -> Any:
    return template()["Parameters"][name].get("Default")


def create_table(dynamodb_client: Any, logical_id: str, table_name: str) -> str:
    """Create the DynamoDB table `logical_id` of template.yaml under `table_name`."""
    properties = resource(logical_id)["Properties"]
    kwargs: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if "GlobalSecondaryIndexes" in properties:
        kwargs["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
    dynamodb_client.create_table(**kwargs)
    return table_name


def create_queue_with_dead_letters(sqs_client: Any, logical_id: str, name: str, max_receives: int | None = None):
    """Create queue `logical_id` and its dead-letter queue with the template's redrive policy.

    Returns (queue_url, dead_letter_queue_url).
    """
    properties = resource(logical_id)["Properties"]
    redrive = properties["RedrivePolicy"]
    if max_receives is None:
        max_receives = int(parameter_default(redrive["maxReceiveCount"]["Ref"]))
    dlq_url = sqs_client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs_client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = {
        "VisibilityTimeout": str(properties.get("VisibilityTimeout", 30)),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receives)}),
    }
    queue_url = sqs_client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return queue_url, dlq_url


def function_environment(logical_id: str) -> dict[str, Any]:
    """Global plus function environment variables as written in the template (unresolved)."""
    global_env = template()["Globals"]["Function"]["Environment"]["Variables"]
    own = resource(logical_id)["Properties"].get("Environment", {}).get("Variables", {})
    return {**global_env, **own}
