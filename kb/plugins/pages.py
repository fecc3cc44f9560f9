"""Row pages that read as documents: an observation in full with its citation, category chips and
a link to its page of the source PDF; a facility with its 483s, what each found and what followed;
an inspection with its observations.

The data is gathered here (extra_template_vars) and laid out by kb/templates/row.html and the
_kb_*.html templates it includes. Any other row page is Datasette's own.
"""
import re

from datasette import hookimpl
from datasette.utils import urlsafe_components
from markupsafe import Markup, escape

from classify.rules import cue_phrases


async def _rows(db, sql, params):
    return [dict(r) for r in (await db.execute(sql, params)).rows]


async def _one(db, sql, params):
    rows = await _rows(db, sql, params)
    return rows[0] if rows else None


async def _categories(db, observation_ids):
    """{observation_id: [category, ...]}, the primary first, then by score; each with how it
    was given and how well the classifier finds that category."""
    if not observation_ids:
        return {}
    marks = ",".join("?" * len(observation_ids))
    rows = await _rows(
        db,
        f"""
        select oc.observation_id, oc.category as code, c.name, c.system, oc.method, oc.cues,
               c.classifier_precision, c.classifier_recall, c.classifier_support,
               oc.category = o.primary_category as is_primary
        from observation_categories oc
        join categories c on c.code = oc.category
        join observations o on o.id = oc.observation_id
        where oc.observation_id in ({marks})
        order by oc.observation_id, is_primary desc, oc.score desc, oc.category
        """,
        list(observation_ids),
    )
    out = {}
    for r in rows:
        out.setdefault(r.pop("observation_id"), []).append(r)
    return out


async def _observations_of(db, inspection_ids):
    if not inspection_ids:
        return []
    marks = ",".join("?" * len(inspection_ids))
    observations = await _rows(
        db,
        f"""
        select o.id, o.inspection_id, o.number, o.heading, o.citation, o.cfr, o.repeat,
               o.page_start, o.pages, o.document_id, o.primary_category
        from observations o where o.inspection_id in ({marks}) order by o.inspection_id, o.number
        """,
        list(inspection_ids),
    )
    categories = await _categories(db, [o["id"] for o in observations])
    for o in observations:
        o["categories"] = categories.get(o["id"], [])
    return observations


async def observation_page(db, observation_id):
    o = await _one(
        db,
        """
        select o.*, i.fei, i.firm_name, i.city, i.state, i.country, i.establishment_type,
               i.inspection_start, i.inspection_end, i.date_issued, i.year, i.observation_count,
               d.file_name, c.name as primary_category_name
        from observations o
        join inspections i on i.id = o.inspection_id
        join documents d on d.id = o.document_id
        left join categories c on c.code = o.primary_category
        where o.id = ?
        """,
        [observation_id],
    )
    if o is None:
        return None
    o["categories"] = (await _categories(db, [o["id"]])).get(o["id"], [])
    # a reviewed observation: what the classifier had given, by name
    said = await _rows(db, "select coalesce(c.name, j.value) as name from json_each(?) j "
                           "left join categories c on c.code = j.value order by j.key", [o.get("model_categories") or "[]"])
    o["model_categories_list"] = [r["name"] for r in said]
    # the model's calls near its threshold, for a reviewer
    o["uncertain"] = await _rows(db, "select coalesce(c.name, u.category) as name, u.score, u.kept, u.cues "
                                     "from uncertain_categories u left join categories c on c.code = u.category "
                                     "where u.observation_id = ? order by u.score desc", [o["id"]])
    # The text begins with the citation; the page prints the citation as a lead, then the rest.
    text, citation = o["text"] or "", o["citation"] or ""
    o["body"] = text[len(citation):].strip() if citation and text.startswith(citation) else text
    o["citation_marked"], o["body_marked"] = (_marked(t, o["categories"]) for t in (citation, o["body"]))
    siblings = await _rows(
        db, "select id, number from observations where inspection_id = ? order by number", [o["inspection_id"]]
    )
    numbers = [s["number"] for s in siblings]
    at = numbers.index(o["number"])
    o["previous"] = siblings[at - 1] if at > 0 else None
    o["next"] = siblings[at + 1] if at + 1 < len(siblings) else None
    where = o["firm_name"] or "unknown firm"
    return {"kind": "observation", "title": f"Observation {o['number']}: {where}", "observation": o}


def _marked(text: str, categories: list[dict]) -> Markup:
    """The text, escaped, with the cue words shown beside its categories marked, each titled
    with the categories it is a cue of (case and spacing as the text has them)."""
    names: dict[str, list[str]] = {}
    for c in categories:
        for phrase in cue_phrases(c.get("cues")):
            names.setdefault(phrase, []).append(c["name"])
    if not text or not names:
        return escape(text or "")
    alternatives = (r"\s+".join(map(re.escape, p.split())) for p in sorted(names, key=len, reverse=True))
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
    out, at = [], 0
    for m in pattern.finditer(text):
        title = ", ".join(names.get(" ".join(m.group(0).lower().split()), []))
        out += [escape(text[at:m.start()]), Markup('<mark class="kb-cue" title="{}">{}</mark>').format(title, m.group(0))]
        at = m.end()
    out.append(escape(text[at:]))
    return Markup("").join(out)


