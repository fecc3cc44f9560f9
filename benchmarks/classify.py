#!/usr/bin/env python3
"""Classification speed: observations classified per second on one core, model loaded once.

    python benchmarks/classify.py [PDF_DIR] [--repeat 10]

The observations are those of the real 483s in PDF_DIR (default ../shared/data/483s/pdfs;
extracted first, not timed), or, without them, those of the bundled samples and our own
labels. They are classified document by document as `classify_document` does, with the
shipped model loaded once. The classifier remembers the provision of each distinct citation
wording; that memory is emptied before every timed run, so only wordings repeated across the
corpus's own observations profit from it (the rate without it is printed too). The
featurizer remembers each word's hashed character n-grams and each token's words, as spaCy's
vocabulary remembers its words: the rate with those emptied before every run, as in a fresh
process, is printed too. Prints the
rate for the whole classifier and for its stages: citation matching, features (text
cleaning, the spaCy cue pipeline, hashing) and the model's heads; then, over the same texts
in the same run, the raw tools every spaCy and scikit-learn classifier runs at the least
(spaCy's blank tokenizer, scikit-learn's word hashing), so that a slow machine can be told
from a slow classifier.

Target: at least 1,000 observations/s. BLAS and OpenMP are held to one thread, and timings
are the best of --repeat runs, because these machines are shared and noisy.
"""
from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import classify  # noqa: E402
from classify import Classifier, citation_of  # noqa: E402
from classify import model as model_module  # noqa: E402
from classify.citations import match_citations  # noqa: E402
from extract.records import Observation  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "data" / "483s" / "pdfs"
TARGET = 1000.0


def real_documents(pdf_dir: Path) -> list[tuple[str | None, list[Observation]]]:
    import extract
    from extract.pdf import default_cache_dir

    docs = []
    for pdf in sorted(pdf_dir.glob("*.pdf")):
        doc = extract.extract_document(pdf, cache_dir=default_cache_dir())
        docs.append((doc.header.firm_name, doc.observations))
    return docs


def own_documents() -> list[tuple[str | None, list[Observation]]]:
    import extract
    from classify.labels import read_labels

    docs = []
    for pdf in sorted((ROOT / "data" / "samples").glob("*.pdf")):
        doc = extract.extract_document(pdf)
        docs.append((doc.header.firm_name, doc.observations))
    labels = read_labels()
    docs.append((None, [Observation(number=i, page_start=1, page_end=1, text=lab.full_text, citation=lab.citation)
                        for i, lab in enumerate(labels, 1)]))
    return docs


def best(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pdf_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--repeat", type=int, default=10)
    a = ap.parse_args(argv)

    if a.pdf_dir.is_dir() and any(a.pdf_dir.glob("*.pdf")):
        source, docs = f"the real 483s in {a.pdf_dir}", real_documents(a.pdf_dir)
    else:
        source, docs = "the bundled samples and our own labels", own_documents()
    observations = [o for _, obs in docs for o in obs]
    n = len(observations)
    chars = sum(len(o.text or "") for o in observations)

    t = time.perf_counter()
    classifier = Classifier()
    load_seconds = time.perf_counter() - t
    if classifier.model is None:
        print("no model file: run `fda483 train` first")
        return 1
    classifier.classify(observations[:50])  # warm-up: spaCy's vocabulary, lazy imports

    def whole():
        classify.citation_memory.clear()
        for firm, obs in docs:
            classifier.classify(obs, firm)

    forgetful = Classifier(classifier.model, remember_citations=False)
    featurizer = classifier.model.featurizer

    def whole_cold():
        # as a fresh process would: no citation memory, and the featurizer's memory of each
        # word's hashed n-grams and each token's words emptied too (spaCy's vocabulary stays)
        classify.citation_memory.clear()
        featurizer.forget_words()
        for firm, obs in docs:
            classifier.classify(obs, firm)

    def whole_uncached():
        for firm, obs in docs:
            forgetful.classify(obs, firm)

    def citations():  # each document's together, as the classifier matches them
        for _, obs in docs:
            match_citations([citation_of(o) for o in obs])

    items = [model_module.Item(text=o.text or "", citation=o.citation, provision=None, firm_name=firm)
             for firm, obs in docs for o in obs]
    model = classifier.model

    def features():
        model.featurizer(items)

    f = model.featurizer(items)

    def heads():
        model.predict_features(f)

    # The raw tools under it, over the same texts in the same run, to tell a slow machine from
    # a slow classifier: spaCy's blank English tokenizer, and scikit-learn's HashingVectorizer
    # of the words (what any spaCy and scikit-learn text classifier does at the least).
    import spacy
    from sklearn.feature_extraction.text import HashingVectorizer

    texts = [o.text or "" for o in observations]
    tokenizer = spacy.blank("en").tokenizer
    hashing = HashingVectorizer(n_features=2**18, alternate_sign=False)

    def raw_tokenizer():
        for _ in tokenizer.pipe(texts):
            pass

    def raw_hashing():
        hashing.transform(texts)

    t_whole = best(a.repeat, whole)
    t_uncached = best(max(1, a.repeat // 2), whole_uncached)
    t_cold = best(max(1, a.repeat // 2), whole_cold)
    t_cit, t_feat, t_heads = (best(a.repeat, fn) for fn in (citations, features, heads))
    rate = n / t_whole
    print(f"Classification on one core: {n} observations from {source},")
    print(f"{chars / n:.0f} characters each on average; model loaded once in {load_seconds:.2f} s; best of {a.repeat}.")
    print(f"   {'whole classifier':34s} {t_whole:7.3f} s  {rate:9.0f} observations/s  {chars / t_whole / 1e6:6.2f} MB/s")
    print(f"   {'  without the citation memory':34s} {t_uncached:7.3f} s  {n / t_uncached:9.0f} observations/s")
    print(f"   {'  and without the word memories':34s} {t_cold:7.3f} s  {n / t_cold:9.0f} observations/s")
    for name, secs in [("citation matching", t_cit), ("features (clean, spaCy cues, hashing)", t_feat),
                       ("model heads", t_heads)]:
        print(f"   {name:34s} {secs:7.3f} s  {n / secs:9.0f} observations/s")
    t_tok, t_hash = best(a.repeat, raw_tokenizer), best(a.repeat, raw_hashing)
    print("The raw tools over the same texts, this run:")
    for name, secs in [("spaCy blank tokenizer alone", t_tok), ("scikit-learn word hashing alone", t_hash),
                       ("the two together", t_tok + t_hash)]:
        print(f"   {name:34s} {secs:7.3f} s  {n / secs:9.0f} observations/s")
    print(f"the whole classifier takes {t_whole / (t_tok + t_hash):.2f}x the time of the two raw tools together")
    print(f"target >= {TARGET:.0f} observations/s: {'met' if rate >= TARGET else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
