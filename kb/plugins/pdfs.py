"""Serve the built 483 PDFs at /-/pdf/<document_id>, so a link such as /-/pdf/3#page=2 opens the
source at an observation's page.

Only files the build read successfully are served: the id is looked up in `documents` (status
'ok'), and the file on disk must still have the sha256 recorded then. No path ever comes from the
request, so nothing else on the machine can be reached through this route.
"""
import asyncio
import hashlib
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response


async def knowledge_base(datasette):
    """The database being served that holds the documents table (the site serves one knowledge
    base; found by its tables, not by the file's name, so `fda483 serve --db other.db` works)."""
    for name, db in datasette.databases.items():
        if name != "_internal" and await db.table_exists("documents"):
            return db
    raise NotFound("no knowledge base with a documents table is being served")


def _read_if_unchanged(path: Path, sha256: str):
    if not path.is_file():
        return None
    body = path.read_bytes()
    return body if hashlib.sha256(body).hexdigest() == sha256 else None


async def serve_pdf(request, datasette):
    document_id = int(request.url_vars["document_id"])
    db = await knowledge_base(datasette)
    row = (
        await db.execute(
            "select path, file_name, sha256 from documents where id = ? and status = 'ok'",
            [document_id],
        )
    ).first()
    if row is None:
        raise NotFound(f"no built document {document_id}")
    body = await asyncio.to_thread(_read_if_unchanged, Path(row["path"]), row["sha256"])
    if body is None:
        # Moved, deleted or rewritten since the build: what is there now is not what was read.
        raise NotFound(f"{row['file_name']} is no longer the file that was built; rebuild the knowledge base")
    file_name = row["file_name"].replace('"', "")
    return Response(
        body,
        content_type="application/pdf",
        headers={"content-disposition": f'inline; filename="{file_name}"'},
    )


@hookimpl
def register_routes():
    return [(r"^/-/pdf/(?P<document_id>[0-9]{1,12})$", serve_pdf)]
