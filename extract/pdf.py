"""PDF pages in, positioned words out: the PDF's text layer, or Tesseract where that is not usable.

Text layers are read with poppler (extract/poppler.py, libpoppler-glib) where it is installed,
else with pypdfium2 (the engine pdfium, which pdfplumber renders with): pdfminer, under
pdfplumber's extract_text, is about 35x slower than pdftotext on these scans, pdfium about 2x,
poppler about 1x. Pages are rendered with pdfium and OCR'd by the `tesseract` command (TSV
output, so every word keeps its box), one single-threaded tesseract per worker.
"""
from __future__ import annotations

import ctypes
import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from . import layout, poppler, quality, redact, speckle, tables
from .records import SOURCE_NONE, SOURCE_OCR, SOURCE_TEXT, Line, Page, Word

OCR_DPI = 300
OCR_MODES = ("auto", "always", "never")
LAYER_READERS = ("poppler", "pdfium")
# A text layer scoring below USABLE is not used. On a scanned page (an image covering most of it)
# a layer below GOOD, the old OCR layers FDA's scans carry, is OCR'd again and the better text
# kept: on the 23 shared 483s those layers score 0.48-0.94 and our OCR of the same pages 0.81-0.98,
# better on nearly every page. A born-digital page's own text is exact whatever it scores.
USABLE = 0.6
GOOD = 0.95


class ExtractError(Exception):
    """A file that cannot be read as a Form 483; the message says why, for the documents table."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sniff(path: Path) -> None:
    """Raise ExtractError for files that are plainly not a readable PDF, before pdfium sees them."""
    size = path.stat().st_size
    if size == 0:
        raise ExtractError("empty file (0 bytes)")
    with open(path, "rb") as f:
        head = f.read(1024)
        f.seek(max(0, size - 2048))
        tail = f.read()
    if b"%PDF-" not in head:
        start = head.lstrip()[:15].lower()
        if start.startswith((b"<!doctype html", b"<html")) or b"<html" in head.lower():
            raise ExtractError("not a PDF: the file is an HTML page (a saved web page or error page)")
        raise ExtractError(f"not a PDF: no %PDF header in the first 1024 bytes (starts {head[:12]!r})")
    if b"%%EOF" not in tail:
        raise ExtractError(f"truncated or corrupt PDF: no %%EOF marker at the end of its {size} bytes")


def open_pdf(path: Path, data: bytes | None = None) -> pdfium.PdfDocument:
    """The PDF opened with pdfium (`data`: the file's bytes, when already read)."""
    sniff(path)
    try:
        # from bytes: a little faster than pdfium reading the file itself, and 483s are small
        return pdfium.PdfDocument(path.read_bytes() if data is None else data)
    except pdfium.PdfiumError as ex:
        msg = str(ex)
        if "password" in msg.lower():
            raise ExtractError("encrypted PDF: it needs a password to open") from ex
        raise ExtractError(f"corrupt PDF: {msg}") from ex


def is_scanned(page: pdfium.PdfPage) -> bool:
    """True when one image covers most of the page: a scan, whatever text layer lies over it."""
    width, height = page.get_size()
    area = width * height
    raw = page.raw
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for i in range(pdfium_c.FPDFPage_CountObjects(raw)):
        obj = pdfium_c.FPDFPage_GetObject(raw, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind not in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM):
            continue
        pdfium_c.FPDFPageObj_GetBounds(obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right),
                                       ctypes.byref(top))
        if (right.value - left.value) * (top.value - bottom.value) < 0.5 * area:
            continue
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            return True
        # a form XObject as big as the page: look for the scan inside it
        for j in range(pdfium_c.FPDFFormObj_CountObjects(obj)):
            inner = pdfium_c.FPDFFormObj_GetObject(obj, j)
            if pdfium_c.FPDFPageObj_GetType(inner) == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                pdfium_c.FPDFPageObj_GetBounds(inner, ctypes.byref(left), ctypes.byref(bottom),
                                               ctypes.byref(right), ctypes.byref(top))
                if (right.value - left.value) * (top.value - bottom.value) >= 0.5 * area:
                    return True
    return False


