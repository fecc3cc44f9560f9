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


# The published site, for tests/test_site.py and tests/test_browser.py: the bundled samples built
# once by the real `fda483 build`, and served by the real `fda483 serve` on 127.0.0.1.

@pytest.fixture(scope="session")
def site_db(tmp_path_factory):
    """The samples built into a database named fda483.db (metadata.yml is keyed by that name)."""
    import shutil

    tmp = tmp_path_factory.mktemp("site")
    samples = tmp / "samples"
    shutil.copytree(SAMPLES, samples, ignore=shutil.ignore_patterns("*.py", "*.md", "*.yml", "__pycache__"))
    db_path = tmp / "fda483.db"
    result = _invoke("build", samples, "--db", db_path)
    assert result.exit_code == 0, result.output
    return db_path


@pytest.fixture(scope="session")
def site_server(site_db):
    """`fda483 serve` in a subprocess on a free port; yields its base URL."""
    yield from serve(site_db)


def serve(db_path):
    """Run `fda483 serve` on `db_path` in a subprocess on a free port; yield its base URL, then stop it."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The server's log goes to a file: a pipe nobody reads would fill and stall the server.
    log_path = db_path.parent / "serve.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb", "serve", "--db", str(db_path), "-p", str(port), "-h", "127.0.0.1"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/-/versions.json", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.close()
                raise RuntimeError("fda483 serve did not start:\n" + log_path.read_text())
            time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
