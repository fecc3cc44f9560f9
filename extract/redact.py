"""Redaction boxes on scanned pages: found in the page image, written as FDA's "(b)(4)" marks.

FDA redacts with grey boxes that carry a small "(b) (4)" label, and on older 483s with black boxes.
OCR turns either into noise ("©®", "OO", "®@"); this finds the boxes in the rendered page and puts
one exemption mark where each box is, in place of the words OCR read inside it.
"""
from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image
from scipy import ndimage

from .records import Word

STEP = 3  # detect on every 3rd pixel: 100 dpi is plenty for boxes a line high
_GREY = (135, 232)  # the grey of FDA's boxes, in the rendered page's 0-255 levels; white above
# The version of how boxes are found: the OCR cache keeps each page's boxes under it, so a
# change here finds them again (the page's OCR is kept). 5: clusters of touching boxes cut
# into their boxes (`_stacked`).
VERSION = 5


def find_boxes(image: bytes, dpi: int) -> list[tuple[float, float, float, float]]:
    """Redaction boxes in a rendered greyscale page, as (x0, top, x1, bottom) in PDF points."""
    gray = np.asarray(Image.open(io.BytesIO(image)).convert("L"))[::STEP, ::STEP]
    px = 72.0 / dpi * STEP  # points per sampled pixel
    line = 9.0 / px  # a line of 483 text is about 9 points high
    boxes, stacked = [], []  # boxes found whole; boxes cut out of a cluster (`_stacked`)
    solid = None
    for lo, hi, min_fill in ((*_GREY, 0.6), (0, 80, 0.9)):  # grey boxes, black boxes
        mask = (gray >= lo) & (gray < hi)
        # opening removes the grey fringe of black glyphs and thin rules: boxes are solid
        mask = ndimage.binary_opening(mask, structure=np.ones((3, 3), bool))
        labels, n = ndimage.label(mask)
        for i, sl in enumerate(ndimage.find_objects(labels), start=1):
            region = labels[sl] == i
            if _is_box(*region.shape, float(region.mean()), line, min_fill):
                parts, found = _parts(region, line, min_fill), boxes
            elif lo and _is_cluster(region, gray[sl], line):  # grey boxes only
                if solid is None:
                    solid = ndimage.binary_opening(gray < _GREY[1], structure=np.ones((3, 3), bool))
                parts, found = _stacked(solid[sl], region, line), stacked
            else:
                continue
            for top, left, h, w in parts:
                top += sl[0].start
                left += sl[1].start
                found.append((left * px, top * px, (left + w) * px, (top + h) * px))
    return _beside(boxes, stacked)


def _beside(boxes: list, stacked: list) -> list:
    """`boxes` with each of the `stacked` ones added, joined to the boxes it stands beside on
    the same line (3 points apart at most): the part of one box, its label in large type, that
    the rest of its box was found without, is not a redaction of its own."""
    out = list(boxes)
    for box in stacked:
        near = [other for other in out if _side_by_side(box, other)]
        while near:  # a box joined may reach another
            for other in near:
                out.remove(other)
                box = (min(box[0], other[0]), min(box[1], other[1]), max(box[2], other[2]),
                       max(box[3], other[3]))
            near = [other for other in out if _side_by_side(box, other)]
        out.append(box)
    return out


def _is_box(h: int, w: int, fill: float, line: float, min_fill: float) -> bool:
    """A region a box's size (a line high at least, eight at most, wider than a line high) and
    filled as solidly as a box is, the holes of its printed "(b) (4)" apart."""
    return 0.6 * line <= h <= 8 * line and w >= 1.2 * line and fill >= min_fill


def _parts(region: np.ndarray, line: float, min_fill: float) -> list[tuple[int, int, int, int]]:
    """(top, left, height, width) of each box in one region of box colour found as a box.

    Boxes on two lines of text touch where the lines are close, and are found as one region:
    a box over a whole line above three short ones below, with the words between those ("and",
    "finished drug product") inside the region's outline, where they would be taken for
    redacted. A region higher than one line's box is cut into bands of rows that run alike
    (the same first and last column, and either unbroken or broken by a gap wider than two
    lines: the holes a box's printed "(b) (4)" leaves measured about 16 points wide, a word
    between two boxes with its spaces wider); each band's own regions that are boxes are the
    boxes. A box a line high, with its "(b) (4)" printed in a corner, is left whole."""
    h, w = region.shape
    if h <= _TWO_LINES * line:
        return [(0, 0, h, w)]
    out = []
    for start, stop in _bands(region, line):
        labels, _ = ndimage.label(region[start:stop])
        for i, sl in enumerate(ndimage.find_objects(labels), start=1):
            part = labels[sl] == i
            if _is_box(*part.shape, float(part.mean()), line, min_fill):
                out.append((start + sl[0].start, sl[1].start, *part.shape))
    return out or [(0, 0, h, w)]


# A box on one line is up to about 1.9 lines of text high (16-17 points, its padding included);
# two lines' boxes run together are 2.9 or more.
_TWO_LINES = 2.3


