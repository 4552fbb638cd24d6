"""The article's date line on a page no profile describes: the date nearest its headline.

Portal pages print many dates: a clock in the header ("Hôm nay, Thứ Sáu 04/12/2026"), dates
beside the titles of other articles ("Tin khác", "Xem nhiều"), dates inside the text. The
article's own date is a short line next to the headline, above it (VNPT's ``PostDate``) or
below it (most CMSs), in the same block as the article. Candidates are every short text that
parses as a date (and ``<time datetime>``); they are ranked by where they stand:

1. inside the article's block and before its text starts (above or below the headline),
2. inside the article's block after its text (a date line at the end of the article),
3. anywhere else, never in a header/menu/clock or a link list,

and, within a rank, by distance from the headline in document order. Labels keep the
published and updated dates apart (:func:`crawler.extract.dates.read_dates`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.extract.dates import DatesRead, parse_vn_datetime, read_dates
from crawler.extract.dom import HtmlElement
from crawler.extract.text import BLOCK_TAGS, normalize_text

DATE_TEXT_MAX = 120
_BODY_TEXT_MIN = 150  # the first text this long after the headline is where the article starts
# Anything that looks like a date: d/m/yyyy in any separator, ISO, "tháng".
_LOOKS_LIKE_DATE = re.compile(r"\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{4}|\d{4}/\d{1,2}/\d{1,2}|\d{4}-\d{2}-\d{2}|\d{1,2}\s+\d{1,2}\s+\d{4}|tháng", re.I)
_CLOCK_TEXT = re.compile(r"hôm nay|today|bây giờ|giờ hiện tại", re.I)
_CHROME = re.compile(r"header|banner|top-?bar|topbar|clock|today|menu|navbar|footer|sidebar|side-?bar|marquee|weather|thoitiet", re.I)
_CHROME_TAGS = frozenset({"header", "nav", "footer", "aside", "marquee", "select", "option"})
_SKIP = frozenset({"script", "style", "title", "head", "noscript", "template", "textarea", "option", "select"})
_DATE_TEXT_NODES = "//body//text()[string-length(normalize-space(.)) >= 6]"
_HEADLINE_LINK_MIN = 15
_COMBINE_MAX = 4  # lines of the nearest one's tier that may complete it (published beside updated)
_SENTENCE_WORDS = 8
_NOT_WORDS = re.compile(r"\d+|[^\w\s]|\b(?:thứ|chủ nhật|ngày|tháng|năm|lúc|giờ|phút|sáng|chiều|tối|am|pm|sa|ch|hai|ba|tư|bảy|sáu)\b", re.I)
_UPDATED_NAME = re.compile(r"updated|modified", re.I)
_DATE_NAME = re.compile(r"date|time|ngay|publish|created|posted|thoi-?gian", re.I)
_DATE_LABEL = re.compile(r"ngày đăng|đăng lúc|đăng ngày|cập nhật|ngày cập nhật|thời gian|xuất bản|published|posted|updated", re.I)


class _TextLengths:
    """Visible text length of elements, each measured once per page (ancestors are shared by many dates)."""

    def __init__(self) -> None:
        self._known: dict[HtmlElement, int] = {}

    def __call__(self, element: HtmlElement) -> int:
        length = self._known.get(element)
        if length is None:
            raw = element.text_content()
            # a text far longer than a date line needs no exact measure (and big blocks are costly to normalise)
            length = len(raw) if len(raw) > 50 * DATE_TEXT_MAX else len(normalize_text(raw))
            self._known[element] = length
        return length


@dataclass
class _Candidate:
    """A short text that may be the date line; its dates are parsed only when its turn comes."""

    element: HtmlElement
    order: int
    text: str = ""
    node_text: str = ""
    sentence: bool = False  # a short sentence that mentions a date ("Sáng 24/5, huyện tổ chức …"): never the date line
    parsed: DatesRead | None = None

    @property
    def found(self) -> DatesRead:
        if self.parsed is None:
            dates = read_dates(self.text)
            if dates.published is None and dates.updated is None and self.node_text:
                dates = read_dates(self.node_text)
            self.parsed = dates
        return self.parsed

    @property
    def dated(self) -> bool:
        return self.found.published is not None or self.found.updated is not None


def nearest_dates(root: HtmlElement, title: HtmlElement | None, container: HtmlElement | None) -> DatesRead:
    """Published and updated dates from the date line nearest the headline (empty when none)."""
    return nearest_date_line(root, title, container)[0]


def nearest_date_line(root: HtmlElement, title: HtmlElement | None, container: HtmlElement | None) -> tuple[DatesRead, HtmlElement | None]:
    """The dates of the line nearest the headline, and that line's element (not body text)."""
    order = {element: index for index, element in enumerate(root.iter())}
    lengths = _TextLengths()
    candidates = _candidates(root, order, title, lengths)
    if not candidates:
        return DatesRead(), None
    if title is None or title not in order:
        return _first_dated([c for c in candidates if not c.sentence], lambda c: 0, lambda c: not _in_chrome(c.element))
    anchor = order[title]
    body_start = _body_start(title, container, order)
    container_range = _range(container, order) if container is not None else None

    def rank(candidate: _Candidate) -> tuple[int, int]:
        inside = container_range is not None and container_range[0] <= candidate.order <= container_range[1]
        if inside and candidate.order < body_start:
            tier = 0
        elif inside:
            tier = 1
        else:
            tier = 2
        return tier, abs(candidate.order - anchor)

    def usable(candidate: _Candidate) -> bool:
        return not _is_link_item(candidate.element, title, lengths) and (rank(candidate)[0] < 2 or not _in_chrome(candidate.element))

    ranked = sorted((c for c in candidates if not c.sentence), key=rank)
    return _first_dated(ranked, lambda c: rank(c)[0], usable)


