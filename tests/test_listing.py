"""Readers for the FDA Data Dashboard exports in ../shared/data/fda-dashboard."""
from __future__ import annotations

import re
from collections import defaultdict

import pytest

from kb.listing import (COMPLIANCE_ACTIONS, PUBLISHED_483S, ListingError, detect_kind,
                        read_compliance_actions, read_published_483s)
from shared_paths import DASHBOARD, need, provenance


def read(path):
    kind = detect_kind(path)
    return list(read_published_483s(path) if kind == PUBLISHED_483S else read_compliance_actions(path))


def published_files():
    return sorted(p for p in need(DASHBOARD).glob("published_483s_*"))


def test_every_export_reads_with_the_row_count_provenance_gives():
    expected = provenance()
    assert len(expected) == 9
    for name, count in expected.items():
        path = DASHBOARD / name
        assert path.exists(), name
        if name.startswith(("top_10", "classification_counts")):
            # Aggregates, not row-level exports: detect_kind must say so, naming the file.
            with pytest.raises(ListingError, match=re.escape(name)):
                detect_kind(path)
            continue
        assert len(read(path)) == count, name


def test_detect_kind_reads_the_columns():
    assert detect_kind(need(DASHBOARD / "published_483s_2024-05_simplifisteve.csv")) == PUBLISHED_483S
    assert detect_kind(DASHBOARD / "published_483s_2025_slickbit_latestData.json") == PUBLISHED_483S
    assert detect_kind(DASHBOARD / "published_483s_2025-07_benj-sic.xlsx") == PUBLISHED_483S
    assert detect_kind(DASHBOARD / "compliance_actions_2024_simplifisteve.csv") == COMPLIANCE_ACTIONS


def test_reading_a_file_as_the_wrong_kind_names_it():
    path = need(DASHBOARD / "compliance_actions_2024_simplifisteve.csv")
    with pytest.raises(ListingError, match="compliance_actions_2024_simplifisteve.csv: is a compliance_actions export"):
        list(read_published_483s(path))


def test_unknown_columns_and_types_are_errors_naming_the_file(tmp_path):
    other = tmp_path / "inspections.csv"
    other.write_text("FEI Number,Classification\n3001,NAI\n", encoding="utf-8")
    with pytest.raises(ListingError, match=r"inspections\.csv: neither a published-483s"):
        detect_kind(other)
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(ListingError, match=r"notes\.txt: unknown file type"):
        detect_kind(text)


def test_feis_are_digit_text_or_none():
    for path in published_files() + sorted(DASHBOARD.glob("compliance_actions_*")):
        for r in read(path):
            assert r.fei is None or (isinstance(r.fei, str) and r.fei.isdigit()), (path.name, r.row, r.fei)


def test_json_numbers_become_fei_text():
    rows = list(read_published_483s(need(DASHBOARD / "published_483s_2025_slickbit_latestData.json")))
    reddy = [r for r in rows if r.fei == "3009193040"]
    assert reddy and reddy[0].legal_name == "Dr. Reddy’s Laboratories Limited"
    assert reddy[0].record_date == "2025-12-12" and reddy[0].media_id == "190443"


def test_excel_numeric_feis_keep_their_digits(tmp_path):
    # The shared workbooks store FEIs as text; a workbook saved by Excel from a CSV stores
    # numbers, which openpyxl reads as int or float.
    import openpyxl

    path = tmp_path / "published.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Record Date", "FEI Number", "Legal Name", "Record Type", "Publish Date", "Download", "Record ID"])
    ws.append(["2025-06-19", 3004540906, "NATCO Pharma Limited", 483, "2025-07-10", "https://www.fda.gov/media/187496/download", 287101])
    ws.append(["-", 1833173.0, "Caraco  Pharmaceutical  Laboratories,  Ltd.", 483, "2025-06-30", "https://www.fda.gov/media/69976/download", 287103.0])
    wb.save(path)
    rows = list(read_published_483s(path))
    assert [r.fei for r in rows] == ["3004540906", "1833173"]
    assert [r.record_id for r in rows] == ["287101", "287103"]
    assert rows[1].record_date is None and rows[1].legal_name == "Caraco Pharmaceutical Laboratories, Ltd."
    assert rows[1].row == 3 and rows[1].source == "published.xlsx"


