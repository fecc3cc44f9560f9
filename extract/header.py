"""The Form 483's header and signature boxes, read by the positions of their printed labels.

Each box's value sits below its label, in the label's column: the column runs from the label's
left edge to the next label on the same row (FIRM NAME | STREET ADDRESS share a row, and often a
printed line of text), and down to the next label below. Working on word boxes, not on lines,
is what separates "Wells Pharma of Houston LLC" from "9265 Kirby Dr".
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import replace
from difflib import SequenceMatcher

from . import address, dates
from .labels import FOOTER_KEYS, HEADER_KEYS, Label, find_labels, is_notice, squash
from .records import Header, Line, Page, Word
from .text import squash_spaces, strip_edges


def _same_row(a: Label, b: Label) -> bool:
    h = max(a.bottom - a.top, b.bottom - b.top, 4)
    return abs(a.top - b.top) < h * 1.2


def _column(label: Label, labels: dict[str, Label], width: float) -> tuple[float, float]:
    """x-range of a label's box: from its left edge to the next label to its right on the row."""
    right = width
    for other in labels.values():
        if other is label or not _same_row(label, other):
            continue
        if other.x0 > label.x1 - 1:
            right = min(right, other.x0 - 2)
    # A right-hand column's values start at its box edge, a little left of the label text.
    left = label.x0 - 8 if label.x0 > width * 0.35 else 0
    return left, right


# Rows of the header grid: (left box, right box). A label OCR could not read is placed from its
# partner on the row, or from the rows around it.
_ROWS = (("district", "dates"), ("firm", "street"), ("city", "type"))


def infer_labels(labels: dict[str, Label], page: Page) -> dict[str, Label]:
    """Add boxes for header labels that were not read, where the form's grid says they are."""
    labels = dict(labels)
    lefts = [lab.x0 for k, lab in labels.items() if k in ("district", "issued_to", "firm", "city")]
    left_x = min(lefts) if lefts else page.width * 0.1
    splits = [lab.x0 for k, lab in labels.items() if k in ("street", "type")]
    split_x = min(splits) if splits else None

    def place(key, x0, top, bottom, line_index=-1):
        labels[key] = Label(key, [], line_index, 0.0, x0, top, x0 + 30, bottom, inferred=True)

    for left, right in _ROWS:
        if left in labels and right not in labels and split_x is not None and right != "dates":
            partner = labels[left]
            place(right, split_x, partner.top, partner.bottom, partner.line_index)
        elif right in labels and left not in labels:
            partner = labels[right]
            place(left, left_x, partner.top, partner.bottom, partner.line_index)
    if "firm" not in labels and "street" not in labels and "city" in labels and "issued_to" in labels:
        # Both labels of the firm row lost: that row's values are the line just above CITY.
        above = [ln for ln in page.lines if labels["issued_to"].bottom < ln.top and ln.bottom <= labels["city"].top + 1]
        if len(above) >= 2:
            row = above[-1]
            place("firm", left_x, row.top - 6, row.top - 0.5)
            if split_x is not None:
                place("street", split_x, row.top - 6, row.top - 0.5)
    firm_row = labels.get("firm") or labels.get("street")
    above = [labels[k].bottom for k in ("district", "dates", "fei") if k in labels]
    if "issued_to" not in labels and firm_row is not None and above:
        # The label of the person's box lost: its value is the line just above the firm row,
        # in the lower half of the space between the district's boxes and that row (the upper
        # half holds the district's last lines and the label).
        mid = (max(above) + firm_row.top) / 2
        rows = [ln for ln in page.lines if mid < ln.top and ln.bottom <= firm_row.top + 1]
        row = next((ln for ln in rows if _PERSON_AND_TITLE.match(_TO.sub("", strip_edges(ln.text)))), None)
        if row is not None:
            place("issued_to", left_x, row.top - 6, row.top - 0.5)
    return labels


def _stop_below(label: Label, labels: dict[str, Label], left: float, right: float, width: float) -> float | None:
    """Top of the nearest label below this one whose box overlaps its column."""
    stop = None
    for other in labels.values():
        if other is label or other.top <= label.bottom - 1:
            continue
        o_left, o_right = _column(other, labels, width)
        if o_right <= left + 2 or o_left >= right - 2:
            continue
        if stop is None or other.top < stop:
            stop = other.top
    return stop


# What OCR makes of the boxes' borders: "|", "[", "_" read as words. They are no value's text,
# and a border between two boxes' values must not join them into one line of body text.
# (Dashes are not among them: "=" or "—" is how OCR reads the dash of a date range.)
_MARK = re.compile(r"[|\[\]{}_]+")
# A speck OCR read as a short word standing alone in a box ("oer,"): no header value is one.
_SPECK_WORD = re.compile(r"\W*[a-z]{1,3}\W*")


