"""A connector stack in moto, deployed through CloudFormation from template.yaml, for syncctl tests.

syncctl finds everything through CloudFormation (outputs, resources) and Lambda (the switches
in each function's environment), so its tests deploy a stack the same way, from the template
itself. moto's CloudFormation has no SAM transform and a few gaps, bridged here:

- each AWS::Serverless::Function becomes an AWS::Lambda::Function with the template's Globals
  and its own environment (what syncctl reads) and an inline stand-in handler;
- the two secrets come from the `aws` fixture (moto's CloudFormation cannot create them);
- resources moto cannot create (the layer, alarms, the REST API ...) and the outputs or
  variables that name them are left out;
- Lambda runs without Docker: an invoke answers with the payload it was sent.

Every base URL parameter points at a closed port on loopback, so a client built from the
stack can never reach a real host.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

import boto3
from moto.cloudformation.models import Stack as MotoStack
from moto.core.config import default_user_config

from extensiv.auth import ConnectionCheck
from hub.table import HubTable
from tests.support import template
from tests.support.aws import REGION, AwsWorld
from tests.support.fakes import FakeTikTok
from tests.support.handlers import LambdaContext

STACK_NAME = "connector-test"
# Port 9 (discard) on loopback: nothing listens, nothing leaves the machine.
CLOSED_LOOPBACK = "http://127.0.0.1:9"
SAFE_PARAMETERS = {
    "TikTokApiBaseUrl": CLOSED_LOOPBACK,
    "TikTokAuthBaseUrl": CLOSED_LOOPBACK,
    "ExtensivBaseUrl": CLOSED_LOOPBACK,
}
KEPT_TYPES = frozenset({"AWS::DynamoDB::Table", "AWS::SQS::Queue"})
PSEUDO_PARAMETERS = frozenset({"AWS::NoValue", "AWS::Region", "AWS::StackName", "AWS::AccountId", "AWS::URLSuffix"})
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}")


@contextmanager
def lambda_without_docker() -> Iterator[None]:
    """moto's Lambda that answers every invoke with its payload instead of running a container.

    Also reads a JSON template body as JSON: moto parses every body with pure-Python YAML,
    which costs half a second per deploy (JSON is YAML, so the result is the same).
    """
    original = MotoStack.parse_template

    def parse_json_first(body: str) -> dict[str, Any]:
        try:
            return json.loads(body)
        except ValueError:
            return original(body)

    with (
        patch.dict(default_user_config, {"lambda": {"use_docker": False}}),
        patch.object(MotoStack, "parse_template", staticmethod(parse_json_first)),
    ):
        yield


@dataclass
class StackWorld:
    """The deployed test stack: what syncctl will find, and handles for tests to look behind it."""

    aws: AwsWorld
    name: str
    outputs: dict[str, str]
    physical_ids: dict[str, str]
    session: Any

    @property
    def hub(self) -> HubTable:
        return HubTable(self.session.resource("dynamodb").Table(self.outputs["HubTableName"]))

    @property
    def sqs(self) -> Any:
        return self.aws.sqs

    @property
    def queue_url(self) -> str:
        return self.outputs["ShippingRequestsQueueUrl"]

    @property
    def dead_letter_queue_url(self) -> str:
        return self.outputs["ShippingRequestsDeadLetterQueueUrl"]

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """A function's environment as deployed, as strings (what Lambda gives the handler)."""
        lambda_client = self.session.client("lambda")
        configuration = lambda_client.get_function_configuration(FunctionName=self.physical_ids[logical_id])
        return {key: str(value) for key, value in configuration["Environment"]["Variables"].items()}

    def set_environment(self, logical_id: str, **variables: str) -> None:
        """Change a deployed function's variables (a redeploy with other parameters, in one call)."""
        environment = {**self.function_environment(logical_id), **variables}
        self.session.client("lambda").update_function_configuration(
            FunctionName=self.physical_ids[logical_id], Environment={"Variables": environment}
        )

    def put_secret(self, logical_id: str, value: Mapping[str, Any]) -> None:
        arn = self.aws.tiktok_secret_arn if logical_id == "TikTokSecret" else self.aws.extensiv_secret_arn
        self.aws.secretsmanager.put_secret_value(SecretId=arn, SecretString=json.dumps(dict(value)))

    def receive(self, queue_url: str | None = None, visibility_timeout: int | None = None) -> list[dict[str, Any]]:
        """What the queue hands out now; with `visibility_timeout` 0 it stays visible (a worker that died)."""
        options = {} if visibility_timeout is None else {"VisibilityTimeout": visibility_timeout}
        response = self.sqs.receive_message(
            QueueUrl=queue_url or self.queue_url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
            **options,
        )
        return response.get("Messages", [])


