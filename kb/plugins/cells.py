"""How cells read in tables, views and canned queries: links where a value names something with a
page of its own, category chips, highlighted search snippets, and PDF page links.

Views and queries have no foreign keys for Datasette to follow, so columns are linked by the
names the project gives them everywhere (observation_id, inspection_id, fei, category).
"""
import re
import urllib.parse

from datasette import hookimpl
from datasette.utils import escape_fts, tilde_encode
from markupsafe import Markup, escape

from kb.shape import VIEWS

# column name -> the table whose row page a value of it opens
ROW_LINKS = {"observation_id": "observations", "inspection_id": "inspections", "fei": "facilities"}
CATEGORY_COLUMNS = {"category", "primary_category"}
# In views a citation is one column among many: its first words, the whole on hover and on
# the observation's page, so that a row stays a line or two high.
CITATION_CHARS = 120
MARK = re.compile(r"&lt;(/?)mark&gt;")


def _get(row, key):
    try:
        value = row[key]
    except (IndexError, KeyError):
        return None
    # On table pages a foreign key's value arrives expanded, as {"value": ..., "label": ...}.
    return value["value"] if isinstance(value, dict) else value


def pdf_href(datasette, document_id, page):
    """The URL that opens a built PDF at a page (served by kb/plugins/pdfs.py)."""
    return datasette.urls.path(f"/-/pdf/{int(document_id)}#page={int(page)}")


def category_chip(datasette, database, code):
    """A category code as a chip that opens every observation in that category."""
    href = datasette.urls.table(database, "category_findings") + "?category=" + urllib.parse.quote(code)
    return Markup('<a class="kb-chip" href="{}">{}</a>').format(href, code)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if value is None or value == "":
        return None
    if column == "snippet":
        # FTS5 snippet() wraps matches in <mark>; everything else in the text is escaped.
        return Markup(MARK.sub(r"<\1mark>", str(escape(value))))
    if column in ("page", "page_start") and _get(row, "document_id") is not None:
        return Markup('<a class="kb-pdf" href="{}">PDF p. {}</a>').format(
            pdf_href(datasette, _get(row, "document_id"), value), value
        )
    # Tables link their foreign keys themselves (with labels); only views and queries need this.
    if table is not None and table not in VIEWS:
        return None
    if column in ROW_LINKS:
        href = datasette.urls.row(database, ROW_LINKS[column], tilde_encode(str(value)))
        return Markup('<a href="{}">{}</a>').format(href, value)
    if column in CATEGORY_COLUMNS:
        return category_chip(datasette, database, str(value))
    if column == "citation" and len(str(value)) > CITATION_CHARS:
        text = str(value)
        short = text[:CITATION_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:")
        return Markup('<span class="kb-clipped" title="{}">{}…</span>').format(text, short)
    if column == "cfr":
        href = datasette.urls.table(database, "findings") + "?cfr=" + urllib.parse.quote(str(value))
        return Markup('<a href="{}">{}</a>').format(href, value)
    return None


@hookimpl
def prepare_connection(conn):
    # Canned searches pass what a person typed through fts_query(): Datasette's escape_fts() makes
    # "out-of-specification" or an odd quote words to find rather than FTS5 syntax (an error page),
    # and a search with no words becomes '""', which matches nothing, where '' is a syntax error.
    conn.create_function("fts_query", 1, lambda q: escape_fts(q or "") or '""', deterministic=True)
