"""The build: PDFs in, the knowledge base out. Re-runnable: unchanged files are not read again
(by their sha256) but are reclassified from their stored text when the classifier has changed,
each document is committed on its own, and the derived shape is declared at the end."""
from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from sqlite_utils import Database

import extract
from classify import classify_document, default_classifier
from extract.pdf import sha256_file
from extract.records import Observation

from . import link, migrations, reviews as review_file, shape, store
from .listings_store import save_media_mapping
from .registry import Registry, load_registry

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = PROJECT_ROOT / "data" / "samples"
DEFAULT_DB = PROJECT_ROOT / "data" / "fda483.db"


@dataclass
class BuildResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    reclassified: list[str] = field(default_factory=list)  # unchanged files an older classifier did
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    observations: int = 0
    unread_pages: int = 0
    media_unmatched: list[str] = field(default_factory=list)  # mapping-file names no document has
    links: link.LinkReport | None = None
    reviews_unmatched: list[str] = field(default_factory=list)  # reviews that apply to nothing here

    @property
    def read_any(self) -> bool:
        return bool(self.added or self.updated or self.reclassified or self.unchanged)


def find_pdfs(inputs: list[Path]) -> list[Path]:
    """The files to build: PDFs given by name (whatever their extension), and *.pdf under directories."""
    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            files.extend(sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf"))
        else:
            files.append(item)
    seen, out = set(), []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def open_db(path: Path) -> Database:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The default rollback journal, not WAL: the file is the whole database, to copy or publish
    # as it is, and Datasette opens it immutable.
    db = Database(path)
    migrations.migrate(db)
    return db


def build(
    db: Database,
    inputs: list[Path],
    ocr: str = "auto",
    workers: int = 1,
    cache_dir: Path | None = None,
    force: bool = False,
    on_done=None,
    registry: Registry | None = None,
    media_ids: dict[str, list[str]] | None = None,
    media_source: str = "mapping",
    reviews: dict[tuple[str, int], review_file.Review] | None = None,
) -> BuildResult:
    """Build the given PDFs into `db`; on_done(path, status, detail, seconds) reports each file.

    With `workers` > 1 and several files to read, that many files are read at once, each in a
    process of its own with one tesseract; they are saved in input order, one transaction each,
    so a rebuild gives the same rows and ids whatever finished first.

    `registry` (default: data/companies.yml, loaded before any document is read, so that a bad
    registry stops the build with its RegistryError before anything is written) is synced into
    the database and facilities are linked to it after the documents. `media_ids` (file name ->
    FDA media ids, from kb.listings_store.read_media_mapping) ties documents to FDA's listing;
    `media_source` names where it came from. `reviews` (default: data/reviews.csv, read first
    like the registry) are laid over the classifier's categories; a document whose reviews
    changed is reclassified from its stored text.
    """
    if registry is None:
        registry = load_registry()
    if reviews is None:
        reviews = review_file.load_reviews()
    current = default_classifier()
    store.save_categories(db, current.model.sidecar.get("cross_validation") if current.model else None)
    result = BuildResult()
    classifier = current.version
    reviewed = review_file.by_file(reviews)
    planned = [(path, plan(db, path, force, classifier, reviewed)) for path in find_pdfs(inputs)]
    jobs = [job for _, job in planned if isinstance(job, Job)]
    outcomes = read_all(jobs, ocr, workers, cache_dir)
    for path, job in planned:
        if isinstance(job, Job):
            outcome = next(outcomes)
            status, detail = save(db, job, outcome, result, reviewed)
            seconds = outcome.seconds
        elif isinstance(job, Reclassify):
            started = time.perf_counter()
            status, detail = reclassify(db, job, result, reviewed)
            seconds = time.perf_counter() - started
        else:
            status, detail = job
            seconds = 0.0
            if status == "unchanged" and not detail:
                result.unchanged.append(str(path))
            else:
                result.failed.append((str(path), detail.removeprefix("failed earlier: ")))
        if on_done:
            on_done(path, status, detail, seconds)
    if media_ids:
        with db.atomic():
            result.media_unmatched = save_media_mapping(db, media_ids, media_source)
    result.links = link.relink(db, registry)
    result.reviews_unmatched = [why for _, why in review_file.unmatched(db, reviews)]
    shape.ensure_db_shape(db)
    return result


@dataclass
class Job:
    """A file to read: it is new, changed, or read by an older extractor."""

    path: Path
    resolved: Path
    size: int
    sha256: str
    known: bool  # the database has a row for this path already


@dataclass
class Outcome:
    doc: extract.Document | None
    error: str | None
    seconds: float


@dataclass
class Reclassify:
    """An unchanged file whose observations an older classifier classified, or whose reviews
    changed."""

    path: Path
    document_id: int
    sha256: str


def plan(db: Database, path: Path, force: bool, classifier: str | None = None,
         reviewed: dict[str, dict[int, review_file.Review]] | None = None) -> Job | Reclassify | tuple[str, str]:
    """A Job for a file to read, a Reclassify for one whose stored observations were classified
    by another classifier than `classifier` (a Classifier.version) or under other reviews than
    its own in `reviewed` (review_file.by_file), or (status, detail) for one that needs nothing."""
    resolved = path.resolve()
    try:
        size = resolved.stat().st_size
        sha = sha256_file(resolved)
    except OSError as ex:
        return "failed", f"cannot read file: {ex.strerror or ex}"
    row = db.execute(
        "select sha256, status, extractor_version, error, id, classifier_version from documents where path = ?",
        [str(resolved)],
    ).fetchone()
    if row and not force and row[0] == sha and row[2] == store.EXTRACTOR_VERSION:
        if row[1] == "failed":
            return "unchanged", f"failed earlier: {row[3]}"
        if classifier and row[5] != review_file.version(classifier, (reviewed or {}).get(sha, {})):
            return Reclassify(path, row[4], sha)
        return "unchanged", ""
    return Job(path, resolved, size, sha, row is not None)


def read(job: Job, ocr: str, workers: int, cache_dir: Path | None) -> Outcome:
    """Extract one file; every failure becomes an error message, never an exception."""
    started = time.perf_counter()
    try:
        doc = extract.extract_document(job.resolved, ocr=ocr, workers=workers, cache_dir=cache_dir, sha256=job.sha256)
    except extract.ExtractError as ex:
        return Outcome(None, str(ex), time.perf_counter() - started)
    except Exception as ex:  # a bug or a library fault on one file must not stop the others
        return Outcome(None, f"internal error while reading: {type(ex).__name__}: {ex}", time.perf_counter() - started)
    return Outcome(doc, None, time.perf_counter() - started)


def read_all(jobs: list[Job], ocr: str, workers: int, cache_dir: Path | None) -> Iterator[Outcome]:
    """Outcomes of the jobs in their order; several files at once when workers > 1."""
    if workers <= 1 or len(jobs) <= 1:
        # one file at a time; a single file still OCRs `workers` pages at once
        return (read(job, ocr, workers, cache_dir) for job in jobs)
    # Processes, not threads: pdfium is not thread-safe, and the text-layer work is Python's.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    results = pool.map(read, jobs, repeat(ocr), repeat(1), repeat(cache_dir), chunksize=1)

    def ordered():
        try:
            yield from results
        finally:
            pool.shutdown(cancel_futures=True)

    return ordered()


def save(db: Database, job: Job, outcome: Outcome, result: BuildResult,
         reviewed: dict[str, dict[int, review_file.Review]] | None = None) -> tuple[str, str]:
    """Classify, lay the reviews over, and write one file's outcome in its own transaction;
    (status, detail)."""
    doc, error = outcome.doc, outcome.error
    if doc is not None:
        try:
            classify_document(doc)
        except Exception as ex:  # recorded, like any other failure of one file
            doc, error = None, f"internal error while classifying: {type(ex).__name__}: {ex}"
    if doc is None:
        with db.atomic():
            store.save_failure(db, job.resolved, job.sha256, job.size, error)
        result.failed.append((str(job.path), error))
        return "failed", error
    columns, version = _lay_reviews(reviewed, job.sha256, doc.observations, default_classifier().version)
    with db.atomic():
        store.save_document(db, job.resolved, job.size, doc, version, columns)
    (result.updated if job.known else result.added).append(str(job.path))
    result.observations += len(doc.observations)
    detail = f"{len(doc.observations)} observations"
    unread = [p.number for p in doc.pages if p.source == "none"]
    if unread:
        detail += f"; page(s) {', '.join(map(str, unread))} not read"
        result.unread_pages += len(unread)
    return ("updated" if job.known else "added"), detail


def _lay_reviews(reviewed: dict[str, dict[int, review_file.Review]] | None, sha256: str,
                 observations: list[Observation], classifier_version: str) -> tuple[dict[int, dict], str]:
    """Lay the file's reviews over its classified observations: (their review columns by
    number, the version to store: the classifier's with the reviews' hash)."""
    mine = (reviewed or {}).get(sha256, {})
    return review_file.overlay(observations, mine), review_file.version(classifier_version, mine)


def apply_reviews(db: Database, sha256: str, reviews: dict[tuple[str, int], review_file.Review]) -> BuildResult:
    """Reclassify, under `reviews`, every document built from the file with this sha256: what
    `fda483 review` does after changing a review, so it shows at once."""
    result, reviewed = BuildResult(), review_file.by_file(reviews)
    rows = db.execute("select id, path from documents where sha256 = ? and status = 'ok'", [sha256]).fetchall()
    for document_id, path in rows:
        reclassify(db, Reclassify(Path(path), document_id, sha256), result, reviewed)
    return result


def reclassify(db: Database, job: Reclassify, result: BuildResult,
               reviewed: dict[str, dict[int, review_file.Review]] | None = None) -> tuple[str, str]:
    """Classify a document's stored observations again and lay its reviews over, in one
    transaction; (status, detail). Nothing is read from the file: the stored text is what its
    extraction produced."""
    classifier = default_classifier()
    firm_name, observations = store.stored_observations(db, job.document_id)
    try:
        results = classifier.classify([o for _, o in observations], firm_name)
    except Exception as ex:  # recorded; the rows of the older classification stay as they were
        error = f"internal error while reclassifying: {type(ex).__name__}: {ex}"
        result.failed.append((str(job.path), error))
        return "failed", error
    for (_, o), r in zip(observations, results):
        r.apply(o)
    columns, version = _lay_reviews(reviewed, job.sha256, [o for _, o in observations], classifier.version)
    with db.atomic():
        store.save_classification(db, job.document_id, observations, version, columns)
    result.reclassified.append(str(job.path))
    return "reclassified", f"{len(observations)} observations"
