"""Ruled tables inside a born-digital 483's observations, read a row at a time, cell by cell.

Read as lines, a table whose cells wrap interleaves its columns: Dr. Reddy's "Table 1" row 2
came out "(b)(4), Measuring (b)(4) (b)(4) 310028958 Related Substances (b)(4) scoop and
(b)(4) (b)(4) 2 spoon", the row's number last. Read cell by cell it is "2 (b)(4), (b)(4)
Measuring scoop and (b)(4) spoon (b)(4) (b)(4) (b)(4) 310028958 Related Substances", as a
person reads it.

The grid comes from the page's ruling lines through pdfplumber's own table finding (edges ->
intersections -> cells -> tables): on a born-digital page its path objects thin in one
direction (extract.pdf.layer_rules), on a scan the long thin runs of ink in its image
(`image_rules`). Only grids that are tables of findings are read this way:

- not the form itself: the 483's frame is a grid too, as are its header and footer boxes, so a
  grid holding one of the form's printed labels (FEI NUMBER, DATE ISSUED, ...) or as tall as
  three quarters of the page is left to the line reader, which the header parser expects;
- not a cluster of redaction boxes: boxes on neighbouring lines line up into grids whose cells
  hold only "(b)(4)" marks, so a table needs words other than marks in three cells or more,
  over two rows and two columns.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image
from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

from .labels import FOOTER_KEYS, HEADER_KEYS, find_labels
from .layout import group_lines, middle
from .records import Line, Word

Rule = tuple[float, float, float, float]  # x0, top, x1, bottom in points, top-left origin
Cell = tuple[float, float, float, float]

THIN = 2.5  # points: a path this thin in one direction is a rule
TOLERANCE = 3.0  # pdfplumber's default snap, join and intersection tolerance
MAX_HEIGHT = 0.75  # of the page: a taller grid is the form's frame
MIN_TEXT_CELLS = 3
# The version of how rules are found in a page image: the OCR cache keeps each page's rules
# under it.
VERSION = 1

_FORM_KEYS = tuple(k for k in HEADER_KEYS + FOOTER_KEYS if k != "form")
_MARK = re.compile(r"\(b\)\s*\(\d\)(?:\(C\))?|[^\w]")


@dataclass
class Table:
    cells: list[Cell]

    @property
    def bbox(self) -> Cell:
        return (min(c[0] for c in self.cells), min(c[1] for c in self.cells),
                max(c[2] for c in self.cells), max(c[3] for c in self.cells))


def grids(rules: list[Rule]) -> list[Table]:
    """Every grid the rules draw, as pdfplumber's lattice strategy finds them."""
    edges = []
    for x0, top, x1, bottom in rules:
        if x1 - x0 >= bottom - top:
            y = (top + bottom) / 2
            edges.append({"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0,
                          "orientation": "h"})
        else:
            x = (x0 + x1) / 2
            edges.append({"x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0, "height": bottom - top,
                          "orientation": "v"})
    if not edges:
        return []
    edges = merge_edges(edges, TOLERANCE, TOLERANCE, TOLERANCE, TOLERANCE)
    cells = intersections_to_cells(edges_to_intersections(edges, TOLERANCE, TOLERANCE))
    return [Table(list(t)) for t in cells_to_tables(cells)]


def _inside(w: Word, cell: Cell) -> bool:
    x, y = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
    return cell[0] <= x <= cell[2] and cell[1] <= y <= cell[3]


def _cell_words(table: Table, words: list[Word]) -> dict[int, list[int]]:
    """Indexes of the words in each cell (a word in no cell, in no list)."""
    x0, top, x1, bottom = table.bbox
    found: dict[int, list[int]] = {}
    for i, w in enumerate(words):
        if w.x1 < x0 or w.x0 > x1 or w.bottom < top or w.top > bottom:
            continue
        for k, cell in enumerate(table.cells):
            if _inside(w, cell):
                found.setdefault(k, []).append(i)
                break
    return found


def is_findings_table(table: Table, words: list[Word], found: dict[int, list[int]], page_height: float) -> bool:
    """Whether a grid is a table in the observations, to be read cell by cell (see the module's notes)."""
    x0, top, x1, bottom = table.bbox
    if bottom - top > MAX_HEIGHT * page_height:
        return False
    text_cells = [k for k, ids in found.items() if len(_MARK.sub("", " ".join(words[i].text for i in ids))) >= 2]
    if len(text_cells) < MIN_TEXT_CELLS:
        return False
    cells = [table.cells[k] for k in text_cells]
    if len({round(c[1]) for c in cells}) < 2 or len({round(c[0]) for c in cells}) < 2:
        return False
    return not find_labels(group_lines([words[i] for ids in found.values() for i in ids]), _FORM_KEYS)


