"""Fixtures shared by every tier: isolated AWS credentials, a moto world built from template.yaml."""

from __future__ import annotations

import pytest
from moto import mock_aws

from tests.support.aws import REGION, AwsWorld, build_world
from tests.support.factories import EXTENSIV_SECRET, TIKTOK_SECRET


@pytest.fixture(autouse=True)
def _isolated_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a real AWS account, profile or metadata endpoint."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "test")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "test")


@pytest.fixture
def aws() -> AwsWorld:
    with mock_aws():
        yield build_world(TIKTOK_SECRET, EXTENSIV_SECRET)
