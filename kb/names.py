"""Firm names as FDA prints them, normalised, and matched to companies of the registry.

A printed name carries more than one name: "North American Custom Laboratories, LLC dba
FarmaKeio Superior Custom Compounding" names a legal entity and a trade name; "Simtra
(formerly Baxter BioPharma Solutions)" a current and a former name; "Hospira, Inc., A Pfizer
Company" a firm and its parent. `name_variants` splits them; `normalize` reduces each to the
words that identify the firm:

    >>> normalize("Dr. Reddy&#039;s Laboratories Limited")
    'dr reddys laboratories'
    >>> [(v.role, v.text) for v in name_variants("Revive Rx LLC dba Revive Rx Pharmacy")]
    [('name', 'revive rx'), ('dba', 'revive rx pharmacy')]

`match_company` tries, in order: an exact normalised match on a registry name, alias or former
name ("alias"); a curated name stem of a group ("Lonza Houston, Inc" starts with Lonza's stem);
then a fuzzy match, guarded by country ("fuzzy"). Linking by FEI comes first and is the
caller's: `company_for_fei`.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from kb.geo import country_code, fold

if TYPE_CHECKING:
    from kb.registry import Registry

# Tuned on data/labels/company_links.csv with benchmarks/linking.py: below 90 a different
# firm passes ("Apothecary Pharma" for "Apotheca", 89), below 75 "Bayer Healthcare" for
# "Baxter Healthcare"; above 92 OCR misreadings ("Eagle Analytica1 Services") are lost.
FUZZY_THRESHOLD = 90.0
# Words most firm names share. Similarity is judged on what is left without them, or
# "Bayer Healthcare" passes for "Baxter Healthcare" and "Salix Pharmaceuticals" for "SCA
# Pharmaceuticals" (both seen in FDA's listings).
_GENERIC_WORDS = frozenset("""
    pharmaceutical pharmaceuticals pharma pharmacy pharmacies laboratories laboratory labs lab
    healthcare health care solutions services service products product biologics biologic
    biopharma biopharmaceuticals biosciences bioscience lifesciences life sciences sciences
    international global group holdings holding industries industrial manufacturing usa us
    america american medical medicine medicines drug drugs chemicals chemical specialty
    compounding outsourcing facility center centre and of the
