"""Signed delivery of webhook notifications from a background thread (reference §5).

Each notification is POSTed with `Authorization: hex(HMAC-SHA256(app_secret, app_key + body))`
and retried on anything but HTTP 200, after the configured delays (TikTok: 2 min, 30 min,
3 h, 12 h). A notification marked with two copies is delivered twice, byte for byte, the
way a retried or duplicated push reaches a real receiver.

Deliveries only ever go to loopback: an address that is not 127.0.0.1 / localhost / ::1 is
logged as refused and never contacted, whatever the configuration says.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from .signing import webhook_signature
from .state import Notification

logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DELIVERY_LOG_SIZE = 2000


@dataclass
class _Attempt:
    notification: Notification
    copy: int
    attempt: int = 1


@dataclass
class WebhookSettings:
    timeout: float = 3.0
    retry_delays: list[float] = field(default_factory=list)
    duplicate_delay: float = 0.2


class WebhookDispatcher:
    """A queue of due deliveries worked by one thread; `publish` never blocks on the network."""

    def __init__(
        self,
        credentials: Callable[[], tuple[str, str]],
        settings: Callable[[], WebhookSettings],
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credentials = credentials
        self._settings = settings
        self._session = session or requests.Session()
        # Ignore proxy variables: deliveries are loopback-only and must stay so.
        self._session.trust_env = False
        self._clock = clock
        self._queue: list[tuple[float, int, _Attempt]] = []
        self._counter = itertools.count()
        self._wakeup = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._log: collections.deque[dict[str, Any]] = collections.deque(maxlen=DELIVERY_LOG_SIZE)
        self._log_lock = threading.Lock()

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="tiktok-sandbox-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify_all()
        if self._thread:
            self._thread.join(timeout=5)
        self._session.close()

    def publish(self, notification: Notification) -> None:
        """Queue a notification (and its duplicate copy, if any) for delivery."""
        settings = self._settings()
        now = self._clock()
        with self._wakeup:
            for copy in range(1, notification.copies + 1):
                due = now + (copy - 1) * settings.duplicate_delay
                heapq.heappush(self._queue, (due, next(self._counter), _Attempt(notification, copy)))
            self._wakeup.notify_all()

    def clear(self) -> None:
        with self._wakeup:
            self._queue.clear()
        with self._log_lock:
            self._log.clear()

    def deliveries(self) -> list[dict[str, Any]]:
        with self._log_lock:
            return list(self._log)

    def pending(self) -> int:
        with self._wakeup:
            return len(self._queue)

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._stopping:
                    wait = self._queue[0][0] - self._clock() if self._queue else None
                    if wait is not None and wait <= 0:
                        break
                    self._wakeup.wait(timeout=wait)
                if self._stopping:
                    return
                _, _, attempt = heapq.heappop(self._queue)
            self._deliver(attempt)

    def _deliver(self, attempt: _Attempt) -> None:
        notification = attempt.notification
        entry: dict[str, Any] = {
            "tts_notification_id": notification.notification_id,
            "type": notification.type,
            "order_id": notification.order_id,
            "url": notification.url,
            "attempt": attempt.attempt,
            "copy": attempt.copy,
            "at": self._clock(),
            "body": notification.body.decode(),
        }
        if not notification.url:
            self._record({**entry, "outcome": "no_url"})
            return
        if not _is_loopback(notification.url):
            self._record({**entry, "outcome": "refused_non_loopback"})
            return

        app_key, app_secret = self._credentials()
        settings = self._settings()
        headers = {
            "Content-Type": "application/json",
            "Authorization": webhook_signature(app_key, app_secret, notification.body),
        }
        try:
            response = self._session.post(
                notification.url, data=notification.body, headers=headers, timeout=settings.timeout
            )
            status: int | None = response.status_code
        except requests.RequestException as exc:
            status = None
            entry["error"] = type(exc).__name__
        delivered = status == 200
        self._record({**entry, "status": status, "outcome": "delivered" if delivered else "failed"})
        if delivered:
            return

        # Reference §5.1: anything but 200 within 3 s is retried on the documented schedule.
        if attempt.attempt > len(settings.retry_delays):
            self._record({**entry, "status": status, "outcome": "gave_up"})
            return
        delay = settings.retry_delays[attempt.attempt - 1]
        retry = _Attempt(notification, attempt.copy, attempt.attempt + 1)
        with self._wakeup:
            heapq.heappush(self._queue, (self._clock() + delay, next(self._counter), retry))
            self._wakeup.notify_all()

    def _record(self, entry: dict[str, Any]) -> None:
        with self._log_lock:
            self._log.append(entry)
        logger.debug("webhook delivery", extra={"outcome": entry["outcome"], "type": entry["type"]})


def _is_loopback(url: str) -> bool:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    return host in LOOPBACK_HOSTS
