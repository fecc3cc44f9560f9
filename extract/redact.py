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
            h = sl[0].stop - sl[0].start
            w = sl[1].stop - sl[1].start
            if not (0.6 * line <= h <= 8 * line and w >= 1.2 * line):
                continue
            fill = float((labels[sl] == i).mean())
            if fill < min_fill:
                continue
            boxes.append((sl[1].start * px, sl[0].start * px, sl[1].stop * px, sl[0].stop * px))
    return boxes


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
