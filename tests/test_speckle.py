"""Specks on scanned pages: cleaned before OCR when the page is speckled, left alone when clean."""
import io
import random
import shutil

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from extract.pdf import ocr_tsv, parse_tsv, render_page
from extract.speckle import count_specks, despeckle, is_speckled

LINES = ["DURING AN INSPECTION OF YOUR FIRM WE OBSERVED:", "OBSERVATION 1",
         "Procedures designed to prevent microbiological contamination of drug products",
         "purporting to be sterile are not established and followed."] * 3


def page_image(tmp_path) -> bytes:
    """A typed page, rendered at 300 dpi as the OCR step renders it."""
    from reportlab.pdfgen import canvas

    path = tmp_path / "page.pdf"
    c = canvas.Canvas(str(path))
    for i, line in enumerate(LINES):
        c.drawString(72, 720 - 16 * i, line)
    c.save()
    doc = pdfium.PdfDocument(str(path))
    try:
        return render_page(doc[0])
    finally:
        doc.close()


def sprinkle(image: bytes, specks: int = 4000, seed: int = 0) -> bytes:
    """Dust: dark specks of one to four pixels at random places."""
    a = np.array(Image.open(io.BytesIO(image)).convert("L"))
    rng = random.Random(seed)
    h, w = a.shape
    for _ in range(specks):
        y, x = rng.randrange(h - 2), rng.randrange(w - 2)
        a[y:y + rng.choice((1, 2)), x:x + rng.choice((1, 2))] = 0
    out = io.BytesIO()
    Image.fromarray(a).save(out, format="PPM")
    return out.getvalue()


def gray(image: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(image)).convert("L"))


def test_a_clean_page_is_given_to_ocr_as_it_is(tmp_path):
    image = page_image(tmp_path)
    assert not is_speckled(gray(image))
    assert despeckle(image) == image


def test_a_speckled_page_is_cleaned_and_keeps_its_letters(tmp_path):
    clean = page_image(tmp_path)
    dusty = sprinkle(clean)
    specks, _ = count_specks(gray(dusty))
    assert specks >= 3000 and is_speckled(gray(dusty))
    cleaned = gray(despeckle(dusty))
    assert count_specks(cleaned)[0] < count_specks(gray(clean))[0] + 200
    # the letters stay: the dark pixels of the clean page are nearly all still dark
    kept = ((cleaned < 128) & (gray(clean) < 128)).sum() / (gray(clean) < 128).sum()
    assert kept > 0.8


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_ocr_of_a_speckled_page_reads_the_heading_once_cleaned(tmp_path):
    dusty = sprinkle(page_image(tmp_path), specks=6000, seed=3)

    def lines(image):
        words = parse_tsv(ocr_tsv(image), scale=72 / 300)
        rows = {}
        for w in words:
            rows.setdefault(round(w.top / 4), []).append(w.text)
        return [" ".join(r) for _, r in sorted(rows.items())]

    headings = [line for line in lines(despeckle(dusty)) if "OBSERVATION" in line and "DURING" not in line]
    assert headings == ["OBSERVATION 1"] * 3