def box_lines(page: Page, label: Label, labels: dict[str, Label], max_lines: int = 4) -> list[str]:
    """The text lines in the box under `label`."""
    left, right = _column(label, labels, page.width)
    stop = _stop_below(label, labels, left, right, page.width)
    label_ids = {id(w) for lab in labels.values() for w in lab.words}
    out: list[list[Word]] = []
    last_bottom = last_top = label.bottom
    line_h = max(label.bottom - label.top, 5)
    for index, line in enumerate(page.lines):
        if line.bottom <= label.bottom + 0.5:
            continue
        if label.inferred and index == label.line_index:
            continue  # the row of the unread label: what OCR made of the label itself
        if stop is not None and _middle(line) >= stop - 1:
            break
        words = [
            w for w in line.words
            if id(w) not in label_ids and w.x0 >= left - 1 and (w.x0 + w.x1) / 2 <= right and w.x0 < right
            and not _MARK.fullmatch(w.text)
        ]
        if not words or _SPECK_WORD.fullmatch(" ".join(w.text for w in words)):
            continue
        if is_notice(line.text):
            break
        if out and abs(line.top - last_top) < 0.5 * line_h:
            # one printed line that a tilted scan split in two ("IN 46278" read above
            # "Indianapolis,"): its words in reading order
            out[-1] = sorted(out[-1] + words, key=lambda w: w.x0)
            last_bottom = max(last_bottom, line.bottom)
            continue
        if stop is None and out:
            # The last header row has no label below it. Its wrapped lines sit close together;
            # the body below starts after the box border, about two line heights down, and runs
            # across the column split where the two boxes' values leave a gap.
            if line.top - last_bottom > max(6.0, 0.9 * line_h):
                break
            split = right if right < page.width - 1 else left
            if 0 < split and _runs_across(line, split):
                break
        out.append(words)
        last_bottom, last_top = line.bottom, line.top
        line_h = max(w.bottom - w.top for w in words)
        if len(out) >= max_lines:
            break
    # a line of specks only ("., —") is no part of the value
    return [t for t in (strip_edges(" ".join(w.text for w in ws)) for ws in out) if re.search(r"[A-Za-z0-9]", t)]


def _middle(line: Line) -> float:
    """The height a line stands at: the median of its words' middles. A speck joined to one
    word's box ("Analytical" 14 points tall on a line 7 high) stretches the line's bottom, not
    this.

    >>> from extract.records import Word
    >>> _middle(Line([Word("Eagle", 87, 156, 110, 164), Word("Analytical", 121, 155, 180, 170),
    ...               Word("Services", 185, 156, 230, 162)]))
    160.0
    """
    return statistics.median((w.top + w.bottom) / 2 for w in line.words)


def _runs_across(line: Line, x: float) -> bool:
    """True when a line's text runs on across x, as body text does, rather than stopping short of it."""
    words = [w for w in line.words if not _MARK.fullmatch(w.text)]
    if any(w.x0 < x < w.x1 for w in words):
        return True
    before = [w for w in words if w.x1 <= x]
    after = [w for w in words if w.x0 >= x]
    if not before or not after:
        return False
    h = max(w.bottom - w.top for w in words)
    return after[0].x0 - before[-1].x1 < 1.2 * h


def _right_of(label: Label, page: Page, right: float) -> str:
    """Text printed on the label's own line, to its right (some forms put the value there)."""
    line = page.lines[label.line_index]
    words = [w for w in line.words if w.x0 > label.x1 and w.x0 < right]
    return " ".join(w.text for w in words)


_FEI_FIX = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "i": "1", "|": "1", "S": "5", "B": "8", "Z": "2"})


def _digits(token: str) -> str | None:
    token = token.strip(".,:;*'\"()[]|")
    if not token or sum(c.isdigit() for c in token) < len(token) * 0.6:
        return None
    fixed = token.translate(_FEI_FIX)
    return fixed if fixed.isdigit() else None


def parse_fei(text: str) -> str | None:
    """FEI digits from a box value: 7 to 10 digits, OCR letters in place of digits mended.

    A number OCR split in two ("301 2053582") is joined when the halves make a 10-digit FEI.
    """
    raw = (text or "").split()
    tokens = [_digits(t) for t in raw]
    for i, d in enumerate(tokens):
        if d and 7 <= len(d) <= 10:
            return d
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if d and nxt and len(d + nxt) == 10 and raw[i].isdigit() and raw[i + 1].isdigit():
            return d + nxt
    return None


_TO = re.compile(r"^[\s.,]*(?:TO|T0|To)\s*[:;.]\s*", re.I)
_TO_END = re.compile(r"\s+(?:TO|T0)\s*[:;.]?\s*$")


# What OCR makes of a handwritten note or specks after a value: a token with marks among its
# letters ("os}aq//A", "os)aq/"), or one to three lower-case letters that are no word ("ie").
# No token with a digit is taken for one: dates ("1/9/2024*") and numbers are values.
_JUNK_TOKEN = re.compile(r"^(?!\S*\d)(?:\S*[{}<>@#%^=+\\|¢©®€£§]\S*|\S*[A-Za-z]\S*//\S*|\S*[A-Za-z][()\[\]][A-Za-z]\S*|[a-z]{1,3})$")
# Short lower-case words that do end names, addresses and titles.
_SHORT_WORDS = frozenset("of and the dba inc llc ltd co rd st dr ave ste usa".split())


