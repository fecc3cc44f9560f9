"""The curated registry, data/companies.yml, and its validation."""
from __future__ import annotations

from pathlib import Path

import pytest

from kb.names import company_for_fei
from kb.registry import KINDS, REGISTRY_PATH, RegistryError, load_registry
from shared_paths import gold_files, project_registry

# The 483s of ../shared whose firm is not a company (VA hospital pharmacies).
NOT_COMPANIES = {"1074265", "1174302"}
# FEI of each real 483 -> the registry company it must link to.
GOLD_COMPANY = {
    "3003194604": "actavis-laboratories-fl",  # printed Andrx Pharmaceuticals
    "3015156709": "bpi-labs",
    "1019003": "baxter",
    "3013023419": "baycare-integrated-service-center",
    "3005949964": "catalent-indiana",
    "3014307835": "central-admixture-pharmacy-services",
    "3017682080": "cliantha-research",
    "3009193040": "dr-reddys",
    "1818977": "endo-usa",  # printed JHP Pharmaceuticals
    "3004549631": "eagle-analytical-services",
    "3000234005": "fareva",
    "3014229024": "north-american-custom-laboratories",  # dba FarmaKeio
    "1931484": "grato-holdings",  # printed Apotheca, Inc
    "3015392060": "lupin",
    "3014484244": "pharmaneek",
    "3022250654": "prorx",
    "3016710945": "revive-rx",
    "3013736415": "sca-pharmaceuticals",
    "3012384835": "sincerus-florida",
    "3031550350": "vet4u",
    "3016710931": "wells-pharma-of-houston",
}


def test_registry_has_enough_real_companies_and_sourced_relationships():
    reg = project_registry()
    real = [c for c in reg.companies.values() if not c.fictional]
    assert len(real) >= 25
    relationships = [r for r in reg.relationships if not r.fictional]
    assert len(relationships) >= 10
    for r in relationships:
        assert r.source is not None and r.source.publication and r.source.url, r
    kinds = {c.kind for c in real}
    assert kinds <= set(KINDS)
    assert {"cdmo", "sponsor", "outsourcing_facility_503b", "compounding_pharmacy"} <= kinds


def test_every_real_483_links_by_fei_to_its_company():
    reg = project_registry()
    golds = gold_files()
    assert len(golds) == 23
    for gold in golds:
        fei = gold["fei"]
        if fei in NOT_COMPANIES:
            assert company_for_fei(fei, reg) is None, gold["source"]
            continue
        company_id = company_for_fei(fei, reg)
        assert company_id == GOLD_COMPANY[fei], gold["source"]
        facility = next(f for f in reg.companies[company_id].facilities if f.fei == fei)
        assert facility.country == gold["country"], gold["source"]
        assert facility.city.replace("-", " ").lower() == gold["city"].lower(), gold["source"]


def test_name_changes_carry_their_year():
    reg = project_registry()
    simtra = reg.companies["simtra"]
    assert ("Baxter BioPharma Solutions", 2023) in [(f.name, f.year) for f in simtra.former_names]
    endo = reg.companies["endo-usa"]
    assert ("JHP Pharmaceuticals, LLC", 2014) in [(f.name, f.year) for f in endo.former_names]


def test_celltrion_contracts_simtra_for_finished_product():
    reg = project_registry()
    deals = [r for r in reg.relationships
             if (r.client, r.contract_manufacturer) == ("celltrion", "simtra")]
    products = " ".join(p for r in deals for p in r.products)
    assert "Inflectra" in products and "Truxima" in products and "Herzuma" in products
    assert {r.what for r in deals} == {"finished_drug_product"}


