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

from lxml import etree
from w3lib.url import safe_url_string

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
_STATE_SUFFIX = re.compile(r"[-_](?:odd|even|first|last|alt|active|current|selected)$")
_WORD = re.compile(r"\w+")
_LABEL_MAX = 60
_HOME_TEXTS = frozenset({"trang chủ", "trang nhất", "trang chính", "home", "trang chu"})
_MIRRORED = re.compile(r"Mirrored from (?:https?://)?([\w.-]+)", re.I)
# Below this a page has no list: a menu of a few short labels (two of four and five words
# score 0.1), a lone short link; one headline of eight words scores 1, 2 with its date.
_MIN_SCORE = 0.5
# A group joins the list only if its texts read as headlines (about four words or more).
_MERGE_HEADLINE = 0.4
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
    headline: float = 0.0

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
    hosts = _own_hosts(root, here)
    here_key = _listing_key(here)
    anchors: list[_Anchor] = []
    pages: list[str] = []
    pagers: list[HtmlElement] = []
    paths: dict[HtmlElement, tuple[str, ...]] = {}
    nav = _Navigation()  # where the links to this page and to the home page sit: menus
    for order, element in enumerate(root.iter("a")):
        absolute = _absolute(element.get("href"), base)
        if absolute is None or _host(absolute) not in hosts:
            continue
        text = _anchor_text(element)
        if absolute == here or _listing_key(absolute) == here_key and absolute != here and not _is_pager_text(text) and page_number(absolute) is None:
            nav.add(element, _signature(element, paths), text, here=True)
            continue
        if _is_pagination(absolute, text, here, here_key):
            pages.append(absolute)
            pagers.append(element)
            continue
        if _is_file(absolute):
            continue
        parts = urlsplit(absolute)
        if parts.path in {"", "/"} and not parts.query or text.casefold() in _HOME_TEXTS:
            nav.add(element, _signature(element, paths))  # the home link: navigation
            continue
        anchors.append(_Anchor(element, absolute, text, len(_WORD.findall(text)), order))
    links = PageLinks(pages=_unique(pages))
    if not anchors:
        return links
    for anchor in anchors:
        anchor.signature = _signature(anchor.element, paths)
        anchor.shape = _shape(anchor.url)
    page_names = _page_names(root, nav)
    furniture = _furniture_scopes(root, page_names)
    link_urls = {a.element: a.url for a in anchors}
    groups = _split_by_list(anchors)
    owners = _url_owners(anchors)
    near_pager = {node for pager in pagers for node in pager.iterancestors()}
    near_title = {node for mark in _title_marks(root, page_names) for node in mark.iterancestors()}
    for group in groups.values():
        group.furniture = _is_furniture(group, furniture)
        group.score = _score(group, owners, furniture, nav)
        if group.score and near_pager and _near(group, near_pager):
            group.score *= 2  # the list the pager pages through
        if group.score and near_title and _near(group, near_title):
            group.score *= 2  # in the block the page's own title heads
        elif group.score and not group.furniture and _headed_box(group, None, page_names, link_urls):
            group.score *= 0.5  # a box with a heading of its own ("Thông báo", "Văn bản mới")
    best = max(groups.values(), key=lambda g: (g.score, len(g.urls), -g.anchors[0].order))
    chosen = [best] if best.score >= _MIN_SCORE else []
    if chosen:
        chosen += _beside(best, [g for g in groups.values() if g is not best], page_names, link_urls)
    article_anchors = sorted((a for g in chosen for a in g.anchors), key=lambda a: a.order)
    links.articles = _unique([a.url for a in article_anchors])
    taken = set(links.articles)
    links.sections = _unique([a.url for a in anchors if a.url not in taken and _is_menu_link(a, nav)])
    return links


# --- links -----------------------------------------------------------------------------

