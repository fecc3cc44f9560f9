"""Score the firm-name linker (kb.names.match_company) on the labelled pairs.

    python benchmarks/linking.py [--labels data/labels/company_links.csv] [--registry data/companies.yml]

Each label is a firm name as printed, its country, and the registry company it is (empty: no
company of the registry). Precision is the share of the linker's answers that are right;
recall the share of labelled companies it finds. The targets (precision >= 0.98 at recall
>= 0.9) are asserted by tests/test_names.py.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.names import match_company  # noqa: E402
from kb.registry import Registry, load_registry  # noqa: E402

LABELS = ROOT / "data" / "labels" / "company_links.csv"
PRECISION_TARGET = 0.98
RECALL_TARGET = 0.90


@dataclass
class Score:
    labels: int = 0
    expected: int = 0  # labels naming a company
    answered: int = 0  # labels the linker gave a company for
    correct: int = 0  # answers equal to the label
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.answered if self.answered else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0


def read_labels(path: Path = LABELS) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for n, row in enumerate(rows, start=2):
        if not row.get("firm_name", "").strip():
            raise ValueError(f"{path}: row {n}: empty firm_name")
    return rows


def score(labels: list[dict[str, str]], registry: Registry) -> Score:
    """Run match_company on every label and count the agreements."""
    s = Score()
    for row in labels:
        expected = row["expected_company_id"].strip() or None
        match = match_company(row["firm_name"], row["country"].strip() or None, registry)
        got = match.company_id if match else None
        s.labels += 1
        s.expected += expected is not None
        s.answered += got is not None
        s.correct += got is not None and got == expected
        if got != expected:
            how = f" ({match.method} {match.score} on {match.matched!r})" if match else ""
            s.errors.append(f"{row['firm_name']!r} [{row['country']}] -> {got}{how}, "
                            f"expected {expected} ({row['case']})")
    return s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--registry", type=Path, default=None)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    registry = load_registry(args.registry) if args.registry else load_registry()
    print(f"registry loaded in {time.perf_counter() - start:.3f} s")
    s = score(read_labels(args.labels), registry)
    print(f"labels: {s.labels} ({s.expected} name a company, {s.labels - s.expected} none)")
    print(f"precision: {s.precision:.3f} ({s.correct}/{s.answered})  target >= {PRECISION_TARGET}")
    print(f"recall:    {s.recall:.3f} ({s.correct}/{s.expected})  target >= {RECALL_TARGET}")
    for e in s.errors:
        print(f"  miss: {e}")
    met = s.precision >= PRECISION_TARGET and s.recall >= RECALL_TARGET
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
