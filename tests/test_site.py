"""The published site, page by page, through the real `fda483 serve --get` (Datasette renders the
page with no server) on the bundled samples built by the real `fda483 build`.

Classification (cfr, categories) is filled by classify/, which may not label anything yet: tests
of category and CFR queries compute what to expect from the database itself, so they hold whether
the columns are empty or filled, and fail if a query drops or invents rows.
"""
from __future__ import annotations

import html as html_lib
import json
import re
from markupsafe import escape as html_escape
import shutil
import sqlite3
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kb.cli import cli
from kb.site import METADATA

ROOT = Path(__file__).resolve().parents[1]
ATOM = "{http://www.w3.org/2005/Atom}"
GREENVILLE = "9990000011"  # the Northwind site with three 483s: 2019 (as Harbor), 2022, 2025


def serve_get(db, path):
    result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--get", path])
    return result


def page(db, path):
    result = serve_get(db, path)
    assert result.exit_code == 0, f"{path}: {result.output[-2000:]}"
    return result.stdout


def rows(db, path):
    """A query or table path's rows as dicts (its .json with _shape=array)."""
    base, _, qs = path.partition("?")
    if not base.endswith(".json"):
        base += ".json"
    return json.loads(page(db, base + "?" + "&".join(p for p in [qs, "_shape=array"] if p)))


def query(db_path, sql, params=()):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def metadata():
    return yaml.safe_load(METADATA.read_text())


# -- home, tables and descriptions ---------------------------------------------------------------

def test_home_page_offers_search_and_the_questions(site_db):
    html = page(site_db, "/")
    assert "FDA 483 findings" in html
    assert 'action="/fda483/search_observations"' in html
    assert 'action="/fda483/facilities"' in html
    for href in ["/-/dashboards/findings", "/fda483/category_findings", "/fda483/category_trend",
                 "/fda483/most_cited_cfr", "/fda483/repeat_observations", "/fda483/new_observations",
                 "/fda483/classifier_by_category", "/fda483/review_queue"]:
        assert f'href="{href}' in html, href


def test_every_table_and_column_people_see_is_described(site_db):
    tables = metadata()["databases"]["fda483"]["tables"]
    conn = sqlite3.connect(site_db)
    shown = conn.execute(
        "select name, type from sqlite_master where type in ('table', 'view') and name not like '%_fts%' "
        "and name not like 'sqlite_%'"
    ).fetchall()
    # Bookkeeping tables and helper views start with _ (STYLE.md): the tables are hidden.
    for name, kind in shown:
        if name.startswith("_") and kind == "table":
            assert tables.get(name, {}).get("hidden") is True, f"{name} is bookkeeping: hide it"
    visible = [name for name, _ in shown if not name.startswith("_")]
    for name in visible:
        assert tables.get(name, {}).get("description"), f"{name} has no description"
        columns = [r[1] for r in conn.execute(f"pragma table_info([{name}])")]
        missing = set(columns) - set(tables[name].get("columns", {}))
        assert not missing, f"{name}: no description for {sorted(missing)}"


def test_findings_view_has_the_facets_people_filter_by(site_db):
    data = json.loads(page(site_db, "/fda483/findings.json"))
    facets = set(data["facet_results"])
    assert {"primary_category", "cfr", "year", "country", "establishment_type", "repeat"} <= facets
    years = {r["value"]: r["count"] for r in data["facet_results"]["year"]["results"]}
    expected = {r["year"]: r["n"] for r in query(site_db, "select i.year, count(*) as n from observations o "
                                                          "join inspections i on i.id = o.inspection_id group by i.year")}
    assert years == expected
    category_facets = set(json.loads(page(site_db, "/fda483/category_findings.json"))["facet_results"])
    assert {"category", "system", "year", "country", "establishment_type", "cfr", "repeat"} <= category_facets


