"""Fault injection shared by both sandboxes: what a client sees for each kind of fault."""

from __future__ import annotations

import pytest
import requests
from flask import Flask, jsonify

from local.sandboxes.harness import FaultInjector, RequestLog, SandboxServer, install_harness


@pytest.fixture
def server():
    app = Flask(__name__)
    calls = []

    @app.post("/things")
    def create_thing():
        calls.append("created")
        return jsonify({"created": len(calls)}), 201

    install_harness(app, FaultInjector(), RequestLog())
    with SandboxServer(app) as running:
        running.calls = calls
        yield running


def add_fault(server, **fault) -> None:
    requests.post(f"{server.url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()


def test_status_fault_answers_with_its_body_for_every_counted_request(server):
    add_fault(server, match="^/things$", status=503, count=2, headers={"x-sandbox-body": "busy"})

    answers = [requests.post(f"{server.url}/things", timeout=5) for _ in range(3)]

    assert [(answer.status_code, answer.text) for answer in answers[:2]] == [(503, "busy"), (503, "busy")]
    assert answers[2].status_code == 201
    assert server.calls == ["created"]


def test_reset_fault_drops_the_connection_before_the_request_runs(server):
    add_fault(server, match="^/things$", kind="reset")

    with pytest.raises(requests.ConnectionError):
        requests.post(f"{server.url}/things", timeout=5)
    assert server.calls == []


def test_lost_response_fault_runs_the_request_but_the_answer_never_arrives(server):
    add_fault(server, match="^/things$", kind="lost_response")

    with pytest.raises(requests.ConnectionError):
        requests.post(f"{server.url}/things", timeout=5)
    assert server.calls == ["created"]


def test_malformed_fault_answers_a_truncated_json_body(server):
    add_fault(server, match="^/things$", kind="malformed")

    answer = requests.post(f"{server.url}/things", timeout=5)

    with pytest.raises(requests.JSONDecodeError):
        answer.json()


def test_unknown_fault_fields_are_refused_with_400(server):
    answer = requests.post(f"{server.url}/_sandbox/faults", json={"match": "x", "colour": "red"}, timeout=5)

    assert answer.status_code == 400
