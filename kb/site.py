"""How the knowledge base is published: the Datasette command line for `fda483 serve`."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
METADATA = PROJECT_ROOT / "metadata.yml"
PLUGINS_DIR = Path(__file__).resolve().parent / "plugins"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# Publishing defaults: the database is opened immutable (read-only, no locking), and a slow
# query is stopped rather than left to load the server.
SETTINGS = {
    "sql_time_limit_ms": "3000",
    "max_returned_rows": "2000",
    "facet_time_limit_ms": "500",
    "allow_download": "off",
}


def datasette_args(db_path: Path, port: int = 8001, host: str = "127.0.0.1", get_path: str | None = None) -> list[str]:
    args = ["serve", "--immutable", str(db_path), "-p", str(port), "-h", host]
    if METADATA.exists():
        args += ["-m", str(METADATA)]
    if PLUGINS_DIR.is_dir():
        args += ["--plugins-dir", str(PLUGINS_DIR)]
    if TEMPLATES_DIR.is_dir():
        args += ["--template-dir", str(TEMPLATES_DIR)]
    for key, value in SETTINGS.items():
        args += ["--setting", key, value]
    if get_path:
        args += ["--get", get_path]
    return args


def database_name() -> str:
    """The name metadata.yml describes the knowledge base under (its canned queries, facets,
    hidden tables, dashboards): the one name the database is served as."""
    databases = yaml.safe_load(METADATA.read_text(encoding="utf-8")).get("databases") or {}
    return next(iter(databases), "fda483")


@contextmanager
def served_as(db_path: Path, name: str):
    """`db_path` under the file name `name`.db, for as long as the block runs. Datasette names a
    database by its file's stem, and metadata.yml describes it by one name: served under its
    own stem, `kb.db` would lose its canned queries, facets and hidden tables. A file already so
    named is served in place; another is linked under that name in a temporary directory."""
    db_path = Path(db_path).resolve()
    if db_path.stem == name:
        yield db_path
        return
    with tempfile.TemporaryDirectory(prefix="fda483-serve-") as tmp:
        link = Path(tmp) / f"{name}.db"
        link.symlink_to(db_path)
        yield link
