"""The one generic spider: any registered portal on a known platform.

``scrapy crawl portal -a portal=hanoi-sotttt [-a max_pages=5]``. Discovery is the platform
profile's job (which links are articles, pagination, sections); this class only walks them:
start pages → listing pages (pagination, up to ``max_pages``) → article pages (→ articles
those link, one hop, for items no listing shows). A portal whose registry entry names no
``start_urls`` starts at its home page and finds its sections in the menu.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.extract import extract_article, find_links
from crawler.extract.clean import parse_html
from crawler.items import ArticleItem
from crawler.registry import Portal, get_portal
from crawler.urls import canonical_url

STAT = "portal_archive"


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, portal: str | None = None, max_pages: str | int | None = None, registry: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not portal:
            raise ValueError("the portal spider needs a portal id: scrapy crawl portal -a portal=ID")
        self.portal_id = portal
        self.registry_path = registry
        self.max_pages = int(max_pages) if max_pages not in (None, "", "0", 0) else None
        self.start_failures: list[str] = []
        self.pages_ok = 0

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "PortalSpider":
        kwargs.setdefault("registry", crawler.settings.get("PORTAL_ARCHIVE_REGISTRY") or None)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.portal = get_portal(spider.portal_id, spider.registry_path)
        if spider.portal.platform == "unknown" or not spider.portal.enabled:
            raise ValueError(f"portal {spider.portal.id} is disabled (platform {spider.portal.platform!r}); enable it with a known platform in the registry first")
        spider.profile = spider.portal.profile()
        spider.allowed_domains = spider.portal.allowed_domains
        return spider

    portal: Portal

    async def start(self):  # Scrapy >= 2.13
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        kind = "start" if self.portal.start_urls else "home"
        for url in self.portal.resolved_start_urls():
            yield scrapy.Request(url, callback=self.parse, errback=self.on_error, meta={"kind": kind, "page_number": 1, "start": True})

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value(f"{STAT}/non_html_responses")
            return
        self.pages_ok += 1
        kind = response.meta.get("kind", "listing")
        soup = parse_html(response.text)
        if kind == "article" or self.profile.is_article_url(response.url):
            yield self._article_item(response)
            if response.meta.get("article_hops", 0) >= 1:
                return  # articles linked from articles are not expanded further
        links = find_links(soup, response.url, self.profile)
        hops = response.meta.get("article_hops", -1) + 1 if kind == "article" else 0
        for url in links.articles:
            yield response.follow(url, callback=self.parse, errback=self.on_error, meta={"kind": "article", "article_hops": hops})
        if kind == "article":
            return
        if kind == "home":
            for url in links.sections:
                yield response.follow(url, callback=self.parse, errback=self.on_error, meta={"kind": "section", "page_number": 1})
        current = response.meta.get("page_number", 1)
        for url in links.pages:
            number = self.profile.page_number(url) or current + 1
            if self.max_pages is None or number <= self.max_pages:
                yield response.follow(url, callback=self.parse, errback=self.on_error, meta={"kind": "listing", "page_number": number})
            else:
                self.crawler.stats.inc_value(f"{STAT}/pages_beyond_max_pages")

    def _article_item(self, response: TextResponse) -> ArticleItem:
        article = extract_article(response.text, response.url, self.profile)
        stats = self.crawler.stats
        for warning in article.warnings:
            field = warning.split(":", 1)[0]
            stats.inc_value(f"{STAT}/warnings/{field}")
            self.logger.warning("%s: %s (%s)", self.portal.id, warning, response.url)
        if article.published_at is None:
            stats.inc_value(f"{STAT}/date_missing")
        stats.inc_value(f"{STAT}/extractor/{article.extractor}")
        url = canonical_url(response.url, article.canonical_url, self.profile)
        article_dict = article.to_dict()
        article_dict.update(url=url, fetched_url=response.url)
        headers = {k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in response.headers.items()}
        return ArticleItem(
            portal_id=self.portal.id, url=url, fetched_url=response.url,
            fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            status=response.status, headers=headers, raw=response.body, article=article_dict,
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
        if request is not None and request.meta.get("start"):
            self.start_failures.append(f"{url}: {reason}")
            self.logger.error("%s: start URL %s failed: %s", self.portal.id, url, reason)
        else:
            self.logger.info("%s: %s failed: %s", self.portal.id, url, reason)
