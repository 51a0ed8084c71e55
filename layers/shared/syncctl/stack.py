"""Finding a connector stack and its parts through CloudFormation: hub table, queues, secrets, functions.

The same commands work against the local stack in the emulator and a merchant's deployed
stack: only the endpoint and the stack name differ.

    --stack-name     option > SYNCCTL_STACK > "connector-local"
    --endpoint-url   option > AWS_ENDPOINT_URL > for the local stack, the emulator that
                     `python -m local.aws.emulator up` (or `make run`) recorded in
                     .local-stack/aws/state.json > the AWS default for the region

Every AWS failure leaves this module as a `StackError` whose message is one line an operator
can act on; botocore errors never reach the command line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from hub.table import HubTable
from syncctl.text import one_line

DEFAULT_STACK_NAME = "connector-local"
STACK_NAME_VARIABLE = "SYNCCTL_STACK"
LOCAL_STATE_VARIABLE = "SYNCCTL_LOCAL_STATE"
LOCAL_STATE_PATH = Path(".local-stack") / "aws" / "state.json"
LOCAL_REGION = "us-east-1"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# The local emulator accepts any key pair; these keep a developer's real credentials out of it.
EMULATOR_KEY = ("test", "test")
# NOTE: a forced run can take up to the function's timeout (120 s for inventory); a retried
# invoke would run the work twice, so an invoke is sent once.
INVOKE_READ_TIMEOUT_S = 900


class StackError(Exception):
    """A stack, resource or AWS call syncctl needs is not usable; the message says what to do."""


class StackNotFound(StackError):
    """No stack of that name where syncctl looked."""


class FunctionMissing(StackError):
    """The stack has no function for the flow asked for."""


@dataclass(frozen=True)
class Target:
    """Where a stack lives: its name, the AWS endpoint (None = AWS itself) and region."""

    stack_name: str
    endpoint_url: str | None
    region: str | None
    endpoint_source: str
    emulator: bool = False

    @property
    def where(self) -> str:
        place = self.endpoint_url or "AWS"
        return f"{place} ({self.region})" if self.region else place


def is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in LOOPBACK_HOSTS


def find_local_state(environ: Mapping[str, str], start: Path) -> Path | None:
    """The state file of the local emulator: SYNCCTL_LOCAL_STATE, else .local-stack/ here or above."""
    if environ.get(LOCAL_STATE_VARIABLE):
        return Path(environ[LOCAL_STATE_VARIABLE])
    for directory in (start, *start.parents):
        candidate = directory / LOCAL_STATE_PATH
        if candidate.is_file():
            return candidate
    return None


def resolve_target(
    stack_name: str | None = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Target:
    """Decide which stack and endpoint to talk to; raises StackError when the local stack is not running."""
    environ = os.environ if environ is None else environ
    name = stack_name or environ.get(STACK_NAME_VARIABLE) or DEFAULT_STACK_NAME
    region = region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if endpoint_url:
        return Target(name, endpoint_url, region or _local_region(endpoint_url), "--endpoint-url")
    if environ.get("AWS_ENDPOINT_URL"):
        url = environ["AWS_ENDPOINT_URL"]
        return Target(name, url, region or _local_region(url), "AWS_ENDPOINT_URL")
    if name != DEFAULT_STACK_NAME:
        return Target(name, None, region, "AWS default")

    state_file = find_local_state(environ, cwd or Path.cwd())
    if state_file is None:
        raise StackError(
            f"the local stack {name} is not running (no emulator recorded in {LOCAL_STATE_PATH}): "
            "start it with `make run`, or name a deployed stack with --stack-name and --region"
        )
    url = _emulator_url(state_file)
    return Target(name, url, region or LOCAL_REGION, f"local emulator ({state_file})", emulator=True)


def _local_region(url: str) -> str | None:
    return LOCAL_REGION if is_loopback(url) else None


def _emulator_url(state_file: Path) -> str:
    try:
        state = json.loads(state_file.read_text())
        url, pid = str(state["endpoint_url"]), int(state["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        raise StackError(f"{state_file} does not name a running emulator: start the local stack again") from None
    if not is_loopback(url):
        raise StackError(f"{state_file} names {url}, which is not on this machine's loopback; refusing to use it")
    if not _process_alive(pid):
        raise StackError(
            f"the local emulator recorded in {state_file} (pid {pid}) is not running: start the local stack again"
        )
    return url


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def aws_errors(what: str) -> Iterator[None]:
    """Turn botocore failures into one-line StackErrors."""
    try:
        yield
    except NoCredentialsError:
        raise StackError(f"{what}: no AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID)") from None
    except NoRegionError:
        raise StackError(f"{what}: no AWS region (pass --region or set AWS_REGION)") from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise StackError(f"{what}: {error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")) from None
    except BotoCoreError as exc:
        raise StackError(f"{what}: {exc}") from None


@dataclass(frozen=True)
class Invocation:
    """What a synchronous invoke returned: the function's answer, or its error."""

    function: str
    payload: Any
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Stack:
    """One connector stack: its outputs and resources read from CloudFormation, and clients for them."""

    target: Target
    session: Any
    outputs: dict[str, str] = field(default_factory=dict)
    resources: dict[str, tuple[str, str]] = field(default_factory=dict)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _environments: dict[str, dict[str, str] | None] = field(default_factory=dict, repr=False)

    @classmethod
    def connect(cls, target: Target, session: Any = None) -> Stack:
        """Read the stack's outputs and resources; raises StackNotFound or StackError.

        `session` is a boto3 Session to reuse (its loaded service models make clients cheap).
        """
        if session is None:
            credentials = {}
            if target.emulator:
                credentials = {"aws_access_key_id": EMULATOR_KEY[0], "aws_secret_access_key": EMULATOR_KEY[1]}
            session = boto3.session.Session(region_name=target.region, **credentials)
        stack = cls(target, session)
        stack._describe()
        return stack

    def _describe(self) -> None:
        cloudformation = self.client("cloudformation")
        name = self.target.stack_name
        with aws_errors(f"cannot read stack {name} at {self.target.where}"):
            try:
                described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
            except ClientError as exc:
                # NOTE: CloudFormation answers a missing stack with ValidationError "does not exist".
                if exc.response.get("Error", {}).get("Code") == "ValidationError":
                    raise StackNotFound(f"stack {name} not found at {self.target.where}") from None
                raise
            self.outputs = {item["OutputKey"]: item["OutputValue"] for item in described.get("Outputs", [])}
            for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=name):
                for item in page["StackResourceSummaries"]:
                    physical = item.get("PhysicalResourceId", "")
                    self.resources[item["LogicalResourceId"]] = (item["ResourceType"], physical)

    # --- clients ----------------------------------------------------------------------------

    def client(self, service: str) -> Any:
        if service not in self._clients:
            retries = {"max_attempts": 3, "mode": "standard"}
            read_timeout = 60
            if service == "lambda":
                retries, read_timeout = {"total_max_attempts": 1}, INVOKE_READ_TIMEOUT_S
            config = Config(connect_timeout=5, read_timeout=read_timeout, retries=retries)
            with aws_errors(f"cannot create the {service} client"):
                self._clients[service] = self.session.client(
                    service, endpoint_url=self.target.endpoint_url, config=config
                )
        return self._clients[service]

    def hub(self) -> HubTable:
        resource = self.session.resource("dynamodb", endpoint_url=self.target.endpoint_url)
        return HubTable(resource.Table(self.hub_table_name))

    # --- named parts --------------------------------------------------------------------------

    def part(self, output: str, logical_id: str, what: str) -> str:
        """A physical name from the stack's outputs, else its resources; raises StackError."""
        value = self.outputs.get(output) or self.physical_id(logical_id)
        if not value:
            raise StackError(f"stack {self.target.stack_name} has no {what} ({output} / {logical_id})")
        return value

    def physical_id(self, logical_id: str) -> str | None:
        found = self.resources.get(logical_id)
        return found[1] if found and found[1] else None

    @property
    def hub_table_name(self) -> str:
        return self.part("HubTableName", "HubTable", "hub table")

    @property
    def queue_url(self) -> str:
        return self.part("ShippingRequestsQueueUrl", "ShippingRequestsQueue", "shipping-requests queue")

    @property
    def dead_letter_queue_url(self) -> str:
        what = "shipping-requests dead-letter queue"
        return self.part("ShippingRequestsDeadLetterQueueUrl", "ShippingRequestsDeadLetterQueue", what)

    @property
    def tiktok_secret_arn(self) -> str:
        return self.part("TikTokSecretArn", "TikTokSecret", "TikTok secret")

    @property
    def extensiv_secret_arn(self) -> str:
        return self.part("ExtensivSecretArn", "ExtensivSecret", "Extensiv secret")

    # --- functions ------------------------------------------------------------------------------

    def function_name(self, logical_id: str) -> str | None:
        """The deployed name of a function, None when this stack has no such function."""
        return self.outputs.get(f"{logical_id}Name") or self.physical_id(logical_id)

    def function_environment(self, logical_id: str) -> dict[str, str] | None:
        """A function's environment variables (its switches), None when the stack has no such function."""
        if logical_id in self._environments:
            return self._environments[logical_id]
        name = self.function_name(logical_id)
        environment: dict[str, str] | None = None
        if name is not None:
            lambda_client = self.client("lambda")
            with aws_errors(f"cannot read the configuration of {logical_id}"):
                try:
                    configuration = lambda_client.get_function_configuration(FunctionName=name)
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                        raise
                    configuration = None
            if configuration is not None:
                variables = configuration.get("Environment", {}).get("Variables", {})
                environment = {key: str(value) for key, value in variables.items()}
        self._environments[logical_id] = environment
        return environment

    def invoke(self, logical_id: str, payload: Mapping[str, Any]) -> Invocation:
        """Invoke a function synchronously, once; raises FunctionMissing when the stack lacks it."""
        if self.function_environment(logical_id) is None:
            raise FunctionMissing(f"stack {self.target.stack_name} has no {logical_id}: this flow is not deployed")
        name = self.function_name(logical_id)
        with aws_errors(f"invoking {logical_id} failed"):
            response = self.client("lambda").invoke(FunctionName=name, Payload=json.dumps(dict(payload)).encode())
            raw = response["Payload"].read()
        try:
            answer: Any = json.loads(raw) if raw else None
        except ValueError:
            answer = raw.decode(errors="replace")
        error = response.get("FunctionError")
        if error:
            return Invocation(logical_id, answer, _function_error_text(answer, error))
        return Invocation(logical_id, answer)

    # --- secrets --------------------------------------------------------------------------------

    def secret(self, arn: str) -> dict[str, Any]:
        """A JSON secret of the stack; raises StackError when it cannot be read or is not JSON."""
        with aws_errors("cannot read a secret of the stack"):
            text = self.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
        try:
            value = json.loads(text)
        except ValueError:
            raise StackError("a secret of the stack is not JSON") from None
        if not isinstance(value, dict):
            raise StackError("a secret of the stack is not a JSON object")
        return value


def _function_error_text(answer: Any, error: str) -> str:
    if isinstance(answer, dict) and answer.get("errorMessage"):
        return one_line(f"{answer.get('errorType', error)}: {answer['errorMessage']}")
    return error
