"""Reviewed categories (kb/reviews.py, `fda483 review`): a person's decision replaces the
classifier's, keeps it beside, and survives every kind of rebuild; driven through the CLI on the
bundled sample PDFs and a real SQLite database."""
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from classify.taxonomy import codes
from kb.cli import cli
from kb.reviews import ReviewError, load_reviews, write_reviews, make_review

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    """The samples built once, with an empty reviews file of their own."""
    tmp = tmp_path_factory.mktemp("reviews")
    samples = tmp / "samples"
    shutil.copytree(SAMPLES, samples, ignore=shutil.ignore_patterns("*.py", "*.md", "__pycache__"))
    db_path, reviews = tmp / "kb.db", tmp / "reviews.csv"
    result = run("build", samples, "--db", db_path, "--reviews", reviews)
    assert result.exit_code == 0, result.output
    return samples, db_path, reviews


def categories_of(db_path, file_name, number):
    db = Database(db_path)
    row = db.execute(
        "select o.id, o.primary_category, o.reviewed_by, o.model_primary_category, o.model_categories "
        "from observations o join documents d on d.id = o.document_id where d.file_name = ? and o.number = ?",
        [file_name, number]).fetchone()
    cats = dict(db.execute("select category, method from observation_categories where observation_id = ?",
                           [row[0]]).fetchall())
    return {"primary": row[1], "categories": cats, "reviewed_by": row[2], "model_primary": row[3],
            "model_categories": json.loads(row[4]) if row[4] else None}


def classification(db_path):
    """Every observation's classification, by file and number (row ids change when a file is re-read)."""
    return Database(db_path).execute(
        "select d.file_name, o.number, o.cfr, o.primary_category, o.reviewed_by, o.reviewed_on, o.review_note, "
        "o.model_primary_category, o.model_categories, (select group_concat(c.category || ':' || c.method || ':' "
        "|| coalesce(c.score, ''), ' ') from (select * from observation_categories where observation_id = o.id "
        "order by category) c) from observations o join documents d on d.id = o.document_id order by 1, 2").fetchall()


def table(db_path, name):
    return Database(db_path).execute(f"select * from {name} order by 1, 2").fetchall()


def test_a_review_replaces_the_classifiers_categories_and_survives_every_rebuild(kb, tmp_path):
    samples, built, _ = kb
    db_path, reviews = tmp_path / "kb.db", tmp_path / "reviews.csv"
    shutil.copy(built, db_path)
    target = sorted(samples.glob("*.pdf"))[0].name
    before = categories_of(db_path, target, 2)
    assert before["reviewed_by"] is None and set(before["categories"].values()) <= {"cfr", "model"}
    # a decision that differs from the classifier's: the primary and a category it did not give
    extra = next(c for c in codes() if c not in before["categories"])
    decided = {before["primary"], extra}

    result = run("review", target, 2, "--categories", extra, "--by", "A. Reviewer", "--note", "reads as " + extra,
                 "--db", db_path, "--reviews", reviews)
    assert result.exit_code == 0, result.output
    assert "the classifier's: " + ", ".join(before["categories"]) in result.output
    after = categories_of(db_path, target, 2)
    assert after["categories"] == {c: "review" for c in decided}
    assert after["primary"] == before["primary"] and after["reviewed_by"] == "A. Reviewer"
    assert after["model_primary"] == before["primary"]
    assert set(after["model_categories"]) == set(before["categories"])
    saved = list(load_reviews(reviews).values())
    assert len(saved) == 1 and saved[0].observation == 2 and set(saved[0].categories) == decided
    assert saved[0].sha256 == Database(db_path).execute(
        "select sha256 from documents where file_name = ?", [target]).fetchone()[0]
    # nothing else moved: every other observation's categories are the build's
    obs_id = Database(db_path).execute("select o.id from observations o join documents d on d.id = o.document_id "
                                       "where d.file_name = ? and o.number = 2", [target]).fetchone()[0]
    assert [r for r in table(db_path, "observation_categories") if r[0] != obs_id] == \
        [r for r in table(built, "observation_categories") if r[0] != obs_id]

    # an unchanged rebuild leaves it; a forced re-read and a changed classifier apply it again
    again = run("build", samples, "--db", db_path, "--reviews", reviews)
    assert "0 reclassified" in again.output and categories_of(db_path, target, 2) == after
    forced = run("build", samples, "--db", db_path, "--reviews", reviews, "--force")
    assert forced.exit_code == 0, forced.output
    assert categories_of(db_path, target, 2) == after
    db = Database(db_path)
    db.execute("update documents set classifier_version = 'older'")
    db.conn.commit()
    db.close()
    reclassified = run("build", samples, "--db", db_path, "--reviews", reviews)
    assert "0 unchanged" in reclassified.output
    assert categories_of(db_path, target, 2) == after

    # the same rows as a build from scratch with the reviews file: no drift
    fresh = tmp_path / "fresh.db"
    assert run("build", samples, "--db", fresh, "--reviews", reviews).exit_code == 0
    assert classification(fresh) == classification(db_path)

    # removed, the classifier's answer comes back, and the file keeps its header
    cleared = run("review", target, 2, "--clear", "--db", db_path, "--reviews", reviews)
    assert cleared.exit_code == 0, cleared.output
    assert categories_of(db_path, target, 2) == before
    assert classification(db_path) == classification(built)
    assert load_reviews(reviews) == {} and reviews.read_text().startswith("file_name,sha256,observation")


