"""FDA Data Dashboard exports into the database, and documents tied to their listing rows.

kb/listing.py reads the exports (`read_*`); this module saves them (`save_*`). Rows are keyed
on the file they came from: importing a file again replaces exactly that file's rows, and a
file whose bytes did not change is not rewritten at all.

A document is tied to its row of the published-483s list by FDA media id, the <id> of
https://www.fda.gov/media/<id>/download. It comes from the PDF's file name when FDA's own
name was kept (`192443.pdf`, `media-192443-download.pdf`), or from a mapping file such as
../shared/data/483s/manifest.csv (`file`, `fda_media_id`; several ids separated by ";").
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlite_utils import Database

from extract.pdf import sha256_file

from .listing import (PUBLISHED_483S, ComplianceAction, ListingError, Published483,
                     detect_kind, read_compliance_actions, read_published_483s)
from .store import now

FILE_NAME_SOURCE = "file name"
_MEDIA_FILE_NAME = re.compile(r"^(?:media[-_])?(\d{5,7})(?:[-_]download)?\.pdf$", re.IGNORECASE)
_MAPPING_FILE_COLUMNS = ("file", "file_name", "filename")
_MAPPING_ID_COLUMNS = ("fda_media_id", "media_id")


class MediaMappingError(ValueError):
    """A mapping file that cannot be read, with the file and row."""


@dataclass
class ImportResult:
    """One listing file's import, for the command's summary."""

    path: Path
    kind: str | None = None
    status: str = "imported"  # imported | unchanged | failed
    rows: int = 0
    facilities: int = 0  # distinct FEIs its rows name
    problems: list[str] = field(default_factory=list)
    rows_with_problems: int = 0
    error: str | None = None


def media_ids_from_file_name(file_name: str) -> list[str]:
    """The FDA media id a PDF's own name carries, if it kept FDA's name.

    >>> media_ids_from_file_name("media-192443-download.pdf"), media_ids_from_file_name("Lupin.pdf")
    (['192443'], [])
    """
    m = _MEDIA_FILE_NAME.match(file_name)
    return [m.group(1)] if m else []


def read_media_mapping(path: str | Path) -> dict[str, list[str]]:
    """File name -> FDA media ids, from a CSV with a file-name column (file, file_name) and a
    media-id column (fda_media_id, media_id). Rows without an id are skipped (not every PDF was
    published by FDA under one); an id that is not digits is an error naming file and row."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as ex:
        raise MediaMappingError(f"{path}: cannot read: {ex.strerror or ex}") from ex
    with handle:
        reader = csv.DictReader(handle)
        columns = {c.strip().lower(): c for c in reader.fieldnames or []}
        file_col = next((columns[c] for c in _MAPPING_FILE_COLUMNS if c in columns), None)
        id_col = next((columns[c] for c in _MAPPING_ID_COLUMNS if c in columns), None)
        if not file_col or not id_col:
            raise MediaMappingError(
                f"{path}: expected a file-name column ({', '.join(_MAPPING_FILE_COLUMNS)}) and a media-id "
                f"column ({', '.join(_MAPPING_ID_COLUMNS)}); columns are {reader.fieldnames}"
            )
        mapping: dict[str, list[str]] = {}
        for n, row in enumerate(reader, start=2):
            name = (row.get(file_col) or "").strip()
            ids = [i.strip() for i in (row.get(id_col) or "").split(";") if i.strip()]
            if not name or not ids:
                continue
            bad = [i for i in ids if not i.isdigit()]
            if bad:
                raise MediaMappingError(f"{path} row {n}: media id {bad[0]!r} for {name} is not a number")
            mapping.setdefault(name, []).extend(i for i in ids if i not in mapping.get(name, []))
    return mapping


def _replace_media(db: Database, document_id: int, ids: list[str], source: str) -> None:
    db.execute("delete from document_media where document_id = ? and source = ?", [document_id, source])
    db["document_media"].insert_all(
        ({"document_id": document_id, "media_id": i, "source": source} for i in ids), ignore=True
    )


