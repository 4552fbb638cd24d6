"""The layering the architecture relies on (docs/architecture.md), read from the source's imports.

The store, search and web side (``archive/``) must work without the crawler: only the command
line (``archive/cli.py``, ``archive/commands/``) wires the two together. What both sides must
agree on (``crawler/contracts/``: how page bytes become text, the Redis wire format) is the one
part of the crawler package the archive may import: it imports no other crawler module, nothing
of the archive and does no I/O, so both sides, and extraction, may use it. Extraction
(``crawler/extract/``) is pure — page in, article out — so it can be reused by re-extraction,
imports and tests on saved pages; it must never reach the network, a database or Scrapy.
Imports inside functions count: a lazy import is still an import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("archive", "crawler")
CONTRACTS = "crawler.contracts"
IO_MODULES = ("sqlite3", "sqlite_utils", "archive", "scrapy", "twisted", "socket", "urllib.request", "http.client",
              "requests", "urllib3", "redis", "subprocess")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def import_statements(name: str) -> Iterator[tuple[str, list[str]]]:
    """Each import of module ``name`` as (absolute module, names taken from it): ``import x.y``
    gives ("x.y", []), ``from .z import w`` inside package ``p`` gives ("p.z", ["w"])."""
    path = project_modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            yield base, [alias.name for alias in node.names]


@cache
def imports_of(name: str) -> frozenset[str]:
    """Every module ``name`` imports (absolute names; ``from x import y`` gives ``x`` and ``x.y``)."""
    found: set[str] = set()
    for base, names in import_statements(name):
        found.add(base)
        found.update(f"{base}.{n}" for n in names)
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


def is_contract(name: str) -> bool:
    """The contracts package, or the (empty) ``crawler`` package that importing it runs first."""
    return name == "crawler" or is_under(name, CONTRACTS)


def test_archive_outside_the_cli_never_imports_the_crawler():
    outside = [m for m in project_modules() if is_under(m, "archive") and m != "archive.cli"
               and not is_under(m, "archive.commands") and m != "archive.__main__"]
    assert len(outside) >= 15
    leaks = {m: sorted(f"{name} (from {importer})" for name, importer in reachable(m).items()
                          if is_under(name, "crawler") and not is_contract(name)) for m in outside}
    assert {m: names for m, names in leaks.items() if names} == {}


def test_extraction_does_no_io():
    extract = [m for m in project_modules() if is_under(m, "crawler.extract")]
    assert len(extract) >= 10
    leaks = {m: sorted(f"{name} (from {importer})" for name, importer in reachable(m).items()
                       if any(is_under(name, io) for io in IO_MODULES)) for m in extract}
    assert {m: names for m, names in leaks.items() if names} == {}


def import_graph() -> dict[str, set[str]]:
    """Project module -> the project modules it imports (lazy imports too).

    Only what the import needs: ``from archive import store`` is an edge to ``archive.store``;
    to the package ``archive`` only when the name is no module of it (something its
    ``__init__`` defines). A parent package Python initialises on the way is no edge of ours:
    a package's ``__init__`` importing its own modules makes no cycle.
    """
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for name in modules:
        edges: set[str] = set()
        for base, names in import_statements(name):
            if not names:
                edges.add(base)
            edges.update(f"{base}.{n}" if f"{base}.{n}" in modules else base for n in names)
        graph[name] = {edge for edge in edges if edge in modules and edge != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    return cycles


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert import_cycles(graph) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_archive_and_crawler_modules():
    """Each module can be read, tested and moved knowing only what it imports: no two modules
    need each other (article <-> fallback and listing <-> discover were such pairs)."""
    graph = import_graph()
    assert sum(len(edges) for edges in graph.values()) >= 100  # the walk sees the imports
    assert import_cycles(graph) == []


def test_the_command_line_is_composed_in_one_place():
    """``archive/cli.py`` builds the group and adds every command; no command module imports it.

    So ``python -m archive.cli`` runs the very group the commands were added to (no re-import
    of ``archive.cli`` under its own name), and a command module can be imported alone.
    """
    modules = project_modules()
    commands = [m for m in modules if is_under(m, "archive.commands")]
    assert len(commands) >= 7
    back = {m: sorted(name for name in imports_of(m) if is_under(name, "archive.cli")) for m in commands}
    assert {m: names for m, names in back.items() if names} == {}
    command_modules = {m for m in commands if m not in ("archive.commands", "archive.commands.common")}
    assert command_modules - set(import_graph()["archive.cli"]) == set()  # each one imported by name


def test_every_entry_point_has_every_command():
    """``python -m archive`` and ``python -m archive.cli`` offer the commands the group has in-process."""
    import subprocess
    import sys

    from archive.cli import cli

    assert len(cli.commands) >= 15
    for module in ("archive", "archive.cli"):
        listed = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert listed.returncode == 0, listed.stderr
        section = listed.stdout.split("Commands:", 1)[1]
        assert {line.split()[0] for line in section.splitlines() if line.strip()} == set(cli.commands), module


def test_the_store_never_imports_search():
    """Search owns its schema and registers it with the store (archive/__init__.py joins them):
    nothing in ``archive.store`` imports search, so the store can be read and changed alone."""
    store = [m for m in project_modules() if is_under(m, "archive.store")]
    assert len(store) >= 8
    leaks = {m: sorted(f"{name} (from {importer})" for name, importer in reachable(m, frozenset({"archive"})).items()
                       if is_under(name, "archive.search") or is_under(name, "archive.query")) for m in store}
    assert {m: names for m, names in leaks.items() if names} == {}
    assert "archive.search" in reachable("archive.store")  # the package joins them: the walk sees it through archive/__init__


def test_contracts_belong_to_neither_side_and_do_no_io():
    contracts = [m for m in project_modules() if is_under(m, CONTRACTS)]
    assert len(contracts) >= 3
    assert imports_of("crawler") == frozenset()  # the package the archive passes through imports nothing
    leaks = {m: sorted(f"{name} (from {importer})" for name, importer in reachable(m).items()
                       if any(is_under(name, banned) for banned in IO_MODULES)
                       or (is_under(name, "crawler") and not is_contract(name))) for m in contracts}
    assert {m: names for m, names in leaks.items() if names} == {}