def test_a_changed_review_file_reclassifies_only_the_documents_it_touches(kb, tmp_path):
    samples, built, _ = kb
    db_path, reviews = tmp_path / "kb.db", tmp_path / "reviews.csv"
    shutil.copy(built, db_path)
    pdfs = sorted(samples.glob("*.pdf"))
    sha = Database(db_path).execute("select sha256 from documents where file_name = ?", [pdfs[1].name]).fetchone()[0]
    write_reviews([make_review(sha, 1, "quality_unit", ["quality_unit", "investigations"], "B. Editor",
                               "2026-11-20", file_name=pdfs[1].name)], reviews)
    result = run("build", samples, "--db", db_path, "--reviews", reviews)
    assert result.exit_code == 0, result.output
    assert f"1 reclassified, {len(pdfs) - 1} unchanged" in result.output
    got = categories_of(db_path, pdfs[1].name, 1)
    assert got["primary"] == "quality_unit" and got["categories"] == {"quality_unit": "review",
                                                                     "investigations": "review"}


def test_a_review_of_a_file_not_built_here_is_reported_and_kept(kb, tmp_path):
    samples, built, _ = kb
    db_path, reviews = tmp_path / "kb.db", tmp_path / "reviews.csv"
    shutil.copy(built, db_path)
    write_reviews([make_review("ab" * 32, 3, "stability", ["stability"], "C. Person", file_name="Gone.pdf")], reviews)
    content = reviews.read_text()
    result = run("build", samples, "--db", db_path, "--reviews", reviews)
    assert result.exit_code == 0, result.output
    assert "review of Gone.pdf observation 3 (line 2): no document in this database has its sha256" in result.output
    assert reviews.read_text() == content
    assert table(db_path, "observation_categories") == table(built, "observation_categories")


def test_a_bad_reviews_file_stops_the_build_before_anything_is_written(kb, tmp_path):
    samples, _, _ = kb
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("file_name,sha256,observation,primary_category,categories,reviewer,reviewed_on,note\n"
                       f"X.pdf,{'c' * 64},1,sterility,sterility,D. Person,2026-11-01,\n")
    db_path = tmp_path / "kb.db"
    result = run("build", samples, "--db", db_path, "--reviews", reviews)
    assert result.exit_code != 0
    assert f"{reviews}: line 2: not categories of classify/taxonomy.yml: sterility" in result.output
    assert not db_path.exists()


@pytest.mark.parametrize("rows, message", [
    ([f"{'a' * 64},1,cleaning,cleaning,E", f"{'a' * 64},1,equipment,equipment,F"], "line 3: observation 1 of "
     "aaaaaaaaaaaa is already reviewed on line 2"),
    ([f"{'a' * 63},1,cleaning,cleaning,E"], "line 2: sha256 must be the PDF's 64 hex digits"),
    ([f"{'a' * 64},one,cleaning,cleaning,E"], "line 2: observation must be a number"),
    ([f"{'a' * 64},1,cleaning,cleaning,"], "line 2: reviewer is missing"),
    ([f"{'a' * 64},1,,cleaning,E"], "line 2: primary_category is missing"),
])
def test_reviews_file_errors_name_the_line(tmp_path, rows, message):
    path = tmp_path / "reviews.csv"
    path.write_text("sha256,observation,primary_category,categories,reviewer\n" + "\n".join(rows) + "\n")
    with pytest.raises(ReviewError, match=message.replace("(", r"\(")):
        load_reviews(path)