def test_findings_view_searches_observation_text(site_db):
    found = rows(site_db, "/fda483/findings?_search=stopper")
    expected = query(site_db, "select id from observations where text like '%stopper%'")
    # FTS matches whole words; 'stopper' is not 'stoppers' or 'stoppering'
    expected_ids = {r["id"] for r in expected
                    if re.search(r"\bstopper\b", query(site_db, "select text from observations where id = ?",
                                                        [r["id"]])[0]["text"], re.I)}
    assert {r["observation_id"] for r in found} == expected_ids and expected_ids


# -- canned queries ------------------------------------------------------------------------------

def words_in(text, *words):
    return all(re.search(rf"\b{w}\b", text, re.I) for w in words)


def test_search_observations_finds_every_observation_with_the_words(site_db):
    found = rows(site_db, "/fda483/search_observations?q=media+fill&firm=")
    every = query(site_db, "select id, citation, text from observations")
    expected = {o["id"] for o in every if words_in(o["citation"] + " " + o["text"], "media", "fill")}
    assert {r["observation_id"] for r in found} == expected
    assert len(expected) == 4  # the four samples that discuss media fills
    for r in found:
        assert "<mark>media</mark>" in r["snippet"].lower() or "<mark>fill</mark>" in r["snippet"].lower()
        assert r["document_id"] and r["page"]


def test_search_page_highlights_and_links_to_the_pdf_page(site_db):
    html = page(site_db, "/fda483/search_observations?q=stopper&firm=")
    assert "<mark>stopper</mark>" in html.lower()
    harbor = query(site_db, "select id, document_id, page_start from observations where inspection_id = "
                            "(select id from inspections where firm_name like 'Harbor%') and number = 3")[0]
    assert f'href="/-/pdf/{harbor["document_id"]}#page={harbor["page_start"]}"' in html
    assert f'href="/fda483/observations/{harbor["id"]}"' in html


def first_page_with(db_path, observation_id, word):
    """The page of an observation where `word` first appears, read from the page texts: on its
    first page only from its OBSERVATION heading on, on its last page only up to the next one."""
    o = query(db_path, "select document_id, number, page_start, page_end from observations where id = ?",
              [observation_id])[0]
    for p in query(db_path, "select number, text from pages where document_id = ? and number between ? and ? "
                            "order by number", [o["document_id"], o["page_start"], o["page_end"]]):
        text = p["text"]
        if p["number"] == o["page_start"]:
            text = text[max(0, text.upper().find(f"OBSERVATION {o['number']}")):]
        if p["number"] == o["page_end"] and f"OBSERVATION {o['number'] + 1}" in text.upper():
            text = text[:text.upper().find(f"OBSERVATION {o['number'] + 1}")]
        if word in text.lower():
            return p["number"]
    return o["page_start"]


def test_search_links_to_the_page_where_the_word_is(site_db):
    found = rows(site_db, "/fda483/search_observations?q=stopper&firm=")
    assert found
    for r in found:
        assert r["page"] == first_page_with(site_db, r["observation_id"], "stopper"), r
    # an observation over three pages whose stoppers are on its second: the link opens page 2
    spans = [r for r in found if r["page"] != query(site_db, "select page_start from observations where id = ?",
                                                       [r["observation_id"]])[0]["page_start"]]
    assert spans, "no search hit lies beyond its observation's first page"


def test_search_narrows_to_a_firm(site_db):
    found = rows(site_db, "/fda483/search_observations?q=media+fill&firm=northwind")
    assert found and all(r["firm_name"].startswith("Northwind") for r in found)


@pytest.mark.parametrize("q", ['out-of-specification', '"media fill', "", '"', "AND OR NOT *"])
def test_search_reads_what_people_type_as_words_not_syntax(site_db, q):
    # FTS5 syntax errors would be an error page; an empty search finds nothing.
    found = rows(site_db, "/fda483/search_observations?" + urllib.parse.urlencode({"q": q, "firm": ""}))
    if not q:
        assert found == []


