"""The contract between extract/ and the rest: one Form 483 as data.

`Document.to_json()` is the document JSON of ../shared/document-json.md, the shape
the scorer reads; keep its keys stable.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Where a page's text came from.
SOURCE_TEXT = "text"  # the PDF's own text layer
SOURCE_OCR = "ocr"  # our Tesseract run on the rendered page
SOURCE_NONE = "none"  # not read: no usable layer and OCR unavailable or failed


@dataclass(slots=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    # False for a text-layer run that the layer did not separate from the one before by a space
    # (it broke the run for its own reasons): such a fragment may be joined to its neighbour.
    spaced: bool = True


@dataclass(slots=True)
class Line:
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)


@dataclass
class Page:
    """One page of a PDF as read: its lines in reading order and where they came from."""

    number: int  # 1-based
    width: float
    height: float
    lines: list[Line]
    source: str  # SOURCE_TEXT, SOURCE_OCR or SOURCE_NONE
    quality: float  # 0..1, how much the text reads like a 483 (see extract.quality)
    layer_quality: float | None = None  # quality of the PDF's own layer, when OCR replaced it
    error: str | None = None  # why the page could not be read
    # The PDF's own layer, when OCR replaced it: a second reading, for what OCR may lose on a
    # page it reads better as a whole (a name under a signature). Not stored.
    layer_lines: list[Line] | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


FIRST_LAST_WORDS = 12


@dataclass
class Observation:
    number: int
    page_start: int
    page_end: int
    text: str  # the whole observation, citation included, cleaned of page furniture; a trailing
    # repeat mark is kept apart in repeat_note
    citation: str | None = None
    repeat: bool = False
    repeat_note: str | None = None
    redactions: dict[str, int] = field(default_factory=dict)  # {"(b)(4)": 3}
    heading: str | None = None  # the system heading printed above it, e.g. "QUALITY SYSTEM"
    # Filled by classify/
    cfr: str | None = None
    cfr_score: float | None = None
    cfr_method: str | None = None
    primary_category: str | None = None
    categories: list[str] = field(default_factory=list)
    category_scores: dict[str, float] = field(default_factory=dict)
    category_methods: dict[str, str] = field(default_factory=dict)
    # the model's calls near its threshold: (category, probability, kept), classify.uncertain_calls
    uncertain_categories: list[tuple[str, float, bool]] = field(default_factory=list)
    # the category cues found in its text: {category: {phrase: count}}, classify/rules.py
    category_cues: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def body(self) -> str:
        """The text after the citation (usually starting "Specifically")."""
        if self.citation and self.text.startswith(self.citation):
            return self.text[len(self.citation):].strip()
        return self.text

    def to_json(self) -> dict:
        body = self.body
        words = body.split()
        n = FIRST_LAST_WORDS
        return {
            "number": self.number,
            "page_start": self.page_start,
            "page_end": self.page_end,
            "repeat": self.repeat,
            "citation": self.citation,
            "cfr": self.cfr,
            "primary_category": self.primary_category,
            "categories": list(self.categories),
            "first_words": " ".join(words[:n]) or None,
            "last_words": " ".join(words[-n:]) or None,
            "text": self.text,
            "repeat_note": self.repeat_note,
            "redactions": dict(self.redactions),
            "cfr_score": self.cfr_score,
            "cfr_method": self.cfr_method,
            "category_cues": {c: dict(self.category_cues[c]) for c in self.categories if c in self.category_cues},
        }


# The document JSON's keys (../shared/document-json.md): what extraction promises, and what
# classification adds to each observation.
DOCUMENT_KEYS = [
    "source", "pages", "fei", "firm_name", "street_address", "city", "state", "postal_code", "country",
    "establishment_type", "inspection_start", "inspection_end", "date_issued", "issued_to", "investigators",
]
OBSERVATION_KEYS = ["number", "page_start", "page_end", "repeat", "citation", "first_words", "last_words"]

HEADER_FIELDS = [
    "fei",
    "firm_name",
    "street_address",
    "city",
    "state",
    "postal_code",
    "country",
    "establishment_type",
    "inspection_start",
    "inspection_end",
    "date_issued",
    "issued_to",
]


@dataclass
class Header:
    fei: str | None = None
    firm_name: str | None = None
    street_address: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    establishment_type: str | None = None
    inspection_start: str | None = None
    inspection_end: str | None = None
    date_issued: str | None = None
    issued_to: str | None = None
    district: str | None = None
    investigators: list[str] = field(default_factory=list)


@dataclass
class Document:
    source: str  # file name
    sha256: str
    pages: list[Page]
    header: Header
    observations: list[Observation]
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        out = {"source": self.source, "pages": len(self.pages)}
        h = asdict(self.header)
        for key in HEADER_FIELDS:
            out[key] = h[key]
        out["investigators"] = list(self.header.investigators)
        out["district"] = self.header.district
        out["observations"] = [o.to_json() for o in self.observations]
        out["sha256"] = self.sha256
        out["page_sources"] = [p.source for p in self.pages]
        out["warnings"] = list(self.warnings)
        return out
