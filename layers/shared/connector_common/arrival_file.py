"""The operator's arrival file: arrivals declared in JSON or CSV, checked, then stored in the hub.

JSON: one object, a list of objects, or `{"arrivals": [...]}`. Each object:

    {
      "arrival_id": "PO-1001",          required: the Extensiv receiver's reference number
      "supplier": "Acme Apparel",       required
      "expected_date": "2025-07-01",    required: a date, or a date-time without a time zone
      "facility_id": 1,                 required: the Extensiv facility that receives it
      "po_number": "PO-1001",           optional
      "carrier": "UPS",                 optional
      "tracking_number": "1Z999AA1",    optional
      "notes": "two pallets",           optional
      "lines": [{"sku": "TEE-BLK-M", "quantity": 24}, {"sku": "MUG-CERAMIC", "quantity": 12}]
    }

CSV (UTF-8, a header row, one row per line). Rows with the same `arrival_id` form one arrival;
its other columns may be left blank after the arrival's first row:

    arrival_id,supplier,expected_date,facility_id,sku,quantity,po_number,carrier,tracking_number,notes
    PO-1001,Acme Apparel,2025-07-01,1,TEE-BLK-M,24,PO-1001,,,
    PO-1001,,,,MUG-CERAMIC,12,,,,

SKUs are master SKUs (TikTok seller SKUs): the push translates them through their Extensiv
channel SKUs. Quantities are whole units above zero, each SKU once per arrival. Declaring the
same arrival again changes nothing; the same id with other content is refused.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from hub.arrivals import ArrivalExists, ArrivalLine, ArrivalRecord, ArrivalRepository, ArrivalSpec
from hub.locations import LocationRepository
from hub.table import HubTable

REQUIRED_FIELDS = ("arrival_id", "supplier", "expected_date", "facility_id", "lines")
OPTIONAL_FIELDS = ("po_number", "carrier", "tracking_number", "notes")
CSV_LINE_FIELDS = ("sku", "quantity")
CSV_COLUMNS = (*REQUIRED_FIELDS[:-1], *CSV_LINE_FIELDS, *OPTIONAL_FIELDS)
# NOTE: Extensiv documents no length or character rules for a receiver's referenceNum
# (reference/extensiv.md §7.1); these keep ids safe in a URL query and readable in its UI.
ARRIVAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/#-]{0,49}$")
TEXT_LIMIT = 200
MAX_PROBLEMS = 20


class ArrivalFileError(ValueError):
    """The file cannot be read or declares something invalid; `problems` lists every finding."""

    def __init__(self, source: str, problems: list[str]) -> None:
        shown = problems[:MAX_PROBLEMS]
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__(f"{source}: " + "\n  ".join(["invalid arrival file", *shown]) + more)
        self.source = source
        self.problems = problems


@dataclass(frozen=True)
class ArrivalCreation:
    """One arrival of a file as stored: `created` is False when it was declared identically before."""

    record: ArrivalRecord
    created: bool


def create_arrivals_from_file(hub: HubTable, path: str | Path) -> list[ArrivalCreation]:
    """Read an arrival file (.json or .csv) and create its arrivals in the hub (state `new`).

    Nothing is stored unless the whole file is valid. Raises ArrivalFileError (bad file, unknown
    facility) or hub.arrivals.ArrivalExists (an id already used for another arrival).
    """
    specs = load_arrival_file(path)
    return create_arrivals(hub, specs, source=str(path))


def create_arrivals(hub: HubTable, specs: list[ArrivalSpec], source: str = "arrivals") -> list[ArrivalCreation]:
    """Create already parsed arrivals after checking facilities and ids against the hub."""
    _check_facilities(LocationRepository(hub), specs, source)
    arrivals = ArrivalRepository(hub)
    for spec in specs:
        existing = arrivals.get(spec.arrival_id)
        if existing is not None and existing.spec.content() != spec.content():
            raise ArrivalExists(f"arrival {spec.arrival_id} already exists with other content ({existing.state.value})")
    return [ArrivalCreation(*arrivals.create(spec)) for spec in specs]


def load_arrival_file(path: str | Path) -> list[ArrivalSpec]:
    """Parse a .json or .csv arrival file; raises ArrivalFileError naming every problem."""
    file = Path(path)
    source = file.name
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ArrivalFileError(source, [f"cannot read the file ({type(exc).__name__})"]) from exc
    suffix = file.suffix.casefold()
    if suffix == ".json":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ArrivalFileError(source, [f"not valid JSON: {exc.msg} at line {exc.lineno}"]) from exc
        return parse_arrival_document(document, source)
    if suffix == ".csv":
        return parse_arrival_csv(text, source)
    raise ArrivalFileError(source, ["the file name must end in .json or .csv"])


def parse_arrival_document(document: Any, source: str = "arrivals") -> list[ArrivalSpec]:
    """Arrivals from a parsed JSON document (an object, a list, or {"arrivals": [...]})."""
    if isinstance(document, Mapping) and "arrivals" in document:
        entries = document["arrivals"]
        where = "arrivals"
    elif isinstance(document, Mapping):
        entries, where = [document], None
    else:
        entries, where = document, ""
    if not isinstance(entries, list) or not entries:
        raise ArrivalFileError(source, ['expected an arrival object, a list of them, or {"arrivals": [...]}'])

    problems: list[str] = []
    specs = []
    for index, entry in enumerate(entries):
        label = "arrival" if where is None else f"{where or 'arrival'}[{index}]"
        spec = _arrival_from_object(entry, label, problems, identify=True)
        if spec is not None:
            specs.append(spec)
    _check_unique_ids(specs, problems)
    if problems:
        raise ArrivalFileError(source, problems)
    return specs


def parse_arrival_csv(text: str, source: str = "arrivals.csv") -> list[ArrivalSpec]:
    """Arrivals from CSV text with a header row; raises ArrivalFileError naming rows and columns."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or [] if name is not None]
    if not header:
        raise ArrivalFileError(source, ["the file is empty; the first row must name the columns"])
    missing = [name for name in (*REQUIRED_FIELDS[:-1], *CSV_LINE_FIELDS) if name not in header]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    problems = [f"missing column {name!r}" for name in missing]
    problems += [f"unknown column {name!r} (columns: {', '.join(CSV_COLUMNS)})" for name in unknown]
    if problems:
        raise ArrivalFileError(source, problems)

    grouped: dict[str, dict[str, Any]] = {}
    for row_number, raw in enumerate(reader, start=2):
        if None in raw:
            problems.append(f"row {row_number}: more values than columns")
            continue
        row = {key.strip(): (value or "").strip() for key, value in raw.items() if key is not None}
        if not any(row.values()):
            continue
        arrival_id = row.get("arrival_id", "")
        if not arrival_id:
            problems.append(f"row {row_number}: arrival_id is required")
            continue
        _merge_row(grouped, arrival_id, row, row_number, problems)

    specs = []
    for arrival_id, entry in grouped.items():
        label = f"arrival {arrival_id} (row {entry['first_row']})"
        spec = _arrival_from_object(entry["fields"], label, problems, identify=False)
        if spec is not None:
            specs.append(spec)
    if not grouped and not problems:
        problems.append("no arrival rows below the header")
    if problems:
        raise ArrivalFileError(source, problems)
    return specs


