"""What extraction returns: :class:`ExtractedArticle` for an article page, :class:`PageLinks` for a listing.

Its own module so that every path that fills it (a profile's selectors in ``article.py``, the
generic fallback in ``fallback.py``, the body reader in ``body.py``) imports it from one place
and none of them imports another's internals; ``PageLinks`` is shared by the profile's
link reader (``listing.py``) and the generic one (``discover.py``) alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ExtractedArticle:
    """The fields of one article page, ready for storage (all text NFC, dates ISO 8601 +07:00)."""

    url: str
    title: str | None = None
    lead: str | None = None
    published_at: str | None = None
    published_date_only: bool = False
    updated_at: str | None = None
    author: str | None = None
    source: str | None = None  # where a reprint comes from ("Báo Hà Giang"), never the author
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    body: str | None = None
    body_html: str | None = None
    images: list[dict[str, str | None]] = field(default_factory=list)
    attachments: list[dict[str, str | None]] = field(default_factory=list)
    image_url: str | None = None
    canonical_url: str | None = None
    word_count: int = 0
    extractor: str = ""
    # The version of the portal's learned template the body was cleaned with ("" for none).
    template: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PageLinks:
    """Absolute URLs found on one page, each list in document order without repeats."""

    articles: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
