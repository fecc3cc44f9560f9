import pytest

from extract.dates import find_dates, inspection_range, single_date


@pytest.mark.parametrize(
    "text,expected",
    [
        ("3/17/2026-4/13/2026*", ("2026-03-17", "2026-04-13")),
        ("03/06/2006 - 04/18/2006*", ("2006-03-06", "2006-04-18")),
        ("04/13-24-2026", ("2026-04-13", "2026-04-24")),  # compressed range, one month
        ("10/14-16/2025", ("2025-10-14", "2025-10-16")),
        ("8/25/2025—-9/5/2025*", ("2025-08-25", "2025-09-05")),  # OCR'd dash
        ("8/18/2025=9/5/2025*", ("2025-08-18", "2025-09-05")),
        ("12/12/2012", ("2012-12-12", "2012-12-12")),  # a single date gives both
        ("01/06/2025, 01/08/2025, 01/10/2025", ("2025-01-06", "2025-01-10")),  # a list: first and last
        ("June 25, 2026", ("2026-06-25", "2026-06-25")),
        ("no date here", (None, None)),
        ("§/5/2026-5/12/2026*", ("2026-05-05", "2026-05-12")),  # OCR's section sign for a 5
        # one side of a printed range unreadable: the other is kept on its side, not doubled
        ("| 22/12/2012 = 12/28/2012*", (None, "2012-12-28")),
        ("3/17/2026 - 4/43/2026", ("2026-03-17", None)),
        ("= 12/28/2012*", (None, "2012-12-28")),
        ("3/17/20 26-4/13/2026", ("2026-03-17", "2026-04-13")),  # a year OCR split in two
    ],
)
def test_inspection_range(text, expected):
    assert inspection_range(text) == expected


def test_ocr_letters_in_dates_are_mended():
    assert find_dates("03/06/2G06(Mon), 03/O7/2006(Tue)") == ["2006-03-06", "2006-03-07"]


def test_invalid_dates_are_dropped_not_guessed():
    assert find_dates("13/45/2020 and 2/30/2021") == []


def test_single_date_tolerates_ocr_spaces():
    assert single_date("4/1 4/2026") == "2026-04-14"
    assert single_date("AY 4 12/28/20 12") == "2012-12-28"  # not 2020: the forms print four-digit years
    assert single_date("SEE REVERSE 06/17/2013") == "2013-06-17"
