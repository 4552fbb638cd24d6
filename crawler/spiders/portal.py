"""The one generic spider: any registered portal on a known platform.

``scrapy crawl portal -a portal=hanoi-sotttt [-a max_pages=5]``. Discovery is the platform
profile's job (which links are articles, pagination, sections); this class only walks them:
start pages → listing pages (pagination, up to ``max_pages``) → article pages (→ articles
those link, one hop, for items no listing shows). A portal whose registry entry names no
``start_urls`` starts at its home page and finds its sections in the menu.

Incremental by default: a listing page whose article links are all archived already ends its
pagination walk (after ``overlap`` such pages), and its known articles are not fetched again;
on listing pages that do show new articles, the known ones beside them are re-checked with a
conditional request (If-None-Match / If-Modified-Since: a 304 costs no body). A first crawl
knows nothing, so it walks everything. ``full=1`` walks every listing page and re-checks every
archived article of the portal, which is how takedowns (404/410, or a redirect away from the
article) are found. Every request goes through the durable frontier
(:mod:`crawler.middlewares`), so a killed crawl resumes where it stopped.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import Any, Iterator

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from archive import store
from crawler.contracts.charset import decode_html
from crawler.extract import extract_article, extract_page, find_links
from crawler.extract.listing import links_from_json
from crawler.extract.clean import parse_html
from crawler.extract.template import Template
from crawler.items import ArticleItem, GoneItem, NotModifiedItem, PageItem
from crawler.middlewares import Frontier, storage_failed
from crawler.registry import Portal, get_portal
from crawler.urls import normalise_url

STAT = "portal_archive"
LISTING_KINDS = {"start", "home", "section", "listing"}
RECHECK_STATUSES = [304, 404, 410]
# Links to other articles followed from one article page ("Các tin khác" lists a handful; a page
# linking thousands is a trap). Setting: PORTAL_ARCHIVE_ARTICLE_LINKS_MAX.
ARTICLE_LINKS_MAX = 50
# Article requests go before listing pages: a listing's articles are fetched (and their memory
# freed) before its next page queues more, so Scrapy's queue holds a few pages' worth of
# requests, not every article of a portal whose pagination is walked first (LIFO).
ARTICLE_PRIORITY = 1
# Start requests (a --full crawl's re-checks, a resumed crawl's pending requests) are handed to
# Scrapy while its queue holds at most this many. Setting: PORTAL_ARCHIVE_START_QUEUE_MAX.
START_QUEUE_MAX = 1000


async def _sleep(seconds: float) -> None:
    try:
        from scrapy.utils.defer import sleep  # Scrapy >= 2.18
    except ImportError:  # pragma: no cover - older Scrapy, asyncio reactor (the default since 2.13)
        from asyncio import sleep
    await sleep(seconds)


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, portal: str | None = None, max_pages: str | int | None = None, registry: str | None = None,
                 full: str | bool | None = None, overlap: str | int | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not portal:
            raise ValueError("the portal spider needs a portal id: scrapy crawl portal -a portal=ID")
        self.portal_id = portal
        self.registry_path = registry
        self.max_pages = int(max_pages) if max_pages not in (None, "", "0", 0) else None
        self.full = _flag(full)
        self.overlap = int(overlap) if overlap not in (None, "") else None
        self.start_failures: list[str] = []
        self.pages_ok = 0
        self.known: dict[str, dict[str, Any]] = {}
        self.frontier: Frontier | None = None
        self._listing_pages: dict[str, int] = {}  # listing's first page -> further pages requested (--max-pages)
        self.article_links_max = ARTICLE_LINKS_MAX
        self.start_queue_max = START_QUEUE_MAX

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "PortalSpider":
        kwargs.setdefault("registry", crawler.settings.get("PORTAL_ARCHIVE_REGISTRY") or None)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.portal = get_portal(spider.portal_id, spider.registry_path)
        if not spider.portal.enabled:
            raise ValueError(f"portal {spider.portal.id} is disabled: {spider.portal.disabled_reason}")
        spider.profile = spider.portal.profile()
        spider.allowed_domains = spider.portal.allowed_domains
        settings = crawler.settings
        if spider.overlap is None:
            spider.overlap = max(1, settings.getint("PORTAL_ARCHIVE_OVERLAP", 1))
        spider.full = spider.full or settings.getbool("PORTAL_ARCHIVE_FULL", False)
        if settings.getbool("PORTAL_ARCHIVE_FRONTIER", True):
            spider.frontier = Frontier(settings.get("PORTAL_ARCHIVE_DB"), spider.portal.id)
            from crawler.known import KnownArticles

            spider.known = KnownArticles(store.iter_known_articles(spider.frontier.db, spider.portal.id))
        elif settings.get("REDIS_URL"):  # a distributed worker: the ingest publishes what the archive holds
            from crawler.distributed import known_from_settings

            spider.known = known_from_settings(settings, spider.portal.id)
        spider.template = Template()
        if spider.profile.is_generic and spider.frontier is not None:
            from crawler.learning import stored_template

            spider.template = stored_template(spider.frontier.db, spider.portal.id)  # learned by earlier runs
        spider.mode = "full" if spider.full else "incremental"
        spider.article_links_max = settings.getint("PORTAL_ARCHIVE_ARTICLE_LINKS_MAX", ARTICLE_LINKS_MAX)
        spider.start_queue_max = settings.getint("PORTAL_ARCHIVE_START_QUEUE_MAX", START_QUEUE_MAX)
        from dataclasses import replace

        spider._items_profile = replace(spider.profile, follow_article_links=False)
        return spider

    def closed(self, reason: str) -> None:
        if self.frontier is not None:
            self.frontier.close(finished=reason == "finished")
        if hasattr(self.known, "close"):
            self.known.close()

    portal: Portal

    async def start(self):  # Scrapy >= 2.13
        for request in self.start_requests():
            yield request
            await self._queue_room()

    async def _queue_room(self) -> None:
        """Wait while Scrapy's queue holds more than ``PORTAL_ARCHIVE_START_QUEUE_MAX`` requests.

        Scrapy moves start requests into its (in-memory) queue whenever the downloader is busy,
        so a ``--full`` re-check of 100,000 archived articles, or a resumed crawl with as many
        pending requests, would hold them all as Request objects at once. Paced here, the rest
        stay rows on disk (the archive, the frontier) until there is room.
        """
        stats = self.crawler.stats
        engine = getattr(self.crawler, "engine", None)
        peak = stats.get_value(f"{STAT}/start_queue_peak", 0)
        while True:
            queued = int(stats.get_value("scheduler/enqueued", 0)) - int(stats.get_value("scheduler/dequeued", 0))
            if queued > peak:
                stats.set_value(f"{STAT}/start_queue_peak", peak := queued)
            if queued <= self.start_queue_max or getattr(self, "storage_error", None) or not getattr(engine, "running", False):
                return
            await _sleep(0.05)

    def start_requests(self) -> Iterator[scrapy.Request]:
        frontier = self.frontier
        if frontier is not None and frontier.pending:
            self.crawler.stats.set_value(f"{STAT}/resumed_from", frontier.resumed_from)
            self.crawler.stats.set_value(f"{STAT}/resumed_requests", frontier.pending)
            self.logger.info("%s: resuming crawl #%s: %d pending requests", self.portal.id, frontier.resumed_from, frontier.pending)
            yield from frontier.requests(callback=self.parse, errback=self.on_error)
            return
        if frontier is not None:
            frontier.reset()
        kind = "start" if self.portal.start_urls else "home"
        requests: Iterator[scrapy.Request] = (
            scrapy.Request(url, callback=self.parse, errback=self.on_error, meta={"kind": kind, "page_number": 1, "start": True})
            for url in self.portal.resolved_start_urls())
        if self.full:  # re-check every archived article, listed or not: how takedowns are found
            from itertools import chain

            from crawler.known import each_page_once

            # a generator: Scrapy takes start requests as its queue has room, so a full re-check
            # of 100,000 articles never holds 100,000 requests in memory
            requests = chain(requests, (self._recheck(info["fetched_url"], info, hops=1) for info in each_page_once(self.known)))
        for request in requests:
            if frontier is None or frontier.add(request):
                yield request

    def _known(self, url: str) -> dict[str, Any] | None:
        return self.known.get(url) or self.known.get(normalise_url(url))

    def _recheck(self, url: str, info: dict[str, Any], hops: int) -> scrapy.Request:
        """A conditional request for an archived article: 304 = seen unchanged, 404/410 = gone."""
        headers = {}
        if info.get("etag"):
            headers["If-None-Match"] = info["etag"]
        if info.get("last_modified"):
            headers["If-Modified-Since"] = info["last_modified"]
        return scrapy.Request(url, callback=self.parse, errback=self.on_error, headers=headers or None, priority=ARTICLE_PRIORITY,
                              meta={"kind": "article", "article_hops": hops, "known": True,
                                    "handle_httpstatus_list": RECHECK_STATUSES})

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        kind = response.meta.get("kind", "listing")
        if response.meta.get("known"):
            verdict = self._recheck_verdict(response)
            if verdict is not None:
                yield verdict
                return
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value(f"{STAT}/non_html_responses")
            return
        self.pages_ok += 1
        if kind == "article" and self._redirected_away(response):
            # a first fetch of an article link that lands on the home page (or any non-article
            # page): that page is not the article, so nothing is stored under the article's URL
            self.crawler.stats.inc_value(f"{STAT}/redirected_away")
            self.logger.info("%s: %s redirects to %s, not an article: not stored", self.portal.id,
                             response.meta["redirect_urls"][0], response.url)
            return
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        text = decode_html(response.body, content_type)  # not response.text: see crawler.contracts.charset
        if "json" in content_type.lower():
            # a listing API answering JSON ("Xem thêm" pages of VCCorp's CMS)
            links = links_from_json(text, response.url, self.profile)
            yield from self._walk_listing(response, kind, links, links.articles)
            yield self._page_item(response)
            return
        soup = parse_html(text)
        is_article = kind == "article" or self.profile.is_article_url(response.url)
        if not is_article and kind == "start" and self.profile.is_generic and self._start_page_is_article(soup, text, response.url):
            is_article = True  # an operator's start URL that is an article page
        if is_article and response.meta.get("article_hops", 0) >= 1:
            yield self._article_item(response)
            return  # articles linked from articles are not expanded further
        if self.profile.is_generic:
            links, main_list = self._generic_links(soup, response.url, is_article)
        else:
            links = find_links(soup, response.url, self.profile)
            main_list = links.articles
        if is_article:
            # links first, the item last: the pipeline marks this request done once the item is
            # stored, and by then the links it led to are already in the frontier. An article's
            # "Các tin khác" are a handful; a page linking thousands is not followed past the cap.
            related = links.articles[:self.article_links_max]
            if len(links.articles) > len(related):
                self.crawler.stats.inc_value(f"{STAT}/article_links_capped", len(links.articles) - len(related))
            yield from self._article_links(response, related, hops=response.meta.get("article_hops", -1) + 1)
            yield self._article_item(response)
            return
        # The listing's own items decide whether the page is archived already; sidebar boxes
        # ("Tin mới", "Xem nhiều") show the same few articles on every page and would not.
        items = find_links(soup, response.url, self._items_profile).articles if self.profile.item_selectors else main_list
        yield from self._walk_listing(response, kind, links, items)
        yield self._page_item(response)  # last: the request is done once its links are queued and this is stored

    def _generic_links(self, root: Any, url: str, is_article: bool) -> tuple[Any, list[str]]:
        """Links of a page on the generic platform, found from its structure.

        A listing's articles are its main list, then same-shape headline links beside it (a
        "Tin mới" column). An article page's are only the headline links of its own URL shape
        (its "Tin khác" box): its biggest link group is often the site menu.
        """
        from crawler.extract.discover import same_shape_links

        links = find_links(root, url, self.profile)
        main = [] if is_article else links.articles
        links.articles = main + [u for u in same_shape_links(root, url, [url] if is_article else main) if u not in main]
        return links, main

    def _start_page_is_article(self, root: Any, text: str, url: str) -> bool:
        """No URL shapes on the generic platform: a start page is an article when it reads as one."""
        from crawler.extract.pagekind import looks_like_article

        return looks_like_article(root, extract_article(text, url, self.profile, template=self.template))

    def _page_item(self, response: Response) -> PageItem:
        """A listing or home page, kept as a snapshot (the archive keeps every page it fetched)."""
        return PageItem(portal_id=self.portal.id, fetched_url=response.url, fetched_at=_now(), status=response.status,
                        headers=self._headers(response), raw=response.body, frontier_url=response.meta.get("frontier_url"))

    def _walk_listing(self, response: Response, kind: str, links: Any, items: list[str]) -> Iterator[Any]:
        """Follow a listing page's articles, sections and further pages (incrementally)."""
        fresh = [url for url in items if not self._known(url)]
        fully_known = bool(items) and not fresh and not self.full
        overlap = response.meta.get("overlap", 0) + 1 if fully_known else 0
        item_set = set(items)
        if fully_known:
            self.crawler.stats.inc_value(f"{STAT}/known_skipped", len(items))
        yield from self._article_links(response, [u for u in links.articles if not self._known(u) or (u in item_set and not fully_known)], hops=0)
        if kind == "home":
            for url in links.sections:
                yield response.follow(url, callback=self.parse, errback=self.on_error, meta={"kind": "section", "page_number": 1})
        current = response.meta.get("page_number", 1)
        if fully_known and overlap >= (self.overlap or 1):
            self.crawler.stats.inc_value(f"{STAT}/listings_stopped")
            return  # this listing is archived from here on: its older pages are too
        # A first crawl or --full walks every page; an incremental one walks page by page, so
        # it can stop at the first archived page (unless the platform's page numbers are unknown).
        page_by_page = not self.full and bool(self.known) and any(self._page_number(u) == current + 1 for u in links.pages)
        # --max-pages N bounds each listing whatever its links say: by page number, and by the
        # count of pagination requests made from the listing's first page, at most N (the
        # first page's own numbered URL may be one; links without a recognisable number all
        # claimed to be "page 2").
        root = response.meta.get("listing_root") or response.url
        for url in links.pages:
            number = self._page_number(url) or current + 1
            if page_by_page and number != current + 1:
                continue
            if self.max_pages is None or (number <= self.max_pages and self._listing_pages.get(root, 0) < self.max_pages):
                self._listing_pages[root] = self._listing_pages.get(root, 0) + 1
                yield response.follow(url, callback=self.parse, errback=self.on_error,
                                      meta={"kind": "listing", "page_number": number, "overlap": overlap, "listing_root": root})
            else:
                self.crawler.stats.inc_value(f"{STAT}/pages_beyond_max_pages")

    def _page_number(self, url: str) -> int | None:
        """The listing page a pagination link asks for: the profile's pattern, or the usual URL forms on the generic platform."""
        if self.profile.is_generic:
            from crawler.extract.discover import page_number

            return page_number(url)
        return self.profile.page_number(url)

    def _article_links(self, response: Response, urls: list[str], hops: int) -> Iterator[scrapy.Request]:
        for url in urls:
            info = self._known(url)
            if info is None:
                yield response.follow(url, callback=self.parse, errback=self.on_error, priority=ARTICLE_PRIORITY,
                                      meta={"kind": "article", "article_hops": hops})
            elif info["gone_at"] and not self.full:
                continue  # taken down; only a --full crawl looks again
            else:
                yield self._recheck(response.urljoin(url), info, hops)

    def _recheck_verdict(self, response: Response) -> NotModifiedItem | GoneItem | None:
        """304 → seen unchanged; 404/410 or a redirect off article pages → gone; else None (a normal page)."""
        request_url = response.meta.get("frontier_url") or (response.meta.get("redirect_urls") or [response.url])[0]
        stats = self.crawler.stats
        if response.status == 304:
            stats.inc_value(f"{STAT}/not_modified")
            return NotModifiedItem(portal_id=self.portal.id, url=request_url, fetched_at=_now(), frontier_url=response.meta.get("frontier_url"))
        redirected_away = self._redirected_away(response)
        if response.status in (404, 410) or redirected_away:
            status = response.status if not redirected_away else (response.meta.get("redirect_reasons") or [301])[0]
            stats.inc_value(f"{STAT}/gone")
            self.logger.info("%s: %s is gone (%s → %s)", self.portal.id, request_url, status, response.url)
            return GoneItem(portal_id=self.portal.id, url=request_url, fetched_url=response.url, fetched_at=_now(),
                            status=int(status) if isinstance(status, int) else 301, headers=self._headers(response),
                            raw=response.body, frontier_url=response.meta.get("frontier_url"))
        return None

    def _redirected_away(self, response: Response) -> bool:
        """An article request that was redirected to a page that is no article (the home page).

        The generic platform knows no article URL shapes: there, a redirect to the home page or
        to a start page is the sign (a redirect to another scheme, host alias or slug is not).
        """
        if not response.meta.get("redirect_urls"):
            return False
        if self.profile.is_generic:
            return normalise_url(response.url) in self._listing_urls
        return not self.profile.is_article_url(response.url)

    @property
    def _listing_urls(self) -> set[str]:
        home = normalise_url(self.portal.base_url)
        return {home, home.rstrip("/") + "/", *(normalise_url(u) for u in self.portal.resolved_start_urls())}

    @staticmethod
    def _headers(response: Response) -> dict[str, list[str]]:
        return {k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in response.headers.items()}

    def _article_item(self, response: TextResponse) -> ArticleItem:
        headers = self._headers(response)
        page = extract_page(response.body, response.url, headers, self.profile, template=self.template)
        article = page.article
        stats = self.crawler.stats
        for warning in article.warnings:
            field = warning.split(":", 1)[0]
            stats.inc_value(f"{STAT}/warnings/{field}")
            self.logger.warning("%s: %s (%s)", self.portal.id, warning, response.url)
        if article.published_at is None:
            stats.inc_value(f"{STAT}/date_missing")
        stats.inc_value(f"{STAT}/extractor/{article.extractor}")
        # Field coverage of this crawl, compared with the portal's history by the drift alarm.
        stats.inc_value(f"{STAT}/coverage/articles")
        for name in ("title", "published_at", "lead", "body", "images"):
            if getattr(article, name):
                stats.inc_value(f"{STAT}/coverage/{name}")
        if page.canonical_ignored:  # names another page: not this article's identity
            stats.inc_value(f"{STAT}/canonical_ignored")
            self.logger.info("%s: canonical link %s names another page; stored under %s", self.portal.id, article.canonical_url, page.url)
        return ArticleItem(
            portal_id=self.portal.id, url=page.url, fetched_url=response.url, fetched_at=_now(),
            status=response.status, headers=headers, raw=response.body, article=page.fields(),
            frontier_url=response.meta.get("frontier_url"),
        )

    def on_error(self, failure: Failure) -> None:
        request = failure.request if hasattr(failure, "request") else None
        response = getattr(failure.value, "response", None)
        stats = self.crawler.stats
        stats.inc_value(f"{STAT}/errors")
        if response is not None:
            stats.inc_value(f"{STAT}/http_errors/{response.status}")
            reason = f"HTTP {response.status}"
        else:
            reason = failure.getErrorMessage() or failure.type.__name__
        url = request.url if request is not None else "?"
        if request is not None and self.frontier is not None:
            try:
                self.frontier.done(request.meta.get("frontier_url"))  # failed for good (after retries): not pending
            except sqlite3.Error as exc:
                storage_failed(self.crawler, exc)
        if request is not None and request.meta.get("start"):
            self.start_failures.append(f"{url}: {reason}")
            self.logger.error("%s: start URL %s failed: %s", self.portal.id, url, reason)
        else:
            self.logger.info("%s: %s failed: %s", self.portal.id, url, reason)
