"""Persistence: `save_*(db, ...)` functions that write what extract/ and classify/ produced.

A document's rows are replaced together: the caller wraps each save in `db.atomic()`, so a
crash leaves either the old rows or the new ones, never half of each.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlite_utils import Database

from classify import taxonomy
from extract.records import Document

# Bumped when extraction or classification changes what they produce, so that a rebuild
# re-reads files whose bytes did not change.
EXTRACTOR_VERSION = "2"  # 2: observations classified (provision, primary, categories)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def save_categories(db: Database) -> None:
    """The taxonomy into `categories` (upserted: codes are stable, names may be refined)."""
    db["categories"].upsert_all(
        [
            {
                "code": c.code,
                "name": c.name,
                "system": c.system,
                "description": c.description,
                "cfr": json.dumps(list(c.cfr)),
            }
            for c in taxonomy.categories()
        ],
        pk="code",
    )


def delete_document_rows(db: Database, document_id: int) -> None:
    """Remove what was read from a document (its own row stays, to be updated)."""
    obs_ids = "select id from observations where document_id = ?"
    db.execute(f"delete from observation_categories where observation_id in ({obs_ids})", [document_id])
    db.execute("delete from observations where document_id = ?", [document_id])
    insp_ids = "select id from inspections where document_id = ?"
    db.execute(f"delete from inspection_investigators where inspection_id in ({insp_ids})", [document_id])
    db.execute("delete from inspections where document_id = ?", [document_id])
    db.execute("delete from pages where document_id = ?", [document_id])


def _document_row(db: Database, path: Path, sha256: str, size: int) -> int:
    """The id of the row for this path, made if new."""
    row = db.execute("select id from documents where path = ?", [str(path)]).fetchone()
    if row:
        return row[0]
    return db["documents"].insert(
        {"path": str(path), "file_name": path.name, "sha256": sha256, "size": size, "status": "pending"}
    ).last_pk


def save_failure(db: Database, path: Path, sha256: str, size: int, error: str) -> int:
    """Record a file that could not be read as a 483, with the reason."""
    doc_id = _document_row(db, path, sha256, size)
    delete_document_rows(db, doc_id)
    db["documents"].update(
        doc_id,
        {
            "file_name": path.name,
            "sha256": sha256,
            "size": size,
            "pages": None,
            "page_sources": None,
            "status": "failed",
            "error": error,
            "warnings": None,
            "extractor_version": EXTRACTOR_VERSION,
            "built_at": now(),
        },
    )
    return doc_id


def save_document(db: Database, path: Path, size: int, doc: Document) -> int:
    """Write one extracted (and classified) document, replacing what an earlier build wrote for it."""
    doc_id = _document_row(db, path, doc.sha256, size)
    delete_document_rows(db, doc_id)
    db["documents"].update(
        doc_id,
        {
            "file_name": path.name,
            "sha256": doc.sha256,
            "size": size,
            "pages": len(doc.pages),
            "page_sources": json.dumps([p.source for p in doc.pages]),
            "status": "ok",
            "error": None,
            "warnings": json.dumps(doc.warnings) if doc.warnings else None,
            "extractor_version": EXTRACTOR_VERSION,
            "built_at": now(),
        },
    )
    db["pages"].insert_all(
        {
            "document_id": doc_id,
            "number": p.number,
            "source": p.source,
            "quality": p.quality,
            "layer_quality": p.layer_quality,
            "error": p.error,
            "text": p.text,
        }
        for p in doc.pages
    )
    h = doc.header
    if h.fei:
        _ensure_facility(db, h.fei, h.firm_name)
    year = int(h.inspection_end[:4]) if h.inspection_end else (int(h.date_issued[:4]) if h.date_issued else None)
    insp_id = db["inspections"].insert(
        {
            "document_id": doc_id,
            "fei": h.fei,
            "firm_name": h.firm_name,
            "street_address": h.street_address,
            "city": h.city,
            "state": h.state,
            "postal_code": h.postal_code,
            "country": h.country,
            "establishment_type": h.establishment_type,
            "district": h.district,
            "inspection_start": h.inspection_start,
            "inspection_end": h.inspection_end,
            "date_issued": h.date_issued,
            "year": year,
            "issued_to": h.issued_to,
            "observation_count": len(doc.observations),
        }
    ).last_pk
    for position, name in enumerate(h.investigators, start=1):
        inv_id = db["investigators"].lookup({"name": name})
        db["inspection_investigators"].insert(
            {"inspection_id": insp_id, "investigator_id": inv_id, "position": position}, ignore=True
        )
    for o in doc.observations:
        obs_id = db["observations"].insert(
            {
                "inspection_id": insp_id,
                "document_id": doc_id,
                "number": o.number,
                "heading": o.heading,
                "citation": o.citation,
                "text": o.text,
                "page_start": o.page_start,
                "page_end": o.page_end,
                "pages": str(o.page_start) if o.page_start == o.page_end else f"{o.page_start}-{o.page_end}",
                "repeat": int(o.repeat),
                "repeat_note": o.repeat_note,
                "redactions": sum(o.redactions.values()),
                "redaction_marks": json.dumps(o.redactions) if o.redactions else None,
                "cfr": o.cfr,
                "cfr_score": o.cfr_score,
                "cfr_method": o.cfr_method,
                "primary_category": o.primary_category,
            }
        ).last_pk
        db["observation_categories"].insert_all(
            {
                "observation_id": obs_id,
                "category": code,
                "score": o.category_scores.get(code),
                "method": o.category_methods.get(code),
            }
            for code in o.categories
        )
    return doc_id


def _ensure_facility(db: Database, fei: str, name: str | None) -> None:
    # The facility row must exist for the foreign key; refresh_facilities() fills it in.
    db.execute("insert or ignore into facilities (fei, name) values (?, ?)", [fei, name])


def refresh_facilities(db: Database) -> None:
    """Facilities as the inspections describe them: latest name and address, counts and dates.

    Derived data, rewritten each build; facilities no inspection refers to any more are removed.
    """
    db.execute(
        """
        with ranked as (
            select fei, firm_name, street_address, city, state, postal_code, country,
                   row_number() over (partition by fei order by coalesce(inspection_end, date_issued) desc, id desc) as r,
                   count(*) over (partition by fei) as n,
                   min(coalesce(inspection_start, inspection_end)) over (partition by fei) as first_seen,
                   max(coalesce(inspection_end, date_issued)) over (partition by fei) as last_seen
            from inspections where fei is not null
        )
        update facilities set
            name = ranked.firm_name, street_address = ranked.street_address, city = ranked.city,
            state = ranked.state, postal_code = ranked.postal_code, country = ranked.country,
            inspections = ranked.n, first_inspected = ranked.first_seen, last_inspected = ranked.last_seen
        from ranked where ranked.fei = facilities.fei and ranked.r = 1
        """
    )
    db.execute("delete from facilities where fei not in (select fei from inspections where fei is not null)")
