"""HTML → article fields.

Parse a page once, then run one small function per field, driven by a platform profile's
selectors (``crawler/platforms/*.toml``). Nothing here knows about Scrapy, so the same code
serves the spider, ``portal-archive extract`` and re-extraction from stored snapshots:
:func:`extract_page` is the entry point from a response's bytes, URL and headers.
"""

from crawler.extract.article import extract_article
from crawler.extract.listing import find_links
from crawler.extract.page import ExtractedPage, extract_page
from crawler.extract.result import ExtractedArticle, PageLinks

__all__ = ["ExtractedArticle", "extract_article", "ExtractedPage", "extract_page", "PageLinks", "find_links"]