def _first_dated(ranked: list[_Candidate], tier, usable) -> tuple[DatesRead, HtmlElement | None]:
    """The first usable candidate that parses, combined with a few more of its tier (parsed lazily, in rank order)."""
    first = None
    same: list[_Candidate] = []
    for candidate in ranked:
        if first is not None and (tier(candidate) != tier(first) or len(same) >= _COMBINE_MAX):
            break
        if not candidate.dated or not usable(candidate):
            continue
        if first is None:
            first = candidate
        same.append(candidate)
    if first is None:
        return DatesRead(), None
    return _combine([first], same), first.element


def _combine(first: list[_Candidate], same_rank: list[_Candidate]) -> DatesRead:
    """The nearest line's dates; a published or updated date it lacks may come from another line of its rank."""
    if not first:
        return DatesRead()
    published, updated = first[0].found.published, first[0].found.updated
    for candidate in same_rank[1:]:
        if published is None and candidate.found.published is not None and updated is not None:
            published = candidate.found.published  # "Cập nhật …" nearest, "Ngày đăng …" beside it
        if updated is None and candidate.found.updated is not None and published is not None:
            updated = candidate.found.updated
    return DatesRead(published=published, updated=updated)


def _candidates(root: HtmlElement, order: dict[HtmlElement, int], title: HtmlElement | None, lengths: _TextLengths) -> list[_Candidate]:
    found: dict[HtmlElement, _Candidate] = {}
    for time_element in root.iter("time"):
        parsed = parse_vn_datetime(time_element.get("datetime")) if time_element.get("datetime") else None
        if parsed is not None:
            names = f"{time_element.get('class') or ''} {time_element.get('itemprop') or ''}"
            dates = DatesRead(updated=parsed) if _UPDATED_NAME.search(names) else DatesRead(published=parsed)
            found[time_element] = _Candidate(time_element, order.get(time_element, 0), parsed=dates)
    for node in root.xpath(_DATE_TEXT_NODES):
        if not _LOOKS_LIKE_DATE.search(node):
            continue
        parent = node.getparent()
        if node.is_tail:
            parent = parent.getparent()
        if parent is None or parent.tag in _SKIP or parent in found:
            continue
        if len(normalize_text(node)) > DATE_TEXT_MAX:
            continue  # a date inside a sentence of the text
        if title is not None and (parent is title or title in set(parent.iterancestors())):
            continue  # a date in the headline ("Từ ngày 04/01/2017, …") is not its date line
        line_element = _line_element(parent, title, lengths)
        text = normalize_text(line_element.text_content())
        if _CLOCK_TEXT.search(text) or _inside_prose(line_element, text, lengths):
            continue
        if line_element not in found:
            found[line_element] = _Candidate(line_element, order.get(parent, 0), text, normalize_text(node), _is_sentence(text))
    return sorted(found.values(), key=lambda c: c.order)


