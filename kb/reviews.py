"""Reviews: the categories a person has settled for an observation, kept in `data/reviews.csv`.

The model is wrong about some observations (`fda483 evaluate` says how often). A reviewer who
reads one and disagrees records the primary category and the categories it should have:

    file_name,sha256,observation,primary_category,categories,reviewer,reviewed_on,note
    Acme_2024.pdf,5f1c...(64 hex),3,investigations,investigations environmental_monitoring,J. Ortiz,2026-11-23,EM excursion

A review is keyed by the PDF's sha256 and the observation's number, so it follows the file
wherever it is built from and stops applying when the file changes (a new version of the 483
may number its observations differently); such a review is reported, never dropped. The file
is the source of truth: a build overlays every review on what the classifier says (method
"review"), keeps the classifier's own answer beside it (`model_primary_category`,
`model_categories`), and reclassifies a document from its stored text when its reviews change,
as when the classifier does. `fda483 review` writes the file and applies it at once.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable

from sqlite_utils import Database

from classify.taxonomy import codes
from extract.records import Observation

REVIEWS_PATH = Path(__file__).resolve().parents[1] / "data" / "reviews.csv"
FIELDS = ["file_name", "sha256", "observation", "primary_category", "categories", "reviewer", "reviewed_on", "note"]
METHOD = "review"

_SHA256 = re.compile(r"[0-9a-f]{64}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SEPARATORS = re.compile(r"[\s,;]+")


class ReviewError(ValueError):
    """A reviews file that cannot be used as it is; the message names the file and line."""


@dataclass(frozen=True)
class Review:
    sha256: str
    observation: int
    primary_category: str
    categories: tuple[str, ...]  # the primary first
    reviewer: str
    reviewed_on: str | None = None
    note: str | None = None
    file_name: str | None = None  # for people reading the file; the sha256 is the key
    line: int = 0  # where it is in the file (0: not read from one)

    @property
    def key(self) -> tuple[str, int]:
        return self.sha256, self.observation

    def row(self) -> dict:
        return {"file_name": self.file_name or "", "sha256": self.sha256, "observation": self.observation,
                "primary_category": self.primary_category, "categories": " ".join(self.categories),
                "reviewer": self.reviewer, "reviewed_on": self.reviewed_on or "", "note": self.note or ""}


def make_review(sha256: str, observation: int, primary: str, categories: Iterable[str], reviewer: str,
                reviewed_on: str | None = None, note: str | None = None, file_name: str | None = None,
                line: int = 0, where: str = "review") -> Review:
    """A checked Review: known category codes, the primary among the categories (put first,
    added if missing), a sha256 of 64 hex digits, a positive observation number, a reviewer,
    an ISO date. Raises ReviewError naming `where`."""
    known = set(codes())
    sha256 = (sha256 or "").strip().lower()
    if not _SHA256.fullmatch(sha256):
        raise ReviewError(f"{where}: sha256 must be the PDF's 64 hex digits, not {sha256!r}")
    if observation < 1:
        raise ReviewError(f"{where}: observation must be a number from 1, not {observation}")
    primary = (primary or "").strip()
    if not primary:
        raise ReviewError(f"{where}: primary_category is missing")
    cats = [c for c in categories if c]
    unknown = sorted({c for c in [primary, *cats] if c not in known})
    if unknown:
        raise ReviewError(f"{where}: not categories of classify/taxonomy.yml: {', '.join(unknown)}")
    if not (reviewer or "").strip():
        raise ReviewError(f"{where}: reviewer is missing (who decided this matters to whoever reads it next)")
    if reviewed_on and not _DATE.fullmatch(reviewed_on):
        raise ReviewError(f"{where}: reviewed_on must be a date as 2026-11-23, not {reviewed_on!r}")
    ordered = tuple(dict.fromkeys([primary, *cats]))
    return Review(sha256, observation, primary, ordered, reviewer.strip(), reviewed_on or None,
                  (note or "").strip() or None, (file_name or "").strip() or None, line)


def load_reviews(path: Path = REVIEWS_PATH) -> dict[tuple[str, int], Review]:
    """The reviews of a file, by (sha256, observation); none when the file does not exist."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as ex:
        raise ReviewError(f"{path}: cannot read: {ex}") from ex
    reader = csv.DictReader(io.StringIO(text))
    missing = [f for f in ("sha256", "observation", "primary_category", "categories", "reviewer")
               if f not in (reader.fieldnames or [])]
    if missing:
        raise ReviewError(f"{path}: line 1: missing column(s) {', '.join(missing)} (expected {','.join(FIELDS)})")
    out: dict[tuple[str, int], Review] = {}
    for row in reader:
        line = reader.line_num
        where = f"{path}: line {line}"
        number = (row.get("observation") or "").strip()
        if not number.isdigit():
            raise ReviewError(f"{where}: observation must be a number, not {number!r}")
        review = make_review(row.get("sha256") or "", int(number), row.get("primary_category") or "",
                             _SEPARATORS.split((row.get("categories") or "").strip()), row.get("reviewer") or "",
                             (row.get("reviewed_on") or "").strip() or None, row.get("note"), row.get("file_name"),
                             line, where)
        if review.key in out:
            raise ReviewError(f"{where}: observation {review.observation} of {review.sha256[:12]} is already "
                              f"reviewed on line {out[review.key].line}")
        out[review.key] = review
    return out


