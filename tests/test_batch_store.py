"""Batched storage (archive.store.store_crawled_items) ends in the same archive as one item at a time.

The Redis ingest stores its batches this way; the one-by-one path (store_crawled_item) is the
local pipeline's and the reference here.
"""

from __future__ import annotations

import pytest

from archive import search, store

PORTAL = {"id": "test-portal", "name": "Quận Thử", "level": "quận", "province": "Hà Nội",
          "base_url": "http://127.0.0.1", "platform": "liferay-hanoi", "start_urls": []}
BASE = "http://127.0.0.1/vi/tin/-/view_content/"


def page_item(n: int, *, title: str | None = None, at: str = "2025-06-01T01:00:00+00:00", url: str | None = None) -> dict:
    url = url or f"{BASE}{n}-bai.html"
    title = title or f"Đại hội Đảng bộ phường số {n}"
    article = {"url": url, "fetched_url": url, "title": title, "lead": f"Tin số {n} của quận.",
               "body": f"Đoạn một của bài {n}.\n\nĐoạn hai nói về cải cách hành chính.", "published_at": "2025-05-30T08:00:00+07:00",
               "author": "Ban biên tập", "category": "Tin tức", "images": [], "attachments": [], "extractor": "profile:liferay-hanoi"}
    raw = f"<html><body><h1>{title}</h1><p>{n}</p></body></html>".encode()
    return {"portal_id": PORTAL["id"], "url": url, "fetched_url": url, "fetched_at": at, "status": 200,
            "headers": {"Content-Type": ["text/html; charset=utf-8"]}, "raw": raw, "article": article}


def a_run() -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """An archive's earlier content, and a run mixing every case the batch path must get right."""
    before = [("article", page_item(n)) for n in (1, 2, 3)]
    run = [
        ("article", page_item(10)),                                             # new
        ("article", page_item(1, at="2025-06-02T01:00:00+00:00")),               # archived, unchanged
        ("article", page_item(2, title="Đại hội Đảng bộ (sửa)", at="2025-06-02T01:00:00+00:00")),  # archived, edited
        ("article", page_item(11)),                                             # new, twice in the run...
        ("article", page_item(11, title="Bài 11 sửa lại", at="2025-06-02T02:00:00+00:00")),  # ...edited the second time
        ("gone", {**page_item(3), "status": 404, "raw": b"not found", "article": None}),
        ("not_modified", {"url": page_item(1)["url"], "fetched_at": "2025-06-03T01:00:00+00:00"}),
        ("page", {**page_item(99, url="http://127.0.0.1/vi/tin-tuc"), "article": None}),
        *[("article", page_item(n)) for n in range(20, 30)],                    # a backfill
    ]
    return before, run


def archive_state(db) -> dict:
    """What a researcher can see: rows without their ids, and what search finds."""
    return {
        "articles": db.execute(
            "SELECT url, title, lead, body, version, content_hash, first_seen_at, last_seen_at, gone_at, gone_status, "
            "(SELECT url || ' ' || sha256 FROM snapshots s WHERE s.id = a.snapshot_id) FROM articles a ORDER BY url").fetchall(),
        "versions": db.execute("SELECT a.url, v.version, v.title, v.content_hash, v.seen_at, v.origin FROM article_versions v "
                               "JOIN articles a ON a.id = v.article_id ORDER BY a.url, v.version").fetchall(),
        "snapshots": db.execute("SELECT url, status, sha256, first_fetched_at, last_fetched_at FROM snapshots ORDER BY url, sha256").fetchall(),
        "bodies": db.execute("SELECT count(*) FROM snapshot_bodies").fetchone(),
        "crawl": db.execute("SELECT articles_seen, articles_new, articles_updated, articles_unchanged, articles_gone "
                            "FROM crawls ORDER BY id DESC LIMIT 1").fetchone(),
        "search": {q: sorted(r["url"] for r in search.ranked_search(db.conn, q, limit=100)["rows"])
                   for q in ("dai hoi dang bo", "sua", "cai cach", "bai 11")},
        "fts": db.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')").fetchall(),
    }


def fill(path, one_by_one: bool):
    db = store.open_db(path, create=True)
    store.sync_portals(db, [PORTAL])
    before, run = a_run()
    first = store.start_crawl(db, PORTAL["id"])
    for kind, item in before:
        store.store_crawled_item(db, kind, item, province="Hà Nội", crawl_id=first)
    crawl_id = store.start_crawl(db, PORTAL["id"])
    if one_by_one:
        results = [store.store_crawled_item(db, kind, item, province="Hà Nội", crawl_id=crawl_id) for kind, item in run]
    else:
        results = store.store_crawled_items(db, [(kind, item, "Hà Nội", crawl_id) for kind, item in run])
    return db, results


def test_a_batch_gives_the_archive_one_item_at_a_time_gives(tmp_path):
    reference, expected = fill(tmp_path / "one-by-one.db", one_by_one=True)
    batched, results = fill(tmp_path / "batched.db", one_by_one=False)
    assert results == expected
    assert results[:8] == ["articles_new", "articles_unchanged", "articles_updated", "articles_new", "articles_updated",
                           "articles_gone", "articles_unchanged", None]
    assert archive_state(batched) == archive_state(reference)
    assert archive_state(batched)["crawl"] == (16, 12, 2, 2, 1)  # seen, new, updated, unchanged, gone


def test_a_failing_batch_stores_nothing(tmp_path):
    db = store.open_db(tmp_path / "archive.db", create=True)
    store.sync_portals(db, [PORTAL])
    broken = {**page_item(2), "article": {**page_item(2)["article"], "url": None}}
    with pytest.raises(store.ArchiveError, match="without url"):
        store.store_crawled_items(db, [("article", page_item(1), None, None), ("article", broken, None, None)])
    assert db.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM snapshots)").fetchone() == (0, 0)


def test_new_articles_of_a_batch_are_indexed_as_one_segment(tmp_path):
    """The reason for the batch path: one FTS5 segment per batch, not one per article."""
    db = store.open_db(tmp_path / "archive.db", create=True)
    store.sync_portals(db, [PORTAL])
    segments = "SELECT count(DISTINCT segid) FROM articles_fts_idx"
    store.store_crawled_items(db, [("article", page_item(n), None, None) for n in range(40)])
    assert db.execute(segments).fetchone()[0] == 1
    assert len(search.ranked_search(db.conn, "dai hoi", limit=100)["rows"]) == 40
