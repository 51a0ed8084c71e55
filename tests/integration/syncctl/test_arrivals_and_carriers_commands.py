"""`syncctl arrivals` and `syncctl carriers` against the hub of a stack deployed in moto."""

from __future__ import annotations

import json

from hub.arrivals import ArrivalRepository, ArrivalState
from hub.fulfillments import CarrierMappingRepository
from hub.locations import Facility, LocationRepository
from tests.integration.syncctl.conftest import as_json

ARRIVAL = {
    "arrival_id": "PO-1001",
    "supplier": "Acme Apparel",
    "expected_date": "2026-12-10",
    "facility_id": 1,
    "lines": [{"sku": "TEE-BLK-M", "quantity": 24}, {"sku": "MUG-CERAMIC", "quantity": 12}],
}


def test_arrivals_create_from_a_json_file_stores_the_arrival_once(world, syncctl, tmp_path):
    LocationRepository(world.hub).save_facility(Facility("1", "Reno DC"))
    path = tmp_path / "arrivals.json"
    path.write_text(json.dumps({"arrivals": [ARRIVAL]}))

    first = syncctl("arrivals", "create", "--file", str(path))
    again = syncctl("arrivals", "create", "--file", str(path))

    assert first.exit_code == 0, first.output
    assert "PO-1001: created (2 SKU(s), 36 units, facility 1)" in first.stdout
    assert "PO-1001: already there, unchanged" in again.stdout
    record = ArrivalRepository(world.hub).get("PO-1001")
    assert record.state == ArrivalState.NEW
    listed = as_json(syncctl("arrivals", "list", "--json"))
    assert [(row["arrival_id"], row["state"], row["receipt"]) for row in listed] == [("PO-1001", "new", None)]


def test_arrivals_create_from_a_csv_file(world, syncctl, tmp_path):
    path = tmp_path / "arrivals.csv"
    path.write_text(
        "arrival_id,supplier,expected_date,facility_id,sku,quantity\n"
        "PO-2,Acme,2026-12-11,1,TEE-BLK-M,5\n"
        "PO-2,,,,CAP-NAVY,3\n"
    )

    result = syncctl("arrivals", "create", "--file", str(path))

    assert result.exit_code == 0, result.output
    assert [line.sku for line in ArrivalRepository(world.hub).get("PO-2").lines] == ["TEE-BLK-M", "CAP-NAVY"]


def test_arrivals_create_refuses_a_bad_file_naming_the_problem_and_stores_nothing(world, syncctl, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**ARRIVAL, "lines": [{"sku": "TEE-BLK-M", "quantity": 0}]}))

    result = syncctl("arrivals", "create", "--file", str(path))

    assert result.exit_code == 2
    assert "quantity" in result.output
    assert ArrivalRepository(world.hub).list() == []


def test_carrier_override_is_set_listed_and_removed(world, syncctl):
    result = syncctl("carriers", "set", "OnTrac", "--provider-name", "OnTrac Express")

    assert result.exit_code == 0, result.output
    assert "OnTrac -> TikTok provider OnTrac Express" in result.stdout
    assert CarrierMappingRepository(world.hub).get("ontrac").shipping_provider_name == "OnTrac Express"
    assert [row["extensiv_carrier"] for row in as_json(syncctl("carriers", "list", "--json"))] == ["OnTrac"]

    assert syncctl("carriers", "remove", "OnTrac").exit_code == 0
    assert CarrierMappingRepository(world.hub).get("OnTrac") is None
    assert syncctl("carriers", "remove", "OnTrac").exit_code == 1


def test_carrier_override_needs_a_provider(world, syncctl):
    result = syncctl("carriers", "set", "OnTrac")

    assert result.exit_code == 2
    assert "name the TikTok shipping provider" in result.output