def _line_element(element: HtmlElement, title: HtmlElement | None, lengths: _TextLengths) -> HtmlElement:
    """The largest block around the date that is still one short line (so labels come along)."""
    line = element
    while line.getparent() is not None and line.getparent().tag not in {"body", "html"}:
        parent = line.getparent()
        if lengths(parent) > DATE_TEXT_MAX or (title is not None and title in set(parent.iter())):
            break
        line = parent
    return line


def is_date_line(text: str) -> bool:
    """True for a line that is dates, times and labels only (not a sentence mentioning a date)."""
    return not _is_sentence(text)


def _is_sentence(text: str) -> bool:
    """More words than a date line carries once its dates, times and labels are taken out."""
    rest = _DATE_LABEL.sub(" ", _NOT_WORDS.sub(" ", text))
    return len([w for w in rest.split() if w[:1].islower()]) > _SENTENCE_WORDS


def _inside_prose(line: HtmlElement, text: str, lengths: _TextLengths) -> bool:
    """True for a date that is an inline part of a longer paragraph ("… công văn số 12 ngày 10/10/2017 …").

    A date line is a block of its own; an inline one counts only when named for dates
    (class/id/itemprop) or labelled ("Ngày đăng", "Cập nhật").
    """
    if line.tag in BLOCK_TAGS or line.tag in {"td", "th", "time"} or line.getparent() is None:
        return False
    if lengths(line.getparent()) <= DATE_TEXT_MAX:
        return False
    names = f"{line.get('class') or ''} {line.get('id') or ''} {line.get('itemprop') or ''}"
    return not (_DATE_NAME.search(names) or _DATE_LABEL.search(text))


def _body_start(title: HtmlElement, container: HtmlElement | None, order: dict[HtmlElement, int]) -> int:
    """Document position of the first long text after the headline (where the article starts)."""
    scope = container if container is not None else title.getparent()
    if scope is None:
        return order[title] + 1
    anchor = order[title]
    for element in scope.iter():
        position = order.get(element, 0)
        if position <= anchor or not isinstance(element.tag, str) or element.tag in _SKIP:
            continue
        if len(normalize_text(element.text or "")) >= _BODY_TEXT_MIN:
            return position
    return 1 << 60


def _range(element: HtmlElement, order: dict[HtmlElement, int]) -> tuple[int, int]:
    start = order.get(element, 0)
    last = element
    for last in element.iter():
        pass
    return start, order.get(last, start)


def _in_chrome(element: HtmlElement) -> bool:
    """True inside a page header, menu, clock, footer or side column."""
    for node in (element, *element.iterancestors()):
        if node.tag in _CHROME_TAGS:
            return True
        names = f"{node.get('class') or ''} {node.get('id') or ''}"
        if names.strip() and _CHROME.search(names):
            return True
    return False


def _is_link_item(element: HtmlElement, title: HtmlElement | None, lengths: _TextLengths) -> bool:
    """True when the date stands beside another article's headline link (a related list)."""
    item = element
    for ancestor in element.iterancestors():
        if item.tag in {"li", "tr", "dd", "dt", "article"} or item is title:
            break
        if ancestor.tag in {"body", "html"} or lengths(ancestor) > 3 * DATE_TEXT_MAX:
            break
        item = ancestor
    if title is not None and (item is title or any(a is item for a in title.iterancestors())):
        return False
    for link in item.iter("a"):
        text = normalize_text(link.text_content())
        if len(text) >= _HEADLINE_LINK_MIN and not _LOOKS_LIKE_DATE.search(text):
            return True
    return False