def test_fictional_sample_companies():
    reg = project_registry()
    northwind = reg.companies["northwind-sterile-solutions"]
    assert northwind.fictional and northwind.kind == "cdmo"
    assert [(f.fei, f.city, f.country) for f in northwind.facilities] == [
        ("9990000011", "Greenville", "US"), ("9990000012", "Leiden", "NL")]
    assert [(f.name, f.year) for f in northwind.former_names] == [("Harbor Parenteral Services", 2022)]
    assert company_for_fei("9990000021", reg) == "bluebonnet-outsourcing-pharmacy"
    assert company_for_fei("9990000031", reg) == "sarvam-actives"
    pairs = {(r.client, r.contract_manufacturer, r.what): r for r in reg.relationships}
    caldermab = pairs[("calder-biologics", "northwind-sterile-solutions", "fill_finish")]
    assert caldermab.products == ("Caldermab",) and caldermab.fictional
    assert caldermab.source.publication == "fictional sample data"
    assert ("calder-biologics", "sarvam-actives", "api") in pairs
    # No fictional company may pose as a real one.
    real_ids = {c.id for c in reg.companies.values() if not c.fictional}
    assert not real_ids & {"northwind-sterile-solutions", "calder-biologics",
                           "bluebonnet-outsourcing-pharmacy", "sarvam-actives"}


def test_parents_exist():
    reg = project_registry()
    assert reg.companies["catalent-indiana"].parent == "novo-nordisk"
    for c in reg.companies.values():
        assert c.parent is None or c.parent in reg.companies


# --- validation: each error names the file, the line and the entry --------------------------

GOOD = """\
companies:
  - id: acme
    name: Acme Pharma
    kind: sponsor
    country: US
  - id: contractor
    name: Contractor Ltd
    kind: cdmo
    country: GB
    facilities:
      - {fei: "3001234567", name: Contractor site, city: London, country: GB}
relationships:
  - client: acme
    contract_manufacturer: contractor
    what: fill_finish
    since: 2020
    source: {publication: Trade Weekly, date: 2020-01-02, title: Acme signs, url: "https://example.org/a"}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "companies.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_small_valid_registry_loads(tmp_path):
    reg = load_registry(write(tmp_path, GOOD))
    assert list(reg.companies) == ["acme", "contractor"]
    (r,) = reg.relationships
    assert (r.since, r.source.date) == ("2020", "2020-01-02")
    assert company_for_fei(3001234567, reg) == "contractor"


@pytest.mark.parametrize("old, new, message, line", [
    ("kind: sponsor", "kind: contract_giant", "unknown kind 'contract_giant'", 2),
    ("client: acme", "client: nobody", "unknown company id 'nobody'", 13),
    ('fei: "3001234567"', "fei: 3001234567", "FEI 3001234567 must be a quoted string of digits", 11),
    ('fei: "3001234567"', 'fei: "300123456X"', "FEI '300123456X'", 11),
    ("id: contractor", "id: acme", "duplicate id 'acme' (first at line 2)", 6),
    ("country: GB\n    facilities", "country: UK\n    facilities", "bad country 'UK'", 6),
    ("country: US", "country: USA", "bad country 'USA'", 2),
    ("country: US", "country: us", "bad country 'us'", 2),
    ("what: fill_finish", "what: everything", "unknown 'what' 'everything'", 13),
    ("    kind: sponsor", "    kind: sponsor\n    parent: ghost", "unknown parent 'ghost'", 2),
    ("name: Contractor Ltd", "name: Acme Pharma Inc.", "name 'acme pharma' is already company 'acme'", 6),
])
def test_registry_errors_name_file_line_and_entry(tmp_path, old, new, message, line):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(RegistryError) as e:
        load_registry(path)
    text = str(e.value)
    assert text.startswith(f"{path}:{line}:"), text
    assert message in text, text


def test_a_real_relationship_needs_a_source_or_a_note(tmp_path):
    text = GOOD.replace(
        '    source: {publication: Trade Weekly, date: 2020-01-02, title: Acme signs, url: "https://example.org/a"}\n',
        "    source: null\n")
    with pytest.raises(RegistryError, match="needs a 'note' saying it is unverified"):
        load_registry(write(tmp_path, text))
    reg = load_registry(write(tmp_path, text + "    note: \"unverified: recalled, no source found\"\n"))
    assert reg.relationships[0].source is None


def test_project_registry_path_is_the_data_file():
    assert REGISTRY_PATH == Path(__file__).resolve().parents[1] / "data" / "companies.yml"
