"""Item pipeline: store each article through the archive's storage API, on the crawl session.

The crawler never writes SQL: it calls ``archive.store`` (the one seam between the halves, so
re-extraction or a Redis ingest can feed the same store). The pipeline opens the session's
``crawls`` row when the spider opens, stores each item on the session's connection, counted on
that row in the same transaction, and marks its request done in the frontier; the session
(``crawler/session.py``) closes the row with the run's outcome when the spider closes.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from archive import crawls, store
from crawler.items import ITEM_KINDS
from crawler.session import CrawlSession


class ArchivePipeline:
    def __init__(self, session: CrawlSession) -> None:
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ArchivePipeline":
        return cls(CrawlSession.from_crawler(crawler))

    def open_spider(self) -> None:
        spider = self.session.crawler.spider
        self.session.open_crawl(mode=spider.mode, max_pages=spider.max_pages,
                                args={"max_pages": spider.max_pages, "start_urls": spider.portal.resolved_start_urls(),
                                      "mode": spider.mode, "overlap": spider.overlap})

    def process_item(self, item: Any) -> Any:
        try:
            return self._store(item)
        except sqlite3.Error as exc:  # disk full, read-only file: stop, keep the request pending
            self.session.storage_failed(exc)
            raise DropItem(f"not stored: {exc}") from None

    def _store(self, item: Any) -> Any:
        session = self.session
        adapter = ItemAdapter(item)
        # The same storage call as the Redis ingest; each result is counted on the crawl row in
        # the transaction that stores it.
        counter = store.store_crawled_item(session.db, ITEM_KINDS[type(item)], adapter.asdict(),
                                           province=session.portal.province, crawl_id=session.crawl_id)
        if counter:
            session.crawler.stats.inc_value(crawls.stat(counter))
        if session.frontier is not None:
            session.frontier.done(adapter.get("frontier_url"))  # only now: the result above is committed
        return item
