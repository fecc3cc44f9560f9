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


def _invoke(*args):
    from click.testing import CliRunner

    from kb.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="session")
def real_kb(tmp_path_factory):
    """The 23 real 483s of ../shared built once into `fda483.db` (the name metadata.yml's
    canned queries are declared for), tied to FDA's listing by the shared manifest's media ids:
    (db path, build output). Read it only; a test that writes works on a copy."""
    pdfs = SHARED / "data" / "483s" / "pdfs"
    if not pdfs.is_dir():
        pytest.skip(f"the shared 483s are not at {pdfs} (they sit beside the project in CI)")
    db_path = tmp_path_factory.mktemp("real") / "fda483.db"
    result = _invoke("build", pdfs, "--media-ids", SHARED / "data" / "483s" / "manifest.csv", "--db", db_path)
    assert result.exit_code == 0, result.output
    return db_path, result.output


@pytest.fixture(scope="session")
def real_kb_listed(real_kb, tmp_path_factory):
    """`real_kb` with every shared FDA Data Dashboard export imported: (db path, import output)."""
    import shutil

    db_path = tmp_path_factory.mktemp("listed") / "fda483.db"
    shutil.copy(real_kb[0], db_path)
    result = _invoke("import-listing", SHARED / "data" / "fda-dashboard", "--db", db_path)
    assert result.exit_code == 0, result.output
    return db_path, result.output
