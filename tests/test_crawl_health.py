"""Crawl-side health: the layout-drift alarm, overlapping runs, log files for unattended runs."""

from __future__ import annotations

import json
import re
import sqlite3

from archive.demo import DemoPortal, generate_articles
from archive.locks import portal_lock
from tests.conftest import FAST_CRAWL, invoke_cli, run_cli, write_registry

DATE_DIV = re.compile(rb'(<div class="assetPublishDate[^"]*">).*?(</div>)', re.S)


class RedesignedPortal(DemoPortal):
    """The demo portal after a "redesign" that moved the date out of the profile's selector."""

    def handle(self, target):
        response = super().handle(target)
        return response._replace(body=DATE_DIV.sub(rb"\1\2", response.body))


def crawl(registry, db_file, *extra):
    return run_cli("crawl", "demo-hoang-mai", "--registry", str(registry), "--db", str(db_file), "--delay", "0", *FAST_CRAWL, "-q", *extra)


def test_a_redesign_that_loses_dates_marks_the_crawl_degraded(tmp_path):
    db_file = tmp_path / "archive.db"
    registry = tmp_path / "portals.toml"
    with DemoPortal() as before:
        write_registry(registry, [before.registry_entry()])
        assert crawl(registry, db_file).returncode == 0
    with RedesignedPortal(generate_articles(30, seed=7)) as after:  # new articles, same portal id
        write_registry(registry, [after.registry_entry()])
        lenient = crawl(registry, db_file)
    assert lenient.returncode == 0, lenient.stderr
    assert "warning: demo-hoang-mai: layout drift: published_at 96% → 0%" in lenient.stderr
    conn = sqlite3.connect(db_file)
    assert [r[0] for r in conn.execute("select outcome from crawls order by id")] == ["ok", "degraded"]
    assert conn.execute("select count(*) from articles where published_at is null").fetchone()[0] == 31  # stored all the same
    status = json.loads(invoke_cli("status", "--db", str(db_file), "--json").stdout)
    assert "degraded" in status[0]["flags"]
    assert invoke_cli("status", "--db", str(db_file), "--strict").returncode == 1
    with RedesignedPortal(generate_articles(30, seed=8)) as again:
        write_registry(registry, [again.registry_entry()])
        strict = crawl(registry, db_file, "--strict")
    assert strict.returncode == 1 and "error: demo-hoang-mai: layout drift: published_at" in strict.stderr


def test_an_overlapping_run_of_the_same_portal_is_refused(tmp_path):
    db_file = tmp_path / "archive.db"
    with DemoPortal() as site:
        registry = write_registry(tmp_path / "portals.toml", [site.registry_entry()])
        with portal_lock(tmp_path / "locks", "demo-hoang-mai"):  # a scheduled run still going
            refused = crawl(registry, db_file)
        assert refused.returncode == 3
        assert re.search(r"error: portal demo-hoang-mai is already being crawled \(pid \d+, started [^)]+\); this run stops here", refused.stderr)
        assert site.requests_served == 0
        assert crawl(registry, db_file).returncode == 0  # once the other run is over


def test_log_file_in_json_lines(tmp_path):
    db_file, log_file = tmp_path / "archive.db", tmp_path / "logs" / "crawl.log"
    with DemoPortal() as site:
        registry = write_registry(tmp_path / "portals.toml", [site.registry_entry()])
        result = crawl(registry, db_file, "--log-file", str(log_file), "--log-format", "json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert {"time", "level", "logger", "message"} <= set(records[0])
    messages = [r["message"] for r in records]
    assert any("Spider opened" in m for m in messages) and any("Spider closed (finished)" in m for m in messages)
    assert any(r["logger"] == "portal" and "no date on the page" in r["message"] for r in records)