def test_phrase_search(site_db):
    found = rows(site_db, "/fda483/search_observations?" + urllib.parse.urlencode({"q": '"media fill"', "firm": ""}))
    every = query(site_db, "select id, citation, text from observations")
    expected = {o["id"] for o in every if re.search(r"\bmedia fill\b", o["citation"] + " " + o["text"], re.I)}
    assert {r["observation_id"] for r in found} == expected and expected


@pytest.mark.parametrize("year", ["", "2022", "2024"])
def test_most_cited_cfr_provisions_by_year(site_db, year):
    found = rows(site_db, f"/fda483/most_cited_cfr?year={year}")
    counts = defaultdict(Counter)
    for r in query(site_db, "select i.year, o.cfr from observations o join inspections i on i.id = o.inspection_id "
                            "where o.cfr is not null and i.year is not null"):
        if not year or r["year"] == int(year):
            counts[r["year"]][r["cfr"]] += 1
    expected = set()
    for y, c in counts.items():
        for cfr, n in c.items():
            rank = 1 + sum(1 for m in c.values() if m > n)
            if rank <= 10:
                expected.add((y, rank, cfr, n))
    assert {(r["year"], r["rank"], r["cfr"], r["observations"]) for r in found} == expected


def test_repeat_observations(site_db):
    found = rows(site_db, "/fda483/repeat_observations?category=")
    got = {(r["firm_name"], r["year"], r["number"]): r for r in found}
    # The samples mark two repeats at the Greenville site: 2022 observation 3 and 2025 observation 2.
    assert set(got) == {("Northwind Sterile Solutions, Inc.", 2022, 3), ("Northwind Sterile Solutions, Inc.", 2025, 2)}
    assert got[("Northwind Sterile Solutions, Inc.", 2022, 3)]["earlier_483s"] == "2019"
    assert got[("Northwind Sterile Solutions, Inc.", 2025, 2)]["earlier_483s"] == "2019, 2022"
    assert all(r["fei"] == GREENVILLE and r["repeat_note"] for r in found)


def test_repeat_observations_in_a_category(site_db):
    found = rows(site_db, "/fda483/repeat_observations?category=environmental_monitoring")
    expected = query(site_db, """
        select distinct o.id from observations o left join observation_categories oc on oc.observation_id = o.id
        where o.repeat = 1 and (o.primary_category = 'environmental_monitoring' or oc.category = 'environmental_monitoring')
    """)
    assert {r["observation_id"] for r in found} == {r["id"] for r in expected}


@pytest.mark.parametrize("category", ["", "environmental_monitoring"])
def test_category_trend(site_db, category):
    found = rows(site_db, f"/fda483/category_trend?category={category}")
    per_year = Counter(r["year"] for r in query(site_db, "select year from inspections where year is not null"))
    expected = set()
    for r in query(site_db, "select category, year, inspections from category_trends"):
        if not category or r["category"] == category:
            expected.add((r["category"], r["year"], r["inspections"], round(100.0 * r["inspections"] / per_year[r["year"]], 1)))
    assert {(r["category"], r["year"], r["inspections"], r["percent_of_483s"]) for r in found} == expected


def test_new_observations_feed(site_db):
    feed = ET.fromstring(page(site_db, "/fda483/new_observations.atom?category=").encode())
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == min(100, len(query(site_db, "select id from observations")))
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("urn:fda483:") for i in ids)
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert feed.findtext(f"{ATOM}updated") == updated[0]
    first = entries[0]
    assert first.find(f"{ATOM}content").get("type") == "text"
    assert re.fullmatch(r"http://localhost/fda483/observations/\d+", first.find(f"{ATOM}link").get("href"))


def test_new_observations_page_offers_the_feed(site_db):
    # (Datasette offers its formats only for a result with rows: the unfiltered feed here.)
    html = page(site_db, "/fda483/new_observations?category=")
    assert '<a href="/fda483/new_observations.atom?category=">atom</a>' in html


