"""Datasette configuration of the archive: metadata, and the app ``portal-archive serve`` runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

METADATA_FILE = Path(__file__).parent / "metadata.yml"
# The plugin's pages (search, article, original) are in plugin/templates: the plugin is a
# package so that Datasette finds that folder itself (it looks for ``templates`` beside a plugin
# package, never beside a module), and plain ``datasette archive.db`` renders them too.


def build_metadata(database_name: str) -> dict[str, Any]:
    """The bundled metadata, with its table settings attached to ``database_name``.

    Datasette keys table metadata by database name, which is the file's stem; the bundled file
    says ``"*"`` so any archive file name works.
    """
    metadata = yaml.safe_load(METADATA_FILE.read_text(encoding="utf-8"))
    databases = metadata.pop("databases", {})
    if "*" in databases:
        metadata["databases"] = {database_name: databases["*"]}
    return metadata


def make_datasette(db_path: str | Path, **kwargs: Any):
    """A Datasette instance on the archive, configured as ``portal-archive serve`` runs it."""
    from datasette.app import Datasette

    db_path = Path(db_path)
    settings = {"default_page_size": 50, "facet_time_limit_ms": 500, "sql_time_limit_ms": 3000}
    settings.update(kwargs.pop("settings", {}))
    return Datasette([str(db_path)], metadata=build_metadata(db_path.stem), settings=settings, **kwargs)
