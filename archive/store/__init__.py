"""The archive's storage API: the functions every producer writes through, and what readers read.

The crawler, re-extraction, the imports and the Redis ingest write through these functions
only, so the rules live in one place: an article is one row per canonical URL; a crawl that
sees the same content again only moves ``last_seen_at``; changed content adds a row to
``article_versions``; nothing is ever deleted by a crawl. WAL mode lets Datasette read while
a crawl writes.

One job per module: ``connection`` (opening, refusing, migrating), ``migrations`` (the core
schema), ``errors``, ``transactions`` (the one transaction helper), ``portals``, ``crawls``
(crawl rows), ``snapshots`` (raw responses and the zstd dictionaries), ``articles`` (articles
and versions), ``frontier``, ``batch`` (crawl results as plain data, a batch at once) and
``pages`` (imports and re-extraction).
"""

from archive.store.articles import (CONTENT_FIELDS, StoreResult, article_versions, content_hash, find_article,
                                    iter_known_articles, known_articles, mark_gone, touch_article, upsert_article)
from archive.store.batch import CrawledItem, store_crawled_item, store_crawled_items
from archive.store.connection import open_db, require_writable
from archive.store.crawls import bump_crawl, close_stale_crawls, finish_crawl, start_crawl
from archive.store.errors import (ArchiveError, ArchiveNeedsUpgrade, ArchiveReadOnly, DatabaseMissing, NotAnArchive,
                                  read_only_message)
from archive.store.frontier import (frontier_add, frontier_clear, frontier_done, frontier_last_crawl, frontier_pending,
                                    frontier_pending_count, iter_frontier_pending)
from archive.store.migrations import (m001_initial, m002_history, m003_compression_dicts, m004_filter_indexes,
                                      m005_learned_templates, m006_article_source, m007_wayback, m008_stories, migrations,
                                      register_schema, schemas)
from archive.store.pages import PageExtractor, articles_for_reextraction, ingest_page
from archive.store.portals import sync_portals
from archive.store.snapshots import header_value, iter_snapshots, portal_dictionary, snapshot_body, store_snapshot
from archive.store.transactions import transaction, utcnow

__all__ = [
    # opening an archive, and what can go wrong
    "open_db", "require_writable", "ArchiveError", "ArchiveNeedsUpgrade", "ArchiveReadOnly", "DatabaseMissing",
    "NotAnArchive", "read_only_message",
    # the core schema
    "migrations", "m001_initial", "m002_history", "m003_compression_dicts", "m004_filter_indexes",
    "m005_learned_templates", "m006_article_source", "m007_wayback", "m008_stories", "register_schema", "schemas",
    # writing
    "transaction", "utcnow", "sync_portals",
    "start_crawl", "finish_crawl", "bump_crawl", "close_stale_crawls",
    "store_snapshot", "snapshot_body", "iter_snapshots", "portal_dictionary", "header_value",
    "CONTENT_FIELDS", "StoreResult", "content_hash", "upsert_article", "touch_article", "mark_gone",
    "find_article", "article_versions", "known_articles", "iter_known_articles",
    "frontier_add", "frontier_done", "frontier_clear", "frontier_pending", "frontier_pending_count",
    "iter_frontier_pending", "frontier_last_crawl",
    "CrawledItem", "store_crawled_item", "store_crawled_items",
    "PageExtractor", "ingest_page", "articles_for_reextraction",
]
