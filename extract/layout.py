"""Positioned words into lines, the same way for a PDF text layer and for Tesseract's words."""
from __future__ import annotations

import re
from operator import attrgetter

from .records import Line, Word


_BUCKET = 4.0  # points: rows are found by the height band they sit in


_HAS_ALNUM = re.compile(r"\w")
_BY_X = attrgetter("x0", "top")
_TOP = attrgetter("top")
_BOTTOM = attrgetter("bottom")


class _Row:
    """A line being built: its words, and the band (top, bottom) the next word is compared with."""

    __slots__ = ("words", "top", "bottom", "banded", "last_x0", "last_x1")

    def __init__(self, w: Word):
        self.words = [w]
        self.top, self.bottom = w.top, w.bottom
        # words the band has been taken from: none when the line opens with a mark (a box
        # border read as "|" is a sliver that would hold the band to its few points)
        self.banded = 1 if _HAS_ALNUM.search(w.text) else 0
        self.last_x0, self.last_x1 = w.x0, w.x1

    def add(self, w: Word) -> None:
        self.words.append(w)
        self.last_x0, self.last_x1 = w.x0, w.x1
        if not _HAS_ALNUM.search(w.text):  # a comma's sliver of a box says nothing of the line
            return
        h = w.bottom - w.top
        band = self.bottom - self.top
        if not self.banded:
            self.top, self.bottom = w.top, w.bottom
            self.banded = 1
        elif 0.6 * band <= h <= 1.6 * band:
            # the band follows the line word by word: a skewed scan's slant stays one line
            self.top, self.bottom = w.top, w.bottom
            self.banded += 1
        elif self.banded == 1 and h < band:
            # the first word's box was the swollen one: take the smaller
            self.top, self.bottom = w.top, w.bottom


