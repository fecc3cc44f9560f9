"""Where the shared data lives (../shared beside the project), for the registry's tests.

A plain module rather than a conftest.py, so that it cannot collide with other packages' test
set-up.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

SHARED = Path(__file__).parents[1] / ".." / "shared"
GOLD = SHARED / "data" / "483s" / "gold"
DASHBOARD = SHARED / "data" / "fda-dashboard"


def need(path: Path) -> Path:
    """`path`, or skip the test when the shared data is not beside the project."""
    if not path.exists():
        pytest.skip(f"shared data not found: {path} (expected ../shared beside the project)")
    return path


_PROVENANCE_ENTRY = re.compile(
    r"^\d+\.\s+(\S+)\s+\(([\d,]+) bytes(?:; ([\d,]+) (?:rows|records))?", re.MULTILINE)


def provenance() -> dict[str, int | None]:
    """File name -> row count, as PROVENANCE.txt states them (None for the aggregates)."""
    text = need(DASHBOARD / "PROVENANCE.txt").read_text(encoding="utf-8")
    return {m.group(1): int(m.group(3).replace(",", "")) if m.group(3) else None
            for m in _PROVENANCE_ENTRY.finditer(text)}


def gold_files() -> list[dict]:
    """Every gold answer file of the real 483s."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(need(GOLD).glob("*.json"))]


@lru_cache(maxsize=1)
def project_registry():
    from kb.registry import load_registry

    return load_registry()


def shingles(text: str, n: int = 8) -> set[str]:
    """Every run of n words of a text, lower-cased: what "copied" is measured by."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


def stored_cues(db_path) -> tuple[int, int, list[tuple[str, str]]]:
    """The cues stored beside a built database's categories and uncertain calls, checked against
    the observations' text: (calls, calls with cues, (category, phrase) found nowhere in the text)."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "select o.text, x.category, x.cues from (select observation_id, category, cues from observation_categories "
            "union all select observation_id, category, cues from uncertain_categories) x "
            "join observations o on o.id = x.observation_id").fetchall()
    finally:
        conn.close()
    from classify.rules import cue_phrases

    missing = []
    for text, category, cues in rows:
        words = " ".join((text or "").lower().split())
        missing += [(category, phrase) for phrase in cue_phrases(cues) if phrase not in words]
    return len(rows), sum(1 for r in rows if r[2]), missing
