"""The durable crawl frontier: what makes a crawl resumable after SIGKILL or a power cut.

Scrapy's JOBDIR keeps its queue in files written on a clean shutdown only, so a killed crawl
loses it. Here every request is a row of the archive's ``frontier`` table (through
``archive.store``) before it is sent, and is marked done only after what it produced is durable:
the links it yielded are rows, the article it yielded is stored (the pipeline marks those).
A crawl that starts while its portal has pending rows continues from them; the frontier also
serves as the crawl's duplicate filter across restarts (a URL already in it is not requested
again). A crawl that finishes clears it.

Also here: the downloader middlewares for servers that ask for something (``Retry-After`` on
429/503, an unavailable robots.txt, a meta refresh) and what a crawl does when the archive cannot be written.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, AsyncIterator, Iterable, Iterator

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as _MetaRefreshMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _RobotsTxtMiddleware

from archive import store

logger = logging.getLogger(__name__)

# Request meta that describes where a request sits in the crawl (all JSON); nothing else is kept.
_META_KEYS = ("kind", "page_number", "start", "article_hops", "known", "overlap", "handle_httpstatus_list", "depth", "listing_root")


def storage_failed(crawler: Any, exc: Exception) -> None:
    """The archive cannot be written (disk full, read-only file, I/O error): stop the crawl.

    Fetching on while nothing can be stored would only load the portal for nothing. One clear
    line (logged as CRITICAL, so ``portal-archive crawl -q`` shows it), the reason goes to the
    ``crawls`` row when it can still be written, and the crawl closes as ``storage_error``. What
    was stored is intact (each article is one transaction) and the requests not yet stored stay
    pending in the frontier, so the next run resumes them.
    """
    spider = crawler.spider
    if getattr(spider, "storage_error", None):
        return
    db_path = crawler.settings.get("PORTAL_ARCHIVE_DB")
    spider.storage_error = (f"cannot write the archive {db_path} ({exc}): free disk space or make the database writable, "
                            "then crawl again; what was stored is intact and the next run resumes")
    logger.critical("%s: %s", getattr(spider, "portal_id", spider.name), spider.storage_error)
    from scrapy.utils.defer import _schedule_coro

    _schedule_coro(crawler.engine.close_spider_async(reason="storage_error"))


class Frontier:
    """One portal's frontier in the archive database."""

    def __init__(self, db_path: str, portal_id: str) -> None:
        self.db = store.open_db(db_path, create=True)
        self.portal_id = portal_id
        self.crawl_id: int | None = None
        store.close_stale_crawls(self.db, portal_id)  # rows a killed process left running
        # counted, not loaded: requests() reads them a batch at a time
        self.pending, self._pending_up_to = store.frontier_pending_count(self.db, portal_id)
        self.resumed_from = store.frontier_last_crawl(self.db, portal_id) if self.pending else None

    def reset(self) -> None:
        store.frontier_clear(self.db, self.portal_id)

    def add(self, request: Request) -> bool:
        """Record ``request`` before it is sent; False when the frontier already has its URL."""
        meta = {k: request.meta[k] for k in _META_KEYS if k in request.meta}
        headers = {k.decode("latin-1"): request.headers.get(k).decode("latin-1")
                   for k in request.headers if k.lower() in (b"if-none-match", b"if-modified-since")}
        added = store.frontier_add(self.db, self.portal_id, request.url, meta=meta, headers=headers, crawl_id=self.crawl_id)
        if added:
            request.meta["frontier_url"] = request.url
        return added

    def done(self, url: str | None) -> None:
        if url:
            store.frontier_done(self.db, self.portal_id, url)

    def requests(self, **kwargs: Any) -> Iterator[Request]:
        """The pending requests of the crawl being resumed, rebuilt as they were recorded."""
        for entry in store.iter_frontier_pending(self.db, self.portal_id, up_to=self._pending_up_to):
            meta = {**entry["meta"], "frontier_url": entry["url"]}
            yield Request(entry["url"], meta=meta, headers=entry["headers"] or None, dont_filter=True, **kwargs)

    def close(self, *, finished: bool) -> None:
        if finished:
            self.reset()
        self.db.close()


