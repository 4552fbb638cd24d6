"""Downloader middlewares for what a server asks of a polite crawler: wait, or stay away.

- :class:`RetryAfterMiddleware`: a 429/503 with ``Retry-After`` is retried after the asked
  wait (Scrapy's retry does not wait), or not in this run when the wait is too long.
- :class:`RobotsTxtMiddleware`: robots.txt as RFC 9309 reads it (a 5xx answer means
  *disallow all*), without Scrapy's tracebacks for an unreachable one.

The rest of politeness (concurrency, delays, AutoThrottle, the User-Agent) is settings
(``crawler/settings.py``).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _RobotsTxtMiddleware

from archive.crawls import stat

logger = logging.getLogger(__name__)


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
            stats.inc_value(stat("retry_after_too_long"))
            logger.warning("%s answered %s with Retry-After %.0f s (more than %.0f s): not retried in this run",
                           request.url, response.status, wait, self.max_wait)
            request.meta["dont_retry"] = True
            return response
        stats.inc_value(stat("retry_after_waits"))
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        await maybe_deferred_to_future(deferLater(reactor, wait))
        return response


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
        self._stats.inc_value(stat("robots_unavailable"))
        logger.warning("%s: %s; nothing is fetched from this host in this run (RFC 9309: disallow all)", netloc, reason)

    def process_request_2(self, rp: Any, request: Request) -> None:
        from scrapy.exceptions import IgnoreRequest
        from scrapy.utils.httpobj import urlparse_cached

        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            reason = self._refusals.get(urlparse_cached(request).netloc)
            raise IgnoreRequest(f"{reason}: disallowed (RFC 9309)" if reason else "Forbidden by robots.txt") from None