def layer_rules(page: pdfium.PdfPage) -> list[tables.Rule]:
    """The page's ruling lines (top-left origin, points): path objects thin in one direction,
    and the four sides of a stroked, unfilled rectangle. Paths inside form XObjects are not
    looked at."""
    height = page.get_height()
    raw = page.raw
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    rules = []
    for i in range(pdfium_c.FPDFPage_CountObjects(raw)):
        obj = pdfium_c.FPDFPage_GetObject(raw, i)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        pdfium_c.FPDFPageObj_GetBounds(obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right),
                                       ctypes.byref(top))
        x0, x1, y0, y1 = left.value, right.value, height - top.value, height - bottom.value
        w, h = x1 - x0, y1 - y0
        if (w <= tables.THIN and h >= 2 * tables.THIN) or (h <= tables.THIN and w >= 2 * tables.THIN):
            rules.append((x0, y0, x1, y1))
            continue
        pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
        if stroke.value and not fill.value and pdfium_c.FPDFPath_CountSegments(obj) in (4, 5):
            rules += [(x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)]
    return rules


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


@lru_cache(maxsize=4)
def tesseract_version(tesseract: str) -> str:
    proc = subprocess.run([tesseract, "--version"], capture_output=True, text=True)
    return (proc.stdout or proc.stderr).split("\n", 1)[0].strip()


def layer_reader() -> str:
    """What text layers are read with by default: poppler where libpoppler-glib is installed."""
    return "poppler" if poppler.available() else "pdfium"


def engine() -> dict:
    """What the text is read with: the same PDF can read differently with another tesseract,
    pdfium (page rendering) or text-layer reader, so results that depend on the text record this."""
    tess = tesseract_path()
    reader = layer_reader()
    return {"tesseract": tesseract_version(tess) if tess else None, "pypdfium2": pdfium.PYPDFIUM_INFO.version,
            "pdfium": pdfium.PDFIUM_INFO.version, "ocr_dpi": OCR_DPI, "ocr_cleaning": speckle.VERSION,
            "redaction": redact.VERSION, "tables": tables.VERSION,
            "text_layer": f"poppler {poppler.version()}" if reader == "poppler" else "pdfium"}


def default_cache_dir() -> Path | None:
    """Where OCR results are kept between runs: $FDA483_CACHE, else ~/.cache/fda483 ("" disables)."""
    value = os.environ.get("FDA483_CACHE")
    if value == "":
        return None
    return Path(value) if value else Path.home() / ".cache" / "fda483"


class OcrCache:
    """Tesseract's TSV per page, keyed by the PDF's sha256, the page, the dpi, tesseract's version
    and the version of the image's cleaning (extract.speckle).

    OCR is the expensive step (about 2 s a page); a re-run on the same file reads the TSV back.
    """

    def __init__(self, root: Path, sha256: str, tesseract: str, dpi: int = OCR_DPI):
        version = re.sub(r"[^A-Za-z0-9.]+", "_", tesseract_version(tesseract))
        self.dir = root / "ocr" / f"{version}-{dpi}dpi-{speckle.VERSION}" / sha256[:2] / sha256

    def path(self, index: int) -> Path:
        return self.dir / f"page-{index + 1:04d}.tsv"

    def _drawn_path(self, index: int) -> Path:
        """What the page's image shows besides words, as extract.redact and extract.tables find it
        in their present versions."""
        return self.path(index).with_suffix(f".drawn-v{redact.VERSION}.{tables.VERSION}.json")

    def get(self, index: int) -> str | None:
        p = self.path(index)
        return p.read_text(encoding="utf-8") if p.exists() else None

    def get_drawn(self, index: int) -> Drawn | None:
        """The page's Drawn, or None where not cached."""
        p = self._drawn_path(index)
        if not p.exists():
            return None
        d = json.loads(p.read_text())
        return Drawn(*([tuple(v) for v in d[k]] for k in DRAWN))

    def put(self, index: int, tsv: str, drawn: Drawn) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        found = {k: [list(v) for v in getattr(drawn, k)] for k in DRAWN}
        for target, text in ((self._drawn_path(index), json.dumps(found)), (self.path(index), tsv)):
            tmp = target.with_suffix(".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(target)  # atomic: a killed run never leaves half a page


# --- text layer -------------------------------------------------------------------------------

_WORD_RUN = re.compile(r"[^\s\x00\x02\ufffe\ufeff]+")

# FPDFText_GetLooseCharBox called through a prototype of plain addresses: pypdfium2's binding
# checks its pointer types on each of the ~100,000 calls a corpus makes, a third of their cost.
_LOOSE_BOX = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)(
    ctypes.cast(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_void_p).value
)
_RECT = struct.Struct("4f")  # FS_RECTF: left, top, right, bottom