# The word a street ends with ("Rd", "Street", "Blvd.").
_STREET_END = (r"(?:RD|ROAD|ST|STREET|DR|DRIVE|AVE|AVENUE|BLVD|BOULEVARD|WAY|LN|LANE|PKWY|PARKWAY|"
               r"HWY|HIGHWAY|CT|COURT|PL|PLACE|CIR|CIRCLE|TER|TRAIL|TRL|PIKE)\.?")
# A street with a second one after it, numbered (two digits at least, which OCR may have
# parted: "A0zs0"): "3265 W Mcnab Rd & 2030 W. McNAB RD".
_SECOND_STREET = re.compile(
    rf"^(?P<first>\S.*?\b{_STREET_END})\W*\s+(?P<rest>(?=(?:\D*\d){{2}})\S+(?:\s+\S+)+\s+{_STREET_END})$", re.I)


def _first_street(text: str | None) -> str | None:
    """The street printed in the box, without a second address written beside it (an
    investigator's handwritten note of another of the firm's buildings)."""
    m = _SECOND_STREET.match(text or "")
    return m.group("first") if m else text


# A token before a value that is a speck: marks alone ("%", "‘", "-"), or one letter that is
# no capital ("é"). A capital may open a name ("A Plus Pharmacy"), a digit a street.
_LEADING_SPECK = re.compile(r"^(?:[^\w\s]+|[^\W\dA-Z_][^\w\s]*)$")


def clean_value(text: str, leading: bool = True) -> str | None:
    """A box's value without box borders, specks before it (unless not `leading`: before the
    dates, a mark may be what OCR left of the range's dash) and stray tokens at its end.

    >>> clean_value("% Distributor -")
    'Distributor'
    >>> clean_value("é Pompano Beach")
    'Pompano Beach'
    >>> clean_value("Jugal K. Taneja, Chairman and Chief Executive Officer (CEO}")
    'Jugal K. Taneja, Chairman and Chief Executive Officer (CEO)'
    >>> clean_value("Acme Sterile Services .")
    'Acme Sterile Services'
    """
    text = squash_spaces(strip_edges(text or ""))
    text = re.sub(r"\s+,", ",", text).strip(" ,;:")
    # a parenthesis OCR read as a brace: "(CEO}"
    text = re.sub(r"\((\w+)\}|\{(\w+)\)", lambda m: f"({m.group(1) or m.group(2)})", text)
    words = text.split()
    while leading and len(words) > 1 and _LEADING_SPECK.match(words[0]):
        words.pop(0)
    while len(words) > 1 and (_JUNK_TOKEN.match(words[-1]) or not re.search(r"\w", words[-1])) \
            and words[-1].strip(".,").lower() not in _SHORT_WORDS:
        words.pop()
    return " ".join(words).strip(" ,;:-—–") or None


def parse_header_page(page: Page) -> dict:
    """Header fields read from one page's boxes (keys missing where the box was not found)."""
    labels = infer_labels(find_labels(page.lines, HEADER_KEYS, y_max=page.height * 0.5), page)
    out: dict = {}

    def value(key, sep=" ", max_lines=4):
        if key not in labels:
            return None
        return clean_value(sep.join(box_lines(page, labels[key], labels, max_lines)), leading=key != "dates")

    fei = None
    if "fei" in labels and not labels["fei"].inferred:
        left, right = _column(labels["fei"], labels, page.width)
        fei = parse_fei(value("fei") or "") or parse_fei(_right_of(labels["fei"], page, right))
    if not fei and "dates" in labels:
        # FEI NUMBER sits under the dates in the same column; its label is tiny and OCR drops it.
        fei = parse_fei(value("dates", max_lines=4) or "")
    if fei:
        out["fei"] = fei
    if "dates" in labels:
        start, end = dates.inspection_range(value("dates", max_lines=2) or "")
        for field, day in (("inspection_start", start), ("inspection_end", end)):
            if day:
                out[field] = day
    issued = None
    if "issued_to" in labels:
        lines = box_lines(page, labels["issued_to"], labels, 3)
        # specks OCR read as words above the value: the value opens at "TO:" where a line does
        at = next((i for i, line in enumerate(lines) if _TO.match(line)), 0)
        issued = clean_value(" ".join(lines[at:at + 2]))
    if issued:
        out["issued_to"] = clean_value(_TO_END.sub("", _TO.sub("", issued)))
    for key, field in (("firm", "firm_name"), ("street", "street_address"), ("type", "establishment_type")):
        v = value(key, max_lines=3)
        if v:
            v = clean_value(_TO.sub("", v))
            out[field] = _first_street(v) if field == "street_address" else v
    place = value("city", max_lines=3)
    if place:
        p = address.parse_place(place)
        out.update({k: v for k, v in vars(p).items() if v})
    district = value("district", sep=", ", max_lines=4)
    if district:
        out["district"] = district
    return out


