"""Dates as printed on Form 483s, into ISO dates.

The DATE(S) OF INSPECTION box holds a range ("3/17/2026-4/13/2026*"), a compressed range
("04/13-24-2026"), one date, or a list of days; OCR adds "=" or "—" for the dash and "G" or
"O" for zeros. Years are four digits on every form seen; two-digit years are read as 20xx
or 19xx around 2050.
"""
from __future__ import annotations

import datetime as dt
import re

# Characters OCR puts in place of digits inside a date.
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "G": "0", "l": "1", "I": "1", "|": "1", "S": "5", "§": "5", "B": "8",
                            "Z": "2"})
_DASHES = re.compile(r"\s*(?:[-–—=~]+|\bto\b|\bthrough\b|\bthru\b)\s*", re.I)
# month/day/year with / . or - separators; 7 in place of / is a common OCR slip ("03709/2006")
_MDY = re.compile(r"(?<![\d/])(\d{1,2})\s*[/.]\s*(\d{1,2})\s*[/.]\s*(\d{4}|\d{2})(?![\d/])")
_COMPRESSED = re.compile(
    r"(?<![\d/])(\d{1,2})/(\d{1,2})\s*-\s*(\d{1,2})\s*[-/]\s*(\d{4})(?!\d)"  # 04/13-24-2026, 10/14-16/2025
)
_SPLIT_YEAR = re.compile(r"(/\s*(?:19|20))\s+(\d{2})(?![\d/])")
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_WORDY = re.compile(r"\b(\d{1,2})[\s-]*([A-Za-z]{3})[a-z]*[\s,-]*(\d{4})\b|\b([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b")


def _year(y: str) -> int:
    n = int(y)
    if len(y) == 2:
        n += 2000 if n < 50 else 1900
    return n


def _iso(y: int, m: int, d: int) -> str | None:
    if not 1900 <= y <= 2100:
        return None
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def _clean(text: str) -> str:
    # A four-digit year that OCR split in two ("12/28/20 12"): the forms print four-digit years.
    text = _SPLIT_YEAR.sub(r"\1\2", text)
    # Fix OCR letters only where they sit between digits and separators.
    return re.sub(r"(?<=[\d/])[OoGlI|S§BZ](?=[\d/])|(?<=/)[OoGlI|S§BZ]|[OoGlI|S§BZ](?=/)",
                  lambda m: m.group(0).translate(_DIGIT_FIX), text)


def single_date(text: str) -> str | None:
    """The first date in a one-date box (DATE ISSUED), tolerant of OCR spaces inside it ("4/1 4/2026")."""
    dates = find_dates(text) or find_dates(re.sub(r"(?<=[\d/])\s+(?=[\d/])", "", text or ""))
    return dates[0] if dates else None


def find_dates(text: str) -> list[str]:
    """Every date in `text`, in printed order, as ISO strings (invalid dates dropped)."""
    text = _clean(text or "")
    found: list[tuple[int, str]] = []
    spans = []
    for m in _COMPRESSED.finditer(text):
        month, d1, d2, year = int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4))
        for day, pos in ((d1, m.start()), (d2, m.start() + 1)):
            iso = _iso(year, month, day)
            if iso:
                found.append((pos, iso))
        spans.append(m.span())
    for m in _MDY.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        iso = _iso(_year(m.group(3)), int(m.group(1)), int(m.group(2)))
        if iso:
            found.append((m.start(), iso))
            spans.append(m.span())
    for m in _WORDY.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        if m.group(1):
            day, mon, year = m.group(1), m.group(2), m.group(3)
        else:
            mon, day, year = m.group(4), m.group(5), m.group(6)
        month = _MONTHS.get(mon.lower()[:3])
        if month:
            iso = _iso(int(year), month, int(day))
            if iso:
                found.append((m.start(), iso))
    return [iso for _, iso in sorted(found)]


def inspection_range(text: str) -> tuple[str | None, str | None]:
    """(first day, last day) from a DATE(S) OF INSPECTION value; a single date gives both.

    A printed range one of whose dates OCR made invalid or lost ("22/12/2012 = 12/28/2012*",
    "= 12/28/2012*") gives the readable one only, on its side: a one-day inspection is not made up.
    """
    dashed = _DASHES.sub(" - ", text or "")
    dates = find_dates(dashed) or find_dates(re.sub(r"(?<=[\d/])\s+(?=[\d/])", "", text or ""))
    if not dates:
        return None, None
    if len(dates) == 1:
        sides = dashed.split(" - ", 1)
        if len(sides) == 2:  # a range: the date read is the side it is on
            return (dates[0], None) if find_dates(sides[0]) else (None, dates[0])
    return min(dates), max(dates)
