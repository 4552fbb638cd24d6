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

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache
from statistics import median
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

from lxml import etree

from crawler.extract.dom import HtmlElement, parse_html
from crawler.extract.listing import PageLinks
from crawler.extract.text import normalize_text

__all__ = ["discover_links", "page_number", "browser_url"]

# Query keys that carry a listing's page number: `?page=2`, `?p=2`, `PageIndex=2`,
# Liferay's `_101_cur=2`, `paged=2` (WordPress), `trang=2`; a key ending in one of these
# words after `_`, `$` or `.` counts too (`ctl00$PageIndex`, `_abc_cur`).
_PAGE_KEY = re.compile(r"(?:^|[_$.:-])(?:page|pages|paged|trang|p|pg|pageindex|pagenum|pageno|pagenumber|currentpage|curpage|cur|pi|pid_page)$", re.I)
# Path forms: `/page/2`, `/trang/2`, `/trang-2`, `/page-2.html`, `/p2`.
_PAGE_SEGMENT = re.compile(r"^(?:page|trang|p|pg)[-_]?(\d{1,5})(?:\.[a-z0-9]{2,5})?$", re.I)
_PAGE_WORD = re.compile(r"^(?:page|trang|pg)$", re.I)
# Link texts of pagers (compared case-folded, arrows and punctuation stripped).
_PAGER_WORDS = {
    "trang sau", "sau", "tiếp", "tiếp theo", "trang tiếp", "trang tiếp theo", "next", "next page",
    "trang cuối", "cuối", "cuối cùng", "last", "trang đầu", "đầu", "đầu tiên", "first",
    "trang trước", "trước", "previous", "prev", "older", "newer", "older posts", "newer posts",
    "xem tiếp", "các trang sau",
}
_PAGER_SYMBOLS = re.compile(r"^[\s<>«»‹›←→⇐⇒…|.·\-]+$")
_NOT_LINKS = ("javascript:", "mailto:", "tel:", "#", "data:", "about:", "file:")
# Documents and media are not article pages (nor sections).
_FILE_EXTENSIONS = frozenset(
    "pdf doc docx xls xlsx ppt pptx rar zip 7z jpg jpeg png gif bmp webp svg mp3 mp4 avi wmv flv mov txt xml rss css js ico".split()
)
_DATE = re.compile(r"(?<!\d)(?:\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?(?:19|20)\d{2}|(?:19|20)\d{2}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2})(?!\d)|ngày\s+\d{1,2}\s+tháng", re.I)
_SECTIONING = frozenset({"article", "main", "section"})
_FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "menu", "menubar"})
# Class tokens that mark an element's state or position, not its kind (they differ between
# the records of one list: `li.first`, `li.odd`, `div.item.active`).
_STATE_CLASSES = frozenset(
    "active current selected first last odd even alt alternate clearfix clear cf hover open show hidden "
    "in fade visible left right top bottom big small large".split()
)
_ALTERNATION = re.compile(r"^(?:alternating|alternate|alt)[-_]?")
_WORD = re.compile(r"\w+")
_LABEL_MAX = 60
# Below this a page has no list: a menu of a few short labels, a lone link (one headline of
# four words with a date scores about 0.4, a two-entry menu in a nav about 0.01).
_MIN_SCORE = 0.25
_TRACKING_PREFIXES = ("utm_", "p_p_")
_TRACKING_KEYS = frozenset({"fbclid", "gclid", "zarsrc", "zalo_source", "_ga", "mc_cid", "mc_eid"})
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Text nodes short enough to be a furniture label (measured in C before any Python runs).
_SHORT_TEXTS = etree.XPath(f"//text()[string-length(normalize-space(.)) >= 3 and string-length(normalize-space(.)) <= {_LABEL_MAX}]")


@dataclass
class _Anchor:
    element: HtmlElement
    url: str
    text: str
    words: int
    order: int
    signature: tuple[str, ...] = ()
    shape: tuple = ()


@dataclass
class _Group:
    key: tuple
    anchors: list[_Anchor] = field(default_factory=list)
    score: float = 0.0
    furniture: bool = False

    @property
    def urls(self) -> list[str]:
        return list(dict.fromkeys(a.url for a in self.anchors))