def test_feed_for_a_category_with_nothing_yet_is_a_valid_empty_feed(site_db):
    # Regression: datasette-atom 0.9 answers a query with no rows with HTTP 500.
    codes = {r["code"] for r in query(site_db, "select code from categories")}
    used = {r["category"] for r in query(site_db, "select distinct category from observation_categories")}
    used |= {r["c"] for r in query(site_db, "select distinct primary_category as c from observations where c is not null")}
    empty = sorted(codes - used)
    assert empty, "every category has observations; pick another empty case"
    feed = ET.fromstring(page(site_db, f"/fda483/new_observations.atom?category={empty[0]}").encode())
    assert feed.findall(f"{ATOM}entry") == []
    assert feed.findtext(f"{ATOM}title") == f"New observations in a category: {empty[0]}"
    assert feed.findtext(f"{ATOM}updated")


def test_every_canned_query_has_a_title_a_description_and_runs(site_db):
    queries = metadata()["databases"]["fda483"]["queries"]
    for name, q in queries.items():
        assert q.get("title") and q.get("description"), name
        params = sorted(set(re.findall(r":(\w+)", q["sql"])))
        path = f"/fda483/{name}?" + urllib.parse.urlencode({p: "" for p in params})
        assert serve_get(site_db, path).exit_code == 0, path


# -- reading pages -------------------------------------------------------------------------------

def harbor_observation(site_db, number):
    return query(site_db, """
        select o.* from observations o join inspections i on i.id = o.inspection_id
        where i.firm_name like 'Harbor%' and o.number = ?""", [number])[0]


def test_observation_page_reads_in_full(site_db):
    o = harbor_observation(site_db, 3)  # the stopper observation, on the scanned page 2
    html = page(site_db, f"/fda483/observations/{o['id']}")
    assert "<title>Observation 3: Harbor Parenteral Services LLC</title>" in html
    text = html.replace("&#39;", "'").replace("&amp;", "&")
    assert o["citation"] in text
    body = o["text"][len(o["citation"]):].strip()
    assert body in text  # the whole text, not a truncated cell
    assert f'href="/-/pdf/{o["document_id"]}#page=2">Open the PDF at page 2</a>' in html
    assert f'href="/fda483/facilities/{GREENVILLE}"' in html
    assert f'href="/fda483/inspections/{o["inspection_id"]}"' in html
    categories = query(site_db, "select c.name from observation_categories oc join categories c on c.code = oc.category "
                                "where oc.observation_id = ?", [o["id"]])
    if categories:
        for c in categories:
            assert f">{c['name']}</a>" in html
    else:
        assert "Not classified yet." in html
    if o["cfr"]:
        assert f"21 CFR {o['cfr']}" in html
    # previous and next observations of the same 483
    assert ">&larr; Observation 2</a>" in html and ">Observation 4 &rarr;</a>" in html


def test_categories_say_how_well_the_classifier_finds_them(site_db):
    """The categories table carries the shipped model's cross-validated figures per category, and a
    category chip the model gave says them when hovered; one a citation or a reviewer gave does not."""
    from classify.model import load

    cv = load().sidecar["cross_validation"]
    table = {r["code"]: r for r in rows(site_db, "/fda483/categories")}
    for code, m in cv["by_category"].items():
        r = table[code]
        assert (r["classifier_precision"], r["classifier_recall"], r["classifier_f1"]) == (
            m["precision"], m["recall"], m["f1"])
        assert r["classifier_support"] == m["tp"] + m["fn"]
        assert r["classifier_measured"].startswith(cv["method"])
    chips = query(site_db, """
        select oc.observation_id, oc.method, c.name, c.classifier_precision, c.classifier_recall, c.classifier_support
        from observation_categories oc join categories c on c.code = oc.category
        join observations o on o.id = oc.observation_id where oc.category != o.primary_category""")
    by_method = {c["method"]: c for c in chips}
    assert "model" in by_method, "the samples' classification has no category the model gave"
    for method, c in by_method.items():
        html = html_lib.unescape(page(site_db, f"/fda483/observations/{c['observation_id']}"))
        said = (f"whose calls of {c['name']} were right {100 * c['classifier_precision']:.0f}% of the time, finding "
                f"{100 * c['classifier_recall']:.0f}% of the observations people put in it "
                f"(cross-validated over {c['classifier_support']})")
        assert (said in html) == (method == "model"), method


