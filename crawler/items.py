"""The item the spider yields: one extracted article plus the response it came from."""

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
