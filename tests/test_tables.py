"""Ruled tables in a born-digital 483: each row read as one line, cell by cell (extract/tables.py)."""
import pytest
from reportlab.pdfgen import canvas

from extract import pdf, poppler, tables
from extract.records import Word

READERS = ["pdfium"] + (["poppler"] if poppler.available() else [])
PAGE_H = 792.0


def _grid(c, left, top, widths, heights):
    """Rules of a grid whose top-left corner is (left, top) in top-left coordinates."""
    right, bottom = left + sum(widths), top + sum(heights)
    y = top
    for h in [0] + heights:
        y += h
        c.line(left, PAGE_H - y, right, PAGE_H - y)
    x = left
    for w in [0] + widths:
        x += w
        c.line(x, PAGE_H - top, x, PAGE_H - bottom)


def _text(c, x, top, text, size=9):
    c.setFont("Helvetica", size)
    c.drawString(x, PAGE_H - top - size, text)


def _row(c, top, cells):
    """Words at (x, text) pairs on one row of a table."""
    for x, text in cells:
        _text(c, x, top, text)


def _write(path, draw):
    c = canvas.Canvas(str(path), pagesize=(612, PAGE_H), invariant=1)
    draw(c)
    c.showPage()
    c.save()
    return path


def _lines(path, reader):
    """The first page's lines as its text layer reads, whatever the page's quality score."""
    data = path.read_bytes()
    doc = pdf.open_pdf(path, data)
    warnings = []
    text = pdf.open_text(data, len(doc), warnings, reader)
    try:
        page, _ = pdf.read_layer(doc, 0, warnings, text)
    finally:
        doc.close()
        if text is not None:
            text.close()
    assert warnings == []
    return [line.text for line in page.lines]


def _findings_table(c):
    _text(c, 72, 100, "Some such examples are listed in Table 1.")
    # Entry | Lot | Sampling tool | Result, the tool's cell wrapping over three lines
    _grid(c, 72, 120, [40, 80, 120, 120], [14, 14, 40])
    _row(c, 122, ((74, "Entry"), (114, "Lot"), (194, "Sampling tool"), (314, "Result")))
    _row(c, 136, ((74, "1"), (114, "A-100"), (194, "Sterile scoop"), (314, "Related Substances")))
    _row(c, 150, ((74, "2"), (114, "A-200"), (194, "Measuring"), (314, "Assay")))
    _row(c, 161, ((194, "scoop and steel"),))
    _row(c, 172, ((194, "spoon"),))
    _text(c, 72, 200, "The firm did not investigate these results.")


@pytest.mark.parametrize("reader", READERS)
def test_a_row_whose_cell_wraps_reads_cell_by_cell(tmp_path, reader):
    # Dr. Reddy's Table 1 read line by line put the row's number last and split the tool's name
    # over the other cells: "A-200 Measuring Assay scoop and steel 2 spoon"
    path = _write(tmp_path / "table.pdf", _findings_table)
    assert _lines(path, reader) == [
        "Some such examples are listed in Table 1.",
        "Entry Lot Sampling tool Result",
        "1 A-100 Sterile scoop Related Substances",
        "2 A-200 Measuring scoop and steel spoon Assay",
        "The firm did not investigate these results.",
    ]


@pytest.mark.parametrize("reader", READERS)
def test_the_forms_own_boxes_are_read_as_lines(tmp_path, reader):
    # the header's boxes are a grid with text in its cells: the header parser reads them by lines
    def draw(c):
        _grid(c, 36, 40, [270, 270], [24, 24])
        _text(c, 40, 42, "DISTRICT ADDRESS AND PHONE NUMBER", 5)
        _text(c, 40, 50, "19 Harbor Way, Suite 2")
        _text(c, 310, 42, "DATE(S) OF INSPECTION", 5)
        _text(c, 310, 50, "1/8/2024-1/12/2024")
        _text(c, 40, 66, "Springfield, IL 62701")
        _text(c, 310, 66, "FEI NUMBER", 5)
        _text(c, 310, 74, "3001234567")
    path = _write(tmp_path / "form.pdf", draw)
    assert _lines(path, reader) == [
        "DISTRICT ADDRESS AND PHONE NUMBER DATE(S) OF INSPECTION",
        "19 Harbor Way, Suite 2 1/8/2024-1/12/2024",
        "Springfield, IL 62701 FEI NUMBER",
        "3001234567",
    ]


