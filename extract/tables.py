"""Ruled tables inside a born-digital 483's observations, read a row at a time, cell by cell.

Read as lines, a table whose cells wrap interleaves its columns: Dr. Reddy's "Table 1" row 2
came out "(b)(4), Measuring (b)(4) (b)(4) 310028958 Related Substances (b)(4) scoop and
(b)(4) (b)(4) 2 spoon", the row's number last. Read cell by cell it is "2 (b)(4), (b)(4)
Measuring scoop and (b)(4) spoon (b)(4) (b)(4) (b)(4) 310028958 Related Substances", as a
person reads it.

The grid comes from the page's ruling lines (path objects thin in one direction, see
extract.pdf.layer_rules) through pdfplumber's own table finding (edges -> intersections ->
cells -> tables). Only grids that are tables of findings are read this way:

- not the form itself: the 483's frame is a grid too, as are its header and footer boxes, so a
  grid holding one of the form's printed labels (FEI NUMBER, DATE ISSUED, ...) or as tall as
  half the page is left to the line reader, which the header parser expects;
- not a cluster of redaction boxes: boxes on neighbouring lines line up into grids whose cells
  hold only "(b)(4)" marks, so a table needs words other than marks in three cells or more,
  over two rows and two columns.

Scanned pages are not looked at: their rules are ink, not paths.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

from .labels import LABELS, squash
from .layout import group_lines, middle
from .records import Line, Word

Rule = tuple[float, float, float, float]  # x0, top, x1, bottom in points, top-left origin
Cell = tuple[float, float, float, float]

THIN = 2.5  # points: a path this thin in one direction is a rule
TOLERANCE = 3.0  # pdfplumber's default snap, join and intersection tolerance
MAX_HEIGHT = 0.5  # of the page: a taller grid is the form's frame
MIN_TEXT_CELLS = 3

_FORM_LABELS = tuple(squash(v) for key in ("fei", "dates", "firm", "street", "type", "signature",
                                             "names_titles", "date_issued", "district") for v in LABELS[key])
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
    letters = squash(" ".join(words[i].text for ids in found.values() for i in ids))
    return not any(label in letters for label in _FORM_LABELS)


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
    for top, row in rows:
        at = next((i for i, line in enumerate(lines) if middle(line) > top), len(lines))
        lines.insert(at, row)
    return lines


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
