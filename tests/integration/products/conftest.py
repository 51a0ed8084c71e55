"""Products direction against both sandboxes over HTTP, with a moto hub built from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from catalog_pull import CatalogPull
from catalog_push import CatalogPush

from connector_common.direction import RunCounts
from extensiv.client import ExtensivClient
from hub.catalog import CatalogRepository
from hub.skus import SkuRepository
from hub.sync_state import SyncStateRepository
from hub.table import HubTable
from tests.support.catalog_sandboxes import CatalogSandboxes, catalog_sandboxes, loopback_session
from tiktok_shop.client import TikTokShopClient


@dataclass
class CatalogWorld:
    sandboxes: CatalogSandboxes
    hub: HubTable
    tiktok: TikTokShopClient
    extensiv: ExtensivClient

    @property
    def catalog(self) -> CatalogRepository:
        return CatalogRepository(self.hub)

    @property
    def skus(self) -> SkuRepository:
        return SkuRepository(self.hub)

    @property
    def sync_state(self) -> SyncStateRepository:
        return SyncStateRepository(self.hub)

    def pull(self, resync: bool = False) -> dict[str, int]:
        counts = RunCounts()
        CatalogPull(self.tiktok, self.catalog, self.skus, self.sync_state).run(counts, resync=resync)
        return counts.values

    def push(self, resync: bool = False) -> dict[str, int]:
        counts = RunCounts()
        CatalogPush(self.extensiv, self.catalog, self.skus).run(counts, resync=resync)
        return counts.values

    def sync(self, resync: bool = False) -> dict[str, int]:
        """Pull then push, as one scheduled run of the function does; returns the push counts."""
        self.pull(resync=resync)
        return self.push(resync=resync)


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[CatalogSandboxes]:
    with catalog_sandboxes() as running:
        yield running


@pytest.fixture
def world(sandboxes: CatalogSandboxes, aws) -> Iterator[CatalogWorld]:
    sandboxes.reset()
    with loopback_session() as session:
        yield CatalogWorld(sandboxes, aws.hub, sandboxes.tiktok_client(session), sandboxes.extensiv_client(session))
