"""syncctl against a stack deployed in moto from template.yaml (tests/support/syncctl_world.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner, Result

from syncctl.cli import Deps, app
from syncctl.stack import Stack
from tests.support.aws import REGION
from tests.support.syncctl_world import FakeApis, StackWorld, deploy_world, lambda_without_docker

NOW = 1_700_000_000.0


@pytest.fixture(scope="session")
def boto_session() -> boto3.session.Session:
    """One boto3 session for the tests and every syncctl call: service models load once."""
    return boto3.session.Session(region_name=REGION)


@pytest.fixture
def deploy(aws, boto_session) -> Iterator[Callable[..., StackWorld]]:
    """Deploy the stack with some parameters (and without some functions); Lambda without Docker."""
    with lambda_without_docker():

        def make(without: tuple[str, ...] = (), **parameters: str) -> StackWorld:
            return deploy_world(aws, parameters, without, session=boto_session)

        yield make


@pytest.fixture
def world(deploy) -> StackWorld:
    return deploy()


@pytest.fixture
def apis() -> FakeApis:
    return FakeApis()


@pytest.fixture
def syncctl(request, apis, boto_session) -> Callable[..., Result]:
    """Run syncctl the way an operator types it, against `stack` (default: the `world` fixture)."""

    def run(*args: str, stack: StackWorld | None = None, clock: Callable[[], float] | None = None) -> Result:
        target = stack or request.getfixturevalue("world")
        deps = Deps(
            connect=lambda stack_target: Stack.connect(stack_target, boto_session),
            apis=lambda _stack: apis,
            clock=clock or (lambda: NOW),
        )
        return CliRunner().invoke(app, ["--stack-name", target.name, *args], obj=deps)

    return run


def as_json(result: Result) -> Any:
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)