# --- header rows by their values -------------------------------------------------------------

_STREET_NUMBER = re.compile(r"(?<!\S)\d{1,6}[A-Z]?\s+[A-Z0-9]")
_PERSON_AND_TITLE = re.compile(r"^[A-Z][A-Za-z.'’\-]+(?:\s+[A-Z][A-Za-z.'’\-]*)+\s*,\s*[A-Za-z]")


def _two_columns(line: Line, width: float) -> tuple[str, str]:
    """A header row's values, left box and right box: split at the widest gap between words
    (a box border read as "|" is no word) when the right part starts past a third of the page."""
    words = [w for w in line.words if not _MARK.fullmatch(w.text)]
    if not words:
        return "", ""
    h = max(w.bottom - w.top for w in words)
    gaps = [(words[i + 1].x0 - words[i].x1, i + 1) for i in range(len(words) - 1)
            if words[i + 1].x0 > width / 3]
    gap, at = max(gaps, default=(0.0, len(words)))
    if gap < 1.5 * h:
        at = len(words)
    return strip_edges(" ".join(w.text for w in words[:at])), strip_edges(" ".join(w.text for w in words[at:]))


# The dates box ends above this share of the page's height on every form.
_DATES_ROW_MAX = 0.16


def parse_header_rows(page: Page) -> dict:
    """Header fields read from the values alone, for a page whose boxes' labels OCR could not
    read: the rows between the banner and the notice, from the bottom up. The place ("City,
    ST 12345", and the establishment type beside it) is the last row that parses as one with a
    postal code; the firm and street are the row above it with a street number; the person the
    report is issued to, the row above that ("TO: Name, Title"); the inspection dates and the
    FEI, the rows above. A page without the notice (a continuation page) gives the inspection
    dates only, from a row at the top that reads as a whole range."""
    lines = page.lines
    notice = next((i for i, ln in enumerate(lines) if ln.top < page.height * 0.5 and is_notice(ln.text)), None)
    if notice is None:
        return _top_range(page)
    # specks read as a mark or a letter or two are no row
    rows = [ln for ln in lines[:notice] if ln.top > page.height * 0.06 and len(re.findall(r"[A-Za-z0-9]", ln.text)) >= 3]

    def place(row: Line) -> dict | None:
        left, right = _two_columns(row, page.width)
        p = address.parse_place(left)
        if not (p.postal_code and (p.state or p.country) and p.city):
            return None
        found = {k: v for k, v in vars(p).items() if v}
        if right and re.search(r"[A-Za-z]{4}", right):
            found["establishment_type"] = clean_value(right)
        return found

    def firm_and_street(row: Line) -> dict | None:
        left, right = _two_columns(row, page.width)
        if not (right and _STREET_NUMBER.match(right)):
            m = _STREET_NUMBER.search(row.text)
            if not m or m.start() < 3:
                return None
            left, right = row.text[:m.start()], row.text[m.start():]
        if not re.search(r"[A-Za-z]{2}", left):
            return None
        return {"firm_name": clean_value(left), "street_address": _first_street(clean_value(right))}

    def issued_to(row: Line) -> dict | None:
        text = strip_edges(row.text)
        if _TO.match(text) or _PERSON_AND_TITLE.match(text):
            return {"issued_to": clean_value(_TO.sub("", text))}
        return None

    out: dict = {}
    at = len(rows)
    for read, reach in ((place, 4), (firm_and_street, 3), (issued_to, 3)):
        i, found = _row_above(rows, at, reach, read)
        if i is None:
            if read is issued_to:
                break  # the dates and FEI are still above the firm's row
            return out
        out |= found
        at = i
    for row in rows[:at]:
        _, right = _two_columns(row, page.width)
        if "inspection_start" not in out and "inspection_end" not in out:
            start, end = dates.inspection_range(right)
            out |= {k: v for k, v in (("inspection_start", start), ("inspection_end", end)) if v}
        if "fei" not in out:
            fei = parse_fei(" ".join(w.text for w in row.words if w.x0 > page.width * 0.45))
            if fei:
                out["fei"] = fei
    return out


def _top_range(page: Page) -> dict:
    """The inspection dates of a page whose header labels OCR lost, from the first row in the
    top of the page (where the dates box is) that reads as a range of two days."""
    for row in page.lines:
        if row.top > page.height * _DATES_ROW_MAX:
            break
        start, end = dates.inspection_range(row.text)
        if start and end and start != end:
            return {"inspection_start": start, "inspection_end": end}
    return {}


def _row_above(rows: list[Line], start: int, reach: int, read) -> tuple[int | None, dict | None]:
    """The nearest of the `reach` rows above rows[start] that `read` finds its fields in."""
    for i in range(start - 1, max(start - 1 - reach, -1), -1):
        found = read(rows[i])
        if found:
            return i, found
    return None, None


