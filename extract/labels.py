"""Finding the Form 483's printed labels on a page, by word positions, robust to OCR noise.

Labels are matched on "squashed" text (upper-case letters and digits only), so "FEJNUMBER",
"FEI NUMBER" and "FE/NUMBER" all align with FEI NUMBER, and a label that shares its line with
another ("FIRM NAME STREET ADDRESS") is found with its own words and x-range.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from .records import Line, Word

# key -> printed variants (the form changed over the years; BIMO and device forms differ a little)
LABELS: dict[str, tuple[str, ...]] = {
    "district": ("DISTRICT ADDRESS AND PHONE NUMBER", "DISTRICT OFFICE ADDRESS AND PHONE NUMBER"),
    "dates": ("DATE(S) OF INSPECTION",),
    "fei": ("FEI NUMBER",),
    "issued_to": (
        "NAME AND TITLE OF INDIVIDUAL TO WHOM REPORT ISSUED",
        "NAME AND TITLE OF INDIVIDUAL TO WHOM REPORT IS ISSUED",
    ),
    "firm": ("FIRM NAME",),
    "street": ("STREET ADDRESS",),
    "city": ("CITY, STATE, ZIP CODE, COUNTRY", "CITY, STATE AND ZIP CODE", "CITY, STATE, AND ZIP CODE"),
    "type": ("TYPE ESTABLISHMENT INSPECTED", "TYPE OF ESTABLISHMENT INSPECTED"),
    "signature": ("EMPLOYEE(S) SIGNATURE",),
    "names_titles": ("EMPLOYEE(S) NAME AND TITLE (PRINT OR TYPE)", "FDA EMPLOYEES' NAMES, TITLES, AND SIGNATURES"),
    "date_issued": ("DATE ISSUED",),
    "see_reverse": ("SEE REVERSE OF THIS PAGE", "SEE REVERSE"),
    "form": ("FORM FDA 483",),
}
HEADER_KEYS = ("district", "dates", "fei", "issued_to", "firm", "street", "city", "type")
FOOTER_KEYS = ("signature", "names_titles", "date_issued", "see_reverse", "form")

_SQUASH = re.compile(r"[^A-Z0-9]+")
# Letters OCR confuses inside labels; folding both sides makes "ESTABUSHMENT" meet "ESTABLISHMENT".
_FOLD = str.maketrans({"0": "O", "1": "I", "L": "I", "J": "I", "5": "S", "8": "B", "U": "I"})


def squash(text: str) -> str:
    return _SQUASH.sub("", text.upper())


# The notice the form prints under its header boxes on the first page, in squash()'s letters:
# lines of its paragraph ("This document lists observations made by the FDA
# representative(s) ...", "If you have any questions, please contact FDA ...") and the line
# that opens the findings ("DURING AN INSPECTION OF YOUR FIRM I OBSERVED:"), which is also
# the whole notice on some forms.
NOTICE_PARAGRAPH = (
    "DOCUMENTLISTSOBSERVATIONS", "LISTSOBSERVATIONSMADE", "ANDDONOTREPRESENT", "FINALAGENCYDETERMINATION",
    "OBJECTIONREGARDINGANOBSERVATION", "IMPLEMENTEDORPLANTOIMPLEMENT", "REPRESENTATIVESDURINGTHEINSPECTION",
    "QUESTIONSPLEASECONTACTFDA",
)
NOTICE_LAST = ("ANINSPECTIONOFYOURFIRM", "QUESTIONSPLEASECONTACTFDA")


def is_notice(text: str, last: bool = False) -> bool:
    """Whether a line is part of the notice (with `last`, a line it ends with), however OCR
    spaced it.

    >>> is_notice("This document lists observations made by the FDA representative(s)")
    True
    >>> is_notice("DURING AN INSPECTION OF YOUR FIRM WE OBSERVED:", last=True)
    True
    >>> is_notice("The firm lists its observations in a log.")
    False
    """
    letters = squash(text)
    return any(k in letters for k in (NOTICE_LAST if last else NOTICE_PARAGRAPH + NOTICE_LAST))


def fold(text: str) -> str:
    return squash(text).translate(_FOLD)


@dataclass
class Label:
    """A printed label: its words, or (inferred=True) a box placed where the form's grid puts it."""

    key: str
    words: list[Word]
    line_index: int
    score: float
    x0: float = 0.0
    top: float = 0.0
    x1: float = 0.0
    bottom: float = 0.0
    inferred: bool = False

    def __post_init__(self):
        if self.words:
            self.x0 = min(w.x0 for w in self.words)
            self.x1 = max(w.x1 for w in self.words)
            self.top = min(w.top for w in self.words)
            # The median, not the max: one OCR box swollen by a stroke of the border must not
            # push the label's bottom into the value below it.
            bottoms = sorted(w.bottom for w in self.words)
            self.bottom = bottoms[len(bottoms) // 2]


def _min_score(label: str) -> float:
    # Short labels ("FEI NUMBER", "FIRM NAME") need a closer match: a stray word could pass.
    n = len(squash(label))
    return 88 if n <= 10 else 82 if n <= 16 else 78


# Each key's variants folded once, with the score they need.
_NEEDLES: dict[str, tuple[tuple[str, float], ...]] = {
    key: tuple((fold(v), _min_score(v)) for v in variants) for key, variants in LABELS.items()
}


def _folded(words: list[Word]) -> tuple[str, list[int]]:
    """A line's words folded into one string, with, per character, the index of its word."""
    chars, owners = [], []
    for wi, w in enumerate(words):
        s = fold(w.text)
        chars.append(s)
        owners.extend([wi] * len(s))
    return "".join(chars), owners


def find_in_line(line: Line, key: str, index: int = 0, folded: tuple[str, list[int]] | None = None) -> Label | None:
    """The words of `line` that spell label `key`, or None. `folded`: the line's _folded(words)."""
    words = line.words
    if not words:
        return None
    hay, owners = folded or _folded(words)
    if not hay:
        return None
    best = None
    for needle, min_score in _NEEDLES[key]:
        if len(hay) < len(needle) * 0.6:
            continue
        al = fuzz.partial_ratio_alignment(needle, hay, score_cutoff=min_score)
        if al is None:
            continue
        if best is None or al.score > best[0]:
            best = (al.score, al.dest_start, al.dest_end)
    if best is None:
        return None
    score, start, end = best
    if end <= start:
        return None
    first, last = owners[start], owners[end - 1]
    return Label(key, words[first : last + 1], index, score)


def find_labels(lines: list[Line], keys=None, y_min: float | None = None, y_max: float | None = None) -> dict[str, Label]:
    """The best match of each label key among `lines` (optionally only lines within a y-band)."""
    found: dict[str, Label] = {}
    for i, line in enumerate(lines):
        if y_min is not None and line.bottom < y_min:
            continue
        if y_max is not None and line.top > y_max:
            continue
        if not any(c.isupper() for c in line.text):
            continue
        folded = _folded(line.words)
        for key in keys or LABELS:
            lab = find_in_line(line, key, i, folded)
            if lab and (key not in found or lab.score > found[key].score):
                found[key] = lab
    _drop_overlaps(found)
    return found


# When two labels claim the same words, the longer label wins ("SEE REVERSE" inside
# "SEE REVERSE OF THIS PAGE" is one label; "DATE ISSUED" must not be read out of "DATE(S) OF INSPECTION").
def _drop_overlaps(found: dict[str, Label]) -> None:
    keys = sorted(found, key=lambda k: -len(squash(LABELS[k][0])))
    taken: list[set[int]] = []
    for k in keys:
        lab = found[k]
        ids = {id(w) for w in lab.words}
        if any(ids & t for t in taken):
            del found[k]
        else:
            taken.append(ids)