def _own_hosts(root: HtmlElement, here: str) -> set[str]:
    """The page's host, and the host it names as its own (canonical link, ``og:url``, a
    mirror's "Mirrored from" note): a saved copy served elsewhere keeps absolute links to it."""
    hosts = {_host(here)}
    head = root.find("head")
    if head is not None:
        for element in head:
            if element.tag == "link" and (element.get("rel") or "").lower() == "canonical":
                hosts.add(_host(element.get("href") or ""))
            elif element.tag == "meta" and (element.get("property") or "").lower() == "og:url":
                hosts.add(_host(element.get("content") or ""))
    for comment in root.itersiblings(preceding=True):
        match = _MIRRORED.search(str(comment.text or "")) if not isinstance(comment.tag, str) else None
        if match:
            hosts.add(match.group(1).lower().removeprefix("www."))
    for comment in root.iter(etree.Comment):
        match = _MIRRORED.search(comment.text or "")
        if match:
            hosts.add(match.group(1).lower().removeprefix("www."))
            break
    # A page saved with its links absolute and served elsewhere: the host most of its links
    # name is the site's own (a portal links itself far more than any other site).
    counts: dict[str, int] = defaultdict(int)
    for element in root.iter("a"):
        href = (element.get("href") or "").strip()
        if href.lower().startswith(("http://", "https://", "//")):
            counts[_host(href if not href.startswith("//") else "http:" + href)] += 1
        elif href and not href.lower().startswith(_NOT_LINKS):
            counts[_host(here)] += 1
    if counts:
        top = max(counts, key=counts.get)
        if counts[top] > counts.get(_host(here), 0):
            hosts.add(top)
    hosts.discard("")
    return hosts


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
    return folded in _PAGER_WORDS or (folded.isdigit() and len(folded) <= 5) or bool(re.fullmatch(r"(?:trang|page)\s?\d{1,5}", folded))


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


def _names_a_page(url: str) -> bool:
    """The URL names a page number unmistakably: a page key other than a bare ``p``/``pi``
    (WordPress's ``?p=123`` is a post, not page 123), or a ``/page/2``-like segment."""
    number = page_number(url)
    if number is None:
        return False
    keys = [k for k, v in parse_qsl(urlsplit(url).query) if _PAGE_KEY.search(k) and v == str(number)]
    return not keys or any(k.lower() not in _WEAK_PAGE_KEYS for k in keys)


def _is_pagination(url: str, text: str, here: str, here_key: str) -> bool:
    """A link to another page of this listing: its URL differs only by the page number, or a
    pager's text with a page number (or this listing's path) in the URL."""
    if url == here:
        return False
    same_listing = _listing_key(url) == here_key
    if same_listing and (_names_a_page(url) or _is_pager_text(text)):
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
        token = _STATE_SUFFIX.sub("", token)
        if token and token not in _STATE_CLASSES:
            tokens.add(token)
    return ".".join(sorted(tokens))


def _signature(element: HtmlElement, memo: dict[HtmlElement, tuple[str, ...]]) -> tuple[str, ...]:
    """Where a link sits: the tags and kind-classes from the document down to it (no indices,
    no ids, no state classes), so the records of one list share it. ``memo`` keeps each
    ancestor's path (links share most of theirs)."""
    chain = []  # ancestors whose path is not known yet, nearest first
    path: tuple[str, ...] = ()
    for node in element.iterancestors():
        if node.tag in ("html", "body"):
            break
        if node in memo:
            path = memo[node]
            break
        chain.append(node)
    for node in reversed(chain):
        classes = node.get("class")
        path = memo[node] = path + (f"{node.tag}.{_class_key(classes)}" if classes else str(node.tag),)
    return path


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


def _split_by_list(anchors: list[_Anchor]) -> dict[tuple, _Group]:
    """Links grouped by URL shape and place (signature), then by the list that holds them.

    Two boxes with the same markup (``div.box > ul > li > a`` in the main column and in the
    sidebar, Bootstrap's ``col-md-8``/``col-md-4`` alike once digits go) share a signature;
    each link's record is its highest ancestor holding no other link of the group, and the
    record's parent is its list."""
    by_place: dict[tuple, list[_Anchor]] = defaultdict(list)
    for anchor in anchors:
        by_place[(anchor.shape, anchor.signature)].append(anchor)
    groups: dict[tuple, _Group] = {}
    for (shape, signature), members in by_place.items():
        if len({a.url for a in members}) == 1:
            groups[(shape, signature, None)] = _Group((shape, signature, None), members)
            continue
        below: dict[HtmlElement, set[str]] = defaultdict(set)
        for anchor in members:
            below[anchor.element].add(anchor.url)
            for node in anchor.element.iterancestors():
                below[node].add(anchor.url)
        for anchor in members:
            record = anchor.element
            for node in anchor.element.iterancestors():
                if len(below[node]) > 1:
                    break
                record = node
            key = (shape, signature, record.getparent())
            groups.setdefault(key, _Group(key)).anchors.append(anchor)
    return groups


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
        if node.tag in ("html", "body") or len(owners.get(node, ())) > 1:
            break  # (every ancestor holds the link's own URL)
        record = node
    return record


def _headline(words: int) -> float:
    """How much a link text of ``words`` words reads like a headline: a menu's labels have 1–5
    words ("Thông tin dự án", "Đấu thầu mua sắm công"), a headline eight or more."""
    return 0.0 if words <= 2 else min(1.0, (words - 2) / 6)