class FrontierMiddleware:
    """Spider middleware: records every request a callback yields, marks link-only pages done."""

    def process_spider_output(self, response: Any, result: Iterable[Any], spider: Any) -> Iterator[Any]:
        state = _Outputs(response, spider)
        for output in result:
            if state.keep(output):
                yield output
        state.finish()

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any], spider: Any) -> AsyncIterator[Any]:
        state = _Outputs(response, spider)
        async for output in result:
            if state.keep(output):
                yield output
        state.finish()


class _Outputs:
    """What one response produced, as it passes: requests recorded, then the response done."""

    def __init__(self, response: Any, spider: Any) -> None:
        self.response = response
        self.spider = spider
        self.frontier: Frontier | None = getattr(spider, "frontier", None)
        self.produced_item = False
        self.failed = False

    def keep(self, output: Any) -> bool:
        if self.frontier is None:
            return True
        if isinstance(output, Request):
            try:
                added = self.frontier.add(output)
            except sqlite3.Error as exc:  # not recorded, so not sent: the response stays pending
                storage_failed(self.spider.crawler, exc)
                self.failed = True
                return False
            if added:
                return True
            self.spider.crawler.stats.inc_value("portal_archive/frontier_duplicates")
            return False
        self.produced_item = True  # the pipeline marks the request done once the item is stored
        return True

    def finish(self) -> None:
        if self.frontier is not None and not self.produced_item and not self.failed:
            try:
                self.frontier.done(self.response.request.meta.get("frontier_url"))
            except sqlite3.Error as exc:
                storage_failed(self.spider.crawler, exc)


# -- downloader middlewares: what a flaky or unwelcoming server asks for ------------------------

def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date), or None."""
    import time
    from email.utils import parsedate_to_datetime

    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class RetryAfterMiddleware:
    """A 429/503 with ``Retry-After``: wait as the server asks before Scrapy's retry, within bounds.

    Scrapy's RetryMiddleware retries at once, whatever the header says. Here the retry of such
    a response waits the asked time (the other requests to the host go on at the polite pace),
    and a wait longer than ``PORTAL_ARCHIVE_RETRY_AFTER_MAX`` seconds (default 60) is not retried
    in this run at all: the page fails with its status, and the next crawl asks again (an
    article never stored stays unknown, so the next run fetches it).
    """

    STATUSES = (429, 503)

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("PORTAL_ARCHIVE_RETRY_AFTER_MAX", 60.0)
        self.retry_codes = set(crawler.settings.getlist("RETRY_HTTP_CODES"))

    @classmethod
    def from_crawler(cls, crawler: Any) -> "RetryAfterMiddleware":
        return cls(crawler)

    async def process_response(self, request: Request, response: Any, spider: Any = None) -> Any:
        if response.status not in self.STATUSES or response.status not in self.retry_codes or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is None:
            return response
        stats = self.crawler.stats
        if wait > self.max_wait:
            stats.inc_value("portal_archive/retry_after_too_long")
            logger.warning("%s answered %s with Retry-After %.0f s (more than %.0f s): not retried in this run",
                           request.url, response.status, wait, self.max_wait)
            request.meta["dont_retry"] = True
            return response
        stats.inc_value("portal_archive/retry_after_waits")
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        await maybe_deferred_to_future(deferLater(reactor, wait))
        return response


class DeclaredCharsetMiddleware:
    """A page declaring a "charset" that is a Python codec but no text encoding (``idna``,
    ``punycode``, ``base64``, ``rot13``) is read as an undeclared one, as browsers do.

    Scrapy decodes with the declared codec and raises (``decoding with 'idna' codec failed``),
    and the first middleware that reads the text (the meta refresh) turned the article into an
    error. Placed after decompression and before anything reads the text.
    """

    def process_response(self, request: Request, response: Any, spider: Any = None) -> Any:
        from scrapy.http import TextResponse

        if not isinstance(response, TextResponse):
            return response
        try:
            response.text  # noqa: B018 -- decoded once here (cached), as every later reader would
        except (LookupError, UnicodeError, ValueError):
            from crawler.contracts.charset import undeclared_encoding

            encoding = undeclared_encoding(response.body)  # as decode_html does: UTF-8 when it is, else windows-1258
            logger.info("%s: its declared charset is no text encoding; read as %s", request.url, encoding)
            return response.replace(encoding=encoding)
        return response


class MetaRefreshMiddleware(_MetaRefreshMiddleware):
    """``<meta http-equiv=refresh>`` never replaces an article we asked for, and never leaves the portal.

    Scrapy follows a page's refresh as a redirect and drops the page. An article page carrying
    one (to itself with a parameter: a loop ending in "max redirections"; to another article;
    off-site: dropped by the offsite filter) was then silently not archived. Here an article
    request keeps its response whatever its refresh says (``portal_archive/meta_refresh_ignored``);
    other pages (listings, start pages) follow a refresh on the portal as before, and a refresh
    off the portal is recorded (``portal_archive/meta_refresh_offsite``) and not followed: the
    page itself is parsed.
    """

    def process_response(self, request: Request, response: Any, spider: Any = None) -> Any:
        result = super().process_response(request, response)
        if not isinstance(result, Request):
            return result
        stats = self.crawler.stats
        offsite = not self._on_portal(result.url, request.url)
        if offsite:
            stats.inc_value("portal_archive/meta_refresh_offsite")
        if request.meta.get("kind") == "article":
            stats.inc_value("portal_archive/meta_refresh_ignored")
            logger.info("%s: meta refresh to %s ignored: the article page is archived as served", request.url, result.url)
            return response
        if offsite:
            logger.info("%s: meta refresh off the portal to %s: not followed", request.url, result.url)
            return response
        return result

    def _on_portal(self, url: str, origin: str) -> bool:
        """The portal's hosts (the spider's ``allowed_domains``, else the page's host), on the page's port."""
        from urllib.parse import urlsplit

        target, page = urlsplit(url), urlsplit(origin)
        host = (target.hostname or "").lower()
        domains = [d.split(":")[0].lower() for d in getattr(self.crawler.spider, "allowed_domains", None) or []] or [page.hostname or ""]
        return any(host == d or host.endswith("." + d) for d in domains) and target.port == page.port


def _without_traceback(record: logging.LogRecord) -> bool:
    """A logging filter: the record's message without its traceback."""
    record.exc_info, record.exc_text = None, None
    return True


