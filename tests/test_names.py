"""Firm-name normalisation and linking to registry companies."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from kb.names import company_for_fei, match_company, name_variants, normalize
from shared_paths import gold_files, project_registry

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("printed, expected", [
    ("Dr. Reddy&#039;s Laboratories Limited", "dr reddys laboratories"),
    ("Dr. Reddy&amp;#039;s Laboratories", "dr reddys laboratories"),  # escaped twice
    ("Dr. Reddy’s Laboratories, LTD", "dr reddys laboratories"),
    ("Alembic Pharmaceuticals Limited Units I &amp; II", "alembic pharmaceuticals"),
    ("The W.S. Badger Company, Inc.", "ws badger"),
    ("Laboratorios Farmaceuticos Rovi S. A.", "laboratorios farmaceuticos rovi"),
    ("Nanomateriales Quimicos Avanzados SA de CV", "nanomateriales quimicos avanzados"),
    ("Srikem Laboratories Pvt. Ltd.", "srikem laboratories"),
    ("Novo Nordisk A/S", "novo nordisk"),
    ("Simtra Deutschland GmbH", "simtra deutschland"),
    ("Catalent Belgium SA", "catalent belgium"),
    ("Wuxi STA \xa0Pharmaceutical Co. Ltd.", "wuxi sta pharmaceutical"),
    ("Caraco  Pharmaceutical  Laboratories,  Ltd.", "caraco pharmaceutical laboratories"),
    ("Hetero Drugs Ltd. - Unit 1", "hetero drugs"),
    ("Lupin Limited Unit-3", "lupin"),
    ("Pocé Laboratoires SARL", "poce laboratoires"),
    ("Co.", "co"),  # never stripped to nothing
    ("", ""),
])
def test_normalize(printed, expected):
    assert normalize(printed) == expected


@pytest.mark.parametrize("printed, expected", [
    ("Revive Rx LLC dba Revive Rx Pharmacy", [("name", "revive rx"), ("dba", "revive rx pharmacy")]),
    ("Samm Solutions, Inc (dba) BTS Research", [("name", "samm solutions"), ("dba", "bts research")]),
    ("Novel Laboratories, Inc. d.b.a Lupin Somerset", [("name", "novel laboratories"), ("dba", "lupin somerset")]),
    ("Acme Inc. doing business as Acme Rx", [("name", "acme"), ("dba", "acme rx")]),
    ("Simtra (formerly Baxter BioPharma Solutions)", [("name", "simtra"), ("former", "baxter biopharma solutions")]),
    ("Actavis Elizabeth LLC, A Company of Teva", [("name", "actavis elizabeth"), ("parent", "teva")]),
    ("Hospira, Inc., A Pfizer Company", [("name", "hospira"), ("parent", "pfizer")]),
    ("Meridian Medical Technologies, LLC a Subsidiary of Kindeva Drug Delivery, L.P.",
     [("name", "meridian medical technologies"), ("parent", "kindeva drug delivery")]),
])
def test_name_variants(printed, expected):
    assert [(v.role, v.text) for v in name_variants(printed)] == expected


@pytest.mark.parametrize("printed, country, company, method", [
    ("Baxter BioPharma Solutions", "US", "simtra", "alias"),  # former name
    ("Andrx Pharmaceuticals, Inc.", "US", "actavis-laboratories-fl", "alias"),
    ("Apotheca, Inc", "US", "grato-holdings", "alias"),
    ("Dr. Reddy&#039;s Laboratories Limited", None, "dr-reddys", "alias"),
    ("FarmaKeio Superior Custom Compounding", "USA", "north-american-custom-laboratories", "alias"),
    ("Lonza Houston, Inc", "United States", "lonza", "fuzzy"),  # stem
    ("Hospira, Inc., A Pfizer Company", "US", "pfizer", "alias"),  # parent clause
    ("Cliantha Reserch Limited", "India", "cliantha-research", "fuzzy"),  # OCR typo
])
def test_match_company(printed, country, company, method):
    match = match_company(printed, country, project_registry())
    assert match is not None, printed
    assert (match.company_id, match.method) == (company, method)
    assert 0 < match.score <= 100


def test_fuzzy_matches_are_guarded_by_country():
    reg = project_registry()
    assert match_company("Cliantha Reserch Limited", "IN", reg).company_id == "cliantha-research"
    # Cliantha has no seat or facility in Brazil: a near name there is another firm.
    assert match_company("Cliantha Reserch Limited", "BR", reg) is None


@pytest.mark.parametrize("printed, country", [
    ("Bayer Healthcare, LLC", "US"),  # not Baxter Healthcare
    ("Salix Pharmaceuticals Inc", "US"),  # not SCA Pharmaceuticals
    ("CP Pharmaceuticals Limited", None),  # not JHP Pharmaceuticals
    ("Smitha Reddy, M.D.", "US"),  # not Dr. Reddy's
    ("Johnson Memorial Cancer Center", "US"),  # not Johnson & Johnson
    ("Eagle Pharma Outsourcing LLC", "US"),  # not Eagle Analytical Services
    ("Richmond VA Medical Center", "US"),
    ("", "US"),
    (None, None),
])
def test_hard_negatives_do_not_match(printed, country):
    assert match_company(printed, country, project_registry()) is None


def test_company_for_fei_takes_text_numbers_and_excel_floats():
    reg = project_registry()
    assert company_for_fei("3005949964", reg) == "catalent-indiana"
    assert company_for_fei(3005949964, reg) == "catalent-indiana"
    assert company_for_fei("3005949964.0", reg) == "catalent-indiana"
    assert company_for_fei("0000000000", reg) is None
    assert company_for_fei(None, reg) is None


def test_every_gold_firm_name_links_to_the_company_of_its_fei():
    reg = project_registry()
    for gold in gold_files():
        by_name = match_company(gold["firm_name"], gold["country"], reg)
        by_fei = company_for_fei(gold["fei"], reg)
        assert (by_name.company_id if by_name else None) == by_fei, gold["source"]


def test_linking_benchmark_meets_its_targets():
    spec = importlib.util.spec_from_file_location("linking", ROOT / "benchmarks" / "linking.py")
    linking = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = linking  # dataclasses look their module up while being built
    spec.loader.exec_module(linking)
    labels = linking.read_labels()
    assert len(labels) >= 50
    score = linking.score(labels, project_registry())
    assert score.precision >= linking.PRECISION_TARGET, score.errors
    assert score.recall >= linking.RECALL_TARGET, score.errors
