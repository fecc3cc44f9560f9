"""Redaction boxes found in a rendered page image and written as exemption marks."""
import io

from PIL import Image, ImageDraw

from extract.records import Word
from extract.redact import apply_boxes, find_boxes

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
