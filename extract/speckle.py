"""Specks on scanned pages: a page sprinkled with dust is cleaned before OCR, a clean one is not.

A scan with dust or noise shows thousands of dark specks of a few pixels. Tesseract reads them as
letters and marks, and they break up the lines they touch: "OBSERVATION 1- - Aare ~ atthe Ee" for
"OBSERVATION 1". Cleaning whitens every dark component of at most SPECK_PIXELS pixels; the
strokes of letters and full stops are larger at 300 dpi and stay as they were. It runs only on
speckled pages, so a clean page goes to tesseract exactly as rendered.

The test, measured at 300 dpi over every page of the 23 shared 483s: dark components of at
most 6 pixels number 468 per page at the median and 1,078 at the 90th percentile, 1,195 at most
on their clean 200-dpi scans; pages with added grain and dust (`extract.pdf.as_scan(rough=True)`)
have 2,566 to 4,797. One real scan is as speckled: Actavis's, 2,417 to 9,230 specks on its 9
OCR'd pages, where the cleaning gives tesseract's output more known words (3,635 against 3,629)
and fewer tokens (4,285 against 4,435, the rest being specks read as marks). A 3x3 median
filter, tried first, lost words there (3,590): it thins the strokes of a light serif scan.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy import ndimage

SPECK_PIXELS = 6  # a dark component this small is a speck at 300 dpi (a full stop is larger)
MIN_SPECKS = 2000  # specks on a page, at the least, for it to be cleaned
MIN_SHARE = 0.4  # and the share of all dark components that are specks

# Part of the OCR cache's key: a change to the cleaning must not read back the old pages' text
VERSION = "specks6"


def _specks(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(label of each pixel, whether each label is a speck) of a page's dark components; label
    0, the paper, is not one."""
    labels, _ = ndimage.label(gray < 128)
    speck = np.bincount(labels.ravel()) <= SPECK_PIXELS
    speck[0] = False
    return labels, speck


def _speckled(speck: np.ndarray) -> bool:
    specks = int(speck.sum())
    return specks >= MIN_SPECKS and specks >= MIN_SHARE * (len(speck) - 1)


def count_specks(gray: np.ndarray) -> tuple[int, int]:
    """(specks, all dark components) of a greyscale page."""
    speck = _specks(gray)[1]
    return int(speck.sum()), len(speck) - 1


def is_speckled(gray: np.ndarray) -> bool:
    """Whether the page has the specks of dust or noise (see the module's docstring)."""
    return _speckled(_specks(gray)[1])


def despeckle(image: bytes) -> bytes:
    """The page image (PGM bytes) for tesseract: its specks whitened if speckled, otherwise as given."""
    gray = np.asarray(Image.open(io.BytesIO(image)).convert("L"))
    labels, speck = _specks(gray)
    if not _speckled(speck):
        return image
    cleaned = gray.copy()
    cleaned[speck[labels]] = 255
    out = io.BytesIO()
    Image.fromarray(cleaned).save(out, format="PPM")
    return out.getvalue()