# --- signature box ----------------------------------------------------------------------------

TITLES = (
    "investigator", "inspector", "chemist", "microbiologist", "pharmacologist", "analyst", "cso",
    "consumer safety officer", "regulatory counsel", "medical officer", "biologist", "engineer",
    "specialist", "expert", "pharmacist", "nurse", "supervisor", "officer", "scientist",
    "reviewer", "auditor", "team leader", "toxicologist", "statistician", "veterinarian",
)
_HONORIFIC = re.compile(r"^(?:(?:Dr|Mr|Mrs|Ms|Miss|LCDR|CDR|LT|CAPT|RADM|Capt)\.?\s+)+", re.I)
_NAME = re.compile(r"^[A-Z][A-Za-z'’\-]+(?:\s+(?:[A-Z][.\-]?|[A-Z][A-Za-z'’\-]+\.?)){1,4}$")
# A word that opens on two capitals and goes on in lower case ("JFiRebeca", "BUeZ") is OCR of
# a signature's strokes run into a name: names are "McNeil", "DeAngelis", "SMITH", never so.
_NOT_A_NAME_WORD = re.compile(r"(?:^|\s)[A-Z]{2,}[a-z]")
_STAMP_PREFIX = re.compile(r"^(?:(?:SEE|REVERSE|OF|THIS|PAGE|X|x)\s+)+")


def _title_pattern(title: str) -> str:
    """A title as OCR may split its words anywhere: "Investi gator", "Investig ator"."""
    return r"\s+".join(r"\s?".join(map(re.escape, word)) for word in title.split())


_TITLE_RE = re.compile(r"\b(" + "|".join(map(_title_pattern, TITLES)) + r"|investig\w{3,})s?\b", re.I)


def parse_person(text: str) -> str | None:
    """The name in "Kara A. Scheibner, Ph.D., Pharmacologist" -> "Kara A. Scheibner"."""
    text = strip_edges(text)
    m = _TITLE_RE.search(text)
    if not m:
        return None
    head = text[: m.start()]
    signed = re.search(r"signed\s+by\s*:?\s*", head, re.I)  # "Digitally signed by Janet A. Rajan, ..."
    if signed:
        head = head[signed.end():]
    head = re.split(r",|\s-\s|\s–\s", head)[0]
    head = re.sub(r"\b(?:Ph\.?\s?D|M\.?D|Pharm\.?\s?D|R\.?Ph|M\.?S|B\.?S)\b\.?", "", head)
    head = _HONORIFIC.sub("", squash_spaces(head)).strip(" .,;:|")
    return _clean_name(head)


def _clean_name(head: str) -> str | None:
    # Drop words of the box's printed text that ran in from the left ("SEE REVERSE | Chad W Rice")
    head = re.sub(r"^.*\|\s*", "", head)
    # What runs in before the name, in any order ("OF THIS PAGE : ied Emily J. Orban"): the box's
    # printed words, a mark OCR read ("» Andrea A. Branche"), a signature's stroke read as a word
    # ("aN Andrea A. Branche"; no name starts in lower case).
    before = None
    while head != before:
        before = head
        head = re.sub(r"^[^A-Za-z]+", "", head)
        head = _STAMP_PREFIX.sub("", head)
        head = re.sub(r"^(?:[a-z]\S*\s+)+(?=[A-Z])", "", head)
    # "Michele lL. Forster": the initial with a stroke read before it
    head = re.sub(r"(?<=\s)[lI|1]([A-Z]\.)(?=\s)", r"\1", head)
    # "Michael 0 Idowu", "Michael © Idowu": the initial O read as a zero or a sign
    head = re.sub(r"(?<=[A-Za-z] )[0©](\.?)(?= [A-Z])", r"O\1", head)
    head = _HONORIFIC.sub("", head).strip(" .,;:")
    if _NAME.match(head) and not _TITLE_RE.search(head) and not _NOT_A_NAME_WORD.search(head):
        return head
    return None


# How far above SEE REVERSE the names may stand when the box's labels are unread, in lines.
_BOX_LINES_ABOVE = 2.5


def _box_anchor(labels: dict[str, Label], *keys: str) -> Label | None:
    """The first of the signature box's labels `keys` that was read; if none was (a poor scan),
    an inferred one: the box's values still stand beside "SEE REVERSE OF THIS PAGE" and up to
    two lines above it."""
    for key in keys:
        if key in labels:
            return labels[key]
    reverse = labels.get("see_reverse")
    if reverse is None:
        return None
    above = _BOX_LINES_ABOVE * (reverse.bottom - reverse.top)
    return Label("signature", [], reverse.line_index, reverse.score, reverse.x0,
                 reverse.top - above, reverse.x1, reverse.top - above, inferred=True)


