"""The database's derived shape: full-text search, views and indexes, declared idempotently and
applied by `ensure_db_shape(db)` at the end of every build."""
from __future__ import annotations

from sqlite_utils import Database

from .registry import CMO_KINDS

FTS_CONFIG = {
    "observations": ["citation", "text"],
    "facilities": ["name", "city", "country"],
}

INDEXES = [
    ("observations", ["primary_category"]),
    ("observations", ["cfr"]),
    ("observations", ["document_id"]),
    ("observation_categories", ["category"]),
    ("uncertain_categories", ["category"]),
    ("inspections", ["fei"]),
    ("inspections", ["year"]),
    ("pages", ["document_id"]),
    ("facilities", ["company_id"]),
    ("companies", ["parent_id"]),
    ("cmo_relationships", ["client_id"]),
    ("cmo_relationships", ["cmo_id"]),
]

# What counts as a contract manufacturer, for views with company_id and kind columns: a company
# of a kind that makes products for others (kb/registry.py CMO_KINDS), or one a relationship
# names as a client's contract manufacturer.
_IS_CMO = ("kind in (" + ", ".join(f"'{k}'" for k in CMO_KINDS) + ")"
           " or company_id in (select cmo_id from cmo_relationships)")

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
    # Each company with itself and every company it owns, however deep: a group's findings
    # include its subsidiaries' sites.
    "company_groups": """
        with recursive tree(group_id, company_id, depth) as (
            select id, id, 0 from companies
            union all
            select tree.group_id, c.id, tree.depth + 1
            from companies c join tree on c.parent_id = tree.company_id
        )
        select group_id, company_id, depth from tree
    """,
    # One row per 483 FDA lists, however many imported exports list it (they overlap), with the
    # document it was read from when one was built (by media id).
    "listed_483s": """
        select
            coalesce(p.media_id, p.url, p.record_id, p.source_file || ':' || p.source_row) as listing_key,
            max(p.fei) as fei,
            max(p.legal_name) as legal_name,
            min(p.record_date) as record_date,
            min(p.publish_date) as publish_date,
            max(p.url) as url,
            p.media_id,
            max(p.record_id) as record_id,
            (select min(dm.document_id) from document_media dm where dm.media_id = p.media_id) as document_id,
            group_concat(distinct p.source_file) as source_files
        from published_483s p
        group by listing_key
    """,
    # One row per warning letter, injunction or seizure, however many exports list it.
    "compliance_action_events": """
        select
            fei,
            action_type,
            action_date,
            case_id,
            max(legal_name) as legal_name,
            group_concat(distinct product_type) as product_type,
            max(state) as state,
            max(country) as country,
            group_concat(distinct source_file) as source_files
        from compliance_actions
        where fei is not null
        group by fei, action_type, action_date, case_id
    """,
    # Per FEI: how many 483s FDA lists, and its compliance actions (helpers for the views below,
    # aggregated once rather than per row).
    "_listed_per_fei": """
        select fei, count(*) as n from listed_483s where fei is not null group by fei
    """,
    "_actions_per_fei": """
        select fei, count(*) as n, max(action_date) as last_action_date
        from compliance_action_events group by fei
    """,
    # A facility's life as FDA recorded it: 483s read from PDFs (date issued, observations),
    # 483s known only from the published list (its Record Date, which is not the inspection
    # date), and compliance actions. Query it with ?fei=...
    "facility_history": """
        select
            i.fei,
            f.name as facility,
            coalesce(i.date_issued, i.inspection_end) as date,
            'date issued' as date_basis,
            'Form 483' as event,
            i.observation_count as observations,
            i.firm_name as name_on_record,
            null as product_type,
            null as case_id,
            i.id as inspection_id,
            i.document_id,
            (select p.url from document_media dm join published_483s p on p.media_id = dm.media_id
             where dm.document_id = i.document_id order by p.url limit 1) as url,
            '483 read from its PDF' as source
        from inspections i
        join facilities f on f.fei = i.fei
        union all
        select
            l.fei, f.name, l.record_date, 'listing record date', 'Form 483', null, l.legal_name, null, null,
            null, null, l.url, 'published 483s listing: ' || l.source_files
        from listed_483s l
        join facilities f on f.fei = l.fei
        where l.document_id is null
        union all
        select
            a.fei, f.name, a.action_date, 'action taken date', a.action_type, null, a.legal_name, a.product_type,
            a.case_id, null, null, null, 'compliance actions listing: ' || a.source_files
        from compliance_action_events a
        join facilities f on f.fei = a.fei
        order by 1, 3, 5
    """,
    # One row per observation per company it counts for: the facility's owner and every
    # company above it. Counted by primary category, so each observation counts once.
    "company_findings": """
        select
            g.group_id as company_id,
            c.name as company,
            c.kind,
            f.company_id as owner_id,
            f.fei,
            f.name as facility,
            f.country,
            i.id as inspection_id,
            i.date_issued,
            i.year,
            o.id as observation_id,
            o.number,
            o.primary_category as category,
            cat.name as category_name,
            o.cfr,
            o.repeat,
            o.citation
        from observations o
        join inspections i on i.id = o.inspection_id
        join facilities f on f.fei = i.fei
        join company_groups g on g.company_id = f.company_id
        join companies c on c.id = g.group_id
        left join categories cat on cat.code = o.primary_category
    """,
    # Every observation at a company's sites (its subsidiaries' included), once per category it
    # discusses, primary or not: what company pages and the CMO questions count.
    "company_observation_categories": """
        select
            g.group_id as company_id,
            c.name as company,
            c.kind,
            f.fei,
            f.name as facility,
            f.country,
            i.year,
            i.date_issued,
            oc.category,
            cat.name as category_name,
            oc.category = o.primary_category as is_primary,
            o.id as observation_id,
            o.number,
            o.repeat,
            o.cfr,
            o.citation
        from observation_categories oc
        join observations o on o.id = oc.observation_id
        join inspections i on i.id = o.inspection_id
        join facilities f on f.fei = i.fei
        join company_groups g on g.company_id = f.company_id
        join companies c on c.id = g.group_id
        join categories cat on cat.code = oc.category
    """,
    # The same at contract manufacturers: "every aseptic-processing observation at CMOs".
    "cmo_observations": f"""
        select * from company_observation_categories
        where {_IS_CMO}
    """,
    # Findings per contract manufacturer (by kind, or named as one in cmo_relationships), by
    # category and year.
    "cmo_findings": f"""
        select
            company_id,
            company,
            kind,
            category,
            category_name,
            year,
            count(*) as observations,
            sum(repeat) as repeat_observations,
            count(distinct inspection_id) as inspections,
            count(distinct fei) as facilities
        from company_findings
        where {_IS_CMO}
        group by company_id, category, year
    """,
    # A client's exposure: its contract manufacturers (and their subsidiaries), their linked
    # facilities, and what FDA found there by category; a site with no 483 read from a PDF
    # still shows, with the 483s and compliance actions FDA lists for it.
    "client_exposure": """
        with pairs as (
            select client_id, cmo_id, group_concat(distinct what) as what, min(since) as since,
                   group_concat(distinct source_publication) as sources
            from cmo_relationships group by client_id, cmo_id
        ),
        sites as (
            select pairs.*, f.fei, f.name as facility, f.country, f.company_id as owner_id
            from pairs
            join company_groups g on g.group_id = pairs.cmo_id
            join facilities f on f.company_id = g.company_id
        )
        select
            s.client_id,
            cl.name as client,
            s.cmo_id,
            cm.name as cmo,
            s.what,
            (select group_concat(distinct j.value) from cmo_relationships r, json_each(r.products) j
             where r.client_id = s.client_id and r.cmo_id = s.cmo_id) as products,
            s.since,
            s.sources,
            s.fei,
            s.facility,
            s.country,
            o.primary_category as category,
            cat.name as category_name,
            count(o.id) as observations,
            count(distinct i.id) as inspections_read,
            min(i.year) as first_year,
            max(i.year) as last_year,
            coalesce(listed.n, 0) as listed_483s,
            coalesce(actions.n, 0) as compliance_actions,
            actions.last_action_date
        from sites s
        left join _listed_per_fei listed on listed.fei = s.fei
        left join _actions_per_fei actions on actions.fei = s.fei
        join companies cl on cl.id = s.client_id
        join companies cm on cm.id = s.cmo_id
        left join inspections i on i.fei = s.fei
        left join observations o on o.inspection_id = i.id
        left join categories cat on cat.code = o.primary_category
        group by s.client_id, s.cmo_id, s.fei, o.primary_category
    """,
    # Facilities where the form marks observations as repeats, or where one category was cited
    # at more than one inspection.
    "facilities_with_repeats": """
        with per_category as (
            select i.fei, o.primary_category as category, count(distinct i.id) as inspections,
                   count(*) as observations, sum(o.repeat) as flagged
            from observations o join inspections i on i.id = o.inspection_id
            where i.fei is not null
            group by i.fei, o.primary_category
        )
        select
            f.fei,
            f.name as facility,
            f.company_id,
            c.name as company,
            f.inspections,
            f.first_inspected,
            f.last_inspected,
            sum(pc.observations) as observations,
            sum(pc.flagged) as repeat_observations,
            group_concat(case when pc.flagged > 0 then pc.category end) as repeat_categories,
            group_concat(case when pc.inspections > 1 then pc.category end) as recurring_categories
        from facilities f
        join per_category pc on pc.fei = f.fei
        left join companies c on c.id = f.company_id
        group by f.fei
        having sum(pc.flagged) > 0 or max(pc.inspections) > 1
    """,
    # Each 483 with the first compliance action of each type at the same FEI after it, and the
    # months between. A 483 read from a PDF is dated by its date issued; one known only from
    # FDA's list by its Record Date (date_basis says which).
    "inspections_followed_by_action": """
        with the_483s as (
            select 'inspection ' || i.id as key, i.fei, i.id as inspection_id, i.document_id,
                   coalesce(i.date_issued, i.inspection_end) as date, 'date issued' as date_basis,
                   null as url
            from inspections i
            where i.fei is not null and coalesce(i.date_issued, i.inspection_end) is not null
            union all
            select 'listing ' || l.listing_key, l.fei, null, null, l.record_date, 'listing record date', l.url
            from listed_483s l
            where l.document_id is null and l.fei is not null and l.record_date is not null
        ),
        firsts as (
            select t.key, t.fei, t.inspection_id, t.document_id, t.date, t.date_basis, t.url,
                   a.action_type, min(a.action_date) as action_date
            from the_483s t
            join compliance_action_events a on a.fei = t.fei and a.action_date > t.date
            group by t.key, a.action_type
        )
        select
            x.fei,
            f.name as facility,
            f.company_id,
            x.inspection_id,
            x.document_id,
            x.url,
            x.date as date_483,
            x.date_basis,
            x.action_type,
            x.action_date,
            (select group_concat(a.case_id) from compliance_action_events a
             where a.fei = x.fei and a.action_type = x.action_type and a.action_date = x.action_date) as case_id,
            round((julianday(x.action_date) - julianday(x.date)) / 30.4375, 1) as months_after
        from firsts x
        join facilities f on f.fei = x.fei
    """,
    # Facilities no company of the registry claims, with every name each was seen under: to
    # be reviewed and added to data/companies.yml, not guessed.
    "unlinked_facilities": """
        with names as (select fei, group_concat(name, ' | ') as names from facility_names group by fei)
        select
            f.fei,
            f.name,
            f.city,
            f.state,
            f.country,
            f.link_method,
            f.link_registry_name as candidates,
            names.names as names_seen,
            f.inspections,
            coalesce(listed.n, 0) as listed_483s,
            coalesce(actions.n, 0) as compliance_actions
        from facilities f
        left join names on names.fei = f.fei
        left join _listed_per_fei listed on listed.fei = f.fei
        left join _actions_per_fei actions on actions.fei = f.fei
        where f.company_id is null
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
