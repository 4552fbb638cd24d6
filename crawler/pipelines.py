"""Item pipeline: store each article through the archive's storage API, and record the crawl.

The crawler never writes SQL: it calls ``archive.store`` (the one seam between the halves, so
re-extraction or a Redis ingest can feed the same store). The ``crawls`` row is opened when the
spider opens and closed with its outcome, counters and the full Scrapy stats when it closes.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem

from archive import store
from archive.health import crawl_drift
from crawler.items import ITEM_KINDS
from crawler.middlewares import storage_failed

logger = logging.getLogger(__name__)
STAT = "portal_archive"


class ArchivePipeline:
    def __init__(self, db_path: str, crawler: Any) -> None:
        self.db_path = db_path
        self.crawler = crawler
        self.db = None
        self.crawl_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ArchivePipeline":
        pipeline = cls(crawler.settings.get("PORTAL_ARCHIVE_DB"), crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.db = store.open_db(self.db_path, create=True)
        store.sync_portals(self.db, [spider.portal.to_row()])
        frontier = getattr(spider, "frontier", None)
        resumed_from = frontier.resumed_from if frontier is not None else None
        self.crawl_id = store.start_crawl(self.db, spider.portal.id, max_pages=spider.max_pages, mode=spider.mode,
                                          resumed_from=resumed_from, pid=os.getpid(),
                                          args={"max_pages": spider.max_pages, "start_urls": spider.portal.resolved_start_urls(),
                                                "mode": spider.mode, "overlap": spider.overlap, "resumed_from": resumed_from})
        spider.crawl_id = self.crawl_id
        if frontier is not None:
            frontier.crawl_id = self.crawl_id
        logger.info("%s: crawl %s into %s", spider.portal.id, self.crawl_id, self.db_path)

    def process_item(self, item: Any) -> Any:
        try:
            return self._store(item)
        except sqlite3.Error as exc:  # disk full, read-only file: stop, keep the request pending
            storage_failed(self.crawler, exc)
            raise DropItem(f"not stored: {exc}") from None

    def _store(self, item: Any) -> Any:
        spider = self.crawler.spider
        adapter = ItemAdapter(item)
        # The same storage call as the Redis ingest; each result is counted on the crawl row in
        # the transaction that stores it.
        counter = store.store_crawled_item(self.db, ITEM_KINDS[type(item)], adapter.asdict(),
                                           province=spider.portal.province, crawl_id=self.crawl_id)
        if counter:
            self._count(counter)
        frontier = getattr(spider, "frontier", None)
        if frontier is not None:
            frontier.done(adapter.get("frontier_url"))  # only now: the result above is committed
        return item

    def _count(self, column: str) -> None:
        self.crawler.stats.inc_value(f"{STAT}/{column}")

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.db is None or self.crawl_id is None:
            return
        stats = self.crawler.stats
        get = lambda key: int(stats.get_value(f"{STAT}/{key}", 0))  # noqa: E731
        counts = {
            "pages_fetched": int(stats.get_value("response_received_count", 0)),
            "articles_new": get("articles_new"), "articles_updated": get("articles_updated"),
            "articles_unchanged": get("articles_unchanged"), "errors": get("errors"),
            "date_missing": get("date_missing"),
            "warnings": sum(int(v) for k, v in stats.get_stats().items() if k.startswith(f"{STAT}/warnings/")),
            "requests": int(stats.get_value("downloader/request_count", 0)),
            "not_modified": get("not_modified"), "articles_gone": get("articles_gone"),
        }
        counts["articles_seen"] = counts["articles_new"] + counts["articles_updated"] + counts["articles_unchanged"]
        outcome, message = crawl_outcome(reason, spider.pages_ok, counts["articles_seen"] + get("known_skipped"), spider.start_failures)
        if getattr(spider, "storage_error", None):
            outcome, message = "failed", spider.storage_error
        if reason == "finished" and spider.profile.is_generic:
            self._refresh_template(spider)
        try:
            if outcome == "ok":
                drift = crawl_drift(self.db, self.crawl_id, stats.get_stats())
                if drift:  # a redesign the profile no longer reads: keep the articles, raise the alarm
                    outcome, message = "degraded", "layout drift: " + "; ".join(drift)
                    logger.warning("%s: %s", spider.portal.id, message)
            stats.set_value(f"{STAT}/outcome", outcome)  # `scrapy crawl` reads it for its exit status
            try:
                store.finish_crawl(self.db, self.crawl_id, outcome=outcome, counts=counts, message=message, stats=stats.get_stats())
            except sqlite3.Error:  # a full disk may still take the row's outcome without the stats
                store.finish_crawl(self.db, self.crawl_id, outcome=outcome, counts={}, message=message)
        except sqlite3.Error as exc:
            logger.critical("%s: crawl #%s could not be closed in %s (%s); the next run marks it killed and resumes",
                            spider.portal.id, self.crawl_id, self.db_path, exc)
        self.db.close()
        self.db = None


    def _refresh_template(self, spider: Any) -> None:
        """A generic portal's template, relearned from what is stored now; stale articles re-extracted.

        The first pages of a first crawl were read before any template existed: they get it here,
        from their snapshots (no network), as new versions where the body changed.
        """
        from crawler.learning import refresh_generic_articles

        try:
            counts = refresh_generic_articles(self.db, spider.portal)
        except sqlite3.Error as exc:
            logger.error("%s: template not refreshed (%s); `portal-archive reextract --portal %s` does it later",
                         spider.portal.id, exc, spider.portal.id)
            return
        stats = self.crawler.stats
        stats.set_value(f"{STAT}/template_reextracted", counts["updated"] + counts["unchanged"])
        stats.set_value(f"{STAT}/template_changed", counts["updated"])


def crawl_outcome(reason: str, pages_ok: int, articles: int, start_failures: list[str]) -> tuple[str, str]:
    """How a run ended, in the words an operator reads in ``crawls.outcome``/``message``.

    ``articles`` counts the articles the run saw: fetched ones and, in an incremental crawl,
    archived ones its listings showed (so a day with nothing new is not a failure).
    """
    if reason in {"shutdown", "cancelled"}:
        return "interrupted", f"stopped before the end ({reason})"
    if pages_ok == 0:
        if not start_failures:
            return "failed", "no page could be fetched"
        return "failed", f"start URL unreachable ({len(start_failures)} failed), first: {start_failures[0]}"
    if articles == 0:
        return "failed", "no article found: check the start URLs and the platform profile"
    if reason != "finished":
        return "failed", f"closed early: {reason}"
    return "ok", ""