class RobotsTxtMiddleware(_RobotsTxtMiddleware):
    """robots.txt as RFC 9309 says: a 5xx answer means *disallow all*.

    Scrapy reads the body of a 500 page as robots.txt rules (none: everything allowed). A
    portal whose robots.txt answers 5xx is not crawled in this run (after the usual retries);
    4xx still means "no rules". A robots.txt that cannot be fetched at all (refused, timeout)
    stays Scrapy's "no rules": the pages then fail on their own, with the real reason in the
    crawl's message. Also fixed here: Scrapy 2.19 let one of the first concurrent requests of
    a host pass unchecked.
    """

    DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._refusals: dict[str, str] = {}
        # Scrapy logs an unreachable robots.txt with its whole traceback (two chained ones);
        # the one line before it says everything (the host refused, timed out...).
        logging.getLogger(_RobotsTxtMiddleware.__module__).addFilter(_without_traceback)

    async def robot_parser(self, request: Request) -> Any:
        # Scrapy 2.19 hands ``None`` (= no rules) to one of the requests that waited on the
        # same robots.txt download, so it went out unchecked; the parser is in _parsers by then.
        from scrapy.utils.httpobj import urlparse_cached
        from twisted.internet.defer import Deferred

        parser = await super().robot_parser(request)
        current = self._parsers.get(urlparse_cached(request).netloc)
        return current if parser is None and not isinstance(current, Deferred) else parser

    async def _parse_robots(self, response: Any, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._refuse(netloc, f"robots.txt answered HTTP {response.status}")
            response = response.replace(body=self.DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)

    def _refuse(self, netloc: str, reason: str) -> None:
        self._refusals[netloc] = reason
        self._stats.inc_value("portal_archive/robots_unavailable")
        logger.warning("%s: %s; nothing is fetched from this host in this run (RFC 9309: disallow all)", netloc, reason)

    def process_request_2(self, rp: Any, request: Request) -> None:
        from scrapy.exceptions import IgnoreRequest
        from scrapy.utils.httpobj import urlparse_cached

        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            reason = self._refusals.get(urlparse_cached(request).netloc)
            raise IgnoreRequest(f"{reason}: disallowed (RFC 9309)" if reason else "Forbidden by robots.txt") from None
