"""A moto-backed AWS world built from template.yaml: tables, queues and secrets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from hub.table import HubTable
from tests.support import template

REGION = "us-east-1"


@dataclass
class AwsWorld:
    dynamodb: Any
    sqs: Any
    secretsmanager: Any
    hub_table_name: str
    idempotency_table_name: str
    queue_url: str
    dead_letter_queue_url: str
    tiktok_secret_arn: str
    extensiv_secret_arn: str

    @property
    def hub(self) -> HubTable:
        return HubTable(boto3.resource("dynamodb", region_name=REGION).Table(self.hub_table_name))

    def environment(self, **overrides: str) -> dict[str, str]:
        """The environment variables template.yaml gives the functions, resolved for this world."""
        env = {
            "HUB_TABLE": self.hub_table_name,
            "IDEMPOTENCY_TABLE": self.idempotency_table_name,
            "SHIPPING_REQUESTS_QUEUE_URL": self.queue_url,
            "TIKTOK_SECRET_ARN": self.tiktok_secret_arn,
            "EXTENSIV_SECRET_ARN": self.extensiv_secret_arn,
            "POWERTOOLS_METRICS_NAMESPACE": "test",
            "POWERTOOLS_SERVICE_NAME": "test",
        }
        env.update(overrides)
        return env

    def receive_all(self, queue_url: str | None = None, max_rounds: int = 5) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        for _ in range(max_rounds):
            response = self.sqs.receive_message(
                QueueUrl=queue_url or self.queue_url,
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                WaitTimeSeconds=0,
            )
            batch = response.get("Messages", [])
            if not batch:
                break
            messages.extend(batch)
        return messages


def build_world(tiktok_secret: dict[str, Any], extensiv_secret: dict[str, Any], max_receives: int | None = None):
    """Create the stack's stateful resources in moto (call inside `mock_aws`)."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    secrets = boto3.client("secretsmanager", region_name=REGION)
    hub_table = template.create_table(dynamodb, "HubTable", "hub")
    idempotency_table = template.create_table(dynamodb, "IdempotencyTable", "idempotency")
    queue_url, dlq_url = template.create_queue_with_dead_letters(
        sqs, "ShippingRequestsQueue", "shipping-requests", max_receives
    )
    tiktok_arn = secrets.create_secret(Name="tiktok", SecretString=json.dumps(tiktok_secret))["ARN"]
    extensiv_arn = secrets.create_secret(Name="extensiv", SecretString=json.dumps(extensiv_secret))["ARN"]
    return AwsWorld(
        dynamodb=dynamodb,
        sqs=sqs,
        secretsmanager=secrets,
        hub_table_name=hub_table,
        idempotency_table_name=idempotency_table,
        queue_url=queue_url,
        dead_letter_queue_url=dlq_url,
        tiktok_secret_arn=tiktok_arn,
        extensiv_secret_arn=extensiv_arn,
    )
