"""The CITY, STATE, ZIP CODE, COUNTRY box into its parts, and countries into ISO codes.

Printed forms seen: "Houston, TX 77054-2520", "Bloomington, IN 47403 USA",
"Nagpur, Maharashtra, 441108 India", "Ahmedabad, Gujarat, 382210, India",
"Poce Sur Cisse, Indre Et Loire, 37530 France", "Leiden, Zuid-Holland, 2333 CH, Netherlands".
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# One table of country names and one of US states for the forms, the registry and FDA's
# listings: kb/geo.py. country_code is re-exported: callers read it from here.
from kb.geo import country_code, us_state_code as us_state  # noqa: F401


@dataclass
class Place:
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


_US_ZIP = re.compile(r"\b(\d{5})(?:\s*-\s*(\d{4}))?\b")
# Postal codes of other countries: digits, or letters and digits ("M5V 3L9", "2333 CH", "SW1A 1AA")
_POSTAL = re.compile(r"\b(\d{3}\s\d{2}|\d{3,6}(?:\s?[A-Z]{2})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|\d{2}-\d{3})\b")


def _joined_digits(part: str) -> str:
    """A part of digits in groups ("3822 10") as one number, unless a postal code is written so."""
    if re.fullmatch(r"\d{2,}(?:\s\d{1,4})+", part) and not _POSTAL.fullmatch(part) and len(part) <= 12:
        return part.replace(" ", "")
    return part


def parse_place(text: str) -> Place:
    """Split a CITY, STATE, ZIP CODE, COUNTRY value into its parts (US when no country is printed)."""
    text = " ".join((text or "").replace(";", ",").split()).strip(" ,.")
    if not text:
        return Place()
    parts = [p.strip(" .") for p in text.split(",") if p.strip(" .")]
    country = None
    # The country is the last part, or the last words of the last part ("441108 India", "47403 USA").
    last = parts[-1] if parts else ""
    words = last.split()
    for n in (3, 2, 1):
        tail_words = words[-n:]
        if len(words) < n or not all(re.fullmatch(r"[A-Za-z.'’-]+", w) for w in tail_words):
            continue
        # A bare two-letter code counts only standing alone ("..., FR"), not inside "2333 CH" or "IN 47403".
        if n == 1 and len(tail_words[0].strip(".")) <= 2 and len(words) > 1:
            continue
        code = country_code(" ".join(tail_words))
        if code:
            if not (code == "US" and n == 1 and len(parts) == 1):
                country = code
                rest = " ".join(words[:-n]).strip()
                if rest:
                    parts[-1] = rest
                else:
                    parts.pop()
                break
    if country is None:
        # "Andhra Pradesh, India 532409": the country before the postal code
        m = re.match(r"^([A-Za-z .'’-]+?)\s+(\d[\dA-Z -]{2,9})$", parts[-1])
        if m and len(m.group(1).strip()) >= 3 and not us_state(m.group(1)) and country_code(m.group(1)):
            country = country_code(m.group(1))
            parts[-1] = m.group(2)
    if country is None and len(parts) >= 2 and not re.search(r"\d", parts[-1]):
        code = country_code(parts[-1])
        if code:
            country, parts = code, parts[:-1]
    if not parts:
        return Place(country=country)
    city = parts[0]
    tail = ", ".join(parts[1:])
    state = postal = None
    if country in (None, "US"):
        m = None
        for m in _US_ZIP.finditer(tail or city):
            pass
        if m:
            postal = m.group(1) + (f"-{m.group(2)}" if m.group(2) else "")
            before = (tail or city)[: m.start()].strip(" ,")
            if tail:
                tail = before
            else:
                city = before
        # "Houston, TX" or "Houston TX"
        st = us_state(tail) if tail else None
        if not st and tail:
            st = us_state(tail.split()[0]) if tail.split() else None
        if not st and not tail and len(city.split()) > 1 and us_state(city.split()[-1]):
            st = us_state(city.split()[-1])
            city = " ".join(city.split()[:-1])
        if st:
            state, country = st, country or "US"
        elif tail:
            state = tail
        if country is None and (state or postal):
            country = "US"
    else:
        # a postal code OCR split at a gap between its digits ("3822 10"), unless printed so
        # ("113 51")
        tail = ", ".join(_joined_digits(p.strip()) for p in tail.split(","))
        m = None
        for m in _POSTAL.finditer(tail):
            pass
        if m:
            postal = m.group(1)
            tail = (tail[: m.start()] + tail[m.end():]).strip(" ,")
        state = tail.strip(" ,") or None
    return Place(city=city or None, state=state, postal_code=postal, country=country)
