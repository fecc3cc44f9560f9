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
# change here finds them again (the page's OCR is kept).
VERSION = 4


def find_boxes(image: bytes, dpi: int) -> list[tuple[float, float, float, float]]:
    """Redaction boxes in a rendered greyscale page, as (x0, top, x1, bottom) in PDF points."""
    gray = np.asarray(Image.open(io.BytesIO(image)).convert("L"))[::STEP, ::STEP]
    px = 72.0 / dpi * STEP  # points per sampled pixel
    line = 9.0 / px  # a line of 483 text is about 9 points high
    boxes = []
    for lo, hi, min_fill in ((*_GREY, 0.6), (0, 80, 0.9)):  # grey boxes, black boxes
        mask = (gray >= lo) & (gray < hi)
        # opening removes the grey fringe of black glyphs and thin rules: boxes are solid
        mask = ndimage.binary_opening(mask, structure=np.ones((3, 3), bool))
        labels, n = ndimage.label(mask)
        for i, sl in enumerate(ndimage.find_objects(labels), start=1):
            region = labels[sl] == i
            if not _is_box(*region.shape, float(region.mean()), line, min_fill):
                continue
            for top, left, h, w in _parts(region, line, min_fill):
                top += sl[0].start
                left += sl[1].start
                boxes.append((left * px, top * px, (left + w) * px, (top + h) * px))
    return boxes


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