def deploy_world(
    aws: AwsWorld,
    parameters: Mapping[str, str] | None = None,
    without: tuple[str, ...] = (),
    name: str = STACK_NAME,
    session: Any = None,
) -> StackWorld:
    """Deploy template.yaml into moto as stack `name` (call inside `lambda_without_docker`).

    `without` leaves functions out, as an older stack or one without that flow would be.
    `session` is a boto3 Session to reuse across tests (service models load once).
    """
    session = session or boto3.session.Session(region_name=REGION)
    secrets = {"TikTokSecret": aws.tiktok_secret_arn, "ExtensivSecret": aws.extensiv_secret_arn}
    body = moto_template(secrets, without)
    values = {**SAFE_PARAMETERS, **(parameters or {})}
    cloudformation = session.client("cloudformation")
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(body),
        Parameters=[{"ParameterKey": key, "ParameterValue": str(value)} for key, value in values.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    outputs = {item["OutputKey"]: item["OutputValue"] for item in described.get("Outputs", [])}
    resources = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
    physical_ids = {item["LogicalResourceId"]: item["PhysicalResourceId"] for item in resources}
    return StackWorld(aws, name, outputs, physical_ids, session)


def moto_template(secret_arns: Mapping[str, str], without: tuple[str, ...] = ()) -> dict[str, Any]:
    """template.yaml as plain CloudFormation that moto can deploy (see the module docstring)."""
    source = copy.deepcopy(template.template())
    globals_ = source["Globals"]["Function"]
    resources: dict[str, Any] = {"FunctionRole": _role()}
    for logical_id, resource in source["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function" and logical_id not in without:
            resources[logical_id] = _function(resource["Properties"], globals_)
        elif resource["Type"] in KEPT_TYPES:
            resources[logical_id] = resource
    resolvable = set(resources) | set(secret_arns) | set(source["Parameters"]) | PSEUDO_PARAMETERS
    _drop_unresolvable_variables(resources, resolvable)
    outputs = {key: value for key, value in source.get("Outputs", {}).items() if _names(value) <= resolvable}
    body = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": source["Parameters"],
        "Conditions": source.get("Conditions", {}),
        "Resources": resources,
        "Outputs": outputs,
    }
    return _resolved(body, secret_arns)


def _role() -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    trust = {"Version": "2012-10-17", "Statement": [statement]}
    return {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust}}


def _function(properties: dict[str, Any], globals_: dict[str, Any]) -> dict[str, Any]:
    variables = {
        **globals_.get("Environment", {}).get("Variables", {}),
        **properties.get("Environment", {}).get("Variables", {}),
    }
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": properties.get("Runtime", globals_.get("Runtime")),
            "Handler": "index.handler",
            "Role": {"Fn::GetAtt": ["FunctionRole", "Arn"]},
            "Code": {"ZipFile": "def handler(event, context):\n    return event\n"},
            "Timeout": properties.get("Timeout", globals_.get("Timeout", 60)),
            "Environment": {"Variables": variables},
        },
    }


def _drop_unresolvable_variables(resources: dict[str, Any], resolvable: set[str]) -> None:
    for resource in resources.values():
        variables = resource["Properties"].get("Environment", {}).get("Variables") or {}
        for name, value in list(variables.items()):
            if not _names(value) <= resolvable:
                variables[name] = f"not-in-test-world:{name}"


def _names(node: Any) -> set[str]:
    """Logical ids and parameters a template fragment refers to."""
    if isinstance(node, dict):
        if "Ref" in node:
            return {node["Ref"]}
        if "Fn::GetAtt" in node:
            target = node["Fn::GetAtt"]
            return {target.split(".", 1)[0] if isinstance(target, str) else target[0]}
        if "Fn::Sub" in node:
            text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
            return set(_SUB_NAME.findall(text))
        return set().union(*(_names(value) for value in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_names(value) for value in node)) if node else set()
    return set()


def _resolved(node: Any, secret_arns: Mapping[str, str]) -> Any:
    """GetAtt in moto's list form; the secrets' Refs as the `aws` fixture's ARNs."""
    if isinstance(node, dict):
        if set(node) == {"Fn::GetAtt"} and isinstance(node["Fn::GetAtt"], str):
            return {"Fn::GetAtt": node["Fn::GetAtt"].split(".", 1)}
        if set(node) == {"Ref"} and node["Ref"] in secret_arns:
            return secret_arns[node["Ref"]]
        return {key: _resolved(value, secret_arns) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(value, secret_arns) for value in node]
    return node


# --- driving the shipping-requests handler as Lambda's SQS poller does ------------------------------


def deliver(app: Any, world: StackWorld, visibility_timeout: int | None = None) -> list[str]:
    """Hand what the queue gives out now to the handler; delete what it did not report failed.

    A BaseException from the handler (a simulated crash) leaves the whole batch on the queue,
    as a Lambda that dies does (with `visibility_timeout=0`, visible again at once). Returns
    the order ids handed over.
    """
    messages = world.receive(visibility_timeout=visibility_timeout)
    if not messages:
        return []
    records = [
        {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message["Attributes"],
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:shipping-requests",
            "awsRegion": REGION,
        }
        for message in messages
    ]
    order_ids = [json.loads(message["Body"])["order_id"] for message in messages]
    response = app.handler({"Records": records}, LambdaContext())
    failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
    for message in messages:
        if message["MessageId"] not in failed:
            world.sqs.delete_message(QueueUrl=world.queue_url, ReceiptHandle=message["ReceiptHandle"])
    return order_ids


# --- the platform APIs the doctor asks, as small fakes ------------------------------------------------


@dataclass(frozen=True)
class FoundItem:
    sku: str


class FakeExtensivChecks:
    """Answers the doctor's two Extensiv questions: does the connection work, is this SKU an item."""

    def __init__(self, connection: Any = None, items: tuple[str, ...] = ()) -> None:
        self.connection = connection or ConnectionCheck(ok=True, failed_credential=None, message="connected (fake)")
        self.items = set(items)
        self.item_lookups: list[str] = []

    def check_connection(self) -> Any:
        return self.connection

    def find_item_by_sku(self, sku: str) -> FoundItem | None:
        self.item_lookups.append(sku)
        return FoundItem(sku) if sku in self.items else None


class FakeApis:
    """What `syncctl.cli.Deps.apis` returns in tests: the given fakes, never a network client."""

    def __init__(self, extensiv: Any = None, tiktok: Any = None) -> None:
        self.extensiv_client = extensiv or FakeExtensivChecks()
        self.tiktok_client = tiktok or FakeTikTok()

    def extensiv(self) -> Any:
        return self.extensiv_client

    def tiktok(self) -> Any:
        return self.tiktok_client
