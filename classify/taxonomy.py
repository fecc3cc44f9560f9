"""The observation categories: one source of truth, `classify/taxonomy.yml`.

Its codes are those of ../shared/taxonomy.yml (a test holds them equal). Everything that names
a category (the categories table, the rules, the model, the CFR-to-category map) reads it here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

TAXONOMY_PATH = Path(__file__).with_name("taxonomy.yml")


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    system: str | None
    description: str
    cfr: tuple[str, ...]
    cues: tuple[str, ...]


@lru_cache(maxsize=1)
def categories() -> tuple[Category, ...]:
    data = yaml.safe_load(TAXONOMY_PATH.read_text(encoding="utf-8"))
    return tuple(
        Category(
            code=c["code"],
            name=c["name"],
            system=c.get("system"),
            description=c["description"].strip(),
            cfr=tuple(c.get("cfr") or ()),
            cues=tuple(c.get("cues") or ()),
        )
        for c in data["categories"]
    )


def codes() -> list[str]:
    return [c.code for c in categories()]


def by_code() -> dict[str, Category]:
    return {c.code: c for c in categories()}


def norm_cfr(provision: str) -> str:
    """A CFR provision written one way: "21 CFR § 211.192" -> "211.192"."""
    p = provision.lower().replace("§", "").replace("21 cfr", "").replace("cfr", "")
    return re.sub(r"\s+", "", p)


@lru_cache(maxsize=4096)
def category_for_cfr(provision: str | None) -> str | None:
    """The primary category a CFR provision implies: the longest listed prefix wins.

    >>> category_for_cfr("211.180(e)(2)")
    'quality_unit'
    >>> category_for_cfr("211.180(a)")
    'data_integrity'
    """
    if not provision:
        return None
    p = norm_cfr(provision)
    best, best_len = None, -1
    for cat in categories():
        for prefix in cat.cfr:
            q = norm_cfr(prefix)
            if (p == q or p.startswith(q + "(") or p.startswith(q + ".")) and len(q) > best_len:
                best, best_len = cat.code, len(q)
    if best is None and not p.startswith("211."):
        return "other"
    return best
