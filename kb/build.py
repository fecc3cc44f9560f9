"""The build: PDFs in, the knowledge base out. Re-runnable: unchanged files are skipped by their
sha256, each document is committed on its own, and the derived shape is declared at the end."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

import extract
from classify import classify_document
from extract.pdf import sha256_file

from . import link, migrations, shape, store
from .listings_store import save_media_mapping
from .registry import Registry, load_registry

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = PROJECT_ROOT / "data" / "samples"
DEFAULT_DB = PROJECT_ROOT / "data" / "fda483.db"


@dataclass
class BuildResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    observations: int = 0
    unread_pages: int = 0
    media_unmatched: list[str] = field(default_factory=list)  # mapping-file names no document has
    links: link.LinkReport | None = None

    @property
    def read_any(self) -> bool:
        return bool(self.added or self.updated or self.unchanged)


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
    on_start=None,
    on_done=None,
    registry: Registry | None = None,
    media_ids: dict[str, list[str]] | None = None,
    media_source: str = "mapping",
) -> BuildResult:
    """Build the given PDFs into `db`. on_start(path) and on_done(path, status, detail) report progress.

    `registry` (default: data/companies.yml, loaded before any document is read, so that a bad
    registry stops the build with its RegistryError before anything is written) is synced into
    the database and facilities are linked to it after the documents. `media_ids` (file name ->
    FDA media ids, from kb.listings_store.read_media_mapping) ties documents to FDA's listing;
    `media_source` names where it came from.
    """
    if registry is None:
        registry = load_registry()
    store.save_categories(db)
    result = BuildResult()
    for path in find_pdfs(inputs):
        if on_start:
            on_start(path)
        status, detail = build_one(db, path, ocr, workers, cache_dir, force, result)
        if on_done:
            on_done(path, status, detail)
    if media_ids:
        with db.atomic():
            result.media_unmatched = save_media_mapping(db, media_ids, media_source)
    result.links = link.relink(db, registry)
    shape.ensure_db_shape(db)
    return result


def build_one(db, path: Path, ocr, workers, cache_dir, force, result: BuildResult) -> tuple[str, str]:
    resolved = path.resolve()
    try:
        size = resolved.stat().st_size
        sha = sha256_file(resolved)
    except OSError as ex:
        result.failed.append((str(path), f"cannot read file: {ex.strerror or ex}"))
        return "failed", f"cannot read file: {ex.strerror or ex}"
    row = db.execute(
        "select sha256, status, extractor_version, error from documents where path = ?", [str(resolved)]
    ).fetchone()
    if row and not force and row[0] == sha and row[2] == store.EXTRACTOR_VERSION:
        if row[1] == "failed":
            result.failed.append((str(path), row[3]))
            return "unchanged", f"failed earlier: {row[3]}"
        result.unchanged.append(str(path))
        return "unchanged", ""
    try:
        doc = extract.extract_document(resolved, ocr=ocr, workers=workers, cache_dir=cache_dir, sha256=sha)
        classify_document(doc)
    except extract.ExtractError as ex:
        error = str(ex)
    except Exception as ex:  # a bug or a library fault on one file must not stop the others
        error = f"internal error while reading: {type(ex).__name__}: {ex}"
    else:
        error = None
    if error is not None:
        with db.atomic():
            store.save_failure(db, resolved, sha, size, error)
        result.failed.append((str(path), error))
        return "failed", error
    with db.atomic():
        store.save_document(db, resolved, size, doc)
    (result.updated if row else result.added).append(str(path))
    result.observations += len(doc.observations)
    detail = f"{len(doc.observations)} observations"
    unread = [p.number for p in doc.pages if p.source == "none"]
    if unread:
        detail += f"; page(s) {', '.join(map(str, unread))} not read"
        result.unread_pages += len(unread)
    return ("updated" if row else "added"), detail
