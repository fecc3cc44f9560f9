"""The fda483 command: extract 483 PDFs, build the knowledge base, serve it with Datasette.

A thin layer: it parses options, calls extract/, classify/ and kb/, and reports.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import click

import extract
from extract.pdf import OCR_MODES, default_cache_dir, tesseract_path


def registry_option(command):
    return click.option(
        "--registry", "registry_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
        help="Company registry YAML [default: data/companies.yml].",
    )(command)


def _load_registry(path: Path | None):
    from .registry import REGISTRY_PATH, RegistryError, load_registry

    try:
        return load_registry(path or REGISTRY_PATH)
    except RegistryError as ex:
        raise click.ClickException(str(ex))


def reviews_option(command):
    return click.option(
        "--reviews", "reviews_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Reviewed categories, CSV [default: data/reviews.csv].",
    )(command)


def _load_reviews(path: Path | None):
    from .reviews import REVIEWS_PATH, ReviewError, load_reviews

    try:
        return load_reviews(path or REVIEWS_PATH)
    except ReviewError as ex:
        raise click.ClickException(str(ex))


def _listing_kind(path: Path) -> tuple[str | None, str | None]:
    """(the kind of Data Dashboard export `path` is, None) or (None, why it is not one we can
    read, naming it)."""
    from .listing import ListingError, detect_kind

    try:
        return detect_kind(path), None
    except ListingError as ex:
        return None, str(ex)
    except Exception as ex:  # a corrupt xlsx or json fails inside openpyxl or json, each its own way
        return None, f"{path}: cannot read: {type(ex).__name__}: {ex}"


def _echo_links(report) -> None:
    """One line on how facilities link to companies, then what a person should look at."""
    if report is None:
        return
    methods = ", ".join(f"{n} by {m}" for m, n in sorted(report.linked.items()))
    click.echo(f"facilities: {report.facilities}; linked to a company: {methods or 'none'}; "
               f"unlinked: {report.unlinked}")
    for line in report.fei_corrections:
        click.echo(f"note: {line}", err=True)
    for line in report.fei_conflicts:
        click.echo(f"warning: {line}", err=True)


@click.group()
@click.version_option(package_name="fda483")
def cli():
    """fda483: a knowledge base of FDA Form 483 inspection findings."""


@cli.command(name="extract")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the document JSON (the default output).")
@click.option("--ocr", type=click.Choice(OCR_MODES), default="auto", show_default=True,
              help="auto: OCR pages whose text layer is missing or poor; always; never.")
@click.option("--workers", type=int, default=1, show_default=True, help="Tesseract processes to run at once.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the OCR cache (~/.cache/fda483).")
def extract_cmd(pdf, as_json, ocr, workers, no_cache):
    """Read one 483 PDF, classify its observations and print it as document JSON.

    The JSON has the shape of ../shared/document-json.md (cfr, primary_category and categories
    filled by the classifier); each observation also carries its full text.

    Example:

        fda483 extract --json inspection.pdf
    """
    from classify import classify_document

    cache = None if no_cache else default_cache_dir()
    try:
        doc = extract.extract_document(pdf, ocr=ocr, workers=workers, cache_dir=cache)
    except extract.ExtractError as ex:
        raise click.ClickException(f"{pdf}: {ex}")
    classify_document(doc)
    for w in doc.warnings:
        click.echo(f"warning: {pdf.name}: {w}", err=True)
    click.echo(json.dumps(doc.to_json(), indent=2, ensure_ascii=False))


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite database to build into [default: data/fda483.db].")
@click.option("--ocr", type=click.Choice(OCR_MODES), default="auto", show_default=True,
              help="auto: OCR pages whose text layer is missing or poor; always; never.")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Files to read at once, each in its own process with one tesseract.")
@click.option("--force", is_flag=True, help="Re-read every file, even those unchanged since the last build.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the OCR cache (~/.cache/fda483). The city "
              "index kept there is still used; FDA483_CACHE='' turns both off.")
@click.option("--media-ids", "media_ids_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="CSV of file name -> FDA media id (columns file, fda_media_id), such as "
                                 "../shared/data/483s/manifest.csv, to tie PDFs to FDA's listing.")
@registry_option
@reviews_option
def build(inputs, db_path, ocr, workers, force, no_cache, media_ids_path, registry_path, reviews_path):
    """Build 483 PDFs into the knowledge base.

    INPUTS are PDF files and directories (searched for *.pdf); with none, the bundled samples in
    data/samples/ are built. Files unchanged since the last build (same sha256) are not read
    again, and their stored observations are reclassified where the classifier has changed since
    (a retrained model, a new citation library or taxonomy); a changed file's rows are replaced.
    Files that cannot be read as a 483 are recorded in the documents table with the reason, and
    the build goes on. The company registry and the reviews are read first
    (a bad one stops the build before any file is read); after the files, facilities are linked
    to the registry's companies. Reviewed categories (`fda483 review`) replace the classifier's.

    Example:

        fda483 build ../shared/data/483s/pdfs --media-ids ../shared/data/483s/manifest.csv --db data/fda483.db
    """
    from . import build as builder
    from .listings_store import MediaMappingError, read_media_mapping

    registry = _load_registry(registry_path)
    reviews = _load_reviews(reviews_path)
    media_ids = None
    if media_ids_path:
        try:
            media_ids = read_media_mapping(media_ids_path)
        except MediaMappingError as ex:
            raise click.ClickException(str(ex))
    db_path = db_path or builder.DEFAULT_DB
    inputs = list(inputs) or [builder.SAMPLES_DIR]
    files = builder.find_pdfs(inputs)
    if not files:
        raise click.ClickException("no PDF files found in " + ", ".join(str(i) for i in inputs))
    if ocr != "never" and not tesseract_path():
        click.echo("warning: tesseract is not installed (apt-get install tesseract-ocr): pages without a usable "
                   "text layer will be recorded as not read", err=True)
    db = builder.open_db(db_path)
    total = len(files)
    counter = {"n": 0}

    def on_done(path, status, detail, seconds):
        counter["n"] += 1
        text = f"[{counter['n']}/{total}] {path.name} ... {status}" + (f" ({detail})" if detail else "")
        click.echo(text + (f" {seconds:.1f}s" if seconds else ""), err=True)

    cache = None if no_cache else default_cache_dir()
    result = builder.build(db, inputs, ocr=ocr, workers=workers, cache_dir=cache, force=force,
                           on_done=on_done, registry=registry, media_ids=media_ids,
                           media_source=media_ids_path.name if media_ids_path else "mapping", reviews=reviews)
    click.echo(
        f"{db_path}: {len(result.added)} added, {len(result.updated)} updated, "
        f"{len(result.reclassified)} reclassified, {len(result.unchanged)} unchanged, {len(result.failed)} failed; "
        f"{result.observations} observations written"
    )
    _echo_links(result.links)
    for line in result.reviews_unmatched:
        click.echo(f"note: {line}", err=True)
    for name in result.media_unmatched:
        click.echo(f"note: {media_ids_path}: no document is named {name}", err=True)
    for path, error in result.failed:
        click.echo(f"failed: {path}: {error}", err=True)
    if result.unread_pages:
        click.echo(f"warning: {result.unread_pages} page(s) could not be read; see the pages table (source 'none')",
                   err=True)
    if not result.read_any:
        raise click.ClickException("no file could be read as a Form 483")


@cli.command()
@click.argument("document")
@click.argument("number", type=int)
@click.option("--categories", default=None,
              help="Every category the observation discusses, comma separated (taxonomy codes); the primary is added.")
@click.option("--primary", default=None, help="Its primary category [default: the one it has now].")
@click.option("--by", "reviewer", default=None, help="Who reviewed it (required unless --clear).")
@click.option("--note", default=None, help="Why, for whoever reads it next.")
@click.option("--clear", is_flag=True, help="Remove the review: the classifier's categories come back.")
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The knowledge base the document is built into [default: data/fda483.db].")
@reviews_option
def review(document, number, categories, primary, reviewer, note, clear, db_path, reviews_path):
    """Set an observation's categories by hand, where the classifier got them wrong.

    DOCUMENT is a built PDF's file name, path or sha256 (its first 8 digits will do); NUMBER the
    observation's number. The review is written to data/reviews.csv (keyed by the PDF's sha256
    and the number, so it follows the file and survives every rebuild) and shown in the
    knowledge base at once: categories with method "review", the classifier's own answer kept
    in model_primary_category and model_categories.

    Example:

        fda483 review Northwind_Sterile_Solutions_2025.pdf 2 --categories investigations,environmental_monitoring --by "J. Ortiz" --note "the excursion is never investigated"
    """
    from . import build as builder
    from .reviews import REVIEWS_PATH, ReviewError, find_document, make_review, today, write_reviews

    reviews_path = reviews_path or REVIEWS_PATH
    reviews = _load_reviews(reviews_path)
    db = builder.open_db(db_path or builder.DEFAULT_DB)
    try:
        sha, file_name = find_document(db, document)
    except ReviewError as ex:
        raise click.ClickException(str(ex))
    row = db.execute("select o.primary_category from observations o join documents d on d.id = o.document_id "
                     "where d.sha256 = ? and o.number = ? limit 1", [sha, number]).fetchone()
    if row is None:
        raise click.ClickException(f"{file_name} has no observation {number}")
    key = (sha, number)
    if clear:
        if key not in reviews:
            raise click.ClickException(f"{file_name} observation {number} has no review in {reviews_path}")
        del reviews[key]
    else:
        if not categories:
            raise click.ClickException("give --categories (or --clear to remove a review)")
        try:
            reviews[key] = make_review(sha, number, primary or row[0], categories.split(","), reviewer or "",
                                       today(), note, file_name)
        except ReviewError as ex:
            raise click.ClickException(str(ex))
    write_reviews(reviews.values(), reviews_path)
    result = builder.apply_reviews(db, sha, reviews)
    for path, error in result.failed:
        click.echo(f"failed: {path}: {error}", err=True)
    now = db.execute("select o.primary_category, o.model_categories, group_concat(c.category, ', ') "
                     "from observations o join documents d on d.id = o.document_id "
                     "left join observation_categories c on c.observation_id = o.id "
                     "where d.sha256 = ? and o.number = ? group by o.id limit 1", [sha, number]).fetchone()
    said = f" (the classifier's: {', '.join(json.loads(now[1]))})" if now[1] else " (the classifier's)"
    click.echo(f"{file_name} observation {number}: primary {now[0]}; categories {now[2]}{said}; "
               f"{reviews_path} has {len(reviews)} review(s)")


@cli.command(name="import-listing")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite database to import into [default: data/fda483.db].")
@registry_option
def import_listing(files, db_path, registry_path):
    """Import FDA Data Dashboard exports: the published-483s list and compliance actions.

    FILES are exports as xlsx, csv or json, or directories holding them (files there that are
    not exports, such as the dashboard's aggregate tables, are skipped with a note). Each
    file's rows replace those an earlier import of a file of the same name wrote; an unchanged
    file is left as it is. Rows are kept whatever their problems (a missing FEI, a "-" date),
    each problem recorded on its row and printed. Facilities and their company links are then
    brought up to date.

    Example:

        fda483 import-listing ../shared/data/fda-dashboard/ --db data/fda483.db
    """
    from . import build as builder
    from . import link, shape
    from .listings_store import import_listing as import_one

    registry = _load_registry(registry_path)
    paths: list[tuple[Path, str]] = []
    for item in files:
        explicit = not item.is_dir()
        candidates = [item] if explicit else sorted(
            p for p in item.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".xlsx", ".json"))
        for path in candidates:
            kind, problem = _listing_kind(path)
            if problem and explicit:
                raise click.ClickException(problem)
            if problem:
                click.echo(f"skipped: {problem}", err=True)
            else:
                paths.append((path, kind))
    db = builder.open_db(db_path or builder.DEFAULT_DB)
    results = [import_one(db, path, kind) for path, kind in paths]
    read = [r for r in results if r.status != "failed"]
    for r in results:
        if r.status == "failed":
            click.echo(f"failed: {r.error}", err=True)
            continue
        click.echo(f"{r.path.name}: {r.kind}, {r.status}: {r.rows} rows, {r.facilities} facilities, "
                   f"{r.rows_with_problems} rows with problems")
        for problem in r.problems:
            click.echo(f"  problem: {problem}", err=True)
    if not read:
        raise click.ClickException("no listing file could be read")
    _echo_links(link.relink(db, registry))
    shape.ensure_db_shape(db)


@cli.command()
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="SQLite database to serve [default: data/fda483.db].")
@click.option("-p", "--port", type=int, default=8001, show_default=True, help="Port to listen on.")
@click.option("-h", "--host", default="127.0.0.1", show_default=True, help="Host to listen on.")
@click.option("--get", "get_path", default=None, help="Render this one path (e.g. /fda483/observations) and exit.")
def serve(db_path, port, host, get_path):
    """Serve the knowledge base with Datasette, using the project's metadata.yml and plugins.

    Read-only (immutable), with a SQL time limit. Whatever the file's name, the database is
    served as /fda483, the name metadata.yml describes it by.

    Example:

        fda483 serve --db data/fda483.db -p 8001
    """
    from . import build as builder
    from .site import database_name, datasette_args, served_as

    from datasette.cli import cli as datasette_cli

    db_path = db_path or builder.DEFAULT_DB
    if not db_path.exists():
        raise click.ClickException(f"{db_path} does not exist: run `fda483 build` first")
    with served_as(db_path, database_name()) as served:
        args = datasette_args(served, port=port, host=host, get_path=get_path)
        datasette_cli.main(args=args, prog_name="datasette", standalone_mode=True)


@cli.command(name="train")
@click.option("--gold", "gold_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Gold answer files of real 483s to train on as well (needs --pdfs).")
@click.option("--pdfs", "pdf_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="The PDFs of the gold files, one <name>.pdf per <name>.json.")
@click.option("--labels", "labels_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Our own labelled observations [default: data/labels/observations].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the model and its sidecar [default: classify/models, the shipped model].")
@click.option("--no-cache", is_flag=True, help="Do not read or write the OCR cache (~/.cache/fda483).")
@click.option("--reviewed-in", "reviewed_db", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Train on the reviewed observations (see --reviews) built into this knowledge base too.")
@reviews_option
def train_cmd(gold_dir, pdf_dir, labels_dir, out_dir, no_cache, reviewed_db, reviews_path):
    """Fit the category model on our own labels (and gold 483s) and save it with its sidecar.

    The sidecar (categories.json) names the scikit-learn version, the training data's sha256,
    what the model was trained on and its cross-validated scores. The same inputs give the
    same files. With --reviewed-in, the observations reviewers settled (fda483 review) in that
    knowledge base are trained on as well, from their stored text; a model trained so is your
    knowledge base's, not the one the project ships.

    Example:

    \b
        fda483 train --gold ../shared/data/483s/gold \\
            --pdfs ../shared/data/483s/pdfs
    """
    from classify import model, training
    from classify.labels import LABELS_DIR, LabelError

    if (gold_dir is None) != (pdf_dir is None):
        raise click.ClickException("--gold and --pdfs go together")
    cache = None if no_cache else default_cache_dir()
    reviewed, reviewed_from = None, None
    if reviewed_db:
        from sqlite_utils import Database

        from .reviews import REVIEWS_PATH, review_examples, unmatched

        reviews_path = reviews_path or REVIEWS_PATH
        reviews = _load_reviews(reviews_path)
        db = Database(reviewed_db)
        reviewed = review_examples(db, reviews)
        for _, why in unmatched(db, reviews):
            click.echo(f"note: {why}", err=True)
        reviewed_from = {"reviews_file": reviews_path.name,
                         "reviews_sha256": hashlib.sha256(reviews_path.read_bytes()).hexdigest()
                         if reviews_path.exists() else None, "knowledge_base": reviewed_db.name}
        click.echo(f"{len(reviewed)} reviewed observations from {reviewed_db} ({reviews_path})", err=True)
    try:
        path = training.fit(labels_dir or LABELS_DIR, gold_dir, pdf_dir, out_dir or model.MODEL_DIR,
                            cache_dir=cache, progress=lambda m: click.echo(m, err=True), reviewed=reviewed,
                            reviewed_from=reviewed_from)
    except (LabelError, ValueError) as ex:
        raise click.ClickException(str(ex))
    sidecar = json.loads(path.read_text(encoding="utf-8"))
    click.echo(f"{path}: threshold {sidecar['threshold']}, cross-validated "
               + " ".join(f"{k}={v}" for k, v in sidecar["cross_validation"]["measures"].items()))


@cli.command(name="evaluate")
@click.option("--gold", "gold_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="Gold answer files (document JSON with cfr, primary_category, categories).")
@click.option("--pdfs", "pdf_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="The PDFs of the gold files, one <name>.pdf per <name>.json.")
@click.option("--folds", type=int, default=None, help="Folds, grouped by document [default: one per document].")
@click.option("--labels", "labels_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Our own labelled observations [default: data/labels/observations].")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the measures, per category too, to this file.")
@click.option("--resamples", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Bootstrap resamples of the documents for the 95% intervals (0: none).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the OCR cache (~/.cache/fda483).")
def evaluate_cmd(gold_dir, pdf_dir, folds, labels_dir, json_out, resamples, no_cache):
    """Cross-validate the whole classifier on gold 483s, grouped by document.

    Extracts the PDFs (OCR is cached), aligns observations to the gold by number, and for each
    fold fits a model on our own labels and the other folds' gold, so that no observation is
    scored by a model that saw its document. Prints per-category precision, recall and F1, CFR
    provision accuracy, primary category accuracy and its confusion table. The headline
    measures come with 95% intervals from resampling the documents. It also says how many of
    the classifier's uncertain calls (what the review_queue query lists) were wrong, and the
    micro-F1 once a reviewer has set them right.

    Example:

    \b
        fda483 evaluate --gold ../shared/data/483s/gold \\
            --pdfs ../shared/data/483s/pdfs
    """
    from classify import evaluate
    from classify.labels import LABELS_DIR, LabelError, label_examples

    cache = None if no_cache else default_cache_dir()
    try:
        labels = label_examples(labels_dir or LABELS_DIR)
        docs = evaluate.read_gold(gold_dir, pdf_dir, cache,
                                  on_document=lambda n: click.echo(f"extracting {n}", err=True))
    except (LabelError, FileNotFoundError) as ex:
        raise click.ClickException(str(ex))
    result = evaluate.cross_validate(docs, labels, folds=folds,
                                     on_fold=lambda i, n: click.echo(f"fold {i}/{n}", err=True))
    measures = evaluate.measure(result.rows)
    for doc in docs:
        if doc.error:
            click.echo(f"warning: {doc.name}: {doc.error}", err=True)
    intervals = evaluate.document_intervals(result.rows, resamples)
    reviews = evaluate.review_yield(result.rows)
    click.echo(evaluate.report(measures, intervals, reviews))
    summary = measures.summary() | {"folds": result.folds, "own_labels": len(labels), "documents": len(docs),
                                    "observations": len(result.rows)}
    summary |= reviews.summary()
    summary |= {f"{k}_interval": list(v) for k, v in intervals.items()}
    click.echo("measures: " + " ".join(f"{k}={v}" for k, v in summary.items()))
    if json_out:
        summary["by_category"] = measures.by_category()
        json_out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