def test_observation_page_marks_a_repeat(site_db):
    o = query(site_db, "select * from observations where repeat = 1 limit 1")[0]
    html = page(site_db, f"/fda483/observations/{o['id']}")
    assert "Repeat observation" in html and o["repeat_note"] in html


def test_facility_page_lists_its_483s_and_what_followed(site_db):
    html = page(site_db, f"/fda483/facilities/{GREENVILLE}")
    inspections = query(site_db, "select id, date_issued from inspections where fei = ? order by date_issued", [GREENVILLE])
    assert [i["date_issued"] for i in inspections] == ["2019-03-22", "2022-05-13", "2025-06-20"]
    positions = [html.index(f"Form 483 issued {i['date_issued']}") for i in inspections]
    assert positions == sorted(positions, reverse=True)  # newest first
    for i in inspections:
        assert f'href="/fda483/inspections/{i["id"]}"' in html
    # each earlier 483 says what followed it
    assert f'<a href="/fda483/inspections/{inspections[1]["id"]}">483 on 2022-05-13</a>' in html
    assert f'<a href="/fda483/inspections/{inspections[2]["id"]}">483 on 2025-06-20</a>' in html
    assert "No compliance action FDA lists, and no later 483 for this site" in html
    assert "Also named on earlier 483s: Harbor Parenteral Services LLC" in html
    n_obs = query(site_db, "select count(*) as n from observations o join inspections i on i.id = o.inspection_id "
                           "where i.fei = ?", [GREENVILLE])[0]["n"]
    assert len(re.findall(r'href="/fda483/observations/\d+"><strong>Observation', html)) == n_obs


def test_facility_page_says_which_compliance_action_followed_a_483(real_kb_listed):
    # The samples' fictional sites have no compliance actions; the real 483s and FDA's lists do.
    db_path, _ = real_kb_listed
    followed = query(db_path, "select * from inspections_followed_by_action where inspection_id is not null")
    assert followed, "no 483 read from ../shared is followed by an action FDA lists"
    a = followed[0]
    html = page(db_path, f"/fda483/facilities/{a['fei']}")
    assert f'<span class="kb-badge">{a["action_type"]}</span> {a["action_date"]},' in html
    assert f"{a['months_after']:.0f} months after this 483" in html
    # and FDA's own record of the action is listed with the site's history
    assert f"<strong>{a['action_type']}</strong> {a['action_date']}" in html


def test_inspection_page(site_db):
    i = query(site_db, "select * from inspections where fei = ? and date_issued = '2022-05-13'", [GREENVILLE])[0]
    html = page(site_db, f"/fda483/inspections/{i['id']}")
    assert "Form 483 issued to Northwind Sterile Solutions, Inc., 2022-05-13" in html
    assert html.count('<strong>Observation') == i["observation_count"] == 6
    assert "Before: <a" in html and "After: <a" in html
    investigators = query(site_db, "select v.name from inspection_investigators ii join investigators v "
                                   "on v.id = ii.investigator_id where ii.inspection_id = ?", [i["id"]])
    assert investigators and all(v["name"] in html for v in investigators)
    assert f"Inspected {i['inspection_start']} to {i['inspection_end']}" in html


def test_a_day_ocr_could_not_read_is_said_so(site_db, tmp_path):
    db = tmp_path / site_db.name
    shutil.copy(site_db, db)
    i = query(db, "select * from inspections where fei = ? and date_issued = '2022-05-13'", [GREENVILLE])[0]
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("update inspections set inspection_start = null where id = ?", [i["id"]])
    conn.close()
    for path in (f"/fda483/inspections/{i['id']}", f"/fda483/facilities/{GREENVILLE}"):
        html = page(db, path)
        assert f"Inspected until {i['inspection_end']} (first day unreadable)" in html
        assert "Inspected None" not in html