def test_the_primary_is_always_among_the_categories_and_first(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("sha256,observation,primary_category,categories,reviewer\n"
                    f"{'b' * 64},4,investigations,environmental_monitoring; aseptic_processing,G\n")
    (review,) = load_reviews(path).values()
    assert review.categories == ("investigations", "environmental_monitoring", "aseptic_processing")
    assert load_reviews(tmp_path / "none.csv") == {}


def test_review_refuses_what_it_cannot_apply(kb, tmp_path):
    samples, built, _ = kb
    db_path, reviews = tmp_path / "kb.db", tmp_path / "reviews.csv"
    shutil.copy(built, db_path)
    name = sorted(samples.glob("*.pdf"))[0].name
    cases = [
        (["Nope.pdf", 1, "--categories", "cleaning", "--by", "H"], "no document built into this database is 'Nope.pdf'"),
        ([name, 99, "--categories", "cleaning", "--by", "H"], f"{name} has no observation 99"),
        ([name, 1, "--categories", "cleaning,sterility", "--by", "H"], "not categories of classify/taxonomy.yml: sterility"),
        ([name, 1, "--categories", "cleaning"], "reviewer is missing"),
        ([name, 1, "--clear"], "has no review in"),
    ]
    for args, message in cases:
        result = run("review", *args, "--db", db_path, "--reviews", reviews)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    assert not reviews.exists()
    assert table(db_path, "observation_categories") == table(built, "observation_categories")


def test_the_site_shows_a_review_and_what_the_classifier_said(kb, tmp_path):
    samples, built, _ = kb
    db_path, reviews = tmp_path / "fda483.db", tmp_path / "reviews.csv"
    shutil.copy(built, db_path)
    name = sorted(samples.glob("*.pdf"))[0].name
    assert run("review", name, 1, "--categories", "personnel", "--by", "I. Reader", "--note", "training gap",
               "--db", db_path, "--reviews", reviews).exit_code == 0
    obs_id = categories_of(db_path, name, 1)
    row = Database(db_path).execute("select o.id, o.model_categories from observations o join documents d "
                                    "on d.id = o.document_id where d.file_name = ? and o.number = 1", [name]).fetchone()
    page = run("serve", "--db", db_path, "--get", f"/fda483/observations/{row[0]}")
    assert page.exit_code == 0, page.output
    assert "Categories reviewed by I. Reader" in page.output and "training gap" in page.output
    names = dict(Database(db_path).execute("select code, name from categories").fetchall())
    assert "The classifier had said " + ", ".join(names[c] for c in json.loads(row[1])) in page.output
    listed = run("serve", "--db", db_path, "--get", "/fda483/reviewed_observations.json?_shape=array")
    assert listed.exit_code == 0, listed.output
    (got,) = json.loads(listed.output)
    assert got["reviewed_by"] == "I. Reader" and "personnel" in got["categories"].split()
    assert got["model_categories"].split() == json.loads(row[1]) and obs_id["reviewed_by"] == "I. Reader"


def test_train_learns_from_the_reviewed_observations_of_a_knowledge_base(kb, tmp_path):
    from classify import Classifier
    from classify.model import load
    from kb.reviews import review_examples

    samples, built, _ = kb
    db_path, reviews = tmp_path / "kb.db", tmp_path / "reviews.csv"
    shutil.copy(built, db_path)
    db = Database(db_path)
    # three observations the classifier gives no stability; reviewers say they are about it
    rows = db.execute(
        "select d.file_name, o.number from observations o join documents d on d.id = o.document_id "
        "where not exists (select 1 from observation_categories c where c.observation_id = o.id "
        "and c.category = 'stability') order by d.file_name, o.number limit 3").fetchall()
    for name, number in rows:
        assert run("review", name, number, "--categories", "stability", "--by", "J. Reviewer",
                   "--db", db_path, "--reviews", reviews).exit_code == 0
    plain, taught = tmp_path / "plain", tmp_path / "taught"
    assert run("train", "--out", plain).exit_code == 0
    result = run("train", "--out", taught, "--reviewed-in", db_path, "--reviews", reviews)
    assert result.exit_code == 0, result.output
    assert "3 reviewed observations from" in result.output
    sidecar = json.loads((taught / "categories.json").read_text())
    assert sidecar["trained_on"]["reviewed"]["observations"] == 3
    assert sidecar["trained_on"]["reviewed"]["reviews_sha256"]
    assert sidecar["training_data_sha256"] != json.loads((plain / "categories.json").read_text())["training_data_sha256"]
    # the reviewed answer is learnt: stability scores higher on the reviewed observations
    examples = review_examples(Database(db_path), load_reviews(reviews))
    assert len(examples) == 3 and {e.source for e in examples} == {"review"}
    scores = {}
    for name, directory in (("plain", plain), ("taught", taught)):
        model = load(directory)
        scores[name] = [p.scores["stability"] for p in model.predict(examples)]
    assert all(t > p + 0.02 for t, p in zip(scores["taught"], scores["plain"])), scores
    assert Classifier(load(taught)).version != Classifier(load(plain)).version


def test_uncertain_calls_are_those_near_the_threshold_nearest_first():
    from classify import REVIEW_BAND, uncertain_calls
    scores = {"equipment": 0.45, "cleaning": 0.95, "facilities": 0.3, "personnel": 0.05, "production": 0.2,
              "quality_unit": 0.6, "investigations": 0.5}
    assert REVIEW_BAND == (0.5, 1.5)
    # 0.2 is in the band, 0.6 is not; the primary is never an uncertain call
    assert uncertain_calls(scores, 0.4, "investigations") == [
        ("equipment", 0.45, True), ("facilities", 0.3, False), ("production", 0.2, False)]
    # equally near: by name
    assert uncertain_calls(scores, 0.4, "equipment")[:2] == [("facilities", 0.3, False), ("investigations", 0.5, True)]


def uncertain(db_path):
    """Every uncertain call by file and observation number."""
    return Database(db_path).execute(
        "select d.file_name, o.number, u.category, u.score, u.kept from uncertain_categories u "
        "join observations o on o.id = u.observation_id join documents d on d.id = o.document_id "
        "order by 1, 2, 3").fetchall()


def test_uncertain_calls_are_the_classifiers_and_outlive_rebuilds(kb, tmp_path):
    from classify import Classifier, REVIEW_BAND
    samples, built, _ = kb
    calls = uncertain(built)
    assert calls, "the samples have no uncertain call to review"
    threshold = Classifier().model.threshold
    db = Database(built)
    for file_name, number, category, score, kept in calls:
        assert threshold * REVIEW_BAND[0] <= score < threshold * REVIEW_BAND[1]
        assert bool(kept) == (score >= threshold)
        stored = db.execute("select c.score, c.method from observation_categories c join observations o on "
                            "o.id = c.observation_id join documents d on d.id = o.document_id where d.file_name = ? "
                            "and o.number = ? and c.category = ?", [file_name, number, category]).fetchone()
        assert (stored == (score, "model")) if kept else stored is None, (file_name, number, category, stored)
    # a review leaves the model's calls as they were; --force rebuilds them the same
    db_path, reviews = tmp_path / "kb.db", tmp_path / "reviews.csv"
    shutil.copy(built, db_path)
    file_name, number = calls[0][:2]
    assert run("review", file_name, number, "--categories", "other", "--by", "I. Reader",
               "--db", db_path, "--reviews", reviews).exit_code == 0
    assert uncertain(db_path) == calls
    assert run("build", samples, "--db", db_path, "--reviews", reviews, "--force").exit_code == 0
    assert uncertain(db_path) == calls


def test_the_review_queue_lists_the_unreviewed_uncertain_observations(kb, tmp_path):
    samples, built, _ = kb
    db_path, reviews = tmp_path / "fda483.db", tmp_path / "reviews.csv"
    shutil.copy(built, db_path)

    def queue(category=""):
        got = run("serve", "--db", db_path, "--get", f"/fda483/review_queue.json?_shape=array&category={category}")
        assert got.exit_code == 0, got.output
        return json.loads(got.output)

    listed = queue()
    calls = uncertain(db_path)
    assert {(r["firm_name"], r["number"]) for r in listed} == set(Database(db_path).execute(
        "select distinct i.firm_name, o.number from uncertain_categories u join observations o on o.id = "
        "u.observation_id join inspections i on i.id = o.inspection_id").fetchall())
    counts = [r["uncertain_calls"] for r in listed]
    assert counts == sorted(counts, reverse=True) and sum(counts) == len(calls)
    first = listed[0]
    assert len(first["uncertain"].split("; ")) == first["uncertain_calls"]
    assert all(call.endswith("]") and " [cues: " in call for r in listed for call in r["uncertain"].split("; "))
    one = calls[0][2]
    assert all(one in r["uncertain"] for r in queue(one)) and 0 < len(queue(one)) <= len(listed)
    # its page says what the classifier was unsure of, and how to set it
    row = Database(db_path).execute("select o.id, d.file_name from observations o join documents d on d.id = "
                                    "o.document_id where o.id = ?", [first["observation_id"]]).fetchone()
    page = run("serve", "--db", db_path, "--get", f"/fda483/observations/{row[0]}").output
    assert "The classifier was unsure of" in page and f"fda483 review {row[1]} {first['number']}" in page
    # once reviewed, it leaves the queue and its page shows the review instead
    assert run("review", row[1], first["number"], "--categories", "other", "--by", "I. Reader",
               "--db", db_path, "--reviews", reviews).exit_code == 0
    assert first["observation_id"] not in {r["observation_id"] for r in queue()}
    assert len(queue()) == len(listed) - 1
    page = run("serve", "--db", db_path, "--get", f"/fda483/observations/{row[0]}").output
    assert "Categories reviewed by I. Reader" in page and "The classifier was unsure of" not in page
