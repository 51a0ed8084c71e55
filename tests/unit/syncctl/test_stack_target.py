"""Which stack and endpoint syncctl talks to: options, environment, and the running local emulator."""

from __future__ import annotations

import json
import os

import pytest

from syncctl.stack import DEFAULT_STACK_NAME, StackError, find_local_state, resolve_target


@pytest.fixture
def local_state(tmp_path):
    """A repository checkout whose local emulator recorded itself (as `python -m local.aws.emulator up` does)."""
    state = tmp_path / ".local-stack" / "aws" / "state.json"
    state.parent.mkdir(parents=True)
    state.write_text(json.dumps({"pid": os.getpid(), "port": 4566, "endpoint_url": "http://127.0.0.1:4566"}))
    return tmp_path


def test_target_defaults_to_the_local_stack_in_the_running_emulator(local_state):
    target = resolve_target(environ={}, cwd=local_state / "functions")

    assert (target.stack_name, target.endpoint_url, target.region) == (
        DEFAULT_STACK_NAME,
        "http://127.0.0.1:4566",
        "us-east-1",
    )
    assert target.emulator is True


def test_target_local_stack_without_a_running_emulator_is_a_clear_error(tmp_path):
    with pytest.raises(StackError, match=r"the local stack connector-local is not running .* start it with `make run`"):
        resolve_target(environ={}, cwd=tmp_path)


def test_target_refuses_an_emulator_whose_process_is_gone(local_state):
    state = local_state / ".local-stack" / "aws" / "state.json"
    state.write_text(json.dumps({"pid": 2**22 + 12345, "endpoint_url": "http://127.0.0.1:4566"}))

    with pytest.raises(StackError, match=r"is not running: start the local stack again"):
        resolve_target(environ={}, cwd=local_state)


def test_target_refuses_a_recorded_emulator_off_loopback(local_state):
    state = local_state / ".local-stack" / "aws" / "state.json"
    state.write_text(json.dumps({"pid": os.getpid(), "endpoint_url": "http://10.0.0.5:4566"}))

    with pytest.raises(StackError, match=r"not on this machine's loopback"):
        resolve_target(environ={}, cwd=local_state)


def test_target_deployed_stack_uses_aws_itself_and_the_environment_region(tmp_path):
    target = resolve_target(environ={"SYNCCTL_STACK": "merchant-acme", "AWS_REGION": "eu-west-1"}, cwd=tmp_path)

    assert (target.stack_name, target.endpoint_url, target.region, target.emulator) == (
        "merchant-acme",
        None,
        "eu-west-1",
        False,
    )


def test_target_options_win_over_the_environment(local_state):
    environ = {"SYNCCTL_STACK": "from-env", "AWS_ENDPOINT_URL": "http://127.0.0.1:1111", "AWS_REGION": "eu-west-1"}

    target = resolve_target("from-option", "http://127.0.0.1:2222", "us-west-2", environ=environ, cwd=local_state)

    assert (target.stack_name, target.endpoint_url, target.region) == (
        "from-option",
        "http://127.0.0.1:2222",
        "us-west-2",
    )
    assert target.endpoint_source == "--endpoint-url"


def test_target_aws_endpoint_url_from_the_environment_is_used_for_any_stack(tmp_path):
    target = resolve_target(environ={"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, cwd=tmp_path)

    assert (target.endpoint_url, target.region, target.endpoint_source) == (
        "http://127.0.0.1:4566",
        "us-east-1",
        "AWS_ENDPOINT_URL",
    )


def test_local_state_file_can_be_named_explicitly(tmp_path):
    named = tmp_path / "elsewhere.json"

    assert find_local_state({"SYNCCTL_LOCAL_STATE": str(named)}, tmp_path) == named