def layer_words(page: pdfium.PdfPage) -> list[Word]:
    """Words of the page's text layer with their boxes (top-left origin, PDF points).

    Boxes are asked of pdfium for a word's first and last character only: a third of the
    per-character cost, and words never span lines.
    """
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        n = pdfium_c.FPDFText_CountChars(raw)
        if n <= 0:
            return []
        buf = ctypes.create_string_buffer((n + 1) * 2)
        pdfium_c.FPDFText_GetText(raw, 0, n, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)))
        text = buf.raw[: n * 2].decode("utf-16-le", errors="replace")
        height = page.get_height()
        handle = ctypes.cast(raw, ctypes.c_void_p).value
        rect = ctypes.create_string_buffer(_RECT.size)
        addr = ctypes.addressof(rect)
        box, unpack = _LOOSE_BOX, _RECT.unpack_from
        words = []
        append = words.append
        for m in _WORD_RUN.finditer(text):
            start, end = m.span()
            box(handle, start, addr)
            x0, top, x1, bottom = unpack(rect)
            top, bottom = height - top, height - bottom
            if end - start > 1:
                box(handle, end - 1, addr)
                left, ltop, right, lbottom = unpack(rect)
                ltop, lbottom = height - ltop, height - lbottom
                if abs(ltop - top) > (bottom - top) * 1.5:
                    # The run jumps lines without a separator (it happens in OCR layers): keep the start's box.
                    x1 = x0 + (bottom - top) * 0.5 * (end - start)
                else:
                    if left < x0:
                        x0 = left
                    if right > x1:
                        x1 = right
                    if ltop < top:
                        top = ltop
                    if lbottom > bottom:
                        bottom = lbottom
            # pdfium writes "\r\n" of its own between runs it could not join; a real space is the layer's
            append(Word(m.group(), x0, top, x1, bottom, start == 0 or text[start - 1] not in "\r\n"))
        return words
    finally:
        textpage.close()


# --- OCR ------------------------------------------------------------------------------------


def render_page(page: pdfium.PdfPage, dpi: int = OCR_DPI) -> bytes:
    """The page as an 8-bit greyscale PGM image, the cheapest format for tesseract to read."""
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    image = bitmap.to_pil()
    out = io.BytesIO()
    image.convert("L").save(out, format="PPM")
    return out.getvalue()


def as_scan(pdf: Path, out: Path, dpi: int = 200, rough: bool = False) -> Path:
    """`pdf` as if printed and scanned: each page a greyscale image only, no text layer, as most
    483s FDA publishes are. For measuring the OCR path on 483s whose text is known.

    rough: as a worn copy fed crooked through a poor scanner: each page turned by up to 1 degree,
    with grain (noise of standard deviation 12 grey levels) and dust (0.15% of its pixels black).
    The same PDF gives the same scan, byte for byte: the turns and specks come from a fixed seed.
    """
    rng = np.random.default_rng(0)
    doc = open_pdf(pdf)
    images = []
    for i in range(len(doc)):
        image = doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        if rough:
            image = image.rotate(float(rng.uniform(-1.0, 1.0)), resample=Image.BILINEAR, fillcolor=255)
            a = np.asarray(image).astype(np.int16) + rng.normal(0, 12, (image.height, image.width)).astype(np.int16)
            a[rng.random(a.shape) < 0.0015] = 0
            image = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
        images.append(image)
    # no dates in the file, so that the same PDF gives the same bytes and OCR's cache holds
    images[0].save(out, save_all=True, append_images=images[1:], resolution=dpi, creationDate=None, modDate=None)
    return out


