"""Fixtures of the sandbox world: both sandboxes on loopback, the real clients, a moto hub."""

from tests.support.sandbox_world import extensiv_sandbox, tiktok_sandbox, world  # noqa: F401 - pytest fixtures
