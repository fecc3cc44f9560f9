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
