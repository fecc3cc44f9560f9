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

@migrations()
def m002_companies(db: Database):
    """The curated registry's companies (data/companies.yml), replaced wholesale each build."""
    db["companies"].create(
        {
            "id": str,  # the registry's slug
            "name": str,
            "kind": str,
            "parent_id": str,
            "country": str,
            "supplies": str,  # JSON list
            "product_types": str,  # JSON list
            "fictional": int,
            "note": str,
        },
        pk="id",
        not_null=["name", "kind"],
        foreign_keys=[("parent_id", "companies", "id")],
    )


@migrations()
def m003_company_names(db: Database):
    """Every name a company goes or went by, and the stems that claim firm names for it."""
    db["company_names"].create(
        {"company_id": str, "name": str, "role": str, "year": int},  # role: name|former|alias|stem
        pk=("company_id", "role", "name"),
        foreign_keys=[("company_id", "companies", "id")],
    )


@migrations()
def m004_company_sources(db: Database):
    """The publications the registry cites for each company."""
    db["company_sources"].create(
        {"company_id": str, "position": int, "fact": str, "publication": str, "date": str, "title": str,
         "url": str},
        pk=("company_id", "position"),
        foreign_keys=[("company_id", "companies", "id")],
    )


@migrations()
def m005_company_facilities(db: Database):
    """The sites the registry knows a company by (FEI where public), with city coordinates."""
    db["company_facilities"].create(
        {"company_id": str, "position": int, "fei": str, "name": str, "city": str, "state": str,
         "country": str, "latitude": float, "longitude": float},
        pk=("company_id", "position"),
        foreign_keys=[("company_id", "companies", "id")],
    )
    db["company_facilities"].create_index(["fei"])


@migrations()
def m006_cmo_relationships(db: Database):
    """Who makes what for whom: client company, contract manufacturer, products, source."""
    db["cmo_relationships"].create(
        {
            "id": int,  # position in the registry's relationships list
            "client_id": str,
            "cmo_id": str,
            "products": str,  # JSON list
            "what": str,
            "since": str,  # year or ISO date
            "source_publication": str,
            "source_date": str,
            "source_title": str,
            "source_url": str,
            "note": str,
            "fictional": int,
        },
        pk="id",
        not_null=["client_id", "cmo_id", "what"],
        foreign_keys=[("client_id", "companies", "id"), ("cmo_id", "companies", "id")],
    )


@migrations()
def m007_facility_links(db: Database):
    """Facilities on a map and linked to a company, with how the link was made."""
    facilities = db["facilities"]
    facilities.add_column("latitude", float)
    facilities.add_column("longitude", float)
    facilities.add_column("company_id", str, fk="companies", fk_col="id")
    facilities.add_column("link_method", str)  # fei | alias | fuzzy | ambiguous
    facilities.add_column("link_score", float)
    facilities.add_column("link_matched_name", str)  # the facility's name the link was made on
    facilities.add_column("link_registry_name", str)  # the registry name, stem or site it matched


@migrations()
def m008_facility_names(db: Database):
    """Every name a facility was seen under, on a 483 or in FDA's listings, and when."""
    db["facility_names"].create(
        {"fei": str, "name": str, "source": str, "first_seen": str, "last_seen": str, "records": int},
        pk=("fei", "source", "name"),
        foreign_keys=[("fei", "facilities", "fei")],
    )


@migrations()
def m009_published_483s(db: Database):
    """Rows of FDA's Published 483s exports, one per row of each imported file."""
    db["published_483s"].create(
        {
            "source_file": str,
            "source_row": int,
            "record_id": str,
            "fei": str,
            "legal_name": str,
            "record_date": str,
            "publish_date": str,
            "url": str,
            "media_id": str,
            "record_type": str,
            "problems": str,  # JSON list: what was repaired or dropped, naming file and row
        },
        pk=("source_file", "source_row"),
        foreign_keys=[("fei", "facilities", "fei")],
    )
    db["published_483s"].create_index(["fei"])
    db["published_483s"].create_index(["media_id"])


