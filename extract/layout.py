"""Positioned words into lines, the same way for a PDF text layer and for Tesseract's words."""
from __future__ import annotations

import re

from .records import Line, Word


_BUCKET = 4.0  # points: rows are found by the height band their reference word sits in


def group_lines(words: list[Word]) -> list[Line]:
    """Group words into visual lines, top to bottom, each left to right.

    A word joins the line whose reference word (its last word of ordinary height) overlaps it
    vertically by at least half the smaller height and stands to its left. Following the line
    word by word, not a fixed band, keeps the slant of a skewed scan on one line.
    """
    rows: list[list[Word]] = []
    refs: list[Word] = []
    buckets: dict[int, set[int]] = {}
    size = _BUCKET
    for w in sorted(words, key=lambda w: (w.x0, w.top)):
        top, bottom, x0 = w.top, w.bottom, w.x0
        h = bottom - top
        if h <= 0:
            continue
        best, best_overlap = None, 0.0
        centre = int((top + bottom) / 2 / size)
        reach = int(h / size) + 2
        for b in range(centre - reach, centre + reach + 1):
            found = buckets.get(b)
            if not found:
                continue
            for k in found:
                if rows[k][-1].x0 > x0 + 0.5:
                    continue
                ref = refs[k]
                overlap = (ref.bottom if ref.bottom < bottom else bottom) - (ref.top if ref.top > top else top)
                if overlap <= 0:
                    continue
                ref_h = ref.bottom - ref.top
                # a comma or period is a sliver at the baseline: it needs only to touch the line
                need = 0.5 * (h if h < ref_h else ref_h) if h >= 0.6 * ref_h else 0.25 * h
                if overlap >= need and (overlap > best_overlap or (overlap == best_overlap and k < best)):
                    best, best_overlap = k, overlap
        if best is None:
            rows.append([w])
            refs.append(w)
            buckets.setdefault(centre, set()).add(len(rows) - 1)
            continue
        rows[best].append(w)
        ref = refs[best]
        ref_h = ref.bottom - ref.top
        # The reference follows the line's slant word by word, but not onto a comma's sliver
        # of a box nor onto a box swollen by a stroke or a redaction mark.
        if 0.7 * ref_h <= h <= 1.4 * ref_h:
            buckets[int((ref.top + ref.bottom) / 2 / size)].discard(best)
            refs[best] = w
            buckets.setdefault(centre, set()).add(best)
    order = sorted(range(len(rows)), key=lambda k: sum((w.top + w.bottom) / 2 for w in rows[k]) / len(rows[k]))
    return [undouble(Line(merge_fragments(rows[k]))) for k in order]


def merge_fragments(words: list[Word]) -> list[Word]:
    """Join pieces of one word that a text layer wrote separately ("Proc" + "ess").

    Only runs the layer did not separate by a space, and only across a gap narrower than a
    sixth of the text height (real spaces are a quarter to a third of it): "gallon jug" stays
    two words although the j's descender reaches back under the n.
    """
    out: list[Word] = []
    for w in words:
        if out and not w.spaced:
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
