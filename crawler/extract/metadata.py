"""Article fields from a page's metadata and structure, for pages no profile describes.

General rules only, never a selector tuned to one site: OpenGraph / ``<meta>`` tags, JSON-LD,
``<time datetime>``, the heading the page ``<title>`` starts with, elements whose class or
itemprop names their role (sapo, author, date), and the Vietnamese date labels.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from crawler.extract.dates import DatesRead, ParsedDate, parse_vn_datetime
from crawler.extract.dom import HtmlElement, elements
from crawler.extract.text import element_text, text_or_none
from crawler.urls import web_url

_LEAD_CLASS = re.compile(r"sapo|chapeau|tomtat|tom-tat|trichdan|trich-dan|(?:^|[\s_-])(?:lead|summary|mota|mo-ta|description|abstract|intro|teaser|excerpt)(?:$|[\s_-])", re.I)
_LEAD_CAMEL = re.compile(r"[a-z](?:Summary|Sapo|Lead|Description|Intro|Abstract)(?:$|[\s_-])")
_LEAD_MIN, _LEAD_MAX = 20, 1200
_AUTHOR_CLASS = re.compile(r"author|tac-?gia|byline|nguoi-?viet|createdby|created-by", re.I)
_SOURCE_CLASS = re.compile(r"(?:^|[\s_-])(?:source|nguon|nguon-?tin|nguontin)(?:$|[\s_-])|[a-z](?:Source|Nguon)(?:$|[\s_-])")
_AUTHOR_LABEL = re.compile(r"^\s*(?:tác giả|người viết|viết bởi|được viết bởi|đăng bởi|người đăng|bởi|written by|posted by|by|bài và ảnh|tin và ảnh|bài, ảnh|tin, ảnh|tin|bài)(?:\s*[:：]\s*|\s+)", re.I)
_SOURCE_LABEL = re.compile(r"^\s*\(?\s*(?:nguồn tin|nguồn|source|theo)(?:\s*[:：]\s*|\s+)", re.I)
_AUTHOR_MAX = 80


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


def headline(root: HtmlElement, metadata: PageMetadata, url: str | None = None) -> tuple[str | None, HtmlElement | None]:
    """The article title and its element (:func:`crawler.extract.title.headline`)."""
    from crawler.extract.title import headline as find_headline

    return find_headline(root, metadata.meta, url)


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


def visible_dates(root: HtmlElement, after: HtmlElement | None, container: HtmlElement | None = None) -> DatesRead:
    """The date line nearest the headline (:func:`crawler.extract.dateline.nearest_dates`)."""
    return date_line(root, after, container)[0]


def date_line(root: HtmlElement, after: HtmlElement | None, container: HtmlElement | None = None) -> tuple[DatesRead, HtmlElement | None]:
    """The dates nearest the headline and the element of their line."""
    from crawler.extract.dateline import nearest_date_line

    return nearest_date_line(root, after, container)


def lead_element(root: HtmlElement, metadata: PageMetadata, after: HtmlElement | None, within: HtmlElement | None = None) -> HtmlElement | None:
    """The sapo: a distinct element named for it (sapo/lead/summary) with text, after the title.

    Only inside the article's block when it is known (a "summary" in a side list belongs to
    another article); an empty summary slot gives ``None``, never the first paragraph.
    """
    for element in _after(root, after, within):
        if element.tag in {"meta", "html", "body"}:
            continue
        names = f"{element.get('class') or ''} {element.get('id') or ''}"
        if _LEAD_CLASS.search(names) or _LEAD_CAMEL.search(names) or element.get("data-role") == "sapo" or element.get("itemprop") in {"description", "abstract"}:
            text = element_text(element)
            if _LEAD_MIN <= len(text) <= _LEAD_MAX and _link_share(element) < 0.5:
                return element
    return None


def author_element(root: HtmlElement, after: HtmlElement | None, within: HtmlElement | None = None) -> HtmlElement | None:
    """A short element named for the author (class/itemprop/rel author, tác giả), in the article's block.

    Inside the article's block the *last* one wins: text pasted from a newspaper brings its
    own author markup into the body, and the portal's author field follows the body.
    """
    found = None
    for element in _after(root, after, within):
        names = f"{element.get('class') or ''} {element.get('itemprop') or ''} {element.get('rel') or ''} {element.get('id') or ''}"
        if element.tag != "meta" and _AUTHOR_CLASS.search(names):
            text = author_text(element)
            if text and len(text) <= _AUTHOR_MAX and (found is None or not _is_inside(element, found)):
                found = element
                if within is None:
                    break
    return found


def author_text(element: HtmlElement | None) -> str | None:
    """The author element's text without its label ("Tác giả:", "Viết bởi", "Bởi", "By")."""
    text = _AUTHOR_LABEL.sub("", element_text(element)).strip(" :.-–|")
    return text_or_none(text)


def source_element(root: HtmlElement, after: HtmlElement | None, within: HtmlElement | None = None) -> HtmlElement | None:
    """A short element named for the article's source (class/id nguon/source), in the article's block."""
    for element in _after(root, after, within):
        names = f"{element.get('class') or ''} {element.get('id') or ''} {element.get('itemprop') or ''}"
        if _SOURCE_CLASS.search(names):
            text = source_text(element)
            if text and len(text) <= _AUTHOR_MAX:
                return element
    return None


def source_text(element: HtmlElement | None) -> str | None:
    """The source element's text without its label ("Nguồn:", "Theo")."""
    return text_or_none(_SOURCE_LABEL.sub("", element_text(element)).strip(" :.()"))


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


def canonical_link(root: HtmlElement, url: str) -> str | None:
    """The page's ``<link rel=canonical>``, absolute."""
    for link in root.xpath("//link[@rel='canonical'][@href]"):
        href = link.get("href").strip()
        if href:
            return urljoin(url, href)
    return None


def meta_title(root: HtmlElement) -> str | None:
    """``og:title``, else the page ``<title>``: what a page says its title is when no selector finds one."""
    for meta in root.xpath("//meta[@property='og:title'][@content]"):
        if meta.get("content").strip():
            return text_or_none(meta.get("content"))
    title = root.find(".//title")
    return text_or_none(title.text_content()) if title is not None else None


def meta_content(root: HtmlElement, prop: str, base_url: str) -> str | None:
    """A ``<meta property>`` URL (``og:image``), absolute and http(s) only."""
    for meta in root.xpath("//meta[@property=$prop][@content]", prop=prop):
        resolved = web_url(meta.get("content"), base_url)
        if resolved:
            return resolved
    return None


def _is_inside(element: HtmlElement, container: HtmlElement) -> bool:
    return element is container or any(a is container for a in element.iterancestors())


def _link_share(element: HtmlElement) -> float:
    total = len(element_text(element)) or 1
    return sum(len(element_text(a)) for a in element.iter("a")) / total


def _after(root: HtmlElement, after: HtmlElement | None, within: HtmlElement | None = None):
    """Elements after ``after`` in document order, only inside ``within`` when given (the article's block)."""
    if after is None:
        return elements(root if within is None else within)
    if within is not None and not _is_inside(after, within):
        return elements(within)
    return _following(after, within)


def _following(element: HtmlElement, stop: HtmlElement | None = None):
    """Elements after ``element`` in document order (its own descendants excluded), up to the end of ``stop``."""
    node = element
    while node is not None and node is not stop:
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