@migrations()
def m010_compliance_actions(db: Database):
    """Rows of FDA's Compliance Actions exports: warning letters, injunctions, seizures."""
    db["compliance_actions"].create(
        {
            "source_file": str,
            "source_row": int,
            "fei": str,
            "legal_name": str,
            "state": str,  # as printed ("Arizona")
            "country": str,  # ISO 3166-1 alpha-2
            "country_name": str,  # as printed ("United States")
            "product_type": str,
            "action_type": str,
            "action_date": str,
            "case_id": str,
            "problems": str,
        },
        pk=("source_file", "source_row"),
        foreign_keys=[("fei", "facilities", "fei")],
    )
    db["compliance_actions"].create_index(["fei", "action_date"])


@migrations()
def m011_listing_files(db: Database):
    """Bookkeeping: which listing files were imported, when, and their checksum."""
    db["_listing_files"].create(
        {"source_file": str, "kind": str, "sha256": str, "rows": int, "problems": int, "imported_at": str},
        pk="source_file",
    )


@migrations()
def m012_document_media(db: Database):
    """FDA media ids of a document (the <id> of fda.gov/media/<id>/download): from its file name
    or a mapping file. A table rather than a column: one PDF can be published under two ids."""
    db["document_media"].create(
        {"document_id": int, "media_id": str, "source": str},
        pk=("document_id", "media_id"),
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["document_media"].create_index(["media_id"])


@migrations()
def m013_inspection_fei_source(db: Database):
    """The FEI as read from the page, kept when FDA's listing for the same document (by media id)
    corrects an OCR slip in it; fei_source says which one inspections.fei holds."""
    db["inspections"].add_column("fei_read", str)
    db["inspections"].add_column("fei_source", str)  # page | listing
    db.execute("update inspections set fei_read = fei, fei_source = case when fei is null then null else 'page' end")


@migrations()
def m014_places(db: Database):
    """Where places lie, as kb/geo.py's locate() placed them, keyed by the city, state and country
    as printed ("" for none): a rebuild looks each place up once, and one with no new place
    never loads the city index. placed_by names the index and the rules (geo.LOCATOR)."""
    db["_places"].create(
        {"city": str, "state": str, "country": str, "latitude": float, "longitude": float, "placed_by": str},
        pk=("city", "state", "country"),
    )


@migrations()
def m015_classifier_version(db: Database):
    """Which classifier classified a document's observations (classify.Classifier.version): a
    build reclassifies, from the stored text, the documents an older classifier did. Rows
    from before this change have none, and are reclassified once."""
    db["documents"].add_column("classifier_version", str)


@migrations()
def m016_reviews(db: Database):
    """A reviewer's decision on an observation's categories (kb/reviews.py, data/reviews.csv):
    who reviewed it, when and why, and what the classifier had said, kept beside the reviewed
    primary_category and categories."""
    for column in ("reviewed_by", "reviewed_on", "review_note", "model_primary_category", "model_categories"):
        db["observations"].add_column(column, str)


@migrations()
def m017_uncertain_categories(db: Database):
    """The category model's uncertain calls on each observation (classify.uncertain_calls): the
    categories it scored near its threshold, kept or left out, for a reviewer to look at first.
    Documents classified before this have none until the build that follows reclassifies them
    (classify.CLASSIFY_CODE_VERSION 2)."""
    db["uncertain_categories"].create(
        {"observation_id": int, "category": str, "score": float, "kept": int},
        pk=("observation_id", "category"),
        foreign_keys=[("observation_id", "observations", "id"), ("category", "categories", "code")],
    )


@migrations()
def m018_category_figures(db: Database):
    """How well the classifier finds each category, from its model's cross-validation
    (kb.store.save_categories fills them on every build): precision, recall and F1, how many
    answer observations had the category, and how it was measured."""
    for column, kind in (("classifier_precision", float), ("classifier_recall", float), ("classifier_f1", float),
                         ("classifier_support", int), ("classifier_measured", str)):
        db["categories"].add_column(column, kind)


@migrations()
def m019_category_cues(db: Database):
    """The category cues found in an observation, beside each category it is given and each
    uncertain call (classify.rules.cue_summary): what a reader checks the call against.
    Documents classified before this have none until the build that follows reclassifies
    them (classify.CLASSIFY_CODE_VERSION 3)."""
    db["observation_categories"].add_column("cues", str)
    db["uncertain_categories"].add_column("cues", str)


def migrate(db: Database) -> None:
    """Bring a database's schema up to date (a no-op when it is)."""
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db)
