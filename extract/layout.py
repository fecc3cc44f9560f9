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
    refs: list[Word] = []  # per row, its last full-height word: punctuation has boxes too small to compare with
    for w in sorted(words, key=lambda w: (w.x0, w.top)):
        h = w.bottom - w.top
        if h <= 0:
            continue
        best, best_overlap = None, 0.0
        for k, row in enumerate(rows):
            last, ref = row[-1], refs[k]
            if last.x0 > w.x0 + 0.5:
                continue
            overlap = min(ref.bottom, w.bottom) - max(ref.top, w.top)
            ref_h = ref.bottom - ref.top
            # a comma or period is a sliver at the baseline: it needs only to touch the line
            need = 0.5 * min(h, ref_h) if h >= 0.6 * ref_h else 0.25 * h
            if overlap >= need and overlap > best_overlap:
                best, best_overlap = k, overlap
        if best is None:
            rows.append([w])
            refs.append(w)
        else:
            rows[best].append(w)
            ref_h = refs[best].bottom - refs[best].top
            # The reference follows the line's slant word by word, but not onto a comma's
            # sliver of a box nor onto a box swollen by a stroke or a redaction mark.
            if 0.7 * ref_h <= h <= 1.4 * ref_h:
                refs[best] = w
    rows.sort(key=lambda r: sum((w.top + w.bottom) / 2 for w in r) / len(r))
    return [undouble(Line(merge_fragments(r))) for r in rows]


def merge_fragments(words: list[Word]) -> list[Word]:
    """Join pieces of one word that a text layer wrote separately ("Proc" + "ess").

    A gap narrower than a sixth of the text height is no space: real spaces are a quarter to
    a third of it.
    """
    out: list[Word] = []
    for w in words:
        if out:
            prev = out[-1]
            h = min(prev.bottom - prev.top, w.bottom - w.top)
            gap = w.x0 - prev.x1
            if -0.5 * h < gap < h / 6:
                out[-1] = Word(prev.text + w.text, prev.x0, min(prev.top, w.top), max(prev.x1, w.x1),
                               max(prev.bottom, w.bottom))
                continue
        out.append(w)
    return out


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
