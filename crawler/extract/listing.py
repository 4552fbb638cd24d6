"""Links a listing (or home) page offers the crawler: articles, further pages, sections.

Some platforms load a listing's further pages through an API ("Xem thêm" buttons on VCCorp's
CMS) instead of pagination links. The profile describes that API as data (``[listing] api``, a
URL template); the next API pages are returned in ``pages`` like ordinary pagination, so the
generic spider follows them without knowing about the API. An API answering with HTML
fragments needs nothing more; one answering with JSON is read by :func:`links_from_json`.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

from crawler.extract.dom import HtmlElement, parse_html, select
from crawler.extract.result import PageLinks
from crawler.profiles import Profile

_NOT_PAGES = ("javascript:", "mailto:", "tel:", "#")
_PLACEHOLDER = re.compile(r"\{([\w-]+)\}")


def find_links(page: str | HtmlElement, url: str, profile: Profile) -> PageLinks:
    """Read the article, pagination and section links of a page with the profile's selectors.

    The ``generic`` profile has none: its links are found from the page's structure
    (:func:`crawler.extract.discover.discover_links`).
    """
    root = parse_html(page) if isinstance(page, (str, bytes)) else page
    if profile.is_generic:
        from crawler.extract.discover import discover_links

        return discover_links(root, url)
    links = PageLinks()
    links.articles = _select_links(root, profile.item_selectors, url, keep=profile.is_article_url)
    if profile.follow_article_links:
        links.articles = _merge(links.articles, _all_links(root, url, keep=profile.is_article_url))
    here = _strip_fragment(url)
    links.pages = _select_links(root, profile.pagination_selectors, url, keep=lambda u: u != here and not profile.is_article_url(u))
    if profile.api_template:
        links.pages = _merge(links.pages, _api_pages(root, url, profile, has_items=bool(links.articles)))
    links.sections = _select_links(root, profile.section_selectors, url, keep=lambda u: not profile.is_article_url(u))
    return links


def links_from_json(text: str, url: str, profile: Profile) -> PageLinks:
    """Links of a listing API that answers with JSON.

    Each key of ``[listing] api_items`` names a value holding either a list of URLs (or of
    objects with a ``url``/``link``/``href``) or an HTML fragment; the fragment's links are read
    like a listing page's. The spider needs one line to use it: for a JSON response, call this
    instead of ``find_links``. A body that is not JSON gives no links.
    """
    try:
        data = json.loads(text)
    except ValueError:
        return PageLinks()
    urls: list[str] = []
    fragments: list[str] = []
    for key in profile.api_items:
        for value in _json_values(data, key):
            if isinstance(value, str) and "<" in value:
                fragments.append(value)
            elif isinstance(value, str):
                urls.append(value)
            elif isinstance(value, list):
                for item in value:
                    link = item if isinstance(item, str) else next((item.get(k) for k in ("url", "link", "href") if isinstance(item, dict) and item.get(k)), None)
                    if isinstance(link, str):
                        urls.append(link)
    articles = [u for u in (_absolute(h, url) for h in urls) if u and profile.is_article_url(u)]
    for fragment in fragments:
        articles += find_links(fragment, url, profile).articles
    links = PageLinks(articles=_merge([], articles))
    links.pages = _next_api_page(url, profile) if links.articles else []
    return links


def _json_values(data: object, key: str) -> list[object]:
    """Values of ``key`` anywhere in the JSON document (APIs nest their payload differently)."""
    found: list[object] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k == key:
                    found.append(v)
                else:
                    stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _api_pages(root: HtmlElement, url: str, profile: Profile, has_items: bool) -> list[str]:
    """The first API page from a listing page, or the next one from an API page with items."""
    if _api_match(url, profile) is not None:
        return _next_api_page(url, profile) if has_items else []
    for selector in profile.api_source:
        for source in select(root, selector):
            values = {name: source.get(name) for name in _PLACEHOLDER.findall(profile.api_template) if name != "page"}
            if all(values.values()):
                return [urljoin(url, _fill(profile.api_template, {**values, "page": "2"}))]
    return []


def _api_match(url: str, profile: Profile) -> re.Match[str] | None:
    pattern = ""
    position = 0
    for match in _PLACEHOLDER.finditer(profile.api_template):
        pattern += re.escape(profile.api_template[position:match.start()]) + f"(?P<{match.group(1).replace('-', '_')}>[^/?#&]+)"
        position = match.end()
    pattern += re.escape(profile.api_template[position:]) + r"(?:$|[?#])"
    return re.search(pattern, url)


def _next_api_page(url: str, profile: Profile) -> list[str]:
    match = _api_match(url, profile)
    if match is None or not match.group("page").isdigit():
        return []
    values = {name: match.group(name.replace("-", "_")) for name in _PLACEHOLDER.findall(profile.api_template)}
    values["page"] = str(int(values["page"]) + 1)
    return [urljoin(url, _fill(profile.api_template, values))]


def _fill(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def _select_links(root: HtmlElement, selectors: tuple[str, ...], base_url: str, keep) -> list[str]:
    found = [el.get("href") for selector in selectors for el in select(root, selector)]
    return _merge([], [u for u in (_absolute(h, base_url) for h in found) if u and keep(u)])


def _all_links(root: HtmlElement, base_url: str, keep) -> list[str]:
    return [u for u in (_absolute(a.get("href"), base_url) for a in root.iter("a")) if u and keep(u)]


def _absolute(href: object, base_url: str) -> str | None:
    if not isinstance(href, str):
        return None
    href = href.strip()
    if not href or href.lower().startswith(_NOT_PAGES):
        return None
    try:
        # percent-encoded as a browser sends it: a raw space or Vietnamese letters in a query
        absolute = _strip_fragment(safe_url_string(urljoin(base_url, href), encoding="utf-8"))
    except ValueError:
        return None
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
