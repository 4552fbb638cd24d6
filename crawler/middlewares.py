"""The crawl's middlewares: the frontier's, and those that read a response right.

- :class:`FrontierMiddleware` (spider middleware): every request a callback yields is recorded
  in the durable frontier (``crawler/frontier.py``) of the crawl session before it is sent.
- :class:`DeclaredCharsetMiddleware`: a declared "charset" that is no text encoding is ignored.
- :class:`MetaRefreshMiddleware`: a ``<meta http-equiv=refresh>`` never replaces an article
  page and never leaves the portal.

What a server asks of a polite crawler (``Retry-After``, robots.txt) is ``crawler/politeness.py``.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, AsyncIterator, Iterable, Iterator

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as _MetaRefreshMiddleware

from archive import crawls
from archive.crawls import stat
from crawler.session import CrawlSession

logger = logging.getLogger(__name__)


class FrontierMiddleware:
    """Spider middleware: records every request a callback yields, marks link-only pages done."""

    def __init__(self, session: CrawlSession) -> None:
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Any) -> "FrontierMiddleware":
        return cls(CrawlSession.from_crawler(crawler))

    def process_spider_output(self, response: Any, result: Iterable[Any], spider: Any = None) -> Iterator[Any]:
        state = _Outputs(response, self.session)
        for output in result:
            if state.keep(output):
                yield output
        state.finish()

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any], spider: Any = None) -> AsyncIterator[Any]:
        state = _Outputs(response, self.session)
        async for output in result:
            if state.keep(output):
                yield output
        state.finish()


class _Outputs:
    """What one response produced, as it passes: requests recorded, then the response done."""

    def __init__(self, response: Any, session: CrawlSession) -> None:
        self.response = response
        self.session = session
        self.frontier = session.frontier
        self.produced_item = False
        self.failed = False

    def keep(self, output: Any) -> bool:
        if self.frontier is None:
            return True
        if isinstance(output, Request):
            try:
                added = self.frontier.add(output)
            except sqlite3.Error as exc:  # not recorded, so not sent: the response stays pending
                self.session.storage_failed(exc)
                self.failed = True
                return False
            if added:
                return True
            self.session.crawler.stats.inc_value(crawls.stat("frontier_duplicates"))
            return False
        self.produced_item = True  # the pipeline marks the request done once the item is stored
        return True

    def finish(self) -> None:
        if not self.produced_item and not self.failed:
            self.session.request_done(self.response.request.meta.get("frontier_url"))


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
            stats.inc_value(stat("meta_refresh_offsite"))
        if request.meta.get("kind") == "article":
            stats.inc_value(stat("meta_refresh_ignored"))
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