def test_redaction_boxes_lined_up_are_no_table():
    # boxes over redacted words on neighbouring lines form a grid whose cells hold only marks
    rules, words = [], []
    for row, top in enumerate((100, 114, 128)):
        for left in (200, 300):
            rules += [(left, top, left + 40, top), (left, top + 12, left + 40, top + 12),
                      (left, top, left, top + 12), (left + 40, top, left + 40, top + 12)]
            words.append(Word("(b)(4)", left + 2, top + 2, left + 30, top + 10))
        words += [Word(f"line{row}", 72, top + 2, 190, top + 10), Word("and", 250, top + 2, 290, top + 10)]
    rest, rows = tables.take_rows(words, rules, PAGE_H)
    assert rows == [] and rest == words


def test_a_grid_in_the_pages_top_or_bottom_tenth_is_the_forms_header_or_footer():
    # on a rough scan OCR read none of Catalent's header labels, and its boxes were read as a
    # table: "BATE, CBOE, CONTR or TPE Bloomington, IN" came out as the state
    def grid_at(top):
        rules = [(72, top, 572, top), (72, top + 30, 572, top + 30), (72, top + 60, 572, top + 60),
                 (72, top, 72, top + 60), (322, top, 322, top + 60), (572, top, 572, top + 60)]
        cells = (("Lars", 80, 10), ("Arnoldsen", 330, 10), ("Catalent", 80, 40), ("Bloomington", 330, 40))
        words = [Word(text, x, top + dy, x + 60, top + dy + 9) for text, x, dy in cells]
        return words, rules
    for top in (40, 700):
        words, rules = grid_at(top)
        assert tables.take_rows(words, rules, PAGE_H) == (words, [])
    words, rules = grid_at(300)
    rows = tables.take_rows(words, rules, PAGE_H)[1]
    assert [line.text for _, line in rows] == ["Lars Arnoldsen", "Catalent Bloomington"]


def test_a_grid_as_tall_as_half_the_page_is_the_forms_frame():
    frame = [(36, 40, 576, 40), (36, 130, 576, 130), (36, 700, 576, 700),
             (36, 40, 36, 700), (306, 40, 306, 130), (576, 40, 576, 700)]
    words = [Word("Acme", 40, 50, 80, 60), Word("Sterile", 310, 50, 350, 60),
             Word("Observation", 40, 140, 120, 150), Word("text", 130, 140, 160, 150)]
    assert tables.take_rows(words, frame, PAGE_H) == (words, [])


def test_rules_are_thin_paths_and_stroked_rectangles(tmp_path):
    def draw(c):
        c.line(72, PAGE_H - 100, 300, PAGE_H - 100)  # a rule
        c.rect(72, PAGE_H - 200, 100, 40, stroke=1, fill=0)  # a box: four rules
        c.rect(300, PAGE_H - 200, 100, 40, stroke=0, fill=1)  # a filled box (a redaction): none
    path = _write(tmp_path / "rules.pdf", draw)
    doc = pdf.open_pdf(path)
    try:
        rules = pdf.layer_rules(doc[0])
    finally:
        doc.close()
    # a stroke's bounds take in half its width on either side
    expected = [(72, 100, 300, 100), (72, 160, 172, 160), (72, 200, 172, 200), (72, 160, 72, 200), (172, 160, 172, 200)]
    assert len(rules) == len(expected)
    for x0, top, x1, bottom in expected:
        assert any(abs(r[0] - x0) <= 1 and abs(r[1] - top) <= 1 and abs(r[2] - x1) <= 1 and abs(r[3] - bottom) <= 1
                   for r in rules), (x0, top, x1, bottom)


def _scanned_page(draw, dpi=300):
    """A white page image at `dpi` with `draw(image_draw, scale)` drawn on it, as PGM bytes."""
    import io

    from PIL import Image, ImageDraw
    scale = dpi / 72
    image = Image.new("L", (int(612 * scale), int(PAGE_H * scale)), 255)
    draw(ImageDraw.Draw(image), scale)
    out = io.BytesIO()
    image.save(out, format="PPM")
    return out.getvalue()


