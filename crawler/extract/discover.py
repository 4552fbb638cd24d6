"""A listing page's article links from its structure alone: the generic platform's listing reader.

Portals on a CMS with no profile still print their category pages the same way: one long run
of records (``li``/``div``/``tr``/``article`` siblings), each a headline link — often beside
a date, a picture and a summary — whose URLs share one shape (``/<cat>/<slug>-<id>.html``,
``Default.aspx?...&ItemID=N``). The menu, the "Xem nhiều nhất"/"Tin liên quan" boxes, the
sidebar and the footer are link lists too, but shorter, with short labels, inside
``nav``/``header``/``footer``/``aside``, under a furniture label (``drop_labels`` of
``base.toml``), or linking the page itself. So links are grouped by where they sit (their
path of tags and classes) and by URL shape, each group is scored (distinct URLs × how much
its anchor texts read like headlines × dates and summaries beside them, with those
penalties), and the best group is the list — plus groups of the same shape beside it that
are not furniture (a featured first item with other markup, the picture link of each
record).

Pagination is read from link texts (page numbers, "Trang sau", "›", "Next"...) and from URLs
that differ from the page's own only by a page parameter or segment; ``javascript:``
postbacks cannot be followed and are skipped. Sections are the menu's links.
Only links to the page's own host count (``www.`` ignored). Every URL is percent-encoded as a
browser sends it (a space or Vietnamese letters in a SharePoint query).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.extract.dom import HtmlElement, parse_html
from crawler.extract.linkgroups import (
    MIN_SCORE, WORD, Anchor, beside, headed_box, is_furniture, is_menu_link, near, record_of, score, signature, split_by_list, url_owners,
)
from crawler.extract.linkurls import (
    absolute_url, anchor_text, base_url, browser_url, is_file, own_hosts, strip_fragment, unique, url_host, url_shape,
)
from crawler.extract.menus import Navigation, furniture_scopes, read_page_names, title_marks
from crawler.extract.pagination import is_pager_text, is_pagination, listing_key, page_number
from crawler.extract.result import PageLinks

# page_number, browser_url and url_shape are read from here by the spider, learning and tests.
__all__ = ["discover_links", "same_shape_links", "list_records", "page_number", "browser_url", "url_shape"]

_HOME_TEXTS = frozenset({"trang chủ", "trang nhất", "trang chính", "home", "trang chu"})


def discover_links(page: str | bytes | HtmlElement, url: str) -> PageLinks:
    """Article, pagination and section links of a page, found without selectors.

    ``articles`` is the page's main list (the best-scoring group of same-shape headline links,
    with the same-shape groups beside it); ``pages`` the pagination links; ``sections`` the
    menu links. Absolute, percent-encoded URLs of the page's host, in document order, no repeats.
    """
    root = parse_html(page) if isinstance(page, (str, bytes)) else page
    base = base_url(root, url)
    here = strip_fragment(browser_url(url))
    hosts = own_hosts(root, here)
    here_key = listing_key(here)
    anchors: list[Anchor] = []
    pages: list[str] = []
    pagers: list[HtmlElement] = []
    paths: dict[HtmlElement, tuple[str, ...]] = {}
    nav = Navigation()  # where the links to this page and to the home page sit: menus
    for order, element in enumerate(root.iter("a")):
        absolute = absolute_url(element.get("href"), base)
        if absolute is None or url_host(absolute) not in hosts:
            continue
        text = anchor_text(element)
        if absolute == here or listing_key(absolute) == here_key and absolute != here and not is_pager_text(text) and page_number(absolute) is None:
            nav.add(element, signature(element, paths), text, here=True)
            continue
        if is_pagination(absolute, text, here, here_key):
            pages.append(absolute)
            pagers.append(element)
            continue
        if is_file(absolute):
            continue
        parts = urlsplit(absolute)
        if parts.path in {"", "/"} and not parts.query or text.casefold() in _HOME_TEXTS:
            nav.add(element, signature(element, paths))  # the home link: navigation
            continue
        anchors.append(Anchor(element, absolute, text, len(WORD.findall(text)), order))
    links = PageLinks(pages=unique(pages))
    if not anchors:
        return links
    for anchor in anchors:
        anchor.signature = signature(anchor.element, paths)
        anchor.shape = url_shape(anchor.url)
    page_names = read_page_names(root, nav)
    furniture = furniture_scopes(root, page_names)
    link_urls = {a.element: a.url for a in anchors}
    groups = split_by_list(anchors)
    owners = url_owners(anchors)
    near_pager = {node for pager in pagers for node in pager.iterancestors()}
    near_title = {node for mark in title_marks(root, page_names) for node in mark.iterancestors()}
    for group in groups.values():
        group.furniture = is_furniture(group, furniture)
        group.score = score(group, owners, furniture, nav)
        if group.score and near_pager and near(group, near_pager):
            group.score *= 2  # the list the pager pages through
        if group.score and near_title and near(group, near_title):
            group.score *= 2  # in the block the page's own title heads
        elif group.score and not group.furniture and headed_box(group, None, page_names, link_urls):
            group.score *= 0.5  # a box with a heading of its own ("Thông báo", "Văn bản mới")
    best = max(groups.values(), key=lambda g: (g.score, len(g.urls), -g.anchors[0].order))
    chosen = [best] if best.score >= MIN_SCORE else []
    if chosen:
        chosen += beside(best, [g for g in groups.values() if g is not best], page_names, link_urls)
    article_anchors = sorted((a for g in chosen for a in g.anchors), key=lambda a: a.order)
    links.articles = unique([a.url for a in article_anchors])
    taken = set(links.articles)
    links.sections = unique([a.url for a in anchors if a.url not in taken and is_menu_link(a, nav)])
    return links


def same_shape_links(page: str | bytes | HtmlElement, url: str, like: list[str], *, min_words: int = 4) -> list[str]:
    """Links of the page, outside its main list, that have the URL shape of ``like`` and a headline.

    What a crawl also follows: an article page's "Tin khác" box and a listing's "Tin mới" column
    link articles no listing page shows; they have the shape of the article URLs already known
    (the main list's, or the article page's own), and headline-long anchor texts, unlike menus.
    """
    root = parse_html(page) if isinstance(page, (str, bytes)) else page
    shapes = {url_shape(u) for u in like}
    if not shapes:
        return []
    base = base_url(root, url)
    host = url_host(browser_url(url))
    found = []
    for element in root.iter("a"):
        absolute = absolute_url(element.get("href"), base)
        if absolute is None or url_host(absolute) != host or is_file(absolute) or url_shape(absolute) not in shapes:
            continue
        if len(WORD.findall(anchor_text(element))) >= min_words:
            found.append(absolute)
    return unique(found)


def list_records(page: str | bytes | HtmlElement, url: str, urls: list[str]) -> list[HtmlElement]:
    """The records of the page's links to ``urls`` (usually its main list): for each link, its
    highest ancestor that links nothing else of them (the item's title, date and summary)."""
    root = parse_html(page) if isinstance(page, (str, bytes)) else page
    wanted = set(urls)
    base = base_url(root, url)
    anchors = [Anchor(a, u, "", 0, i) for i, a in enumerate(root.iter("a"))
               if (u := absolute_url(a.get("href"), base)) is not None and u in wanted]
    owners = url_owners(anchors)
    records: dict[str, HtmlElement] = {}
    for anchor in anchors:
        records.setdefault(anchor.url, record_of(anchor, owners))
    return list(records.values())