def _merge_row(
    grouped: dict[str, dict[str, Any]], arrival_id: str, row: dict[str, str], row_number: int, problems: list[str]
) -> None:
    entry = grouped.setdefault(arrival_id, {"first_row": row_number, "fields": {"lines": []}})
    fields = entry["fields"]
    for name in (*REQUIRED_FIELDS[:-1], *OPTIONAL_FIELDS):
        value = row.get(name, "")
        if not value:
            continue
        if name in fields and fields[name] != value:
            problems.append(f"row {row_number}: {name} {value!r} differs from {fields[name]!r} given earlier")
            continue
        fields[name] = value
    fields["lines"].append({"sku": row.get("sku", ""), "quantity": row.get("quantity", ""), "_row": row_number})


def _arrival_from_object(entry: Any, label: str, problems: list[str], identify: bool) -> ArrivalSpec | None:
    if not isinstance(entry, Mapping):
        problems.append(f"{label}: expected an object")
        return None
    before = len(problems)
    allowed = (*REQUIRED_FIELDS, *OPTIONAL_FIELDS)
    for name in entry:
        if name not in allowed:
            problems.append(f"{label}: unknown field {name!r} (fields: {', '.join(allowed)})")
    arrival_id = _arrival_id(entry.get("arrival_id"), label, problems)
    if arrival_id and identify:
        label = f"{label} ({arrival_id})"
    supplier = _text(entry.get("supplier"), f"{label}: supplier", problems, required=True)
    expected_date = _expected_date(entry.get("expected_date"), label, problems)
    facility_id = _facility_id(entry.get("facility_id"), label, problems)
    optional = {name: _text(entry.get(name), f"{label}: {name}", problems) for name in OPTIONAL_FIELDS}
    lines = _lines(entry.get("lines"), label, problems)
    if len(problems) > before:
        return None
    return ArrivalSpec(
        arrival_id=arrival_id,
        supplier=supplier,
        expected_date=expected_date,
        facility_id=facility_id,
        lines=tuple(lines),
        **optional,
    )


