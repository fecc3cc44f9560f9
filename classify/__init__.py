"""Classifying observations: the 21 CFR provision their citation paraphrases, their primary
category and every category they materially discuss (codes of classify/taxonomy.yml).

    from classify import classify_document
    classify_document(doc)   # fills each observation's cfr, cfr_score, cfr_method,
                             # primary_category, categories, category_scores, category_methods

The steps, for each observation:

1. citation -> provision (`citations.match_citation`): cfr, cfr_score, cfr_method
   ("explicit" when the text writes the provision out, "wording" from the library).
2. primary category: the provision's (`taxonomy.category_for_cfr`, method "cfr") when one
   matched and the taxonomy maps it; otherwise the model's primary head (method "model").
3. categories: the primary first, then every category the model's categories head finds at
   or above its threshold (method "model"), with its probability as the score.
4. uncertain: the model's calls a reviewer should look at first, kept or left out, whose
   probability falls near the threshold (REVIEW_BAND).
5. cues: the category cues (classify.rules) found in the cleaned text, what a reader checks a
   category against: `rules.cue_summary` writes them as "stoppers (3), crimped".

Without a model file (a checkout where `fda483 train` has not run), steps 2 and 3 fall back to
the category cues alone (method "rules"): the category with most cues in the lead statement,
and the categories whose cues run through the details.
"""
from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Sequence

from extract.records import Document, Observation

from . import model as model_module
from . import rules
from .citations import LIBRARY_PATH, CitationMatch, match_citations
from .taxonomy import TAXONOMY_PATH, category_for_cfr, codes

# Bumped when the code of classification changes what it produces for the same model, library,
# taxonomy and cues (those are hashed into Classifier.version by themselves).
# 2: observations carry their uncertain calls. 3: and the category cues found in them.
CLASSIFY_CODE_VERSION = 3

# The band, as factors of the model's threshold, in which a call of the category model is
# uncertain (0.2 to 0.6 at a threshold of 0.4). In the grouped cross-validation over the 23 gold
# documents 31 of the 108 calls in this band were wrong, against one in twenty-four of all
# calls, and they held a third of the errors; `fda483 evaluate` prints the figures afresh
# (evaluate.review_yield).
REVIEW_BAND = (0.5, 1.5)

# Where no citation was found, the provision is sought in the observation's opening only.
_OPENING_CHARS = 400


class CitationMemory:
    """Each distinct citation's match, remembered for the last `size` distinct citations used:
    most 483s repeat a few dozen standard citations word for word, and matching one is a
    third of the time of classifying an observation. Those not remembered are matched
    together (`citations.match_citations`)."""

    def __init__(self, size: int = 8192):
        self.size = size
        self._known: dict[str | None, CitationMatch | None] = {}

    def match(self, texts: Sequence[str | None]) -> list[CitationMatch | None]:
        known = self._known
        new = [t for t in dict.fromkeys(texts) if t not in known]
        if new:
            known.update(zip(new, match_citations(new)))
        out = []
        for text in texts:
            out.append(known.pop(text))  # put back last: the least recently used go first
            known[text] = out[-1]
        while len(known) > self.size:
            del known[next(iter(known))]
        return out

    def clear(self) -> None:
        self._known.clear()


# The process's memory of citations, shared by its classifiers.
citation_memory = CitationMemory()


# Rules-only fallback: a category is present where this share of the details' sentences
# carry its cues.
_RULES_SHARE = 0.3