def test_names_are_html_unescaped():
    rows = list(read_published_483s(need(DASHBOARD / "published_483s_2025_slickbit_latestData.json")))
    names = {r.fei: r.legal_name for r in rows}
    assert names["3012414462"] == "Dr. Reddy's Laboratories Limited"
    assert names["3003821360"] == "Alembic Pharmaceuticals Limited Units I & II"
    assert not [r.legal_name for r in rows if "&#" in r.legal_name or "&amp;" in r.legal_name]


def test_one_fei_spelled_two_ways():
    names = defaultdict(set)
    for path in published_files():
        for r in read_published_483s(path):
            if r.fei:
                names[r.fei].add(r.legal_name)
    # The FEI of the real Actavis_Laboratories.pdf (an Andrx 483) and of Dr. Reddy's (EU).
    assert {"Actavis Laboratories FL, Inc.",
            "Actavis Laboratories FL, Inc. dba Teva Pharmaceuticals"} <= names["3003194604"]
    assert {"Dr. Reddy's Laboratories", "Dr. Reddy's Laboratories (EU) Ltd."} <= names["3002807544"]
    assert sum(len(v) > 1 for v in names.values()) >= 100


def test_missing_and_misplaced_feis_keep_the_row():
    rows = list(read_published_483s(need(DASHBOARD / "published_483s_2024-05_simplifisteve.csv")))
    unico = [r for r in rows if r.legal_name == "Unico Holdings, Inc." and r.fei is None]
    assert len(unico) == 1
    assert unico[0].problems == (
        f"published_483s_2024-05_simplifisteve.csv row {unico[0].row}: FEI 'Unico Holdings, Inc.' "
        "is not a number; kept the row without it",)
    blank = [r for r in rows if r.legal_name == "ADMA Biologics Inc."]
    assert blank and blank[0].fei is None and blank[0].record_date is None and not blank[0].problems


def test_dash_dates_are_none_and_real_dates_iso():
    rows = list(read_published_483s(need(DASHBOARD / "published_483s_2025-12_venkatraothallapali.xlsx")))
    assert sum(r.record_date is None for r in rows) == 19
    assert all(r.publish_date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", r.publish_date) for r in rows)
    dates = [r.publish_date for r in rows]
    assert (min(dates), max(dates)) == ("2016-11-29", "2025-12-29")  # as PROVENANCE.txt says


def test_media_ids_come_from_the_download_url():
    for path in published_files():
        for r in read_published_483s(path):
            if r.url and "/media/" in r.url:
                assert r.url.startswith(f"https://www.fda.gov/media/{r.media_id}/download"), r
            else:
                assert r.media_id is None
                assert any("not an fda.gov/media download link" in p for p in r.problems), r


def test_compliance_actions():
    rows = list(read_compliance_actions(need(DASHBOARD / "compliance_actions_2024_simplifisteve.csv")))
    by_type = defaultdict(int)
    for r in rows:
        by_type[r.action_type] += 1
    assert dict(by_type) == {"Warning Letter": 4133, "Injunction": 70, "Seizure": 30}
    assert {r.product_type for r in rows} == {"Drugs", "Devices", "Biologics"}
    assert min(r.action_date for r in rows) == "2008-10-01"
    assert max(r.action_date for r in rows) == "2024-06-27"
    foreign = [r for r in rows if r.country == "India"]
    assert foreign and all(r.state is None and r.country_code == "IN" for r in foreign)
    # Every country printed is one we can code, so the linker's country guard always applies.
    assert not [r for r in rows if r.country and not r.country_code]
    assert not [p for r in rows for p in r.problems]
