"""The portal spider in this process, on a local site: what a test of its decisions needs, in a second.

A crawl in a subprocess proves that ``portal-archive crawl`` starts and stores (tests that do
that keep doing it); a test of which links the spider follows needs only the spider. Here its
requests are fetched from a local server with urllib and each response is handed to
``spider.parse`` (as Scrapy projects test spiders, ``spider.parse(HtmlResponse(...))``); a
request already seen or for another host is dropped, as Scrapy's dupefilter and offsite
middleware would. No frontier, no archive: the spider runs with ``PORTAL_ARCHIVE_FRONTIER`` off.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from crawler.spiders.portal import PortalSpider
from tests.conftest import write_registry


def portal_spider(entry: dict, tmp_path: Path, **spider_args: Any) -> PortalSpider:
    """The spider of one registry ``entry``, built as ``scrapy crawl portal -a portal=ID`` builds it."""
    registry = write_registry(tmp_path / "portals.toml", [entry])
    crawler = get_crawler(PortalSpider, {"PORTAL_ARCHIVE_FRONTIER": False, "PORTAL_ARCHIVE_REGISTRY": str(registry)})
    spider = PortalSpider.from_crawler(crawler, portal=entry["id"], **spider_args)
    crawler.spider = spider
    return spider


def _fetch(request: scrapy.Request) -> scrapy.http.Response:
    opened = urllib.request.Request(request.url, headers={k.decode(): v[0].decode() for k, v in request.headers.items()})
    try:
        with urllib.request.urlopen(opened, timeout=30) as answer:
            status, url, headers, body = answer.status, answer.url, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        status, url, headers, body = error.code, error.url, error.headers, error.read()
    if url != request.url:
        request = request.replace(meta={**request.meta, "redirect_urls": [request.url]})
    scrapy_headers = Headers({k: v for k, v in headers.items()})
    cls = responsetypes.from_args(headers=scrapy_headers, url=url, body=body)
    return cls(url=url, status=status, headers=scrapy_headers, body=body, request=request)


def walk(spider: PortalSpider, limit: int = 2000) -> list[Any]:
    """Every item the spider yields from its start requests on, following every request it makes."""
    queue = deque(spider.start_requests())
    seen: set[str] = set()
    items: list[Any] = []
    allowed = set(spider.allowed_domains or [])
    while queue:
        request = queue.popleft()
        if (not request.dont_filter and request.url in seen) or (allowed and urlsplit(request.url).hostname not in allowed):
            continue
        seen.add(request.url)
        assert len(seen) <= limit, "the spider never stops"
        response = _fetch(request)
        if response.status >= 400 and response.status not in request.meta.get("handle_httpstatus_list", ()):
            continue
        for output in request.callback(response) or ():
            (queue.append if isinstance(output, scrapy.Request) else items.append)(output)
    return items