""".split())
# A core this short is too little to judge similarity by ("cp" against "jhp").
_MIN_CORE = 4
# The score a stem match reports: certain enough to beat any fuzzy candidate but below an
# exact match.
STEM_SCORE = 95.0

# Legal forms, stripped from the end of a name, repeatedly and in runs ("co ltd", "pvt ltd",
# "sa de cv", "gmbh and co kg"). Dotted forms ("S.A.", "L.L.C.") arrive here as "sa", "llc";
# "lnc" is how OCR reads "Inc" on the scanned 483s.
_SUFFIX_WORDS = (
    "inc|lnc|incorporated|corp|corporation|co|company|cos|companies|llc|lc|lcc|llp|lp|plc|pllc|pc|"
    "ltd|limited|pvt|private|pty|proprietary|gmbh|mbh|ag|kg|kgaa|se|sa|sas|sarl|srl|spa|sl|slu|"
    "nv|bv|oy|oyj|ab|as|aps|ltda|hf|ehf|kft|zrt|sro|bhd|sdn|kk|cv|rl"
)
_SUFFIX_RUN = re.compile(rf"(?:\s+(?:{_SUFFIX_WORDS}|de(?=\s+(?:cv|rl)\b)|and(?=\s+co\b)))+$")
# Runs of single letters are spelled-out abbreviations: "s a de c v", "l l c", "d r".
_LETTER_RUN = re.compile(r"\b[a-z](?:\s[a-z]\b)+")

# Site qualifiers that follow a firm's name: "Unit II", "Units I and II", "CTO VI", "Unit-3".
_SITE_QUALIFIER = re.compile(r"\s+(?:unit|units|plant|cto|fto)(?:\s+(?:[ivx]+|\d+[a-z]?|and|no))+$")

# Markers that start another name inside a printed name, with the role of what follows.
_CLAUSES = [
    ("dba", r"\b(?:d\s*/\s*b\s*/\s*a|d\.\s*b\.\s*a\.?|dba|doing\s+business\s+as|t\s*/\s*a|trading\s+as)\b"),
    ("former", r"\b(?:formerly(?:\s+known\s+as)?|f\s*/\s*k\s*/\s*a|fka)\b"),
    ("parent", r"\b(?:an?\s+)?(?:wholly[\s-]+owned\s+)?(?:subsidiary|company|part|division|div|member|affiliate)\s+of\b"),
]
_CLAUSE = re.compile("|".join(f"(?P<{role}>{rx})" for role, rx in _CLAUSES), re.IGNORECASE)
# "Meridian Medical Technologies, Inc. a Pfizer Company": the parent sits inside the marker.
_A_X_COMPANY = re.compile(r"[,\s]+an?\s+([^,()]+?)\s+company\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Variant:
    """One name read from a printed firm name: its role and its normalised text."""

    role: str  # "name", "dba", "former" or "parent"
    text: str


@dataclass(frozen=True)
class Match:
    """Which registry company a printed firm name is, how it was found, and how sure."""

    company_id: str
    method: str  # "alias": exact normalised match; "fuzzy": stem or similarity match
    score: float  # 0..100
    matched: str = ""  # the registry name (normalised) that matched


def clean_name(text: str) -> str:
    """A firm name as a person would read it: HTML entities decoded (some exports escape twice,
    "&amp;#039;"), runs of whitespace and non-breaking spaces made one space."""
    for _ in range(3):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    return " ".join(text.split())


def normalize(name: str | None) -> str:
    """The identifying words of one firm name: case, accents, punctuation, HTML entities, a
    leading "The", parenthetical notes, site qualifiers and legal forms removed.

    >>> normalize("The Brigham and Women's Hospital, Inc.")
    'brigham and womens hospital'
    >>> normalize("Laboratorios Farmaceuticos Rovi S. A.")
    'laboratorios farmaceuticos rovi'
    >>> normalize("Hetero Drugs Ltd. - Unit 1")
    'hetero drugs'
    """
    if not name:
        return ""
    text = clean_name(str(name))
    text = re.sub(r"\([^)]*\)?|\[[^\]]*\]?", " ", text)  # "(CAPS)", "(Units I and II)", "(113"
    # Apostrophes go first, so that "Reddy's" stays one word.
    text = re.sub(r"['’`´]", "", text)
    words = _LETTER_RUN.sub(lambda m: m.group(0).replace(" ", ""), fold(text))
    words = re.sub(r"^the\s+", "", words)
    for _ in range(3):
        before = words
        words = _SITE_QUALIFIER.sub("", words)
        stripped = _SUFFIX_RUN.sub("", words)
        if stripped:  # never strip a name down to nothing ("Co.")
            words = stripped
        if words == before:
            break
    return words


def name_variants(name: str | None) -> list[Variant]:
    """The names a printed firm name carries, in the order they should be tried: the name
    itself, then trade names (dba), former names, and last the parent it says it belongs to.
    """
    if not name:
        return []
    text = clean_name(str(name))
    pieces: list[tuple[str, str]] = []
    role = "name"
    while True:
        m = _CLAUSE.search(text)
        if not m:
            pieces.append((role, text))
            break
        pieces.append((role, text[: m.start()]))
        role = m.lastgroup or "name"
        text = text[m.end():]
    out: list[Variant] = []
    for role, piece in pieces:
        parent = _A_X_COMPANY.search(piece)
        if parent:
            piece = piece[: parent.start()]
        for r, p in ((role, piece), ("parent", parent.group(1) if parent else "")):
            norm = normalize(p)
            if norm and all(v.text != norm for v in out):
                out.append(Variant(r, norm))
    order = {"name": 0, "dba": 1, "former": 2, "parent": 3}
    return sorted(out, key=lambda v: order[v.role])


@lru_cache(maxsize=4096)
def _core(words: str) -> str:
    """The words of a normalised name that tell firms apart: 'bayer healthcare' -> 'bayer'."""
    return " ".join(w for w in words.split() if w not in _GENERIC_WORDS)


def _countries_of(company) -> set[str]:
    return {company.country} | {f.country for f in company.facilities}


def _stem_match(words: str, stem: str) -> bool:
    return words == stem or words.startswith(stem + " ")


def match_company(name: str | None, country: str | None, registry: "Registry",
                  *, threshold: float = FUZZY_THRESHOLD) -> Match | None:
    """The registry company a firm name (as printed) belongs to, or None.

    `country` is a code or name as printed, or None when unknown; it guards fuzzy matches
    only (a fuzzy candidate must have its seat or a facility in that country), since an exact
    name or a curated stem identifies a firm wherever its site is.

    >>> from kb.registry import load_registry
    >>> reg = load_registry()
    >>> match_company("Baxter BioPharma Solutions", "US", reg).company_id
    'simtra'
    """
    variants = name_variants(name)
    if not variants:
        return None
    names = registry.name_index
    for v in variants:
        if v.text in names:
            return Match(names[v.text], "alias", 100.0, v.text)
    for v in variants:
        for stem, company_id in registry.stem_index.items():
            if _stem_match(v.text, stem):
                return Match(company_id, "fuzzy", STEM_SCORE, stem)
    cc = country_code(country) if country else None
    best: Match | None = None
    for v in variants:
        core = _core(v.text)
        if v.role == "parent" or len(core) < _MIN_CORE:
            continue  # a parent named in passing, or a name of generic words, is too little
        for key, company_id in names.items():
            key_core = _core(key)
            if len(key_core) < _MIN_CORE:
                continue
            score = max(fuzz.ratio(core, key_core), fuzz.token_sort_ratio(core, key_core))
            if score < threshold or (best and score <= best.score):
                continue
            if cc and cc not in _countries_of(registry.companies[company_id]):
                continue
            best = Match(company_id, "fuzzy", round(score, 1), key)
    return best


def company_for_fei(fei: str | int | None, registry: "Registry") -> str | None:
    """The registry company whose facility has this FEI, or None. FEIs are compared as digit
    strings, so 3005949964, "3005949964" and "3005949964.0" (as Excel may give it) agree."""
    if fei is None:
        return None
    text = str(fei).strip().removesuffix(".0")
    return registry.fei_index.get(text)