def browser_url(url: str) -> str:
    """``url`` percent-encoded the way a browser sends it (spaces, Vietnamese letters, ``|``).

    SharePoint links hold a raw space in their query (``PublishedDate=2018-05-14 07:30:00``);
    ``http.client`` refuses such a URL and servers expect ``%20``. Existing ``%XX`` escapes
    are kept, so encoding twice changes nothing.
    """
    return safe_url_string(url.strip(), encoding="utf-8")


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


def discover_links(page: str | bytes | HtmlElement, url: str) -> PageLinks:
    """Article, pagination and section links of a page, found without selectors.

    ``articles`` is the page's main list (the best-scoring group of same-shape headline links,
    with the same-shape groups beside it); ``pages`` the pagination links; ``sections`` the
    menu links. Absolute, percent-encoded URLs of the page's host, in document order, no repeats.
    """
    root = parse_html(page) if isinstance(page, (str, bytes)) else page
    base = _base_url(root, url)
    here = _strip_fragment(browser_url(url))
    host = _host(here)
    here_key = _listing_key(here)
    anchors: list[_Anchor] = []
    pages: list[str] = []
    self_links: set[tuple[str, ...]] = set()  # signatures of link lists that link this very page (menus)
    for order, element in enumerate(root.iter("a")):
        absolute = _absolute(element.get("href"), base)
        if absolute is None or _host(absolute) != host:
            continue
        text = _anchor_text(element)
        if absolute == here or _listing_key(absolute) == here_key and absolute != here and not _is_pager_text(text) and page_number(absolute) is None:
            self_links.add(_signature(element))
            continue
        if _is_pagination(absolute, text, here, here_key):
            pages.append(absolute)
            continue
        if _is_file(absolute):
            continue
        parts = urlsplit(absolute)
        if parts.path in {"", "/"} and not parts.query:
            self_links.add(_signature(element))  # the home link: navigation
            continue
        anchors.append(_Anchor(element, absolute, text, len(_WORD.findall(text)), order))
    links = PageLinks(pages=_unique(pages))
    if not anchors:
        return links
    for anchor in anchors:
        anchor.signature = _signature(anchor.element)
        anchor.shape = _shape(anchor.url)
    furniture = _furniture_scopes(root)
    groups: dict[tuple, _Group] = {}
    for anchor in anchors:
        key = (anchor.shape, anchor.signature)
        groups.setdefault(key, _Group(key)).anchors.append(anchor)
    owners = _url_owners(anchors)
    for group in groups.values():
        group.furniture = _is_furniture(group, furniture)
        group.score = _score(group, owners, furniture, self_links)
    best = max(groups.values(), key=lambda g: (g.score, len(g.urls), -g.anchors[0].order))
    chosen = [best] if best.score >= _MIN_SCORE else []
    if chosen:
        chosen += _beside(best, [g for g in groups.values() if g is not best])
    article_anchors = sorted((a for g in chosen for a in g.anchors), key=lambda a: a.order)
    links.articles = _unique([a.url for a in article_anchors])
    taken = set(links.articles)
    links.sections = _unique([a.url for a in anchors if a.url not in taken and _is_menu_link(a, self_links)])
    return links


# --- links -----------------------------------------------------------------------------

def _base_url(root: HtmlElement, url: str) -> str:
    """The page's URL, or its ``<base href>`` (which relative links resolve against)."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href and not href.lower().startswith(_NOT_LINKS):
            return urljoin(url, href)
        break
    return url


def _absolute(href: object, base_url: str) -> str | None:
    if not isinstance(href, str):
        return None
    return _resolve(href.strip(), base_url)


@lru_cache(maxsize=4096)
def _resolve(href: str, base_url: str) -> str | None:
    if not href or href.lower().startswith(_NOT_LINKS):
        return None
    try:
        absolute = _strip_fragment(browser_url(urljoin(base_url, href)))
    except ValueError:  # a malformed port or IPv6 host in a link: not a page we can follow
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None


def _strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=""))


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""


def _is_file(url: str) -> bool:
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return "." in last and last.rsplit(".", 1)[1].lower() in _FILE_EXTENSIONS


def _anchor_text(element: HtmlElement) -> str:
    """The link's visible text, else its ``title`` or its picture's ``alt``."""
    text = normalize_text(element.text_content())
    if text:
        return text
    title = normalize_text(element.get("title"))
    if title:
        return title
    for image in element.iter("img"):
        alt = normalize_text(image.get("alt") or image.get("title"))
        if alt:
            return alt
    return ""


def _unique(urls: list[str]) -> list[str]:
    return list(dict.fromkeys(urls))


# --- pagination ------------------------------------------------------------------------

def _is_pager_text(text: str) -> bool:
    """A pager's link text: a page number, "Trang sau", "Tiếp", "»", "Next"..."""
    if not text:
        return False
    if text.isdigit() and len(text) <= 5:
        return True
    if len(text) <= 3 and _PAGER_SYMBOLS.match(text):
        return True
    folded = re.sub(r"[\s<>«»‹›←→.…:\[\]()|]+", " ", text.casefold()).strip()
    return folded in _PAGER_WORDS or (folded.isdigit() and len(folded) <= 5)