def test_other_row_pages_are_datasettes_own(site_db):
    html = page(site_db, "/fda483/categories/aseptic_processing")
    assert '<details class="kb-all-columns">' not in html and "Aseptic processing" in html


# -- views and queries link what they name ------------------------------------------------------

def test_observations_table_links_each_to_its_pdf_page(site_db):
    # Regression: on table pages document_id arrives as {"value", "label"}; int() of it was a 500.
    html = page(site_db, "/fda483/observations?_size=50")
    for o in query(site_db, "select document_id, page_start from observations"):
        assert f'href="/-/pdf/{o["document_id"]}#page={o["page_start"]}"' in html


def test_views_link_observations_facilities_and_pdf_pages(site_db):
    html = page(site_db, "/fda483/findings?_size=5")
    assert re.search(r'<a href="/fda483/observations/\d+">\d+</a>', html)
    assert f'<a href="/fda483/facilities/' in html
    assert re.search(r'<a class="kb-pdf" href="/-/pdf/\d+#page=\d+">PDF p\. \d+</a>', html)


# -- the dashboard and the map ------------------------------------------------------------------

def dashboard():
    return metadata()["plugins"]["datasette-dashboards"]["findings"]


def test_dashboard_page(site_db):
    html = page(site_db, "/-/dashboards/findings")
    for chart in dashboard()["charts"].values():
        assert str(html_escape(chart["title"])) in html
    # the category filter offers every category
    for r in query(site_db, "select code from categories"):
        assert f'value="{r["code"]}"' in html


FILTER_VALUES = {"category": "aseptic_processing", "year": "2022", "establishment_type": "Sterile Drug Manufacturer",
                 "country": "US"}


@pytest.mark.parametrize("filters", [{}, FILTER_VALUES], ids=["unfiltered", "filtered"])
def test_every_dashboard_chart_query_runs(site_db, filters):
    # The browser runs each chart's SQL through the JSON API after the plugin fills in the filters;
    # do the same, with the plugin's own substitution, so a typo in metadata.yml fails here.
    from datasette_dashboards import replace_opts_in_query

    results = {}
    for slug, chart in dashboard()["charts"].items():
        sql = replace_opts_in_query(chart["query"], filters)
        assert "[[" not in sql, f"{slug}: an optional clause was not recognised"
        results[slug] = rows(site_db, "/fda483.json?" + urllib.parse.urlencode({"sql": sql, **filters}))
    if not filters:
        assert results["observations-count"] == [{"n": 36}]
        assert results["inspections-count"] == [{"n": 7}]
        assert results["facilities-count"] == [{"n": 5}]
        assert results["repeats-count"] == [{"n": 2}]
        assert {r["country"]: r["observations"] for r in results["by-country"]} == {"US": 26, "NL": 5, "IN": 5}


def test_dashboard_names_the_system_of_observations_outside_the_six(real_kb_listed):
    # "other" (Part 211 does not cover it) belongs to no FDA system: its bar is named, not "null"
    from datasette_dashboards import replace_opts_in_query

    db_path, _ = real_kb_listed
    assert query(db_path, "select count(*) n from observations where primary_category = 'other'")[0]["n"]
    sql = replace_opts_in_query(dashboard()["charts"]["by-system"]["query"], {})
    bars = {r["system"]: r["observations"] for r in rows(db_path, "/fda483.json?" + urllib.parse.urlencode({"sql": sql}))}
    assert None not in bars
    assert bars["None (outside the six systems)"] == query(
        db_path, "select count(*) n from observations o join categories c on c.code = o.primary_category "
        "where c.system is null")[0]["n"]
    assert sum(bars.values()) == query(db_path, "select count(*) n from observations")[0]["n"]