@dataclass
class Classification:
    cfr: str | None
    cfr_score: float | None
    cfr_method: str | None
    primary_category: str | None
    categories: list[str] = field(default_factory=list)
    category_scores: dict[str, float] = field(default_factory=dict)
    category_methods: dict[str, str] = field(default_factory=dict)
    # (category, probability, kept): the model's calls in REVIEW_BAND, nearest the threshold first
    uncertain: list[tuple[str, float, bool]] = field(default_factory=list)
    # the category cues found in the observation: {category: {phrase: count}} (rules.cue_summary)
    cues: dict[str, dict[str, int]] = field(default_factory=dict)

    def apply(self, obs: Observation) -> Observation:
        obs.cfr, obs.cfr_score, obs.cfr_method = self.cfr, self.cfr_score, self.cfr_method
        obs.primary_category = self.primary_category
        obs.categories = list(self.categories)
        obs.category_scores = dict(self.category_scores)
        obs.category_methods = dict(self.category_methods)
        obs.uncertain_categories = list(self.uncertain)
        obs.category_cues = {c: dict(found) for c, found in self.cues.items()}
        return obs


def citation_of(obs: Observation) -> str | None:
    """What an observation's provision is matched on: its citation, else its opening."""
    if obs.citation:
        return obs.citation
    return (obs.text or "")[:_OPENING_CHARS] or None


class Classifier:
    """The whole classifier, built once: citation matching, the cue pipeline and the model.

    `model` is a fitted classify.model.Model; by default the project's shipped model, or none
    (rules only) when there is no model file. `remember_citations` matches each distinct
    citation wording once per process (`citation_memory`).
    """

    def __init__(self, model: model_module.Model | None = None, use_shipped: bool = True,
                 remember_citations: bool = True):
        if model is None and use_shipped:
            try:
                model = model_module.load()
            except model_module.ModelError as ex:
                warnings.warn(f"{ex}; classifying with the category cues alone", stacklevel=2)
        self.model = model
        self.memory = citation_memory if remember_citations else None
        self.codes = codes()
        # the cue features the rules-only path classifies with
        self._featurizer = None if model else model_module.Featurizer(model_module.Config())

    @cached_property
    def version(self) -> str:
        """What this classifier is, in 16 hex digits: a hash of its model's arrays (or "rules"
        without one), the citation library, the taxonomy, the category cues and
        CLASSIFY_CODE_VERSION. Stored with each document, so that a build reclassifies what an
        older classifier classified."""
        model_id = self.model.sidecar.get("arrays_sha256") if self.model else None
        if self.model and not model_id:  # a model fitted in this process, never saved
            model_id = hashlib.sha256(b"".join(a.tobytes() for a in (
                self.model.primary_coef, self.model.text_coef, self.model.cue_coef, self.model.prior))).hexdigest()
        cues = {code: phrases() for code, phrases in rules.PHRASES.items()} | {rules.NO_CUE: rules.no_cue()}
        h = hashlib.sha256()
        for part in (str(CLASSIFY_CODE_VERSION), model_id or "rules", LIBRARY_PATH.read_text(encoding="utf-8"),
                     TAXONOMY_PATH.read_text(encoding="utf-8"), json.dumps(cues, sort_keys=True)):
            h.update(part.encode("utf-8") + b"\0")
        return h.hexdigest()[:16]

    def classify(self, observations: Sequence[Observation], firm_name: str | None = None) -> list[Classification]:
        """Classify observations (one document's, or any) without changing them."""
        texts = [citation_of(o) for o in observations]
        matches = self.memory.match(texts) if self.memory else match_citations(texts)
        items = [
            model_module.Item(text=o.text or "", citation=o.citation, provision=m.provision if m else None,
                              firm_name=firm_name)
            for o, m in zip(observations, matches)
        ]
        if self.model is not None:
            predictions = self.model.predict(items)
            return [self._from_model(m, p) for m, p in zip(matches, predictions)]
        features = self._featurizer(items)
        return [self._from_rules(m, features.rules[row], features.cues[row]) for row, m in enumerate(matches)]

    def _provision(self, match: CitationMatch | None) -> tuple[str | None, str | None, float | None, str | None]:
        if match is None:
            return None, None, None, None
        return match.provision, category_for_cfr(match.provision), match.score, match.method

    def _from_model(self, match: CitationMatch | None, p: model_module.Prediction) -> Classification:
        result = self._classification(match, (p.primary, "model", p.primary_score), p.scores, self.model.threshold,
                                      "model", p.cues)
        result.uncertain = uncertain_calls(p.scores, self.model.threshold, result.primary_category)
        return result

    def _from_rules(self, match: CitationMatch | None, signals, cues: dict[str, dict[str, int]]) -> Classification:
        k = len(self.codes)
        lead, body, share = signals[:k], signals[k:2 * k], signals[2 * k:3 * k]
        best = max(range(k), key=lambda j: (lead[j], body[j]))
        shares = {c: float(share[j]) for j, c in enumerate(self.codes)}
        return self._classification(match, (self.codes[best], "rules", shares[self.codes[best]]), shares,
                                    _RULES_SHARE, "rules", cues)

    def _classification(self, match: CitationMatch | None, fallback: tuple[str, str, float],
                        scores: dict[str, float], threshold: float, method: str,
                        cues: dict[str, dict[str, int]]) -> Classification:
        """The provision's category as the primary where it has one, else `fallback` (category,
        method, score); then every other category scoring at least `threshold`, best first; with
        the cues found."""
        cfr, cfr_category, cfr_score, cfr_method = self._provision(match)
        primary, primary_method, primary_score = (cfr_category, "cfr", cfr_score) if cfr_category else fallback
        rest = sorted((c for c, s in scores.items() if s >= threshold and c != primary), key=lambda c: -scores[c])
        categories = [primary] + rest
        category_scores = {c: round(primary_score if c == primary else scores[c], 4) for c in categories}
        methods = {c: primary_method if c == primary else method for c in categories}
        return Classification(cfr, cfr_score, cfr_method, primary, categories, category_scores, methods, cues=cues)


