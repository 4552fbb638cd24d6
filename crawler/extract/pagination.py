"""Pagination without selectors: which links lead to another page of the same listing.

Read from link texts (page numbers, "Trang sau", "›", "Next"...) and from URLs that differ
from the page's own only by a page parameter or path segment (``?page=2``, Liferay's
``_cur=2``, ``/trang-2``). ``javascript:`` postbacks cannot be followed and never get here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from crawler.extract.linkurls import url_host

# Query keys that carry a listing's page number: `?page=2`, `?p=2`, `PageIndex=2`,
# Liferay's `_101_cur=2`, `paged=2` (WordPress), `trang=2`; a key ending in one of these
# words after `_`, `$` or `.` counts too (`ctl00$PageIndex`, `_abc_cur`).
_PAGE_KEY = re.compile(r"(?:^|[_$.:-])(?:page|pages|paged|trang|p|pg|pageindex|pagenum|pageno|pagenumber|currentpage|curpage|cur|pi|pid_page)$", re.I)
# Path forms: `/page/2`, `/trang/2`, `/trang-2`, `/page-2.html`, `/p2`.
_PAGE_SEGMENT = re.compile(r"^(?:page|trang|p|pg)[-_]?(\d{1,5})(?:\.[a-z0-9]{2,5})?$", re.I)
_WEAK_PAGE_KEYS = frozenset({"p", "pi", "pg", "cur"})
_PAGE_WORD = re.compile(r"^(?:page|trang|pg)$", re.I)
# Link texts of pagers (compared case-folded, arrows and punctuation stripped).
_PAGER_WORDS = {
    "trang sau", "sau", "tiếp", "tiếp theo", "trang tiếp", "trang tiếp theo", "next", "next page",
    "trang cuối", "cuối", "cuối cùng", "last", "trang đầu", "đầu", "đầu tiên", "first",
    "trang trước", "trước", "previous", "prev", "older", "newer", "older posts", "newer posts",
    "xem tiếp", "các trang sau",
}
_PAGER_SYMBOLS = re.compile(r"^[\s<>«»‹›←→⇐⇒…|.·\-]+$")


@lru_cache(maxsize=4096)
def page_number(url: str) -> int | None:
    """The listing page number a generic pagination URL asks for (``/page/3``, ``?page=3``,
    ``_cur=3``, ``PageIndex=3``, ``p=3``, ``trang-3``), or ``None`` when it names none."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if _PAGE_KEY.search(key) and value.isdigit() and len(value) <= 5:
            return int(value)
    segments = [s for s in parts.path.split("/") if s]
    for index, segment in enumerate(segments):
        match = _PAGE_SEGMENT.match(segment)
        if match and index == len(segments) - 1:
            return int(match.group(1))
        if _PAGE_WORD.match(segment) and index + 1 < len(segments) and segments[index + 1].isdigit() and len(segments[index + 1]) <= 5:
            return int(segments[index + 1])
    return None


def is_pager_text(text: str) -> bool:
    """A pager's link text: a page number, "Trang sau", "Tiếp", "»", "Next"..."""
    if not text:
        return False
    if text.isdigit() and len(text) <= 5:
        return True
    if len(text) <= 3 and _PAGER_SYMBOLS.match(text):
        return True
    folded = re.sub(r"[\s<>«»‹›←→.…:\[\]()|]+", " ", text.casefold()).strip()
    return folded in _PAGER_WORDS or (folded.isdigit() and len(folded) <= 5) or bool(re.fullmatch(r"(?:trang|page)\s?\d{1,5}", folded))


@lru_cache(maxsize=4096)
def listing_key(url: str) -> str:
    """The URL without its page number (parameter or path segment) and trailing ``/``, ``index``."""
    parts = urlsplit(url)
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _PAGE_KEY.search(k))
    segments = [s for s in parts.path.split("/") if s]
    kept: list[str] = []
    skip = False
    for index, segment in enumerate(segments):
        if skip:
            skip = False
            continue
        if _PAGE_WORD.match(segment) and index + 1 < len(segments) and segments[index + 1].isdigit():
            skip = True
            continue
        if index == len(segments) - 1 and (_PAGE_SEGMENT.match(segment) or re.fullmatch(r"(?:index|default)\.\w+", segment, re.I)):
            continue
        kept.append(segment)
    return url_host(url) + "/" + "/".join(kept) + "?" + "&".join(f"{k}={v}" for k, v in query)


def _names_a_page(url: str) -> bool:
    """The URL names a page number unmistakably: a page key other than a bare ``p``/``pi``
    (WordPress's ``?p=123`` is a post, not page 123), or a ``/page/2``-like segment."""
    number = page_number(url)
    if number is None:
        return False
    keys = [k for k, v in parse_qsl(urlsplit(url).query) if _PAGE_KEY.search(k) and v == str(number)]
    return not keys or any(k.lower() not in _WEAK_PAGE_KEYS for k in keys)


def is_pagination(url: str, text: str, here: str, here_key: str) -> bool:
    """A link to another page of this listing: its URL differs only by the page number, or a
    pager's text with a page number (or this listing's path) in the URL."""
    if url == here:
        return False
    same_listing = listing_key(url) == here_key
    if same_listing and (_names_a_page(url) or is_pager_text(text)):
        return True
    if is_pager_text(text):
        if page_number(url) is not None:
            return True
        here_path, path = urlsplit(here).path.rstrip("/"), urlsplit(url).path.rstrip("/")
        return path == here_path or (bool(here_path) and path.startswith(here_path + "/") and path[len(here_path) + 1:].isdigit())
    return False
