"""Errors raised by the hub repositories; botocore errors never leave this package."""

from __future__ import annotations


class HubError(Exception):
    """Root of every hub error."""


class HubUnavailable(HubError):
    """DynamoDB could not be reached or throttled the request; retry later."""


class TransitionRejected(HubError):
    """A conditional write lost: the record is not in a state that allows the change."""

    def __init__(self, message: str, current: dict | None = None) -> None:
        super().__init__(message)
        self.current = current or {}


class LinkConflict(HubError):
    """A facility or warehouse is already linked to something else (links are one to one)."""
