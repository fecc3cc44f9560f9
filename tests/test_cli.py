"""The fda483 command, driven through click's runner on real files and a real SQLite database."""
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from extract.records import DOCUMENT_KEYS, OBSERVATION_KEYS
from classify.rules import cue_phrases
from kb.cli import cli
from shared_paths import stored_cues

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

TABLES = ["documents", "pages", "inspections", "investigators", "inspection_investigators", "facilities",
          "observations", "observation_categories", "categories"]


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result


def snapshot(db_path):
    db = Database(db_path)
    out = {}
    for t in TABLES:
        pks = db[t].pks
        rows = db.execute(f"select * from [{t}] order by {', '.join(pks)}").fetchall()
        # built_at records when a row was written: it changes exactly when the row is rewritten
        out[t] = rows
    return out


def test_every_command_has_help_with_an_example():
    for name, command in cli.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0, result.output
        assert "Example:" in result.output, f"{name} --help has no example"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The bundled samples built once into a database in a tmp dir (copied, so tests can touch them)."""
    tmp = tmp_path_factory.mktemp("kb")
    samples = tmp / "samples"
    shutil.copytree(SAMPLES, samples, ignore=shutil.ignore_patterns("*.py", "*.md", "__pycache__"))
    db_path = tmp / "kb.db"
    result = run("build", samples, "--db", db_path)
    assert result.exit_code == 0, result.output
    return samples, db_path, result.output


def test_build_writes_the_samples(built):
    samples, db_path, output = built
    db = Database(db_path)
    pdfs = sorted(samples.glob("*.pdf"))
    assert db["documents"].count == len(pdfs)
    assert db.execute("select count(*) from documents where status = 'ok'").fetchone()[0] == len(pdfs)
    expected_obs = sum(len(json.loads(p.with_suffix(".json").read_text())["observations"]) for p in pdfs)
    assert db["observations"].count == expected_obs
    assert f"{len(pdfs)} added" in output and f"{expected_obs} observations written" in output
    assert db["inspections"].count == len(pdfs)
    assert db["facilities"].count >= 1
    assert db["categories"].count == 18
    # full-text search over observation text
    assert db.execute("select count(*) from observations_fts where observations_fts match 'sterile'").fetchone()[0] > 0
    # foreign keys are declared and hold
    assert db.execute("pragma foreign_key_check").fetchall() == []
    fks = {fk.other_table for fk in db["observations"].foreign_keys}
    assert {"inspections", "documents", "categories"} <= fks


def test_each_category_shows_the_cue_words_found_in_its_observation(built):
    _, db_path, _ = built
    calls, with_cues, missing = stored_cues(db_path)
    assert with_cues >= 0.8 * calls, f"{with_cues} of {calls} categories have cues"
    assert missing == []
    # the observation's page marks them in its text, titled with their category
    obs_id, name, cues = Database(db_path).execute(
        "select oc.observation_id, c.name, oc.cues from observation_categories oc join categories c on "
        "c.code = oc.category where oc.cues is not null order by oc.observation_id limit 1").fetchone()
    page = run("serve", "--db", db_path, "--get", f"/fda483/observations/{obs_id}").output
    marked = re.findall(r'<mark class="kb-cue" title="([^"]*)">([^<]*)</mark>', page)
    assert {" ".join(w.lower().split()) for t, w in marked if name in t} >= set(cue_phrases(cues))


def test_rebuild_changes_nothing(built):
    samples, db_path, _ = built
    before = snapshot(db_path)
    result = run("build", samples, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated" in result.output and "unchanged" in result.output
    assert snapshot(db_path) == before


def test_a_changed_classifier_reclassifies_unchanged_files_from_their_stored_text(built, tmp_path):
    samples, db_path, _ = built
    work = tmp_path / "db.db"
    shutil.copy(db_path, work)
    before = snapshot(work)
    db = Database(work)
    ids = [r[0] for r in db.execute("select id from documents order by id").fetchall()]
    assert len(ids) >= 2
    # What an older classifier left: another version (none at all for a database from before
    # classifier versions were recorded) and other categories.
    db.execute("update documents set classifier_version = case when id = ? then null else 'older' end", [ids[0]])
    db.execute("update observations set primary_category = 'other', cfr = null, cfr_score = null, cfr_method = null")
    db.execute("delete from observation_categories")
    db.conn.commit()
    db.close()
    result = run("build", samples, "--db", work)
    assert result.exit_code == 0, result.output
    assert f"0 added, 0 updated, {len(ids)} reclassified, 0 unchanged" in result.output
    assert "reclassified (" in result.output  # the line per file
    # the same rows as a build from scratch, nothing read from the files again
    assert snapshot(work) == before
    again = run("build", samples, "--db", work)
    assert f"0 reclassified, {len(ids)} unchanged" in again.output
    assert snapshot(work) == before


def test_changed_file_replaces_only_its_rows(built, tmp_path):
    samples, db_path, _ = built
    work = tmp_path / "db.db"
    shutil.copy(db_path, work)
    target = sorted(samples.glob("*.pdf"))[0]
    before = snapshot(work)
    db = Database(work)
    doc_id = db.execute("select id from documents where file_name = ?", [target.name]).fetchone()[0]
    # append a comment after %%EOF: same content, different bytes and sha256
    with open(target, "ab") as f:
        f.write(b"\n% touched\n")
    try:
        result = run("build", samples, "--db", work)
    finally:
        data = target.read_bytes()
        target.write_bytes(data[: -len(b"\n% touched\n")])
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output
    after = snapshot(work)
    # every other document's rows are identical, ids included
    other = lambda rows, col: [r for r in rows if r[col] != doc_id]  # noqa: E731
    assert other(after["documents"], 0) == other(before["documents"], 0)
    assert other(after["pages"], 0) == other(before["pages"], 0)
    obs_doc_col = [c.name for c in Database(work)["observations"].columns].index("document_id")
    assert other(after["observations"], obs_doc_col) == other(before["observations"], obs_doc_col)
    new_row = Database(work)["documents"].get(doc_id)
    assert new_row["sha256"] != [r for r in before["documents"] if r[0] == doc_id][0][3]
    assert len(after["observations"]) == len(before["observations"])


def test_serve_get_renders_pages(built):
    _, db_path, _ = built
    # kb.db is served as /fda483, the name metadata.yml describes it by, with its canned queries
    assert db_path.stem != "fda483"
    name = "fda483"
    for path in ["/", f"/{name}", f"/{name}/observations", f"/{name}/observations?_search=sterile",
                 f"/{name}/findings", f"/{name}/documents", f"/{name}/review_queue"]:
        result = run("serve", "--db", db_path, "--get", path)
        assert result.exit_code == 0, f"{path}: {result.output[-500:]}"
    result = run("serve", "--db", db_path, "--get", f"/{name}/observations.json?_search=sterile&_shape=array")
    assert json.loads(result.output), "a search for 'sterile' finds observations"
    listing = json.loads(run("serve", "--db", db_path, "--get", f"/{name}.json").output)
    assert {"search_observations", "review_queue", "category_trend"} <= {q["name"] for q in listing["queries"]}
    hidden = {t["name"] for t in listing["tables"] if t["hidden"]}
    assert "_sqlite_migrations" in hidden
    assert not db_path.with_name("fda483.db").exists(), "the file is not renamed or copied beside itself"


def test_extract_json_equals_each_samples_expected_json(samples):
    for pdf in samples:
        result = run("extract", "--json", pdf)
        assert result.exit_code == 0, result.output
        got = json.loads(result.stdout)
        expected = json.loads(pdf.with_suffix(".json").read_text())
        for key in DOCUMENT_KEYS:
            assert got[key] == expected[key], f"{pdf.name}: {key}"
        assert len(got["observations"]) == len(expected["observations"]), pdf.name
        for g, e in zip(got["observations"], expected["observations"]):
            for key in OBSERVATION_KEYS + ["text", "redactions"]:
                assert g[key] == e[key], f"{pdf.name} observation {e['number']}: {key}"


def make_bad_inputs(folder: Path, good: Path, shared: Path):
    folder.mkdir()
    shutil.copy(shared / "data" / "bad-inputs" / "VA_San_Diego_Healthcare_Systems.pdf", folder / "html_page.pdf")
    data = good.read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (folder / "empty.pdf").write_bytes(b"")
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(folder / "encrypted.pdf"), encrypt=pdfencrypt.StandardEncryption("secret", ownerPassword="o"))
    c.drawString(72, 720, "FORM FDA 483 INSPECTIONAL OBSERVATIONS")
    c.save()
    shutil.copy(good, folder / good.name)


def test_bad_inputs_are_recorded_and_the_build_goes_on(tmp_path, samples, shared):
    good = samples[0]
    folder = tmp_path / "in"
    make_bad_inputs(folder, good, shared)
    db_path = tmp_path / "bad.db"
    result = run("build", folder, "--db", db_path)
    assert result.exit_code == 0, result.output
    db = Database(db_path)
    rows = {r["file_name"]: r for r in db["documents"].rows}
    assert rows[good.name]["status"] == "ok"
    failed = {name: r["error"] for name, r in rows.items() if r["status"] == "failed"}
    assert set(failed) == {"html_page.pdf", "truncated.pdf", "empty.pdf", "encrypted.pdf"}
    assert "HTML" in failed["html_page.pdf"]
    assert "truncated" in failed["truncated.pdf"]
    assert "empty" in failed["empty.pdf"]
    assert "encrypted" in failed["encrypted.pdf"]
    assert len(set(failed.values())) == 4, "each failure says what is wrong with that file"
    assert db["observations"].count > 0


def test_build_fails_when_nothing_can_be_read(tmp_path):
    (tmp_path / "empty.pdf").write_bytes(b"")
    result = run("build", tmp_path, "--db", tmp_path / "x.db")
    assert result.exit_code != 0
    assert "no file could be read" in result.output


def test_a_pdf_that_is_not_a_483(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "letter.pdf"
    c = canvas.Canvas(str(path))
    for i, line in enumerate(["Dear customer,", "Thank you for your order of office supplies.",
                              "Your invoice is attached. Payment is due within thirty days."] * 8):
        c.drawString(72, 720 - 14 * i, line)
    c.save()
    result = run("extract", "--json", path)
    assert result.exit_code != 0
    assert "not a Form FDA 483" in result.output


def test_without_tesseract_pages_are_recorded_as_not_read_and_said_once(tmp_path, samples):
    """A machine without tesseract: the scanned sample page is recorded as not read, never as empty."""
    import os
    import subprocess
    import sys

    bin_dir = tmp_path / "bin"  # a PATH with python but no tesseract
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = dict(os.environ, PATH=str(bin_dir), FDA483_CACHE="")
    db_path = tmp_path / "kb.db"
    proc = subprocess.run([sys.executable, "-m", "kb", "build", str(SAMPLES), "--db", str(db_path)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("tesseract is not installed") == 1
    db = Database(db_path)
    unread = list(db.query("select number, source, error, text from pages where source = 'none'"))
    assert len(unread) == 1 and "tesseract is not installed" in unread[0]["error"]
    assert "not read" in proc.stderr


@pytest.mark.parametrize("mode,expected", [("never", {"text", "none"}), ("always", {"ocr"})])
def test_ocr_modes(mode, expected):
    pdf = SAMPLES / "Harbor_Parenteral_Services_LLC_2019.pdf"  # page 2 is an image only
    result = run("extract", "--json", "--ocr", mode, pdf)
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)["page_sources"]) == expected


def test_parallel_build_gives_the_same_rows_as_one_at_a_time(tmp_path):
    """--workers 2 reads files in two processes but saves them in input order: same ids, same rows."""
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    assert run("build", SAMPLES, "--db", one).exit_code == 0
    result = run("build", SAMPLES, "--db", two, "--workers", "2")
    assert result.exit_code == 0, result.output
    assert snapshot_without_times(one) == snapshot_without_times(two)


def snapshot_without_times(db_path):
    snap = snapshot(db_path)
    db = Database(db_path)
    cols = [c.name for c in db["documents"].columns]
    drop = {cols.index("built_at"), cols.index("path")}
    snap["documents"] = [tuple(v for i, v in enumerate(r) if i not in drop) for r in snap["documents"]]
    return snap
