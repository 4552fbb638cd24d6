"""One extraction from a response's bytes, URL and headers (``crawler.extract.extract_page``).

The spider stores an article from a live response; ``reextract`` (and a generic portal's
relearning, and imports) rebuild it later from the stored snapshot and headers. Both must
arrive at the same article under the same URL, or re-extraction alone makes new versions:
the spider read the charset of the last ``Content-Type`` a response sent (Scrapy's), while
re-extraction read the first (the store's ``header_value``).
"""

from __future__ import annotations

import pytest
import scrapy
from scrapy.http import HtmlResponse

from crawler.extract import extract_page
from crawler.items import ArticleItem
from crawler.learning import page_extractor
from crawler.profiles import load_profile
from crawler.registry import Portal
from tests.spider_walk import portal_spider
from tests.test_decode_contract import PAGES
from tests.test_extract_encodings import BODY, TITLE, URL, page

ENTRY = {"id": "cau-giay", "name": "Quận Cầu Giấy", "level": "quận", "province": "Hà Nội",
         "base_url": "https://caugiay.hanoi.gov.vn", "platform": "vccorp", "enabled": True, "start_urls": ["/tin-tuc"]}
CANONICAL = page(TITLE, BODY).replace("</title>", f'</title><link rel="canonical" href="{URL}">')

RESPONSES = {  # what -> (fetched URL, body, Content-Type headers)
    **{what: (URL, body, types) for what, (body, types) in PAGES.items()},
    "fetched with tracking parameters, canonical link to itself": (URL + "?utm_source=zalo", CANONICAL.encode(), ["text/html"]),
    "canonical link to another article": (URL, CANONICAL.replace(URL, URL.replace("2805240828152801967", "2805240828152801999")).encode(),
                                          ["text/html; charset=utf-8"]),
}


def spider_item(spider, url: str, body: bytes, content_types: list[str]) -> ArticleItem:
    """What the spider yields for one article response (no network, no archive)."""
    request = scrapy.Request(url, meta={"kind": "article", "article_hops": 1})
    response = HtmlResponse(url, status=200, headers={"Content-Type": content_types} if content_types else {}, body=body, request=request)
    items = [output for output in spider.parse(response) if isinstance(output, ArticleItem)]
    assert len(items) == 1
    return items[0]


@pytest.mark.parametrize("what", RESPONSES)
def test_the_spider_and_reextraction_store_the_same_article(what, tmp_path):
    url, body, content_types = RESPONSES[what]
    item = spider_item(portal_spider(ENTRY, tmp_path), url, body, content_types)
    assert item.article["title"] == TITLE and item.article["body"] == BODY, what
    reextracted = page_extractor(Portal(**{k: v for k, v in ENTRY.items() if k != "start_urls"}))(item.raw, item.fetched_url, item.headers)
    assert reextracted == item.article, what
    assert reextracted["url"] == item.url


def test_the_article_is_archived_under_its_own_canonical_url_never_another_pages():
    profile = load_profile("vccorp")
    tracked = extract_page(CANONICAL.encode(), URL + "?utm_source=zalo", {"content-type": "text/html"}, profile)
    assert (tracked.url, tracked.fetched_url, tracked.canonical_ignored) == (URL, URL + "?utm_source=zalo", False)
    other = URL.replace("2805240828152801967", "2805240828152801999")
    hijack = extract_page(CANONICAL.replace(URL, other).encode(), URL, None, profile)
    assert (hijack.url, hijack.canonical_ignored, hijack.article.canonical_url) == (URL, True, other)
    assert hijack.fields()["url"] == URL and hijack.fields()["fetched_url"] == URL
