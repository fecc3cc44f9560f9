"""The database's derived shape: full-text search, views and indexes, declared idempotently and
applied by `ensure_db_shape(db)` at the end of every build."""
from __future__ import annotations

from sqlite_utils import Database

FTS_CONFIG = {
    "observations": ["citation", "text"],
    "facilities": ["name", "city", "country"],
}

INDEXES = [
    ("observations", ["primary_category"]),
    ("observations", ["cfr"]),
    ("observations", ["document_id"]),
    ("observation_categories", ["category"]),
    ("inspections", ["fei"]),
    ("inspections", ["year"]),
    ("pages", ["document_id"]),
]

VIEWS = {
    # One row per observation with where and when it was made: the table most questions start from.
    "findings": """
        select
            o.id as observation_id,
            i.fei,
            i.firm_name,
            i.country,
            i.establishment_type,
            i.inspection_end,
            i.year,
            o.number,
            o.primary_category,
            o.cfr,
            o.repeat,
            o.citation,
            o.page_start,
            o.page_end,
            d.file_name,
            o.document_id,
            o.inspection_id
        from observations o
        join inspections i on i.id = o.inspection_id
        join documents d on d.id = o.document_id
    """,
    # Every category an observation materially discusses, with the year and site: for trends, and
    # for the site's category pages (citation and source page to read each one).
    "category_findings": """
        select
            oc.category,
            c.name as category_name,
            c.system,
            oc.method,
            oc.score,
            o.id as observation_id,
            o.primary_category = oc.category as is_primary,
            i.year,
            i.fei,
            i.firm_name,
            i.country,
            i.establishment_type,
            o.cfr,
            o.repeat,
            o.citation,
            o.inspection_id,
            o.document_id,
            o.page_start
        from observation_categories oc
        join categories c on c.code = oc.category
        join observations o on o.id = oc.observation_id
        join inspections i on i.id = o.inspection_id
    """,
    "category_trends": """
        select oc.category, i.year, count(*) as observations, count(distinct i.id) as inspections
        from observation_categories oc
        join observations o on o.id = oc.observation_id
        join inspections i on i.id = o.inspection_id
        where i.year is not null
        group by oc.category, i.year
    """,
    "failed_documents": """
        select id, file_name, path, error, built_at from documents where status = 'failed'
    """,
}


def ensure_db_shape(db: Database) -> None:
    """FTS, views and indexes: created when missing, replaced when their definition changed."""
    for table, columns in FTS_CONFIG.items():
        if table in db.table_names():
            db[table].enable_fts(columns, create_triggers=True, replace=True)
    for table, columns in INDEXES:
        if table in db.table_names():
            db[table].create_index(columns, if_not_exists=True)
    for name, sql in VIEWS.items():
        db.create_view(name, sql, replace=True)
