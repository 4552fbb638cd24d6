"""Crawl results given as plain data: one at a time (the pipeline) or a batch in one transaction (the Redis ingest)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlite_utils import Database

from archive import stories
from archive.store.articles import article_row, chunks, content_hash, mark_gone, touch_article, upsert_article, version_row
from archive.store.crawls import bump_crawl
from archive.store.errors import ArchiveError
from archive.store.snapshots import store_snapshot
from archive.store.transactions import transaction


def store_crawled_item(db: Database, kind: str, item: dict[str, Any], *, province: str | None = None,
                       crawl_id: int | None = None, assign_story: bool = True) -> str | None:
    """Store one crawl result given as plain data, with the calls ``crawler/pipelines.py`` makes.

    ``kind`` is ``article`` (fields of ``crawler.items.ArticleItem``: a fetched page and its
    extracted ``article``), ``not_modified`` (a 304 re-check), ``gone`` (404/410 or a redirect
    away) or ``page`` (a listing or home page: its snapshot only). Returns the ``crawls`` counter the result went to (``articles_new``, ...) or None.
    The result is counted on ``crawl_id`` in the same transaction; inside a caller's
    :func:`transaction` nothing is committed here, so a queue consumer can commit a batch at once.
    """
    if kind == "not_modified":
        return "articles_unchanged" if touch_article(db, item["url"], seen_at=item["fetched_at"], crawl_id=crawl_id) else None
    if kind == "page":
        _store_item_snapshot(db, item, item.get("raw") or b"", crawl_id)
        return None
    if kind == "gone":
        _store_item_snapshot(db, item, item.get("raw") or b"", crawl_id)
        return "articles_gone" if mark_gone(db, item["url"], status=item["status"], at=item["fetched_at"], crawl_id=crawl_id) else None
    if kind != "article":
        raise ArchiveError(f"unknown item kind {kind!r}")
    snapshot_id = _store_item_snapshot(db, item, item["raw"], crawl_id)
    result = upsert_article(db, item["article"], portal_id=item["portal_id"], province=province, snapshot_id=snapshot_id,
                            seen_at=item["fetched_at"], crawl_id=crawl_id, assign_story=assign_story)
    return f"articles_{result}"


def _store_item_snapshot(db: Database, item: dict[str, Any], body: bytes, crawl_id: int | None) -> int:
    return store_snapshot(db, url=item["fetched_url"], body=body, status=item["status"], headers=item.get("headers") or {},
                          portal_id=item["portal_id"], crawl_id=crawl_id, fetched_at=item["fetched_at"])


CrawledItem = tuple[str, dict[str, Any], str | None, int | None]  # (kind, item, province, crawl_id)


def store_crawled_items(db: Database, items: list[CrawledItem]) -> list[str | None]:
    """Store a run of crawl results in one transaction, with the same result as calling
    :func:`store_crawled_item` on each in order; returns each item's ``crawls`` counter.

    Why a batch call: FTS5 flushes its pending terms at the savepoint each writing statement
    opens (seen on SQLite 3.40), so one ``INSERT`` per article writes one tiny index segment
    per article to each of the two indexes, and merging them is most of an ingest's time
    (tests/test_batch_store.py counts the segments; bench/ingest_bench.py the time). Here the
    articles seen for the first time (the bulk of a backfill) go into ``articles`` in one
    statement from a temporary table, and the triggers index them as one segment. An item
    whose URL another item of the run shares, or that is already archived, takes the
    one-by-one path, so versions and counters come out exactly as they would one by one.
    Stories are assigned at the end, to every new or changed article in item order: what each
    assignment reads (the signatures, the stories) is what it would read one by one.
    """
    results: list[str | None] = [None] * len(items)
    with transaction(db):
        fresh = _first_sightings(db, items)
        for index, (kind, item, province, crawl_id) in enumerate(items):
            if index not in fresh:
                results[index] = store_crawled_item(db, kind, item, province=province, crawl_id=crawl_id, assign_story=False)
        rows, counted = [], Counter()
        for index in sorted(fresh):
            _, item, province, crawl_id = items[index]
            snapshot_id = _store_item_snapshot(db, item, item["raw"], crawl_id)
            row = article_row(item["article"])
            row.update(portal_id=item["portal_id"], province=province, content_hash=content_hash(row), version=1,
                       snapshot_id=snapshot_id, first_seen_at=item["fetched_at"], last_seen_at=item["fetched_at"])
            rows.append(row)
            counted[crawl_id] += 1
            results[index] = "articles_new"
        ids = _insert_articles_at_once(db, rows)
        versions = [version_row(ids[row["url"]], row, seen_at=row["first_seen_at"], origin="crawl") for row in rows]
        db.table("article_versions").insert_all(versions)
        for crawl_id, n in counted.items():
            bump_crawl(db, crawl_id, "articles_new", n)
        _assign_stories(db, [items[i][1]["article"]["url"] for i, result in enumerate(results)
                             if result in ("articles_new", "articles_updated")])
    return results


def _assign_stories(db: Database, urls: list[str]) -> None:
    """Give the articles stored under ``urls`` their stories, in that order (a URL stored twice in
    a batch is assigned once, on its final content, at its first place)."""
    rows = [db.execute("SELECT id, title, lead, body FROM articles WHERE url = ?", [url]).fetchone() for url in dict.fromkeys(urls)]
    stories.assign_stories(db, rows)


def _first_sightings(db: Database, items: list[CrawledItem]) -> set[int]:
    """Indexes of the article items whose URLs no other item of the run names and the archive
    does not hold yet: those can be inserted together."""
    def urls(item: dict[str, Any]) -> set[str]:
        article = item.get("article") or {}
        return {u for u in (item.get("url"), item.get("fetched_url"), article.get("url"), article.get("fetched_url")) if u}

    named = Counter(u for _, item, _, _ in items for u in urls(item))
    candidates = {i: urls(item) for i, (kind, item, _, _) in enumerate(items)
                  if kind == "article" and item.get("status") == 200 and all(named[u] == 1 for u in urls(item))}
    known: set[str] = set()
    for chunk in chunks(sorted({u for us in candidates.values() for u in us})):
        marks = ", ".join("?" * len(chunk))
        known.update(u for (u,) in db.execute(
            f"SELECT url FROM articles WHERE url IN ({marks}) UNION SELECT fetched_url FROM articles WHERE fetched_url IN ({marks})",
            chunk + chunk))
    return {i for i, us in candidates.items() if not us & known}


def _insert_articles_at_once(db: Database, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new article rows with one statement (one FTS segment); return their ids by URL."""
    if not rows:
        return {}
    columns = list(rows[0])
    db.execute("CREATE TEMP TABLE IF NOT EXISTS articles_batch AS SELECT * FROM articles WHERE 0")
    db.execute("DELETE FROM temp.articles_batch")
    db.conn.executemany(f"INSERT INTO temp.articles_batch ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        [[row[c] for c in columns] for row in rows])
    db.execute(f"INSERT INTO articles ({', '.join(columns)}) SELECT {', '.join(columns)} FROM temp.articles_batch ORDER BY rowid")
    db.execute("DELETE FROM temp.articles_batch")
    ids: dict[str, int] = {}
    for chunk in chunks([row["url"] for row in rows]):
        ids.update(db.execute(f"SELECT url, id FROM articles WHERE url IN ({', '.join('?' * len(chunk))})", chunk).fetchall())
    return ids
