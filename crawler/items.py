"""What the spider yields: an extracted article with its response, or a verdict on a known one.

``ArticleItem`` is a fetched article page; ``NotModifiedItem`` a conditional re-check the
portal answered with 304 (the archived article was seen, unchanged, without a body);
``GoneItem`` an archived article the portal no longer serves (404/410, or a redirect to a
page that is not an article); ``PageItem`` any other fetched page (a listing, the home page),
kept as a snapshot only, so the archive holds every response it fetched. Each carries the frontier key of the request that produced it,
so the pipeline marks the request done only once its result is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ArticleItem:
    portal_id: str
    url: str  # canonical URL: the article's identity in the archive
    fetched_url: str
    fetched_at: str
    status: int
    headers: dict[str, Any]
    raw: bytes  # the response body, kept as a snapshot for re-extraction and WARC export
    article: dict[str, Any] = field(default_factory=dict)  # ExtractedArticle.to_dict()
    frontier_url: str | None = None


@dataclass
class NotModifiedItem:
    portal_id: str
    url: str  # the URL re-checked (the article's fetched URL)
    fetched_at: str
    frontier_url: str | None = None


@dataclass
class GoneItem:
    portal_id: str
    url: str  # the archived article's fetched URL
    fetched_url: str  # where the request ended (differs after a redirect)
    fetched_at: str
    status: int  # 404, 410, or the redirect status (301/302/...) when sent elsewhere
    headers: dict[str, Any] = field(default_factory=dict)
    raw: bytes = b""
    frontier_url: str | None = None


@dataclass
class PageItem:
    portal_id: str
    fetched_url: str
    fetched_at: str
    status: int
    headers: dict[str, Any] = field(default_factory=dict)
    raw: bytes = b""
    frontier_url: str | None = None


# The kind of each item, as archive.store.store_crawled_item and the Redis wire format name it.
ITEM_KINDS: dict[type, str] = {ArticleItem: "article", NotModifiedItem: "not_modified", GoneItem: "gone", PageItem: "page"}
