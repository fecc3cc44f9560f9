"""How the knowledge base is published: the Datasette command line for `fda483 serve`."""
from __future__ import annotations

from pathlib import Path

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