def test_facility_map(site_db):
    columns = {r["name"] for r in query(site_db, "pragma table_info(facilities)")}
    if not {"latitude", "longitude"} <= columns:
        pytest.skip("facilities.latitude/longitude arrive with the company and linking step")
    html = page(site_db, "/fda483/facilities")
    assert "datasette-cluster-map" in html
    placed = rows(site_db, "/fda483/facilities?latitude__notblank=1")
    assert placed and all(-90 <= r["latitude"] <= 90 and -180 <= r["longitude"] <= 180 for r in placed)


def test_cluster_map_plugin_draws_results_with_coordinates(site_db):
    # datasette-cluster-map on Datasette 0.65: it adds its map to any result with latitude and
    # longitude columns (here computed in the query: nothing is added to the database).
    html = page(site_db, "/fda483?" + urllib.parse.urlencode(
        {"sql": "select fei, name, 35.6 as latitude, -77.4 as longitude from facilities"}))
    assert "datasette-cluster-map" in html and "latitude" in html


# -- safe by default -----------------------------------------------------------------------------

def test_served_read_only_with_a_time_limit_and_no_download(site_db):
    settings = json.loads(page(site_db, "/-/settings.json"))
    assert settings["sql_time_limit_ms"] == 3000
    assert settings["allow_download"] is False
    databases = json.loads(page(site_db, "/-/databases.json"))
    assert [d["is_mutable"] for d in databases] == [False]
    assert serve_get(site_db, "/fda483.db").exit_code != 0


def test_no_write_plugins(site_db):
    plugins = {p["name"] for p in json.loads(page(site_db, "/-/plugins.json"))}
    assert plugins == {"cells.py", "feeds.py", "pages.py", "pdfs.py", "datasette-dashboards",
                       "datasette-cluster-map", "datasette-leaflet", "datasette-render-markdown"}


def test_writes_are_refused(site_db):
    sql = "update observations set text = 'x'"
    result = serve_get(site_db, "/fda483.json?" + urllib.parse.urlencode({"sql": sql}))
    assert result.exit_code != 0
    assert "Statement must be a SELECT" in result.stdout


def test_slow_queries_are_stopped(site_db):
    sql = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    result = serve_get(site_db, "/fda483.json?" + urllib.parse.urlencode({"sql": sql}))
    assert result.exit_code != 0
    assert "interrupted" in result.stdout.lower()


# -- the PDFs ------------------------------------------------------------------------------------

def test_pdf_served_inline_as_built(site_db, site_server):
    doc = query(site_db, "select id, path, file_name from documents where file_name like 'Harbor%'")[0]
    with urllib.request.urlopen(f"{site_server}/-/pdf/{doc['id']}") as response:
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == f'inline; filename="{doc["file_name"]}"'
        assert response.read() == Path(doc["path"]).read_bytes()


@pytest.mark.parametrize("path", ["/-/pdf/999", "/-/pdf/..%2F..%2Fetc%2Fpasswd", "/-/pdf/-1", "/-/pdf/1.0"])
def test_pdf_route_serves_nothing_else(site_db, path):
    assert serve_get(site_db, path).exit_code != 0


def test_pdf_not_served_when_failed_or_changed_since_the_build(tmp_path, samples):
    sample = samples[0]
    shutil.copy(sample, tmp_path / sample.name)
    (tmp_path / "not_a_483.pdf").write_text("a note, not a PDF")
    db = tmp_path / "fda483.db"
    result = CliRunner().invoke(cli, ["build", str(tmp_path), "--db", str(db)])
    assert result.exit_code == 0, result.output
    docs = {r["file_name"]: r for r in query(db, "select id, file_name, status from documents")}
    assert docs["not_a_483.pdf"]["status"] == "failed"
    failed = serve_get(db, f"/-/pdf/{docs['not_a_483.pdf']['id']}")
    assert failed.exit_code != 0 and "no built document" in failed.stdout
    ok = docs[sample.name]["id"]
    (tmp_path / sample.name).write_bytes(sample.read_bytes() + b"\n% appended after the build\n")
    changed = serve_get(db, f"/-/pdf/{ok}")
    assert changed.exit_code != 0 and "no longer the file that was built" in changed.stdout


