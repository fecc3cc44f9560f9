"""The fda483 command: extract 483 PDFs, build the knowledge base, serve it with Datasette.

A thin layer: it parses options, calls extract/, classify/ and kb/, and reports.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

import extract
from extract.pdf import OCR_MODES, default_cache_dir


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
