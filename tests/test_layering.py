"""The layering the architecture relies on (docs/architecture.md), read from the source's imports.

The store, search and web side (``archive/``) must work without the crawler: only the command
line (``archive/cli.py``, ``archive/commands/``) wires the two together. Extraction
(``crawler/extract/``) is pure — page in, article out — so it can be reused by re-extraction,
imports and tests on saved pages; it must never reach the network, a database or Scrapy.
Imports inside functions count: a lazy import is still an import.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("archive", "crawler")
IO_MODULES = ("sqlite3", "sqlite_utils", "archive", "scrapy", "twisted", "socket", "urllib.request", "http.client",
              "requests", "urllib3", "redis", "subprocess")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


@cache
def imports_of(name: str) -> frozenset[str]:
    """Every module ``name`` imports (absolute names; ``from x import y`` gives ``x`` and ``x.y``)."""
    path = project_modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(found)


def reachable(start: str, through: frozenset[str] = frozenset()) -> dict[str, str]:
    """Every module imported from ``start``, directly or through project modules: {module: importer}.

    The imports of the modules in ``through`` are not followed (a package whose ``__init__``
    joins its parts would otherwise join everything to everything)."""
    modules = project_modules()
    seen: dict[str, str] = {}
    todo = [start]
    while todo:
        current = todo.pop()
        for imported in imports_of(current):
            chain = [".".join(imported.split(".")[:i]) for i in range(1, imported.count(".") + 2)]  # parents run first
            for name in chain:
                if name and name not in seen:
                    seen[name] = current
                    if name in modules and name not in through:
                        todo.append(name)
    return seen


def is_under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_the_import_walk_sees_the_modules():
    modules = project_modules()
    assert len([m for m in modules if is_under(m, "crawler.extract")]) >= 10
    assert len([m for m in modules if is_under(m, "archive")]) >= 20
    assert "crawler.registry" in reachable("archive.cli")  # the walk finds a known import


def test_archive_outside_the_cli_never_imports_the_crawler():
    outside = [m for m in project_modules() if is_under(m, "archive") and m != "archive.cli"
               and not is_under(m, "archive.commands") and m != "archive.__main__"]
    assert len(outside) >= 15
    leaks = {m: sorted(f"{name} (from {importer})" for name, importer in reachable(m).items() if is_under(name, "crawler"))
             for m in outside}
    assert {m: names for m, names in leaks.items() if names} == {}


def test_extraction_does_no_io():
    extract = [m for m in project_modules() if is_under(m, "crawler.extract")]
    assert len(extract) >= 10
    leaks = {m: sorted(f"{name} (from {importer})" for name, importer in reachable(m).items()
                       if any(is_under(name, io) for io in IO_MODULES)) for m in extract}
    assert {m: names for m, names in leaks.items() if names} == {}


def test_the_store_never_imports_search():
    """Search owns its schema and registers it with the store (archive/__init__.py joins them):
    nothing in ``archive.store`` imports search, so the store can be read and changed alone."""
    store = [m for m in project_modules() if is_under(m, "archive.store")]
    assert len(store) >= 8
    leaks = {m: sorted(f"{name} (from {importer})" for name, importer in reachable(m, frozenset({"archive"})).items()
                       if is_under(name, "archive.search") or is_under(name, "archive.query")) for m in store}
    assert {m: names for m, names in leaks.items() if names} == {}
    assert "archive.search" in reachable("archive.store")  # the package joins them: the walk sees it through archive/__init__