def _score(group: _Group, owners: dict[HtmlElement, set[str]], furniture: set[HtmlElement], nav: "_Navigation") -> float:
    urls = group.urls
    words = {u: 0 for u in urls}
    words_len = {u: 0 for u in urls}
    records: dict[str, HtmlElement] = {}
    for anchor in group.anchors:
        words[anchor.url] = max(words[anchor.url], anchor.words)
        words_len[anchor.url] = max(words_len[anchor.url], len(anchor.text))
        records.setdefault(anchor.url, _record(anchor, owners))
    if not any(words.values()):
        # links with neither text nor title (a card whose headline sits beside its link):
        # the record's own text is the headline
        for url, record in records.items():
            text = normalize_text(record.text_content()[:300])
            words[url] = len(_WORD.findall(_DATE.sub(" ", text)))
            words_len[url] = len(text)
    headline = group.headline = sum(_headline(w) for w in words.values()) / len(urls)
    if headline == 0:
        return 0.0
    dated = summarised = pictured = 0
    for url, record in records.items():
        text = normalize_text(record.text_content()[:3000])
        dated += bool(_DATE.search(text))
        summarised += len(text) - words_len[url] > 60
        pictured += next(record.iter("img"), None) is not None
    n = len(urls)
    score = n * headline ** 2 * (1 + dated / n) * (1 + summarised / n) * (1 + 0.5 * pictured / n)
    if group.furniture:
        score *= 0.05
    if nav.holds(group.anchors[0].element, group.key[1]):
        score *= 0.2  # the list also links this page or the home page: a menu
    if _nested_list(group.anchors[0].element):
        score *= 0.1  # a drop-down menu's sub-list
    if median(words.values()) < 3:
        score *= 0.5
    return score


def _near(group: _Group, marks: set[HtmlElement]) -> bool:
    """Whether a mark (the pager, the page's ``<h1>``; given as the set of its ancestors) sits
    in the list's block: within two levels above the list."""
    node = _lca([a.element for a in group.anchors])
    for _ in range(3):
        if node is None or node.tag in ("body", "html"):
            return False
        if node in marks:
            return True
        node = node.getparent()
    return False


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


def _page_names(root: HtmlElement, nav: "_Navigation") -> set[str]:
    """What the page calls itself: its ``<h1>``, the parts of its ``<title>``, the text of the
    menu's link to it. A category named "Tin mới" heads its own list: not a furniture label."""
    from crawler.extract.clean import label_key

    names = {label_key(text) for text in nav.texts}
    names.update(label_key(h1.text_content()) for h1 in root.iter("h1"))
    title = root.findtext(".//title") or ""
    names.update(label_key(part) for part in re.split(r"\s[-|–:»>]\s", title))
    names.discard("")
    return names


def _title_marks(root: HtmlElement, page_names: set[str]) -> list[HtmlElement]:
    """The page's ``<h1>`` and the short elements (not links) whose text is the page's name:
    the category title above the main list."""
    from crawler.extract.clean import label_key

    marks = list(root.iter("h1"))
    for node in _SHORT_TEXTS(root):
        element = node.getparent()
        if node.is_tail and element is not None:
            element = element.getparent()
        if element is None or element.tag in ("a", "title", "option", "script", "style", "html", "body"):
            continue
        if label_key(node) in page_names and label_key(element.text_content()) in page_names:
            marks.append(element)
    return marks


def _furniture_scopes(root: HtmlElement, page_names: set[str] = frozenset()) -> set[HtmlElement]:
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
        if not _is_label(label_key(node)) or not _is_label(label_key(element.text_content())):
            continue
        if label_key(element.text_content()) in page_names:
            continue  # the page's own name ("Tin mới" is a category too)
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


def _is_label(key: str) -> bool:
    """A furniture label, or a short heading holding one of several words ("Tin xem nhiều nhất")."""
    if key in _LABELS:
        return True
    words = key.split()
    if len(words) > 5 or any(c.isdigit() for c in key):
        return False  # not a heading: "(609 lượt xem)"
    padded = f" {key} "
    return any(" " in label and f" {label} " in padded for label in _LABELS)


def _in_structural_furniture(element: HtmlElement) -> bool:
    """Inside the page's nav, header, footer, aside or news ticker (or an element with their ARIA role).

    A ``header``/``footer`` inside an ``article``, ``main`` or ``section`` is that record's own
    (WordPress puts every headline in ``article > header.entry-header``), not the page's."""
    ancestors = list(element.iterancestors())
    for index, node in enumerate(ancestors):
        if node.tag in ("nav", "aside", "marquee") or (node.get("role") or "").lower() in _FURNITURE_ROLES:
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


