"""Article fields from a page's metadata and structure, for pages no profile describes.

General rules only, never a selector tuned to one site: OpenGraph / ``<meta>`` tags, JSON-LD,
``<time datetime>``, the heading the page ``<title>`` starts with, elements whose class or
itemprop names their role (sapo, author, date), and the Vietnamese date labels.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from crawler.extract.dates import DatesRead, ParsedDate, parse_vn_datetime, read_dates
from crawler.extract.dom import HtmlElement, elements
from crawler.extract.text import element_text, normalize_text, text_or_none

_HEADINGS = ("h1", "h2", "h3")
_ROLE_CLASS = re.compile(r"(?:^|[\s_-])(title|tieu-?de|headline)(?:$|[\s_-])", re.I)
_LEAD_CLASS = re.compile(r"sapo|(?:^|[\s_-])(?:lead|summary|chapeau|tomtat|tom-tat|mota|description|abstract)(?:$|[\s_-])", re.I)
_AUTHOR_CLASS = re.compile(r"author|tac-?gia|byline|nguoi-?viet", re.I)
_DATE_CLASS = re.compile(r"date|time|ngay|publish|created|thoi-?gian", re.I)
_TITLE_SEPARATORS = re.compile(r"\s+[-|–—»:]\s+")
_AUTHOR_MAX = 80
_DATE_TEXT_MAX = 120


@dataclass
class PageMetadata:
    """What the page says about itself, read once."""

    meta: dict[str, str]
    json_ld: list[dict]


def read_metadata(root: HtmlElement) -> PageMetadata:
    meta: dict[str, str] = {}
    for tag in root.iter("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").strip().lower()
        content = (tag.get("content") or "").strip()
        if key and content and key not in meta:
            meta[key] = content
    objects: list[dict] = []
    for script in root.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        for item in stack:
            if isinstance(item, dict):
                objects.append(item)
                objects.extend(g for g in item.get("@graph", []) if isinstance(g, dict))
    return PageMetadata(meta, objects)


def headline(root: HtmlElement, metadata: PageMetadata) -> tuple[str | None, HtmlElement | None]:
    """The article title and its element.

    The title is the visible heading that the page's ``<title>`` (or ``og:title``) starts with,
    the longest one when several do (portlet headings such as "Tin tức nổi bật" do not); then a
    single ``<h1>``; then the first part of ``og:title``/``<title>`` before a site-name separator.
    """
    title_tag = root.find(".//title")
    references = [normalize_text(metadata.meta.get("og:title")), normalize_text(title_tag.text_content() if title_tag is not None else "")]
    references = [r.casefold() for r in references if r]
    best: tuple[int, str, HtmlElement] | None = None
    for element in elements(root):
        if element.tag not in _HEADINGS and not _ROLE_CLASS.search(element.get("class") or ""):
            continue
        text = element_text(element)
        if not 8 <= len(text) <= 400:
            continue
        folded = text.casefold()
        if any(r.startswith(folded) for r in references) and (best is None or len(text) > best[0]):
            best = (len(text), text, element)
    if best is not None:
        return best[1], best[2]
    h1s = [e for e in root.iter("h1") if element_text(e)]
    if len(h1s) == 1:
        return element_text(h1s[0]), h1s[0]
    for reference in (metadata.meta.get("og:title"), title_tag.text_content() if title_tag is not None else None):
        text = normalize_text(reference)
        if text:
            return _TITLE_SEPARATORS.split(text)[0] or None, None
    return None, None


def meta_dates(metadata: PageMetadata) -> DatesRead:
    """Published and updated dates the page declares in meta tags or JSON-LD."""
    published = _first_date(
        [metadata.meta.get(k) for k in ("article:published_time", "datepublished", "pubdate", "publishdate", "dc.date.issued", "date")]
        + [o.get("datePublished") for o in metadata.json_ld]
    )
    updated = _first_date(
        [metadata.meta.get(k) for k in ("article:modified_time", "datemodified", "og:updated_time", "last-modified")]
        + [o.get("dateModified") for o in metadata.json_ld]
    )
    return DatesRead(published=published, updated=updated)


def visible_dates(root: HtmlElement, after: HtmlElement | None) -> DatesRead:
    """The first date line near the title: ``<time datetime>`` or a short element named for dates.

    Searching starts at the title element (dates of other articles in side columns come later
    in the page or earlier, in menus); only short texts that parse to exactly one date count.
    """
    candidates = list(elements(root))
    if after is not None and after in candidates:
        start = candidates.index(after)
        candidates = candidates[start:] + candidates[:start]
    for element in candidates:
        if element.tag == "time" and element.get("datetime"):
            parsed = parse_vn_datetime(element.get("datetime"))
            if parsed is not None:
                return DatesRead(published=parsed)
        if not _DATE_CLASS.search(f"{element.get('class') or ''} {element.get('id') or ''} {element.get('itemprop') or ''}"):
            continue
        text = element_text(element) or element.get("title") or ""
        if not text or len(text) > _DATE_TEXT_MAX:
            continue
        found = read_dates(text) if text else DatesRead()
        if found.published is None and found.updated is None and element.get("title"):
            found = read_dates(element.get("title"))
        if found.published is not None or found.updated is not None:
            return found
    return DatesRead()


def lead_element(root: HtmlElement, metadata: PageMetadata, after: HtmlElement | None) -> HtmlElement | None:
    """The sapo: an element named for it (class sapo/lead/summary), after the title when known."""
    for element in _after(root, after):
        if element.tag in {"meta", "html", "body"}:
            continue
        if _LEAD_CLASS.search(element.get("class") or "") or element.get("data-role") == "sapo" or element.get("itemprop") == "description":
            if len(element_text(element)) >= 20:
                return element
    return None


def author_element(root: HtmlElement, after: HtmlElement | None) -> HtmlElement | None:
    """A short element named for the author (class/itemprop/rel author, tác giả)."""
    for element in _after(root, after):
        names = f"{element.get('class') or ''} {element.get('itemprop') or ''} {element.get('rel') or ''} {element.get('id') or ''}"
        if element.tag != "meta" and _AUTHOR_CLASS.search(names):
            text = element_text(element)
            if text and len(text) <= _AUTHOR_MAX:
                return element
    return None


def meta_author(metadata: PageMetadata) -> str | None:
    for obj in metadata.json_ld:
        author = obj.get("author")
        if isinstance(author, list) and author:
            author = author[0]
        if isinstance(author, dict):
            author = author.get("name")
        if isinstance(author, str) and text_or_none(author):
            return text_or_none(author)
    return text_or_none(metadata.meta.get("author") or metadata.meta.get("article:author"))


def _after(root: HtmlElement, after: HtmlElement | None):
    return elements(root) if after is None else _following(after)


def _following(element: HtmlElement):
    """Elements after ``element`` in document order (its own descendants excluded)."""
    node = element
    while node is not None:
        for sibling in node.itersiblings():
            if isinstance(sibling.tag, str):
                yield from elements(sibling)
        node = node.getparent()


def _first_date(values: list[object]) -> ParsedDate | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            parsed = parse_vn_datetime(value)
            if parsed is not None:
                return parsed
    return None
