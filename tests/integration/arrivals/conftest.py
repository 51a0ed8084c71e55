"""Arrivals and receipts against the Extensiv sandbox over HTTP, with a moto hub built from template.yaml."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from arrival_push import ArrivalPush
from receipt_pull import ReceiptPull

from connector_common.arrival_file import create_arrivals, parse_arrival_document
from connector_common.direction import RunCounts
from extensiv.client import ExtensivClient
from hub.arrivals import ArrivalRecord, ArrivalRepository
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from hub.table import HubTable
from tests.support.catalog_sandboxes import CUSTOMER_ID, CatalogSandboxes, catalog_sandboxes, loopback_session


def declaration(arrival_id: str = "PO-1001", lines: dict[str, int] | None = None) -> dict[str, Any]:
    """An operator's arrival as the JSON file holds it, for facility 1."""
    lines = lines or {"TEE-RED-S": 24}
    return {
        "arrival_id": arrival_id,
        "supplier": "Acme Apparel",
        "expected_date": "2025-07-01",
        "facility_id": 1,
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines.items()],
    }


@dataclass
class ArrivalWorld:
    sandboxes: CatalogSandboxes
    hub: HubTable
    extensiv: ExtensivClient
    clock: list[float]

    @property
    def arrivals(self) -> ArrivalRepository:
        return ArrivalRepository(self.hub)

    @property
    def skus(self) -> SkuRepository:
        return SkuRepository(self.hub)

    @property
    def sync_state(self) -> SyncStateRepository:
        return SyncStateRepository(self.hub)

    def declare(self, document: dict[str, Any]) -> ArrivalRecord:
        (created,) = create_arrivals(self.hub, parse_arrival_document(document))
        return created.record

    def push(self, resync: bool = False) -> dict[str, int]:
        counts = RunCounts()
        pusher = ArrivalPush(self.extensiv, self.arrivals, self.skus, CUSTOMER_ID, clock=lambda: self.clock[0])
        pusher.run(counts, resync=resync)
        return counts.values

    def pull(self, resync: bool = False) -> dict[str, int]:
        counts = RunCounts()
        ReceiptPull(self.extensiv, self.arrivals, self.sync_state, clock=lambda: self.clock[0]).run(counts, resync)
        return counts.values

    def receive(self, receiver_id: str | int, quantities: dict[str, float] | None = None) -> dict[str, Any]:
        body = {"quantities": quantities} if quantities is not None else {}
        return self.sandboxes.extensiv_control(f"receivers/{receiver_id}/receive", body)["receiver"]

    def receiver_posts(self) -> list[dict[str, Any]]:
        return self.sandboxes.requests_to("POST", r"^/inventory/receivers$")


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[CatalogSandboxes]:
    with catalog_sandboxes() as running:
        yield running


@pytest.fixture
def world(sandboxes: CatalogSandboxes, aws) -> Iterator[ArrivalWorld]:
    sandboxes.reset()
    world_clock = [time.time()]
    aws.hub.clock = lambda: world_clock[0]
    with loopback_session() as session:
        yield ArrivalWorld(sandboxes, aws.hub, sandboxes.extensiv_client(session), world_clock)
