"""Distributed crawl on a real Redis: two workers, one killed half-way, one ingest; every article once.

Debian's ``redis-server`` (installed by ``.ci/run``) is started by the fixture on 127.0.0.1 at a
free port, without persistence, and stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.demo import DemoPortal, generate_articles
from tests.conftest import ROOT, run_cli, write_registry
from tests.servers import redis_server

redis = pytest.importorskip("redis")
PORTAL = "demo-hoang-mai"
KEYS = f"portal-archive:portal:{PORTAL}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path: Path):
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing: .ci/run installs it (apt-get install redis-server)")
        pytest.skip("needs Debian's redis-server (apt-get install redis-server)")
    with redis_server(binary, tmp_path) as url:
        yield url


def _worker(url: str, registry: Path, db: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "archive.cli", "crawl", PORTAL, "--distributed", url, "--registry", str(registry),
         "--db", str(db), "--delay", "0.1", "--set", "AUTOTHROTTLE_ENABLED=false", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
         "--set", "PORTAL_ARCHIVE_HEARTBEAT=2", "--set", "SCHEDULER_IDLE_BEFORE_CLOSE=1", "-q", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_workers_one_killed_every_article_stored_once(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    with DemoPortal(generate_articles(120)) as site:
        registry = write_registry(tmp_path / "portals.toml", [site.registry_entry()])
        archive = tmp_path / "archive.db"
        workers = [_worker(redis_url, registry, tmp_path / f"worker{i}.db") for i in range(2)]
        # The ingest stops once idle with no worker it knows of: start it when the workers have
        # sent their first message (their start-up can take seconds on a busy machine).
        deadline = time.monotonic() + 120
        while client.llen("portal-archive:items") == 0:
            assert all(w.poll() is None for w in workers) and time.monotonic() < deadline, "no worker sent anything"
            time.sleep(0.02)
        ingest = subprocess.Popen([sys.executable, "-m", "archive.cli", "ingest", "--from", redis_url, "--db", str(archive),
                                   "--batch", "50", "--stop-after-idle", "4", "-q"],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        victim = workers[0]
        inflight_key = f"{KEYS}:inflight:{socket.gethostname()}:{victim.pid}"
        total_pages = len(site.articles) + 15
        deadline = time.monotonic() + 120
        while not (site.requests_served >= total_pages // 2 and client.hlen(inflight_key) > 0):
            assert victim.poll() is None and time.monotonic() < deadline, "the crawl ended before the kill"
            time.sleep(0.005)
        in_flight_at_kill = client.hlen(inflight_key)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        survivor_out, survivor_err = workers[1].communicate(timeout=180)
        ingest_out, ingest_err = ingest.communicate(timeout=120)

    assert in_flight_at_kill > 0
    assert workers[1].returncode == 0, survivor_err
    assert "finished" in survivor_err
    assert ingest.returncode == 0, ingest_err
    conn = sqlite3.connect(archive)
    stored = [row[0] for row in conn.execute("SELECT url FROM articles")]
    assert sorted(stored) == sorted(site.article_urls)  # every article, none twice (url is unique)
    assert conn.execute("SELECT count(*), max(version) FROM (SELECT article_id, count(*) AS version FROM article_versions GROUP BY article_id)").fetchone() == (120, 1)
    outcome, message, seen, new, mode = conn.execute("SELECT outcome, message, articles_seen, articles_new, mode FROM crawls").fetchone()
    assert (outcome, mode, new) == ("ok", "distributed", 120)
    assert seen >= 120  # a page the killed worker had fetched may come again, as unchanged
    assert f"{victim.pid}" in message and "without closing" in message
    # The shared state is gone: no queue, no in-flight, no workers, the dupefilter cleared.
    assert [k.decode() for k in client.keys(f"{KEYS}:*")] == []
    assert client.llen("portal-archive:items") == 0 and client.llen("portal-archive:items:ingesting") == 0
    # The workers wrote nothing into their own --db: the ingest is the one writer.
    worker_db = sqlite3.connect(tmp_path / "worker1.db")
    assert worker_db.execute("SELECT count(*) FROM articles").fetchone() == (0,)


def test_ingest_stores_a_batch_left_by_a_killed_ingest(redis_url: str, tmp_path: Path) -> None:
    from archive import store
    from archive.commands.ingest import Ingest
    from crawler.distributed import ITEMS_KEY, encode_item
    from crawler.items import ArticleItem

    client = redis.Redis.from_url(redis_url)
    page = "<html><body><h1>Tiêu đề</h1></body></html>".encode()
    items = [ArticleItem(portal_id="test-portal", url=f"http://127.0.0.1/a/{i}", fetched_url=f"http://127.0.0.1/a/{i}",
                         fetched_at="2025-01-02T03:04:05+00:00", status=200, headers={"Content-Type": ["text/html"]}, raw=page,
                         article={"url": f"http://127.0.0.1/a/{i}", "title": f"Bài {i}", "body": "Đại biểu"}) for i in range(5)]
    messages = [encode_item(item, worker="w:1", province="Hà Nội") for item in items]
    client.rpush(f"{ITEMS_KEY}:ingesting", *messages[:3])  # moved out by an ingest that then died
    client.rpush(ITEMS_KEY, *messages[3:])
    db = store.open_db(tmp_path / "archive.db", create=True)
    ingest = Ingest(client, db, batch=10)
    assert ingest.step(wait=0) == 3  # the leftover batch first
    assert ingest.step(wait=0) == 2
    assert ingest.step(wait=0) == 0
    assert db.execute("SELECT count(*), min(province) FROM articles").fetchone() == (5, "Hà Nội")
    assert store.snapshot_body(db, db.execute("SELECT snapshot_id FROM articles LIMIT 1").fetchone()[0]) == page
    assert client.exists(f"{ITEMS_KEY}:ingesting") == 0
    client.rpush(ITEMS_KEY, messages[0])  # the same article again: stored once, seen again
    ingest.step(wait=0)
    assert db.execute("SELECT count(*) FROM article_versions").fetchone() == (5,)
    assert ingest.stored == {"articles_new": 5, "articles_unchanged": 1}


def test_dupefilter_entries_expire(redis_url: str) -> None:
    from scrapy import Request

    from crawler.redis_queue import ExpiringDupeFilter

    client = redis.Redis.from_url(redis_url)
    dupefilter = ExpiringDupeFilter(client, "test:dupefilter", ttl=1)
    assert dupefilter.request_seen(Request("http://127.0.0.1/a")) is False
    assert dupefilter.request_seen(Request("http://127.0.0.1/a")) is True
    assert 0 < client.ttl("test:dupefilter") <= 1
    time.sleep(1.2)
    assert dupefilter.request_seen(Request("http://127.0.0.1/a")) is False  # expired: may be fetched again


def test_worker_with_unreachable_redis_is_one_line_error(tmp_path: Path) -> None:
    registry = write_registry(tmp_path / "portals.toml", [{"id": PORTAL, "name": "x", "level": "quận", "province": "Hà Nội",
                                                             "base_url": "http://127.0.0.1:9", "platform": "liferay-hanoi",
                                                             "enabled": True, "start_urls": ["/vi/tin-tuc"]}])
    result = run_cli("crawl", PORTAL, "--distributed", f"redis://127.0.0.1:{_free_port()}/0", "--registry", str(registry),
                     "--db", str(tmp_path / "w.db"), "-q")
    assert result.returncode == 1  # Redis not answering: 1, as for `ingest` (issue 15.18: one code per failure)
    assert "cannot use Redis" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = run_cli("ingest", "--from", f"redis://127.0.0.1:{_free_port()}/0", "--db", str(tmp_path / "a.db"))
    assert result.returncode == 1 and "cannot use Redis" in result.stderr


def _ingest(url: str, archive: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "archive.cli", "ingest", "--from", url, "--db", str(archive),
                             "--batch", "50", "--until-done"],  # the worker starts after it: waits for it, ends with its run
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_distributed_crawls_are_incremental_through_what_the_ingest_publishes(redis_url: str, tmp_path: Path) -> None:
    """Workers never open the archive: the ingest publishes its articles to Redis (at start and
    after each batch), and a worker's listing walk stops at archived articles as a local one does."""
    client = redis.Redis.from_url(redis_url)
    known_key = f"portal-archive:known:{PORTAL}"
    archive = tmp_path / "archive.db"
    with DemoPortal(generate_articles(40), page_size=5) as site:
        registry = write_registry(tmp_path / "portals.toml", [site.registry_entry()])

        def crawl() -> int:
            before = site.requests_served
            ingest = _ingest(redis_url, archive)
            deadline = time.monotonic() + 30
            while archive.exists() and client.hlen(known_key) == 0 and time.monotonic() < deadline:
                time.sleep(0.05)  # an archive that holds articles: let the ingest publish them first
            worker = _worker(redis_url, registry, tmp_path / "worker.db")
            _, worker_err = worker.communicate(timeout=180)
            _, ingest_err = ingest.communicate(timeout=120)
            assert worker.returncode == 0 and ingest.returncode == 0, worker_err + ingest_err
            return site.requests_served - before

        first = crawl()
        assert client.hlen(known_key) == 40  # published batch by batch as they were stored
        client.flushdb()  # a new Redis: the next ingest publishes the archive's articles at start
        second = crawl()

    conn = sqlite3.connect(archive)
    rows = conn.execute("SELECT outcome, mode, articles_new, requests FROM crawls ORDER BY id").fetchall()
    assert [r[:3] for r in rows] == [("ok", "distributed", 40), ("ok", "distributed", 0)]
    assert first > 40 and second <= 5, (first, second)  # robots.txt and the first listing page of each category
    assert rows[1][3] == second  # the crawl row counts the worker's requests
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (40,)


