"""The bundled sample 483s in data/samples/: reproducible, laid out like the form, answers well formed.

The committed PDFs and JSON are the project's fixtures; these tests hold them equal to what the
generator makes, and hold each JSON answer to its PDF through the PDF's own text layer (or OCR).
"""
from __future__ import annotations

import importlib.util
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from classify.taxonomy import codes

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"

DOC_KEYS = [
    "source", "pages", "fei", "firm_name", "street_address", "city", "state", "postal_code",
    "country", "establishment_type", "inspection_start", "inspection_end", "date_issued",
    "issued_to", "investigators", "observations",
]
OBS_KEYS = [
    "number", "page_start", "page_end", "repeat", "citation", "cfr", "primary_category",
    "categories", "first_words", "last_words", "text", "redactions",
]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _load_generator():
    spec = importlib.util.spec_from_file_location("samples_generate", SAMPLES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


generate = _load_generator()


def expected_files() -> list[Path]:
    return sorted(SAMPLES.glob("*.json"))


def answers() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in expected_files()]


def page_texts(pdf_path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        texts = []
        for page in pdf:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
        return texts
    finally:
        pdf.close()


def squash(text: str) -> str:
    """Whitespace to single spaces and redaction labels as the JSON writes them."""
    text = re.sub(r"\(b\)\s*\((\d)\)", r"(b)(\1)", text)
    return " ".join(text.split())


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    assert generate.main(["--out", str(out)]) == 0
    return out


def test_regenerating_gives_the_committed_files_byte_for_byte(regenerated):
    written = sorted(p.name for p in regenerated.iterdir())
    committed = sorted(p.name for p in SAMPLES.iterdir() if p.suffix in (".pdf", ".json"))
    assert written == committed
    changed = [n for n in written if (regenerated / n).read_bytes() != (SAMPLES / n).read_bytes()]
    assert changed == [], "run `python data/samples/generate.py` and commit the result"


def test_six_to_eight_samples_each_a_pdf_with_its_answer():
    pdfs = sorted(p.stem for p in SAMPLES.glob("*.pdf"))
    assert pdfs == [p.stem for p in expected_files()]
    assert 6 <= len(pdfs) <= 8


@pytest.mark.parametrize("answer_path", expected_files(), ids=lambda p: p.stem)
def test_page_count_and_form_page_numbers(answer_path):
    answer = json.loads(answer_path.read_text(encoding="utf-8"))
    texts = page_texts(SAMPLES / answer["source"])
    assert len(texts) == answer["pages"]
    numbered = [re.search(r"PAGE (\d+) OF (\d+) PAGES", t) for t in texts]
    form_pages = [m for m in numbered if m]
    # The form's own count leaves out the reverse side; the scanned page shows it only as an image.
    ofs = {int(m.group(2)) for m in form_pages}
    assert len(ofs) == 1
    of = ofs.pop()
    assert answer["pages"] - of in (0, 1)
    assert [int(m.group(1)) for m in form_pages] == [i + 1 for i, m in enumerate(numbered[:of]) if m]


def test_exactly_one_image_only_page_in_the_set():
    blank = []
    for answer in answers():
        pdf = pdfium.PdfDocument(str(SAMPLES / answer["source"]))
        for i, page in enumerate(pdf, start=1):
            textpage = page.get_textpage()
            if textpage.count_chars() == 0:
                kinds = [obj.type for obj in page.get_objects()]
                blank.append((answer["source"], i, kinds))
            textpage.close()
        pdf.close()
    scanned = [(f"{s.name}.pdf", s.scanned_page) for s in generate.load_samples() if s.scanned_page]
    assert [(src, page) for src, page, _ in blank] == scanned
    assert len(blank) == 1
    assert blank[0][2] == [pdfium.raw.FPDF_PAGEOBJ_IMAGE]  # the image alone, nothing drawn over it


def test_pdfs_stay_small():
    sizes = {p.name: p.stat().st_size for p in SAMPLES.glob("*.pdf")}
    assert max(sizes.values()) < 400 * 1024, sizes


@pytest.mark.parametrize("answer_path", expected_files(), ids=lambda p: p.stem)
def test_answer_has_the_document_json_shape(answer_path):
    answer = json.loads(answer_path.read_text(encoding="utf-8"))
    assert answer["source"] == answer_path.with_suffix(".pdf").name
    assert [k for k in DOC_KEYS if k not in answer] == []
    assert isinstance(answer["fei"], str) and answer["fei"].isdigit()
    assert re.fullmatch(r"[A-Z]{2}", answer["country"])
    for key in ("inspection_start", "inspection_end", "date_issued"):
        assert ISO_DATE.match(answer[key]), key
    assert answer["inspection_start"] <= answer["inspection_end"] <= answer["date_issued"]
    assert not answer["issued_to"].upper().startswith("TO:")
    assert answer["investigators"] and all("," not in name for name in answer["investigators"])
    valid = set(codes())
    numbers = []
    for obs in answer["observations"]:
        assert [k for k in OBS_KEYS if k not in obs] == [], obs["number"]
        numbers.append(obs["number"])
        assert 1 <= obs["page_start"] <= obs["page_end"] <= answer["pages"]
        assert obs["primary_category"] in valid
        assert obs["categories"][0] == obs["primary_category"]
        assert set(obs["categories"]) <= valid and len(set(obs["categories"])) == len(obs["categories"])
        assert obs["text"].startswith(obs["citation"] + " ")
        body = obs["text"][len(obs["citation"]) + 1 :]
        assert body.startswith(obs["first_words"]) and obs["first_words"].startswith("Specifically")
        assert body.endswith(obs["last_words"])
        assert "  " not in obs["text"] and "(b) (" not in obs["text"]
        assert obs["redactions"] == {
            k: obs["text"].count(k) for k in ("(b)(4)", "(b)(6)") if k in obs["text"]
        }
        assert obs["repeat"] == bool(obs.get("repeat_note"))
        if obs["cfr"] is None:
            assert obs["citation"]  # the compounding wording: no CFR, primary from the text
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("answer_path", expected_files(), ids=lambda p: p.stem)
def test_answers_agree_with_the_pdf_text_layer(answer_path):
    """Each observation's citation, end and repeat mark are on the pages its answer names."""
    answer = json.loads(answer_path.read_text(encoding="utf-8"))
    pages = [squash(t) for t in page_texts(SAMPLES / answer["source"])]
    for obs in answer["observations"]:
        start, end = pages[obs["page_start"] - 1], pages[obs["page_end"] - 1]
        if not start or not end:
            continue  # the image-only page: read by OCR below
        assert f"OBSERVATION {obs['number']} {obs['citation']}" in start or (
            obs.get("heading") and f"OBSERVATION {obs['number']}" in start
        ), obs["number"]
        last = obs.get("repeat_note") or obs["last_words"]
        assert last in end, obs["number"]
        assert not any(last in p for p in pages[obs["page_end"] :]), obs["number"]
    header = pages[0]
    for key in ("fei", "firm_name", "establishment_type", "issued_to"):
        assert answer[key] in header, key


def test_the_set_covers_the_taxonomy_and_the_tricky_cases():
    everything = answers()
    observations = [o for a in everything for o in a["observations"]]
    primaries = {o["primary_category"] for o in observations}
    assert primaries == set(codes()) - {"other"}
    repeats = [o for o in observations if o["repeat"]]
    assert any(o["page_end"] > o["page_start"] for o in repeats)  # a mark carried to the next page
    assert any(o["page_end"] > o["page_start"] for o in observations if not o["repeat"])
    assert {k for o in observations for k in o["redactions"]} == {"(b)(4)", "(b)(6)"}
    assert any(o.get("heading") for o in observations)
    assert any(re.search(r"\(see Observation \d\)", o["text"]) for o in observations)
    # The hard case for a splitter: a cross-reference that wraps to the start of a line, naming
    # the very next number.
    body_lines = [
        (p.box.obs, p.box.line.text)
        for s in generate.load_samples()
        for page in generate.layout(s).pages
        for p in page
        if p.box.line and p.box.role == "body"
    ]
    assert any(re.match(rf"Observation {obs + 1}\b", text) for obs, text in body_lines)
    assert any(o["cfr"] is None and "insanitary" in o["citation"] for o in observations)
    text = " ".join(o["text"] for o in observations).lower()
    assert "stopper" in text and "media fill" in text
    northwind = [a for a in everything if a["fei"] == "9990000011"]
    assert sorted(a["inspection_start"][:4] for a in northwind) == ["2019", "2022", "2025"]


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_tesseract_reads_the_scanned_page():
    (sample,) = [s for s in generate.load_samples() if s.scanned_page]
    built = generate.layout(sample)
    pdf = pdfium.PdfDocument(str(SAMPLES / sample.source))
    image = pdf[sample.scanned_page - 1].render(scale=300 / 72, grayscale=True).to_pil()
    pdf.close()
    png = io.BytesIO()
    image.save(png, format="PNG")
    proc = subprocess.run(
        ["tesseract", "stdin", "stdout", "--dpi", "300"], input=png.getvalue(), capture_output=True, check=True
    )
    ocr = " ".join(proc.stdout.decode("utf-8", "replace").split())
    lines = built.page_lines(sample.scanned_page)
    headings = [line for line in lines if line.startswith("OBSERVATION ")]
    assert headings
    for key in [sample.fei, sample.firm_name, sample.establishment_type, *headings]:
        assert key in ocr, key
    assert f"PAGE {sample.scanned_page} OF {built.form_pages} PAGES" in ocr
    expected = re.findall(r"[A-Za-z]{4,}", " ".join(lines))
    read = set(re.findall(r"[A-Za-z]{4,}", ocr))
    missed = [w for w in expected if w not in read]
    assert len(missed) <= 0.03 * len(expected), missed