def read_lines(words: list[Word], rules: list[Rule], page_height: float) -> list[Line]:
    """The page's lines in reading order, as layout.group_lines reads them, except that each row
    of a table of findings is one line: its cells left to right, each cell's lines top to bottom.

    >>> box = [(10, 10, 210, 10.5), (10, 40, 210, 40.5), (10, 70, 210, 70.5),
    ...        (10, 10, 10.5, 70), (110, 10, 110.5, 70), (209.5, 10, 210, 70)]
    >>> words = [Word("Above", 12, 0, 50, 8), Word("Lot", 12, 12, 30, 22), Word("Result", 112, 12, 150, 22),
    ...          Word("A1", 12, 42, 30, 52), Word("failed", 112, 42, 150, 52),
    ...          Word("twice", 112, 54, 150, 64), Word("Below", 12, 80, 50, 90)]
    >>> [line.text for line in read_lines(words, box, 792)]
    ['Above', 'Lot Result', 'A1 failed twice', 'Below']
    """
    rest, rows = take_rows(words, rules, page_height)
    lines = group_lines(rest)
    if not rows:
        return lines
    # a row goes before the first line below its top; rows keep their order (a row's own middle
    # can lie below the next row's top, where one of its cells is taller than the others)
    rows.sort(key=lambda r: r[0])
    out: list[Line] = []
    k = 0
    for line in lines:
        m = middle(line)
        while k < len(rows) and rows[k][0] < m:
            out.append(rows[k][1])
            k += 1
        out.append(line)
    return out + [row for _, row in rows[k:]]


def take_rows(words: list[Word], rules: list[Rule], page_height: float) -> tuple[list[Word], list[tuple[float, Line]]]:
    """The words of the page outside its tables of findings, and each row of those tables as one
    line, with the top of its row.

    >>> box = [(10, 10, 210, 10.5), (10, 40, 210, 40.5), (10, 70, 210, 70.5),
    ...        (10, 10, 10.5, 70), (110, 10, 110.5, 70), (209.5, 10, 210, 70)]
    >>> words = [Word("Lot", 12, 12, 30, 22), Word("Result", 112, 12, 150, 22),
    ...          Word("A1", 12, 42, 30, 52), Word("failed", 112, 42, 150, 52),
    ...          Word("twice", 112, 54, 150, 64), Word("Below", 12, 80, 50, 90)]
    >>> rest, rows = take_rows(words, box, 792)
    >>> [w.text for w in rest], [line.text for _, line in rows]
    (['Below'], ['Lot Result', 'A1 failed twice'])
    """
    if len(rules) < 4:
        return words, []
    taken: set[int] = set()
    rows: list[tuple[float, Line]] = []
    for table in grids(rules):
        found = _cell_words(table, words)
        if not is_findings_table(table, words, found, page_height):
            continue
        by_row: dict[float, list[tuple[float, list[Word]]]] = {}
        for k, ids in found.items():
            cell = table.cells[k]
            cell_text = [w for line in group_lines([words[i] for i in ids]) for w in line.words]
            by_row.setdefault(round(cell[1], 1), []).append((cell[0], cell_text))
            taken.update(ids)
        for top in sorted(by_row):
            row = [w for _, cell_text in sorted(by_row[top], key=lambda c: c[0]) for w in cell_text]
            if row:
                rows.append((top, Line(row)))
    if not taken:
        return words, []
    return [w for i, w in enumerate(words) if i not in taken], rows


# --- rules in a page image --------------------------------------------------------------------

STEP = 3  # rules are looked for at a third of the OCR's resolution, 100 dpi
_INK = 160  # darker than this, in the rendered page's 0-255 levels, is ink
MIN_RULE = 15.0  # points: a run of ink this long is a rule (a word's letters are not)
SCAN_THIN = 4.0  # points: a scanned rule is up to this thick


def image_rules(image: bytes, dpi: int) -> list[Rule]:
    """Ruling lines in a rendered greyscale page, as (x0, top, x1, bottom) in points: runs of ink
    at least MIN_RULE long, across and down, that are at most SCAN_THIN thick. A black
    redaction box is thick, and text's runs are short: along a rule the page is read at full
    resolution, where a line of text has gaps between its letters, and across it at a third,
    each pixel the darkest of three, so that a rule one pixel thick is kept.
    """
    gray = np.asarray(Image.open(io.BytesIO(image)).convert("L"))
    full = 72.0 / dpi
    rules = []
    for across in (True, False):
        # pooled across the rule's direction: rows of three pixels for rules across, columns of
        # three for rules down (turned so that these run along rows too)
        n = (gray.shape[0] if across else gray.shape[1]) // STEP * STEP
        ink = None
        for i in range(STEP):
            part = (gray[i:n:STEP] if across else gray[:, i:n:STEP]) < _INK
            ink = part if ink is None else ink | part
        if not across:
            ink = np.ascontiguousarray(ink.T)
        ink[:, 1:-1] |= ink[:, :-2] & ink[:, 2:]  # a scanned rule's one-pixel breaks
        for top, bottom, left, right in _stacks(_long_runs(ink, int(round(MIN_RULE / full)))):
            if (bottom - top) * STEP * full > SCAN_THIN:
                continue
            a, b, c, d = left * full, top * STEP * full, right * full, bottom * STEP * full
            rules.append((a, b, c, d) if across else (b, a, d, c))
    return _bridge(rules, gray, full)


