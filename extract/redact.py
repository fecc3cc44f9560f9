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
# The version of how boxes are found: the OCR cache keeps each page's boxes under it, so a
# change here finds them again (the page's OCR is kept).
VERSION = 3


def find_boxes(image: bytes, dpi: int) -> list[tuple[float, float, float, float]]:
    """Redaction boxes in a rendered greyscale page, as (x0, top, x1, bottom) in PDF points."""
    gray = np.asarray(Image.open(io.BytesIO(image)).convert("L"))[::STEP, ::STEP]
    px = 72.0 / dpi * STEP  # points per sampled pixel
    line = 9.0 / px  # a line of 483 text is about 9 points high
    boxes = []
    for lo, hi, min_fill in ((135, 232, 0.6), (0, 80, 0.9)):  # grey boxes, black boxes
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


def apply_boxes(words: list[Word], boxes) -> list[Word]:
    """Replace the words OCR read inside each box by one mark standing where the box is."""
    if not boxes:
        return words
    inside: dict[int, list[Word]] = {i: [] for i in range(len(boxes))}
    kept = []
    for w in words:
        best = max(range(len(boxes)), key=lambda i: _inside(w, boxes[i]))
        if _inside(w, boxes[best]) >= 0.5:
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
