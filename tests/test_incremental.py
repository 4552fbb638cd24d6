"""Incremental crawls: a day with nothing new costs a handful of requests; --full re-checks all.

The generated demo portal (liferay-hanoi markup, 60 articles, 5 per listing page) answers
If-Modified-Since with 304 on articles, like a well-behaved portal. Each crawl is a real
``portal-archive crawl`` subprocess; the request counts come from the crawl rows.
"""

from __future__ import annotations

import sqlite3

import pytest

from archive.demo import DemoPortal, generate_articles
from tests.conftest import run_cli, write_registry

FAST = ("--delay", "0", "--set", "AUTOTHROTTLE_ENABLED=false", "-q")
ARTICLES = generate_articles(60, seed=6)


def crawl(site: DemoPortal, tmp_path, *extra: str):
    registry = write_registry(tmp_path / "portals.toml", [site.registry_entry()])
    result = run_cli("crawl", "demo-hoang-mai", "--registry", str(registry), "--db", str(tmp_path / "archive.db"), *FAST, *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    return last_crawl(tmp_path / "archive.db")


def last_crawl(db_file) -> dict:
    conn = sqlite3.connect(db_file)
    conn.row_factory = sqlite3.Row
    try:
        return dict(conn.execute("select * from crawls order by id desc limit 1").fetchone())
    finally:
        conn.close()


def count(db_file, sql: str) -> int:
    conn = sqlite3.connect(db_file)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def portal():
    with DemoPortal(ARTICLES, page_size=5) as site:
        yield site


def test_no_change_recrawl_costs_a_handful_of_requests_and_full_rechecks_everything(portal, tmp_path):
    first = crawl(portal, tmp_path)
    assert (first["mode"], first["outcome"], first["articles_new"]) == ("incremental", "ok", 60)
    listing_pages = sum(portal.page_count(c.slug) for c in portal.categories)
    assert first["requests"] >= 60 + listing_pages

    daily = crawl(portal, tmp_path)
    # robots.txt + the first page of each of the 3 categories: every article on them is archived
    assert (daily["outcome"], daily["articles_new"], daily["articles_updated"]) == ("ok", 0, 0)
    assert daily["requests"] == 1 + len(portal.categories)

    weekly = crawl(portal, tmp_path, "--full")
    assert (weekly["mode"], weekly["outcome"], weekly["articles_new"], weekly["articles_updated"]) == ("full", "ok", 0, 0)
    assert weekly["not_modified"] == weekly["articles_unchanged"] == 60  # conditional requests, no bodies
    assert weekly["requests"] >= 60 + listing_pages
    db_file = tmp_path / "archive.db"
    assert count(db_file, "select count(*) from article_versions") == 60
    # every fetched page is kept: the 60 articles, and each listing URL once (base page + its
    # numbered pages; the unchanged re-fetches of later runs add no row)
    assert count(db_file, "select count(*) from snapshots where url in (select fetched_url from articles)") == 60
    assert count(db_file, "select count(*) from snapshots where url not in (select fetched_url from articles)") == \
        len(portal.categories) + listing_pages
    assert count(db_file, "select count(*) from frontier") == 0  # finished crawls leave no frontier


def test_new_articles_are_fetched_and_the_walk_stops_at_archived_pages(portal, tmp_path):
    newest = sorted(ARTICLES, key=lambda a: a.published_at.timestamp() if a.published_at else 0)[-2:]
    with DemoPortal([a for a in ARTICLES if a not in newest], page_size=5) as older:
        registry_site = older
        first = crawl(registry_site, tmp_path)
        assert first["articles_new"] == 58
        # The portal publishes two articles: serve the grown portal on the same address.
        grown = DemoPortal(ARTICLES, page_size=5)
        grown._base_url = older.base_url
        older._server.portal = grown
        second = crawl(older, tmp_path)
    assert (second["outcome"], second["articles_new"], second["articles_updated"]) == ("ok", 2, 0)
    conn = sqlite3.connect(tmp_path / "archive.db")
    stored = {u for (u,) in conn.execute("select url from articles")}
    assert {older.base_url + a.path for a in newest} <= stored
    # Far fewer requests than the first crawl: only listing pages up to the archived ones.
    assert second["requests"] < first["requests"] / 3
