import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "data" / "samples"


def pytest_configure(config):
    # OCR results are cached between runs; tests use their own cache unless one is given.
    os.environ.setdefault("FDA483_CACHE", str(ROOT / ".pytest_cache" / "fda483-ocr"))


@pytest.fixture(scope="session")
def shared():
    if not (SHARED / "data" / "483s").is_dir():
        pytest.skip(f"the shared 483s are not at {SHARED} (they sit beside the project in CI)")
    return SHARED


@pytest.fixture
def samples():
    pdfs = sorted(SAMPLES.glob("*.pdf"))
    assert pdfs, f"no bundled samples in {SAMPLES}"
    return pdfs
