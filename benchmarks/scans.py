#!/usr/bin/env python3
"""Accuracy on scans: the shared 483s read from scans of themselves, scored against their gold.

    python benchmarks/scans.py [--gold DIR] [--pdfs DIR] [--dpi 200] [--rough] [--workers 2]

Most 483s FDA publishes are scans; most of the 23 shared ones carry a text layer. Each PDF is
made into a scan of itself (`extract.pdf.as_scan`: every page a greyscale image at --dpi, no
text layer) in a temporary directory, and the shared scorer (../shared/tools/score.py) runs our
extractor, `fda483 extract --json`, on the scans and, in the same run, on the originals. It
prints both `score:` lines and the misses that the scans have and the originals do not.
With --rough the scans are of worn copies fed crooked through a poor scanner (turned up to 1
degree, grain and dust; `as_scan(rough=True)`), best run with --dpi 150.

OCR results are cached (FDA483_CACHE, or the default cache), so a second run takes a minute;
the first OCRs every page, about 6 minutes for the 196 pages on one core.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract.pdf import as_scan  # noqa: E402

SHARED = ROOT.parent / "shared"


def score(gold: Path, pdfs: Path, workers: int) -> tuple[str, list[str]]:
    """(the scorer's `score:` line, its MISS lines) for our extractor on `pdfs`."""
    cmd = f"{sys.executable} -m kb extract --json --workers {workers} {{pdf}}"
    proc = subprocess.run([sys.executable, str(SHARED / "tools" / "score.py"), "--gold", str(gold),
                           "--pdfs", str(pdfs), "--cmd", cmd], capture_output=True, text=True, check=True)
    lines = proc.stdout.splitlines()
    return next(line for line in lines if line.startswith("score:")), [line for line in lines if line.startswith("MISS")]


def _what(miss: str) -> str:
    """"MISS file | field | gold | ours" -> "file | field"."""
    return "|".join(miss.split("|")[:2])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=SHARED / "data" / "483s" / "gold")
    ap.add_argument("--pdfs", type=Path, default=SHARED / "data" / "483s" / "pdfs")
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--rough", action="store_true", help="turned, grainy and dusty scans")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scans = Path(tmp)
        pdfs = sorted(args.pdfs.glob("*.pdf"))
        for i, pdf in enumerate(pdfs, 1):
            as_scan(pdf, scans / pdf.name, args.dpi, rough=args.rough)
            print(f"\rscanned {i}/{len(pdfs)} at {args.dpi} dpi{' (rough)' if args.rough else ''}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        original, original_misses = score(args.gold, args.pdfs, args.workers)
        scanned, scanned_misses = score(args.gold, scans, args.workers)
    known = {_what(line) for line in original_misses}
    print("missed on the scans only (categories aside):")
    for line in scanned_misses:
        if _what(line) not in known and " categories |" not in line:
            print("  " + line[:200])
    print(f"originals: {original}")
    print(f"scans:     {scanned}")


if __name__ == "__main__":
    main()
