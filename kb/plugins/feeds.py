"""An .atom output for queries that return atom_id, atom_title and atom_updated (plus optional
atom_content and atom_link), so /fda483/new_observations.atom?category=X is a feed per category.

Written here rather than installing datasette-atom: its last release (0.9, March 2023) answers a
query with no rows with HTTP 500 (it takes max() of the rows' dates), and a feed for a category
nothing has been filed under yet must still be a valid, empty feed. Content is sent as text,
never HTML, so nothing from a PDF is rendered as markup by a feed reader.
"""
import urllib.parse
import xml.etree.ElementTree as ET

from datasette import hookimpl
from datasette.utils.asgi import Response

ATOM = "http://www.w3.org/2005/Atom"
REQUIRED = {"atom_id", "atom_title", "atom_updated"}


def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = str(text)
    return el


async def render_atom(datasette, request, database, columns, rows, query_name):
    rows = [dict(zip(columns, row)) for row in rows]
    if rows:
        updated = max(r["atom_updated"] for r in rows)
    else:
        # An empty feed still needs a date: when the knowledge base last changed.
        result = await datasette.get_database(database).execute("select max(built_at) from documents")
        updated = result.first()[0] or "1970-01-01T00:00:00+00:00"
    title = "fda483"
    if query_name:
        query = await datasette.get_canned_query(database, query_name, request.actor)
        title = (query or {}).get("title") or query_name
    values = [request.args.get(k) for k in request.args.keys() if not k.startswith("_")]
    if any(values):
        title += ": " + ", ".join(v for v in values if v)

    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", request.url)
    _sub(feed, "title", title)
    _sub(feed, "updated", updated)
    _sub(feed, "link", href=request.url, rel="self")
    _sub(feed, "generator", "Datasette")
    for r in rows:
        entry = _sub(feed, "entry")
        _sub(entry, "id", r["atom_id"])
        _sub(entry, "title", r["atom_title"])
        _sub(entry, "updated", r["atom_updated"])
        if r.get("atom_content"):
            _sub(entry, "content", r["atom_content"], type="text")
        if r.get("atom_link"):
            _sub(entry, "link", href=urllib.parse.urljoin(request.url, r["atom_link"]))
    body = ET.tostring(feed, encoding="unicode", xml_declaration=True)
    return Response(body, content_type="application/atom+xml; charset=utf-8")


def can_render_atom(columns):
    return REQUIRED.issubset(columns)


@hookimpl
def register_output_renderer():
    return {"extension": "atom", "render": render_atom, "can_render": can_render_atom}
