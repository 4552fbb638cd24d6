"""Ingest speed and size: articles/s into SQLite with FTS, bytes per article, snapshot compression.

Generates N distinct articles of the demo portal (liferay-hanoi markup, rendered by
archive.demo), extracts each once (not timed), then stores the same items into fresh archives
three ways, all through ``archive.store.store_crawled_item`` (snapshot + article + version + FTS,
counted on a crawls row):

- baseline: one commit per write, as the local crawl's pipeline does (snapshot, then article);
- batched: one transaction per ``--batch`` items, each item stored by its own calls;
- bulk: one transaction per batch through ``store_crawled_items`` (the ingest's way): the
  batch's new articles go into ``articles`` with one statement, so FTS5 writes one segment;
- the bulk path again with story grouping (archive/stories.py) switched off: its cost;
- via Redis: the real ``portal-archive ingest`` loop (``Ingest.run``) popping the items the
  workers' encoding put on a Redis list (needs ``redis-server``; skipped when absent).

Sizes: the archive file after a WAL checkpoint, per article; snapshot bodies as stored (zstd, with the portal's dictionary once trained)
against the raw HTML.

    python bench/ingest_bench.py [--articles 5000] [--batch 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import store  # noqa: E402
from archive.demo import DemoPortal, generate_articles  # noqa: E402
from tests.servers import redis_server  # noqa: E402

PORTAL = {"id": "demo-hoang-mai", "name": "Quận Hoàng Mai (demo)", "province": "Hà Nội", "platform": "liferay-hanoi",
          "base_url": "http://127.0.0.1", "start_urls": []}


def make_items(n: int) -> list[dict[str, Any]]:
    """N crawled-article items (raw page + extracted fields), as the spider would yield them."""
    from crawler.extract import extract_article
    from crawler.profiles import load_profile

    profile = load_profile("liferay-hanoi")
    items = []
    with DemoPortal(generate_articles(n)) as site:
        for article in site.articles:
            page = site.handle(article.path)
            url = site.base_url + article.path
            extracted = extract_article(page.body.decode("utf-8"), url, profile).to_dict()
            extracted.update(url=url, fetched_url=url)
            items.append({"type": "article", "portal_id": PORTAL["id"], "url": url, "fetched_url": url,
                          "fetched_at": "2025-06-01T01:00:00+00:00", "status": 200,
                          "headers": {"Content-Type": [page.content_type]}, "raw": page.body, "article": extracted,
                          "province": PORTAL["province"]})
    return items


def fresh_archive(path: Path) -> tuple[Any, int]:
    db = store.open_db(path, create=True)
    store.sync_portals(db, [PORTAL])
    return db, store.start_crawl(db, PORTAL["id"], mode="bench")


def store_items(db: Any, crawl_id: int, items: list[dict[str, Any]], batch: int, *, bulk: bool = False) -> None:
    """batch == 1: every storage call commits on its own (the baseline); ``bulk``: each batch
    through ``store_crawled_items`` (new articles inserted by one statement, as the ingest does)."""
    if batch == 1:
        for item in items:
            store.store_crawled_item(db, "article", item, province=item["province"], crawl_id=crawl_id)
        return
    for start in range(0, len(items), batch):
        if bulk:
            store.store_crawled_items(db, [("article", item, item["province"], crawl_id) for item in items[start:start + batch]])
            continue
        with store.transaction(db):
            for item in items[start:start + batch]:
                store.store_crawled_item(db, "article", item, province=item["province"], crawl_id=crawl_id)


def sizes(db: Any, path: Path, n: int) -> dict[str, float]:
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw, packed = db.execute("SELECT sum(size), sum(length(body)) FROM snapshot_bodies").fetchone()
    return {"bytes_per_article": path.stat().st_size / n, "raw_per_article": raw / n, "snapshot_per_article": packed / n,
            "ratio": packed / raw}


def timed_local(items: list[dict[str, Any]], batch: int, tmp: Path, *, bulk: bool = False, name: str = "") -> dict[str, float]:
    path = tmp / f"local-{batch}-{'bulk' if bulk else 'items'}{name}.db"
    db, crawl_id = fresh_archive(path)
    started, cpu = time.perf_counter(), time.process_time()
    store_items(db, crawl_id, items, batch, bulk=bulk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(items)
    result = {"seconds": seconds, "cpu": cpu, **sizes(db, path, len(items))}
    db.close()
    return result


def timed_without_search(items: list[dict[str, Any]], batch: int, tmp: Path) -> dict[str, float]:
    """The bound of what FTS costs: the bulk path with the index triggers dropped, then both
    indexes rebuilt in one statement each (FTS5's cheapest way to index the same text)."""
    path = tmp / "no-fts.db"
    db, crawl_id = fresh_archive(path)
    for trigger in ("articles_fts_ai", "articles_exact_ai"):
        db.execute(f"DROP TRIGGER {trigger}")
    started = time.perf_counter()
    store_items(db, crawl_id, items, batch, bulk=True)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    for table in ("articles_fts", "articles_exact"):
        db.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
    rebuild = time.perf_counter() - started
    db.close()
    return {"seconds": seconds, "rebuild": rebuild}


def timed_without_stories(items: list[dict[str, Any]], batch: int, tmp: Path, name: str = "") -> dict[str, float]:
    """The bulk path with story assignment switched off: what grouping re-posts costs."""
    from archive import stories

    saved = {name: getattr(stories, name) for name in ("assign_story", "assign_stories") if hasattr(stories, name)}
    stories.assign_story = lambda *args, **kwargs: None
    stories.assign_stories = lambda conn, articles: [None for _ in articles]
    try:
        path = tmp / f"no-stories{name}.db"
        db, crawl_id = fresh_archive(path)
        started, cpu = time.perf_counter(), time.process_time()
        store_items(db, crawl_id, items, batch, bulk=True)
        result = {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, **sizes(db, path, len(items))}
        db.close()
        return result
    finally:
        for name, function in saved.items():
            setattr(stories, name, function)


def timed_redis(items: list[dict[str, Any]], batch: int, tmp: Path) -> dict[str, float] | None:
    """The ingest command's loop, fed through a real Redis list (encode → RPUSH → pop → store)."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    import redis

    from archive.commands.ingest import Ingest
    from crawler.distributed import ITEMS_KEY, encode_item
    from crawler.items import ArticleItem

    with redis_server(binary) as url:
        client = redis.Redis.from_url(url)
        fields = ("portal_id", "url", "fetched_url", "fetched_at", "status", "headers", "raw", "article")
        encoded = [encode_item(ArticleItem(**{k: item[k] for k in fields}), worker="bench:1", province=item["province"])
                   for item in items]
        for start in range(0, len(encoded), 1000):
            client.rpush(ITEMS_KEY, *encoded[start:start + 1000])
        path = tmp / "redis.db"
        db = store.open_db(path, create=True)
        ingest = Ingest(client, db, batch=batch)
        started = time.perf_counter()
        while ingest.step(wait=0):
            pass
        seconds = time.perf_counter() - started
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(items)
        result = {"seconds": seconds, **sizes(db, path, len(items)),
                  "wire_per_article": sum(len(m) for m in encoded) / len(items)}
        db.close()
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the bulk path with and without stories this many times, alternately; the best of each is "
                             "reported (a shared machine's load changes within a run)")
    args = parser.parse_args()
    items = make_items(args.articles)
    n = len(items)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        baseline = timed_local(items, 1, tmp)
        batched = timed_local(items, args.batch, tmp)
        with_runs, without_runs = [], []
        for round_ in range(args.rounds):
            with_runs.append(timed_local(items, args.batch, tmp, bulk=True, name=f"-{round_}"))
            without_runs.append(timed_without_stories(items, args.batch, tmp, name=f"-{round_}"))
        bulk = min(with_runs, key=lambda r: r["seconds"])
        no_stories = min(without_runs, key=lambda r: r["seconds"])
        via_redis = timed_redis(items, args.batch, tmp)
        without_search = timed_without_search(items, args.batch, tmp)
    print(f"| ingest of {n} articles (SQLite + FTS) | articles/s | vs baseline | bytes/article on disk |\n|---|---|---|---|")
    rows = [("baseline: one commit per write (the local pipeline)", baseline),
            (f"batched: {args.batch} per transaction, one INSERT per article", batched),
            (f"batched: {args.batch} per transaction, new articles in one INSERT (store_crawled_items)", bulk)]
    rows.append(("the same, without grouping re-posted stories (archive/stories.py)", no_stories))
    if via_redis:
        rows.append((f"`portal-archive ingest` loop via Redis, batch {args.batch}", via_redis))
    for label, result in rows:
        rate = n / result["seconds"]
        print(f"| {label} | {rate:,.0f} | {rate / (n / baseline['seconds']):.2f}× | {result['bytes_per_article']:,.0f} |")
    print(f"\nstories: {1000 * (bulk['seconds'] - no_stories['seconds']) / n:.2f} ms per article on the bulk path "
          f"(shingles, MinHash signature, band lookups and rows), "
          f"{bulk['bytes_per_article'] - no_stories['bytes_per_article']:,.0f} bytes/article on disk; "
          f"the bulk path with stories at {no_stories['seconds'] / bulk['seconds']:.0%} of its rate without "
          f"(best of {args.rounds} round{'s' if args.rounds > 1 else ''} each)")
    print("CPU seconds of the bulk path (this process; less sensitive to other jobs than wall time): with stories "
          + ", ".join(f"{r['cpu']:.2f}" for r in with_runs) + "; without " + ", ".join(f"{r['cpu']:.2f}" for r in without_runs)
          + f"; best: {min(r['cpu'] for r in without_runs) / min(r['cpu'] for r in with_runs):.0%}")
    print(f"\nbound: the bulk path without search indexing {n / without_search['seconds']:,.0f} articles/s; "
          f"indexing the same articles by one FTS5 rebuild of both indexes {1000 * without_search['rebuild'] / n:.2f} ms "
          f"per article (at best {n / (without_search['seconds'] + without_search['rebuild']):,.0f} articles/s together)")
    print(f"\nraw HTML {batched['raw_per_article']:,.0f} bytes/article; stored snapshot (zstd) "
          f"{batched['snapshot_per_article']:,.0f} bytes/article = {batched['ratio']:.1%} of raw")
    if via_redis:
        print(f"on the Redis list: {via_redis['wire_per_article']:,.0f} bytes/article (JSON, body zlib + base64)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
