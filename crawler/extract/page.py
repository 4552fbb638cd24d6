"""A fetched or stored page (bytes, URL, headers) → the article the archive keeps: one entry point.

The spider, re-extraction (``reextract``, a generic portal's relearned template), imports
(WARC, saved copies) and Wayback recovery all start from the
same three things a response leaves: its body, its URL and its headers. Decoding them
(:func:`crawler.contracts.charset.decode_response`), extracting, and
deciding the article's identity (its canonical URL) happen here once, so a page stored
today and re-read next year gives the same article, and no caller reads headers itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.contracts.charset import decode_response
from crawler.contracts.headers import Headers
from crawler.extract.article import extract_article
from crawler.extract.result import ExtractedArticle
from crawler.extract.template import Template
from crawler.profiles import Profile
from crawler.urls import canonical_ignored, canonical_url


@dataclass
class ExtractedPage:
    """An article page read: its fields, and the URL it is archived under."""

    article: ExtractedArticle
    url: str  # the identity: the page's canonical link when it names this very page, else the fetched URL
    fetched_url: str
    canonical_ignored: bool  # the page named another page canonical; not believed (the crawl counts it)

    def fields(self) -> dict[str, Any]:
        """The article as the store takes it (``archive.store.upsert_article``)."""
        return {**self.article.to_dict(), "url": self.url, "fetched_url": self.fetched_url}


def extract_page(body: bytes, url: str, headers: Headers | None, profile: Profile | None,
                 *, template: Template | None = None) -> ExtractedPage:
    """Read the article in a response's ``body`` fetched from ``url`` (pure: no I/O).

    ``headers`` are the response's as stored (``crawler.contracts.headers``); only ``Content-Type``
    matters, for the charset (the last one sent, as the spider's Scrapy response reads it). ``profile`` and ``template`` are as for
    :func:`crawler.extract.extract_article`.
    """
    html = decode_response(body, headers)
    article = extract_article(html, url, profile, template=template)
    return ExtractedPage(article=article, url=canonical_url(url, article.canonical_url), fetched_url=url,
                         canonical_ignored=canonical_ignored(url, article.canonical_url))