@lru_cache(maxsize=4096)
def _listing_key(url: str) -> str:
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
    return _host(url) + "/" + "/".join(kept) + "?" + "&".join(f"{k}={v}" for k, v in query)


def _is_pagination(url: str, text: str, here: str, here_key: str) -> bool:
    """A link to another page of this listing: its URL differs only by the page number, or a
    pager's text with a page number (or this listing's path) in the URL."""
    if url == here:
        return False
    same_listing = _listing_key(url) == here_key
    if same_listing and (page_number(url) is not None or _is_pager_text(text)):
        return True
    if _is_pager_text(text):
        if page_number(url) is not None:
            return True
        here_path, path = urlsplit(here).path.rstrip("/"), urlsplit(url).path.rstrip("/")
        return path == here_path or (bool(here_path) and path.startswith(here_path + "/") and path[len(here_path) + 1:].isdigit())
    return False


# --- grouping and scoring ----------------------------------------------------------------

@cache
def _class_key(value: str) -> str:
    """The classes that say what an element is, the same on every record of a list: digits,
    state words (``active``, ``odd``) and alternation prefixes (``altrow``,
    ``AlternatingItem``, ``cat-list-row1``) left out."""
    tokens = set()
    for token in value.lower().split():
        token = _ALTERNATION.sub("", re.sub(r"\d+", "", token)).strip("-_")
        if token and token not in _STATE_CLASSES:
            tokens.add(token)
    return ".".join(sorted(tokens))


def _signature(element: HtmlElement) -> tuple[str, ...]:
    """Where a link sits: the tags and kind-classes from the document down to it (no indices,
    no ids, no state classes), so the records of one list share it."""
    path = []
    for node in element.iterancestors():
        if node.tag in ("html", "body"):
            break
        classes = node.get("class")
        path.append(f"{node.tag}.{_class_key(classes)}" if classes else str(node.tag))
    path.reverse()
    return tuple(path)


def _segment_class(segment: str) -> str:
    if segment.isdigit():
        return "9"
    name = segment.rsplit(".", 1)[0] if "." in segment else segment
    if re.search(r"[-_+%]", name) or len(name) > 24 or (re.search(r"\d", name) and re.search(r"[a-zA-Z]", name)):
        return "s"
    return "w"


def url_shape(url: str) -> tuple:
    """The URL's shape (see ``_shape``): article URLs of one portal share one or a few."""
    return _shape(url)


def _shape(url: str) -> tuple:
    """The URL's shape: per path segment number / slug / word, and the query keys.

    Not the extension nor a trailing slash: one list mixes ``.html`` with names cut short
    (HTTrack copies, CMSs truncating long slugs), and they never tell menus from articles.
    Nor tracking keys or keys carrying a URL (``?redirect=/web/x``), which some links of a
    list have and others not."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    keys = tuple(sorted({k.lower() for k, v in parse_qsl(parts.query, keep_blank_values=True)
                         if not _ignored_key(k, v)}))
    return (tuple(_segment_class(s) for s in segments), keys)


def _ignored_key(key: str, value: str) -> bool:
    key = key.lower()
    return key.startswith(_TRACKING_PREFIXES) or key in _TRACKING_KEYS or "/" in value or value.lower().startswith("http")


def _url_owners(anchors: list[_Anchor]) -> dict[HtmlElement, set[str]]:
    """For each element holding links, the distinct URLs below it."""
    owners: dict[HtmlElement, set[str]] = defaultdict(set)
    for anchor in anchors:
        owners[anchor.element].add(anchor.url)
        for node in anchor.element.iterancestors():
            owners[node].add(anchor.url)
    return owners


def _record(anchor: _Anchor, owners: dict[HtmlElement, set[str]]) -> HtmlElement:
    """The link's record: its highest ancestor that links nothing else (title, date, summary)."""
    record = anchor.element
    for node in anchor.element.iterancestors():
        if node.tag in ("html", "body") or owners.get(node, set()) - {anchor.url}:
            break
        record = node
    return record


