"""Reading Form FDA 483 PDFs: pages (text layer or OCR), header boxes, numbered observations.

    from extract import extract_document
    doc = extract_document(Path("some-483.pdf"))
    doc.to_json()   # the document JSON of ../shared/document-json.md
"""
from __future__ import annotations

import re
from pathlib import Path

from . import header, observations
from .pdf import ExtractError, read_pages, sha256_file
from .records import Document, Page

__all__ = ["extract_document", "ExtractError", "Document", "is_form_483"]

def _phrase(words: str) -> str:
    """A regex for the form's printed words as OCR reads them: any marks between the words."""
    return r"[\W_]+".join(words.split())


# The form's printed labels and sentences. Between words OCR may read quotes, bars or a line
# break ('DURING\nAN INSPECTION OF "YOUR FIRM'), so words are joined by any run of non-letters.
_MARKERS = re.compile("|".join(_phrase(w) for w in (
    "INSPECTIONAL OBSERVATIONS", "FORM FDA 483", r"DATE\(?S\)? OF INSPECTION", "FEI NUMBER",
    r"TYPE (?:OF )?ESTABLISHMENT INSPECTED", "DURING AN INSPECTION OF YOUR FIRM",
    r"EMPLOYEE\(?S\)? SIGNATURE", "REVERSE OF THIS PAGE",
    r"This document lists observations made by the FDA",
)), re.I)


def is_form_483(pages: list[Page]) -> bool:
    """True when the form's own labels are readable on its first pages."""
    found = set()
    for page in pages[:3]:
        for m in _MARKERS.finditer(page.text):
            found.add(re.sub(r"[\W_]+", " ", m.group(0).upper()))
    return len(found) >= 2


def extract_document(
    path: Path,
    ocr: str = "auto",
    workers: int = 1,
    cache_dir: Path | None = None,
    sha256: str | None = None,
    progress=None,
) -> Document:
    """Read one 483 PDF into a Document. Raises ExtractError when it is not a readable 483."""
    path = Path(path)
    sha = sha256 or sha256_file(path)
    pages, warnings = read_pages(path, ocr=ocr, workers=workers, cache_dir=cache_dir, sha256=sha, progress=progress)
    readable = [p for p in pages if p.lines]
    if not readable:
        reasons = sorted({p.error for p in pages if p.error})
        raise ExtractError("no readable text on any page" + (f" ({'; '.join(reasons)})" if reasons else ""))
    if not is_form_483(pages):
        raise ExtractError("not a Form FDA 483: none of the form's labels (FEI NUMBER, DATE(S) OF INSPECTION, "
                           "INSPECTIONAL OBSERVATIONS) were found on its first pages")
    head = header.parse_header(pages)
    obs = observations.split(pages)
    if not obs:
        warnings.append("no numbered observations found")
    for p in pages:
        if p.error:
            warnings.append(f"page {p.number}: {p.error}")
    return Document(source=path.name, sha256=sha, pages=pages, header=head, observations=obs, warnings=warnings)