def _is_heading(label: Label, line: Line) -> bool:
    """Whether a label found above the box stands as the form prints it, in capitals and alone
    on its line, and is not a sentence of an observation that says the same words ("the
    employees' names, titles and signatures are missing").

    >>> from extract.records import Word
    >>> def at(text):
    ...     words = [Word(t, 10.0 * i, 0.0, 10.0 * i + 8, 8.0) for i, t in enumerate(text.split())]
    ...     return Label("names_titles", words, 0, 100.0), Line(words)
    >>> _is_heading(*at("FDA EMPLOYEES' NAMES, TITLES, AND SIGNATURES:"))
    True
    >>> _is_heading(*at("The FDA employees' names, titles and signatures of reviewers are missing"))
    False
    """
    letters = "".join(c for w in label.words for c in w.text if c.isalpha())
    capitals = sum(c.isupper() for c in letters)
    label_letters = squash(" ".join(w.text for w in label.words))
    return capitals >= 0.8 * len(letters) and len(label_letters) >= 0.8 * len(squash(line.text))


def parse_investigators(page: Page, labels: dict[str, Label]) -> list[str]:
    """Names in the EMPLOYEE(S) SIGNATURE box (or the names-and-titles block), in printed order."""
    anchor = _box_anchor(labels, "names_titles", "signature")
    if anchor is None:
        return []
    titled_only = anchor.inferred  # only names with a title are taken beside SEE REVERSE
    right = page.width
    di = labels.get("date_issued")
    if di and di.x0 > anchor.x1:
        right = di.x0 - 2
    form = labels.get("form")
    bottom = form.top - 1 if form and form.top > anchor.bottom else page.height
    names: list[str] = []
    for line in page.lines:
        if line.bottom <= anchor.bottom + 0.5 or line.top >= bottom:
            continue
        words = [w for w in line.words if w.x1 <= right + 30 and w.x0 >= anchor.x0 - 60]
        if not words:
            continue
        text = " ".join(w.text for w in words)
        found = [parse_person(part) for part in _split_people(text)]
        if not any(found) and not titled_only:
            # A name whose title was printed on another line: "Andrea A. Branche ,"
            m = re.search(r"([A-Z][A-Za-z.\- ]+?)\s*,\s*$", text)
            found = [_clean_name(m.group(1))] if m else []
        for name in found:
            if name and name not in names:
                names.append(name)
    return _same_people_once(names)


def _same_people_once(names: list[str]) -> list[str]:
    """One entry per person: "Annet Rajan" from an e-signature stamp is "Annet R. Rajan" printed above it."""

    def key(name):
        parts = [p.strip(".").lower() for p in name.split() if len(p.strip(".")) > 1]
        return (parts[0], parts[-1]) if parts else (name.lower(),)

    out: list[str] = []
    for name in names:
        same = [i for i, kept in enumerate(out) if key(kept) == key(name)]
        if not same:
            out.append(name)
        elif len(name) > len(out[same[0]]):
            out[same[0]] = name
    return out


def _split_people(text: str) -> list[str]:
    """A line may carry two people side by side: cut after each title."""
    parts, start = [], 0
    for m in _TITLE_RE.finditer(text):
        end = m.end()
        rest = text[end:]
        extra = re.match(r"(?:[-–][A-Za-z]+)?", rest)  # "Investigator-GDUFA"
        end += extra.end() if extra else 0
        parts.append(text[start:end])
        start = end
    return parts


def parse_footer(page: Page) -> tuple[list[str], str | None]:
    """(investigators, date issued) from one page's signature box."""
    labels = find_labels(page.lines, FOOTER_KEYS, y_min=page.height * 0.55)
    if "signature" not in labels and "names_titles" not in labels:
        # Older forms list the people on the last page, under "FDA EMPLOYEES' NAMES, TITLES,
        # AND SIGNATURES", right after the last observation: that block may begin anywhere.
        block = find_labels(page.lines, ("names_titles",)).get("names_titles")
        if block and _is_heading(block, page.lines[block.line_index]):
            labels["names_titles"] = block
    people = parse_investigators(page, labels)
    issued = None
    di = labels.get("date_issued")
    if di:
        left = di.x0 - 25
        for line in page.lines:
            if line.bottom <= di.bottom + 0.5:
                continue
            form = labels.get("form")
            if form and line.top >= form.top - 1:
                break
            text = " ".join(w.text for w in line.words if w.x1 > left)
            issued = dates.single_date(text)
            if issued:
                break
        if not issued:
            issued = dates.single_date(" ".join(w.text for w in page.lines[di.line_index].words if w.x0 > di.x1))
    anchor = _box_anchor(labels, "signature", "names_titles")
    if not issued and anchor:
        # DATE ISSUED label unread: the date still stands at the right of the signature box.
        form = labels.get("form")
        for line in page.lines:
            if line.top < anchor.top - 2 or (form and line.top >= form.top - 1):
                continue
            issued = dates.single_date(" ".join(w.text for w in line.words if w.x0 > page.width * 0.6))
            if issued:
                break
    return people, issued