def _headline(words: int) -> float:
    """How much a link text of ``words`` words reads like a headline (menus: 1–4 words)."""
    return 0.0 if words <= 1 else min(1.0, (words - 1) / 7)


def _score(group: _Group, owners: dict[HtmlElement, set[str]], furniture: set[HtmlElement], self_links: set[tuple[str, ...]]) -> float:
    urls = group.urls
    words = {u: 0 for u in urls}
    words_len = {u: 0 for u in urls}
    records: dict[str, HtmlElement] = {}
    for anchor in group.anchors:
        words[anchor.url] = max(words[anchor.url], anchor.words)
        words_len[anchor.url] = max(words_len[anchor.url], len(anchor.text))
        records.setdefault(anchor.url, _record(anchor, owners))
    headline = sum(_headline(w) for w in words.values()) / len(urls)
    if headline == 0:
        return 0.0
    dated = summarised = 0
    for url, record in records.items():
        text = normalize_text(record.text_content()[:3000])
        dated += bool(_DATE.search(text))
        summarised += len(text) - words_len[url] > 60
    score = len(urls) * headline ** 2 * (1 + dated / len(urls)) * (1 + 0.5 * summarised / len(urls))
    if group.furniture:
        score *= 0.05
    signature = group.key[1]
    if any(signature[:len(s)] == s or s[:len(signature)] == signature for s in self_links if len(s) >= 2):
        score *= 0.2  # the list also links this page or the home page: a menu
    if _nested_list(group.anchors[0].element):
        score *= 0.3
    if median(words.values()) < 3:
        score *= 0.5
    return score


def _nested_list(element: HtmlElement) -> bool:
    """Inside a list item that holds a sub-list, or in a list inside a list item: a drop-down menu."""
    items = 0
    for node in element.iterancestors():
        if node.tag == "li":
            items += 1
            if items >= 2 or any(child.tag in ("ul", "ol") for child in node):
                return True
    return False


# --- furniture -------------------------------------------------------------------------

def _furniture_labels() -> frozenset[str]:
    from crawler.extract.clean import label_key
    from crawler.profiles import load_profile

    return frozenset(label_key(label) for label in load_profile("base").drop_labels)


_LABELS: frozenset[str] | None = None


def _furniture_scopes(root: HtmlElement) -> set[HtmlElement]:
    """The blocks that a furniture label introduces ("Xem nhiều nhất", "Tin liên quan"):
    the siblings after the label's heading, up to the next heading."""
    global _LABELS
    if _LABELS is None:
        _LABELS = _furniture_labels()
    from crawler.extract.clean import label_key

    scopes: set[HtmlElement] = set()
    for node in _SHORT_TEXTS(root):
        element = node.getparent()
        if element is None:
            continue
        if node.is_tail:
            element = element.getparent()
        if element is None or element.tag in ("html", "body", "script", "style", "option", "title"):
            continue
        if label_key(node) not in _LABELS or label_key(element.text_content()) not in _LABELS:
            continue
        heading = element
        text = normalize_text(element.text_content())
        while heading.getparent() is not None and heading.getparent().tag not in ("body", "html") \
                and normalize_text(heading.getparent().text_content()) == text:
            heading = heading.getparent()
        scopes.add(heading)
        for sibling in heading.itersiblings():
            if not isinstance(sibling.tag, str):
                continue
            if sibling.tag in _HEADINGS or any(h.find(".//a") is None for h in sibling.iter(*_HEADINGS)):
                break  # the next box's own heading
            scopes.add(sibling)
    return scopes


def _in_structural_furniture(element: HtmlElement) -> bool:
    """Inside the page's nav, header, footer or aside (or an element with their ARIA role).

    A ``header``/``footer`` inside an ``article``, ``main`` or ``section`` is that record's own
    (WordPress puts every headline in ``article > header.entry-header``), not the page's."""
    ancestors = list(element.iterancestors())
    for index, node in enumerate(ancestors):
        if node.tag in ("nav", "aside") or (node.get("role") or "").lower() in _FURNITURE_ROLES:
            return True
        if node.tag in ("header", "footer") and not any(a.tag in _SECTIONING for a in ancestors[index + 1:]):
            return True
    return False


