#!/usr/bin/env python3
"""Extraction speed against the raw tools, measured in one run on the same pages.

    python benchmarks/extract.py [PDF_DIR] [--repeat 3] [--ocr-pages 24] [--skip-workers]

1. Text layer: our page reader with --ocr never (poppler words where libpoppler-glib is
   installed, pdfium's page objects for the scan check, line grouping, quality score) against
   `pdftotext -layout` and plain pdfplumber `extract_text`, over every page; our reader with
   pdfium's words too, for comparison. Target: within 3x of pdftotext.
2. OCR: our OCR path (render at 300 dpi, specks, tesseract TSV, redaction boxes, lines) against raw
   `tesseract` on the same page images at the same resolution (rendered beforehand, not timed), both with
   OMP_THREAD_LIMIT=1 (tesseract's own threads slow it several-fold on a shared machine). Ours
   includes everything read_pages does for such a page: render, specks, TSV, redaction boxes, rules, lines.
   Target: within 1.25x of raw tesseract.
3. Workers: the whole directory built as `fda483 build` does it (--ocr auto, no cache, a fresh
   database) with 1 and with 2 workers. Target: 2 workers at least 1.7x faster.

Timings are the best of --repeat interleaved runs, because these machines are shared and noisy.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402

from extract import pdf, quality  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "data" / "483s" / "pdfs"


def best_of(repeat: int, *fns):
    """Run each fn `repeat` times, interleaved; the best time of each."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t)
    return best


def page_count(path) -> int:
    doc = pdf.open_pdf(path)
    try:
        return len(doc)
    finally:
        doc.close()


def text_layer(pdfs, repeat):
    pages = sum(page_count(p) for p in pdfs)

    def ours():
        for p in pdfs:
            pdf.read_pages(p, ocr="never")

    def ours_pdfium():
        for p in pdfs:
            pdf.read_pages(p, ocr="never", reader="pdfium")

    def pdftotext():
        for p in pdfs:
            subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, check=True)

    def plumber():
        for p in pdfs:
            with pdfplumber.open(p) as doc:
                for page in doc.pages:
                    page.extract_text()

    t_ours, t_pdfium, t_ptt, t_plumber = best_of(repeat, ours, ours_pdfium, pdftotext, plumber)
    reader = pdf.layer_reader()
    print(f"\n1. Text layer, {len(pdfs)} PDFs, {pages} pages (best of {repeat})")
    print(f"   {'pdftotext -layout':28s} {t_ptt:7.3f} s  {pages / t_ptt:8.1f} pages/s")
    print(f"   {'pdfplumber extract_text':28s} {t_plumber:7.3f} s  {pages / t_plumber:8.1f} pages/s")
    print(f"   {'fda483 (ocr never, ' + reader + ')':28s} {t_ours:7.3f} s  {pages / t_ours:8.1f} pages/s")
    if reader != "pdfium":
        print(f"   {'fda483 (ocr never, pdfium)':28s} {t_pdfium:7.3f} s  {pages / t_pdfium:8.1f} pages/s"
              f"  ({t_pdfium / t_ptt:.2f}x pdftotext)")
    ratio = t_ours / t_ptt
    print(f"   ratio fda483 / pdftotext = {ratio:.2f} (target <= 3.00: {'met' if ratio <= 3 else 'NOT met'}); "
          f"fda483 / pdfplumber = {t_ours / t_plumber:.2f}")
    return ratio