async def _inspections_of(db, fei):
    """A facility's inspections in date order, each with its observations and the one that followed."""
    inspections = await _rows(
        db,
        """
        select i.*, d.file_name, coalesce(sum(o.repeat), 0) as repeats
        from inspections i
        join documents d on d.id = i.document_id
        left join observations o on o.inspection_id = i.id
        where i.fei = ?
        group by i.id
        order by coalesce(i.inspection_end, i.date_issued), i.id
        """,
        [fei],
    )
    observations = await _observations_of(db, [i["id"] for i in inspections])
    # The first warning letter, injunction or seizure of each type after each 483 (FDA's lists).
    actions = await _rows(
        db,
        """
        select inspection_id, action_type, action_date, months_after, case_id
        from inspections_followed_by_action where fei = ? and inspection_id is not null
        order by action_date
        """,
        [fei],
    )
    for i in inspections:
        i["observations"] = [o for o in observations if o["inspection_id"] == i["id"]]
        i["actions"] = [a for a in actions if a["inspection_id"] == i["id"]]
    for earlier, later in zip(inspections, inspections[1:]):
        earlier["followed_by"] = later
    return inspections


async def facility_page(db, fei):
    f = await _one(db, "select * from facilities where fei = ?", [fei])
    if f is None:
        return None
    inspections = await _inspections_of(db, fei)
    subjects = await _rows(
        db,
        """
        select oc.category as code, c.name, count(*) as observations,
               count(distinct o.inspection_id) as inspections
        from observation_categories oc
        join categories c on c.code = oc.category
        join observations o on o.id = oc.observation_id
        join inspections i on i.id = o.inspection_id
        where i.fei = ?
        group by oc.category order by observations desc, oc.category
        """,
        [fei],
    )
    names = sorted({i["firm_name"] for i in inspections if i["firm_name"]} - {f["name"]})
    company = await _one(db, "select id, name, kind from companies where id = ?", [f["company_id"]])
    # What FDA lists for the site beyond the 483s read here: 483s without a PDF, compliance actions.
    listed = await _rows(
        db,
        "select date, date_basis, event, name_on_record, url from facility_history "
        "where fei = ? and inspection_id is null order by date desc",
        [fei],
    )
    return {
        "kind": "facility",
        "title": f"{f['name']} (FEI {f['fei']})",
        "facility": f,
        "company": company,
        "inspections": list(reversed(inspections)),  # newest first, as people read a history
        "subjects": subjects,
        "other_names": names,
        "listed": listed,
    }


async def inspection_page(db, inspection_id):
    i = await _one(
        db,
        "select i.*, d.file_name from inspections i join documents d on d.id = i.document_id where i.id = ?",
        [inspection_id],
    )
    if i is None:
        return None
    i["investigators"] = [
        r["name"]
        for r in await _rows(
            db,
            """
            select v.name from inspection_investigators ii join investigators v on v.id = ii.investigator_id
            where ii.inspection_id = ? order by ii.position
            """,
            [i["id"]],
        )
    ]
    history = await _inspections_of(db, i["fei"]) if i["fei"] else []
    ids = [h["id"] for h in history]
    at = ids.index(i["id"]) if i["id"] in ids else None
    # the facility's history has read this inspection's observations already
    i["observations"] = history[at]["observations"] if at is not None else await _observations_of(db, [i["id"]])
    i["preceded_by"] = history[at - 1] if at else None
    i["followed_by"] = history[at + 1] if at is not None and at + 1 < len(history) else None
    when = i["date_issued"] or i["inspection_end"] or "undated"
    return {"kind": "inspection", "title": f"Form 483: {i['firm_name']}, {when}", "inspection": i}


async def company_page(db, company_id):
    """A company: what it is, its names over time, its sites and what FDA found there, and the
    contract manufacturing it buys or provides, each fact with its source."""
    c = await _one(db, "select * from companies where id = ?", [company_id])
    if c is None:
        return None
    parent = await _one(db, "select id, name from companies where id = ?", [c["parent_id"]])
    names = await _rows(db, "select name, role, year from company_names where company_id = ? and role in "
                            "('former', 'alias') order by role, year", [company_id])
    sources = await _rows(db, "select fact, publication, date, title, url from company_sources "
                              "where company_id = ? order by position", [company_id])
    # Its sites and those of its subsidiaries, with what was read and what FDA lists for each.
    sites = await _rows(
        db,
        """
        select f.fei, f.name, f.city, f.country, f.inspections, f.last_inspected, f.company_id,
               (select count(*) from observations o join inspections i on i.id = o.inspection_id
                where i.fei = f.fei) as observations,
               (select count(*) from facility_history h where h.fei = f.fei and h.inspection_id is null)
                as listed_events
        from facilities f join company_groups g on g.company_id = f.company_id
        where g.group_id = ? order by f.last_inspected desc, f.name
        """,
        [company_id],
    )
    by_category = await _rows(
        db,
        """
        select category as code, category_name as name, count(*) as observations, min(year) as first_year,
               max(year) as last_year, sum(repeat) as repeats
        from company_observation_categories
        where company_id = ? group by category order by observations desc, category
        """,
        [company_id],
    )
    relationships = await _rows(
        db,
        """
        select r.*, cl.name as client, cm.name as cmo from cmo_relationships r
        join companies cl on cl.id = r.client_id join companies cm on cm.id = r.cmo_id
        where r.client_id = ? or r.cmo_id = ? order by r.since, r.id
        """,
        [company_id, company_id],
    )
    return {
        "kind": "company",
        "title": f"{c['name']}",
        "company": c,
        "parent": parent,
        "names": names,
        "sources": sources,
        "sites": sites,
        "by_category": by_category,
        "makes_for": [r for r in relationships if r["cmo_id"] == company_id],
        "made_by": [r for r in relationships if r["client_id"] == company_id],
    }


PAGES = {
    "observations": observation_page,
    "facilities": facility_page,
    "inspections": inspection_page,
    "companies": company_page,
}


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    if view_name != "row" or table not in PAGES:
        return None

    async def inner():
        pk = urlsafe_components(request.url_vars["pks"])[0]
        page = await PAGES[table](datasette.get_database(database), pk)
        return {"kb_page": page} if page else {}

    return inner
