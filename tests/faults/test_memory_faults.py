"""Issue 15, point 11: what a crawl keeps per page stays bounded, whatever the portal's size.

Asserted on the structures' sizes (deterministic), not on RSS; the measured peak RSS of a
100,000-article crawl is in docs/benchmarks.md (``bench/crawl_bench.py``).
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from archive.demo import generate_articles
from archive.demo.site import DemoPortal
from crawler.spiders.portal import PortalSpider
from tests.conftest import write_registry


def _project_settings(**overrides: object) -> dict:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    values = {k: settings[k] for k in settings if k.isupper()}
    values.update(TWISTED_REACTOR_ENABLED=False, **overrides)  # no reactor: nothing is crawled here
    return values


def test_the_duplicate_filter_keeps_a_bounded_number_of_fingerprints() -> None:
    # Scrapy's RFPDupeFilter keeps every fingerprint of the run (~100 bytes a page); the
    # durable frontier already refuses repeated URLs on disk, so memory need not grow.
    crawler = get_crawler(settings_dict=_project_settings(PORTAL_ARCHIVE_DUPEFILTER_MAX=500))
    dupefilter = build_from_crawler(load_object(crawler.settings["DUPEFILTER_CLASS"]), crawler)
    urls = [f"http://portal.example/vi/tin/{n}" for n in range(3000)]
    assert not any(dupefilter.request_seen(Request(u)) for u in urls)
    assert len(dupefilter._recent if hasattr(dupefilter, "_recent") else dupefilter._fingerprints) <= 500
    assert dupefilter.request_seen(Request(urls[-1]))  # recent repeats (redirect loops) are still caught


def test_a_crawl_without_the_frontier_keeps_every_fingerprint() -> None:
    crawler = get_crawler(settings_dict=_project_settings(PORTAL_ARCHIVE_DUPEFILTER_MAX=500, PORTAL_ARCHIVE_FRONTIER=False))
    dupefilter = build_from_crawler(load_object(crawler.settings["DUPEFILTER_CLASS"]), crawler)
    for n in range(1000):
        dupefilter.request_seen(Request(f"http://portal.example/{n}"))
    assert dupefilter.request_seen(Request("http://portal.example/0"))  # nothing else would catch it


def test_a_listings_articles_are_fetched_before_its_next_page(tmp_path: Path) -> None:
    # Scrapy's queue is LIFO: a listing's next page, yielded after its articles, was fetched
    # first, so a first crawl walked the pagination ahead and queued the portal's articles in
    # memory. Articles go first: the queue holds a page's worth, not the portal.
    with DemoPortal(generate_articles(40, seed=7)) as site:
        entry = site.registry_entry()
        registry = write_registry(tmp_path / "portals.toml", [entry])
        crawler = get_crawler(PortalSpider, settings_dict=_project_settings(
            PORTAL_ARCHIVE_DB=str(tmp_path / "archive.db"), PORTAL_ARCHIVE_REGISTRY=str(registry)))
        spider = PortalSpider.from_crawler(crawler, portal=entry["id"])
        try:
            url = spider.portal.resolved_start_urls()[0]
            body = urllib.request.urlopen(url, timeout=10).read()
            request = Request(url, meta={"kind": "start", "page_number": 1})
            outputs = list(spider.parse(HtmlResponse(url, body=body, request=request)))
        finally:
            spider.frontier.close(finished=False)
    requests = [o for o in outputs if isinstance(o, Request)]
    articles = [r for r in requests if r.meta.get("kind") == "article"]
    listings = [r for r in requests if r.meta.get("kind") in {"listing", "section"}]
    assert articles and listings
    assert min(r.priority for r in articles) > max(r.priority for r in listings)


def _archive_with_articles(db_file: Path, portal: object, count: int) -> None:
    """An archive holding ``count`` articles of ``portal`` (bare rows: only what a crawl looks up)."""
    from archive import store

    db = store.open_db(str(db_file), create=True)
    store.sync_portals(db, [portal.to_row()])
    with db.conn:
        db.conn.executemany("INSERT INTO articles(portal_id, url, fetched_url, title) VALUES (?, ?, ?, ?)",
                            [(portal.id, f"{portal.base_url}/vi/tin/{n}", f"{portal.base_url}/vi/tin/{n}?x=1", f"Tin {n}")
                             for n in range(count)])
    db.close()


def test_the_known_articles_of_a_large_archive_are_not_held_in_memory(tmp_path: Path) -> None:
    # An incremental or --full crawl of a portal with 20,000 archived articles: the known map
    # was a dict of them all (~1 KB each, before the first page); now a file on disk.
    import tracemalloc

    from crawler.registry import get_portal

    with DemoPortal(generate_articles(5, seed=3)) as site:
        entry = site.registry_entry()
        registry = write_registry(tmp_path / "portals.toml", [entry])
        portal = get_portal(entry["id"], str(registry))
        _archive_with_articles(tmp_path / "archive.db", portal, 20_000)
        crawler = get_crawler(PortalSpider, settings_dict=_project_settings(
            PORTAL_ARCHIVE_DB=str(tmp_path / "archive.db"), PORTAL_ARCHIVE_REGISTRY=str(registry), PORTAL_ARCHIVE_FULL=True))
        tracemalloc.start()
        try:
            spider = PortalSpider.from_crawler(crawler, portal=entry["id"])
            held, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        try:
            assert held < 3_000_000, f"{held / 1e6:.1f} MB held for 20,000 archived articles"
            assert spider.known and spider._known(f"{portal.base_url}/vi/tin/7")["fetched_url"].endswith("/vi/tin/7?x=1")
            assert spider._known(f"{portal.base_url}/vi/tin/7?x=1")["url"] == f"{portal.base_url}/vi/tin/7"
            assert spider._known(f"{portal.base_url}/vi/tin/20001") is None
        finally:
            spider.closed("finished")


def test_known_articles_on_disk_answer_as_the_dict_did() -> None:
    from crawler.known import KnownArticles, each_page_once

    infos = [{"url": "http://p/a", "fetched_url": "http://p/b", "gone_at": None, "etag": '"1"', "last_modified": None},
             {"url": "http://p/b", "fetched_url": "http://p/b", "gone_at": None, "etag": '"2"', "last_modified": None},
             {"url": "http://p/c", "fetched_url": "http://p/c", "gone_at": "2026-01-01", "etag": None, "last_modified": None}]
    expected: dict = {}
    for info in infos:  # archive.store.known_articles: the canonical URL wins, then the first fetched one
        expected[info["url"]] = info
        expected.setdefault(info["fetched_url"], info)
    known = KnownArticles(iter(infos))
    try:
        assert all(known.get(url) == info for url, info in expected.items()) and known.get("http://p/x") is None
        assert len(known) == 3 and bool(known) and not KnownArticles([])
        assert sorted(i["url"] for i in known.values()) == ["http://p/a", "http://p/b", "http://p/c"]
        assert [i["fetched_url"] for i in each_page_once(known)] == [i["fetched_url"] for i in each_page_once(expected)] == ["http://p/b", "http://p/c"]
    finally:
        known.close()


@pytest.mark.parametrize(("limit", "peak_allowed"), [
    (20, lambda peak: peak <= 20 + 30),  # paced: the queue's limit (a listing's own links may add a few)
    (100_000, lambda peak: peak >= 250),  # the control: unpaced, nearly every archived article at once
], ids=["paced", "unpaced"])
def test_a_full_recheck_hands_scrapy_its_requests_as_the_queue_has_room(tmp_path: Path, limit: int, peak_allowed) -> None:
    # Scrapy drains start requests into its in-memory queue whenever the downloader is busy:
    # a --full crawl queued a request per archived article at once. Paced by the queue length.
    import json
    import sqlite3

    from crawler.registry import get_portal
    from tests.conftest import run_cli

    with DemoPortal(generate_articles(5, seed=3)) as site:
        entry = site.registry_entry()
        registry = write_registry(tmp_path / "portals.toml", [entry])
        portal = get_portal(entry["id"], str(registry))
        db_file = tmp_path / "archive.db"
        _archive_with_articles(db_file, portal, 300)  # taken down since: each re-check is a 404
        result = run_cli("crawl", entry["id"], "--registry", str(registry), "--db", str(db_file), "--full", "--delay", "0",
                         "--set", "AUTOTHROTTLE_ENABLED=false", "--set", f"PORTAL_ARCHIVE_START_QUEUE_MAX={limit}", "-q")
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db_file)
    stats = json.loads(conn.execute("select stats from crawls").fetchone()[0])
    assert conn.execute("select count(*) from articles where gone_at is not null").fetchone() == (300,)
    peak = stats["portal_archive/start_queue_peak"]
    assert peak_allowed(peak), peak


def test_a_resumed_crawl_reads_its_pending_requests_a_batch_at_a_time(tmp_path: Path) -> None:
    # A killed --full crawl of a large portal leaves ~one pending row per archived article;
    # the resume loaded them all as a list of dicts before the first request.
    import tracemalloc

    from archive import store
    from crawler.middlewares import Frontier

    db_file = str(tmp_path / "archive.db")
    db = store.open_db(db_file, create=True)
    store.sync_portals(db, [{"id": "p", "name": "P", "base_url": "http://p.example"}])
    db.conn.execute("BEGIN")  # one commit for the set-up, not 5,000 (each add joins this transaction)
    for n in range(5000):
        store.frontier_add(db, "p", f"http://p.example/vi/tin/{n}", meta={"kind": "article", "article_hops": 1}, headers={})
    db.conn.execute("COMMIT")
    assert db.execute("select count(*) from frontier where state = 'pending'").fetchone()[0] == 5000
    tracemalloc.start()
    try:
        frontier = Frontier(db_file, "p")
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    try:
        assert held < 500_000, f"{held / 1e6:.1f} MB held for 5,000 pending requests"
        assert frontier.pending == 5000 and frontier.resumed_from is None  # no crawl id recorded in these rows
        urls = []
        for request in frontier.requests():
            urls.append(request.url)
            if len(urls) == 10:  # meanwhile the resumed crawl adds requests and finishes others
                store.frontier_add(frontier.db, "p", "http://p.example/vi/moi", meta={}, headers={})
                store.frontier_done(frontier.db, "p", "http://p.example/vi/tin/4999")
        assert urls == [f"http://p.example/vi/tin/{n}" for n in range(4999)]
        assert request.meta == {"kind": "article", "article_hops": 1, "frontier_url": urls[-1]} and request.dont_filter
    finally:
        frontier.close(finished=False)
    db.close()
