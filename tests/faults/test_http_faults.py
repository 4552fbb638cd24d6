"""Faults of the HTTP exchange (issue 8, points 1–4): errors, silence, broken and endless bodies.

Each test crawls a fault portal in a ``portal-archive crawl`` subprocess and asserts what the
archive did; where the fault only costs this run an article, a second crawl after the server
recovered shows that nothing is lost (the article was never marked known, so it is fetched).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from archive.demo import generate_articles
from tests.conftest import ROOT, write_registry
from tests.faults.conftest import FAST, SHORT_TIMEOUT
from tests.faults.server import Endless, FaultPortal, Hang, Huge, Reset, StallMidBody, Status, Truncated

ARTICLES = generate_articles(8, seed=11)


def stats(faults) -> dict:
    import json

    return json.loads(faults.rows("select stats from crawls order by id")[0][0])


@pytest.mark.fault("1. 500/502/503 with and without Retry-After, 429")
def test_server_errors_are_retried_within_bounds_honouring_retry_after(faults):
    a = ARTICLES
    with FaultPortal(ARTICLES) as site:
        site.on(a[0].path, Status(503, times=2))  # the third attempt (the second retry) succeeds
        site.on(a[1].path, Status(503, times=1, Retry_After="1"))
        site.on(a[2].path, Status(429, times=1, Retry_After="1"))
        site.on(a[3].path, Status(500))  # broken for good in this run
        site.on(a[4].path, Status(502, times=1))
        site.on(a[5].path, Status(429, Retry_After="3600"))  # "come back in an hour"
        first = faults.crawl(site)
        assert first.returncode == 0, first.stderr
        hits = {i: site.hits_of(a[i].path) for i in range(6)}
        assert [len(hits[i]) for i in range(6)] == [3, 2, 2, 3, 2, 1]  # RETRY_TIMES = 2, never more
        for i in (1, 2):  # the retry waited the asked second; Scrapy alone retries at once
            assert hits[i][1] - hits[i][0] >= 0.95, (i, hits[i])
        stored = {u for (u,) in faults.rows("select url from articles")}
        assert stored == {site.base_url + x.path for x in a if x not in (a[3], a[5])}
        outcome, errors = faults.rows("select outcome, errors from crawls")[0]
        assert (outcome, errors) == ("ok", 2)
        assert stats(faults)["portal_archive/retry_after_too_long"] == 1
        site.routes.clear()  # the server recovers: the next (incremental) run stores the two
        second = faults.crawl(site)
        assert second.returncode == 0, second.stderr
    faults.expect(site, ARTICLES)
    assert faults.rows("select count(*), count(distinct url) from articles") == [(8, 8)]


@pytest.mark.fault("2. no answer at all; a body that stalls half-way")
def test_silent_and_stalling_servers_time_out_and_the_crawl_finishes(faults):
    a = ARTICLES
    with FaultPortal(ARTICLES) as site:
        site.on(a[0].path, Hang())
        site.on(a[1].path, StallMidBody())
        first = faults.crawl(site, extra=("--set", "RETRY_TIMES=1", *SHORT_TIMEOUT), timeout=60)
        assert first.returncode == 0, first.stderr
        assert len(site.hits_of(a[0].path)) == len(site.hits_of(a[1].path)) == 2  # the try and one retry
        assert faults.rows("select outcome, errors from crawls") == [("ok", 2)]
        assert faults.rows("select count(*) from articles where url in (?, ?)", *(site.base_url + x.path for x in a[:2])) == [(0,)]
        assert faults.rows("select count(*) from snapshots where url like ?", f"%{a[1].path}") == [(0,)]
        site.routes.clear()
        assert faults.crawl(site).returncode == 0
    faults.expect(site, ARTICLES)
    assert faults.rows("select count(*), count(distinct url) from articles") == [(8, 8)]


@pytest.mark.fault("3. truncated body; connection reset mid-response")
def test_truncated_and_reset_responses_are_errors_never_half_articles(faults):
    a = ARTICLES
    with FaultPortal(ARTICLES) as site:
        site.on(a[0].path, Truncated())
        site.on(a[1].path, Reset())
        first = faults.crawl(site, extra=("--set", "RETRY_TIMES=1"))
        assert first.returncode == 0, first.stderr
        assert faults.rows("select outcome, errors from crawls") == [("ok", 2)]
        half = [site.base_url + x.path for x in a[:2]]
        assert faults.rows("select count(*) from articles where url in (?, ?)", *half) == [(0,)]
        assert faults.rows("select count(*) from snapshots where url in (?, ?)", *half) == [(0,)]
        site.routes.clear()
        assert faults.crawl(site).returncode == 0
    faults.expect(site, ARTICLES)
    assert faults.rows("select count(*), count(distinct url) from articles") == [(8, 8)]


def crawl_measuring_memory(faults, site) -> tuple[int, str, int]:
    """A crawl subprocess, waited with wait4 for its own peak memory (KiB)."""
    write_registry(faults.registry, [site.registry_entry()])
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_ARCHIVE_DB"}
    with open(faults.tmp_path / "err.txt", "w+") as err:
        process = subprocess.Popen([sys.executable, "-m", "archive.cli", "crawl", site.portal_id, "--registry", str(faults.registry),
                                    "--db", str(faults.db_file), *FAST], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read()
    faults.runs.append(subprocess.CompletedProcess(process.args, process.returncode, "", text))
    return process.returncode, text, usage.ru_maxrss


@pytest.mark.fault("4. a 50 MB page; an endless response")
def test_huge_and_endless_pages_are_cut_at_the_size_limit_with_bounded_memory(faults):
    a = ARTICLES
    with FaultPortal(ARTICLES) as site:
        huge = site.on(a[0].path, Huge(50 * 1024 * 1024))
        endless = site.on(a[1].path, Endless(limit=1 << 30))
        status, err, peak_kib = crawl_measuring_memory(faults, site)
    assert status == 0, err
    assert huge.sent < 21 * 1024 * 1024  # refused from its Content-Length: not even downloaded
    assert endless.sent < 64 * 1024 * 1024  # cut at DOWNLOAD_MAXSIZE (20 MB), not at the server's 1 GB
    assert peak_kib < 300 * 1024, f"peak memory {peak_kib // 1024} MB"
    assert faults.rows("select outcome, errors from crawls") == [("ok", 2)]
    faults.refuse(site, a[:2])  # by design: pages above DOWNLOAD_MAXSIZE are not archived
    faults.expect(site, a[2:])
    assert {u for (u,) in faults.rows("select url from articles")} == set(faults.expected)