def _arrival_id(value: Any, label: str, problems: list[str]) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(f"{label}: arrival_id is required")
        return ""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
    if text is None or not ARRIVAL_ID.match(text):
        problems.append(
            f"{label}: arrival_id {value!r} must be 1-50 letters, digits or . _ / # - (starting with a letter or digit)"
        )
        return ""
    return text


def _text(value: Any, where: str, problems: list[str], required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(f"{where} is required")
        return None
    if not isinstance(value, str):
        problems.append(f"{where} must be text")
        return None
    text = value.strip()
    if len(text) > TEXT_LIMIT:
        problems.append(f"{where} is longer than {TEXT_LIMIT} characters")
        return None
    return text


def _expected_date(value: Any, label: str, problems: list[str]) -> str:
    where = f"{label}: expected_date"
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(f"{where} is required (YYYY-MM-DD)")
        return ""
    if not isinstance(value, str):
        problems.append(f"{where} must be text like 2025-07-01")
        return ""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        problems.append(f"{where} {text!r} is not a date (YYYY-MM-DD) or a date-time (YYYY-MM-DDTHH:MM:SS)")
        return ""
    if parsed.tzinfo is not None:
        # NOTE: Extensiv date-times carry no time zone (reference/extensiv.md §8.6).
        problems.append(f"{where} {text!r} must not carry a time zone: Extensiv dates have none")
        return ""
    return parsed.strftime("%Y-%m-%dT%H:%M:%S")


def _facility_id(value: Any, label: str, problems: list[str]) -> str:
    where = f"{label}: facility_id"
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(f"{where} is required (the Extensiv facility id)")
        return ""
    number = _whole_number(value)
    if number is None or number <= 0:
        problems.append(f"{where} {value!r} must be a positive whole number (the Extensiv facility id)")
        return ""
    return str(number)


def _lines(value: Any, label: str, problems: list[str]) -> list[ArrivalLine]:
    if not isinstance(value, list) or not value:
        problems.append(f"{label}: lines must list at least one SKU and quantity")
        return []
    lines: list[ArrivalLine] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(value):
        in_csv = isinstance(raw, Mapping) and "_row" in raw
        place = f"row {raw['_row']}" if in_csv else f"lines[{index}]"
        where = place if in_csv else f"{label}: {place}"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: expected an object with sku and quantity")
            continue
        for name in raw:
            if name not in (*CSV_LINE_FIELDS, "_row"):
                problems.append(f"{where}: unknown field {name!r} (fields: sku, quantity)")
        sku = _text(raw.get("sku"), f"{where}: sku", problems, required=True)
        quantity = _whole_number(raw.get("quantity"))
        if quantity is None or quantity <= 0:
            problems.append(f"{where}: quantity {raw.get('quantity')!r} must be a whole number above zero")
            continue
        if sku is None:
            continue
        if sku in seen:
            problems.append(f"{where}: SKU {sku!r} already listed at {seen[sku]}; give each SKU once")
            continue
        seen[sku] = place
        lines.append(ArrivalLine(sku, quantity))
    return lines


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _check_unique_ids(specs: list[ArrivalSpec], problems: list[str]) -> None:
    seen: set[str] = set()
    for spec in specs:
        if spec.arrival_id in seen:
            problems.append(f"arrival_id {spec.arrival_id!r} is declared twice in the file")
        seen.add(spec.arrival_id)


def _check_facilities(locations: LocationRepository, specs: list[ArrivalSpec], source: str) -> None:
    """When the hub knows the Extensiv facilities (the locations pull ran), each arrival must name one."""
    known = {facility.facility_id for facility in locations.list_facilities()}
    if not known:
        return
    problems = [
        f"arrival {spec.arrival_id}: facility_id {spec.facility_id} is not an Extensiv facility the hub knows"
        f" (known: {', '.join(sorted(known))})"
        for spec in specs
        if spec.facility_id not in known
    ]
    if problems:
        raise ArrivalFileError(source, problems)
