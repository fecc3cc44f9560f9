"""Positioned words into lines, the same way for a PDF text layer and for Tesseract's words."""
from __future__ import annotations

import re

from .records import Line, Word


def group_lines(words: list[Word]) -> list[Line]:
    """Group words into visual lines, top to bottom, each left to right.

    A word joins the line whose last word overlaps it vertically by at least half the smaller
    height and stands to its left. Chaining on the last word, not on a fixed band, follows the
    slant of a skewed scan across the page.
    """
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.x0, w.top)):
        h = w.bottom - w.top
        if h <= 0:
            continue
        best, best_overlap = None, 0.0
        for row in rows:
            last = row[-1]
            if last.x0 > w.x0 + 0.5:
                continue
            overlap = min(last.bottom, w.bottom) - max(last.top, w.top)
            need = 0.5 * min(h, last.bottom - last.top)
            if overlap >= need and overlap > best_overlap:
                best, best_overlap = row, overlap
        if best is None:
            rows.append([w])
        else:
            best.append(w)
    rows.sort(key=lambda r: sum((w.top + w.bottom) / 2 for w in r) / len(r))
    return [undouble(Line(r)) for r in rows]


_DOUBLED = re.compile(r"^(?:(.)\1)+$", re.S)


def _is_doubled(text: str) -> bool:
    return len(text) >= 2 and len(text) % 2 == 0 and bool(_DOUBLED.match(text))


def undouble(line: Line) -> Line:
    """Undo glyphs printed twice ("DDEEPPAARRTT"), an artefact of some scanned and redacted 483s.

    Only when most longer words of the line are doubled: "1100" or "Mississippi" on a normal
    line stay as they are.
    """
    longer = [w for w in line.words if len(w.text) >= 4]
    if not longer:
        return line
    doubled = sum(1 for w in longer if _is_doubled(w.text))
    if doubled < 0.6 * len(longer):
        return line
    for w in line.words:
        if _is_doubled(w.text):
            w.text = w.text[::2]
    return line