def parse_header(pages: list[Page], max_pages: int = 6) -> Header:
    """The document's header. The boxes repeat on every page: each field takes the value the
    first pages' readings agree on (`_pick`), so one page's OCR slip is outvoted."""
    votes = _votes(pages[:max_pages], parse_header_page)
    # A field no page's boxes gave is read from the rows' values (labels OCR could not read);
    # a text field the boxes gave takes the rows' reading as one more vote.
    for k, counts in _votes(pages[:max_pages], parse_header_rows).items():
        if k not in votes:
            votes[k] = counts
        elif k in _TEXT_FIELDS:
            _add(votes[k], counts)
    # A text field the first pages read fewer than three times (OCR lost its box's labels on
    # most of them) takes the readings of the later pages too, for the vote and the trimming.
    few = [k for k in _TEXT_FIELDS if sum(votes.get(k, {}).values()) < 3]
    if few and len(pages) > max_pages:
        for k, counts in _votes(pages[max_pages:], parse_header_page).items():
            if k in few:
                _add(votes.setdefault(k, {}), counts)
    if "firm_name" in votes:
        votes["firm_name"] = _within_box(votes["firm_name"], votes)
    fields = {k: _pick(k, counts) for k, counts in votes.items()}
    header = Header(**{k: v for k, v in fields.items() if k in Header.__dataclass_fields__})
    if header.country is None and (header.state or header.postal_code):
        header.country = "US"
    read: list[tuple[int, list[str]]] = []
    for page in pages:
        if not page.lines:
            continue
        people, issued = parse_footer(page)
        if issued and not header.date_issued:
            header.date_issued = issued
        read.append((page.number, people))
        if page.layer_lines:
            # the layer OCR replaced reads the box once more: OCR can lose a name a signature
            # crosses that the scanner's own OCR kept
            read.append((page.number, parse_footer(replace(page, lines=page.layer_lines))[0]))
    header.investigators = _investigators(read)
    return header


# Free-text fields, whose readings differ by the words OCR read into them from beside the box.
_TEXT_FIELDS = ("firm_name", "street_address", "issued_to", "establishment_type", "city", "district")


def _add(counts: dict[str, int], more: dict[str, int]) -> None:
    """Adds the readings of `more` to `counts`."""
    for v, n in more.items():
        counts[v] = counts.get(v, 0) + n


def _within_box(firm_names: dict[str, int], votes: dict[str, dict[str, int]]) -> dict[str, int]:
    """The readings of the firm's box that hold its value alone: where a page lost the labels
    around the box, its reading runs on into the rows below ("Acme Labs : 12 Main St, Dover, DE
    19901 Contract Testing Laboratory"). A reading that holds the street or the postal code
    read on the pages is left out, unless every reading does.

    >>> _within_box({"Acme Labs": 1, "Acme Labs 12 Main St Dover, DE 19901": 2},
    ...             {"postal_code": {"19901": 3}, "street_address": {"12 Main St": 3}})
    {'Acme Labs': 1}
    """
    below = [re.sub(r"\W+", " ", v).strip() for k in ("street_address", "postal_code") for v in votes.get(k, {})]
    below = [b for b in below if re.search(r"\d", b)]

    def overruns(reading: str) -> bool:
        flat = " " + re.sub(r"\W+", " ", reading) + " "
        return any(f" {b} " in flat or (b.isdigit() and f" {b[:5]}" in flat) for b in below)

    kept = {v: n for v, n in firm_names.items() if not overruns(v)}
    return kept or firm_names


def _pick(field: str, counts: dict[str, int]) -> str:
    """The value of a header field from its readings on the pages."""
    if field == "district":
        # its readings differ by how many of its lines a page read, and OCR reads the phone
        # numbers at its end differently on each: nothing to trim by
        return _consensus(counts)
    if field in _TEXT_FIELDS:
        return _trim_edges(_consensus(counts), counts)
    if field == "fei":
        # An FEI has 7 or 10 digits: a reading that lost one is outvoted by a whole one.
        return max(counts, key=lambda v: (len(v) in (7, 10), counts[v]))
    return max(counts, key=counts.get)


def _trim_edges(value: str, counts: dict[str, int]) -> str:
    """The value without the words at its ends that fewer than half the readings have: what
    OCR read beside the box on this page ("cCrR RD Outsourcing Facility OF 129/26" among
    "Outsourcing Facility" and "tsourcing Facility os / 29/26"). A word is had by a reading
    with it or with a word OCR read nearly alike (`_alike`). Only with three readings or more;
    a value that would be left with nothing is kept as it is.

    >>> _trim_edges("cCrR RD Outsourcing Facility OF 129/26", {"cCrR RD Outsourcing Facility OF 129/26": 1,
    ...             "Outsourcing Facility": 2, "tsourcing Facility os / 29/26": 1})
    'Outsourcing Facility'
    """
    total = sum(counts.values())
    if total < 3:
        return value
    words = {v: {w for t in v.split() for w in _words(t)} for v in counts}

    def had(token: str) -> bool:
        found = _words(token)
        return bool(found) and all(
            2 * sum(n for v, n in counts.items() if key in words[v] or any(_alike(key, w) for w in words[v])) >= total
            for key in found)

    t = value.split()
    i, j = 0, len(t)
    while i < j and not had(t[i]):
        i += 1
    while j > i and not had(t[j - 1]):
        j -= 1
    return (clean_value(" ".join(t[i:j])) if i < j else None) or value


