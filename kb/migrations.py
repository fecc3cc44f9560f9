"""The database schema, as a recorded list of changes: one function per change, never edited once
shipped. `migrate(db)` applies those a database has not had yet.

Derived shape (full-text search, views, indexes) is declared in kb/shape.py, after every build.
"""
from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("fda483")


@migrations()
def m001_core(db: Database):
    """Documents and what was read from them: pages, inspections, observations, categories."""
    db["documents"].create(
        {
            "id": int,
            "path": str,  # absolute path of the file as built
            "file_name": str,
            "sha256": str,
            "size": int,
            "pages": int,
            "page_sources": str,  # JSON list, per page: "text" (layer), "ocr" or "none"
            "status": str,  # "ok" or "failed"
            "error": str,
            "warnings": str,  # JSON list
            "extractor_version": str,
            "built_at": str,
        },
        pk="id",
        not_null=["path", "file_name", "sha256", "status"],
    )
    db["documents"].create_index(["path"], unique=True)
    db["pages"].create(
        {
            "document_id": int,
            "number": int,
            "source": str,
            "quality": float,
            "layer_quality": float,
            "error": str,
            "text": str,
        },
        pk=("document_id", "number"),
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["categories"].create(
        {"code": str, "name": str, "system": str, "description": str, "cfr": str},
        pk="code",
    )
    db["facilities"].create(
        {
            "fei": str,
            "name": str,
            "street_address": str,
            "city": str,
            "state": str,
            "postal_code": str,
            "country": str,
            "inspections": int,
            "first_inspected": str,
            "last_inspected": str,
        },
        pk="fei",
    )
    db["inspections"].create(
        {
            "id": int,
            "document_id": int,
            "fei": str,
            "firm_name": str,
            "street_address": str,
            "city": str,
            "state": str,
            "postal_code": str,
            "country": str,
            "establishment_type": str,
            "district": str,
            "inspection_start": str,
            "inspection_end": str,
            "date_issued": str,
            "year": int,
            "issued_to": str,
            "observation_count": int,
        },
        pk="id",
        foreign_keys=[("document_id", "documents", "id"), ("fei", "facilities", "fei")],
    )
    db["inspections"].create_index(["document_id"], unique=True)
    db["investigators"].create({"id": int, "name": str}, pk="id", not_null=["name"])
    db["investigators"].create_index(["name"], unique=True)
    db["inspection_investigators"].create(
        {"inspection_id": int, "investigator_id": int, "position": int},
        pk=("inspection_id", "investigator_id"),
        foreign_keys=[("inspection_id", "inspections", "id"), ("investigator_id", "investigators", "id")],
    )
    db["observations"].create(
        {
            "id": int,
            "inspection_id": int,
            "document_id": int,
            "number": int,
            "heading": str,
            "citation": str,
            "text": str,
            "page_start": int,
            "page_end": int,
            "pages": str,  # "4" or "4-5", for display
            "repeat": int,
            "repeat_note": str,
            "redactions": int,
            "redaction_marks": str,  # JSON {"(b)(4)": 3}
            "cfr": str,
            "cfr_score": float,
            "cfr_method": str,
            "primary_category": str,
        },
        pk="id",
        foreign_keys=[
            ("inspection_id", "inspections", "id"),
            ("document_id", "documents", "id"),
            ("primary_category", "categories", "code"),
        ],
    )
    db["observations"].create_index(["inspection_id", "number"], unique=True)
    db["observation_categories"].create(
        {"observation_id": int, "category": str, "score": float, "method": str},
        pk=("observation_id", "category"),
        foreign_keys=[("observation_id", "observations", "id"), ("category", "categories", "code")],
    )


def migrate(db: Database) -> None:
    """Bring a database's schema up to date (a no-op when it is)."""
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db)
