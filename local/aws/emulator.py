"""Local AWS: ministack on 127.0.0.1, with template.yaml deployed by `sam build` and `sam deploy`.

The stack that runs locally is the one a merchant deploys: the same template, built and
deployed by the same SAM CLI commands, only pointed at an emulator on loopback through
AWS_ENDPOINT_URL with fake credentials. ministack and aws-sam-cli live in virtual
environments of their own (local/aws/setup.sh makes them) because each pins its own
botocore; this module drives both by path and needs only the standard library and boto3.

    with Ministack() as aws:
        stack = deploy_stack(aws, stack_name="connector-local", parameter_overrides={...})
        stack.invoke("ShippingRequestsFunction", {"action": "poll"})

NOTE: ministack runs every Python function with the interpreter of its own virtual
environment, whatever `Runtime` the template names, so the layer's compiled wheels
(pydantic-core) are built for that interpreter's version (see `layer_python_version`).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
VENVS_DIR = REPO_ROOT / ".venvs"
MINISTACK_PYTHON = VENVS_DIR / "ministack" / "bin" / "python"
SAM_EXECUTABLE = VENVS_DIR / "sam" / "bin" / "sam"
WORK_DIR = REPO_ROOT / ".local-stack" / "aws"
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"
DEFAULT_REGION = "us-east-1"
DEFAULT_STACK_NAME = "connector-local"
# ministack accepts any key pair; its default account is 000000000000.
FAKE_ACCESS_KEY_ID = "test"
FAKE_SECRET_ACCESS_KEY = "test"
CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
HEALTH_PATH = "/_ministack/health"

# Variables a child process may inherit from the developer's shell; everything AWS-related
# is set explicitly so that no profile, real credential or default endpoint leaks in.
_INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TERM", "USER", "PYENV_ROOT")
_INHERITED_ENV_PREFIXES = ("PIP_", "UV_", "SSL_CERT_", "REQUESTS_CA_BUNDLE")
_TEMPLATE_RUNTIME = re.compile(r"^\s*Runtime:\s*python(\d+\.\d+)\s*$", re.MULTILINE)
_EXECUTE_API_URL = re.compile(
    r"^https://(?P<api_id>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?"
    r"/(?P<stage>[^/]+)(?P<path>/.*)?$"
)


class EmulatorError(Exception):
    """Root of the errors of the local AWS emulation."""


class EmulatorNotInstalledError(EmulatorError):
    """A virtual environment that local/aws/setup.sh creates is missing."""


class EmulatorStartError(EmulatorError):
    """ministack exited or never answered its health check."""


class SamCommandError(EmulatorError):
    """`sam build` or `sam deploy` failed; the message ends with the tail of its output."""

    def __init__(self, command: str, returncode: int, output_tail: str, log_path: Path) -> None:
        super().__init__(f"sam {command} failed with exit code {returncode} (full output: {log_path}):\n{output_tail}")
        self.command = command
        self.returncode = returncode
        self.output_tail = output_tail
        self.log_path = log_path


class StackNotFoundError(EmulatorError):
    """The stack, or a resource asked for by logical id, does not exist in the emulator."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def aws_environment(endpoint_url: str, region: str = DEFAULT_REGION) -> dict[str, str]:
    """The AWS variables that point an SDK or the SAM CLI at the emulator and nowhere else."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_ACCESS_KEY,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        # NOTE: without these an SDK may look for credentials on the instance metadata address
        # or read a developer's real profile.
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def aws_client(service: str, endpoint_url: str, region: str = DEFAULT_REGION, **config: Any) -> Any:
    """A boto3 client for one service of the emulator, with fake credentials."""
    session = boto3.session.Session(
        aws_access_key_id=FAKE_ACCESS_KEY_ID,
        aws_secret_access_key=FAKE_SECRET_ACCESS_KEY,
        region_name=region,
    )
    settings = {"connect_timeout": 5, "read_timeout": 120, "retries": {"max_attempts": 2}}
    settings.update(config)
    return session.client(service, endpoint_url=endpoint_url, config=Config(**settings))


def _inherited_environment() -> dict[str, str]:
    return {
        key: value
        for key, value in os.environ.items()
        if key in _INHERITED_ENV or key.startswith(_INHERITED_ENV_PREFIXES)
    }


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class Ministack:
    """One ministack process bound to 127.0.0.1, started and stopped by this object.

    Functions run as children of this process and inherit its environment, plus
    `function_env`, under the function's own Environment.Variables (which win).
    AWS_ENDPOINT_URL is set to this emulator, so boto3 inside a function reaches it.
    """

    port: int | None = None
    region: str = DEFAULT_REGION
    python: Path = MINISTACK_PYTHON
    work_dir: Path = WORK_DIR
    function_env: Mapping[str, str] = field(default_factory=dict)
    log_level: str = "INFO"
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.work_dir / f"ministack-{self.port}.log"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def python_version(self) -> str:
        """The `major.minor` of the Python that ministack runs functions with."""
        self._require_python()
        result = subprocess.run(  # noqa: S603 - our own virtual environment's interpreter
            [str(self.python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return result.stdout.strip()

    def environment(self) -> dict[str, str]:
        """The environment ministack starts with, and that every function inherits."""
        temp_dir = self.work_dir / "tmp"
        env = _inherited_environment()
        env.update(aws_environment(self.endpoint_url, self.region))
        env.update(
            {
                "BIND_HOST": LOOPBACK,
                "GATEWAY_PORT": str(self.port),
                "MINISTACK_REGION": self.region,
                # NOTE: the IoT MQTT listener (port 8883) binds every interface whatever BIND_HOST says, and the
                # SFTP listener binds all interfaces too; neither is used here.
                "IOT_MTLS_ENABLED": "0",
                "SFTP_ENABLED": "0",
                # No Docker engine: keep ministack from probing a daemon socket.
                "DOCKER_HOST": f"unix://{temp_dir / 'no-docker.sock'}",
                "PERSIST_STATE": "0",
                "LOG_LEVEL": self.log_level,
                # Function code and layers are unpacked under TMPDIR; stop() removes it.
                "TMPDIR": str(temp_dir),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.function_env)
        return env

    def start(self, timeout: float = 60.0) -> Ministack:
        """Start ministack and wait until its health check answers; raises EmulatorStartError."""
        if self._process is not None:
            raise EmulatorStartError(f"ministack already started (pid {self._process.pid})")
        self._require_python()
        if self.port is None:
            self.port = free_port()
        temp_dir = self.work_dir / "tmp"
        shutil.rmtree(temp_dir, ignore_errors=True)
        temp_dir.mkdir(parents=True)

        with self.log_path.open("wb") as log_file:
            # A session of its own, so stop() can end ministack and its function workers as
            # one process group.
            self._process = subprocess.Popen(  # noqa: S603 - our own virtual environment's interpreter
                [str(self.python), "-m", "ministack"],
                cwd=self.work_dir,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        logger.info(
            "ministack starting",
            extra={"endpoint_url": self.endpoint_url, "pid": self._process.pid, "log": str(self.log_path)},
        )

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                returncode = self._process.returncode
                self._process = None
                raise EmulatorStartError(f"ministack exited with code {returncode} on startup:\n{_tail(self.log_path)}")
            if self.is_healthy():
                logger.info("ministack ready", extra={"endpoint_url": self.endpoint_url})
                return self
            time.sleep(0.2)
        self.stop()
        raise EmulatorStartError(
            f"ministack did not answer {HEALTH_PATH} within {timeout:.0f}s:\n{_tail(self.log_path)}"
        )

    def is_healthy(self) -> bool:
        try:
            url = self.endpoint_url + HEALTH_PATH
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http://127.0.0.1 only
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, timeout: float = 10.0) -> None:
        """End ministack and every function worker it started; idempotent."""
        process, self._process = self._process, None
        if process is None:
            return
        _end_process_group(process.pid, timeout)
        process.wait(timeout=1)
        shutil.rmtree(self.work_dir / "tmp", ignore_errors=True)
        logger.info("ministack stopped", extra={"pid": process.pid})

    def detach(self) -> int | None:
        """Forget the process without ending it (it goes on after this Python exits); returns its pid."""
        process, self._process = self._process, None
        return process.pid if process else None

    def __enter__(self) -> Ministack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def client(self, service: str, **config: Any) -> Any:
        return aws_client(service, self.endpoint_url, self.region, **config)

    def _require_python(self) -> None:
        if not self.python.exists():
            raise EmulatorNotInstalledError(
                f"{self.python} not found: run local/aws/setup.sh to create the ministack environment"
            )


def _end_process_group(pgid: int, timeout: float) -> None:
    """SIGTERM the process group led by `pgid` (one that this module started), then SIGKILL it."""
    for sig, grace in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pgid, os.WNOHANG)
            if not _process_group_alive(pgid):
                return
            time.sleep(0.1)
        logger.warning("process group still running", extra={"pgid": pgid, "signal": sig.name})


def _process_group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A leader that exited but was not reaped yet still answers; it counts as gone.
    return any(_is_live_member(pid, pgid) for pid in _pids())


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _is_live_member(pid: int, pgid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # Fields after the parenthesised command: state, ppid, pgrp, ...
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0] != "Z" and int(fields[2]) == pgid


def template_python_version(template: Path) -> str | None:
    """The Python version of the first `Runtime: pythonX.Y` in a template, if any."""
    match = _TEMPLATE_RUNTIME.search(template.read_text())
    return match.group(1) if match else None


@dataclass
class SamCli:
    """The SAM CLI of .venvs/sam, pointed at one emulator endpoint."""

    endpoint_url: str
    region: str = DEFAULT_REGION
    executable: Path = SAM_EXECUTABLE
    work_dir: Path = WORK_DIR

    @property
    def build_dir(self) -> Path:
        return self.work_dir / "build"

    def build(
        self,
        template: Path,
        layer_python_version: str,
        *,
        python_for_runtime: Path | None = None,
        cached: bool = True,
    ) -> Path:
        """`sam build` the template with the layer built for `layer_python_version`.

        `python_for_runtime` is put on PATH as `python<version>`, for functions that carry
        their own requirements.txt (sam then insists on that interpreter). Returns the path
        of the built template.
        """
        args = [
            "build",
            "--template-file",
            str(template),
            "--build-dir",
            str(self.build_dir),
            "--config-file",
            str(self._empty_config()),
            "--parallel",
        ]
        if cached:
            # The cache does not key on LAYER_PYTHON_VERSION, so keep one per version.
            args += ["--cached", "--cache-dir", str(self.work_dir / f"cache-py{layer_python_version}")]
        env = {"LAYER_PYTHON_VERSION": layer_python_version}
        if python_for_runtime is not None:
            env["PATH"] = f"{self._runtime_bin_dir(python_for_runtime, layer_python_version)}:{os.environ['PATH']}"
        self._run("build", args, env)
        return self.build_dir / "template.yaml"

    def deploy(
        self,
        built_template: Path,
        stack_name: str,
        parameter_overrides: Mapping[str, str] | None = None,
    ) -> None:
        """`sam deploy --resolve-s3` the built template, as a merchant would, into the emulator."""
        args = [
            "deploy",
            "--template-file",
            str(built_template),
            "--stack-name",
            stack_name,
            "--region",
            self.region,
            "--config-file",
            str(self._empty_config()),
            "--resolve-s3",
            "--s3-prefix",
            stack_name,
            "--capabilities",
            *CAPABILITIES,
            "--no-confirm-changeset",
            "--no-fail-on-empty-changeset",
            "--no-progressbar",
        ]
        if parameter_overrides:
            args += ["--parameter-overrides", f"file://{self._parameters_file(parameter_overrides)}"]
        self._run("deploy", args, {})

    def _run(self, command: str, args: Sequence[str], extra_env: Mapping[str, str]) -> None:
        if not self.executable.exists():
            raise EmulatorNotInstalledError(
                f"{self.executable} not found: run local/aws/setup.sh to create the sam environment"
            )
        self.work_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.work_dir / f"sam-{command}.log"
        env = {**self._environment(), **extra_env}
        started = time.monotonic()
        logger.info("sam command starting", extra={"command": command, "log": str(log_path)})
        with log_path.open("wb") as log_file:
            result = subprocess.run(  # noqa: S603 - the sam CLI of our own virtual environment
                [str(self.executable), *args],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=1800,
            )
        duration = round(time.monotonic() - started, 1)
        if result.returncode != 0:
            raise SamCommandError(command, result.returncode, _tail(log_path), log_path)
        logger.info("sam command finished", extra={"command": command, "duration_s": duration})

    def _environment(self) -> dict[str, str]:
        app_dir = self.work_dir / "sam-app"
        app_dir.mkdir(parents=True, exist_ok=True)
        metadata = app_dir / "metadata.json"
        if not metadata.exists():
            # NOTE: sam checks PyPI for a newer release once a week and sends an "installed"
            # metric on first run; a check stamped ten years ahead and an empty telemetry
            # endpoint keep it from calling out.
            ten_years = 10 * 365 * 24 * 3600
            metadata.write_text(
                json.dumps(
                    {
                        "telemetryEnabled": False,
                        "lastVersionCheck": time.time() + ten_years,
                        "installationId": "local-stack",
                    }
                )
            )
        env = _inherited_environment()
        env.update(aws_environment(self.endpoint_url, self.region))
        env.update(
            {
                "__SAM_CLI_APP_DIR": str(app_dir),
                "SAM_CLI_TELEMETRY": "0",
                "__SAM_CLI_TELEMETRY_ENDPOINT_URL": "",
                "SAM_CLI_CONTAINER_CONNECTION_TIMEOUT": "1",
            }
        )
        return env

    def _empty_config(self) -> Path:
        # A merchant's samconfig.toml beside the template must not steer the local deploy.
        path = self.work_dir / "samconfig.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("version = 0.1\n")
        return path

    def _parameters_file(self, parameter_overrides: Mapping[str, str]) -> Path:
        # A file keeps values with commas, spaces or nothing intact; JSON is valid YAML.
        path = self.work_dir / "parameters.yaml"
        path.write_text(json.dumps({key: str(value) for key, value in parameter_overrides.items()}))
        return path

    def _runtime_bin_dir(self, python: Path, version: str) -> Path:
        bin_dir = self.work_dir / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        link = bin_dir / f"python{version}"
        if link.is_symlink() or link.exists():
            link.unlink()
        # The base interpreter, not the venv's: sam runs pip with it.
        link.symlink_to(os.path.realpath(python))
        return bin_dir


@dataclass
class InvokeResult:
    """What a direct Lambda invoke returned."""

    status_code: int
    function_error: str | None
    payload: Any
    log_tail: str

    @property
    def ok(self) -> bool:
        return self.function_error is None


@dataclass
class DeployedStack:
    """A stack deployed in the emulator: its outputs and resources, and how to reach them."""

    name: str
    endpoint_url: str
    region: str
    outputs: dict[str, str]
    resources: dict[str, tuple[str, str]]  # logical id -> (resource type, physical id)

    @classmethod
    def describe(cls, stack_name: str, endpoint_url: str, region: str = DEFAULT_REGION) -> DeployedStack:
        """Read a deployed stack's outputs and resources; raises StackNotFoundError."""
        cloudformation = aws_client("cloudformation", endpoint_url, region)
        try:
            stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        except cloudformation.exceptions.ClientError as exc:
            raise StackNotFoundError(f"stack {stack_name} not found at {endpoint_url}") from exc
        outputs = {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}
        resources: dict[str, tuple[str, str]] = {}
        for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name):
            for item in page["StackResourceSummaries"]:
                resources[item["LogicalResourceId"]] = (
                    item["ResourceType"],
                    item.get("PhysicalResourceId", ""),
                )
        return cls(stack_name, endpoint_url, region, outputs, resources)

    def client(self, service: str, **config: Any) -> Any:
        return aws_client(service, self.endpoint_url, self.region, **config)

    def physical_id(self, logical_id: str) -> str:
        try:
            return self.resources[logical_id][1]
        except KeyError:
            raise StackNotFoundError(f"no resource {logical_id} in stack {self.name}") from None

    def function_name(self, logical_id: str) -> str:
        return self.physical_id(logical_id)

    def api_url(self, stage: str = "Prod", rest_api_logical_id: str = "ServerlessRestApi") -> str:
        """The local base URL of a REST API stage; append the resource path to call it."""
        return local_execute_api_url(self.endpoint_url, self.physical_id(rest_api_logical_id), stage)

    def local_url(self, aws_url: str) -> str:
        """Map an `https://{id}.execute-api.{region}.amazonaws.com/...` output to the emulator."""
        return to_local_url(aws_url, self.endpoint_url)

    def invoke(self, logical_id: str, payload: Any = None) -> InvokeResult:
        """Invoke a function by logical id, synchronously, as `aws lambda invoke` would."""
        lambda_client = self.client("lambda")
        response = lambda_client.invoke(
            FunctionName=self.function_name(logical_id),
            Payload=json.dumps({} if payload is None else payload).encode(),
            LogType="Tail",
        )
        raw = response["Payload"].read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        log_tail = base64.b64decode(response.get("LogResult", "")).decode(errors="replace")
        return InvokeResult(response["StatusCode"], response.get("FunctionError"), body, log_tail)

    def function_logs(self, logical_id: str, since_ms: int = 0) -> list[str]:
        """Log lines of a function (CloudWatch Logs group /aws/lambda/<name>) since a time."""
        logs = self.client("logs")
        group = f"/aws/lambda/{self.function_name(logical_id)}"
        lines: list[str] = []
        try:
            pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group, startTime=since_ms)
            for page in pages:
                lines.extend(event["message"].rstrip("\n") for event in page["events"])
        except logs.exceptions.ResourceNotFoundException:
            return []
        return lines