def test_published_articles_read_back_as_the_archive_gives_them(redis_url: str, tmp_path: Path) -> None:
    from archive import store
    from archive.commands.ingest import publish_known
    from crawler.distributed import known_key, read_known

    db = store.open_db(tmp_path / "archive.db", create=True)
    store.sync_portals(db, [{"id": "p", "name": "P"}])
    for n in range(3):
        url = f"http://127.0.0.1/a/{n}"
        snapshot = store.store_snapshot(db, url=f"{url}?p_p_id=x", body=f"<p>{n}</p>".encode(), status=200, portal_id="p",
                                        headers={"ETag": f'"e{n}"', "Last-Modified": "Wed, 15 Jan 2020 08:22:00 GMT"})
        store.upsert_article(db, {"url": url, "fetched_url": f"{url}?p_p_id=x", "title": f"Bài {n}"}, portal_id="p",
                             snapshot_id=snapshot)
    store.mark_gone(db, "http://127.0.0.1/a/2", status=404, at="2025-02-01T00:00:00+00:00")
    client = redis.Redis.from_url(redis_url)
    client.hset(known_key("p"), "http://127.0.0.1/removed", "{}")  # no longer in the archive
    assert publish_known(client, "p", store.known_articles(db, "p"), replace=True) == 3
    assert read_known(client, "p") == store.known_articles(db, "p")
    assert [k for k in client.keys("portal-archive:known:*")] == [known_key("p").encode()]  # the sync key renamed away