def _words(token: str) -> list[str]:
    """A token's words, lower-cased, without its marks: "VETAU,LLC" -> ["vetau", "llc"]."""
    return re.findall(r"[a-z0-9]+", token.lower())


def _alike(a: str, b: str) -> bool:
    """Two words OCR read nearly alike: of four letters or more, difflib's ratio at least 0.8
    ("Facili", "Facility"); of three, one changed after the same first letter ("Lic", "LLC")."""
    n = min(len(a), len(b))
    if n == 3 == max(len(a), len(b)):
        return a[0] == b[0] and sum(x == y for x, y in zip(a, b)) == 2
    return n >= 4 and SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.8


def _consensus(counts: dict[str, int]) -> str:
    """The reading the others agree with most: each reading scores its likeness (difflib's
    ratio, case and punctuation aside) to every reading, weighed by how often that one was
    read; on a tie the most frequent, then the earliest. Readings alike, this is the most
    frequent one; when each page read other words beside the value ("David L. Rapy, General
    Manager FRA NAME STREET ES") or stops inside it, the reading nearest all the others wins
    though no two pages read it alike."""
    keys = {v: " ".join(re.findall(r"[a-z0-9]+", v.lower())) for v in counts}

    def support(v: str) -> float:
        return sum(n * SequenceMatcher(None, keys[v], keys[w], autojunk=False).ratio() for w, n in counts.items())

    return max(counts, key=lambda v: (round(support(v), 9), counts[v]))


def _votes(pages: list[Page], read) -> dict[str, dict[str, int]]:
    """For each field, how many pages `read` each value on, in the order first read."""
    votes: dict[str, dict[str, int]] = {}
    for page in pages:
        if page.lines:
            for k, v in read(page).items():
                votes.setdefault(k, {}).setdefault(v, 0)
                votes[k][v] += 1
    return votes


def _investigators(read: list[tuple[int, list[str]]]) -> list[str]:
    """The people of the signature box, from what each reading of a page (its number, the
    names read) read of it: the reading with the most, and anyone else read on two other
    pages at least (a signature over one name can hide it on some pages and another name on
    others); a misreading on one other page is left out. Each person is written as most
    readings have them ("Andrea A. Branche", not one page's "A- Branche")."""
    best = max((people for _, people in read), key=len, default=[])
    person = _same_person([name for _, people in read for name in people])
    readings: dict[tuple[str, str], list[str]] = {}
    pages: dict[tuple[str, str], set[int]] = {}
    for number, people in read:
        for name in people:
            pages.setdefault(person[name], set()).add(number)
            readings.setdefault(person[name], []).append(name)
    keys = [person[name] for name in best]
    keys += [key for key in readings if key not in keys and len(pages[key]) >= 2]
    return [max(readings[key], key=lambda name: (readings[key].count(name), len(name)))
            for key in dict.fromkeys(keys)]


def _same_person(names: list[str]) -> dict[str, tuple[str, str]]:
    """Each name read -> the person it is, as (initial, surname): readings that share the
    initial and whose surnames OCR read nearly alike ("Walls", "Wallis", "Wails"), directly or
    through another reading, are one person, under the reading most often given."""
    counts = Counter(_initial_and_surname(name) for name in names)
    keys = sorted(counts, key=lambda k: -counts[k])
    person = {k: k for k in keys}
    rank = {k: i for i, k in enumerate(keys)}
    for i, a in enumerate(keys):
        for b in keys[:i]:
            if _slip(a, b) and person[a] != person[b]:
                joined = {person[a], person[b]}
                first = min(joined, key=rank.get)
                person = {k: first if p in joined else p for k, p in person.items()}
    return {name: person[_initial_and_surname(name)] for name in names}


def _slip(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Two readings of one person's name: the same initial, and surnames of five or more
    letters that differ by an OCR slip (difflib's ratio at least 0.8: a letter changed, added
    or dropped)."""
    (ia, sa), (ib, sb) = a, b
    if ia != ib or min(len(sa), len(sb)) < 5:
        return False
    return SequenceMatcher(None, sa, sb).ratio() >= 0.8


def _initial_and_surname(name: str) -> tuple[str, str]:
    """"Andrea A. Branche" and OCR's "A- Branche" are one person: ("a", "branche")."""
    parts = name.lower().split()
    return parts[0][0], parts[-1].strip(".")
