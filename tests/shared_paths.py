"""Where the shared data lives (../shared beside the project), for the registry's tests.

A plain module rather than a conftest.py, so that it cannot collide with other packages' test
set-up.
"""
from __future__ import annotations

import json
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


def gold_files() -> list[dict]:
    """Every gold answer file of the real 483s."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(need(GOLD).glob("*.json"))]


@lru_cache(maxsize=1)
def project_registry():
    from kb.registry import load_registry

    return load_registry()
