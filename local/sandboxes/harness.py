"""What both sandboxes share: a loopback HTTP server thread, fault injection and a request log.

Each sandbox is a Flask app built by a factory. `SandboxServer` runs it on 127.0.0.1 in a
background thread so tests and the local runner can start it in-process, and the
`/_sandbox/...` control routes registered here let a test or the demo inject faults
(status codes, timeouts, malformed bodies) and read back what the connector sent.
"""

from __future__ import annotations

import collections
import contextlib
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.serving import BaseWSGIServer, make_server

LOOPBACK = "127.0.0.1"
REQUEST_LOG_SIZE = 2000


@dataclass
class Fault:
    """One injected failure, consumed by the next `count` requests that match it."""

    match: str
    kind: str = "status"  # status | timeout | malformed | reset | lost_response
    status: int = 500
    count: int = 1
    method: str | None = None
    delay: float = 5.0
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return re.search(self.match, path) is not None


class FaultInjector:
    """Thread-safe queue of faults; each request takes at most one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path):
                    continue
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [vars(fault).copy() for fault in self._faults]


class RequestLog:
    """The last requests a sandbox received, for tests that assert what was sent."""

    def __init__(self, size: int = REQUEST_LOG_SIZE) -> None:
        self._lock = threading.Lock()
        self._entries: collections.deque[dict[str, Any]] = collections.deque(maxlen=size)

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def install_harness(app: Flask, faults: FaultInjector, log: RequestLog) -> None:
    """Register the request log, the fault hook and the shared `/_sandbox` control routes."""

    @app.before_request
    def _inject_fault() -> Response | None:
        if request.path.startswith("/_sandbox"):
            return None
        log.record(
            {
                "method": request.method,
                "path": request.path,
                "query": request.args.to_dict(flat=True),
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body": request.get_data(as_text=True),
                "at": time.time(),
            }
        )
        fault = faults.take(request.method, request.path)
        if fault is None:
            return None
        if fault.kind == "lost_response":
            # The request is carried out; only its answer never reaches the client.
            g.sandbox_lose_response = True
            return None
        if fault.kind == "timeout":
            time.sleep(fault.delay)
            return Response("", status=504)
        if fault.kind == "malformed":
            return Response('{"code": 0, "data": {', status=200, mimetype="application/json")
        if fault.kind == "reset":
            _drop_connection()
            raise ConnectionAbortedError("injected connection reset")
        headers = {name: value for name, value in fault.headers.items() if name != "x-sandbox-body"}
        return Response(fault.headers.get("x-sandbox-body", ""), status=fault.status, headers=headers)

    @app.after_request
    def _lose_response(response: Response) -> Response:
        if g.get("sandbox_lose_response"):
            _drop_connection()
            raise ConnectionAbortedError("injected lost response")
        return response

    @app.post("/_sandbox/faults")
    def _add_fault() -> Response:
        try:
            faults.add(Fault(**request.get_json(force=True)))
        except TypeError as exc:
            return jsonify({"error": f"not a fault: {exc}"}), 400
        return jsonify({"pending": faults.pending()})

    @app.delete("/_sandbox/faults")
    def _clear_faults() -> Response:
        faults.clear()
        return jsonify({"pending": []})

    @app.get("/_sandbox/requests")
    def _requests() -> Response:
        return jsonify({"requests": log.entries()})

    @app.delete("/_sandbox/requests")
    def _clear_requests() -> Response:
        log.clear()
        return jsonify({"requests": []})


def _drop_connection() -> None:
    """Shut the client socket so the client sees a dropped connection, not a 500 or a hang."""
    connection = request.environ.get("werkzeug.socket")
    if connection is None:
        return
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class SandboxServer:
    """Runs a sandbox's Flask app on 127.0.0.1 in a daemon thread."""

    def __init__(self, app: Flask, port: int = 0) -> None:
        self._server: BaseWSGIServer = make_server(LOOPBACK, port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self._server.server_port}"

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