def test_company_page_shows_its_sites_names_and_contract_work(site_db):
    html = page(site_db, "/fda483/companies/northwind-sterile-solutions")
    assert "Northwind Sterile Solutions" in html and "Fictional company" in html
    assert "Formerly Harbor Parenteral Services" in html
    for fei in ("9990000011", "9990000012"):
        assert f"/fda483/facilities/{fei}" in html
    assert "Calder Biologics" in html and "Caldermab" in html  # whom it makes products for
    client = page(site_db, "/fda483/companies/calder-biologics")
    assert "Its contract manufacturers" in client and "northwind-sterile-solutions" in client
    assert "client_exposure_by_category?client=calder-biologics" in client


def test_company_page_counts_what_was_found_by_category(site_db):
    html = page(site_db, "/fda483/companies/northwind-sterile-solutions")
    expected = query(site_db, """
        select oc.category, count(*) as n from observation_categories oc
        join observations o on o.id = oc.observation_id join inspections i on i.id = o.inspection_id
        where i.fei in ('9990000011', '9990000012') group by oc.category""")
    for row in expected:
        assert f"category={row['category']}" in html


def test_cmo_observations_lists_each_observation_once_per_category(site_db):
    got = rows(site_db, "/fda483/cmo_observations?_size=max")
    expected = query(site_db, """
        select count(*) as n from observation_categories oc join observations o on o.id = oc.observation_id
        join inspections i on i.id = o.inspection_id join facilities f on f.fei = i.fei
        join companies c on c.id = f.company_id
        where c.kind in ('cmo_only', 'cmo_hybrid_branded', 'cmo_hybrid_generics', 'cdmo')
           or c.id in (select cmo_id from cmo_relationships)""")[0]["n"]
    assert len(got) == expected
    # Northwind is a CDMO; Sarvam counts as a contract manufacturer because it supplies Calder's API
    assert {r["company_id"] for r in got} <= {"northwind-sterile-solutions", "sarvam-actives"}
    home = page(site_db, "/")
    assert "cmo_observations?category=aseptic_processing" in home


def test_long_citations_in_views_show_their_first_words_and_the_whole_on_hover(site_db):
    from kb.plugins.cells import CITATION_CHARS

    html = page(site_db, "/fda483/cmo_observations?_size=max")
    long = [r for r in rows(site_db, "/fda483/cmo_observations?_size=max") if len(r["citation"] or "") > CITATION_CHARS]
    assert long, "the samples have long citations at contract manufacturers"
    clipped = re.findall(r'<span class="kb-clipped" title="([^"]*)">([^<]*)…</span>', html)
    assert len(clipped) == len(long)
    for whole, shown in clipped:
        whole = html_lib.unescape(whole)
        assert whole.startswith(html_lib.unescape(shown)) and len(shown) <= CITATION_CHARS
    # the JSON and CSV keep the whole citation; the observation's own page shows it whole
    assert html_lib.unescape(clipped[0][0]) in {r["citation"] for r in long}
    obs = page(site_db, f"/fda483/observations/{long[0]['observation_id']}")
    assert html_lib.escape(long[0]["citation"], quote=False)[:200] in obs


def test_company_page_category_links_list_the_rows_it_counts(site_db):
    html = page(site_db, "/fda483/companies/northwind-sterile-solutions")
    counted = query(site_db, "select count(*) as n from company_observation_categories "
                             "where company_id = 'northwind-sterile-solutions' and category = 'aseptic_processing'")[0]["n"]
    assert f">{counted}<" in html.replace(" ", "")
    listed = rows(site_db, "/fda483/company_observation_categories?company_id=northwind-sterile-solutions"
                           "&category=aseptic_processing&_size=max")
    assert len(listed) == counted > 0
    assert "company_observation_categories?company_id=northwind-sterile-solutions&amp;category=aseptic_processing" in html
