"""The fda483 command: extract 483 PDFs, build the knowledge base, serve it with Datasette.

A thin layer: it parses options, calls extract/, classify/ and kb/, and reports.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import click

import extract
from extract.pdf import OCR_MODES, default_cache_dir, tesseract_path


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
    """Read one 483 PDF and print it as document JSON.

    The JSON has the shape of ../shared/document-json.md; each observation also carries its
    full text.

    Example:

        fda483 extract --json inspection.pdf
    """
    cache = None if no_cache else default_cache_dir()
    try:
        doc = extract.extract_document(pdf, ocr=ocr, workers=workers, cache_dir=cache)
    except extract.ExtractError as ex:
        raise click.ClickException(f"{pdf}: {ex}")
    for w in doc.warnings:
        click.echo(f"warning: {pdf.name}: {w}", err=True)
    click.echo(json.dumps(doc.to_json(), indent=2, ensure_ascii=False))


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite database to build into [default: data/fda483.db].")
@click.option("--ocr", type=click.Choice(OCR_MODES), default="auto", show_default=True,
              help="auto: OCR pages whose text layer is missing or poor; always; never.")
@click.option("--workers", type=int, default=1, show_default=True, help="Tesseract processes to run at once.")
@click.option("--force", is_flag=True, help="Re-read every file, even those unchanged since the last build.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the OCR cache (~/.cache/fda483).")
def build(inputs, db_path, ocr, workers, force, no_cache):
    """Build 483 PDFs into the knowledge base.

    INPUTS are PDF files and directories (searched for *.pdf); with none, the bundled samples in
    data/samples/ are built. Files unchanged since the last build (same sha256) are skipped; a
    changed file's rows are replaced. Files that cannot be read as a 483 are recorded in the
    documents table with the reason, and the build goes on.

    Example:

        fda483 build ../shared/data/483s/pdfs --db data/fda483.db
    """
    from . import build as builder

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
    clock = {}

    def on_start(path):
        counter["n"] += 1
        clock["t"] = time.perf_counter()
        click.echo(f"[{counter['n']}/{total}] {path.name} ... ", nl=False, err=True)

    def on_done(path, status, detail):
        seconds = time.perf_counter() - clock["t"]
        text = f"{status}" + (f" ({detail})" if detail else "") + f" {seconds:.1f}s"
        click.echo(text, err=True)

    cache = None if no_cache else default_cache_dir()
    result = builder.build(db, inputs, ocr=ocr, workers=workers, cache_dir=cache, force=force,
                           on_start=on_start, on_done=on_done)
    click.echo(
        f"{db_path}: {len(result.added)} added, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged, {len(result.failed)} failed; "
        f"{result.observations} observations written"
    )
    for path, error in result.failed:
        click.echo(f"failed: {path}: {error}", err=True)
    if result.unread_pages:
        click.echo(f"warning: {result.unread_pages} page(s) could not be read; see the pages table (source 'none')",
                   err=True)
    if not result.read_any:
        raise click.ClickException("no file could be read as a Form 483")


@cli.command()
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="SQLite database to serve [default: data/fda483.db].")
@click.option("-p", "--port", type=int, default=8001, show_default=True, help="Port to listen on.")
@click.option("-h", "--host", default="127.0.0.1", show_default=True, help="Host to listen on.")
@click.option("--get", "get_path", default=None, help="Render this one path (e.g. /fda483/observations) and exit.")
def serve(db_path, port, host, get_path):
    """Serve the knowledge base with Datasette, using the project's metadata.yml and plugins.

    Read-only (immutable), with a SQL time limit.

    Example:

        fda483 serve --db data/fda483.db -p 8001
    """
    from . import build as builder
    from .site import datasette_args

    from datasette.cli import cli as datasette_cli

    db_path = db_path or builder.DEFAULT_DB
    if not db_path.exists():
        raise click.ClickException(f"{db_path} does not exist: run `fda483 build` first")
    args = datasette_args(db_path, port=port, host=host, get_path=get_path)
    datasette_cli.main(args=args, prog_name="datasette", standalone_mode=True)
