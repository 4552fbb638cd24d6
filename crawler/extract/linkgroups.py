"""Link groups and their scores: which run of same-shape links is a listing's main list.

Links are grouped by where they sit (their path of tags and kind-classes) and by URL shape,
then split by the list that holds them. Each group is scored — distinct URLs × how much its
anchor texts read like headlines × dates, summaries and pictures beside them — with penalties
for furniture, menus and drop-downs; the groups beside the best one that are the same items
in other markup join it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from statistics import median

from crawler.extract.clean import label_key
from crawler.extract.dom import HtmlElement
from crawler.extract.menus import Navigation, in_scope, in_structural_furniture, nested_list
from crawler.extract.text import normalize_text

_DATE = re.compile(r"(?<!\d)(?:\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?(?:19|20)\d{2}|(?:19|20)\d{2}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2})(?!\d)|ngày\s+\d{1,2}\s+tháng", re.I)
# Class tokens that mark an element's state or position, not its kind (they differ between
# the records of one list: `li.first`, `li.odd`, `div.item.active`).
_STATE_CLASSES = frozenset(
    "active current selected first last odd even alt alternate clearfix clear cf hover open show hidden "
    "in fade visible left right top bottom big small large".split()
)
_ALTERNATION = re.compile(r"^(?:alternating|alternate|alt)[-_]?")
_STATE_SUFFIX = re.compile(r"[-_](?:odd|even|first|last|alt|active|current|selected)$")
WORD = re.compile(r"\w+")
# Below this a page has no list: a menu of a few short labels (two of four and five words
# score 0.1), a lone short link; one headline of eight words scores 1, 2 with its date.
MIN_SCORE = 0.5
# A group joins the list only if its texts read as headlines (about four words or more).
_MERGE_HEADLINE = 0.4


@dataclass
class Anchor:
    """One link of the page that may be an article: where it sits, its text and its URL's shape."""

    element: HtmlElement
    url: str
    text: str
    words: int
    order: int
    signature: tuple[str, ...] = ()
    shape: tuple = ()


@dataclass
class Group:
    """Links of one URL shape in one place of one list: a candidate for the page's main list."""

    key: tuple
    anchors: list[Anchor] = field(default_factory=list)
    score: float = 0.0
    furniture: bool = False
    headline: float = 0.0

    @property
    def urls(self) -> list[str]:
        return list(dict.fromkeys(a.url for a in self.anchors))


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


def signature(element: HtmlElement, memo: dict[HtmlElement, tuple[str, ...]]) -> tuple[str, ...]:
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


def split_by_list(anchors: list[Anchor]) -> dict[tuple, Group]:
    """Links grouped by URL shape and place (signature), then by the list that holds them.

    Two boxes with the same markup (``div.box > ul > li > a`` in the main column and in the
    sidebar, Bootstrap's ``col-md-8``/``col-md-4`` alike once digits go) share a signature;
    each link's record is its highest ancestor holding no other link of the group, and the
    record's parent is its list."""
    by_place: dict[tuple, list[Anchor]] = defaultdict(list)
    for anchor in anchors:
        by_place[(anchor.shape, anchor.signature)].append(anchor)
    groups: dict[tuple, Group] = {}
    for (shape, signature), members in by_place.items():
        if len({a.url for a in members}) == 1:
            groups[(shape, signature, None)] = Group((shape, signature, None), members)
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
            groups.setdefault(key, Group(key)).anchors.append(anchor)
    return groups


def url_owners(anchors: list[Anchor]) -> dict[HtmlElement, set[str]]:
    """For each element holding links, the distinct URLs below it."""
    owners: dict[HtmlElement, set[str]] = defaultdict(set)
    for anchor in anchors:
        owners[anchor.element].add(anchor.url)
        for node in anchor.element.iterancestors():
            owners[node].add(anchor.url)
    return owners


def record_of(anchor: Anchor, owners: dict[HtmlElement, set[str]]) -> HtmlElement:
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


def score(group: Group, owners: dict[HtmlElement, set[str]], furniture: set[HtmlElement], nav: "Navigation") -> float:
    """How much the group looks like the page's main list (0 for links that read like no headline)."""
    urls = group.urls
    words = {u: 0 for u in urls}
    words_len = {u: 0 for u in urls}
    records: dict[str, HtmlElement] = {}
    for anchor in group.anchors:
        words[anchor.url] = max(words[anchor.url], anchor.words)
        words_len[anchor.url] = max(words_len[anchor.url], len(anchor.text))
        records.setdefault(anchor.url, record_of(anchor, owners))
    if not any(words.values()):
        # links with neither text nor title (a card whose headline sits beside its link):
        # the record's own text is the headline
        for url, record in records.items():
            text = normalize_text(record.text_content()[:300])
            words[url] = len(WORD.findall(_DATE.sub(" ", text)))
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
    if nested_list(group.anchors[0].element):
        score *= 0.1  # a drop-down menu's sub-list
    if median(words.values()) < 3:
        score *= 0.5
    return score


def near(group: Group, marks: set[HtmlElement]) -> bool:
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


def is_furniture(group: Group, scopes: set[HtmlElement]) -> bool:
    """Most of the group's links sit in nav/header/footer/aside or under a furniture label."""
    flagged = sum(1 for a in group.anchors if in_structural_furniture(a.element) or in_scope(a.element, scopes))
    return flagged * 2 > len(group.anchors)


def is_menu_link(anchor: Anchor, nav: "Navigation") -> bool:
    """A section: a link of the menu (nav/header, a drop-down list, or a list linking this page)."""
    if anchor.words == 0 or anchor.words > 10:
        return False
    return (in_structural_furniture(anchor.element) and not any(n.tag == "footer" for n in anchor.element.iterancestors())) \
        or nested_list(anchor.element) or nav.holds(anchor.element, anchor.signature)


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


def beside(best: Group, others: list[Group], page_names: set[str], link_urls: dict[HtmlElement, str]) -> list[Group]:
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
        if group.score < MIN_SCORE or group.headline < _MERGE_HEADLINE:
            continue  # a category link repeated in every record, sub-category tabs
        joint = _lca([region, group.anchors[0].element])
        levels = region_depth - _depth(joint)
        fresh = len(urls) - overlap
        # Beside the list: in its block, or a featured record or two just above it; or a
        # block of the very same kind next to it (a category page's sub-category blocks;
        # not a sidebar, whose column differs: ``col-md-4`` beside ``col-md-8``).
        if (levels <= 1 or (levels <= 2 and fresh <= 3)) and not headed_box(group, joint, page_names, link_urls):
            merged.append(group)
        elif group.key[1] == best.key[1] and levels <= 4 and _same_kind(_child_towards(joint, region), _child_towards(joint, group.anchors[0].element)):
            merged.append(group)
    return merged


def headed_box(group: Group, joint: HtmlElement | None, page_names: set[str], link_urls: dict[HtmlElement, str]) -> bool:
    """Whether the group sits under a heading of its own — below ``joint`` (where it meets the
    list), or within three levels: a short text just before it (a title, or a title linking
    its category) that is not the page's own name. A featured record has none; a sidebar box
    has one."""
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
