"""Ruled tables inside a 483's observations, read a row at a time, cell by cell.

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
  grid holding one of the form's printed labels (FEI NUMBER, DATE ISSUED, ...), reaching into
  the page's top or bottom tenth, or as tall as three quarters of the page is left to the line
  reader, which the header parser expects (OCR of a poor scan can miss every label);
- not a cluster of redaction boxes: boxes on neighbouring lines line up into grids whose cells
  hold only "(b)(4)" marks, so a table needs words other than marks in three cells or more,
  over two rows and two columns.

On a scan, a cell of such a table that holds ink but no word of the OCR is read again
(`empty_cells`, `read_cells`): Tesseract drops a lone short word, such as a count of "1".
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image
from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges
from scipy import ndimage

from .labels import FOOTER_KEYS, HEADER_KEYS, find_labels
from .layout import group_lines, middle
from .records import Line, Word

Rule = tuple[float, float, float, float]  # x0, top, x1, bottom in points, top-left origin
Cell = tuple[float, float, float, float]

THIN = 2.5  # points: a path this thin in one direction is a rule
TOLERANCE = 3.0  # pdfplumber's default snap, join and intersection tolerance
MAX_HEIGHT = 0.75  # of the page: a taller grid is the form's frame
# of the page: a grid reaching into its top or bottom tenth is the form's header or footer
# (they stand at 5-25% and 82-93% of a 483's page; its observations between)
EDGE = 0.1
MIN_TEXT_CELLS = 3
# The version of how rules are found in a page image and empty cells read again: the OCR cache
# keeps each page's rules and cells' words under it.
VERSION = 2

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


def _placed_as_findings(table: Table, page_height: float) -> bool:
    """Whether a grid stands where a table of findings can: not the form's frame, header or footer."""
    x0, top, x1, bottom = table.bbox
    return bottom - top <= MAX_HEIGHT * page_height and EDGE * page_height <= top and bottom <= (1 - EDGE) * page_height


def is_findings_table(table: Table, words: list[Word], found: dict[int, list[int]], page_height: float) -> bool:
    """Whether a grid is a table in the observations, to be read cell by cell (see the module's notes)."""
    if not _placed_as_findings(table, page_height):
        return False
    text_cells = [k for k, ids in found.items() if len(_MARK.sub("", " ".join(words[i].text for i in ids))) >= 2]
    if len(text_cells) < MIN_TEXT_CELLS:
        return False
    cells = [table.cells[k] for k in text_cells]
    if len({round(c[1]) for c in cells}) < 2 or len({round(c[0]) for c in cells}) < 2:
        return False
    return not find_labels(group_lines([words[i] for ids in found.values() for i in ids]), _FORM_KEYS)


def findings_tables(words: list[Word], rules: list[Rule], page_height: float):
    """(table, the indexes of the words in each of its cells) of each table of findings the
    rules draw."""
    if len(rules) < 4:
        return
    for table in grids(rules):
        if not _placed_as_findings(table, page_height):
            continue  # the form's own grids, on every page: no need to find their words
        found = _cell_words(table, words)
        if is_findings_table(table, words, found, page_height):
            yield table, found


def read_lines(words: list[Word], rules: list[Rule], page_height: float) -> list[Line]:
    """The page's lines in reading order, as layout.group_lines reads them, except that each row
    of a table of findings is one line: its cells left to right, each cell's lines top to bottom.

    >>> box = [(10, 210, 210, 210.5), (10, 240, 210, 240.5), (10, 270, 210, 270.5),
    ...        (10, 210, 10.5, 270), (110, 210, 110.5, 270), (209.5, 210, 210, 270)]
    >>> words = [Word("Above", 12, 200, 50, 208), Word("Lot", 12, 212, 30, 222), Word("Result", 112, 212, 150, 222),
    ...          Word("A1", 12, 242, 30, 252), Word("failed", 112, 242, 150, 252),
    ...          Word("twice", 112, 254, 150, 264), Word("Below", 12, 280, 50, 290)]
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

    >>> box = [(10, 210, 210, 210.5), (10, 240, 210, 240.5), (10, 270, 210, 270.5),
    ...        (10, 210, 10.5, 270), (110, 210, 110.5, 270), (209.5, 210, 210, 270)]
    >>> words = [Word("Lot", 12, 212, 30, 222), Word("Result", 112, 212, 150, 222),
    ...          Word("A1", 12, 242, 30, 252), Word("failed", 112, 242, 150, 252),
    ...          Word("twice", 112, 254, 150, 264), Word("Below", 12, 280, 50, 290)]
    >>> rest, rows = take_rows(words, box, 792)
    >>> [w.text for w in rest], [line.text for _, line in rows]
    (['Below'], ['Lot Result', 'A1 failed twice'])
    """
    taken: set[int] = set()
    rows: list[tuple[float, Line]] = []
    for table, found in findings_tables(words, rules, page_height):
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
    at least MIN_RULE long, across and down, at most SCAN_THIN thick where they are drawn (see
    `_rule_of`). A black redaction box is thick, and text's runs are short: along a rule the
    page is read at full resolution, where a line of text has gaps between its letters, and
    across it at a third, each pixel the darkest of three, so that a rule one pixel thick is
    kept. Two pieces of a rule a redaction box covers are one (`_bridge`).
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
        for stack in _stacks(_long_runs(ink, int(round(MIN_RULE / full)))):
            rule = _rule_of(stack, SCAN_THIN / (STEP * full))
            if rule is None:
                continue
            top, bottom, left, right = rule
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


