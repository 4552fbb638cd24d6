"""Links a listing (or home) page offers the crawler: articles, further pages, sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.extract.clean import parse_html
from crawler.profiles import Profile

_NOT_PAGES = ("javascript:", "mailto:", "tel:", "#")


@dataclass
class PageLinks:
    """Absolute URLs found on one page, each list in document order without repeats."""

    articles: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)


def find_links(page: str | BeautifulSoup, url: str, profile: Profile) -> PageLinks:
    """Read the article, pagination and section links of a page with the profile's selectors."""
    soup = parse_html(page) if isinstance(page, str) else page
    links = PageLinks()
    links.articles = _select_links(soup, profile.item_selectors, url, keep=profile.is_article_url)
    if profile.follow_article_links:
        links.articles = _merge(links.articles, _all_links(soup, url, keep=profile.is_article_url))
    links.pages = _select_links(soup, profile.pagination_selectors, url, keep=lambda u: u != _strip_fragment(url) and not profile.is_article_url(u))
    links.sections = _select_links(soup, profile.section_selectors, url, keep=lambda u: not profile.is_article_url(u))
    return links


def _select_links(soup: Tag, selectors: tuple[str, ...], base_url: str, keep) -> list[str]:
    found = [el.get("href") for selector in selectors for el in soup.select(selector)]
    return _merge([], [u for u in (_absolute(h, base_url) for h in found) if u and keep(u)])


def _all_links(soup: Tag, base_url: str, keep) -> list[str]:
    return [u for u in (_absolute(a.get("href"), base_url) for a in soup.find_all("a", href=True)) if u and keep(u)]


def _absolute(href: object, base_url: str) -> str | None:
    if not isinstance(href, str):
        return None
    href = href.strip()
    if not href or href.lower().startswith(_NOT_PAGES):
        return None
    absolute = _strip_fragment(urljoin(base_url, href))
    return absolute if urlsplit(absolute).scheme in {"http", "https"} else None


def _strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=""))


def _merge(first: list[str], more: list[str]) -> list[str]:
    seen = set(first)
    out = list(first)
    for url in more:
        if url not in seen:
            seen.add(url)
            out.append(url)
    return out
