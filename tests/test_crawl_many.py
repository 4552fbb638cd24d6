"""`crawl --all`: one crawl row per portal, a failing portal never stops the others."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

from archive.demo import DemoPortal
from tests.conftest import ROOT, invoke_cli, run_cli, write_registry
from tests.servers import FailingSite


def test_crawl_all_records_each_portal_and_survives_a_broken_one(tmp_path):
    db_file = tmp_path / "archive.db"
    with DemoPortal() as first, DemoPortal() as second, FailingSite() as broken:
        entries = [
            {**first.registry_entry(), "id": "demo-one"},
            {"id": "broken-portal", "name": "Quận Hỏng",
             "level": "quận", "province": "Hà Nội", "base_url": broken.base_url, "platform": "liferay-hanoi",
             "start_urls": ["/vi/tin-tuc"]},
            {**second.registry_entry(), "id": "demo-two"},
            {"id": "disabled-portal", "name": "Huyện Tắt", "level": "huyện", "province": "Hà Nội",
             "base_url": "http://127.0.0.1:9", "platform": "unknown", "enabled": False},
        ]
        registry = write_registry(tmp_path / "portals.toml", entries)
        result = run_cli("crawl", "--all", "--registry", str(registry), "--db", str(db_file), "--delay", "0",
                         "--set", "RETRY_TIMES=1", "-q")
        assert result.returncode == 1, result.stdout + result.stderr
        assert broken.requests  # it was really asked, and answered 500
    conn = sqlite3.connect(db_file)
    rows = conn.execute("select portal_id, outcome, articles_new from crawls order by id").fetchall()
    assert rows == [("demo-one", "ok", 25), ("broken-portal", "failed", 0), ("demo-two", "ok", 25)]
    assert "error: broken-portal: start URL unreachable (1 failed), first: " in result.stderr
    assert "HTTP 500" in result.stderr
    status = invoke_cli("status", "--db", str(db_file), "--json")
    flags = {row["portal_id"]: row["flags"] for row in json.loads(status.stdout)}
    assert flags["broken-portal"][0] == "failed"
    # The demo portal's newest article is from 2024: stale, but its crawl did not fail.
    assert flags["demo-one"] == flags["demo-two"] == ["stale"]


def _crawl_watching(servers: dict, registry, db_file, *extra: str) -> list[dict]:
    """Run ``crawl --all`` and sample the requests each server has answered, every 20 ms."""
    process = subprocess.Popen([sys.executable, "-m", "archive.cli", "crawl", "--all", "--registry", str(registry),
                                "--db", str(db_file), "--delay", "0.1", "--set", "AUTOTHROTTLE_ENABLED=false",
                                "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1", *extra],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples = []
    while process.poll() is None:
        samples.append({name: site.requests_served for name, site in servers.items()})
        time.sleep(0.02)
    out, err = process.communicate()
    assert process.returncode == 0, out + err
    return samples + [{name: site.requests_served for name, site in servers.items()}]


def _overlapped(samples: list[dict], first: str, second: str) -> bool:
    """Did ``second`` get a request while ``first`` was still being crawled?"""
    final = samples[-1][first]
    return any(s[second] > 0 and s[first] < final for s in samples)


def test_parallel_crawls_run_portals_of_different_hosts_at_once_and_never_two_of_one_host(tmp_path):
    with DemoPortal() as one, DemoPortal(host="127.0.0.2") as two:  # two loopback hosts
        entries = [{**one.registry_entry(), "id": "demo-a"},
                   {**two.registry_entry(), "id": "demo-b"}]
        registry = write_registry(tmp_path / "portals.toml", entries)
        sequential = _crawl_watching({"a": one, "b": two}, registry, tmp_path / "one-by-one.db", "-q")
        assert not _overlapped(sequential, "a", "b")  # the default: one after the other
        before = {"a": one.requests_served, "b": two.requests_served}
        parallel = _crawl_watching({"a": one, "b": two}, registry, tmp_path / "parallel.db", "--parallel", "2")
        parallel = [{k: v - before[k] for k, v in s.items()} for s in parallel]
        assert _overlapped(parallel, "a", "b") or _overlapped(parallel, "b", "a")
        rows = sqlite3.connect(tmp_path / "parallel.db").execute(
            "select portal_id, outcome, articles_new from crawls order by id").fetchall()
        assert sorted(rows) == [("demo-a", "ok", 25), ("demo-b", "ok", 25)]

        # Two portals on one host wait for each other even with --parallel.
        same_host = [{**one.registry_entry(), "id": "demo-a"},
                     {**one.registry_entry(), "id": "demo-a2", "start_urls": one.start_urls[:1]}]
        registry = write_registry(tmp_path / "same-host.toml", same_host)
        start = one.requests_served
        process = run_cli("crawl", "--all", "--parallel", "2", "--registry", str(registry), "--db", str(tmp_path / "same.db"),
                          "--delay", "0.1", "--set", "AUTOTHROTTLE_ENABLED=false", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-q")
        assert process.returncode == 0, process.stdout + process.stderr
        assert one.requests_served > start
    windows = sqlite3.connect(tmp_path / "same.db").execute("select started_at, finished_at from crawls order by id").fetchall()
    assert len(windows) == 2 and windows[1][0] >= windows[0][1]  # the second started once the first had finished