def _bands(region: np.ndarray, line: float) -> list[tuple[int, int]]:
    """The region's rows as bands (start, stop) that run alike; a band under a line high (the
    rows where one box gives way to the next, or of a box's printed "(b) (4)") joins the one
    before it."""
    tolerance = 0.5 * line

    def shape(row: np.ndarray):
        cols = np.flatnonzero(row)
        if not len(cols):
            return None
        broken = bool(len(cols) > 1 and np.diff(cols).max() > 2 * line)
        return cols[0], cols[-1], broken

    bands: list[list] = []  # [start, stop, first column, last column, broken]
    for r in range(region.shape[0]):
        s = shape(region[r])
        b = bands[-1] if bands else None
        if s is not None and b is not None and (
                abs(s[0] - b[2]) <= tolerance and abs(s[1] - b[3]) <= tolerance and s[2] == b[4]):
            b[1] = r + 1
        elif s is not None:
            bands.append([r, r + 1, *s])
        elif b is not None:
            b[1] = r + 1
    merged: list[list] = []
    for b in bands:
        if merged and b[1] - b[0] < line:
            merged[-1][1] = b[1]
        else:
            merged.append(b)
    if len(merged) > 1 and merged[0][1] - merged[0][0] < line:
        merged[1][0] = merged[0][0]
        merged.pop(0)
    return [(b[0], b[1]) for b in merged]


def _is_cluster(region: np.ndarray, gray: np.ndarray, line: float) -> bool:
    """A region of grey too thinly filled to be one box that is boxes touching over three lines
    or more, at other columns on each ("On (b) (4), your firm received (b) (4) units of (b) (4)"
    lists), not a band of shading or a box with a label printed in giant type (its glyphs'
    thick strokes): up to 20 lines high, with no solid black in it."""
    h, w = region.shape
    if not (_TWO_LINES * line <= h <= 20 * line and w >= 1.2 * line):
        return False
    return not ndimage.binary_opening(gray < 80, structure=np.ones((3, 3), bool)).any()


def _stacked(solid: np.ndarray, region: np.ndarray, line: float) -> list[tuple[int, int, int, int]]:
    """(top, left, height, width) of the boxes in a cluster of touching boxes.

    Each row of the cluster is cut into runs of solid colour (`solid` is the page not white,
    after an opening: a grey box with its label's glyphs, not a line of text), and a run goes
    on the box above it while its ends stay within a third of a line. Where two boxes touch,
    the rows they share run over both and make only a short piece. A run that keeps its right
    end and starts up to three lines further right goes on too: the rows of a label printed in
    the box's lower left corner. The pieces a label at the top cuts apart are joined again
    (`_joined`); a box is 1.1 to 8 lines high and half grey at least. A cluster is a few lines
    high, so this walks a few hundred rows.
    """
    near = ndimage.binary_dilation(region, iterations=2)
    cells = solid & near
    tolerance, label = 0.35 * line, 3 * line
    # a box being stacked: [first row, end row, its rows' first columns, their end columns];
    # a run goes on it while its ends stay near the first row's, and its sides are the medians
    # of its rows' ends, which a glyph touching the box or a label at its edge moves in a few
    # rows only
    open_: list[list] = []
    done: list[list] = []
    for r in range(cells.shape[0]):
        edges = np.diff(np.concatenate(([0], cells[r].astype(np.int8), [0])))
        runs = [(a, b) for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))
                if b - a >= 1.2 * line]
        going = []
        for a, b in runs:
            for box in open_:
                first, end = box[2][0], box[3][0]
                same_left = abs(first - a) <= tolerance
                if abs(end - b) <= tolerance and (same_left or first < a <= first + label):
                    if same_left:
                        box[2].append(a)
                    box[3].append(b)
                    box[1] = r + 1
                    open_.remove(box)
                    going.append(box)
                    break
            else:
                going.append([r, r + 1, [a], [b]])
        done += open_
        open_ = going
    done += open_
    pieces = [[top, int(np.median(firsts)), stop, int(np.median(ends))]
              for top, stop, firsts, ends in done if stop - top >= 0.25 * line]
    out = []
    for top, a, stop, b in _joined(pieces, line):
        if 1.1 * line <= stop - top <= 8 * line and region[top:stop, a:b].mean() >= 0.5:
            out.append((top, a, stop - top, b - a))
    return out


