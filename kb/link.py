"""Facilities, companies and who makes what for whom.

The registry (data/companies.yml, curated by people) is the source of truth for companies and
contract-manufacturing relationships: `sync_registry` replaces its tables wholesale from the
YAML each time, so a rebuild never drops or keeps stale curated facts. `link_facilities` then
ties every facility to the company that owns it, by the registry's FEIs first and then by the
names the facility was seen under (kb/names.py), and records how each link was made and how
sure it is; a facility that matches nothing, or two companies equally, stays unlinked.

`relink(db, registry)` runs every step in order; the build and `fda483 import-listing` call it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein
from sqlite_utils import Database

from . import store
from .geo import LOCATOR, locate
from .listings_store import refresh_document_media
from .names import company_for_fei, match_company
from .registry import Registry

# An FEI read from a page that differs from the listing's FEI for the same document by this
# many digits or fewer is an OCR slip ("301430783" for "3014307835"); more is a conflict to
# report, not to repair.
FEI_SLIP = 2

_REGISTRY_TABLES = ("cmo_relationships", "company_sources", "company_facilities", "company_names", "companies")
_LINK_COLUMNS = ("company_id", "link_method", "link_score", "link_matched_name", "link_registry_name")


@dataclass
class LinkReport:
    """What a relink did: counts for the command's summary, and problems worth a person's look."""

    facilities: int = 0
    linked: dict[str, int] = field(default_factory=dict)  # link method -> facilities
    unlinked: int = 0
    fei_corrections: list[str] = field(default_factory=list)
    fei_conflicts: list[str] = field(default_factory=list)


def sync_registry(db: Database, registry: Registry, places: Places) -> None:
    """Replace the registry's tables (companies, company_names, company_sources,
    company_facilities, cmo_relationships) with what `registry` holds."""
    with db.atomic():
        # Parents may come after their children in the file, and facilities keep pointing at
        # companies while they are replaced: check foreign keys when the transaction commits.
        db.execute("PRAGMA defer_foreign_keys = ON")
        ids = list(registry.companies)
        marks = ", ".join("?" for _ in ids) or "null"
        db.execute(
            f"update facilities set {', '.join(c + ' = null' for c in _LINK_COLUMNS)} "
            f"where company_id is not null and company_id not in ({marks})",
            ids,
        )
        for table in _REGISTRY_TABLES:
            db.execute(f"delete from [{table}]")
        companies = list(registry.companies.values())
        db["companies"].insert_all(
            {
                "id": c.id,
                "name": c.name,
                "kind": c.kind,
                "parent_id": c.parent,
                "country": c.country,
                "supplies": json.dumps(list(c.supplies)),
                "product_types": json.dumps(list(c.product_types)),
                "fictional": int(c.fictional),
                "note": c.note,
            }
            for c in companies
        )
        names = []
        for c in companies:
            names.append({"company_id": c.id, "name": c.name, "role": "name", "year": None})
            names += [{"company_id": c.id, "name": f.name, "role": "former", "year": f.year} for f in c.former_names]
            names += [{"company_id": c.id, "name": a, "role": "alias", "year": None} for a in c.aliases]
            names += [{"company_id": c.id, "name": s, "role": "stem", "year": None} for s in c.name_stems]
        # A name can stand twice in one role (an alias that is also the name); the first stays.
        db["company_names"].insert_all(names, ignore=True)
        db["company_sources"].insert_all(
            {"company_id": c.id, "position": n, "fact": s.fact, "publication": s.publication,
             "date": s.date, "title": s.title, "url": s.url}
            for c in companies
            for n, s in enumerate(c.sources, start=1)
        )
        sites = []
        for c in companies:
            for n, f in enumerate(c.facilities, start=1):
                where = places(f.city, f.state, f.country)
                sites.append({"company_id": c.id, "position": n, "fei": f.fei, "name": f.name, "city": f.city,
                              "state": f.state, "country": f.country,
                              "latitude": where[0] if where else None, "longitude": where[1] if where else None})
        db["company_facilities"].insert_all(sites)
        db["cmo_relationships"].insert_all(
            {
                "id": n,
                "client_id": r.client,
                "cmo_id": r.contract_manufacturer,
                "products": json.dumps(list(r.products)),
                "what": r.what,
                "since": r.since,
                "source_publication": r.source.publication if r.source else None,
                "source_date": r.source.date if r.source else None,
                "source_title": r.source.title if r.source else None,
                "source_url": r.source.url if r.source else None,
                "note": r.note,
                "fictional": int(r.fictional),
            }
            for n, r in enumerate(registry.relationships, start=1)
        )


def reconcile_feis(db: Database, report: LinkReport | None = None) -> None:
    """Where FDA's published-483 listing has a row for a document (same media id), take the
    listing's FEI for its inspection when the page's FEI is missing or an OCR slip of it.

    The FEI read from the page stays in inspections.fei_read; inspections.fei_source says which
    one inspections.fei holds. Recomputed from fei_read each time, so removing a listing puts
    the page's FEI back.
    """
    report = report or LinkReport()
    listed = {
        row[0]: row[1:]
        for row in db.execute(
            """
            select i.id, group_concat(distinct p.fei), group_concat(distinct dm.media_id)
            from inspections i
            join document_media dm on dm.document_id = i.document_id
            join published_483s p on p.media_id = dm.media_id and p.fei is not null
            group by i.id
            """
        )
    }
    rows = db.execute(
        """select i.id, i.fei, i.fei_read, i.fei_source, i.firm_name, d.file_name
           from inspections i join documents d on d.id = i.document_id"""
    ).fetchall()
    for insp_id, fei, read, source, firm_name, file_name in rows:
        want, want_source = read, ("page" if read else None)
        if insp_id in listed:
            feis, media = listed[insp_id]
            candidates = feis.split(",")
            if len(candidates) == 1 and candidates[0] != read:
                listing_fei = candidates[0]
                if read is None or Levenshtein.distance(read, listing_fei) <= FEI_SLIP:
                    want, want_source = listing_fei, "listing"
                    report.fei_corrections.append(
                        f"{file_name}: FEI {read or '(none)'} read from the page, {listing_fei} in FDA's "
                        f"listing of media {media}: took the listing's"
                    )
                else:
                    report.fei_conflicts.append(
                        f"{file_name}: FEI {read} read from the page, {listing_fei} in FDA's listing of "
                        f"media {media}: kept the page's"
                    )
            elif len(candidates) > 1:
                report.fei_conflicts.append(f"{file_name}: FDA's listing of media {media} gives FEIs {feis}")
        if (want, want_source) != (fei, source):
            if want:
                store.ensure_facility(db, want, firm_name)
            db.execute("update inspections set fei = ?, fei_source = ? where id = ?", [want, want_source, insp_id])


def link_facilities(db: Database, registry: Registry, report: LinkReport | None = None) -> None:
    """Link every facility to its registry company: by FEI (the registry's sites), else by
    `match_company` on every name the facility was seen under, with its country.

    Stores company_id, link_method (fei, alias, fuzzy; "ambiguous" when names point at two
    companies equally), link_score, link_matched_name (the facility's name that matched) and
    link_registry_name (the registry's site, name or stem it matched). Unmatched facilities
    are left with nulls, to be listed by the unlinked_facilities view.
    """
    report = report or LinkReport()
    sites = {f.fei: f.name for _, f in registry.facilities() if f.fei}
    names: dict[str, list[str]] = {}
    for fei, name in db.execute(
        "select fei, name from facility_names order by fei, last_seen desc, source, name"
    ):
        if name not in names.setdefault(fei, []):
            names[fei].append(name)
    updates = []
    for fei, country in db.execute("select fei, country from facilities order by fei").fetchall():
        link: tuple = (None, None, None, None, None)
        company_id = company_for_fei(fei, registry)
        if company_id:
            link = (company_id, "fei", 100.0, None, sites[fei])
        else:
            matches = [(m, name) for name in names.get(fei, []) if (m := match_company(name, country, registry))]
            if matches:
                best = max(m.score for m, _ in matches)
                top = [(m, name) for m, name in matches if m.score == best]
                companies = sorted({m.company_id for m, _ in top})
                m, name = top[0]  # the most recently seen name among the best
                if len(companies) == 1:
                    link = (m.company_id, m.method, m.score, name, m.matched)
                else:
                    link = (None, "ambiguous", best, name, ", ".join(companies))
        method = link[1] or "unlinked"
        report.linked[method] = report.linked.get(method, 0) + 1
        report.facilities += 1
        updates.append((*link, fei))
    report.unlinked = report.linked.pop("unlinked", 0) + report.linked.pop("ambiguous", 0)
    db.conn.executemany(
        f"update facilities set {', '.join(c + ' = ?' for c in _LINK_COLUMNS)} where fei = ?", updates
    )


class Places:
    """`locate()`, remembered in the `_places` table: a rebuild that meets no new place does not
    open the city index (which takes seconds to make on a machine's first run, or on every run
    without a cache directory). Call `save()` to keep what was new."""

    def __init__(self, db: Database):
        self.db = db
        self.known = {
            (city, state, country): (lat, lon) if lat is not None else None
            for city, state, country, lat, lon in db.execute(
                "select city, state, country, latitude, longitude from _places where placed_by = ?", [LOCATOR])
        }
        self.new: list[dict] = []

    def __call__(self, city: str | None, state: str | None, country: str | None) -> tuple[float, float] | None:
        if not city:
            return None
        key = (city, state or "", country or "")
        if key not in self.known:
            where = self.known[key] = locate(city, state, country)
            self.new.append({"city": key[0], "state": key[1], "country": key[2], "latitude": where[0] if where else None,
                             "longitude": where[1] if where else None, "placed_by": LOCATOR})
        return self.known[key]

    def save(self) -> None:
        if self.new:
            self.db["_places"].upsert_all(self.new, pk=("city", "state", "country"))
            self.new = []


def geocode_facilities(db: Database, places: Places) -> None:
    """City-level latitude and longitude for every facility whose city can be placed (kb/geo.py,
    offline); null where it cannot."""
    rows = db.execute("select fei, city, state, country, latitude, longitude from facilities").fetchall()
    updates = []
    for fei, city, state, country, lat, lon in rows:
        where = places(city, state, country)
        new = where if where else (None, None)
        if new != (lat, lon):
            updates.append((*new, fei))
    db.conn.executemany("update facilities set latitude = ?, longitude = ? where fei = ?", updates)


def relink(db: Database, registry: Registry) -> LinkReport:
    """Every derived link, in order, in one transaction: the registry's tables, documents' media
    ids from their file names, FEIs checked against the listing, facilities and their names,
    company links, coordinates."""
    report = LinkReport()
    with db.atomic():
        places = Places(db)
        sync_registry(db, registry, places)
        refresh_document_media(db)
        reconcile_feis(db, report)
        store.refresh_facilities(db)
        link_facilities(db, registry, report)
        geocode_facilities(db, places)
        places.save()
    return report
