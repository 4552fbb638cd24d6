"""Resumable crawls: SIGKILL half-way and start again; Ctrl-C stops gracefully as ``interrupted``.

A real ``python -m archive.cli crawl`` subprocess crawls the generated demo portal slowly (one
request at a time, a small delay) so that there is a half-way; the test kills it there.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from archive.demo import DemoPortal, generate_articles
from tests.conftest import ROOT, run_cli, write_registry

ARTICLES = generate_articles(40, seed=7)
SLOW = ("--delay", "0.05", "--set", "AUTOTHROTTLE_ENABLED=false", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-q")


def query(db_file, sql: str) -> list[tuple]:
    if not db_file.exists():
        return []
    conn = sqlite3.connect(db_file, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # tables not created yet
        return []
    finally:
        conn.close()


def start_crawl(site: DemoPortal, tmp_path) -> subprocess.Popen:
    registry = write_registry(tmp_path / "portals.toml", [site.registry_entry()])
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_ARCHIVE_DB"}
    return subprocess.Popen([sys.executable, "-m", "archive.cli", "crawl", "demo-hoang-mai", "--registry", str(registry),
                             "--db", str(tmp_path / "archive.db"), *SLOW], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_articles(db_file, at_least: int, process: subprocess.Popen, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the crawl ended before the half-way point"
        rows = query(db_file, "select count(*) from articles")
        if rows and rows[0][0] >= at_least:
            return rows[0][0]
        time.sleep(0.05)
    raise AssertionError("the crawl did not reach the half-way point")


@pytest.fixture
def portal():
    with DemoPortal(ARTICLES, page_size=5) as site:
        yield site


def test_sigkill_half_way_then_restart_stores_every_article_exactly_once(portal, tmp_path):
    db_file = tmp_path / "archive.db"
    process = start_crawl(portal, tmp_path)
    wait_for_articles(db_file, 12, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    stored_before = query(db_file, "select count(*) from articles")[0][0]
    assert 12 <= stored_before < 40
    assert query(db_file, "select outcome from crawls") == [("running",)]  # nobody could close the row
    assert query(db_file, "select count(*) from frontier where state = 'pending'")[0][0] > 0

    registry = tmp_path / "portals.toml"
    again = run_cli("crawl", "demo-hoang-mai", "--registry", str(registry), "--db", str(db_file),
                    "--delay", "0", "--set", "AUTOTHROTTLE_ENABLED=false", "-q")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "(resumed #1)" in again.stdout

    urls = [u for (u,) in query(db_file, "select url from articles")]
    assert sorted(urls) == sorted(portal.base_url + a.path for a in ARTICLES)  # none lost, none twice
    assert query(db_file, "select count(*) from article_versions")[0][0] == 40
    crawls = query(db_file, "select id, outcome, mode, resumed_from, articles_new from crawls order by id")
    assert [c[:4] for c in crawls] == [(1, "killed", "incremental", None), (2, "ok", "incremental", 1)]
    # The killed crawl's row kept count of what it stored; the resumed one stored the rest.
    assert crawls[0][4] == stored_before and crawls[1][4] == 40 - stored_before
    assert query(db_file, "select count(*) from frontier") == [(0,)]
    # The resumed crawl did not start over: it fetched fewer article pages than were left plus listings.
    resumed_requests = query(db_file, "select requests from crawls where id = 2")[0][0]
    assert resumed_requests < 40


def test_ctrl_c_stops_gracefully_as_interrupted_and_the_next_run_resumes(portal, tmp_path):
    db_file = tmp_path / "archive.db"
    process = start_crawl(portal, tmp_path)
    wait_for_articles(db_file, 8, process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, out + err
    assert "demo-hoang-mai: interrupted" in out
    assert "Traceback" not in err and "ReactorNotRunning" not in err and "Deprecation" not in err, err  # issue 15.12
    outcome, message, new = query(db_file, "select outcome, message, articles_new from crawls")[0]
    assert outcome == "interrupted" and "shutdown" in message and 8 <= new < 40
    assert query(db_file, "select count(*) from frontier where state = 'pending'")[0][0] > 0

    again = run_cli("crawl", "demo-hoang-mai", "--registry", str(tmp_path / "portals.toml"), "--db", str(db_file),
                    "--delay", "0", "--set", "AUTOTHROTTLE_ENABLED=false", "-q")
    assert again.returncode == 0, again.stdout + again.stderr
    assert query(db_file, "select count(*), count(distinct url) from articles") == [(40, 40)]
    assert query(db_file, "select outcome, resumed_from from crawls order by id") == [("interrupted", None), ("ok", 1)]