def _joined(pieces: list[list[int]], line: float) -> list[list[int]]:
    """Pieces of one box that its printed label cut apart, joined: [top, first column, end row,
    end column] each.

    A piece beside a label, in its rows (under 0.6 lines high), joins the piece above or below
    it within whose columns it lies and whose first or last column it shares, where the two
    make a box one line high (up to 1.9 lines, as `_TWO_LINES` says). Not the other way round,
    or the body of a box would join the label's rows of the box under it; nor a piece that
    shares no side, such as the top of a narrow box under it. The pieces above and below a
    label stacked in a narrow box two lines high, which have the same sides, join across the
    label's rows (up to a line).
    """
    tolerance = 0.35 * line
    pieces = sorted(pieces)
    joined = True
    while joined:
        joined = False
        for i, a in enumerate(pieces):
            for j in range(i + 1, len(pieces)):
                b = pieces[j]
                gap = max(a[0], b[0]) - min(a[2], b[2])  # rows between; under 0 if they share rows
                short, tall = (a, b) if a[2] - a[0] < b[2] - b[0] else (b, a)
                within = (short[2] - short[0] < 0.6 * line and short[1] >= tall[1] - tolerance
                          and short[3] <= tall[3] + tolerance
                          and (abs(short[1] - tall[1]) <= tolerance or abs(short[3] - tall[3]) <= tolerance))
                same = abs(a[1] - b[1]) <= tolerance and abs(a[3] - b[3]) <= tolerance
                height = max(a[2], b[2]) - min(a[0], b[0])
                if (gap <= 1 and within and height <= 1.9 * line) or (same and 0 <= gap <= line):
                    pieces[i] = [a[0], min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    del pieces[j]
                    joined = True
                    break
            if joined:
                break
    return pieces


def _side_by_side(a, b) -> bool:
    """Two boxes on the same line (sharing half the rows of the lower) 3 points apart at most."""
    shared = min(a[3], b[3]) - max(a[1], b[1])
    apart = max(a[0], b[0]) - min(a[2], b[2])
    return shared >= 0.5 * min(a[3] - a[1], b[3] - b[1]) and apart <= 3.0


def _inside(w: Word, box) -> float:
    x0, top, x1, bottom = box
    ix = min(w.x1, x1) - max(w.x0, x0)
    iy = min(w.bottom, bottom) - max(w.top, top)
    if ix <= 0 or iy <= 0:
        return 0.0
    return ix * iy / max((w.x1 - w.x0) * (w.bottom - w.top), 1e-6)


def _mark(texts: list[str]) -> str:
    """The exemption printed in the box, when OCR caught its digit; (b)(4), the commonest, if not."""
    joined = " ".join(texts)
    if re.search(r"\(?b\)?\s*\(?6\)?", joined) and "4" not in joined:
        return "(b)(6)"
    if re.search(r"\(?b\)?\s*\(?7\)?", joined):
        return "(b)(7)(C)"
    return "(b)(4)"


def clear_words(image: bytes, dpi: int, words: list[Word], boxes) -> list[tuple[float, float, float, float]]:
    """The words OCR read inside a box's outline that stand on the page's white, not on the box,
    as (x0, top, x1, bottom): `apply_boxes` keeps them.

    A box's outline can take in words between boxes that `find_boxes` could not tell apart
    (boxes stacked over three lines, whose printed "(b) (4)" leaves holes as wide as a short
    word). Each such word is looked at in the page image: a word printed on the page is mostly
    white around its glyphs (0.42-0.56 of its box in the 23 real 483s), with the glyphs' ink
    and their anti-aliased grey edges making up the rest; a word OCR made of a grey box and its
    label is 0.37 white at most, and one made of a black box's edge is more than half ink.
    """
    if not boxes:
        return []
    s = dpi / 72.0
    gray = None
    out = []
    for w in words:
        if max(_inside(w, b) for b in boxes) < 0.5:
            continue
        if gray is None:
            gray = np.asarray(Image.open(io.BytesIO(image)).convert("L"))
        crop = gray[max(0, int(w.top * s)):int(w.bottom * s) + 1, max(0, int(w.x0 * s)):int(w.x1 * s) + 1]
        if not crop.size:
            continue
        white = float((crop >= _GREY[1]).mean())
        ink = float((crop < _GREY[0]).mean())
        if white >= 0.4 and ink <= 0.4 and 1 - white - ink <= 0.4:
            out.append(_rect(w))
    return out


def _rect(w: Word) -> tuple[float, float, float, float]:
    return (round(w.x0, 2), round(w.top, 2), round(w.x1, 2), round(w.bottom, 2))


def apply_boxes(words: list[Word], boxes, clear=()) -> list[Word]:
    """Replace the words OCR read inside each box by one mark standing where the box is; the
    words in `clear` (`clear_words`) are kept where they are."""
    if not boxes:
        return words
    clear = {tuple(c) for c in clear}
    inside: dict[int, list[Word]] = {i: [] for i in range(len(boxes))}
    kept = []
    for w in words:
        best = max(range(len(boxes)), key=lambda i: _inside(w, boxes[i]))
        if _inside(w, boxes[best]) >= 0.5 and _rect(w) not in clear:
            inside[best].append(w)
        else:
            kept.append(w)
    for i, (x0, top, x1, bottom) in enumerate(boxes):
        line_h = 9.0
        rows = max(1, round((bottom - top) / (line_h * 1.5)))
        h = (bottom - top) / rows
        mark = _mark([w.text for w in inside[i]])
        # A box over two lines of text is two redactions, one on each line. Each mark is a text
        # line high, at the middle of its row: the box's padding would make it reach into the
        # lines above and below, and line grouping would mix them.
        for r in range(rows):
            middle = top + (r + 0.5) * h
            kept.append(Word(mark, x0, middle - 4.0, x1, middle + 4.0))
    return kept
