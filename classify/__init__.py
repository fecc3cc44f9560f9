"""Classifying observations: the 21 CFR provision their citation paraphrases, their primary
category and every category they materially discuss (codes of classify/taxonomy.yml)."""
from __future__ import annotations

from extract.records import Document, Observation

from .taxonomy import category_for_cfr


def classify_observation(obs: Observation) -> Observation:
    """Fill an observation's cfr, primary_category and categories in place."""
    if obs.cfr and not obs.primary_category:
        obs.primary_category = category_for_cfr(obs.cfr)
    if obs.primary_category and obs.primary_category not in obs.categories:
        obs.categories.insert(0, obs.primary_category)
    return obs


def classify_document(doc: Document) -> Document:
    for obs in doc.observations:
        classify_observation(obs)
    return doc
