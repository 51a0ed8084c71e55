"""Retry decisions and backoff with jitter, kept pure so they can be tested without sleeping."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a call that failed for a transient reason.

    Backoff is "full jitter" (a random wait between zero and the capped exponential
    delay), which spreads retries from concurrent Lambdas instead of synchronising them.
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, retry_after: float | None = None, rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number `attempt` (1-based); a server's Retry-After wins."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return ceiling * rng()

    def should_retry(self, attempt: int) -> bool:
        return attempt < self.attempts


NO_RETRY = RetryPolicy(attempts=1)
