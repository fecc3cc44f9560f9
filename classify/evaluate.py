"""Measuring the classifier against gold answer files, by cross-validation grouped by document.

    docs = read_gold(Path("../shared/data/483s/gold"), Path("../shared/data/483s/pdfs"))
    result = cross_validate(docs, label_examples())
    print(report(result))

Every PDF is extracted (the OCR cache makes a re-run quick) and its observations are aligned
to the gold by number. The documents are split into folds; for each fold a model is fitted on
our own labels and the gold of the other folds' documents, and the whole classifier (citation
matching, rules, that model) classifies the fold's observations. No observation is scored by
a model that saw its own document. The measures are the scorer's (../shared/tools/score.py):
CFR provision exact and by section over the gold observations that have one, primary category
accuracy, and per-category true/false positives and negatives, with micro-F1 over all and
macro-F1 over the categories the gold uses.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from sklearn.model_selection import GroupKFold

import extract
from extract.records import Observation

from . import Classification, Classifier, observation_example
from .model import Config, Example, Featurizer, subset, train
from .taxonomy import codes, norm_cfr


@dataclass
class GoldDocument:
    name: str  # the PDF's stem
    firm_name: str | None
    gold: list[dict]  # the gold observations
    extracted: dict[int, Observation] = field(default_factory=dict)  # by number
    error: str | None = None
    sha256: str | None = None  # the PDF's


def read_gold(gold_dir: Path, pdf_dir: Path, cache_dir: Path | None = None,
              on_document: Callable[[str], None] | None = None) -> list[GoldDocument]:
    """Each gold file with its PDF extracted and observations aligned by number. A PDF that
    cannot be read is kept, with its error: its observations count as missed."""
    docs = []
    files = sorted(Path(gold_dir).glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no gold files in {gold_dir}")
    for path in files:
        gold = json.loads(path.read_text(encoding="utf-8"))
        pdf = Path(pdf_dir) / f"{path.stem}.pdf"
        if on_document:
            on_document(path.stem)
        doc = GoldDocument(path.stem, gold.get("firm_name"), gold.get("observations") or [])
        try:
            extracted = extract.extract_document(pdf, cache_dir=cache_dir)
        except (extract.ExtractError, OSError) as ex:
            doc.error = str(ex)
        else:
            doc.firm_name = extracted.header.firm_name or doc.firm_name
            doc.sha256 = extracted.sha256
            for obs in extracted.observations:
                doc.extracted.setdefault(obs.number, obs)
        docs.append(doc)
    return docs


def gold_examples(docs: Sequence[GoldDocument]) -> list[Example]:
    """Training examples from the gold: extracted text, gold labels (aligned observations only)."""
    out = []
    for doc in docs:
        for g in doc.gold:
            obs = doc.extracted.get(g.get("number"))
            if obs is None or not g.get("primary_category"):
                continue
            out.append(observation_example(obs, doc.firm_name, g["primary_category"], g.get("categories") or (),
                                           f"gold:{doc.name}", "gold"))
    return out


@dataclass
class Scored:
    document: str
    gold: dict
    result: Classification | None  # None: the observation was not extracted


@dataclass
class Result:
    rows: list[Scored]
    folds: int


def cross_validate(docs: Sequence[GoldDocument], labels: Sequence[Example], config: Config | None = None,
                   folds: int | None = None, on_fold: Callable[[int, int], None] | None = None) -> Result:
    """Grouped cross-validation by document: `folds` folds (default: one per document). Each
    fold's model is fitted on `labels` and the other folds' gold; the whole classifier then
    classifies the held-out documents."""
    config = config or Config()
    gold = gold_examples(docs)
    examples = list(labels) + gold
    features = Featurizer(config)(examples)
    names = [d.name for d in docs]
    n_folds = min(folds or len(names), len(names))
    splitter = GroupKFold(n_splits=n_folds)
    rows: list[Scored] = []
    example_doc = [e.group[len("gold:"):] if e.source == "gold" else None for e in examples]
    for fold, (_, test_idx) in enumerate(splitter.split(np.zeros(len(names)), groups=names)):
        if on_fold:
            on_fold(fold + 1, n_folds)
        held_out = {names[i] for i in test_idx}
        train_rows = [i for i, d in enumerate(example_doc) if d not in held_out]
        model = train([examples[i] for i in train_rows], config, features=subset(features, train_rows))
        classifier = Classifier(model)
        for i in test_idx:
            doc = docs[i]
            numbers = [g.get("number") for g in doc.gold]
            present = [doc.extracted[n] for n in numbers if n in doc.extracted]
            results = dict(zip([o.number for o in present], classifier.classify(present, doc.firm_name)))
            rows += [Scored(doc.name, g, results.get(g.get("number"))) for g in doc.gold]
    order = {n: i for i, n in enumerate(names)}
    rows.sort(key=lambda r: (order[r.document], r.gold.get("number") or 0))
    return Result(rows, n_folds)


# --- measures ---------------------------------------------------------------------------------


def _norm_cfr(c: str | None) -> str:
    return norm_cfr(str(c)) if c else ""


@dataclass
class Measures:
    cfr_exact: float | None
    cfr_section: float | None
    cfr_n: int
    primary: float | None
    primary_n: int
    micro_f1: float
    macro_f1: float
    per_category: dict[str, tuple[int, int, int]]  # tp, fp, fn
    confusion: Counter  # (gold primary, predicted primary) -> count

    def summary(self) -> dict:
        return {
            "cfr_exact": _round(self.cfr_exact), "cfr_section": _round(self.cfr_section),
            "primary_category": _round(self.primary), "categories_micro_f1": _round(self.micro_f1),
            "categories_macro_f1": _round(self.macro_f1),
        }

    def by_category(self) -> dict[str, dict]:
        """Per category its counts and rates, in taxonomy order: {code: {"tp", "fp", "fn",
        "precision", "recall", "f1"}}; a rate with nothing to count (no calls, or no category
        in the answers) is None."""
        out = {}
        for c, (tp, fp, fn) in self.per_category.items():
            out[c] = {"tp": tp, "fp": fp, "fn": fn,
                      "precision": _round(tp / (tp + fp)) if tp + fp else None,
                      "recall": _round(tp / (tp + fn)) if tp + fn else None,
                      "f1": _round(f1(tp, fp, fn)) if tp + fp + fn else None}
        return out


def _round(x):
    return None if x is None else round(x, 4)


def f1(tp: int, fp: int, fn: int) -> float:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def measure(rows: Sequence[Scored]) -> Measures:
    """The scorer's measures over scored rows (a missed observation is wrong everywhere)."""
    cfr_hits = cfr_sec = cfr_n = 0
    prim_hits = prim_n = 0
    cats: dict[str, list[int]] = {}
    confusion: Counter = Counter()
    for r in rows:
        g, p = r.gold, r.result
        if g.get("cfr"):
            cfr_n += 1
            got = _norm_cfr(p.cfr if p else None)
            cfr_hits += got == _norm_cfr(g["cfr"])
            cfr_sec += got.split("(")[0] == _norm_cfr(g["cfr"]).split("(")[0]
        if g.get("primary_category"):
            prim_n += 1
            predicted = p.primary_category if p else None
            prim_hits += predicted == g["primary_category"]
            confusion[(g["primary_category"], predicted)] += 1
        gc, pc = set(g.get("categories") or []), set(p.categories if p else [])
        for c in gc | pc:
            row = cats.setdefault(c, [0, 0, 0])
            row[0 if c in gc and c in pc else 1 if c in pc else 2] += 1
    tp, fp, fn = (sum(v[i] for v in cats.values()) for i in range(3))
    present = [c for c, v in cats.items() if v[0] + v[2] > 0]
    return Measures(
        cfr_exact=cfr_hits / cfr_n if cfr_n else None,
        cfr_section=cfr_sec / cfr_n if cfr_n else None,
        cfr_n=cfr_n,
        primary=prim_hits / prim_n if prim_n else None,
        primary_n=prim_n,
        micro_f1=f1(tp, fp, fn),
        macro_f1=sum(f1(*cats[c]) for c in present) / len(present) if present else 0.0,
        per_category={c: tuple(cats[c]) for c in sorted(cats, key=lambda c: codes().index(c) if c in codes() else 99)},
        confusion=confusion,
    )


