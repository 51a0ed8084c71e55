"""The TikTok sandbox control route that edits a product, as read back through Search Products."""

from __future__ import annotations

import pytest
import requests

from tests.support.catalog_sandboxes import CONTROL_TIMEOUT, loopback_session


@pytest.fixture
def search(sandboxes):
    sandboxes.reset()
    with loopback_session() as session:
        client = sandboxes.tiktok_client(session)
        yield lambda: {product.id: product for product in client.iter_products()}


def test_edit_renames_changes_a_seller_sku_and_adds_a_variant(sandboxes, search):
    created = sandboxes.add_product("Tee", "TEE-1")
    variant_id = created["skus"][0]["id"]

    edited = sandboxes.update_product(
        created["id"], title="Tee, washed", skus=[{"id": variant_id, "seller_sku": "TEE-1B"}, {"seller_sku": "TEE-2"}]
    )
    product = search()[created["id"]]

    assert product.title == "Tee, washed"
    assert [(sku.id == variant_id, sku.seller_sku) for sku in product.skus] == [(True, "TEE-1B"), (False, "TEE-2")]
    assert product.update_time == edited["update_time"] >= created.get("update_time", 0)


def test_edit_to_deleted_is_listed_with_that_status(sandboxes, search):
    created = sandboxes.add_product("Flask", "FLASK-1")

    sandboxes.update_product(created["id"], status="DELETED")

    assert search()[created["id"]].status == "DELETED"


def test_edit_of_an_unknown_product_is_a_404(sandboxes, search):
    response = requests.post(
        f"{sandboxes.tiktok.url}/_sandbox/products/999", json={"title": "x"}, timeout=CONTROL_TIMEOUT
    )

    assert response.status_code == 404
    assert "unknown product 999" in response.text
