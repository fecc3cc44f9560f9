"""The text-layer readers: poppler's characters into words, and poppler against pdfium on real PDFs."""
import numpy as np
import pytest

from extract import pdf, poppler
from extract.poppler import words_from_chars

needs_poppler = pytest.mark.skipif(not poppler.available(),
                                   reason="libpoppler-glib is not installed (apt-get install libpoppler-glib8)")


def boxes_for(text, x=10.0, top=100.0, height=10.0, advance=6.0, spaces=None):
    """One box per character laid out left to right; `spaces` maps a space's index to its width."""
    out = []
    for i, ch in enumerate(text):
        if ch == "\n":
            out.append((x, top, x, top + height))
            x, top = 10.0, top + 2 * height
            continue
        width = (spaces or {}).get(i, 3.0) if ch == " " else advance
        out.append((x, top, x + width, top + height))
        x += width
    return np.array(out, dtype=np.float64)


def texts(words):
    return [w.text for w in words]


def test_spaces_separate_words_and_boxes_cover_their_characters():
    words = words_from_chars("AB CD", boxes_for("AB CD"))
    assert texts(words) == ["AB", "CD"]
    assert (words[0].x0, words[0].x1) == (10.0, 22.0)
    assert (words[1].x0, words[1].top, words[1].x1, words[1].bottom) == (25.0, 100.0, 37.0, 110.0)
    assert all(w.spaced for w in words)


def test_a_space_thinner_than_kerning_is_no_space():
    # poppler writes "D ISTRICT" where a small capital stands 0.5 pt from the rest of the word
    text = "D ISTRICT"
    assert texts(words_from_chars(text, boxes_for(text, spaces={1: 0.5}))) == ["DISTRICT"]
    # a space of a quarter of the height is a space
    assert texts(words_from_chars(text, boxes_for(text, spaces={1: 2.5}))) == ["D", "ISTRICT"]


def test_a_wide_gap_without_a_space_separates_words():
    # two labels of the form that poppler joins on one line: "NUMBERDATE(S)"
    text = "NUMBERDATE"
    boxes = boxes_for(text)
    boxes[6:, [0, 2]] += 40.0
    assert texts(words_from_chars(text, boxes)) == ["NUMBER", "DATE"]


def test_a_word_after_a_line_end_may_be_joined_to_a_neighbour():
    text = "Proc\ness more"
    words = words_from_chars(text, boxes_for(text))
    assert texts(words) == ["Proc", "ess", "more"]
    assert [w.spaced for w in words] == [True, False, True]


def test_no_text_no_words():
    assert words_from_chars("", np.zeros((0, 4))) == []
    assert words_from_chars(" \n ", boxes_for(" \n ")) == []


def test_an_unknown_reader_is_refused(samples):
    with pytest.raises(ValueError, match="reader"):
        pdf.read_pages(samples[0], reader="pdfminer")


@needs_poppler
def test_the_engine_record_names_the_text_layer_reader():
    assert pdf.layer_reader() == "poppler"
    assert pdf.engine()["text_layer"] == f"poppler {poppler.version()}"


@needs_poppler
def test_poppler_and_pdfium_read_the_samples_alike(samples):
    """The bundled samples are born-digital: both readers must give the same lines, word for word."""
    for path in samples:
        by_poppler, _ = pdf.read_pages(path, ocr="never", reader="poppler")
        by_pdfium, _ = pdf.read_pages(path, ocr="never", reader="pdfium")
        assert [[line.text for line in p.lines] for p in by_poppler] == \
               [[line.text for line in p.lines] for p in by_pdfium], path.name


@needs_poppler
def test_poppler_words_lie_where_pdfium_puts_them(samples):
    """Same words, same places (within a point): the header's boxes are found by position."""
    path = samples[0]
    data = path.read_bytes()
    doc = pdf.open_pdf(path, data)
    with poppler.Document(data) as text:
        assert len(text) == len(doc)
        page = doc[0]
        # pdfium boxes from the font's bounding box, poppler from its ascent and descent: compare middles
        theirs = {(w.text, w.x0, (w.top + w.bottom) / 2) for w in pdf.layer_words(page)}
        page.close()
        ours = text.words(0)
    doc.close()
    assert ours
    near = sum(1 for w in ours if any(t == w.text and abs(x - w.x0) <= 1 and abs(y - (w.top + w.bottom) / 2) <= 1.5
                                      for t, x, y in theirs))
    assert near / len(ours) > 0.95
