"""Text layers read with poppler (libpoppler-glib through ctypes): words with their boxes.

pdfium builds a page's text by loading every glyph's outline to box it, and these 483s carry
their hidden OCR text in fonts of their own on every page: reading a text layer with pdfium
takes twice as long as `pdftotext` before any of our work. poppler boxes characters from the
fonts' metrics; its glib library hands over a page's text and one box per character in two
calls, so the words come out at pdftotext's speed.

Nothing is compiled: the library is Debian's libpoppler-glib8 (`apt-get install
libpoppler-glib8`). Where it is missing, `available()` is False and the pdfium reader is used.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

import numpy as np

from .records import Word

_LIBRARIES = {
    "poppler": ("libpoppler-glib.so.8", "poppler-glib"),
    "gobject": ("libgobject-2.0.so.0", "gobject-2.0"),
    "glib": ("libglib-2.0.so.0", "glib-2.0"),
}

# A gap between two characters of a run wider than this share of their height separates two
# words even where the text has no space ("NUMBER" and "DATE(S)", two labels of the form that
# poppler joins on one line).
WORD_GAP = 0.5
# A space narrower than this share of its height is no space: poppler writes one wherever two
# characters stand a tenth of the font size apart, pdfium (and a reader) only from about 0.15.
THIN_SPACE = 0.15
# Characters that separate words; the rest of a run's characters make words.
_SPACES = np.array([0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0xA0, 0x00, 0x02, 0xFFFE, 0xFEFF], dtype=np.uint32)


def _load(names: tuple[str, str]) -> ctypes.CDLL | None:
    soname, short = names
    for candidate in (soname, ctypes.util.find_library(short)):
        if not candidate:
            continue
        try:
            return ctypes.CDLL(candidate)
        except OSError:
            continue
    return None


class _Lib:
    def __init__(self, poppler: ctypes.CDLL, gobject: ctypes.CDLL, glib: ctypes.CDLL):
        vp = ctypes.c_void_p
        self.new_from_data = poppler.poppler_document_new_from_data
        self.new_from_data.restype = vp
        self.new_from_data.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, vp]
        self.n_pages = poppler.poppler_document_get_n_pages
        self.n_pages.argtypes = [vp]
        self.get_page = poppler.poppler_document_get_page
        self.get_page.restype = vp
        self.get_page.argtypes = [vp, ctypes.c_int]
        self.get_text = poppler.poppler_page_get_text
        self.get_text.restype = vp
        self.get_text.argtypes = [vp]
        self.get_layout = poppler.poppler_page_get_text_layout
        self.get_layout.restype = ctypes.c_int
        self.get_layout.argtypes = [vp, ctypes.POINTER(vp), ctypes.POINTER(ctypes.c_uint)]
        self.unref = gobject.g_object_unref
        self.unref.argtypes = [vp]
        self.free = glib.g_free
        self.free.argtypes = [vp]
        self.version = poppler.poppler_get_version
        self.version.restype = ctypes.c_char_p


@lru_cache(maxsize=1)
def _lib() -> _Lib | None:
    loaded = {key: _load(names) for key, names in _LIBRARIES.items()}
    if not all(loaded.values()):
        return None
    try:
        return _Lib(loaded["poppler"], loaded["gobject"], loaded["glib"])
    except AttributeError:  # a library of that name without the functions used here
        return None


def available() -> bool:
    return _lib() is not None


def version() -> str | None:
    lib = _lib()
    return lib.version().decode() if lib else None


class Document:
    """A PDF opened with poppler, for its text layer only; use as a context manager."""

    def __init__(self, data: bytes):
        lib = _lib()
        if lib is None:
            raise RuntimeError("libpoppler-glib is not installed")
        self._lib = lib
        self._data = data  # poppler reads from this buffer for as long as the document is open
        self._doc = lib.new_from_data(data, len(data), None, None)
        if not self._doc:
            raise RuntimeError("poppler cannot open this PDF")

    def __len__(self) -> int:
        return self._lib.n_pages(self._doc)

    def close(self) -> None:
        if self._doc:
            self._lib.unref(self._doc)
            self._doc = None

    def __enter__(self) -> "Document":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def words(self, index: int) -> list[Word] | None:
        """Page `index`'s words (top-left origin, PDF points), or None when poppler's text and
        its character boxes do not line up (the caller reads that page another way)."""
        lib = self._lib
        page = lib.get_page(self._doc, index)
        if not page:
            return None
        try:
            ptr = lib.get_text(page)
            text = ctypes.string_at(ptr).decode("utf-8", "replace") if ptr else ""
            if ptr:
                lib.free(ptr)
            rects, n = ctypes.c_void_p(), ctypes.c_uint()
            if not lib.get_layout(page, ctypes.byref(rects), ctypes.byref(n)):
                return [] if not text.strip() else None
            boxes = np.frombuffer(ctypes.string_at(rects, n.value * 32), dtype=np.float64).reshape(-1, 4)
            lib.free(rects)
        finally:
            lib.unref(page)
        if len(text) != len(boxes):
            return None
        return words_from_chars(text, boxes)


def words_from_chars(text: str, boxes: np.ndarray) -> list[Word]:
    """Words from a page's text and one box (x0, top, x1, bottom) per character.

    A word is a run of characters between spaces, line ends and gaps wider than WORD_GAP of the
    height. `spaced` is False for a word that only a line end separates from the one before:
    like pdfium's own breaks, such a piece may be joined to its neighbour (merge_fragments).
    """
    if not text:
        return []
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    # kerning and OCR jitter that poppler wrote as a space ("D ISTRICT", "9/ 1 6/2025") go
    width = boxes[:, 2] - boxes[:, 0]
    thin = (codes == 0x20) & (width < THIN_SPACE * (boxes[:, 3] - boxes[:, 1]))
    if thin.any():
        keep = ~thin
        codes, boxes = codes[keep], boxes[keep]
        text = codes.tobytes().decode("utf-32-le")
    n = len(text)
    solid = ~np.isin(codes, _SPACES)
    x0, top, x1, bottom = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    height = np.maximum(bottom - top, 1e-6)
    # a break before character i: a gap, or a jump to another line, from character i - 1
    brk = np.zeros(n, dtype=bool)
    h = np.minimum(height[1:], height[:-1])
    brk[1:] = ((x0[1:] - x1[:-1]) > WORD_GAP * h) | (np.abs(top[1:] - top[:-1]) > 0.75 * h)
    prev_solid = np.concatenate(([False], solid[:-1]))
    starts = np.flatnonzero(solid & (~prev_solid | brk))
    if len(starts) == 0:
        return []
    next_solid = np.concatenate((solid[1:], [False]))
    next_brk = np.concatenate((brk[1:], [True]))
    ends = np.flatnonzero(solid & (~next_solid | next_brk)) + 1
    inf = np.inf
    lo_x = np.minimum.reduceat(np.where(solid, x0, inf), starts)
    lo_y = np.minimum.reduceat(np.where(solid, top, inf), starts)
    hi_x = np.maximum.reduceat(np.where(solid, x1, -inf), starts)
    hi_y = np.maximum.reduceat(np.where(solid, bottom, -inf), starts)
    newline = codes == 0x0A
    words = []
    append = words.append
    for k, (s, e) in enumerate(zip(starts.tolist(), ends.tolist())):
        # right after a line end poppler wrote: a piece that may belong to a word on the same line
        spaced = s == 0 or not newline[s - 1]
        append(Word(text[s:e], float(lo_x[k]), float(lo_y[k]), float(hi_x[k]), float(hi_y[k]), bool(spaced)))
    return words
