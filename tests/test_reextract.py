"""Re-extraction: a changed extractor reaches stored material from snapshots, with no network.

The bundled demo portal is crawled once; then the portal's profile changes (a registry
``selectors`` override, the same data path as an improved platform profile) and ``reextract``
rebuilds the articles from their snapshots while the test counts the portal's requests and
forbids any socket connection.
"""

from __future__ import annotations

import re
import socket
import sqlite3

from click.testing import CliRunner

from archive.cli import cli
from archive.demo import DemoPortal
from tests.conftest import run_cli, write_registry


def test_reextract_after_an_extractor_change_updates_articles_without_network(tmp_path, monkeypatch):
    db_file = tmp_path / "archive.db"
    with DemoPortal() as site:
        entry = site.registry_entry()
        registry = write_registry(tmp_path / "portals.toml", [entry])
        crawl = run_cli("crawl", entry["id"], "--registry", str(registry), "--db", str(db_file), "--delay", "0", "-q")
        assert crawl.returncode == 0, crawl.stderr
        conn = sqlite3.connect(db_file)
        with_author = conn.execute("select count(*) from articles where author is not null").fetchone()[0]
        total = conn.execute("select count(*) from articles").fetchone()[0]
        assert with_author > 0 and total == 25

        # The "extractor change": this portal's author selector now finds nothing.
        changed = write_registry(tmp_path / "changed.toml", [entry])
        changed.write_text(changed.read_text(encoding="utf-8") + '[portal.selectors]\nauthor = ".no-such-byline"\n', encoding="utf-8")
        requests_before = site.requests_served

        def no_network(self, *args, **kwargs):
            raise AssertionError("reextract opened a network connection")

        monkeypatch.setattr(socket.socket, "connect", no_network)
        result = CliRunner().invoke(cli, ["reextract", "--portal", entry["id"], "--registry", str(changed), "--db", str(db_file)])
        monkeypatch.undo()
        assert result.exit_code == 0, result.output
        assert site.requests_served == requests_before  # zero requests reached the portal

    assert f"{total} articles from snapshots, {with_author} updated, {total - with_author} unchanged" in result.output
    changed_lines = [line for line in result.output.splitlines() if line.startswith("updated: http://127.0.0.1")]
    assert len(changed_lines) == with_author
    assert all(re.search(r"\([^)]*\bauthor\b[^)]*\) → version 2$", line) for line in changed_lines)
    assert conn.execute("select count(*) from articles where author is not null").fetchone()[0] == 0
    versions = conn.execute("select origin, count(*) from article_versions group by origin order by origin").fetchall()
    assert versions == [("crawl", total), ("reextract", with_author)]
    # A second run with the same extractor changes nothing.
    again = CliRunner().invoke(cli, ["reextract", "--portal", entry["id"], "--registry", str(changed), "--db", str(db_file), "-q"])
    assert f"{total} articles from snapshots, 0 updated, {total} unchanged" in again.output


def test_reextract_since_filters_by_snapshot_date_and_refuses_a_bad_date(tmp_path, db):
    db_path = tmp_path / "archive.db"
    runner = CliRunner()
    future = runner.invoke(cli, ["reextract", "--since", "2999-01-01", "--db", str(db_path)])
    assert future.exit_code == 0 and "0 articles from snapshots" in future.output
    bad = runner.invoke(cli, ["reextract", "--since", "last week", "--db", str(db_path)])
    assert bad.exit_code == 2 and "--since 'last week': expected a date YYYY-MM-DD" in bad.output