def ocr_pages(pdfs, n_pages):
    """The pages --ocr auto sends to OCR, spread over the documents, at most n_pages."""
    chosen = []
    for p in pdfs:
        data = p.read_bytes()
        doc = pdf.open_pdf(p, data)
        text = pdf.open_text(data, len(doc), [])
        for i in range(len(doc)):
            if pdf.read_layer(doc, i, [], text)[1]:
                chosen.append((p, i))
        doc.close()
        if text is not None:
            text.close()
    step = max(1, len(chosen) // n_pages)
    return chosen[::step][:n_pages]


def ocr(pdfs, n_pages, repeat):
    tess = pdf.tesseract_path()
    if not tess:
        print("\n2. OCR: skipped, tesseract is not installed")
        return None
    pages = ocr_pages(pdfs, n_pages)
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    with tempfile.TemporaryDirectory() as tmp:
        images = []
        for k, (p, i) in enumerate(pages):
            doc = pdf.open_pdf(p)
            page = doc[i]
            path = Path(tmp) / f"p{k}.pgm"
            path.write_bytes(pdf.render_page(page))
            page.close()
            doc.close()
            images.append(path)

        def raw():
            for img in images:
                subprocess.run([tess, str(img), "stdout"], capture_output=True, env=env, check=True)

        def ours():
            # what read_pages does for a page it OCRs (without the cache): render, specks,
            # tesseract, redaction boxes, rules, lines, quality
            for p, i in pages:
                doc = pdf.open_pdf(p)
                page = doc[i]
                image = pdf.render_page(page)
                height = page.get_height()
                page.close()
                doc.close()
                tsv, drawn = pdf.ocr_image(image, tess)
                quality.score_lines(pdf.ocr_lines(tsv, drawn, height))

        t_ours, t_raw = best_of(repeat, ours, raw)
    n = len(pages)
    print(f"\n2. OCR, {n} pages that --ocr auto OCRs, 300 dpi (best of {repeat})")
    print(f"   {'tesseract (raw, same images)':28s} {t_raw:7.3f} s  {n / t_raw:8.2f} pages/s")
    print(f"   {'fda483 (render+OCR+lines)':28s} {t_ours:7.3f} s  {n / t_ours:8.2f} pages/s")
    ratio = t_ours / t_raw
    print(f"   ratio fda483 / tesseract = {ratio:.2f} (target <= 1.25: {'met' if ratio <= 1.25 else 'NOT met'})")
    return ratio


def workers(pdfs):
    """The whole directory through `fda483 build` (fresh database, no OCR cache), 1 and 2 workers."""
    if not pdf.tesseract_path():
        print("\n3. Workers: skipped, tesseract is not installed")
        return None
    from kb import build as builder

    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for w in (1, 2):
            db = builder.open_db(Path(tmp) / f"w{w}.db")
            t = time.perf_counter()
            builder.build(db, pdfs, ocr="auto", workers=w, cache_dir=None)
            times[w] = time.perf_counter() - t
            db.close()
    speedup = times[1] / times[2]
    print(f"\n3. Workers, fda483 build of {len(pdfs)} PDFs, --ocr auto, no cache")
    print(f"   1 worker  {times[1]:7.1f} s")
    print(f"   2 workers {times[2]:7.1f} s")
    print(f"   speedup = {speedup:.2f}x (target >= 1.70: {'met' if speedup >= 1.7 else 'NOT met'}; {os.cpu_count()} CPUs)")
    return speedup


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pdf_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ocr-pages", type=int, default=24, help="pages to time OCR on")
    ap.add_argument("--skip-workers", action="store_true", help="skip the whole-corpus 1 vs 2 workers run")
    ap.add_argument("--only", choices=["text", "ocr", "workers"], help="run one section")
    ap.add_argument("--limit", type=int, help="use only the first N PDFs")
    a = ap.parse_args()
    if not shutil.which("pdftotext"):
        sys.exit("pdftotext is not installed (apt-get install poppler-utils)")
    pdfs = sorted(a.pdf_dir.glob("*.pdf"))[: a.limit]
    if not pdfs:
        sys.exit(f"no PDFs in {a.pdf_dir}")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if a.only in (None, "text"):
        text_layer(pdfs, a.repeat)
    if a.only in (None, "ocr"):
        ocr(pdfs, a.ocr_pages, a.repeat)
    if a.only == "workers" or (a.only is None and not a.skip_workers):
        workers(pdfs)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
