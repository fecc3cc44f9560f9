"""The extractor on the 23 real 483s of ../shared, measured by the shared scorer through the real CLI."""
import json
import subprocess
import sys

import pytest

from classify.labels import read_labels
from extract import extract_document
from extract.pdf import as_scan, default_cache_dir, read_pages
from shared_paths import shingles, stored_cues

# Extraction targets (the extraction issue); classification is measured by `fda483 evaluate`.
TARGETS = {
    "fields:mean": 0.95,
    "doc:observation_count": 0.95,
    "obs:recall": 0.98,
    "obs:precision": 0.98,
    "obs:start": 0.95,
    "obs:end": 0.95,
    "obs:repeat_f1": 0.95,
    "obs:citation": 0.90,
}


@pytest.fixture(scope="module")
def measures(shared, tmp_path_factory):
    out = tmp_path_factory.mktemp("score") / "measures.json"
    cmd = f"{sys.executable} -m kb extract --json --workers 2 {{pdf}}"
    proc = subprocess.run(
        [sys.executable, str(shared / "tools" / "score.py"), "--gold", str(shared / "data" / "483s" / "gold"),
         "--pdfs", str(shared / "data" / "483s" / "pdfs"), "--cmd", cmd, "--json", str(out)],
        capture_output=True, text=True, timeout=3600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    print(proc.stdout[-3000:])
    return json.loads(out.read_text())


def test_every_real_483_is_read_without_error(measures):
    assert measures["documents"] == 23
    assert measures["errors"] == 0


@pytest.mark.parametrize("measure,target", TARGETS.items())
def test_extraction_meets_target(measures, measure, target):
    assert measures[measure] >= target, f"{measure} = {measures[measure]} (target {target})"


def test_our_labels_copy_no_text_of_the_real_483s(shared, measures):
    """Our labelled observations are our own words: no run of 8 words of a label's details
    appears in the whole text read from the 23 real 483s (OCR cached by the scorer's run)."""
    real = set()
    for path in sorted((shared / "data" / "483s" / "pdfs").glob("*.pdf")):
        pages, _ = read_pages(path, cache_dir=default_cache_dir())
        for page in pages:
            real |= shingles(page.text)
    assert len(real) > 30_000  # the corpus was read (about 48,000 runs)
    copied = [(lab.id, s) for lab in read_labels() for s in shingles(lab.text) & real]
    assert copied == []


def test_no_page_furniture_in_the_real_observations(shared, measures):
    """The form's boxes, repeated on every page, stay out of the observations: no observation
    holds its own 483's street address or ZIP code (printed in the header of each page, where OCR
    can lose the label row above them) or a label of the footer. OCR cached by the scorer's run."""
    leaks = []
    for path in sorted((shared / "data" / "483s" / "pdfs").glob("*.pdf")):
        doc = extract_document(path, cache_dir=default_cache_dir())
        furniture = ["DATE ISSUED", "SEE REVERSE", "EMPLOYEE(S) SIGNATURE", "FORM FDA 483"]
        furniture += [v for v in (doc.header.street_address, doc.header.postal_code) if v and len(v) >= 5]
        leaks += [(path.stem, o.number, f) for o in doc.observations for f in furniture if f in o.text]
    assert leaks == []


def test_a_real_483_read_from_a_scan_of_it(shared, tmp_path):
    """A 483 with a text layer, rasterised, goes through OCR alone and still gives every
    observation, in order, over its pages, and the header's dates and FEI. On this one OCR
    reads the last heading as "OBSERVATION $"."""
    name = "Actavis_Laboratories"
    gold = json.loads((shared / "data" / "483s" / "gold" / f"{name}.json").read_text())
    scan = as_scan(shared / "data" / "483s" / "pdfs" / f"{name}.pdf", tmp_path / f"{name}.pdf")
    doc = extract_document(scan, workers=2, cache_dir=default_cache_dir())
    assert {p.source for p in doc.pages} == {"ocr"}
    assert [o.number for o in doc.observations] == [o["number"] for o in gold["observations"]]
    for got, want in zip(doc.observations, gold["observations"]):
        assert (got.page_start, got.page_end) == (want["page_start"], want["page_end"]), got.number
    assert (doc.header.inspection_start, doc.header.inspection_end) == (gold["inspection_start"], gold["inspection_end"])
    assert doc.header.fei == gold["fei"]


def test_a_real_483_read_from_a_rough_scan_of_it(shared, tmp_path):
    """The same through a worn, crooked, dusty scan of a 483 (`as_scan(rough=True)`, 150 dpi):
    the dust is cleaned off before OCR (extract.speckle), so that every heading is read and each
    observation keeps its number and its pages. Uncleaned, OCR loses a heading in the specks."""
    name = "Grato_Holdings"
    gold = json.loads((shared / "data" / "483s" / "gold" / f"{name}.json").read_text())
    scan = as_scan(shared / "data" / "483s" / "pdfs" / f"{name}.pdf", tmp_path / f"{name}.pdf", dpi=150, rough=True)
    doc = extract_document(scan, workers=2, cache_dir=default_cache_dir())
    assert {p.source for p in doc.pages} == {"ocr"}
    assert [(o.number, o.page_start, o.page_end) for o in doc.observations] == [
        (o["number"], o["page_start"], o["page_end"]) for o in gold["observations"]]
    assert (doc.header.inspection_start, doc.header.inspection_end) == (gold["inspection_start"], gold["inspection_end"])


def test_the_cues_beside_the_real_observations_categories_are_in_their_text(real_kb):
    """On OCR text too, every cue shown beside a category is words of the observation."""
    calls, with_cues, missing = stored_cues(real_kb[0])
    assert calls >= 300 and with_cues >= 0.9 * calls, (calls, with_cues)
    assert missing == []