def local_execute_api_url(endpoint_url: str, api_id: str, stage: str) -> str:
    """ministack's path-style execute-api URL: `{endpoint}/_aws/execute-api/{api_id}/{stage}`."""
    return f"{endpoint_url}/_aws/execute-api/{api_id}/{stage}"


def to_local_url(aws_url: str, endpoint_url: str) -> str:
    """Rewrite an API Gateway invoke URL (as the template outputs it) to the emulator's."""
    match = _EXECUTE_API_URL.match(aws_url)
    if match is None:
        raise ValueError(f"not an execute-api URL: {aws_url}")
    base = local_execute_api_url(endpoint_url, match["api_id"], match["stage"])
    return base + (match["path"] or "")


def layer_python_version(ministack: Ministack, template: Path = DEFAULT_TEMPLATE) -> str:
    """The Python version to build the layer for: the one ministack runs functions with."""
    version = ministack.python_version()
    runtime = template_python_version(template)
    if runtime is None or runtime == version:
        logger.info(
            "building the layer for the template's runtime, which ministack runs",
            extra={"layer_python_version": version, "template_runtime": runtime},
        )
    else:
        logger.warning(
            "building the layer for ministack's Python, not the template's runtime",
            extra={"layer_python_version": version, "template_runtime": runtime},
        )
    return version


