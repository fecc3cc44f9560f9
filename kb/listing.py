"""Readers for FDA Data Dashboard exports: published 483s and compliance actions.

The same export reaches us as xlsx, csv or json, under different column names ("Publish Date"
or "Date Posted"; "FEI_Number" or "fei_number"; "Download" or "firebaseUrl"). Each reader maps
them to one record type and repairs what the exports get wrong, recording each repair on the
record (`problems`) with the file and row, rather than dropping the row:

- FEIs are text: Excel and JSON give numbers (3005949964, 3005949964.0), which become digits;
  an FEI cell holding something else (a firm name) becomes None.
- Legal names are HTML-unescaped ("Dr. Reddy&#039;s") and their whitespace collapsed.
- Dates are ISO (YYYY-MM-DD) or None for "-" and blanks; US dates (06/02/2025) are converted.
- The 483's FDA media id is read from its URL (https://www.fda.gov/media/<id>/download).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generator, Iterator

from kb.geo import country_code
from kb.names import clean_name

PUBLISHED_483S = "published_483s"
COMPLIANCE_ACTIONS = "compliance_actions"

# Canonical field -> the column names exports use for it, compared after _column().
_PUBLISHED_COLUMNS = {
    "record_date": ("record_date", "date"),
    "fei": ("fei_number", "fei"),
    "legal_name": ("legal_name", "name"),
    "record_type": ("record_type",),
    "publish_date": ("publish_date", "date_posted"),
    "url": ("download", "firebaseurl", "url"),
    "record_id": ("record_id",),
}
_COMPLIANCE_COLUMNS = {
    "fei": ("fei_number", "fei"),
    "legal_name": ("legal_name",),
    "state": ("state",),
    "country": ("country_area", "country"),
    "product_type": ("product_type",),
    "action_date": ("action_taken_date",),
    "action_type": ("action_type",),
    "case_id": ("case_injunction_id",),
}
# The columns that tell one export from the other (and from the dashboard's aggregates).
_REQUIRED = {
    PUBLISHED_483S: ("fei", "legal_name", "url"),
    COMPLIANCE_ACTIONS: ("fei", "legal_name", "action_type", "action_date"),
}
_COLUMNS = {PUBLISHED_483S: _PUBLISHED_COLUMNS, COMPLIANCE_ACTIONS: _COMPLIANCE_COLUMNS}

_MEDIA_ID = re.compile(r"fda\.gov/media/(\d+)/download")
_BLANKS = {"", "-", "--", "n/a", "na", "none", "null"}


class ListingError(ValueError):
    """A file that is not an export we can read, with its path and what was wrong."""


@dataclass(frozen=True)
class Published483:
    """One row of FDA's Published 483s list."""

    fei: str | None
    legal_name: str
    record_date: str | None  # ISO; FDA's Record Date, which is not the inspection date
    publish_date: str | None  # ISO
    url: str | None
    media_id: str | None  # the <id> of https://www.fda.gov/media/<id>/download
    record_id: str | None
    record_type: str | None
    source: str  # file name
    row: int  # spreadsheet row (header = 1) or JSON record number (first = 1)
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComplianceAction:
    """One row of FDA's Compliance Actions list: a warning letter, injunction or seizure."""

    fei: str | None
    legal_name: str
    state: str | None
    country: str | None  # as printed, e.g. "United States"
    country_code: str | None  # ISO 3166-1 alpha-2
    product_type: str | None  # Drugs, Biologics, Devices
    action_type: str | None  # Warning Letter, Injunction, Seizure
    action_date: str | None  # ISO
    case_id: str | None
    source: str
    row: int
    problems: tuple[str, ...] = ()


