"""Persistence: `save_*(db, ...)` functions that write what extract/ and classify/ produced.

A document's rows are replaced together: the caller wraps each save in `db.atomic()`, so a
crash leaves either the old rows or the new ones, never half of each.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlite_utils import Database

from classify import rules, taxonomy
from extract.pdf import layer_reader
from extract.records import Document, Observation

from .geo import us_state_code

# Bumped when extraction or classification changes what they produce, so that a rebuild
# re-reads files whose bytes did not change. 2: observations classified (provision, primary,
# categories); 3: text layers read with poppler where it is installed. The reader is part of
# the version: installing or removing libpoppler-glib changes the text, so files are re-read.
# 4: a page's header lines that OCR left in its body, and a footer label OCR joined to the
# last line of text, are kept out of the observations. 5: scans read better (observation
# numbers OCR misread, pages whose header labels it lost, an inspection day it could not read,
# investigators hidden by signatures, box borders read as "|"). 6: dusty and noisy scans
# cleaned before OCR (extract.speckle), headings and the form's words read through OCR's specks.
# 7: a page's first lines of text are no longer taken for a second line of the header's values;
# a signature box OCR could not read is cut where the other pages have it.
# 8: numbered findings read through misread numbers; investigators whose box labels OCR lost,
# and one person's names read differently on different pages; header values read by their
# rows when the labels are lost.
# 9: a heading whose number OCR read into the word ("OBSERVATIONS") and a list number read as
# letters fill the gap in the numbering; specks beside a heading are not the citation.
# 10: inspection dates read from a continuation page's top row when no box gave them; the date
# issued found beside SEE REVERSE when the signature box's labels are unread.
# 11: a text field of the header takes the reading the pages agree with most, not the most
# frequent string (OCR reads other words beside it differently on every page).
# 12: stray tokens after a header value (a handwritten note read as "os}aq//A ie") are dropped.
# 13: an FEI read whole (7 or 10 digits) on one page outvotes readings that lost a digit.
# 14: the form's "Add Continuation Page" button is no text however OCR reads it.
# 15: a second, handwritten address after the street is left out of it.
# 16: the lead statement ends at "Specifically" also where OCR garbled it ("Specitia ly,").
# 17: a line that opens with a box border read as a mark takes its band from its first word.
# 18: specks before a header value and lines of specks in a box are dropped; the district
# takes the reading the pages agree with.
# 19: a box's value ends at any line of the notice, not only its first.
# 20: a postal code OCR split between its digits ("3822 10") is one again; "113 51" stays.
# 21: the person's box is read where its label was lost; "(CEO}" is "(CEO)".
# 22: header values voted and trimmed by what most pages read, the person from "TO:"; grey
# redaction boxes on two lines that touch are found apart, so the words between them stay.
# 23: words inside a box's outline that stand on the page's white, not on the box, are kept.
# 24: a word joins the line whose last word it follows a space apart before a line it overlaps
# more (swollen boxes of a dusty, turned scan).
# 25: a box's label split around a mark of the text layer's own, "(b) (b)(4) (6)", is "(b)(6)".
# 26: what is left of a label beside its mark ("(b) (b)(4)", "(b)(4) (4)") goes; OCR's "(B) (4)",
# "(0) (4)", "(®) (4)" are marks.
# 27: so are OCR's "(o) (4)", "(D)(4)", "(1D) (4)", "(15) (4)", "(I:>) (4)", "() (4)", "(b)_(4)".
# 28: a label stacked in a narrow box, "(b)" above "(4)", is one mark on the box's line.
# 29: a repeat mark with a word OCR broke, "a repeat ob: ervation from the previous FDA 483".
# 30: a ruled table in a born-digital page's observations is read a row at a time, cell by cell.
# 31: and one in a scanned page, its rules found in the page image.
# 32: a table cell OCR left empty is read again (Tesseract drops a lone "1" or "0").
# 33: grey redaction boxes that touch over three lines or more are found (redact._stacked).
EXTRACTOR_VERSION = f"33-{layer_reader()}"


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def save_categories(db: Database, cross_validation: dict | None = None) -> None:
    """The taxonomy into `categories` (upserted: codes are stable, names may be refined), with
    how well the classifier finds each category: the per-category figures of its model's
    cross-validation (the sidecar's `cross_validation`, classify.training), or none without
    them."""
    measured = (cross_validation or {}).get("by_category") or {}
    how = cross_validation.get("method") if measured else None

    def figures(code: str) -> dict:
        m = measured.get(code) or {}
        return {"classifier_precision": m.get("precision"), "classifier_recall": m.get("recall"),
                "classifier_f1": m.get("f1"), "classifier_support": m["tp"] + m["fn"] if m else None,
                "classifier_measured": how}

    db["categories"].upsert_all(
        [
            {
                "code": c.code,
                "name": c.name,
                "system": c.system,
                "description": c.description,
                "cfr": json.dumps(list(c.cfr)),
            } | figures(c.code)
            for c in taxonomy.categories()
        ],
        pk="code",
    )


def delete_document_rows(db: Database, document_id: int) -> None:
    """Remove what was read from a document (its own row stays, to be updated)."""
    obs_ids = "select id from observations where document_id = ?"
    db.execute(f"delete from observation_categories where observation_id in ({obs_ids})", [document_id])
    db.execute(f"delete from uncertain_categories where observation_id in ({obs_ids})", [document_id])
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


def save_document(db: Database, path: Path, size: int, doc: Document, classifier_version: str | None = None,
                  reviews: dict[int, dict] | None = None) -> int:
    """Write one extracted (and classified) document, replacing what an earlier build wrote for
    it; `classifier_version` says what classified it (classify.Classifier.version, with its
    reviews), `reviews` the review columns of its observations by number (kb.reviews.overlay)."""
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
            "classifier_version": classifier_version,
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
        ensure_facility(db, h.fei, h.firm_name)
    year = int(h.inspection_end[:4]) if h.inspection_end else (int(h.date_issued[:4]) if h.date_issued else None)
    insp_id = db["inspections"].insert(
        {
            "document_id": doc_id,
            "fei": h.fei,
            # What the page says, kept when kb/link.py takes the FEI from FDA's listing instead.
            "fei_read": h.fei,
            "fei_source": "page" if h.fei else None,
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
                **_classification_columns(o),
                **(reviews or {}).get(o.number, {}),
            }
        ).last_pk
        _insert_categories(db, obs_id, o)
    return doc_id


def _classification_columns(o: Observation) -> dict:
    return {"cfr": o.cfr, "cfr_score": o.cfr_score, "cfr_method": o.cfr_method, "primary_category": o.primary_category}


def _insert_categories(db: Database, obs_id: int, o: Observation) -> None:
    db["observation_categories"].insert_all(
        {
            "observation_id": obs_id,
            "category": code,
            "score": o.category_scores.get(code),
            "method": o.category_methods.get(code),
            "cues": rules.cue_summary(o.category_cues.get(code)),
        }
        for code in o.categories
    )
    db["uncertain_categories"].insert_all(
        {"observation_id": obs_id, "category": code, "score": score, "kept": int(kept),
         "cues": rules.cue_summary(o.category_cues.get(code))}
        for code, score, kept in o.uncertain_categories
    )


def stored_observations(db: Database, document_id: int) -> tuple[str | None, list[tuple[int, Observation]]]:
    """A document's firm name and its observations as stored, with their row ids: what
    classification reads (number, pages, text, citation)."""
    firm = db.execute("select firm_name from inspections where document_id = ?", [document_id]).fetchone()
    rows = db.execute(
        "select id, number, page_start, page_end, text, citation from observations where document_id = ? order by number",
        [document_id],
    ).fetchall()
    return (firm[0] if firm else None), [(r[0], Observation(r[1], r[2], r[3], r[4] or "", r[5])) for r in rows]


def save_classification(db: Database, document_id: int, observations: list[tuple[int, Observation]],
                        classifier_version: str, reviews: dict[int, dict] | None = None) -> None:
    """Replace the classification of a document's observations (their provision, primary,
    categories and review columns), leaving everything read from the file as it is."""
    for obs_id, o in observations:
        db["observations"].update(obs_id, _classification_columns(o) | (reviews or {}).get(o.number, {}))
        db.execute("delete from observation_categories where observation_id = ?", [obs_id])
        db.execute("delete from uncertain_categories where observation_id = ?", [obs_id])
        _insert_categories(db, obs_id, o)
    db["documents"].update(document_id, {"classifier_version": classifier_version})


def ensure_facility(db: Database, fei: str, name: str | None) -> None:
    """Make the facility row an inspection's FEI refers to (refresh_facilities() fills it in)."""
    db.execute("insert or ignore into facilities (fei, name) values (?, ?)", [fei, name])