_PAPER = 232  # lighter than this is the page's white; FDA's grey boxes are darker


def _bridge(rules: list[Rule], gray: np.ndarray, full: float) -> list[Rule]:
    """Join the two pieces of a rule that a redaction box covers: two pieces in line whose gap
    is grey or black all along, the box's colour rather than the page's white."""
    out: list[Rule] = []
    for across in (True, False):
        # along, across: (start, low side, end, high side) whichever way the rule runs
        pieces = sorted(((r if across else (r[1], r[0], r[3], r[2])) for r in rules
                         if (r[2] - r[0] >= r[3] - r[1]) == across), key=lambda r: (r[1] + r[3]) / 2)
        lines: list[list[tuple]] = []  # pieces whose middles lie within 1.5 points of the first's
        for r in pieces:
            if lines and (r[1] + r[3]) / 2 - (lines[-1][0][1] + lines[-1][0][3]) / 2 <= 1.5:
                lines[-1].append(r)
            else:
                lines.append([r])
        g = gray if across else gray.T
        for line in lines:
            joined: list[list[float]] = []
            for r in sorted(line):
                last = joined[-1] if joined else None
                if last is not None and r[0] > last[2]:
                    band = g[int(min(r[1], last[1]) / full):int(max(r[3], last[3]) / full) + 1,
                             int(last[2] / full):int(r[0] / full) + 1]
                    if band.size and float((band.min(axis=0) < _PAPER).mean()) >= 0.95:
                        last[1:] = [min(last[1], r[1]), max(last[2], r[2]), max(last[3], r[3])]
                        continue
                joined.append(list(r))
            out += [tuple(r) if across else (r[1], r[0], r[3], r[2]) for r in joined]
    return out


def _long_runs(mask: np.ndarray, length: int) -> list[tuple[int, int, int]]:
    """(row, start, stop) of the runs along the rows of `mask` at least `length` long."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    flat = np.flatnonzero(np.diff(padded, axis=1))  # a run's start and the end after it, in turn
    starts, stops = flat[0::2], flat[1::2]
    keep = stops - starts >= length
    rows, starts = np.divmod(starts[keep], w + 1)
    return list(zip(rows.tolist(), starts.tolist(), (stops[keep] - rows * (w + 1)).tolist()))


def _stacks(runs: list[tuple[int, int, int]]) -> list[tuple[int, int, int, int]]:
    """(top, bottom, left, right) of each group of runs on touching rows that overlap, as
    scipy.ndimage.label would find them in a mask of the runs (the runs are few: labelling the
    whole page cost more than the rest of image_rules)."""
    groups: list[list[int]] = []  # [top, bottom, left, right]
    last_row: list[tuple[int, int, int]] = []  # (start, stop, group) of the runs on the row above
    row_runs: list[tuple[int, int, int]] = []
    current = -2
    parent: list[int] = []

    def find(g: int) -> int:
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    for row, start, stop in runs:  # in row order, as _long_runs gives them
        if row != current:
            last_row = row_runs if row == current + 1 else []
            row_runs, current = [], row
        g = None
        for s0, s1, other in last_row:
            if s0 < stop and start < s1:
                other = find(other)
                if g is None:
                    g = other
                elif other != g:
                    parent[other] = g
        if g is None:
            g = len(groups)
            groups.append([row, row + 1, start, stop])
            parent.append(g)
        box = groups[g]
        box[1], box[2], box[3] = row + 1, min(box[2], start), max(box[3], stop)
        row_runs.append((start, stop, g))
    merged: dict[int, list[int]] = {}
    for g, box in enumerate(groups):
        root = find(g)
        if root not in merged:
            merged[root] = list(box)
        else:
            m = merged[root]
            m[0], m[1], m[2], m[3] = min(m[0], box[0]), max(m[1], box[1]), min(m[2], box[2]), max(m[3], box[3])
    return [tuple(m) for m in merged.values()]