@dataclass
class ReviewYield:
    """What the classifier's uncertain calls (classify.uncertain_calls) hold: how many there
    are, how many of them are wrong, and the micro-F1 once a reviewer has set each one right."""

    calls: int
    observations: int  # observations with at least one uncertain call
    wrong: int  # uncertain calls the classifier got wrong
    errors: int  # category errors (false positives and negatives) over all calls
    micro_f1_after: float

    def summary(self) -> dict:
        return {"uncertain_calls": self.calls, "uncertain_observations": self.observations,
                "uncertain_wrong": self.wrong, "category_errors": self.errors,
                "micro_f1_after_review": _round(self.micro_f1_after)}


def review_yield(rows: Sequence[Scored]) -> ReviewYield:
    """The uncertain calls of scored rows, judged against the gold."""
    calls = observations = wrong = errors = 0
    tp = fp = fn = 0
    for r in rows:
        gold = set(r.gold.get("categories") or [])
        predicted = set(r.result.categories) if r.result else set()
        errors += len(gold ^ predicted)
        uncertain = r.result.uncertain if r.result else []
        calls += len(uncertain)
        observations += bool(uncertain)
        for code, _, kept in uncertain:
            wrong += kept != (code in gold)
            (predicted.add if code in gold else predicted.discard)(code)
        tp, fp, fn = tp + len(gold & predicted), fp + len(predicted - gold), fn + len(gold - predicted)
    return ReviewYield(calls, observations, wrong, errors, f1(tp, fp, fn))