def test_rules_in_a_scan_are_long_thin_runs_of_ink_and_a_box_does_not_break_one():
    def draw(d, s):
        for y in (100, 130, 200):  # a grid of 3 rows' rules and 3 columns' rules, 1 pixel thick
            d.line([(72 * s, y * s), (372 * s, y * s)], fill=0, width=1)
        for x in (72, 172, 372):
            d.line([(x * s, 100 * s), (x * s, 200 * s)], fill=0, width=1)
        d.rectangle([(150 * s, 120 * s), (220 * s, 140 * s)], fill=190)  # a grey redaction box over the rule at 130
        d.rectangle([(400 * s, 300 * s), (500 * s, 320 * s)], fill=0)  # a black box: no rule
        for x in range(72, 300, 3):  # a line of "text": short strokes 1 point apart
            d.rectangle([(x * s, 400 * s), ((x + 2) * s, 407 * s)], fill=0)
    rules = tables.image_rules(_scanned_page(draw), 300)
    across = sorted((round((r[1] + r[3]) / 2), round(r[0]), round(r[2])) for r in rules if r[2] - r[0] > r[3] - r[1])
    down = sorted((round((r[0] + r[2]) / 2), round(r[1]), round(r[3])) for r in rules if r[2] - r[0] <= r[3] - r[1])
    assert across == [(100, 72, 372), (130, 72, 372), (200, 72, 372)]
    assert down == [(72, 100, 200), (172, 100, 200), (372, 100, 200)]


needs_tesseract = pytest.mark.skipif(pdf.tesseract_path() is None, reason="tesseract is not installed")


@needs_tesseract
def test_a_scanned_table_reads_cell_by_cell(tmp_path):
    # Central Admixture's defect table, read as lines, put each product's name after the
    # numbers of its row, and the rest of its name with the next row's
    source = _write(tmp_path / "table.pdf", _findings_table)
    scan = pdf.as_scan(source, tmp_path / "scan.pdf", dpi=200)
    pages, warnings = pdf.read_pages(scan, ocr="always")
    lines = [line.text for line in pages[0].lines]
    assert "2 A-200 Measuring scoop and steel spoon Assay" in lines, lines
    assert "1 A-100 Sterile scoop Related Substances" in lines, lines


def _defects_table(c):
    # Batch | Particles | Leaks, with lone counts and a black box in one cell
    _grid(c, 72, 120, [100, 80, 80], [14, 14, 14])
    _row(c, 122, ((74, "Batch"), (174, "Particles"), (254, "Leaks")))
    _row(c, 136, ((74, "36-276932"), (174, "1"), (254, "0")))
    _row(c, 150, ((74, "36-277831"), (174, "542")))
    c.rect(256, PAGE_H - 160, 40, 10, stroke=0, fill=1)  # a black redaction box


@needs_tesseract
def test_a_lone_count_ocr_dropped_is_read_again_from_its_cell(tmp_path):
    # Central Admixture's table of defects lost every count of "1" and "0": Tesseract takes a
    # lone short word for noise. A cell with ink and no word is read again; a black box is not.
    path = _write(tmp_path / "defects.pdf", _defects_table)
    doc = pdf.open_pdf(path)
    try:
        image = pdf.render_page(doc[0])
        words = [w for w in pdf.layer_words(doc[0]) if w.text not in ("1", "0")]  # what OCR kept
    finally:
        doc.close()
    rules = tables.image_rules(image, 300)
    crops = tables.empty_cells(image, 300, words, rules)
    assert len(crops) == 2  # the "1" and the "0", not the box
    found = tables.read_cells(crops, 300, lambda strip: pdf.parse_tsv(pdf.ocr_tsv(strip, psm=11), 1.0,
                                                                      tables.MIN_CONFIDENCE))
    assert sorted((w.text, round(w.x0 / 10)) for w in found) == [("0", 25), ("1", 17)]
    assert all(130 < w.top < 146 for w in found)
    rows = [line.text for _, line in tables.take_rows(words + found, rules, PAGE_H)[1]]
    assert rows == ["Batch Particles Leaks", "36-276932 1 0", "36-277831 542"]