def ocr_tsv(image: bytes, dpi: int = OCR_DPI, tesseract: str = "tesseract", psm: int | None = None) -> str:
    """Run tesseract on one page image; its TSV output (a row per word, with its box in pixels).
    psm: tesseract's page segmentation mode, where not its default (3, a page of text)."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # tesseract's own threads fight each other: 8x slower
    # A file, not stdin: two tesseracts fed 8 MB images through pipes ran 1.4x as fast as one,
    # from files 1.9x.
    with tempfile.NamedTemporaryFile(suffix=".pgm", prefix="fda483-") as tmp:
        tmp.write(image)
        tmp.flush()
        proc = subprocess.run(
            [tesseract, tmp.name, "stdout", "--dpi", str(dpi), *(["--psm", str(psm)] if psm else []), "tsv"],
            capture_output=True,
            env=env,
            timeout=300,
        )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode("utf-8", "replace").strip()[-300:] or f"exit {proc.returncode}")
    return proc.stdout.decode("utf-8", "replace")


def parse_tsv(tsv: str, scale: float, min_confidence: float | None = None) -> list[Word]:
    """Tesseract's words, their boxes scaled to points; with `min_confidence`, only those read
    as surely as that."""
    words = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        if min_confidence is not None and float(cols[10]) < min_confidence:
            continue
        text = cols[11].strip()
        if not text:
            continue
        left, top, width, height = (float(c) for c in cols[6:10])
        words.append(Word(text, left * scale, top * scale, (left + width) * scale, (top + height) * scale))
    return words


# --- pages ----------------------------------------------------------------------------------


def read_layer(pdf: pdfium.PdfDocument, index: int, warnings: list[str],
               text: poppler.Document | None = None) -> tuple[Page, bool]:
    """Page `index`'s own text layer as a Page, and whether --ocr auto should OCR it.

    The words come from `text` (the same PDF opened with poppler) when given, else, and where
    poppler's page does not line up, from pdfium; the page's size and whether it is a scan
    always from pdfium.
    """
    page = pdf[index]
    try:
        width, height = page.get_size()
        scanned = is_scanned(page)
        rules = [] if scanned else layer_rules(page)
        try:
            words = text.words(index) if text is not None else None
            if words is None:
                words = layer_words(page)
        except pdfium.PdfiumError as ex:
            words = []
            warnings.append(f"page {index + 1}: text layer unreadable ({ex})")
    finally:
        page.close()
    lines = tables.read_lines(words, rules, height)
    if scanned:
        # an old OCR layer: mend the words it split before scoring or using it
        lines = [layout.join_split_words(line, quality.is_word) for line in lines]
    layer = Page(index + 1, width, height, lines, SOURCE_TEXT, quality.score_lines(lines))
    return layer, layer.quality < USABLE or (scanned and layer.quality < GOOD)


@dataclass
class Drawn:
    """What a scanned page's image shows besides the words of its OCR, in points: redaction
    boxes, the words OCR read inside a box's outline that stand on the page's white
    (`redact.clear_words`), ruling lines (`tables.image_rules`), and the words of table cells
    the OCR left empty, read again (`tables.read_cells`), as (text, x0, top, x1, bottom)."""

    boxes: list
    clear: list
    rules: list
    cells: list


DRAWN = tuple(f.name for f in fields(Drawn))


def ocr_image(image: bytes, tesseract: str = "tesseract", tsv: str | None = None) -> tuple[str, Drawn]:
    """(tesseract's TSV, Drawn) of a rendered page: the image cleaned of specks for tesseract
    (a `tsv` given, from the cache, is kept), boxes and rules found in the image as rendered."""
    if tsv is None:
        tsv = ocr_tsv(speckle.despeckle(image), tesseract=tesseract)
    boxes = redact.find_boxes(image, OCR_DPI)
    words = parse_tsv(tsv, scale=72 / OCR_DPI)
    clear = redact.clear_words(image, OCR_DPI, words, boxes)
    rules = tables.image_rules(image, OCR_DPI)
    crops = tables.empty_cells(image, OCR_DPI, redact.apply_boxes(words, boxes, clear), rules)
    cells = tables.read_cells(crops, OCR_DPI, lambda strip: parse_tsv(
        ocr_tsv(strip, tesseract=tesseract, psm=11), 1.0, tables.MIN_CONFIDENCE))
    return tsv, Drawn(boxes, clear, rules, [(w.text, w.x0, w.top, w.x1, w.bottom) for w in cells])


def ocr_lines(tsv: str, drawn: Drawn, page_height: float) -> list[Line]:
    """The lines of a page's OCR: tesseract's words, redaction boxes marked (the words in
    `clear` kept) and the table cells it left empty read again, grouped into lines, a ruled
    table's rows cell by cell."""
    words = parse_tsv(tsv, scale=72 / OCR_DPI) + [Word(*cell) for cell in drawn.cells]
    return tables.read_lines(redact.apply_boxes(words, drawn.boxes, drawn.clear), drawn.rules, page_height)


def read_pages(
    path: Path,
    ocr: str = "auto",
    workers: int = 1,
    cache_dir: Path | None = None,
    sha256: str | None = None,
    progress=None,
    reader: str | None = None,
) -> tuple[list[Page], list[str]]:
    """Read every page of a PDF: (pages, warnings).

    ocr: "auto" uses the text layer where it scores as good, OCRs the rest and keeps the better
    of the two; "always" uses OCR on every page; "never" uses the layer only. OCR results are
    cached in cache_dir when given. progress(page_number) is called as each page is read.
    reader: "poppler" or "pdfium", what text layers are read with (default: `layer_reader()`).
    Raises ExtractError when the file cannot be opened as a PDF at all.
    """
    if ocr not in OCR_MODES:
        raise ValueError(f"ocr must be one of {OCR_MODES}")
    reader = reader or layer_reader()
    if reader not in LAYER_READERS:
        raise ValueError(f"reader must be one of {LAYER_READERS}")
    data = path.read_bytes()
    pdf = open_pdf(path, data)
    warnings: list[str] = []
    text = None
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise ExtractError("PDF has no pages")
        pages: list[Page | None] = [None] * n_pages
        todo: list[Page] = []  # layers of the pages that need OCR
        text = open_text(data, n_pages, warnings, reader)
        for i in range(n_pages):
            layer, needs_ocr = read_layer(pdf, i, warnings, text)
            if ocr == "always" or (ocr == "auto" and needs_ocr):
                todo.append(layer)
            elif ocr == "never" and layer.quality < USABLE:
                pages[i] = _fallback(layer, "not read: no usable text layer and OCR is off (--ocr never)")
            else:
                pages[i] = layer
                if progress:
                    progress(i + 1)
        if todo:
            tess = tesseract_path()
            if not tess:
                warnings.append(
                    "tesseract is not installed (apt-get install tesseract-ocr): "
                    f"{len(todo)} page(s) needing OCR were read from the text layer or not at all"
                )
                for layer in todo:
                    pages[layer.number - 1] = _fallback(layer, "not read: tesseract is not installed")
            else:
                sha = sha256 or sha256_file(path)
                cache = OcrCache(cache_dir, sha, tess) if cache_dir else None
                for page in _ocr_pages(pdf, todo, tess, workers, cache, warnings, ocr):
                    pages[page.number - 1] = page
                    if progress:
                        progress(page.number)
        return pages, warnings
    finally:
        pdf.close()
        if text is not None:
            text.close()


def open_text(data: bytes, n_pages: int, warnings: list[str],
              reader: str | None = None) -> poppler.Document | None:
    """The PDF opened with poppler for `read_layer`, or None where pdfium is to read the text
    layer: the reader asked for (default `layer_reader()`) is pdfium, or poppler cannot open
    the file or counts its pages otherwise (said in `warnings`)."""
    if (reader or layer_reader()) != "poppler":
        return None
    try:
        doc = poppler.Document(data)
    except RuntimeError as ex:
        warnings.append(f"text layer read with pdfium: {ex}")
        return None
    if len(doc) != n_pages:
        warnings.append(f"text layer read with pdfium: poppler counts {len(doc)} pages, pdfium {n_pages}")
        doc.close()
        return None
    return doc


def _fallback(layer: Page, error: str) -> Page:
    """Keep a layer that is at least usable; otherwise record the page as not read (never as empty)."""
    if layer.quality >= USABLE:
        return layer
    return Page(layer.number, layer.width, layer.height, [], SOURCE_NONE, 0.0, layer.quality, error)


def _ocr_pages(pdf, todo, tess, workers, cache, warnings, ocr_mode):
    """OCR the pages in `todo`, yielding the Page to keep for each, in order."""

    def prepare(index: int):
        """(cached tsv or None, cached Drawn or None, page image or None), rendering only if
        needed."""
        tsv = cache.get(index) if cache else None
        found = cache.get_drawn(index) if cache else None
        if tsv is not None and found is not None:
            return tsv, found, None
        page = pdf[index]
        try:
            return tsv, found, render_page(page)
        finally:
            page.close()

    def run(job):
        """(tsv, Drawn, whether either was made here rather than read from the cache)."""
        tsv, found, image = job
        if tsv is None or found is None:
            tsv, found = ocr_image(image, tess, tsv)
        return tsv, found, image is not None

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        # pdfium is not thread-safe: pages are rendered here, in order, while tesseract runs
        # in the workers; a bounded window keeps at most a few page images in memory.
        futures = {}
        window = max(1, workers) * 2
        for k, layer in enumerate(todo):
            futures[k] = pool.submit(run, prepare(layer.number - 1))
            if k >= window:
                yield _keep(todo[k - window], futures.pop(k - window), cache, warnings, ocr_mode)
        for k in sorted(futures):
            yield _keep(todo[k], futures[k], cache, warnings, ocr_mode)


def _keep(layer: Page, future, cache, warnings, ocr_mode) -> Page:
    try:
        tsv, drawn, fresh = future.result()
    except Exception as ex:  # one page's OCR failing must not lose the document
        warnings.append(f"page {layer.number}: OCR failed: {ex}")
        return _fallback(layer, f"OCR failed: {ex}")
    if cache and fresh:
        cache.put(layer.number - 1, tsv, drawn)
    lines = ocr_lines(tsv, drawn, layer.height)
    score = quality.score_lines(lines)
    if ocr_mode != "always" and layer.lines and layer.quality >= score:
        return layer
    return Page(layer.number, layer.width, layer.height, lines, SOURCE_OCR, score, layer.quality,
                layer_lines=layer.lines or None)
