"""The operator's arrival file: JSON and CSV declarations, and clear errors for bad input."""

from __future__ import annotations

import json

import pytest

from connector_common.arrival_file import (
    ArrivalFileError,
    load_arrival_file,
    parse_arrival_csv,
    parse_arrival_document,
)
from hub.arrivals import ArrivalLine

HEADER = "arrival_id,supplier,expected_date,facility_id,sku,quantity"


def arrival(**changes) -> dict:
    document = {
        "arrival_id": "PO-1001",
        "supplier": "Acme Apparel",
        "expected_date": "2025-07-01",
        "facility_id": 1,
        "lines": [{"sku": "TEE-BLK-M", "quantity": 24}, {"sku": "MUG-1", "quantity": "12"}],
    }
    document.update(changes)
    return {key: value for key, value in document.items() if value is not None}


def problems_of(call) -> list[str]:
    with pytest.raises(ArrivalFileError) as raised:
        call()
    return raised.value.problems


# --- JSON ----------------------------------------------------------------------------------------


def test_json_object_declares_one_arrival_with_normalised_fields():
    (spec,) = parse_arrival_document(arrival(po_number="PO-77", notes=" two pallets "))

    assert (spec.arrival_id, spec.supplier, spec.facility_id) == ("PO-1001", "Acme Apparel", "1")
    assert spec.expected_date == "2025-07-01T00:00:00"
    assert spec.lines == (ArrivalLine("TEE-BLK-M", 24), ArrivalLine("MUG-1", 12))
    assert (spec.po_number, spec.notes, spec.carrier) == ("PO-77", "two pallets", None)


@pytest.mark.parametrize("wrap", [lambda a: [a, arrival(arrival_id="PO-2")], lambda a: {"arrivals": [a]}])
def test_json_list_or_arrivals_key_declares_several(wrap):
    specs = parse_arrival_document(wrap(arrival()))

    assert specs[0].arrival_id == "PO-1001"


def test_expected_date_may_carry_a_time_of_day():
    (spec,) = parse_arrival_document(arrival(expected_date="2025-07-01T14:30"))

    assert spec.expected_date == "2025-07-01T14:30:00"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"arrival_id": None}, "arrival: arrival_id is required"),
        ({"arrival_id": "PO 1001"}, "arrival: arrival_id 'PO 1001' must be 1-50 letters, digits or . _ / # -"),
        ({"supplier": ""}, "arrival (PO-1001): supplier is required"),
        ({"expected_date": "01/07/2025"}, "arrival (PO-1001): expected_date '01/07/2025' is not a date (YYYY-MM-DD)"),
        ({"expected_date": "2025-07-01T10:00:00Z"}, "must not carry a time zone: Extensiv dates have none"),
        ({"facility_id": "Reno"}, "arrival (PO-1001): facility_id 'Reno' must be a positive whole number"),
        ({"facility_id": 0}, "facility_id 0 must be a positive whole number"),
        ({"lines": []}, "arrival (PO-1001): lines must list at least one SKU and quantity"),
        ({"lines": [{"sku": "A", "quantity": 1.5}]}, "lines[0]: quantity 1.5 must be a whole number above zero"),
        ({"lines": [{"sku": "A", "quantity": 0}]}, "lines[0]: quantity 0 must be a whole number above zero"),
        ({"lines": [{"sku": "A", "quantity": True}]}, "lines[0]: quantity True must be a whole number above zero"),
        ({"lines": [{"sku": "", "quantity": 1}]}, "lines[0]: sku is required"),
        ({"lines": [{"sku": "A", "qty": 1}]}, "lines[0]: unknown field 'qty' (fields: sku, quantity)"),
        ({"vendor": "Acme"}, "arrival: unknown field 'vendor'"),
    ],
)
def test_json_problem_is_named_with_its_place(changes, problem):
    problems = problems_of(lambda: parse_arrival_document(arrival(**changes)))

    assert any(problem in found for found in problems), problems


def test_json_sku_listed_twice_is_refused():
    lines = [{"sku": "A", "quantity": 1}, {"sku": "A", "quantity": 2}]

    problems = problems_of(lambda: parse_arrival_document(arrival(lines=lines)))

    assert problems == ["arrival (PO-1001): lines[1]: SKU 'A' already listed at lines[0]; give each SKU once"]


def test_json_arrival_id_declared_twice_is_refused():
    problems = problems_of(lambda: parse_arrival_document([arrival(), arrival()]))

    assert problems == ["arrival_id 'PO-1001' is declared twice in the file"]