def middle(row: _Row | Line) -> float:
    """Where a line sits, for ordering: the median of its words' centres (a stamp at its end
    must not move it above the line it is printed on)."""
    centres = sorted((w.top + w.bottom) / 2 for w in row.words)
    return centres[len(centres) // 2]


# A redaction label split over two rows in a box too narrow for it: "(b)" above "(4)".
_STACKED_HEAD = re.compile(r"^\(?\(b\)$")
_STACKED_TAIL = re.compile(r"^\([4-7]\)\W?$")


def join_stacked_labels(words: list[Word]) -> list[Word]:
    """A box too narrow for its label "(b) (4)" prints "(b)" above "(4)": each is half a line
    high, and as words of two rows they fall into the lines above and below the box. Such a
    pair becomes one word over both, "(b)(4)", which sits on the box's own line. A "(b)" with
    its "(4)" beside it, or a "(4)" with its "(b)" beside it, is not taken apart.

    >>> from extract.records import Word
    >>> [w.text for w in join_stacked_labels([Word("Table", 490, 460.6, 517, 473.9),
    ...     Word("(b)", 520.1, 457.2, 527.4, 462.8), Word("(4)", 520.1, 464.4, 527.4, 470.0),
    ...     Word("mg/", 530, 460.6, 545, 473.9)])]
    ['Table', '(b)(4)', 'mg/']
    """
    heads = [i for i, w in enumerate(words) if _STACKED_HEAD.match(w.text)]
    if not heads:
        return words
    tails = [i for i, w in enumerate(words) if _STACKED_TAIL.match(w.text)]

    def beside(a: Word, b: Word) -> bool:  # b follows a on its row, a space apart
        h = a.bottom - a.top
        return abs(b.top - a.top) < 0.3 * h and -0.2 * h < b.x0 - a.x1 < 1.5 * h

    pairs = [(i, j) for i in heads for j in tails if beside(words[i], words[j])]
    paired_head, paired_tail = {i for i, _ in pairs}, {j for _, j in pairs}
    joined: dict[int, Word] = {}
    used: set[int] = set()
    for i in heads:
        if i in paired_head:
            continue
        a = words[i]
        h = a.bottom - a.top
        for j in tails:
            if j in paired_tail or j in used:
                continue
            b = words[j]
            hb = b.bottom - b.top
            overlap = min(a.x1, b.x1) - max(a.x0, b.x0)
            if (abs(hb - h) <= 0.3 * h and 0.6 * h <= b.top - a.top <= 2.0 * h
                    and overlap >= 0.5 * min(a.x1 - a.x0, b.x1 - b.x0)):
                joined[i] = Word(a.text + b.text, min(a.x0, b.x0), a.top, max(a.x1, b.x1), b.bottom)
                used.add(j)
                break
    if not joined:
        return words
    return [joined.get(k, w) for k, w in enumerate(words) if k not in used]


def group_lines(words: list[Word]) -> list[Line]:
    """Group words into visual lines, top to bottom, each left to right.

    A word joins the line whose band (the box of its last word of ordinary height) overlaps it
    by at least half the smaller height and whose last word stands to its left: of two, the one
    whose last word it follows a space apart, else the one it overlaps more (on a dusty scan
    OCR's boxes swell by a line, and one can overlap the next line's more). Following the
    line word by word keeps the slant of a skewed scan on one line; skipping words of unusual
    height keeps one swollen box (a stroke of the border, a mark, a box OCR drew over two lines)
    from pulling the next line in.
    """
    ordered = sorted(join_stacked_labels(words), key=_BY_X)
    if not ordered:
        return []
    size = _BUCKET
    # Rows are found through the height band their centre sits in: buckets[centre // size + offset],
    # the offset keeping every index a word can reach >= 0 (OCR boxes can start above the page).
    top_most = min(map(_TOP, ordered))
    bottom_most = max(map(_BOTTOM, ordered))
    offset = 4 + int((bottom_most - top_most) / size) + 3 - int(top_most / size)
    buckets: list[list[int]] = [[] for _ in range(offset + int(bottom_most / size) + 4)]
    rows: list[_Row] = []
    for w in ordered:
        top, bottom = w.top, w.bottom
        h = bottom - top
        if h <= 0:
            continue
        right_of = w.x0 + 0.5
        best, best_key = None, (False, 0.0)
        centre = int((top + bottom) / 2 / size) + offset
        reach = int(h / size) + 3
        for found in buckets[centre - reach : centre + reach + 1]:
            for k in found:
                row = rows[k]
                if row.last_x0 > right_of:
                    continue
                rtop, rbottom = row.top, row.bottom
                overlap = (rbottom if rbottom < bottom else bottom) - (rtop if rtop > top else top)
                if overlap <= 0:
                    continue
                band = rbottom - rtop
                # a comma or period is a sliver at the baseline: it needs only to touch the line
                smaller = h if h < band else band
                need = 0.5 * smaller if h >= 0.6 * band else 0.25 * h
                if overlap < need:
                    continue
                # the line whose last word the word follows, a space apart, before any other;
                # a line of words of about its height (not one speck read as "©", nor the small
                # "(4)" of a redaction's label, which would take the rest of the line)
                gap = w.x0 - row.last_x1
                follows = (row.banded > 0 and len(row.words) > 1 and 0.5 * band <= h <= 2 * band
                           and -0.25 * smaller < gap < smaller)
                key = (follows, overlap)
                if key > best_key or (key == best_key and k < best):
                    best, best_key = k, key
        if best is None:
            buckets[centre].append(len(rows))
            rows.append(_Row(w))
            continue
        row = rows[best]
        before = int((row.top + row.bottom) / 2 / size) + offset
        row.add(w)
        after = int((row.top + row.bottom) / 2 / size) + offset
        if after != before:
            buckets[before].remove(best)
            buckets[after].append(best)
    rows.sort(key=middle)
    return [undouble(Line(merge_fragments(r.words))) for r in rows]


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
    longer = [w.text for w in line.words if len(w.text) >= 4]
    if not longer:
        return line
    # a doubled word starts with a pair: most lines are done with after this cheap look
    pairs = sum(1 for t in longer if t[0] == t[1])
    if pairs < 0.6 * len(longer):
        return line
    doubled = sum(1 for t in longer if _is_doubled(t))
    if doubled < 0.6 * len(longer):
        return line
    for w in line.words:
        if _is_doubled(w.text):
            w.text = w.text[::2]
    return line


def join_split_words(line: Line, is_word) -> Line:
    """Mend words an old OCR layer split with spaces ("Houst on", "Cent r al", "Facilit y").

    Neighbours are joined when together they make a word and at least one piece alone does not
    (so "a part" stays two words), up to three pieces at a time.
    """
    words = line.words
    # Only a window holding a piece that is no word alone can need mending: look those up only.
    known = [not w.text.isalpha() or is_word(w.text) for w in words]
    if all(known):
        return line
    out: list[Word] = []
    i = 0
    while i < len(words):
        joined = None
        for n in (3, 2):
            parts = words[i : i + n]
            if len(parts) < n or all(known[i : i + n]) or not all(p.text.isalpha() for p in parts):
                continue
            text = "".join(p.text for p in parts)
            if len(text) >= 4 and is_word(text):
                joined = Word(text, parts[0].x0, min(p.top for p in parts), parts[-1].x1, max(p.bottom for p in parts))
                i += n
                break
        if joined is None:
            out.append(words[i])
            i += 1
        else:
            out.append(joined)
    return Line(out) if len(out) != len(words) else line
