"""classify.model and classify.labels: cleaning, training, saving and loading, our own labels."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile

import numpy as np
import pytest
import sklearn

from classify import model as model_module
from classify.citations import match_citation
from classify.labels import LabelError, label_examples, read_labels
from classify.model import Item, ModelError, clean_text, load, train
from classify.taxonomy import codes
from shared_paths import GOLD, gold_files, need, shingles


# --- cleaning ---------------------------------------------------------------------------------


def test_clean_text_takes_out_the_form_and_the_firm():
    text = ("QUALITY SYSTEM OBSERVATION 4 Specifically, Bramble Creek Pharmacy's (b)(4) and (b) (6) (C) "
            "sterile hood was dirty. THIS IS A REPEAT OBSERVATION.")
    cleaned = clean_text(text, firm_name="Bramble Creek Pharmacy, LLC")
    assert cleaned == "and sterile hood was dirty."


def test_clean_text_takes_out_each_way_of_writing_the_stock_words():
    for stock in ("Specifically,", "specifically:", "SPECIFICALLY", "Observation 12", "OBSERVATION\n3"):
        assert clean_text(f"The hood, {stock} was dirty.") == "The hood, was dirty.", stock
    # a word that only begins like them stays
    assert clean_text("Specificallyish OBSERVATIONS 3 remain.") == "Specificallyish OBSERVATIONS 3 remain."


def test_clean_text_takes_out_each_way_of_writing_a_repeat_mark():
    for mark in ("This is a repeat observation.", "THIS IS A  REPEATED\nOBSERVATION.", "Repeat Observation.",
                 "repeatED observation from 2019.", "REPEATed Observation."):
        assert clean_text(f"The hood was dirty. {mark} The room was not.") == "The hood was dirty. The room was not.", mark
    # "repeat" not followed by "observation" stays, and so does what it reads like
    for text in ("Cleaning was repeated twice.", "The test was repeated. Observations were not recorded.",
                 "REPEATEDLY OBSERVATION 2 was dirty."):
        assert clean_text(text) == text.replace(" OBSERVATION 2", ""), text


def test_clean_text_keeps_cue_words_of_the_firm_name():
    # "Sterile" names the firm but is also what the observation is about
    assert clean_text("Halden Sterile Supply failed to validate the sterile filtration.",
                      firm_name="Halden Sterile Supply") == "failed to validate the sterile filtration."
    assert clean_text("HALDEN's sterile vials.", firm_name="Halden Sterile Supply") == "sterile vials."


# --- features ---------------------------------------------------------------------------------

# Text that tests the fast paths' assumptions: punctuation, digits and underscores against
# letters, hyphens, apostrophes, tabs, no-break and other Unicode spaces, accents, upper case.
AWKWARD = [
    "", "   ", "a", "Hood-7 was not cleaned; ISO-5/7 (b)(4) and so_on, X2 and 2X.",
    "Nettoyage\u00a0des\u2003hottes\tpas fait \u00e9t\u00e9 Stra\u00dfe \u0130stanbul",
    "don't, firm's, 'quoted' \u201cdouble\u201d end.\n\nNew paragraph\x1cfield",
]


def test_fast_word_and_char_counts_are_scikit_learns():
    """The featurizer counts a text's words token by token and its character n-grams word by
    word, each hashed once; what it counts must be what the HashingVectorizers it stands in
    for count (predictions depend on it, and the shipped model was fitted on them)."""
    from sklearn.feature_extraction import FeatureHasher

    featurizer = model_module.Featurizer(model_module.Config())
    texts = AWKWARD + [lab.full_text for lab in read_labels()[:200]]
    for batch in ([t] for t in texts[:9]):  # one by one, then in batches with tokens seen before
        _assert_same_csr(featurizer._word_counts(batch), featurizer.words.transform(batch).tocsr())
    for batch in (texts[:7], texts[3:], texts, texts[::-1]):
        _assert_same_csr(featurizer._word_counts(batch), featurizer.words.transform(batch).tocsr())
    hasher = FeatureHasher(featurizer.config.char_features, input_type="string", alternate_sign=False,
                           dtype=np.float32)
    for batch in (texts[:7], texts[3:], texts):  # cold, then with words seen before
        expected = hasher.transform(featurizer._char_analyzer(t) for t in batch).tocsr()
        _assert_same_csr(featurizer._char_counts(batch), expected)


def _assert_same_csr(got, expected):
    assert got.shape == expected.shape
    assert np.array_equal(got.indptr, expected.indptr)
    assert np.array_equal(got.indices, expected.indices)
    assert got.data.dtype == expected.data.dtype
    assert np.array_equal(got.data, expected.data)


# --- our own labels ---------------------------------------------------------------------------


def test_labels_load_and_use_taxonomy_codes():
    labels = read_labels()
    assert len(labels) >= 200
    assert {c for lab in labels for c in lab.categories} <= set(codes())
    assert all(lab.primary == lab.categories[0] for lab in labels)


def test_labels_cover_every_category_and_wording_without_a_cfr():
    labels = read_labels()
    primaries = {lab.primary for lab in labels}
    assert primaries == set(codes())
    assert sum(lab.cfr is None for lab in labels) >= 40  # compounding, FD&C Act, BIMO wording


def test_each_label_cfr_is_what_its_citation_matches():
    """A label's cfr is its truth; the citation matcher must agree, or the label teaches the
    model a provision signal it will not see."""
    wrong = []
    for lab in read_labels():
        m = match_citation(lab.citation)
        if (m.provision if m else None) != lab.cfr:
            wrong.append((lab.id, lab.cfr, m and m.provision))
    assert wrong == []


def test_labels_do_not_copy_gold_text():
    """Our labels are our own words: no run of 8 words of a label's details appears in the
    gold's first or last words or citations. (Citations are compared from the details only:
    label citations are the library's regulation wordings, which FDA's citations share.)"""
    need(GOLD)
    gold_text = set()
    for doc in gold_files():
        for o in doc["observations"]:
            for key in ("citation", "first_words", "last_words"):
                gold_text |= shingles(o.get(key) or "")
    copied = [(lab.id, s) for lab in read_labels() for s in shingles(lab.text) & gold_text]
    assert copied == []


def test_a_cfr_written_as_a_number_is_refused(tmp_path):
    (tmp_path / "x.yml").write_text("- id: x-1\n  citation: Something.\n  cfr: 211.150\n  text: t\n")
    with pytest.raises(LabelError, match="quoted"):
        read_labels(tmp_path)


def test_an_unknown_category_is_refused(tmp_path):
    (tmp_path / "x.yml").write_text("- id: x-1\n  citation: Something.\n  cfr: null\n  primary: hygiene\n")
    with pytest.raises(LabelError, match="unknown categories"):
        read_labels(tmp_path)


# --- training, saving, loading ----------------------------------------------------------------


@pytest.fixture(scope="module")
def examples():
    return label_examples()


@pytest.fixture(scope="module")
def fitted(examples):
    return train(examples[::2])


@pytest.fixture
def saved(fitted, tmp_path):
    fitted.save(tmp_path)
    return tmp_path


def test_round_trip_gives_the_same_predictions(fitted, saved, examples):
    held_out = examples[1::2][:40]
    loaded = load(saved)
    before = fitted.predict(held_out)
    after = loaded.predict(held_out)
    assert [p.primary for p in before] == [p.primary for p in after]
    for a, b in zip(before, after):
        assert max(abs(a.scores[c] - b.scores[c]) for c in codes()) < 1e-5
    assert loaded.threshold == fitted.threshold and loaded.blend == fitted.blend


def test_sidecar_names_versions_hashes_and_configuration(saved):
    sidecar = json.loads((saved / "categories.json").read_text())
    assert sidecar["sklearn_version"] == sklearn.__version__
    assert sidecar["arrays_sha256"] == hashlib.sha256((saved / "categories.npz").read_bytes()).hexdigest()
    assert sidecar["classes"] == codes()
    assert 0 < sidecar["threshold"] < 1
    assert model_module.Config.from_json(sidecar["config"]) == model_module.Config()


def test_arrays_are_numbers_only(saved):
    with zipfile.ZipFile(saved / "categories.npz") as zf:
        names = zf.namelist()
    with np.load(saved / "categories.npz", allow_pickle=False) as arrays:
        kinds = {name: arrays[name].dtype.kind for name in arrays.files}
    assert names and set(kinds.values()) <= {"f", "i"}


def test_training_is_reproducible(examples, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    train(examples[:90]).save(a)
    train(examples[:90]).save(b)
    assert (a / "categories.npz").read_bytes() == (b / "categories.npz").read_bytes()


def test_load_refuses_arrays_that_are_not_the_sidecars(saved):
    data = bytearray((saved / "categories.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (saved / "categories.npz").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256"):
        load(saved)


def test_load_refuses_arrays_outside_its_directory(saved, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.copy(saved / "categories.npz", elsewhere / "categories.npz")
    sidecar = json.loads((saved / "categories.json").read_text())
    sidecar["arrays"] = f"../{elsewhere.name}/categories.npz"
    (saved / "categories.json").write_text(json.dumps(sidecar))
    with pytest.raises(ModelError, match="not in the model directory"):
        load(saved)


def test_load_warns_on_another_sklearn_and_refuses_when_strict(saved):
    sidecar = json.loads((saved / "categories.json").read_text())
    sidecar["sklearn_version"] = "0.99.0"
    (saved / "categories.json").write_text(json.dumps(sidecar))
    with pytest.warns(UserWarning, match="scikit-learn 0.99.0"):
        load(saved)
    with pytest.raises(ModelError, match="scikit-learn 0.99.0"):
        load(saved, strict=True)


def test_no_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="fda483 train"):
        load(tmp_path)


def test_the_primary_the_category_heads_see_is_the_provisions(fitted):
    """A provision that names a category is the primary the category heads condition on,
    whatever the primary head would say of the text."""
    text = "Written records of the filling machine's maintenance are not kept."
    as_cleaning = fitted.predict([Item(text=text, citation=text, provision="211.67(c)")])[0]
    as_equipment = fitted.predict([Item(text=text, citation=text, provision="211.182")])[0]
    assert as_cleaning.primary == as_equipment.primary  # the primary head reads the text alone
    assert as_cleaning.scores != as_equipment.scores


# --- the shipped model ------------------------------------------------------------------------


def test_shipped_model_loads_and_says_what_it_was_trained_on():
    model = load()
    trained_on = model.sidecar["trained_on"]
    labels_dir = model_module.Path(__file__).resolve().parents[1] / "data" / "labels" / "observations"
    from classify.training import _labels_sha256

    assert trained_on["own_labels"]["count"] == len(read_labels())
    assert trained_on["own_labels"]["files_sha256"] == _labels_sha256(labels_dir), (
        "data/labels changed since the shipped model was trained: run `fda483 train --gold ... --pdfs ...`")
    assert model.sidecar["cross_validation"]["measures"]["primary_category"] > 0.9
    assert model.sidecar["training_data_sha256"]


def test_shipped_model_says_how_well_it_finds_each_category():
    """The sidecar's per-category figures (shown beside each category in the knowledge base)
    are the counts its overall cross-validated figures were computed from."""
    cv = load().sidecar["cross_validation"]
    by = cv["by_category"]
    assert set(by) <= set(codes()) and len(by) >= 15
    tp, fp, fn = (sum(m[k] for m in by.values()) for k in ("tp", "fp", "fn"))
    assert round(2 * tp / (2 * tp + fp + fn), 4) == cv["measures"]["categories_micro_f1"]
    present = [m for m in by.values() if m["tp"] + m["fn"]]
    assert round(sum(m["f1"] for m in present) / len(present), 4) == pytest.approx(
        cv["measures"]["categories_macro_f1"], abs=1e-3)
    for m in by.values():
        if m["precision"] is not None:
            assert m["precision"] == round(m["tp"] / (m["tp"] + m["fp"]), 4)


def test_shipped_model_keeps_only_ngrams_of_our_own_labels():
    """The shipped model was trained on the gold too, but every hashed word or character
    n-gram it keeps occurs in at least min_df of our own labels: none comes from gold text."""
    model = load()
    own = model_module.Featurizer(model.config)(label_examples())
    for counts, idf in ((own.words, model.idf_words), (own.lead, model.idf_lead)):
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        kept = np.flatnonzero(idf)
        assert len(kept) and (df[kept] >= model.config.min_df).all()
