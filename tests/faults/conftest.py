"""Fault-suite fixtures: a crawl helper, and the figures each fault test leaves behind.

Every test that uses ``faults`` gets a throw-away archive and registry; ``faults.crawl(site)``
runs ``portal-archive crawl`` in a subprocess against the fault portal with short timeouts.
At the end of the test the archive is tallied — articles expected (the test says which),
stored, duplicated (the same article under more than one row), lost (expected, not stored), hijacked
(an expected URL holding another article's title),
spurious (a row that is no article, e.g. a home page), crawls finished (closed by the crawl
itself) and crashes (a Python traceback, or an exit status other than 0, 1, 2 (refused input), 3) — and the
session prints one table (and writes it as Markdown to ``$PORTAL_ARCHIVE_FAULTS_REPORT``; see
:mod:`tests.faults.figures`).
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli, write_registry
from tests.faults.figures import FIGURES_PROPERTY

# No polite delay; a timeout well above a local answer on a busy machine (the suite runs its tests in
# parallel): the tests of silent servers set their own short one.
FAST = ("--delay", "0", "--set", "AUTOTHROTTLE_ENABLED=false", "--set", "DOWNLOAD_TIMEOUT=20", "-q")
SHORT_TIMEOUT = ("--set", "DOWNLOAD_TIMEOUT=2")


class FaultCrawls:
    """One test's archive, its crawls and its figures."""

    def __init__(self, tmp_path: Path, fault: str) -> None:
        self.tmp_path = tmp_path
        self.db_file = tmp_path / "archive.db"
        self.registry = tmp_path / "portals.toml"
        self.fault = fault
        self.runs: list[subprocess.CompletedProcess] = []
        self.expected: dict[str, str] = {}  # canonical URL -> title
        self.refused: set[str] = set()  # URLs the archive rightly does not store (too big, robots)

    def expect(self, site: Any, articles: list[Any]) -> None:
        self.expected.update({site.base_url + a.path: a.title for a in articles})

    def refuse(self, site: Any, articles: list[Any]) -> None:
        for a in articles:
            self.expected.pop(site.base_url + a.path, None)
            self.refused.add(site.base_url + a.path)

    def crawl(self, *sites: Any, extra: tuple[str, ...] = (), timeout: float = 120, **kwargs: Any) -> subprocess.CompletedProcess:
        write_registry(self.registry, [s.registry_entry() for s in sites])
        ids = [s.registry_entry()["id"] for s in sites]
        result = run_cli("crawl", *ids, "--registry", str(self.registry), "--db", str(self.db_file), *FAST, *extra,
                         timeout=timeout, **kwargs)
        self.runs.append(result)
        return result

    def rows(self, sql: str, *params: Any) -> list[tuple]:
        conn = sqlite3.connect(self.db_file, timeout=30)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def article(self, url: str) -> dict[str, Any] | None:
        conn = sqlite3.connect(self.db_file)
        conn.row_factory = sqlite3.Row
        try:
            row = conn.execute("select * from articles where url = ?", [url]).fetchone()
            return dict(row) if row else None
        finally:
            conn.close()

    def figures(self) -> dict[str, Any]:
        rows = self.rows("select url, title from articles") if self.db_file.exists() else []
        crawls = self.rows("select outcome from crawls") if self.db_file.exists() else []
        by_title: dict[str, int] = {}
        for _, title in rows:
            by_title[title] = by_title.get(title, 0) + 1
        titles = set(self.expected.values())
        stored = {url for url, _ in rows} & set(self.expected)
        return {
            "fault": self.fault,
            "expected": len(self.expected),
            "stored": len(stored),
            "duplicated": sum(n - 1 for t, n in by_title.items() if t in titles and n > 1),
            "lost": len(set(self.expected) - stored),
            # an expected URL holding another article's content (e.g. through a rel=canonical of another page)
            "hijacked": sum(1 for url, title in rows if url in self.expected and self.expected[url] is not None and title != self.expected[url]),
            "spurious": sum(1 for url, title in rows if url not in self.expected and title not in titles and url not in self.refused),
            "refused": len(self.refused),
            "crawls": len(crawls),
            "finished": sum(1 for (o,) in crawls if o not in ("running", "killed")),
            "crashes": sum(1 for r in self.runs if "Traceback (most recent call last)" in r.stderr or r.returncode not in (0, 1, 2, 3)),
        }


@pytest.fixture
def faults(request: pytest.FixtureRequest, tmp_path: Path):
    marker = request.node.get_closest_marker("fault")
    crawls = FaultCrawls(tmp_path, marker.args[0] if marker else request.node.name)
    yield crawls
    figures = crawls.figures()
    figures["test"] = request.node.name
    # handed to the session through the test's report: it reaches the main process under pytest-xdist too
    request.node.user_properties.append((FIGURES_PROPERTY, figures))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fault(name): the fault a test of tests/faults injects (for the figures table)")