# Every FEI something refers to: a 483 read from a PDF, or a row of FDA's listings.
_REFERENCED_FEIS = """
    select fei from inspections where fei is not null
    union select fei from published_483s where fei is not null
    union select fei from compliance_actions where fei is not null
"""
# One name a facility was seen under, with the date it was seen and what the record was:
# the same listing row comes in several exports, so records are counted by their own key.
_NAMES_SEEN = """
    select fei, firm_name as name, '483' as source,
           coalesce(date_issued, inspection_end) as seen, 'inspection ' || id as record
    from inspections where fei is not null and firm_name is not null
    union all
    select fei, legal_name, 'listing', coalesce(record_date, publish_date),
           '483 ' || coalesce(media_id, url, record_id, source_file || ':' || source_row)
    from published_483s where fei is not null and legal_name != ''
    union all
    select fei, legal_name, 'listing', action_date,
           coalesce(action_type, '') || ' ' || coalesce(action_date, '') || ' ' || coalesce(case_id, '')
    from compliance_actions where fei is not null and legal_name != ''
"""


def refresh_facilities(db: Database) -> None:
    """Facilities as the 483s and FDA's listings describe them, and every name each was seen under.

    Derived data, rewritten each build and import: a facility's address is that of its latest
    483, or for a facility known only from the listings the state and country of its latest
    compliance action; the registry's site (company_facilities) fills in a city, state or
    country nothing else gave. Its name is the latest it was seen under anywhere (listings
    carry later names of a firm; on the same day the 483's spelling wins). Facilities nothing
    refers to any more are removed; those a listing refers to stay, with or without a 483.
    """
    db.execute(f"insert or ignore into facilities (fei) {_REFERENCED_FEIS}")
    db.execute("delete from facility_names")
    db.execute(f"delete from facilities where fei not in ({_REFERENCED_FEIS})")
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
    _refresh_listed_only_facilities(db)
    # The registry's own knowledge of a site, where neither a 483 nor a listing gave it.
    db.execute(
        """
        update facilities set
            city = coalesce(facilities.city, cf.city),
            state = coalesce(facilities.state, cf.state),
            country = coalesce(facilities.country, cf.country)
        from (select fei, city, state, country from company_facilities where fei is not null) cf
        where cf.fei = facilities.fei
          and (facilities.city is null or facilities.state is null or facilities.country is null)
        """
    )
    db.execute(
        f"""
        insert into facility_names (fei, source, name, first_seen, last_seen, records)
        select fei, source, name, min(seen), max(seen), count(distinct record)
        from ({_NAMES_SEEN}) group by fei, source, name
        """
    )
    db.execute(
        """
        update facilities set name = (
            select n.name from facility_names n where n.fei = facilities.fei
            order by n.last_seen desc nulls last, n.source = '483' desc, n.records desc, n.name limit 1
        )
        where fei in (select fei from facility_names)
        """
    )


def _refresh_listed_only_facilities(db: Database) -> None:
    """State and country of facilities no 483 was read for, from their compliance actions."""
    rows = db.execute(
        """
        with placed as (
            select fei, state, country,
                   row_number() over (partition by fei order by action_date desc, source_file, source_row) as r
            from compliance_actions where fei is not null
        )
        select f.fei, placed.state, placed.country
        from facilities f
        left join placed on placed.fei = f.fei and placed.r = 1
        where f.fei not in (select fei from inspections where fei is not null)
        """
    ).fetchall()
    db.execute(
        """update facilities set inspections = 0, first_inspected = null, last_inspected = null
           where fei not in (select fei from inspections where fei is not null)"""
    )
    updates = []
    for fei, state, country in rows:
        # FDA's compliance list spells US states out ("Arizona"); the 483s print codes.
        if country == "US":
            state = us_state_code(state) or state
        updates.append((state, country, fei))
    db.conn.executemany(
        """update facilities set street_address = null, city = null, state = ?, postal_code = null,
           country = ? where fei = ?""",
        updates,
    )
