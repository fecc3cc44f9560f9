"""The project's own labelled observations, `data/labels/observations/*.yml`.

Written in our own words (none is taken from a real 483): realistic observations with the
citation, the provision it paraphrases (null for wording that cites none, such as compounding
"insanitary conditions" findings), the primary category and the other categories present.

    - id: asep-001
      citation: Procedures designed to prevent microbiological contamination of drug products
        purporting to be sterile are not established and followed.
      cfr: 211.113(b)
      primary: aseptic_processing
      also: [environmental_monitoring]
      text: Specifically, ...

`primary` may be left out where `cfr` maps to a category (taxonomy.category_for_cfr).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .citations import match_citation
from .model import Example
from .taxonomy import category_for_cfr, codes

LABELS_DIR = Path(__file__).resolve().parents[1] / "data" / "labels" / "observations"


@dataclass(frozen=True)
class Label:
    id: str
    citation: str
    cfr: str | None
    primary: str
    also: tuple[str, ...]
    text: str  # the details after the citation
    file: str

    @property
    def categories(self) -> tuple[str, ...]:
        return (self.primary,) + tuple(c for c in self.also if c != self.primary)

    @property
    def full_text(self) -> str:
        return f"{self.citation} {self.text}".strip()


class LabelError(ValueError):
    pass


def read_labels(directory: Path = LABELS_DIR) -> list[Label]:
    """Every label under `directory`, checked: known codes, a primary, unique ids."""
    known = set(codes())
    out: list[Label] = []
    seen: set[str] = set()
    files = sorted(Path(directory).glob("*.yml"))
    if not files:
        raise LabelError(f"no label files in {directory}")
    for path in files:
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            where = f"{path.name}: {entry.get('id')}"
            cfr = entry.get("cfr")
            if isinstance(cfr, (int, float)):  # YAML reads 211.150 as the number 211.15
                raise LabelError(f"{where}: cfr {cfr!r} must be quoted")
            primary = entry.get("primary") or category_for_cfr(cfr)
            if not primary:
                raise LabelError(f"{where}: no primary category and none from cfr {cfr!r}")
            also = tuple(entry.get("also") or ())
            unknown = ({primary} | set(also)) - known
            if unknown:
                raise LabelError(f"{where}: unknown categories {sorted(unknown)}")
            if entry["id"] in seen:
                raise LabelError(f"{where}: id used twice")
            seen.add(entry["id"])
            text = " ".join(str(entry.get("text") or "").split())
            citation = " ".join(str(entry["citation"]).split())
            out.append(Label(entry["id"], citation, cfr, primary, also, text, path.name))
    return out


def label_examples(directory: Path = LABELS_DIR) -> list[Example]:
    """The labels as training examples; the provision is what the citation matcher finds,
    as it will be for a new observation."""
    out = []
    for label in read_labels(directory):
        m = match_citation(label.citation)
        out.append(Example(text=label.full_text, citation=label.citation, provision=m.provision if m else None,
                           primary=label.primary, categories=label.categories, group=f"label:{label.id}",
                           source="labels"))
    return out