def write_reviews(reviews: Iterable[Review], path: Path = REVIEWS_PATH) -> None:
    """Write the reviews, sorted by file name, sha256 and number (a stable file to diff and
    merge), through a temporary file, so that an interrupted write leaves the old file."""
    path = Path(path)
    rows = sorted(reviews, key=lambda r: (r.file_name or "", r.sha256, r.observation))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow(r.row())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(tmp, path)


def today() -> str:
    return date.today().isoformat()


def by_file(reviews: dict[tuple[str, int], Review]) -> dict[str, dict[int, Review]]:
    """The reviews by the PDF's sha256, then by observation number."""
    out: dict[str, dict[int, Review]] = {}
    for (sha, number), r in reviews.items():
        out.setdefault(sha, {})[number] = r
    return out


def version(classifier_version: str, reviews: dict[int, Review]) -> str:
    """What a document's categories come from: the classifier's version, and a hash of the
    document's reviews when it has any. Stored as documents.classifier_version, so that a
    build reclassifies a document whose reviews changed."""
    if not reviews:
        return classifier_version
    decided = [[n, r.primary_category, list(r.categories), r.reviewer, r.reviewed_on, r.note]
               for n, r in sorted(reviews.items())]
    return f"{classifier_version}+r{hashlib.sha256(json.dumps(decided).encode('utf-8')).hexdigest()[:8]}"


def overlay(observations: Iterable[Observation], reviews: dict[int, Review]) -> dict[int, dict]:
    """Put each reviewed observation's categories in place of the classifier's (method
    "review"; the classifier's score is kept where it gave the category one). Returns the
    review columns of every observation by number: who reviewed it and what the classifier
    said, or nothing (None) for one without a review."""
    columns = {}
    for o in observations:
        r = reviews.get(o.number)
        if r is None:
            columns[o.number] = {"reviewed_by": None, "reviewed_on": None, "review_note": None,
                                 "model_primary_category": None, "model_categories": None}
            continue
        columns[o.number] = {"reviewed_by": r.reviewer, "reviewed_on": r.reviewed_on, "review_note": r.note,
                             "model_primary_category": o.primary_category,
                             "model_categories": json.dumps(list(o.categories))}
        o.primary_category = r.primary_category
        o.category_scores = {c: o.category_scores.get(c) for c in r.categories}
        o.categories = list(r.categories)
        o.category_methods = {c: METHOD for c in r.categories}
    return columns


def unmatched(db: Database, reviews: dict[tuple[str, int], Review]) -> list[tuple[Review, str]]:
    """The reviews that apply to nothing in `db`, each with why: no document has its sha256
    (the file changed, or was never built here), or the document has no such observation."""
    if not reviews:
        return []
    numbers: dict[str, set[int]] = {}
    for sha, number in db.execute(
            "select d.sha256, o.number from documents d left join observations o on o.document_id = d.id "
            "where d.status = 'ok'").fetchall():
        numbers.setdefault(sha, set())
        if number is not None:
            numbers[sha].add(number)
    out = []
    for r in sorted(reviews.values(), key=lambda r: r.line):
        name = r.file_name or r.sha256[:12]
        if r.sha256 not in numbers:
            out.append((r, f"review of {name} observation {r.observation} (line {r.line}): no document in this "
                           "database has its sha256 (changed or not built here); kept"))
        elif r.observation not in numbers[r.sha256]:
            out.append((r, f"review of {name} observation {r.observation} (line {r.line}): the document has no "
                           "such observation; kept"))
    return out


def find_document(db: Database, ref: str) -> tuple[str, str]:
    """(sha256, file name) of the built document `ref` names: its file name, its path, or the
    start of its sha256 (8 hex digits or more). Raises ReviewError when none or several match."""
    ref = ref.strip()
    clauses, params = ["file_name = ?", "path = ?"], [ref, str(Path(ref).resolve())]
    if re.fullmatch(r"[0-9a-fA-F]{8,64}", ref):
        clauses.append("sha256 like ?")
        params.append(ref.lower() + "%")
    rows = db.execute(f"select distinct sha256, file_name from documents where status = 'ok' and "
                      f"({' or '.join(clauses)}) order by file_name", params).fetchall()
    shas = sorted({sha for sha, _ in rows})
    if not shas:
        raise ReviewError(f"no document built into this database is {ref!r} (give its file name, path or sha256)")
    if len(shas) > 1:
        raise ReviewError(f"{ref!r} names {len(shas)} different files; give the sha256: "
                          + "; ".join(f"{name} {sha[:12]}" for sha, name in rows))
    return rows[0][0], rows[0][1]


def review_examples(db: Database, reviews: dict[tuple[str, int], Review]) -> list:
    """Training examples (classify.model.Example, source "review") of the reviewed observations
    built into `db`: their stored text and citation, the reviewer's categories. A review that
    matches nothing here gives none (`unmatched` says which)."""
    from classify import observation_example

    out = []
    for r in sorted(reviews.values(), key=lambda r: r.key):
        row = db.execute(
            "select o.number, o.page_start, o.page_end, o.text, o.citation, i.firm_name from observations o "
            "join documents d on d.id = o.document_id join inspections i on i.id = o.inspection_id "
            "where d.sha256 = ? and o.number = ? and d.status = 'ok' order by d.id limit 1",
            [r.sha256, r.observation]).fetchone()
        if row is None:
            continue
        obs = Observation(row[0], row[1], row[2], row[3] or "", row[4])
        out.append(observation_example(obs, row[5], r.primary_category, r.categories, f"review:{r.sha256}",
                                       "review"))
    return out