def uncertain_calls(scores: dict[str, float], threshold: float, primary: str | None) -> list[tuple[str, float, bool]]:
    """The categories other than the primary whose probability lies in REVIEW_BAND around
    `threshold`, with whether they were kept, nearest the threshold first.

    >>> uncertain_calls({"equipment": 0.45, "cleaning": 0.95, "facilities": 0.3, "personnel": 0.05},
    ...                 0.4, "cleaning")
    [('equipment', 0.45, True), ('facilities', 0.3, False)]
    """
    low, high = (round(threshold * f, 6) for f in REVIEW_BAND)  # 0.4 * 1.5 is 0.6000000000000001
    calls = [(c, round(s, 4), s >= threshold) for c, s in scores.items() if c != primary and low <= s < high]
    return sorted(calls, key=lambda call: (round(abs(call[1] - threshold), 6), call[0]))


def observation_example(obs: Observation, firm_name: str | None, primary: str, categories: Sequence[str],
                        group: str, source: str) -> model_module.Example:
    """A training example of an extracted observation: its text and citation, the provision
    its citation matches (as when it is classified) and the given labels."""
    m = citation_memory.match([citation_of(obs)])[0]
    return model_module.Example(text=obs.text or "", citation=obs.citation, provision=m.provision if m else None,
                                firm_name=firm_name, primary=primary, categories=tuple(categories), group=group,
                                source=source)


@lru_cache(maxsize=1)
def default_classifier() -> Classifier:
    """The classifier with the shipped model, built once per process."""
    return Classifier()


def classify_observation(obs: Observation, firm_name: str | None = None) -> Observation:
    """Fill one observation's classification in place."""
    default_classifier().classify([obs], firm_name)[0].apply(obs)
    return obs


def classify_document(doc: Document, classifier: Classifier | None = None) -> Document:
    """Fill every observation's classification in place (the firm's name is cleaned out of
    the text the model reads)."""
    classifier = classifier or default_classifier()
    results = classifier.classify(doc.observations, doc.header.firm_name)
    for obs, result in zip(doc.observations, results):
        result.apply(obs)
    return doc


__all__ = ["Classifier", "Classification", "REVIEW_BAND", "classify_document", "classify_observation",
           "default_classifier", "observation_example", "rules", "uncertain_calls"]
