"""Facilities, companies and contract manufacturers: the registry in the database, facilities
linked to companies, FDA's listings imported, and the views and canned queries over them.

Real parts throughout: the CLI through click's runner, SQLite files in tmp dirs, the bundled
samples, and (when ../shared is beside the project) the 23 real 483s and FDA's exports.
"""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rapidfuzz.distance import Levenshtein
from sqlite_utils import Database

from kb.cli import cli
from kb.link import FEI_SLIP
from kb.listings_store import MediaMappingError, media_ids_from_file_name, read_media_mapping
from kb.names import company_for_fei
from shared_paths import DASHBOARD, SHARED, gold_files, need, project_registry, provenance

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
REGISTRY = ROOT / "data" / "companies.yml"
NORTHWIND = "northwind-sterile-solutions"
GREENVILLE, LEIDEN = "9990000011", "9990000012"

REGISTRY_TABLES = ["companies", "company_names", "company_sources", "company_facilities", "cmo_relationships"]
LISTING_TABLES = ["published_483s", "compliance_actions", "_listing_files"]
LINK_TABLES = ["facilities", "facility_names", "document_media", "inspections"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def snapshot(db_path: Path, tables: list[str]) -> dict[str, list[tuple]]:
    db = Database(db_path)
    return {t: db.execute(f"select * from [{t}] order by {', '.join(db[t].pks)}").fetchall() for t in tables}


def rows(db_path: Path, sql: str, params=()) -> list[dict]:
    cursor = Database(db_path).execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def get_json(db_path: Path, path: str) -> list[dict]:
    """A page of the published site, rendered by `fda483 serve --get` with no server."""
    result = run("serve", "--db", db_path, "--get", path)
    assert result.exit_code == 0, f"{path}: {result.output[-800:]}"
    return json.loads(result.stdout)


def write_csv(path: Path, header: list[str], data: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(data)
    return path


PUBLISHED_HEADER = ["Record Date", "FEI Number", "Legal Name", "Record Type", "Publish Date", "Download", "Record ID"]
ACTIONS_HEADER = ["FEI Number", "Legal Name", "State", "Country/Area", "Product Type", "Action Taken Date",
                  "Action Type", "Case/Injunction ID"]


# --- The bundled samples ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def samples_kb(tmp_path_factory):
    """The bundled samples built once into fda483.db: (db path, build output)."""
    db_path = tmp_path_factory.mktemp("samples") / "fda483.db"
    result = run("build", SAMPLES, "--db", db_path)
    assert result.exit_code == 0, result.output
    return db_path, result.output


@pytest.fixture
def samples_copy(samples_kb, tmp_path):
    """A copy of the samples' database, for a test that writes."""
    db_path = tmp_path / "fda483.db"
    shutil.copy(samples_kb[0], db_path)
    return db_path


def test_every_sample_inspection_links_to_a_facility(samples_kb):
    db_path, output = samples_kb
    inspections = rows(db_path, "select i.fei, f.fei as facility from inspections i left join facilities f using (fei)")
    assert len(inspections) == len(list(SAMPLES.glob("*.pdf")))
    assert all(r["fei"] and r["facility"] == r["fei"] for r in inspections), inspections
    assert Database(db_path).execute("pragma foreign_key_check").fetchall() == []
    assert "unlinked: 1" in output  # Cedar Ridge, which the registry does not know


def test_northwind_sites_link_to_the_fictional_company_by_fei(samples_kb):
    db_path, _ = samples_kb
    sites = rows(db_path, "select fei, company_id, link_method, link_score, link_registry_name from facilities "
                          "where fei in (?, ?) order by fei", [GREENVILLE, LEIDEN])
    assert sites == [
        {"fei": GREENVILLE, "company_id": NORTHWIND, "link_method": "fei", "link_score": 100.0,
         "link_registry_name": "Northwind Sterile Solutions, Greenville"},
        {"fei": LEIDEN, "company_id": NORTHWIND, "link_method": "fei", "link_score": 100.0,
         "link_registry_name": "Northwind Sterile Solutions B.V."},
    ]


def test_the_2019_harbor_parenteral_483_is_a_name_of_northwinds_site(samples_kb):
    db_path, _ = samples_kb
    names = rows(db_path, "select name, source, first_seen, last_seen, records from facility_names "
                          "where fei = ? order by first_seen", [GREENVILLE])
    assert names[0] == {"name": "Harbor Parenteral Services LLC", "source": "483", "first_seen": "2019-03-22",
                        "last_seen": "2019-03-22", "records": 1}
    assert [n["name"] for n in names[1:]] == ["Northwind Sterile Solutions, Inc."]
    facility = Database(db_path)["facilities"].get(GREENVILLE)
    assert facility["company_id"] == NORTHWIND and facility["inspections"] == 3
    assert facility["name"] == "Northwind Sterile Solutions, Inc."  # the latest name it was seen under


def test_a_firm_the_registry_does_not_know_is_listed_not_guessed(samples_kb):
    db_path, _ = samples_kb
    unlinked = rows(db_path, "select fei, name, names_seen, inspections from unlinked_facilities")
    assert unlinked == [{"fei": "9990000041", "name": "Cedar Ridge Analytical Laboratories, Inc.",
                         "names_seen": "Cedar Ridge Analytical Laboratories, Inc.", "inspections": 1}]


def test_facilities_are_placed_at_their_city(samples_kb):
    db_path, _ = samples_kb
    where = {r["fei"]: (r["latitude"], r["longitude"])
             for r in rows(db_path, "select fei, latitude, longitude from facilities")}
    lat, lon = where[LEIDEN]
    assert abs(lat - 52.16) < 0.05 and abs(lon - 4.49) < 0.05  # Leiden, NL
    lat, lon = where[GREENVILLE]
    assert abs(lat - 35.61) < 0.05 and abs(lon + 77.37) < 0.05  # Greenville, NC (not SC)
    assert all(lat is not None for lat, _ in where.values())


def test_registry_tables_hold_the_yaml(samples_kb):
    db_path, _ = samples_kb
    reg = project_registry()
    db = Database(db_path)
    assert db["companies"].count == len(reg.companies)
    assert db["cmo_relationships"].count == len(reg.relationships)
    assert db["company_sources"].count == sum(len(c.sources) for c in reg.companies.values())
    assert db["company_facilities"].count == sum(len(c.facilities) for c in reg.companies.values())
    northwind = db["companies"].get(NORTHWIND)
    assert (northwind["kind"], json.loads(northwind["supplies"]), northwind["fictional"]) == ("cdmo", ["fill_finish"], 1)
    assert rows(db_path, "select name, role, year from company_names where company_id = ? order by role, name",
                [NORTHWIND]) == [
        {"name": "Northwind Sterile Solutions B.V.", "role": "alias", "year": None},
        {"name": "Harbor Parenteral Services", "role": "former", "year": 2022},
        {"name": "Northwind Sterile Solutions", "role": "name", "year": None},
    ]
    inflectra = rows(db_path, "select * from cmo_relationships where client_id = 'celltrion' and products like '%Inflectra%'")
    assert len(inflectra) == 1
    assert inflectra[0]["cmo_id"] == "simtra" and inflectra[0]["since"] == "2017"
    assert (inflectra[0]["source_publication"], inflectra[0]["source_date"]) == ("The Korea Herald", "2017-11-03")


def test_registry_edits_replace_its_rows_and_a_rebuild_restores_them(samples_copy, tmp_path):
    before = snapshot(samples_copy, REGISTRY_TABLES + LINK_TABLES)
    edited = tmp_path / "companies.yml"
    text = REGISTRY.read_text(encoding="utf-8")
    # Drop Northwind's Leiden site and rename Calder: the YAML is the truth, rows follow it.
    leiden = '      - {fei: "9990000012", name: "Northwind Sterile Solutions B.V.", city: Leiden, country: NL}\n'
    assert leiden in text and "name: Calder Biologics\n" in text
    edited.write_text(text.replace(leiden, "").replace("name: Calder Biologics\n", "name: Calder Bio\n"),
                      encoding="utf-8")
    result = run("build", SAMPLES, "--db", samples_copy, "--registry", edited)
    assert result.exit_code == 0, result.output
    db = Database(samples_copy)
    assert db["companies"].get("calder-biologics")["name"] == "Calder Bio"
    assert db.execute("select count(*) from company_facilities where fei = ?", [LEIDEN]).fetchone()[0] == 0
    # Leiden now links by its name (an alias of Northwind), not by FEI.
    leiden_row = db["facilities"].get(LEIDEN)
    assert (leiden_row["company_id"], leiden_row["link_method"]) == (NORTHWIND, "alias")
    result = run("build", SAMPLES, "--db", samples_copy)
    assert result.exit_code == 0, result.output
    assert snapshot(samples_copy, REGISTRY_TABLES + LINK_TABLES) == before


def test_a_bad_registry_stops_the_build_before_any_document(tmp_path):
    bad = tmp_path / "companies.yml"
    text = REGISTRY.read_text(encoding="utf-8")
    assert "    kind: cmo_only\n" in text
    bad.write_text(text.replace("    kind: cmo_only\n", "    kind: cmo\n", 1), encoding="utf-8")
    db_path = tmp_path / "fda483.db"
    result = run("build", SAMPLES, "--db", db_path, "--registry", bad)
    assert result.exit_code == 1
    assert f"{bad}:" in result.output and "(id 'fareva'): unknown kind 'cmo'" in result.output
    assert not db_path.exists() or Database(db_path)["documents"].count == 0


def test_rebuilding_the_samples_changes_nothing(samples_copy):
    before = snapshot(samples_copy, REGISTRY_TABLES + LINK_TABLES)
    result = run("build", SAMPLES, "--db", samples_copy)
    assert result.exit_code == 0, result.output
    assert snapshot(samples_copy, REGISTRY_TABLES + LINK_TABLES) == before


def test_findings_of_a_cmo_and_a_clients_exposure(samples_kb):
    db_path, _ = samples_kb
    observed = {r["fei"]: r["n"] for r in rows(
        db_path, "select i.fei, count(*) as n from observations o join inspections i on i.id = o.inspection_id group by i.fei")}
    cmo = {r["company_id"]: r["n"] for r in rows(
        db_path, "select company_id, sum(observations) as n from cmo_findings group by company_id")}
    # Northwind is a CDMO and Sarvam a CMO; Bluebonnet (503B) and Cedar Ridge (not in the registry) are not.
    assert cmo == {NORTHWIND: observed[GREENVILLE] + observed[LEIDEN], "sarvam-actives": observed["9990000031"]}
    exposure = rows(db_path, "select cmo_id, fei, sum(observations) as n, max(what) as what from client_exposure "
                             "where client_id = 'calder-biologics' group by cmo_id, fei order by fei")
    assert exposure == [
        {"cmo_id": NORTHWIND, "fei": GREENVILLE, "n": observed[GREENVILLE], "what": "fill_finish"},
        {"cmo_id": NORTHWIND, "fei": LEIDEN, "n": observed[LEIDEN], "what": "fill_finish"},
        {"cmo_id": "sarvam-actives", "fei": "9990000031", "n": observed["9990000031"], "what": "api"},
    ]
    result = get_json(db_path, "/fda483/client_exposure_by_category.json?client=calder-biologics&_shape=array")
    assert sum(r["observations"] for r in result) == sum(r["n"] for r in exposure)
    assert {r["products"] for r in result if r["cmo"] == "Northwind Sterile Solutions"} == {"Caldermab"}


def test_facilities_with_repeat_observations(samples_kb):
    db_path, _ = samples_kb
    flagged = {r["fei"]: r["n"] for r in rows(
        db_path, "select i.fei, sum(o.repeat) as n from observations o join inspections i on i.id = o.inspection_id "
                 "group by i.fei having n > 0")}
    assert flagged.get(GREENVILLE, 0) >= 2  # 2022 observation 3 and 2025 observation 2
    repeats = {r["fei"]: r["repeat_observations"] for r in rows(db_path, "select * from facilities_with_repeats")}
    assert {fei: n for fei, n in repeats.items() if n} == flagged


# --- Listings, on small files written here -----------------------------------------------------


@pytest.fixture
def fictional_listings(tmp_path):
    """A published-483s list and a compliance-actions list about the samples' fictional FEIs,
    with the faults FDA's exports have: an HTML-escaped name, two spellings of one FEI, a row
    without an FEI, a firm name in the FEI column, a '-' date."""
    published = write_csv(tmp_path / "published_483s_test.csv", PUBLISHED_HEADER, [
        ["2019-04-01", GREENVILLE, "Harbor Parenteral Services, LLC", "483", "2019-05-01",
         "https://www.fda.gov/media/990001/download", "1"],
        ["-", GREENVILLE, "Northwind Sterile Solutions &amp; Co.", "483", "2025-07-01",
         "https://www.fda.gov/media/990002/download", "2"],
        ["2024-01-05", "", "A Firm With No FEI", "483", "2024-01-09", "https://www.fda.gov/media/990003/download", "3"],
        ["2024-02-05", "9990000099", "Listed Only Labs, Inc.", "483", "2024-02-09",
         "https://www.fda.gov/media/990004/download", "4"],
        ["2024-03-05", "Some Holdings, Inc.", "Some Holdings, Inc.", "483", "2024-03-09",
         "https://www.fda.gov/media/990005/download", "5"],
    ])
    actions = write_csv(tmp_path / "compliance_actions_test.csv", ACTIONS_HEADER, [
        [GREENVILLE, "Northwind Sterile Solutions, Inc.", "North Carolina", "United States", "Drugs", "2022-09-30",
         "Warning Letter", "900001"],
        ["9990000099", "Listed Only Labs, Inc.", "Texas", "United States", "Drugs", "2024-06-01",
         "Warning Letter", "900002"],
    ])
    return published, actions


def test_import_listing_keeps_every_row_and_says_what_was_wrong(samples_copy, fictional_listings):
    published, actions = fictional_listings
    result = run("import-listing", published, actions, "--db", samples_copy)
    assert result.exit_code == 0, result.output
    assert "published_483s_test.csv: published_483s, imported: 5 rows, 2 facilities, 1 rows with problems" in result.stdout
    assert "compliance_actions_test.csv: compliance_actions, imported: 2 rows, 2 facilities, 0 rows with problems" in result.stdout
    assert ("problem: published_483s_test.csv row 6: FEI 'Some Holdings, Inc.' is not a number; "
            "kept the row without it") in result.output
    db = Database(samples_copy)
    assert db["published_483s"].count == 5 and db["compliance_actions"].count == 2
    no_fei = db.execute("select fei, legal_name, record_date from published_483s where source_row = 4").fetchone()
    assert no_fei == (None, "A Firm With No FEI", "2024-01-05")
    dash = db.execute("select record_date, legal_name from published_483s where source_row = 3").fetchone()
    assert dash == (None, "Northwind Sterile Solutions & Co.")
    # Spelled three ways now (483, listing, listing): still one facility, every name kept.
    assert db.execute("select count(*) from facilities where fei = ?", [GREENVILLE]).fetchone()[0] == 1
    names = {(r["name"], r["source"]) for r in rows(samples_copy, "select * from facility_names where fei = ?", [GREENVILLE])}
    assert {("Harbor Parenteral Services LLC", "483"), ("Harbor Parenteral Services, LLC", "listing"),
            ("Northwind Sterile Solutions & Co.", "listing")} <= names
    # A facility known only from the listing is kept, placed by its compliance action's state.
    listed_only = db["facilities"].get("9990000099")
    assert (listed_only["name"], listed_only["state"], listed_only["country"], listed_only["inspections"]) == (
        "Listed Only Labs, Inc.", "TX", "US", 0)


def test_facility_history_and_what_followed_a_483(samples_copy, fictional_listings):
    result = run("import-listing", *fictional_listings, "--db", samples_copy)
    assert result.exit_code == 0, result.output
    history = get_json(samples_copy, f"/fda483/facility_events.json?fei={GREENVILLE}&_shape=array")
    assert [(r["date"], r["event"]) for r in history] == [
        ("2019-03-22", "Form 483"), ("2019-04-01", "Form 483"), ("2022-05-13", "Form 483"),
        ("2022-09-30", "Warning Letter"), ("2025-06-20", "Form 483"), (None, "Form 483"),
    ]
    # The PDFs' 483s carry their observations; the listed ones say which list they came from.
    assert [r["observations"] > 0 for r in history if r["source"] == "483 read from its PDF"] == [True] * 3
    assert history[1]["source"] == "published 483s listing: published_483s_test.csv"
    followed = get_json(samples_copy, "/fda483/warning_letters_within.json?months=6&_shape=array")
    assert [(r["fei"], r["date_483"], r["warning_letter_date"], r["months_after"], r["date_basis"])
            for r in followed] == [
        ("9990000099", "2024-02-05", "2024-06-01", 3.8, "listing record date"),
        (GREENVILLE, "2022-05-13", "2022-09-30", 4.6, "date issued"),
    ]


def test_reimporting_a_file_replaces_only_its_rows(samples_copy, fictional_listings, tmp_path):
    published, actions = fictional_listings
    assert run("import-listing", published, actions, "--db", samples_copy).exit_code == 0
    before = snapshot(samples_copy, LISTING_TABLES + LINK_TABLES + REGISTRY_TABLES)
    again = run("import-listing", published, actions, "--db", samples_copy)
    assert again.exit_code == 0, again.output
    assert "published_483s_test.csv: published_483s, unchanged: 5 rows, 2 facilities, 1 rows with problems" in again.stdout
    assert snapshot(samples_copy, LISTING_TABLES + LINK_TABLES + REGISTRY_TABLES) == before
    # A changed file replaces its own rows; the other file's rows stay as they were.
    write_csv(published, PUBLISHED_HEADER, [["2019-04-01", GREENVILLE, "Harbor Parenteral Services, LLC", "483",
                                             "2019-05-01", "https://www.fda.gov/media/990001/download", "1"]])
    changed = run("import-listing", published, "--db", samples_copy)
    assert changed.exit_code == 0, changed.output
    after = snapshot(samples_copy, LISTING_TABLES)
    assert len(after["published_483s"]) == 1
    assert after["compliance_actions"] == before["compliance_actions"]
    assert Database(samples_copy)["facilities"].get("9990000099")["name"] == "Listed Only Labs, Inc."  # its action remains


def test_a_file_that_is_no_export_is_an_error_naming_it(samples_copy, tmp_path):
    other = write_csv(tmp_path / "inspections.csv", ["FEI Number", "Classification"], [["3001", "NAI"]])
    result = run("import-listing", other, "--db", samples_copy)
    assert result.exit_code == 1
    assert f"{other}: neither a published-483s nor a compliance-actions export" in result.output
    folder = tmp_path / "aggregates"
    folder.mkdir()
    shutil.copy(other, folder / other.name)
    result = run("import-listing", folder, "--db", samples_copy)
    assert result.exit_code == 1
    assert "skipped:" in result.output and "no listing file could be read" in result.output


# --- Media ids: tying a PDF to its listing row -----------------------------------------------


def test_media_ids_from_fdas_file_names():
    assert media_ids_from_file_name("192443.pdf") == ["192443"]
    assert media_ids_from_file_name("media-192443-download.pdf") == ["192443"]
    assert media_ids_from_file_name("Northwind_Sterile_Solutions_2022.pdf") == []
    assert media_ids_from_file_name("2022.pdf") == []


def test_the_shared_manifest_maps_files_to_media_ids():
    mapping = read_media_mapping(need(SHARED / "data" / "483s" / "manifest.csv"))
    assert mapping["Wells_Pharma_of_Houston_LLC.pdf"] == ["192443"]
    assert mapping["Catalent_Indiana_LLC.pdf"] == ["193455", "193691"]  # one PDF, published twice
    assert "Dr_Reddys_Laboratories_Limited.pdf" not in mapping  # FDA's copy is not the one we have
    assert len(mapping) == 22


def test_a_bad_media_mapping_names_file_and_row(tmp_path):
    bad = write_csv(tmp_path / "ids.csv", ["file", "fda_media_id"], [["a.pdf", "123"], ["b.pdf", "12x"]])
    with pytest.raises(MediaMappingError, match=r"ids\.csv row 3: media id '12x' for b\.pdf"):
        read_media_mapping(bad)


def test_the_listing_corrects_a_misread_fei_and_keeps_what_the_page_said(tmp_path):
    # A sample saved under FDA's own file name, and FDA's list giving its media id an FEI one
    # digit off what the page says (as OCR misreads one): the list's FEI is taken, the page's kept.
    folder = tmp_path / "pdfs"
    folder.mkdir()
    shutil.copy(SAMPLES / "Sarvam_Actives_Pvt_Ltd_2023.pdf", folder / "media-990031-download.pdf")
    db_path = tmp_path / "fda483.db"
    assert run("build", folder, "--db", db_path).exit_code == 0
    assert rows(db_path, "select media_id, source from document_media") == [{"media_id": "990031", "source": "file name"}]
    listing = write_csv(tmp_path / "published.csv", PUBLISHED_HEADER, [
        ["2023-03-01", "9990000032", "Sarvam Actives Pvt Ltd", "483", "2023-04-01",
         "https://www.fda.gov/media/990031/download", "1"]])
    result = run("import-listing", listing, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "FEI 9990000031 read from the page, 9990000032 in FDA's listing of media 990031" in result.output
    assert rows(db_path, "select fei, fei_read, fei_source from inspections") == [
        {"fei": "9990000032", "fei_read": "9990000031", "fei_source": "listing"}]
    assert [r["fei"] for r in rows(db_path, "select fei from facilities")] == ["9990000032"]
    # An FEI far from the page's is a conflict to report, not a slip to repair.
    write_csv(listing, PUBLISHED_HEADER, [["2023-03-01", "3000000001", "Sarvam Actives Pvt Ltd", "483", "2023-04-01",
                                           "https://www.fda.gov/media/990031/download", "1"]])
    result = run("import-listing", listing, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "warning: media-990031-download.pdf: FEI 9990000031 read from the page, 3000000001" in result.output
    assert rows(db_path, "select fei, fei_source from inspections") == [{"fei": "9990000031", "fei_source": "page"}]


# --- The 23 real 483s and FDA's real exports -----------------------------------------------------


def test_all_23_real_483s_link_to_a_facility_and_their_company(real_kb):
    db_path, output = real_kb
    reg = project_registry()
    found = rows(db_path, "select d.file_name, d.status, i.fei, f.fei as facility, f.company_id, f.link_method "
                          "from documents d join inspections i on i.document_id = d.id "
                          "left join facilities f on f.fei = i.fei")
    assert len(found) == 23 and all(r["status"] == "ok" for r in found)
    assert all(r["fei"] and r["facility"] == r["fei"] for r in found), found
    by_file = {r["file_name"]: r for r in found}
    for gold in gold_files():
        row = by_file[gold["source"]]
        if company_for_fei(row["fei"], reg):  # the FEI read is the registry's: linked by it
            assert (row["company_id"], row["link_method"]) == (company_for_fei(row["fei"], reg), "fei"), row
        expected = company_for_fei(gold["fei"], reg)  # the firm is in the registry: linked to it
        assert row["company_id"] == expected, (gold["source"], row)
    assert Database(db_path).execute("pragma foreign_key_check").fetchall() == []


def test_real_feis_agree_with_the_gold_once_the_listing_is_in(real_kb_listed):
    db_path, output = real_kb_listed
    reg = project_registry()
    found = {r["file_name"]: r for r in rows(
        db_path, "select d.file_name, i.fei, i.fei_read, i.fei_source, f.company_id, f.link_method "
                 "from documents d join inspections i on i.document_id = d.id join facilities f on f.fei = i.fei")}
    for gold in gold_files():
        row = found[gold["source"]]
        assert row["fei"] == gold["fei"], row
        if row["fei_source"] == "listing":  # only ever an OCR slip of what the page says
            assert 0 < Levenshtein.distance(row["fei_read"], row["fei"]) <= FEI_SLIP, row
        if company_for_fei(gold["fei"], reg):
            assert (row["company_id"], row["link_method"]) == (company_for_fei(gold["fei"], reg), "fei"), row


def test_shared_listings_import_every_row(real_kb_listed):
    db_path, output = real_kb_listed
    db = Database(db_path)
    counts = provenance()
    imported = dict(db.execute("select source_file, rows from _listing_files").fetchall())
    exports = {name: n for name, n in counts.items() if not name.startswith(("top_10", "classification"))}
    assert imported == exports
    for name, n in exports.items():
        table = "compliance_actions" if name.startswith("compliance") else "published_483s"
        assert db.execute(f"select count(*) from {table} where source_file = ?", [name]).fetchone()[0] == n, name
    assert output.count("skipped: ") == 2  # the two aggregate tables
    # Rows FDA gave no usable FEI are kept, with the reason on the row.
    unico = db.execute("select fei, problems from published_483s where legal_name = 'Unico Holdings, Inc.'").fetchall()
    assert any(fei is None and "is not a number" in problems for fei, problems in unico if problems)


def test_real_feis_spelled_two_ways_are_one_facility_with_both_names(real_kb_listed):
    db_path, _ = real_kb_listed
    db = Database(db_path)
    for fei, spellings in {
        "3003194604": {"Actavis Laboratories FL, Inc.", "Actavis Laboratories FL, Inc. dba Teva Pharmaceuticals"},
        "3002807544": {"Dr. Reddy's Laboratories", "Dr. Reddy's Laboratories (EU) Ltd."},
    }.items():
        assert db.execute("select count(*) from facilities where fei = ?", [fei]).fetchone()[0] == 1
        names = {n for (n,) in db.execute("select name from facility_names where fei = ? and source = 'listing'", [fei])}
        assert spellings <= names, (fei, names)
    # Every FEI the listings spell more than one way: one facility, each spelling a name of it.
    multi = db.execute(
        """select count(*) from (select fei from published_483s where fei is not null
           group by fei having count(distinct legal_name) > 1)""").fetchone()[0]
    assert multi >= 100
    missing = db.execute(
        """select p.fei, p.legal_name from published_483s p
           where p.fei is not null and p.legal_name != '' and not exists (
               select 1 from facility_names n where n.fei = p.fei and n.name = p.legal_name and n.source = 'listing')"""
    ).fetchall()
    assert missing == []
    # Dr. Reddy's (EU) links to Dr. Reddy's by name: the registry knows no FEI for it.
    assert (db["facilities"].get("3002807544")["company_id"], db["facilities"].get("3002807544")["link_method"]) == (
        "dr-reddys", "alias")


def test_reimporting_the_shared_listings_changes_nothing(real_kb_listed, tmp_path):
    db_path = tmp_path / "fda483.db"
    shutil.copy(real_kb_listed[0], db_path)
    tables = LISTING_TABLES + LINK_TABLES + REGISTRY_TABLES
    before = snapshot(db_path, tables)
    result = run("import-listing", need(DASHBOARD), "--db", db_path)
    assert result.exit_code == 0, result.output
    assert result.stdout.count(", unchanged: ") == 7 and ", imported: " not in result.stdout
    assert snapshot(db_path, tables) == before


def test_a_rebuild_after_import_keeps_listing_and_registry_rows(real_kb_listed, tmp_path):
    db_path = tmp_path / "fda483.db"
    shutil.copy(real_kb_listed[0], db_path)
    tables = LISTING_TABLES + LINK_TABLES + REGISTRY_TABLES
    before = snapshot(db_path, tables)
    result = run("build", SHARED / "data" / "483s" / "pdfs", "--media-ids", SHARED / "data" / "483s" / "manifest.csv",
                 "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated, 0 reclassified, 23 unchanged" in result.stdout
    assert snapshot(db_path, tables) == before


def test_a_real_facilitys_history_shows_its_483_and_the_action_that_followed(real_kb_listed):
    db_path, _ = real_kb_listed
    # Actavis_Laboratories.pdf: a 2006 Andrx 483 at FEI 3003194604, a warning letter in 2019.
    history = get_json(db_path, "/fda483/facility_events.json?fei=3003194604&_shape=array")
    assert [(r["date"], r["event"]) for r in history] == [("2006-04-18", "Form 483"), ("2019-02-01", "Warning Letter")]
    assert history[0]["observations"] > 0 and history[0]["url"] == "https://www.fda.gov/media/70106/download"
    assert history[1]["case_id"] == "567857"
    # The view itself, filtered by column, says the same.
    view = get_json(db_path, "/fda483/facility_history.json?fei=3003194604&_shape=array")
    assert [(r["date"], r["event"]) for r in view] == [(r["date"], r["event"]) for r in history]
    within = get_json(db_path, "/fda483/warning_letters_within.json?months=160&_shape=array")
    assert [r for r in within if r["fei"] == "3003194604" and r["inspection_id"]][0]["months_after"] == 153.5
    assert not [r for r in get_json(db_path, "/fda483/warning_letters_within.json?months=12&_shape=array")
                if r["fei"] == "3003194604" and r["inspection_id"]]


def test_celltrions_exposure_through_its_contract_manufacturers(real_kb_listed):
    db_path, _ = real_kb_listed
    exposure = get_json(db_path, "/fda483/client_exposure_by_category.json?client=celltrion&_shape=array")
    assert {r["cmo"] for r in exposure} == {"Lonza Group AG", "Simtra BioPharma Solutions"}
    db = Database(db_path)
    for r in exposure:
        owner = db["facilities"].get(r["fei"])["company_id"]
        assert owner in ("lonza", "simtra"), r
    simtra = [r for r in exposure if r["cmo"] == "Simtra BioPharma Solutions"]
    assert [r["fei"] for r in simtra] == ["3002806419"] and simtra[0]["listed_483s"] >= 1
    assert "Inflectra" in simtra[0]["products"]


def test_unlinked_real_facilities_are_listed(real_kb):
    db_path, _ = real_kb
    unlinked = {r["fei"] for r in rows(db_path, "select fei from unlinked_facilities")}
    assert unlinked == {"1074265", "1174302"}  # the two VA medical centres: not companies


def test_a_rebuild_with_no_new_place_does_not_load_the_city_index(tmp_path):
    from kb import geo

    db_path = tmp_path / "fda483.db"
    assert run("build", SAMPLES, "--db", db_path).exit_code == 0
    placed = rows(db_path, "select fei, latitude, longitude from facilities order by fei")
    assert any(r["latitude"] is not None for r in placed)
    geo._city_index.cache_clear()
    result = run("build", SAMPLES, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated" in result.stdout
    assert geo._city_index.cache_info().currsize == 0  # every place was known: the index stayed unloaded
    assert rows(db_path, "select fei, latitude, longitude from facilities order by fei") == placed
    # places remembered by another version of the rules are placed again, with the same answers
    Database(db_path).execute("update _places set placed_by = 'old', latitude = 0, longitude = 0").connection.commit()
    assert run("build", SAMPLES, "--db", db_path).exit_code == 0
    assert geo._city_index.cache_info().currsize == 1
    assert rows(db_path, "select fei, latitude, longitude from facilities order by fei") == placed
    assert rows(db_path, "select distinct placed_by from _places") == [{"placed_by": geo.LOCATOR}]