# The measures that get an interval, as Measures.summary() names them.
INTERVAL_MEASURES = ("primary_category", "categories_micro_f1", "categories_macro_f1")


def document_intervals(rows: Sequence[Scored], resamples: int = 1000,
                       seed: int = 0) -> dict[str, tuple[float, float]]:
    """95% percentile bootstrap intervals of the headline measures, resampling documents with
    replacement: a document's observations share a firm, an investigator and an annotator, so
    the document, not the observation, is the unit that varies. With 23 documents the
    measures move by a few points from one sample to another, and the interval says how
    many. Seeded, so the same rows give the same interval."""
    by_doc: dict[str, list[Scored]] = {}
    for r in rows:
        by_doc.setdefault(r.document, []).append(r)
    names = sorted(by_doc)
    if not names or resamples <= 0:
        return {}
    rng = np.random.default_rng(seed)
    values: dict[str, list[float]] = {k: [] for k in INTERVAL_MEASURES}
    for _ in range(resamples):
        picked = rng.integers(0, len(names), len(names))
        summary = measure([r for i in picked for r in by_doc[names[i]]]).summary()
        for k in INTERVAL_MEASURES:
            if summary[k] is not None:
                values[k].append(summary[k])
    return {k: (round(float(np.percentile(v, 2.5)), 4), round(float(np.percentile(v, 97.5)), 4))
            for k, v in values.items() if v}


def report(m: Measures, intervals: dict[str, tuple[float, float]] | None = None,
           reviews: ReviewYield | None = None) -> str:
    """The per-category table, the headline measures (with their intervals over documents,
    when given), what the uncertain calls hold (when given) and the primary-category confusion
    table."""
    intervals = intervals or {}

    def between(name: str) -> str:
        if name not in intervals:
            return ""
        lo, hi = intervals[name]
        return f"  (95% interval over documents {lo:.3f}-{hi:.3f})"

    lines = [f"{'category':26s} {'tp':>4s} {'fp':>4s} {'fn':>4s} {'precision':>9s} {'recall':>7s} {'f1':>6s}"]
    for c, (tp, fp, fn) in m.per_category.items():
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        lines.append(f"{c:26s} {tp:4d} {fp:4d} {fn:4d} {p:9.3f} {r:7.3f} {f1(tp, fp, fn):6.3f}")
    lines.append("")
    lines.append(f"{'CFR provision, exact':32s} {_fmt(m.cfr_exact)}  (n={m.cfr_n})")
    lines.append(f"{'CFR provision, section':32s} {_fmt(m.cfr_section)}")
    lines.append(f"{'primary category':32s} {_fmt(m.primary)}  (n={m.primary_n}){between('primary_category')}")
    lines.append(f"{'categories, micro-F1':32s} {m.micro_f1:.3f}{between('categories_micro_f1')}")
    lines.append(f"{'categories, macro-F1':32s} {m.macro_f1:.3f}{between('categories_macro_f1')}")
    if reviews is not None:
        share = f" ({reviews.wrong / reviews.calls:.0%})" if reviews.calls else ""
        lines.append(f"uncertain calls (the review queue): {reviews.calls} on {reviews.observations} observations, "
                     f"{reviews.wrong} of them wrong{share}, of {reviews.errors} category errors in all; "
                     f"micro-F1 once they are reviewed: {reviews.micro_f1_after:.3f}")
    lines.append("")
    lines.append("primary category confusion (rows: gold, columns: predicted; only categories that occur)")
    used = [c for c in codes() if any(c in k for k in m.confusion)]
    missing = any(k[1] is None for k in m.confusion)
    short = {c: c[:6] for c in used}
    header = f"{'':26s}" + "".join(f"{short[c]:>7s}" for c in used) + ("   none" if missing else "")
    lines.append(header)
    for g in used:
        if not any(k[0] == g for k in m.confusion):
            continue
        cells = "".join(f"{m.confusion.get((g, c), 0) or '.':>7}" for c in used)
        if missing:
            cells += f"{m.confusion.get((g, None), 0) or '.':>7}"
        lines.append(f"{g:26s}{cells}")
    return "\n".join(lines)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"