def deploy_stack(
    ministack: Ministack,
    *,
    stack_name: str = DEFAULT_STACK_NAME,
    template: Path = DEFAULT_TEMPLATE,
    parameter_overrides: Mapping[str, str] | None = None,
    cached: bool = True,
) -> DeployedStack:
    """`sam build` and `sam deploy` a template into a running ministack; returns the stack."""
    version = layer_python_version(ministack, template)
    sam = SamCli(ministack.endpoint_url, ministack.region, work_dir=ministack.work_dir)
    built = sam.build(template, version, python_for_runtime=ministack.python, cached=cached)
    sam.deploy(built, stack_name, parameter_overrides)
    return DeployedStack.describe(stack_name, ministack.endpoint_url, ministack.region)


# --- command line: `python -m local.aws.emulator {up,down,deploy,outputs,invoke}` ---

_STATE_FILE = WORK_DIR / "state.json"


def _read_state() -> dict[str, Any]:
    try:
        return json.loads(_STATE_FILE.read_text())
    except (OSError, ValueError):
        raise EmulatorError("no running emulator recorded: run `up` first") from None


def _is_our_ministack(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"ministack" in cmdline and str(MINISTACK_PYTHON).encode() in cmdline


def record_running(ministack: Ministack) -> Path:
    """Record a running emulator so `syncctl` in another terminal finds it; returns the file."""
    _STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    state = {"pid": ministack.pid, "port": ministack.port, "endpoint_url": ministack.endpoint_url}
    _STATE_FILE.write_text(json.dumps(state))
    return _STATE_FILE


def _command_up(args: argparse.Namespace) -> None:
    if _STATE_FILE.exists():
        state = _read_state()
        if _is_our_ministack(state["pid"]):
            sys.stdout.write(state["endpoint_url"] + "\n")
            return
    ministack = Ministack(port=args.port, region=args.region).start()
    # The process outlives this command; `down` ends its process group by the recorded id.
    state = {"pid": ministack.detach(), "port": ministack.port, "endpoint_url": ministack.endpoint_url}
    _STATE_FILE.write_text(json.dumps(state))
    sys.stdout.write(ministack.endpoint_url + "\n")


def _command_down(args: argparse.Namespace) -> None:
    if not _STATE_FILE.exists():
        return
    state = _read_state()
    if _is_our_ministack(state["pid"]):
        _end_process_group(state["pid"], timeout=10.0)
    shutil.rmtree(WORK_DIR / "tmp", ignore_errors=True)
    _STATE_FILE.unlink()


def _command_deploy(args: argparse.Namespace) -> None:
    state = _read_state()
    ministack = Ministack(port=state["port"], region=args.region)
    overrides = dict(item.split("=", 1) for item in args.parameter)
    started = time.monotonic()
    stack = deploy_stack(
        ministack,
        stack_name=args.stack_name,
        template=Path(args.template),
        parameter_overrides=overrides,
        cached=not args.no_cache,
    )
    logger.info("stack deployed", extra={"stack": stack.name, "duration_s": round(time.monotonic() - started, 1)})
    _print_json(stack.outputs)


def _command_outputs(args: argparse.Namespace) -> None:
    state = _read_state()
    stack = DeployedStack.describe(args.stack_name, state["endpoint_url"], args.region)
    _print_json({"outputs": stack.outputs, "resources": stack.resources})


def _command_invoke(args: argparse.Namespace) -> None:
    state = _read_state()
    stack = DeployedStack.describe(args.stack_name, state["endpoint_url"], args.region)
    result = stack.invoke(args.logical_id, json.loads(args.payload))
    sys.stderr.write(result.log_tail)
    _print_json({"status_code": result.status_code, "function_error": result.function_error, "payload": result.payload})
    if not result.ok:
        raise SystemExit(1)


def _command_sam(args: argparse.Namespace) -> None:
    """Run the pinned SAM CLI with telemetry and version checks off (for build and validate)."""
    sam = SamCli(endpoint_url="", work_dir=WORK_DIR)
    env = sam._environment()
    for name in ("AWS_ENDPOINT_URL",):
        env.pop(name, None)
    env["LAYER_PYTHON_VERSION"] = os.environ.get("LAYER_PYTHON_VERSION", "3.13")
    command = [str(SAM_EXECUTABLE), *args.sam_args]
    raise SystemExit(subprocess.call(command, env=env, cwd=REPO_ROOT))  # noqa: S603 - our pinned sam


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.aws.emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--region", default=DEFAULT_REGION)
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start ministack on 127.0.0.1 in the background")
    up.add_argument("--port", type=int, default=None, help="default: a free port")
    up.set_defaults(run=_command_up)

    down = commands.add_parser("down", help="stop the ministack that `up` started")
    down.set_defaults(run=_command_down)

    deploy = commands.add_parser("deploy", help="sam build and sam deploy the template into it")
    deploy.add_argument("--stack-name", default=DEFAULT_STACK_NAME)
    deploy.add_argument("--template", default=str(DEFAULT_TEMPLATE))
    deploy.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE")
    deploy.add_argument("--no-cache", action="store_true")
    deploy.set_defaults(run=_command_deploy)

    outputs = commands.add_parser("outputs", help="print the stack's outputs and resources")
    outputs.add_argument("--stack-name", default=DEFAULT_STACK_NAME)
    outputs.set_defaults(run=_command_outputs)

    sam = commands.add_parser("sam", help="run the pinned SAM CLI quietly: sam -- build | validate --lint")
    sam.add_argument("sam_args", nargs=argparse.REMAINDER)
    sam.set_defaults(run=_command_sam)

    invoke = commands.add_parser("invoke", help="invoke a function by logical id")
    invoke.add_argument("logical_id")
    invoke.add_argument("--payload", default="{}")
    invoke.add_argument("--stack-name", default=DEFAULT_STACK_NAME)
    invoke.set_defaults(run=_command_invoke)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s %(extra_keys)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_ExtraKeysFilter())
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    try:
        args.run(args)
    except EmulatorError as exc:
        logger.error("local AWS emulation failed", extra={"error": str(exc)})
        raise SystemExit(1) from exc


class _ExtraKeysFilter(logging.Filter):
    """Renders the `extra=` keys of a record after its fixed message, for the command line."""

    _standard = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "extra_keys"}

    def filter(self, record: logging.LogRecord) -> bool:
        extras = {key: value for key, value in record.__dict__.items() if key not in self._standard}
        record.extra_keys = " ".join(f"{key}={value}" for key, value in extras.items())
        return True


if __name__ == "__main__":
    main()