def _in_scope(element: HtmlElement, scopes: set[HtmlElement]) -> bool:
    return any(node in scopes for node in element.iterancestors())


def _is_furniture(group: _Group, scopes: set[HtmlElement]) -> bool:
    """Most of the group's links sit in nav/header/footer/aside or under a furniture label."""
    flagged = sum(1 for a in group.anchors if _in_structural_furniture(a.element) or _in_scope(a.element, scopes))
    return flagged * 2 > len(group.anchors)


def _is_menu_link(anchor: _Anchor, self_links: set[tuple[str, ...]]) -> bool:
    """A section: a link of the menu (nav/header, a drop-down list, or a list linking this page)."""
    if anchor.words == 0 or anchor.words > 10:
        return False
    signature = anchor.signature
    return (_in_structural_furniture(anchor.element) and not any(n.tag == "footer" for n in anchor.element.iterancestors())) \
        or _nested_list(anchor.element) or any(signature[:len(s)] == s or s[:len(signature)] == signature for s in self_links if len(s) >= 2)


# --- merging ---------------------------------------------------------------------------

def _lca(elements: list[HtmlElement]) -> HtmlElement:
    chain = [elements[0]] + list(elements[0].iterancestors())
    position = {node: index for index, node in enumerate(chain)}
    deepest = 0
    for element in elements[1:]:
        for node in [element] + list(element.iterancestors()):
            if node in position:
                deepest = max(deepest, position[node])
                break
    return chain[deepest]


def _depth(element: HtmlElement) -> int:
    return sum(1 for _ in element.iterancestors())


def _beside(best: _Group, others: list[_Group]) -> list[_Group]:
    """Groups that belong to the main list too: the same items with other markup (picture
    links, a featured first record) — same URL shape, same place, not furniture."""
    best_urls = set(best.urls)
    region = _lca([a.element for a in best.anchors])
    region_depth = _depth(region)
    merged = []
    for group in others:
        if group.key[0] != best.key[0] or group.furniture:
            continue
        urls = group.urls
        overlap = sum(1 for u in urls if u in best_urls)
        if overlap * 2 >= len(urls):
            merged.append(group)  # mostly the same items (their pictures, a second link)
            continue
        if group.score <= 0:
            continue
        joint = _lca([region, group.anchors[0].element])
        levels = region_depth - _depth(joint)
        fresh = len(urls) - overlap
        if levels <= 1 or (levels <= 2 and fresh <= 3):
            merged.append(group)
    return merged


def same_shape_links(page: str | bytes | HtmlElement, url: str, like: list[str], *, min_words: int = 4) -> list[str]:
    """Links of the page, outside its main list, that have the URL shape of ``like`` and a headline.

    What a crawl also follows: an article page's "Tin khác" box and a listing's "Tin mới" column
    link articles no listing page shows; they have the shape of the article URLs already known
    (the main list's, or the article page's own), and headline-long anchor texts, unlike menus.
    """
    root = parse_html(page) if isinstance(page, (str, bytes)) else page
    shapes = {_shape(u) for u in like}
    if not shapes:
        return []
    base = _base_url(root, url)
    host = _host(browser_url(url))
    found = []
    for element in root.iter("a"):
        absolute = _absolute(element.get("href"), base)
        if absolute is None or _host(absolute) != host or _is_file(absolute) or _shape(absolute) not in shapes:
            continue
        if len(_WORD.findall(_anchor_text(element))) >= min_words:
            found.append(absolute)
    return _unique(found)


def list_records(page: str | bytes | HtmlElement, url: str, urls: list[str]) -> list[HtmlElement]:
    """The records of the page's links to ``urls`` (usually its main list): for each link, its
    highest ancestor that links nothing else of them (the item's title, date and summary)."""
    root = parse_html(page) if isinstance(page, (str, bytes)) else page
    wanted = set(urls)
    base = _base_url(root, url)
    anchors = [_Anchor(a, u, "", 0, i) for i, a in enumerate(root.iter("a"))
               if (u := _absolute(a.get("href"), base)) is not None and u in wanted]
    owners = _url_owners(anchors)
    records: dict[str, HtmlElement] = {}
    for anchor in anchors:
        records.setdefault(anchor.url, _record(anchor, owners))
    return list(records.values())
