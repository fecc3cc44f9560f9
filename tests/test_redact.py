"""Redaction boxes found in a rendered page image and written as exemption marks."""
import io

from PIL import Image, ImageDraw, ImageFont

from extract.records import Word
from extract.redact import apply_boxes, clear_words, find_boxes

DPI = 300
PT = DPI / 72


def page_image(boxes_pt, fill):
    img = Image.new("L", (int(612 * PT), int(792 * PT)), 255)
    draw = ImageDraw.Draw(img)
    draw.text((100, 100), "ordinary text stays", fill=0)
    for x0, top, x1, bottom in boxes_pt:
        draw.rectangle([x0 * PT, top * PT, x1 * PT, bottom * PT], fill=fill)
    out = io.BytesIO()
    img.save(out, format="PPM")
    return out.getvalue()


def test_grey_and_black_boxes_are_found():
    grey = find_boxes(page_image([(100, 200, 160, 216)], 200), DPI)
    black = find_boxes(page_image([(300, 400, 380, 414)], 0), DPI)
    assert len(grey) == 1 and abs(grey[0][0] - 100) < 3 and abs(grey[0][3] - 216) < 3
    assert len(black) == 1 and abs(black[0][2] - 380) < 3


def test_text_is_not_a_box():
    assert find_boxes(page_image([], 0), DPI) == []


def test_words_inside_a_box_become_one_mark():
    words = [Word("the", 60, 204, 75, 212), Word("©®", 102, 203, 120, 213), Word("OO", 125, 204, 150, 212),
             Word("bottles", 170, 204, 200, 212)]
    out = apply_boxes(words, [(100, 200, 160, 216)])
    assert [w.text for w in sorted(out, key=lambda w: w.x0)] == ["the", "(b)(4)", "bottles"]


def test_a_box_over_two_lines_is_two_marks():
    out = apply_boxes([], [(100, 200, 160, 227)])
    assert [w.text for w in out] == ["(b)(4)", "(b)(4)"]
    assert out[0].bottom <= out[1].top


def grey_page(boxes_pt, labels=(), words=()):
    """A page with grey boxes, each labelled "(b) (4)" in black at its top left when in `labels`,
    and black words printed at (x, top) in points."""
    img = Image.new("L", (int(612 * PT), int(792 * PT)), 255)
    draw = ImageDraw.Draw(img)
    label_font, text_font = ImageFont.load_default(size=7 * PT), ImageFont.load_default(size=9 * PT)
    for k, (x0, top, x1, bottom) in enumerate(boxes_pt):
        draw.rectangle([x0 * PT, top * PT, x1 * PT, bottom * PT], fill=200)
        if k in labels:
            draw.text(((x0 + 1) * PT, (top + 1) * PT), "(b) (4)", fill=0, font=label_font)
    for x, top, text in words:
        draw.text((x * PT, top * PT), text, fill=0, font=text_font)
    out = io.BytesIO()
    img.save(out, format="PPM")
    return out.getvalue()


def test_boxes_on_two_lines_that_touch_are_each_their_own():
    # A box over the whole first line; on the line below, touching it, three short boxes with
    # the words "and", "finished drug product" between them, which are not redacted.
    line1 = (70, 208, 395, 222)
    line2 = [(70, 222, 100, 236), (125, 222, 150, 236), (265, 222, 350, 236)]
    image = grey_page([line1, *line2], labels=(0, 1, 2, 3),
                      words=[(104, 225, "and"), (155, 225, "finished drug product")])
    found = sorted(find_boxes(image, DPI), key=lambda b: (round(b[1] / 10), b[0]))
    assert len(found) == 4, found
    for got, want in zip(found, [line1, *line2]):
        assert all(abs(g - w) < 3 for g, w in zip(got, want)), (got, want)
    words = [Word("and", 104, 226, 118, 234), Word("finished", 155, 226, 185, 234)]
    assert [w.text for w in apply_boxes(words, found) if w.text[0] != "("] == ["and", "finished"]


def test_a_box_with_its_label_and_a_two_line_box_stay_whole():
    one_line = (100, 300, 200, 317)  # 17 points: a line of text and the box's padding
    two_lines = (100, 400, 300, 427)
    found = sorted(find_boxes(grey_page([one_line, two_lines], labels=(0, 1)), DPI))
    assert len(found) == 2, found
    for got, want in zip(found, [one_line, two_lines]):
        assert all(abs(g - w) < 3 for g, w in zip(got, want)), (got, want)


def printed(draw, font, x, top, text):
    """Print `text` at (x, top) points; the Word OCR would read there (its glyphs' box, in points)."""
    x0, y0, x1, y1 = draw.textbbox((x * PT, top * PT), text, font=font)
    draw.text((x * PT, top * PT), text, fill=0, font=font)
    return Word(text, x0 / PT, y0 / PT, x1 / PT, y1 / PT)


def test_words_on_the_page_white_inside_a_box_outline_are_kept():
    # A box outline that takes in more than its box (as for boxes stacked over three lines):
    # the word printed on the page's white inside it is kept; what OCR read on the grey box
    # (its label) and on the black box's edge is not.
    img = Image.new("L", (int(612 * PT), int(792 * PT)), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=9 * PT)
    draw.rectangle([100 * PT, 200 * PT, 200 * PT, 214 * PT], fill=200)
    draw.rectangle([300 * PT, 200 * PT, 400 * PT, 214 * PT], fill=0)
    label = printed(draw, ImageFont.load_default(size=7 * PT), 101, 201, "(b) (4)")
    tubing = printed(draw, font, 210, 202, "tubing")
    stopper = printed(draw, font, 60, 202, "stopper")  # outside every box: kept as ever
    edge = Word("|", 290, 200, 310, 214)  # half on the page, half on the black box
    out = io.BytesIO()
    img.save(out, format="PPM")
    outline = [(100, 199, 260, 215), (300, 200, 400, 214)]
    words = [label, tubing, stopper, edge]
    clear = clear_words(out.getvalue(), DPI, words, outline)
    assert [w for w in words if (round(w.x0, 2), round(w.top, 2), round(w.x1, 2), round(w.bottom, 2)) in clear] \
        == [tubing]
    kept = sorted(apply_boxes(words, outline, clear), key=lambda w: w.x0)
    assert [w.text for w in kept] == ["stopper", "(b)(4)", "tubing", "(b)(4)"]
    assert [w.text for w in apply_boxes(words, outline)] == ["stopper", "(b)(4)", "(b)(4)"]


# Boxes on three lines, staggered so that each touches the ones above and below it at other
# columns, and a narrow box two lines high (the lists of "On (b) (4), your firm received (b) (4)
# units of (b) (4)" in recent FDA 483s), make one region of grey whose fill is far below a
# box's. Before `_stacked`, none of its boxes was found: the observation's redaction count
# missed them and OCR's reading of their labels stayed in its text.
STAGGERED = [(100, 300, 160, 314), (190, 300, 300, 314),  # line 1
             (60, 314, 120, 328), (150, 314, 230, 328),  # line 2, each touching a box above
             (90, 328, 170, 342), (265, 328, 330, 342),  # line 3
             (240, 314, 253, 342)]  # narrow, two lines high, under a box of line 1


def test_staggered_boxes_over_three_lines_are_each_found():
    found = find_boxes(grey_page(STAGGERED, labels=range(6)), DPI)
    assert len(found) == len(STAGGERED), found
    for want in STAGGERED:
        assert any(all(abs(g - w) < 3 for g, w in zip(got, want)) for got in found), (want, found)
