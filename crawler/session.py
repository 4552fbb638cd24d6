"""One crawl session: the archive connection, the crawl row, the frontier and what went wrong.

A crawl of one portal is one session, shared by the components that need it: the spider (the
known articles, a learned template, the frontier for its start requests, the pages it read and
the start URLs that failed), the frontier middleware (every request it records), the item
pipeline (every item it stores, the crawl row it opens) and ``crawler.distributed``'s item
pipeline (the facts a worker reports). Each gets the session from the crawler with
:meth:`CrawlSession.from_crawler`, so there is one connection to the archive per crawl (SQLite
locks are per process, per file: two connections of one process must not step on each other's
WAL), one place the run's facts are kept, and one place that closes the run: when Scrapy
closes the spider, the session clears the frontier of a finished crawl, decides the outcome
(:func:`archive.crawls.decide_outcome`) and closes the ``crawls`` row and the connection.

It is registered as a Scrapy extension (``EXTENSIONS``); Scrapy builds extensions after the
spider, so whichever component asks first creates it (``crawler.portal_session``). A
distributed worker never writes the archive: its session opens no connection at all (the
connection opens on first use).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from typing import TYPE_CHECKING, Any

from scrapy import signals

from archive import crawls, store
from archive.health import crawl_drift
from crawler.frontier import Frontier

if TYPE_CHECKING:
    from sqlite_utils import Database

    from crawler.known import KnownArticles
    from crawler.registry import Portal

logger = logging.getLogger(__name__)


class CrawlSession:
    """One portal's crawl as the archive sees it (see the module's docstring)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.db_path: str = crawler.settings.get("PORTAL_ARCHIVE_DB")
        self.portal: Portal | None = None
        self.frontier: Frontier | None = None
        self.crawl_id: int | None = None
        self.pages_ok = 0  # pages read as pages (not an error, not a redirect to nowhere)
        self.start_failures: list[str] = []  # "URL: reason" of each start URL that failed for good
        self.storage_error: str | None = None  # set once the archive could not be written: the crawl is stopping
        self._db: Database | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "CrawlSession":
        """The crawler's session, created by the first component that asks for it."""
        session = getattr(crawler, "portal_session", None)
        if session is None:
            session = crawler.portal_session = cls(crawler)
        return session

    @property
    def db(self) -> "Database":
        """The crawl's one connection to the archive, opened (and migrated) on first use."""
        if self._db is None:
            self._db = store.open_db(self.db_path, create=True)
        return self._db

    # -- opening ---------------------------------------------------------------------------
    def open(self, portal: "Portal", *, frontier: bool) -> None:
        """Crawl ``portal``; with ``frontier``, through its durable frontier in the archive
        (opening it closes the crawl rows a killed process left ``running``)."""
        self.portal = portal
        if frontier:
            self.frontier = Frontier(self.db, portal.id)

    def known_articles(self) -> "KnownArticles":
        """What the archive holds of the portal, for the incremental stop and the re-checks."""
        from crawler.known import KnownArticles

        return KnownArticles(store.iter_known_articles(self.db, self.portal.id))

    def stored_template(self) -> Any:
        """The template earlier runs learned for a generic portal (empty when none)."""
        from crawler.learning import stored_template

        return stored_template(self.db, self.portal.id)

    def open_crawl(self, *, mode: str, max_pages: int | None, args: dict[str, Any]) -> int:
        """Open the run's ``crawls`` row (the archive's pipeline does, as the spider opens)."""
        store.sync_portals(self.db, [self.portal.to_row()])
        resumed_from = self.frontier.resumed_from if self.frontier is not None else None
        self.crawl_id = store.start_crawl(self.db, self.portal.id, max_pages=max_pages, mode=mode, resumed_from=resumed_from,
                                          pid=os.getpid(), args={**args, "resumed_from": resumed_from})
        if self.frontier is not None:
            self.frontier.crawl_id = self.crawl_id
        logger.info("%s: crawl %s into %s", self.portal.id, self.crawl_id, self.db_path)
        return self.crawl_id

    # -- during the run ----------------------------------------------------------------------
    def start_failed(self, url: str, reason: str) -> None:
        self.start_failures.append(f"{url}: {reason}")

    def request_done(self, frontier_url: str | None) -> None:
        """A request whose results are safe (or that failed for good) is no longer pending.

        Not for a request that produced an item: the pipeline marks that one once the item is
        stored. An archive that cannot be written stops the crawl (:meth:`storage_failed`).
        """
        if self.frontier is None:
            return
        try:
            self.frontier.done(frontier_url)
        except sqlite3.Error as exc:
            self.storage_failed(exc)

    def storage_failed(self, exc: Exception) -> None:
        """The archive cannot be written (disk full, read-only file, I/O error): stop the crawl.

        Fetching on while nothing can be stored would only load the portal for nothing. One
        clear line (logged as CRITICAL, so ``portal-archive crawl -q`` shows it), the reason
        goes to the ``crawls`` row when it can still be written, and the crawl closes as
        ``storage_error``. What was stored is intact (each article is one transaction) and the
        requests not yet stored stay pending in the frontier, so the next run resumes them.
        """
        if self.storage_error:
            return
        self.storage_error = (f"cannot write the archive {self.db_path} ({exc}): free disk space or make the database writable, "
                              "then crawl again; what was stored is intact and the next run resumes")
        logger.critical("%s: %s", self.portal.id if self.portal else "?", self.storage_error)
        from scrapy.utils.defer import _schedule_coro

        _schedule_coro(self.crawler.engine.close_spider_async(reason="storage_error"))

    # -- closing -----------------------------------------------------------------------------
    def spider_closed(self, spider: Any, reason: str) -> None:
        self.close(reason)

    def close(self, reason: str) -> None:
        """End the session: the frontier (cleared when the crawl finished), the crawl row, the connection."""
        if self.frontier is not None:
            try:
                self.frontier.close(finished=reason == "finished")
            except sqlite3.Error as exc:  # the pending rows stay: the next run resumes them
                logger.error("%s: the frontier could not be cleared (%s)", self.portal.id, exc)
            self.frontier = None
        if self.crawl_id is not None and self._db is not None:
            self._close_crawl(reason)
        if self._db is not None:
            self._db.close()
            self._db = None

    def _close_crawl(self, reason: str) -> None:
        stats = self.crawler.stats
        counts = crawls.counts_from_stats(stats.get_stats())
        if reason == "finished" and self.portal.profile().is_generic:
            self._refresh_template()
        try:
            facts = crawls.CrawlFacts(
                reason=reason, pages_ok=self.pages_ok, articles=counts["articles_seen"] + crawls.known_skipped(stats.get_stats()),
                start_failures=self.start_failures, storage_error=self.storage_error,
                drift=() if self.storage_error else crawl_drift(self.db, self.crawl_id, stats.get_stats()))
            outcome, message = crawls.decide_outcome(facts)
            if outcome == crawls.DEGRADED:
                logger.warning("%s: %s", self.portal.id, message)
            stats.set_value(crawls.OUTCOME_STAT, outcome)  # `scrapy crawl` reads it for its exit status
            try:
                store.finish_crawl(self.db, self.crawl_id, outcome=outcome, counts=counts, message=message, stats=stats.get_stats())
            except sqlite3.Error:  # a full disk may still take the row's outcome without the stats
                store.finish_crawl(self.db, self.crawl_id, outcome=outcome, counts={}, message=message)
        except sqlite3.Error as exc:
            logger.critical("%s: crawl #%s could not be closed in %s (%s); the next run marks it killed and resumes",
                            self.portal.id, self.crawl_id, self.db_path, exc)

    def _refresh_template(self) -> None:
        """A generic portal's template, relearned from what is stored now; stale articles re-extracted.

        The first pages of a first crawl were read before any template existed: they get it here,
        from their snapshots (no network), as new versions where the body changed.
        """
        from crawler.learning import refresh_generic_articles

        try:
            counts = refresh_generic_articles(self.db, self.portal)
        except sqlite3.Error as exc:
            logger.error("%s: template not refreshed (%s); `portal-archive reextract --portal %s` does it later",
                         self.portal.id, exc, self.portal.id)
            return
        stats = self.crawler.stats
        stats.set_value(crawls.stat("template_reextracted"), counts["updated"] + counts["unchanged"])
        stats.set_value(crawls.stat("template_changed"), counts["updated"])
