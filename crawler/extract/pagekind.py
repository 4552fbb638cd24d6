"""Is a page of a portal with no profile an article? (Imports, where no listing walk says so.)

A crawl knows an article by how it reached it (a link of a listing's main list). A saved copy
or a WARC holds pages with no such path, and the generic platform has no URL patterns, so a
page is an article when the portal's own listings link it from their main lists, or when the
page says so itself: ``og:type = article`` / a JSON-LD ``*Article``, or a headline above a body
of prose that is not mostly link text (a listing's summaries are headlines that are links).
"""

from __future__ import annotations

import re

from crawler.extract.result import ExtractedArticle
from crawler.extract.dom import HtmlElement, parse_html
from crawler.extract.metadata import read_metadata
from crawler.extract.text import normalize_text

# A body shorter than this, on a page no listing links, is a notice or a stub page, not proof.
MIN_WORDS = 12
# Share of the body's text that is link text above which the "body" is a list of headlines.
MAX_LINK_SHARE = 0.5
# Linked list items (or table rows) with a picture or a date: a listing's records, when there are this many.
MAX_RECORDS = 3
# Share of the body found in the records of the page's main list above which it is a listing.
MAX_LIST_SHARE = 0.5
_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\b")
_ARTICLE_TYPE = re.compile(r"(?:^|\W)(?:News)?Article$|^BlogPosting$|^ReportageNewsArticle$", re.I)


def declares_article(root: HtmlElement) -> bool:
    """The page's metadata calls it an article (OpenGraph or JSON-LD)."""
    metadata = read_metadata(root)
    if metadata.meta.get("og:type", "").strip().lower() == "article":
        return True
    for item in metadata.json_ld:
        kinds = item.get("@type")
        for kind in kinds if isinstance(kinds, list) else [kinds]:
            if isinstance(kind, str) and _ARTICLE_TYPE.search(kind):
                return True
    return False


def link_share(body: HtmlElement) -> float:
    """How much of a body's text is the text of its links."""
    total = len(re.sub(r"\s+", "", body.text_content()))
    linked = sum(len(re.sub(r"\s+", "", a.text_content())) for a in body.iter("a"))
    return linked / total if total else 0.0


def records(body: HtmlElement) -> int:
    """List items and table rows that link somewhere and hold a picture or a date: a listing's
    records (an article's table of documents has dates in its rows, not a link in each)."""
    return sum(1 for item in body.iter("li", "tr")
               if next(item.iter("a"), None) is not None
               and (next(item.iter("img"), None) is not None or _DATE.search(item.text_content() or "")))


def list_share(root: HtmlElement, url: str, body: str) -> float:
    """How much of an extracted body is the text of the page's main-list records (a listing's
    summaries, read as if they were paragraphs)."""
    from crawler.extract.discover import discover_links, list_records

    main_list = discover_links(root, url).articles
    if len(main_list) < MAX_RECORDS:
        return 0.0
    listed = " ".join(normalize_text(r.text_content()) for r in list_records(root, url, main_list))
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    total = sum(len(p) for p in paragraphs)
    inside = sum(len(p) for p in paragraphs if normalize_text(p) in listed)
    return inside / total if total else 0.0


def looks_like_article(root: HtmlElement, article: ExtractedArticle) -> bool:
    """Whether a page no listing links is an article, judged from the page and what was extracted from it."""
    if not article.title or not article.body:
        return False
    if declares_article(root):
        return True
    if article.word_count < MIN_WORDS or not article.body_html:
        return False
    body = parse_html(article.body_html)
    if link_share(body) > MAX_LINK_SHARE or records(body) >= MAX_RECORDS:
        return False
    return list_share(root, article.url, article.body) <= MAX_LIST_SHARE