def save_media_mapping(db: Database, mapping: dict[str, list[str]], source: str) -> list[str]:
    """Tie documents to media ids by file name; returns the mapping's file names no document has.

    Replaces what an earlier mapping of the same `source` (the mapping file's name) said about
    those documents; other documents keep theirs."""
    by_name: dict[str, list[int]] = {}
    for doc_id, name in db.execute("select id, file_name from documents"):
        by_name.setdefault(name, []).append(doc_id)
    missing = []
    for name, ids in mapping.items():
        if name not in by_name:
            missing.append(name)
        for doc_id in by_name.get(name, []):
            _replace_media(db, doc_id, ids, source)
    return missing


def refresh_document_media(db: Database) -> None:
    """Media ids read from every document's file name, replacing those read before."""
    for doc_id, name in db.execute("select id, file_name from documents").fetchall():
        _replace_media(db, doc_id, media_ids_from_file_name(name), FILE_NAME_SOURCE)


def _ensure_facilities(db: Database, rows) -> None:
    # Listing rows refer to facilities by FEI; refresh_facilities() fills the rows in.
    feis = sorted({r.fei for r in rows if r.fei})
    db.conn.executemany("insert or ignore into facilities (fei) values (?)", [(f,) for f in feis])


# Record field -> column, where the reader's name differs from the table's.
_RENAMED = {"compliance_actions": {"country": "country_name", "country_code": "country"}}


def _save_file_rows(db: Database, table: str, source_file: str, records) -> None:
    """One export's records into `table`, replacing the rows an earlier import of that file wrote."""
    renamed = _RENAMED.get(table, {})

    def row(record) -> dict:
        fields = asdict(record)
        problems = fields.pop("problems")
        del fields["source"]
        out = {"source_file": source_file, "source_row": fields.pop("row"),
               "problems": json.dumps(list(problems)) if problems else None}
        out.update((renamed.get(k, k), v) for k, v in fields.items())
        return out

    db.execute(f"delete from [{table}] where source_file = ?", [source_file])
    db[table].insert_all(row(r) for r in records)


def save_published_483s(db: Database, source_file: str, rows: list[Published483]) -> None:
    """One export's rows of the published-483s list, replacing that file's earlier rows."""
    _save_file_rows(db, "published_483s", source_file, rows)


def save_compliance_actions(db: Database, source_file: str, rows: list[ComplianceAction]) -> None:
    """One export's warning letters, injunctions and seizures, replacing that file's earlier rows."""
    _save_file_rows(db, "compliance_actions", source_file, rows)


def import_listing(db: Database, path: str | Path, kind: str | None = None) -> ImportResult:
    """Read one Data Dashboard export and save its rows, unless the same file (by name and
    sha256) was imported already, which is then not read at all. `kind`: the file's, when the
    caller has told it already (`detect_kind`). Raises ListingError when the file is neither a
    published-483s nor a compliance-actions export; a file that fails part-way is reported as
    failed and leaves its earlier rows as they were."""
    path = Path(path)
    result = ImportResult(path)
    sha = sha256_file(path)
    before = db.execute("select sha256, kind from _listing_files where source_file = ?", [path.name]).fetchone()
    if before and before[0] == sha:
        result.kind, result.status = before[1], "unchanged"
        _summarise(db, result)
        return result
    result.kind = kind or detect_kind(path)
    try:
        reader = read_published_483s if result.kind == PUBLISHED_483S else read_compliance_actions
        rows = list(reader(path))
    except (ListingError, ValueError, OSError) as ex:
        result.status, result.error = "failed", f"{path}: {ex}"
        return result
    with db.atomic():
        _ensure_facilities(db, rows)
        if result.kind == PUBLISHED_483S:
            save_published_483s(db, path.name, rows)
        else:
            save_compliance_actions(db, path.name, rows)
        db["_listing_files"].upsert(
            {"source_file": path.name, "kind": result.kind, "sha256": sha, "rows": len(rows),
             "problems": sum(1 for r in rows if r.problems),
             "imported_at": now()},
            pk="source_file",
        )
    _summarise(db, result)
    return result


def _summarise(db: Database, result: ImportResult) -> None:
    """Rows, FEIs and problems of a file as the database holds them."""
    name = result.path.name
    result.rows, result.facilities = db.execute(
        f"select count(*), count(distinct fei) from [{result.kind}] where source_file = ?", [name]
    ).fetchone()
    flagged = db.execute(
        f"select problems from [{result.kind}] where source_file = ? and problems is not null order by source_row",
        [name],
    ).fetchall()
    result.rows_with_problems = len(flagged)
    result.problems = [p for (text,) in flagged for p in json.loads(text)]