def _column(name: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def _read_rows(path: Path) -> tuple[list[str], Generator[tuple[int, dict[str, Any]], None, None]]:
    """(column names, iterator of (row number, {column: value})) for csv, xlsx or json."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        handle = path.open(encoding="utf-8-sig", newline="")
        reader = csv.reader(handle)
        header = next(reader, [])

        def csv_rows() -> Generator[tuple[int, dict[str, Any]], None, None]:
            with handle:
                for n, values in enumerate(reader, start=2):
                    if any(v.strip() for v in values):
                        yield n, dict(zip(header, values))

        return header, csv_rows()
    if suffix == ".xlsx":
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = ["" if h is None else str(h) for h in next(rows, ())]

        def xlsx_rows() -> Generator[tuple[int, dict[str, Any]], None, None]:
            try:
                for n, values in enumerate(rows, start=2):
                    if any(v not in (None, "") for v in values):
                        yield n, dict(zip(header, values))
            finally:
                workbook.close()

        return header, xlsx_rows()
    if suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):  # {"data": [...]} and similar wrappers
            data = next((v for v in data.values() if isinstance(v, list)), [])
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ListingError(f"{path}: expected a JSON list of records")
        header = list(dict.fromkeys(k for r in data for k in r))
        return header, (pair for pair in enumerate(data, start=1))
    raise ListingError(f"{path}: unknown file type {suffix!r} (expected .csv, .xlsx or .json)")


def _mapping(header: list[str], kind: str) -> dict[str, str]:
    """Canonical field -> the file's own column name."""
    by_norm = {_column(h): h for h in header}
    found = {}
    for field, names in _COLUMNS[kind].items():
        for name in names:
            if name in by_norm:
                found[field] = by_norm[name]
                break
    return found


def _kind(path: Path, header: list[str]) -> str:
    # Compliance first: its columns include the published list's FEI and name.
    for kind in (COMPLIANCE_ACTIONS, PUBLISHED_483S):
        mapping = _mapping(header, kind)
        if all(field in mapping for field in _REQUIRED[kind]):
            return kind
    raise ListingError(
        f"{path}: neither a published-483s nor a compliance-actions export; "
        f"columns are {header}"
    )


def detect_kind(path: str | Path) -> str:
    """PUBLISHED_483S or COMPLIANCE_ACTIONS, told from the file's columns.

    Raises ListingError naming the file and its columns when it is neither (for example the
    dashboard's aggregate tables).
    """
    path = Path(path)
    header, rows = _read_rows(path)
    # A generator's clean-up (closing the CSV file or the workbook) runs only once it has
    # started: start it, then close it.
    next(rows, None)
    rows.close()
    return _kind(path, header)


class _Row:
    """One row's cells, by canonical field, collecting the repairs made to them."""

    def __init__(self, path: Path, n: int, values: dict[str, Any], mapping: dict[str, str]):
        self.n = n
        self.where = f"{path.name} row {n}"
        self.values = {field: values.get(column) for field, column in mapping.items()}
        self.problems: list[str] = []

    def text(self, field: str) -> str | None:
        value = self.values.get(field)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = " ".join(str(value).split())
        return None if text.lower() in _BLANKS else text

    def name(self) -> str:
        raw = self.values.get("legal_name")
        text = clean_name(str(raw)) if raw is not None else ""
        if not text:
            self.problems.append(f"{self.where}: no legal name")
        return text

    def fei(self) -> str | None:
        text = self.text("fei")
        if text is None:
            return None
        text = text.removesuffix(".0")
        if not text.isdigit():
            self.problems.append(f"{self.where}: FEI {text!r} is not a number; kept the row without it")
            return None
        return text

    def date(self, field: str) -> str | None:
        value = self.values.get(field)
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        text = self.text(field)
        if text is None:
            return None
        for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
            try:
                return dt.datetime.strptime(text, fmt).date().isoformat()
            except ValueError:
                continue
        self.problems.append(f"{self.where}: {field} {text!r} is not a date")
        return None


def _records(path: str | Path, kind: str) -> Iterator[_Row]:
    path = Path(path)
    header, rows = _read_rows(path)
    actual = _kind(path, header)
    if actual != kind:
        rows.close()
        raise ListingError(f"{path}: is a {actual} export, not {kind}")
    mapping = _mapping(header, kind)
    for n, values in rows:
        yield _Row(path, n, values, mapping)


def read_published_483s(path: str | Path) -> Iterator[Published483]:
    """Every row of a Published 483s export (xlsx, csv or json), one record each."""
    name = Path(path).name
    for row in _records(path, PUBLISHED_483S):
        url = row.text("url")
        match = _MEDIA_ID.search(url or "")
        record = dict(
            fei=row.fei(),
            legal_name=row.name(),
            record_date=row.date("record_date"),
            publish_date=row.date("publish_date"),
            url=url,
            media_id=match.group(1) if match else None,
            record_id=row.text("record_id"),
            record_type=row.text("record_type"),
        )
        if url and not match:
            row.problems.append(f"{row.where}: URL {url!r} is not an fda.gov/media download link")
        yield Published483(**record, source=name, row=row.n,
                           problems=tuple(row.problems))


def read_compliance_actions(path: str | Path) -> Iterator[ComplianceAction]:
    """Every row of a Compliance Actions export (warning letters, injunctions, seizures)."""
    name = Path(path).name
    for row in _records(path, COMPLIANCE_ACTIONS):
        country = row.text("country")
        record = dict(
            fei=row.fei(),
            legal_name=row.name(),
            state=row.text("state"),
            country=country,
            country_code=country_code(country),
            product_type=row.text("product_type"),
            action_type=row.text("action_type"),
            action_date=row.date("action_date"),
            case_id=row.text("case_id"),
        )
        if country and not record["country_code"]:
            row.problems.append(f"{row.where}: country {country!r} is not one we know")
        yield ComplianceAction(**record, source=name, row=row.n,
                               problems=tuple(row.problems))
