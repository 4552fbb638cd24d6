"""A live progress line for long crawls (the CLI turns it on with PORTAL_ARCHIVE_PROGRESS)."""

from __future__ import annotations

import sys
import time
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.crawls import stat


class ProgressLine:
    """Rewrites one status line on a terminal; prints a plain line every 10 s otherwise."""

    def __init__(self, crawler: Any, stream: Any = None) -> None:
        self.crawler = crawler
        self.stream = stream or sys.stderr
        # Several crawls at once (crawl --parallel) print plain lines: one rewritten line each would garble.
        self.tty = self.stream.isatty() and not crawler.settings.getbool("PORTAL_ARCHIVE_PROGRESS_PLAIN")
        self.interval = 0.2 if self.tty else 10.0
        self.started = time.monotonic()
        self.last = 0.0

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ProgressLine":
        if not crawler.settings.getbool("PORTAL_ARCHIVE_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.tick, signal=signals.response_received)
        crawler.signals.connect(ext.tick, signal=signals.item_scraped)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def line(self) -> str:
        stats = self.crawler.stats
        get = lambda key: int(stats.get_value(key, 0))  # noqa: E731
        pages = get("response_received_count")
        elapsed = max(time.monotonic() - self.started, 1e-6)
        spider = self.crawler.spider
        return (f"{getattr(spider, 'portal_id', '?')}: {pages} pages, "
                f"{get(stat('articles_new'))} new / {get(stat('articles_updated'))} updated / "
                f"{get(stat('articles_unchanged'))} unchanged articles, "
                f"{get(stat('errors'))} errors, {pages / elapsed:.1f} pages/s")

    def tick(self, *args: Any, **kwargs: Any) -> None:
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        self.stream.write(("\r\x1b[K" + self.line()) if self.tty else self.line() + "\n")
        self.stream.flush()

    def closed(self, *args: Any, **kwargs: Any) -> None:
        self.stream.write(("\r\x1b[K" + self.line() + "\n") if self.tty else self.line() + "\n")
        self.stream.flush()
