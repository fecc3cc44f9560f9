"""Fitting the shipped model: `fda483 train`.

    path = fit(gold_dir=Path("../shared/data/483s/gold"), pdf_dir=Path("../shared/data/483s/pdfs"))

Trains on our own labels (data/labels/observations) and, when given, the gold answer files of
real 483s with their PDFs (the PDFs are extracted; the gold gives the labels). Words are
hashed, so the saved arrays hold no text of either. The sidecar says what the model was
trained on (how many own labels and their hash, which gold documents), the hash of all the
training data, and cross-validated scores, overall and per category: with gold, those of
`fda483 evaluate` (grouped by document, a model refitted in every fold); without, a grouped
cross-validation over our own labels. The knowledge base shows the per-category figures beside
each category (kb.store.save_categories). Training is deterministic: the same inputs give the same bytes.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

import numpy as np
from sklearn.model_selection import GroupKFold

from extract.pdf import engine
from extract.records import Observation

from . import Classifier, evaluate
from .labels import LABELS_DIR, label_examples, read_labels
from .model import MODEL_DIR, MODEL_NAME, Config, Example, Featurizer, Model, examples_sha256, subset, train

# Grouped folds for the cross-validation over our own labels (when there is no gold).
LABEL_FOLDS = 5


def _labels_sha256(directory: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(Path(directory).glob("*.yml")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def cross_validate_labels(labels_dir: Path, config: Config, folds: int = LABEL_FOLDS) -> evaluate.Measures:
    """Grouped k-fold over our own labels: each held-out label classified by the whole
    classifier with a model fitted on the others, and scored against the label."""
    answers = read_labels(labels_dir)
    examples = label_examples(labels_dir)  # in the same order
    features = Featurizer(config)(examples)
    groups = np.array([e.group for e in examples])
    rows: list[evaluate.Scored] = []
    for train_rows, test_rows in GroupKFold(n_splits=folds).split(np.zeros(len(examples)), groups=groups):
        model = train([examples[i] for i in train_rows], config, features=subset(features, train_rows))
        held = [answers[i] for i in test_rows]
        observations = [Observation(number=n, page_start=1, page_end=1, text=a.full_text, citation=a.citation)
                        for n, a in enumerate(held, 1)]
        for a, result in zip(held, Classifier(model).classify(observations)):
            gold = {"cfr": a.cfr, "primary_category": a.primary, "categories": list(a.categories)}
            rows.append(evaluate.Scored(a.file, gold, result))
    return evaluate.measure(rows)


def fit_model(labels: list[Example], docs: list[evaluate.GoldDocument], config: Config | None = None,
              cross_validate: bool = True, progress: Callable[[str], None] | None = None,
              labels_dir: Path = LABELS_DIR, reviewed: list[Example] | None = None,
              reviewed_from: dict | None = None) -> Model:
    """The model fitted on our labels, the gold documents' observations and `reviewed`
    observations of a knowledge base (kb.reviews.review_examples; `reviewed_from` says where
    they came from, for the sidecar), its sidecar filled in (what it was trained on, the data's
    hash and, with `cross_validate`, its cross-validated scores)."""
    say = progress or (lambda message: None)
    config = config or Config()
    gold = evaluate.gold_examples(docs)
    reviewed = list(reviewed or [])
    cv = None
    if cross_validate and docs:
        say("cross-validating: one fold per gold document")
        # a review of a gold document's own file would score that document with its answer
        gold_files = {d.sha256 for d in docs if d.sha256}
        helpers = [e for e in reviewed if e.group.removeprefix("review:") not in gold_files]
        result = evaluate.cross_validate(docs, labels + helpers, config)
        measures = evaluate.measure(result.rows)
        cv = {"method": f"grouped by gold document, one fold for each of the {result.folds} documents; each "
                        "fold's model fitted on the own labels and the other documents' gold",
              "folds": result.folds, "measures": measures.summary(), "by_category": measures.by_category()}
    elif cross_validate:
        say(f"cross-validating: {LABEL_FOLDS} grouped folds over the own labels")
        measures = cross_validate_labels(labels_dir, config)
        cv = {"method": f"{LABEL_FOLDS} grouped folds over the own labels", "folds": LABEL_FOLDS,
              "measures": measures.summary(), "by_category": measures.by_category()}
    examples = labels + gold + reviewed
    say(f"fitting on {len(examples)} observations ({len(labels)} own labels, {len(gold)} gold, "
        f"{len(reviewed)} reviewed)")
    model = train(examples, config)
    model.sidecar |= {
        "trained_on": {
            "own_labels": {"count": len(labels), "files_sha256": _labels_sha256(labels_dir)},
            "gold": {"documents": sorted(d.name for d in docs), "observations": len(gold),
                     "read_with": engine()} if docs else None,
        },
        "training_data_sha256": examples_sha256(examples),
        "cross_validation": cv,
        "text_in_model": "none: word and character n-grams are hashed (HashingVectorizer) and kept only where "
                         "our own labels have them; only hashed column numbers and weights are stored",
    }
    if reviewed:
        model.sidecar["trained_on"]["reviewed"] = {"observations": len(reviewed)} | (reviewed_from or {})
    return model


def fit(labels_dir: Path = LABELS_DIR, gold_dir: Path | None = None, pdf_dir: Path | None = None,
        out: Path = MODEL_DIR, name: str = MODEL_NAME, cache_dir: Path | None = None, config: Config | None = None,
        progress: Callable[[str], None] | None = None, reviewed: list[Example] | None = None,
        reviewed_from: dict | None = None) -> Path:
    """Read our labels (and the gold with its PDFs, when given), fit, cross-validate and save
    the model with its sidecar into `out`; returns the sidecar's path. `reviewed` adds a
    knowledge base's reviewed observations (kb.reviews.review_examples)."""
    say = progress or (lambda message: None)
    labels = label_examples(labels_dir)
    say(f"{len(labels)} own labels from {labels_dir}")
    docs: list[evaluate.GoldDocument] = []
    if gold_dir is not None:
        if pdf_dir is None:
            raise ValueError("--gold needs --pdfs: the gold gives labels, the PDFs the text")
        docs = evaluate.read_gold(gold_dir, pdf_dir, cache_dir, on_document=lambda n: say(f"extracting {n}"))
    model = fit_model(labels, docs, config, progress=say, labels_dir=labels_dir, reviewed=reviewed,
                      reviewed_from=reviewed_from)
    return model.save(out, name)