def _is_menu_link(anchor: _Anchor, nav: "_Navigation") -> bool:
    """A section: a link of the menu (nav/header, a drop-down list, or a list linking this page)."""
    if anchor.words == 0 or anchor.words > 10:
        return False
    return (_in_structural_furniture(anchor.element) and not any(n.tag == "footer" for n in anchor.element.iterancestors())) \
        or _nested_list(anchor.element) or nav.holds(anchor.element, anchor.signature)


class _Navigation:
    """The link lists that link this very page or the home page ("Trang chủ"): menus,
    breadcrumbs. A list of headlines never links the page it is on."""

    def __init__(self) -> None:
        self.signatures: set[tuple[str, ...]] = set()
        self.lists: set[HtmlElement] = set()
        self.texts: list[str] = []

    def add(self, element: HtmlElement, signature: tuple[str, ...], text: str = "", here: bool = False) -> None:
        self.signatures.add(signature)
        if here and text:
            self.texts.append(text)
        for node in element.iterancestors():
            if node.tag in ("ul", "ol"):
                self.lists.add(node)  # the menu's list: its drop-downs are inside it
                break
            if node.tag in ("body", "html"):
                break

    def holds(self, element: HtmlElement, signature: tuple[str, ...]) -> bool:
        """Whether a link sits where such links sit: the same place, or inside the same list."""
        if any(signature[:len(s)] == s or s[:len(signature)] == signature for s in self.signatures if len(s) >= 2):
            return True
        return bool(self.lists) and any(node in self.lists for node in element.iterancestors())


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


def _beside(best: _Group, others: list[_Group], page_names: set[str], link_urls: dict[HtmlElement, str]) -> list[_Group]:
    """Groups that belong to the main list too: the same items with other markup (picture
    links, a featured first record) — same URL shape, same place, not furniture, not a box
    with its own heading ("Thông báo" under the list, in the same column)."""
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
        if group.score < _MIN_SCORE or group.headline < _MERGE_HEADLINE:
            continue  # a category link repeated in every record, sub-category tabs
        joint = _lca([region, group.anchors[0].element])
        levels = region_depth - _depth(joint)
        fresh = len(urls) - overlap
        # Beside the list: in its block, or a featured record or two just above it; or a
        # block of the very same kind next to it (a category page's sub-category blocks;
        # not a sidebar, whose column differs: ``col-md-4`` beside ``col-md-8``).
        if (levels <= 1 or (levels <= 2 and fresh <= 3)) and not _headed_box(group, joint, page_names, link_urls):
            merged.append(group)
        elif group.key[1] == best.key[1] and levels <= 4 and _same_kind(_child_towards(joint, region), _child_towards(joint, group.anchors[0].element)):
            merged.append(group)
    return merged


def _headed_box(group: _Group, joint: HtmlElement | None, page_names: set[str], link_urls: dict[HtmlElement, str]) -> bool:
    """Whether the group sits under a heading of its own — below ``joint`` (where it meets the
    list), or within three levels: a short text just before it (a title, or a title linking
    its category) that is not the page's own name. A featured record has none; a sidebar box
    has one."""
    from crawler.extract.clean import label_key

    urls = set(group.urls)
    node = _lca([a.element for a in group.anchors])
    for _ in range(4 if joint is None else 1000):
        if node is None or node is joint or node.tag in ("body", "html"):
            break
        previous = node.getprevious()
        while previous is not None and not isinstance(previous.tag, str):
            previous = previous.getprevious()
        if previous is not None:
            text = normalize_text(previous.text_content())
            links = [a for a in previous.iter("a")]
            if text and len(text.split()) <= 8 and len(links) <= 1 and label_key(text) not in page_names \
                    and not any(link_urls.get(a) in urls for a in links):
                return True
        node = node.getparent()
    return False


def _child_towards(ancestor: HtmlElement, element: HtmlElement) -> HtmlElement:
    """The child of ``ancestor`` that holds ``element``."""
    node = element
    while node.getparent() is not None and node.getparent() is not ancestor:
        node = node.getparent()
    return node


def _same_kind(first: HtmlElement, second: HtmlElement) -> bool:
    """Sibling blocks of one kind: same tag, same classes as written (digits included)."""
    return first is not second and first.tag == second.tag and (first.get("class") or "").split() == (second.get("class") or "").split()


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
