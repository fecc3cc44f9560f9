"""How much a page's text reads like a Form 483: the share of real words and of the form's labels.

"Has characters" is not enough: old OCR layers carry thousands of characters of "fnm", "dmg",
"Laborato1y". A page scores by the share of its word tokens found in an English word list (plus
the trade's own abbreviations), and by how many of the form's fixed labels are readable.
"""
from __future__ import annotations

import re
from functools import lru_cache

from wordfreq import zipf_frequency

from .records import Line

# Words of the trade that a general word list ranks as rare.
DOMAIN_WORDS = set(
    """
    fda fei cfr gmp cgmp sop sops qa qc qcu qu capa oos oot iso lafh laf bsc hepa cip sip hplc
    api apis coa coas em tamc tymc cfu bud buds usp nf lims ipc mbr bpr ebr pq oq iq dq
    cleanroom cleanrooms sporicidal depyrogenation endotoxin endotoxins aseptically lyophilized
    lyophilization compounding compounded outsourcing bioburden isolator isolators
    """.split()
)

# The form's fixed labels, as they print on every page of a Form FDA 483.
FORM_LABELS = [
    "department of health and human services",
    "food and drug administration",
    "district address and phone number",
    "date(s) of inspection",
    "fei number",
    "name and title of individual to whom report issued",
    "firm name",
    "street address",
    "city, state, zip code, country",
    "type establishment inspected",
    "employee(s) signature",
    "date issued",
    "inspectional observations",
    "previous edition obsolete",
]

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]|[A-Za-z]")
_NORM = re.compile(r"[^a-z0-9()]+")


@lru_cache(maxsize=200_000)
def is_word(token: str) -> bool:
    t = token.lower().strip("'’")
    if t in DOMAIN_WORDS:
        return True
    if len(t) == 1:
        return t in "aio"
    return zipf_frequency(t, "en") >= 2.5


def word_share(text: str) -> tuple[float, int]:
    """(share of alphabetic tokens that are words, number of tokens)."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return 0.0, 0
    hits = sum(1 for t in tokens if is_word(t))
    return hits / len(tokens), len(tokens)


_SQUASHED_LABELS = [_NORM.sub("", label) for label in FORM_LABELS]


def label_share(text: str) -> float:
    squashed = _NORM.sub("", text.lower())
    found = sum(1 for label in _SQUASHED_LABELS if label in squashed)
    return found / len(FORM_LABELS)


def score_text(text: str) -> float:
    """0..1. A clean page of a 483 scores above 0.9; garbled OCR and empty layers near 0."""
    share, n = word_share(text)
    if n < 20:
        # A page with almost no text: a cover, a blank back, or no layer at all.
        return round(share * n / 20 * 0.7, 4)
    return round(0.8 * share + 0.2 * min(1.0, label_share(text) * 2), 4)


def score_lines(lines: list[Line]) -> float:
    return score_text("\n".join(line.text for line in lines))