def test_every_problem_of_a_file_is_reported_at_once():
    document = arrival(supplier="", facility_id="x", lines=[{"sku": "A", "quantity": -1}])

    problems = problems_of(lambda: parse_arrival_document(document))

    assert len(problems) == 3


@pytest.mark.parametrize("document", [[], "PO-1", 7, {"arrivals": {}}])
def test_document_that_is_not_arrivals_is_refused(document):
    problems = problems_of(lambda: parse_arrival_document(document))

    assert problems == ['expected an arrival object, a list of them, or {"arrivals": [...]}']


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_rows_with_the_same_id_form_one_arrival():
    rows = ["PO-1,Acme,2025-07-01,2,TEE-1,24,", "PO-1,,,,MUG-1,6,fragile", "PO-2,Mugs Co,2025-07-03,1,MUG-1,48,"]
    text = "\n".join([f"{HEADER},notes", *rows]) + "\n"

    specs = parse_arrival_csv(text)

    assert [(s.arrival_id, s.facility_id, s.lines) for s in specs] == [
        ("PO-1", "2", (ArrivalLine("TEE-1", 24), ArrivalLine("MUG-1", 6))),
        ("PO-2", "1", (ArrivalLine("MUG-1", 48),)),
    ]
    assert specs[0].notes == "fragile"


def test_csv_blank_rows_are_ignored():
    specs = parse_arrival_csv(f"{HEADER}\n\nPO-1,Acme,2025-07-01,1,TEE-1,24\n,,,,,\n")

    assert len(specs) == 1


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the file is empty; the first row must name the columns"),
        ("arrival_id,supplier,expected_date,facility_id,sku\n", "missing column 'quantity'"),
        (f"{HEADER},vendor\n", "unknown column 'vendor'"),
        (f"{HEADER}\n", "no arrival rows below the header"),
        (f"{HEADER}\n,Acme,2025-07-01,1,TEE-1,24\n", "row 2: arrival_id is required"),
        (f"{HEADER}\nPO-1,Acme,2025-07-01,1,TEE-1,many\n", "row 2: quantity 'many' must be a whole number above zero"),
        (f"{HEADER}\nPO-1,Acme,2025-07-01,1,TEE-1,1,extra\n", "row 2: more values than columns"),
        (
            f"{HEADER}\nPO-1,Acme,2025-07-01,1,TEE-1,1\nPO-1,Other,,,MUG-1,1\n",
            "row 3: supplier 'Other' differs from 'Acme' given earlier",
        ),
        (f"{HEADER}\nPO-1,,2025-07-01,1,TEE-1,1\n", "arrival PO-1 (row 2): supplier is required"),
        (
            f"{HEADER}\nPO-1,Acme,2025-07-01,1,TEE-1,1\nPO-1,,,,TEE-1,2\n",
            "row 3: SKU 'TEE-1' already listed at row 2; give each SKU once",
        ),
    ],
)
def test_csv_problem_is_named_with_its_row_and_column(text, problem):
    problems = problems_of(lambda: parse_arrival_csv(text))

    assert any(problem in found for found in problems), problems


# --- files ---------------------------------------------------------------------------------------


def test_file_is_read_by_its_extension(tmp_path):
    json_file = tmp_path / "po.json"
    json_file.write_text(json.dumps(arrival()))
    csv_file = tmp_path / "po.CSV"
    csv_file.write_text(f"{HEADER}\nPO-2,Acme,2025-07-01,1,TEE-1,24\n", encoding="utf-8-sig")

    assert [spec.arrival_id for spec in load_arrival_file(json_file)] == ["PO-1001"]
    assert [spec.arrival_id for spec in load_arrival_file(csv_file)] == ["PO-2"]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("po.txt", "{}", "the file name must end in .json or .csv"),
        ("po.json", "{not json", "not valid JSON: Expecting property name enclosed in double quotes at line 1"),
    ],
)
def test_unreadable_file_says_why(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_text(content)

    with pytest.raises(ArrivalFileError, match="invalid arrival file") as raised:
        load_arrival_file(path)

    assert raised.value.problems == [problem]
    assert str(raised.value).startswith(f"{name}: ")


def test_missing_file_is_an_arrival_file_error(tmp_path):
    with pytest.raises(ArrivalFileError, match="cannot read the file"):
        load_arrival_file(tmp_path / "nowhere.json")