def _stacks(runs: list[tuple[int, int, int]]) -> list[list[tuple[int, int, int]]]:
    """The runs grouped as scipy.ndimage.label would group them in a mask of the runs: runs on
    touching rows that overlap (the runs are few: labelling the whole page cost more than the
    rest of image_rules)."""
    parent: list[int] = []  # union-find over the runs' indexes
    last_row: list[int] = []  # the runs on the row above
    row_runs: list[int] = []
    current = -2

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (row, start, stop) in enumerate(runs):  # in row order, as _long_runs gives them
        if row != current:
            last_row = row_runs if row == current + 1 else []
            row_runs, current = [], row
        parent.append(i)
        for j in last_row:
            if runs[j][1] < stop and start < runs[j][2]:
                parent[find(j)] = find(i)
        row_runs.append(i)
    groups: dict[int, list[tuple[int, int, int]]] = {}
    for i, run in enumerate(runs):
        groups.setdefault(find(i), []).append(run)
    return list(groups.values())


def _rule_of(stack: list[tuple[int, int, int]], thin: float) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of the rule a stack of runs is: all of it, when it is at most
    `thin` rows thick where it is drawn (a rule on a page scanned a degree askew runs down
    several rows over its length, one or two rows thick at any point); else its runs twice as
    long as most (a rule through a black box that touches it), when they are; else none."""
    for keep in (False, True):
        if keep:
            lengths = sorted(stop - start for _, start, stop in stack)
            stack = [run for run in stack if run[2] - run[1] >= 2 * lengths[len(lengths) // 2]]
            if not stack:
                return None
        left, right = min(s for _, s, _ in stack), max(e for _, _, e in stack)
        if sum(e - s for _, s, e in stack) <= thin * (right - left):
            rows = [r for r, _, _ in stack]
            return min(rows), max(rows) + 1, left, right
    return None


# --- cells OCR left empty -----------------------------------------------------------------------

CELL_PAD = 2.0  # points inside a cell's rules: what is nearer is the rule's ink
MIN_GLYPH = 30  # pixels at 300 dpi: a smaller blot is a speck (a "1" at 9 points is about 90)
MIN_CONFIDENCE = 50
_CELL_TEXT = re.compile(r"^[\w%.,:/<>+\-]+$")


def empty_cells(image: bytes, dpi: int, words: list[Word], rules: list[Rule]) -> list[tuple[float, float, np.ndarray]]:
    """The cells of the page's tables of findings that hold no word but do hold ink, with the
    crop of their ink: Tesseract drops a lone short word, such as a count of "1" or "0" in a table
    of defects (Central Admixture), as noise. A cell with a wide, solid blot of ink holds a
    black box, not text.
    Each as (left, top) of its ink in points, and the ink's crop."""
    gray = np.asarray(Image.open(io.BytesIO(image)).convert("L"))
    s = dpi / 72.0
    page_height = gray.shape[0] / s
    out = []
    for table, found in findings_tables(words, rules, page_height):
        for k, cell in enumerate(table.cells):
            if k in found:
                continue
            x0, y0 = int((cell[0] + CELL_PAD) * s), int((cell[1] + CELL_PAD) * s)
            x1, y1 = int((cell[2] - CELL_PAD) * s), int((cell[3] - CELL_PAD) * s)
            if x1 <= x0 or y1 <= y0:
                continue
            crop = gray[y0:y1, x0:x1]
            labels, n = ndimage.label(crop < 128)
            if not n:
                continue
            sizes = np.bincount(labels.ravel())[1:]
            if sizes.max() < MIN_GLYPH:
                continue
            ys, xs = np.nonzero(np.isin(labels, np.flatnonzero(sizes >= MIN_GLYPH // 3) + 1))
            # the blots of the glyphs, and a little white around them: a "1" cut to its stem
            # reads as an "l"
            top, left = max(0, ys.min() - 6), max(0, xs.min() - 6)
            bottom, right = min(crop.shape[0], ys.max() + 7), min(crop.shape[1], xs.max() + 7)
            if right - left > bottom - top and (crop[top:bottom, left:right] < 128).mean() > 0.6:
                continue  # a black box (a "1" is as solid, but tall)
            out.append(((x0 + left) / s, (y0 + top) / s, crop[top:bottom, left:right]))
    return out


def read_cells(crops, dpi: int, read) -> list[Word]:
    """The words of `empty_cells`' crops, read in one `read(image) -> words` call (Tesseract in
    sparse text mode, words of MIN_CONFIDENCE or more, boxes in the image's pixels) on a strip
    of them set apart by white (a call for each would start Tesseract as many times), each word
    placed back where its crop came from."""
    if not crops:
        return []
    s = dpi / 72.0
    margin, gap = 20, 80
    height = max(c.shape[0] for _, _, c in crops) + 2 * margin
    strip = np.full((height, sum(c.shape[1] + gap for _, _, c in crops) + gap), 255, np.uint8)
    at = []  # (left in the strip, right, crop's origin in points)
    x = gap
    for left, top, crop in crops:
        strip[margin:margin + crop.shape[0], x:x + crop.shape[1]] = crop
        at.append((x, x + crop.shape[1], left, top))
        x += crop.shape[1] + gap
    out = io.BytesIO()
    Image.fromarray(strip).save(out, format="PPM")
    words = []
    for w in read(out.getvalue()):
        # a cell's lone "l" or "|" is a "1" (no word is an "l"); a lone "I" may be a class
        text = {"l": "1", "|": "1"}.get(w.text, w.text)
        if not _CELL_TEXT.match(text):
            continue
        middle = (w.x0 + w.x1) / 2
        for x0, x1, page_left, page_top in at:
            if x0 <= middle <= x1:
                ox, oy = page_left + (w.x0 - x0) / s, page_top + (w.top - margin) / s
                words.append(Word(text, ox, oy, ox + (w.x1 - w.x0) / s, oy + (w.bottom - w.top) / s))
                break
    return words
