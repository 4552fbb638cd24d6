"""The headline of a page no profile describes: the visible element that agrees with the page.

A portal page shows many heading-like texts (the site's name in the banner, portlet headings,
other articles' titles in side lists); the article's own headline is the one the page
confirms elsewhere: its ``og:title``, its ``<title>`` once the site's name is taken off, or
the words of its URL slug. All compare *folded* (marks removed, ``đ→d``, case and punctuation
ignored), so "2020 – 2021" in the headline matches "2020---2021" in the slug. The text
returned is the element's own, never a reference cut at a dash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from lxml import etree

from crawler.extract.dom import HtmlElement
from crawler.extract.text import element_text, fold_text, normalize_text

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_ROLE_CLASS = re.compile(r"title|tieu-?de|headline|header|heading", re.I)
_SEPARATORS = re.compile(r"\s+[-|–—»:/]\s+|\s*[|»]\s*|\s+::\s+")
# Names a page gives its site ("Trang thông tin điện tử Huyện …", "Cổng TTĐT tỉnh …"), folded.
_SITE_NAME = re.compile(
    r"^(?:trang (?:thong tin|tin) dien tu|cong (?:thong tin|ttdt|tt dt)|cong thong tin dien tu|trang ttdt|website|web site|"
    r"trang chu|home ?page|portal)\b"
)
# An office as a site's name at either end of the <title>: "… - Sở GD&ĐT Hà Giang", "UBND Huyện Bắc Mê - …".
_OFFICE_NAME = re.compile(
    r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân|Sở|Phòng|Trường|Huyện|Tỉnh|Xã|Thị trấn|Thành phố|TP\.?|Quận|Phường|Cổng|Trang|Website|Báo|Đài|Ban)\s+"
    r"(?:[A-ZĐÀ-Ỹ]|huyện|tỉnh|xã|quận|phường|thành phố|thị xã|thị trấn|thông tin)"
)
_OFFICE_WORDS_MAX = 10
_TEXT_MIN, _TEXT_MAX = 8, 400
_PROSE_MIN = 150
_SECTION_WORDS_MAX = 6
_TITLE_NAME = re.compile(r"title|tieu-?de|headline", re.I)
_SLUG_MIN_WORDS = 3
_SKIP = frozenset({"script", "style", "title", "head", "noscript", "template", "option", "select", "textarea", "button"})
_NAMED = etree.XPath("descendant::*[@class or @id or @itemprop]")
_TEXT_NODES = "//body//text()[string-length(normalize-space(.)) >= 4]"


@dataclass(frozen=True)
class References:
    """What the page says its title is, folded: full titles, the title without the site's name, the slug."""

    exact: tuple[str, ...]
    prefixes: tuple[str, ...]
    slug: str
    site_names: tuple[str, ...]
    fallback: str | None
    raw: tuple[str, ...] = ()


def references(root: HtmlElement, meta: dict[str, str], url: str | None) -> References:
    """The page's own statements of its title (``og:title``, ``<title>``, the URL slug), folded."""
    title_tag = root.find(".//title")
    raw_titles = [normalize_text(meta.get("og:title")), normalize_text(title_tag.text_content() if title_tag is not None else "")]
    raw_titles = [t for t in raw_titles if t]
    site_names = {fold_text(meta.get(k)) for k in ("og:site_name", "application-name", "apple-mobile-web-app-title")} - {""}
    cores: list[str] = []
    for raw in raw_titles:
        core, site = strip_site_name(raw, site_names)
        cores.append(core)
        if site:
            site_names.add(fold_text(site))
    exact = tuple(dict.fromkeys(fold_text(t) for t in [*cores, *raw_titles] if fold_text(t)))
    fallback = next((c for c in cores if c), None)
    return References(exact, tuple(fold_text(t) for t in raw_titles), _slug(url), tuple(site_names), fallback, tuple(raw_titles))


def strip_site_name(title: str, site_names: set[str] | frozenset[str] = frozenset()) -> tuple[str, str | None]:
    """``<title>`` without a leading or trailing part that is the site's name (and that part).

    Only a part that *is* a site name goes (the declared ``og:site_name``, or a text such as
    "Trang thông tin điện tử …"); a title whose parts are all words of the headline ("… năm
    học 2020 – 2021") is kept whole.
    """
    parts = [p for p in _SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title, None
    for index in (len(parts) - 1, 0):
        folded = fold_text(parts[index])
        if folded in site_names or _SITE_NAME.match(folded) or any(s and folded.startswith(s) for s in site_names) \
                or _is_office(parts[index]):
            kept = parts[:index] if index else parts[1:]
            return _rejoin(title, kept), parts[index]
    return title, None


def is_site_name(text: str | None) -> bool:
    """True for a text that names a site or an office ("Trang thông tin điện tử …", "Sở GD&ĐT Hà Giang")."""
    return bool(text) and (bool(_SITE_NAME.match(fold_text(text))) or _is_office(text))


def _before(first: HtmlElement, second: HtmlElement) -> bool:
    """True when ``first`` comes before ``second`` in document order."""
    for element in first.getroottree().iter():
        if element is first:
            return True
        if element is second:
            return False
    return False


def _is_office(part: str) -> bool:
    """An office's name ("Sở GD&ĐT Hà Giang", "UBND huyện Bắc Mê"): an office word, ending in a proper name."""
    words = part.split()
    return bool(_OFFICE_NAME.match(part.strip())) and len(words) <= _OFFICE_WORDS_MAX and all(w[:1].isupper() for w in words[-2:])


def headline(root: HtmlElement, meta: dict[str, str], url: str | None = None) -> tuple[str | None, HtmlElement | None]:
    """The article title and its element (``None`` for the element when only metadata had it).

    Candidates are headings, elements named for titles, and any element whose text agrees
    with a reference. An exact agreement (folded) beats a heading the ``<title>`` merely
    starts with; the site's name and link-list items (another article's title) never win.
    """
    refs = references(root, meta, url)
    best: tuple[tuple[int, int, int], str, HtmlElement] | None = None
    for element in _candidates(root, refs):
        if len(element.text_content()) > 3 * _TEXT_MAX:
            continue  # a block, not a headline (and element_text on it would be costly)
        text = element_text(element)
        if not _TEXT_MIN <= len(text) <= _TEXT_MAX:
            continue
        folded = fold_text(text)
        if not folded or _is_site_name(folded, refs):
            continue
        rank = _agreement(folded, refs)
        if rank == 0:
            continue
        in_link = _in_link_item(element)
        key = (rank - (3 if in_link else 0), 1 if element.tag in _HEADINGS else 0, len(folded))
        if best is None or key > best[0]:
            best = (key, text, element)
    if best is not None and best[0][0] > 0:
        if len(best[1].split()) <= _SECTION_WORDS_MAX:
            # A short heading the <title> agrees with may be the section's name ("Tin tức - Sự
            # kiện" on a page titled so): the article's headline is then the heading nearer its text.
            nearer = _heading_before_prose(root, refs)
            if nearer is not None and nearer is not best[2] and _before(best[2], nearer) and best[2] not in set(nearer.iterancestors()):
                return element_text(nearer), nearer
        return best[1], best[2]
    h1s = [e for e in root.iter("h1") if element_text(e) and not _is_site_name(fold_text(element_text(e)), refs)]
    if len(h1s) == 1:
        return element_text(h1s[0]), h1s[0]
    heading = _heading_before_prose(root, refs)
    if heading is not None:
        return element_text(heading), heading
    if refs.fallback and not _is_site_name(fold_text(refs.fallback), refs):
        return refs.fallback, None
    return None, None


def _heading_before_prose(root: HtmlElement, refs: References) -> HtmlElement | None:
    """When nothing on the page confirms a title: the last heading before the first prose paragraph."""
    body = root.find("body")
    last = None
    for element in (body if body is not None else root).iter():
        if not isinstance(element.tag, str) or element.tag in _SKIP:
            continue
        names = f"{element.get('class') or ''} {element.get('id') or ''}"
        if element.tag in {"h1", "h2", "h3"} or (names.strip() and _TITLE_NAME.search(names)):
            if len(element.text_content()) <= 3 * _TEXT_MAX:
                text = element_text(element)
                if _TEXT_MIN <= len(text) <= _TEXT_MAX and not _is_site_name(fold_text(text), refs) and not _in_link_item(element) \
                        and next(element.iter("a"), None) is None:
                    last = element
            continue
        own = normalize_text(element.text or "")
        if len(own) >= _PROSE_MIN and element.tag != "a" and last is not None and last not in set(element.iterancestors()):
            return last
    return None


def _agreement(folded: str, refs: References) -> int:
    """How much of the page agrees with this text: 3 for an exact reference, 2 for the slug, 2 for a prefix or suffix of the <title>.

    Agreements add up, so the headline (a prefix of the <title> *and* the slug's words) beats a
    first sentence of the body that merely starts with the same words.
    """
    score = 3 if folded in refs.exact else 0
    if refs.slug and (folded == refs.slug or (len(refs.slug.split()) >= _SLUG_MIN_WORDS + 1 and folded.startswith(refs.slug))
                      or (len(folded.split()) >= _SLUG_MIN_WORDS + 1 and refs.slug.startswith(folded))):
        score += 2
    if score < 3 and any((r.startswith(folded) or r.endswith(folded)) and len(folded) >= len(r) // 3 for r in refs.prefixes):
        score += 2  # the <title> starts or ends with it ("Site - Section - Headline")
    return score


def _candidates(root: HtmlElement, refs: References):
    seen: set[HtmlElement] = set()
    body = root.find("body")
    scope = body if body is not None else root
    for element in scope.iter(*_HEADINGS):
        seen.add(element)
        yield element
    for element in _NAMED(scope):
        if element in seen:
            continue
        names = f"{element.get('class') or ''} {element.get('id') or ''} {element.get('itemprop') or ''}"
        if _ROLE_CLASS.search(names) and len(element) <= 8:
            seen.add(element)
            yield element
    if not (refs.exact or refs.slug):
        return
    wanted = set(refs.exact) | ({refs.slug} if refs.slug else set())
    first_words = {w.split()[0] for w in wanted if w}
    # a headline at the end of the <title> ("Site - Section - Headline") starts a part of it
    first_words |= {fold_text(part).split()[0] for raw in refs.raw for part in _SEPARATORS.split(raw) if fold_text(part)}
    for node in root.xpath(_TEXT_NODES):
        head = node.split(None, 1)
        if not head or _fold_word(head[0]) not in first_words:
            continue  # cheap test first: most text nodes start with another word
        parent = node.getparent()
        if node.is_tail:
            parent = parent.getparent()
        if parent is None or parent.tag in _SKIP or parent in seen:
            continue
        folded = fold_text(node)
        if folded in wanted or (refs.slug and len(folded) > 8 and folded.startswith(refs.slug)) \
                or any(w.startswith(folded) or w.endswith(folded) for w in wanted):
            # The headline may be split into inline pieces: climb while the text still fits.
            while parent.getparent() is not None and parent.tag not in _HEADINGS and len(element_text(parent.getparent())) <= _TEXT_MAX \
                    and fold_text(element_text(parent.getparent())) in wanted | {folded}:
                parent = parent.getparent()
            seen.add(parent)
            yield parent


@lru_cache(maxsize=4096)
def _fold_word(word: str) -> str:
    folded = fold_text(word).split()
    return folded[0] if folded else ""


def _in_link_item(element: HtmlElement) -> bool:
    """True for a title inside a link list (another article's item, or a breadcrumb)."""
    for ancestor in (element, *element.iterancestors()):
        if ancestor.tag in {"li", "nav"}:
            return True
        if ancestor.tag in {"body", "article", "main"}:
            return False
    return False


def _is_site_name(folded: str, refs: References) -> bool:
    return bool(_SITE_NAME.match(folded)) or folded in refs.site_names


def _slug(url: str | None) -> str:
    """The words of the URL's last path segment, when it reads as a title (3 words or more)."""
    if not url:
        return ""
    path = unquote(urlsplit(url).path).rstrip("/")
    segment = path.rsplit("/", 1)[-1]
    segment = re.sub(r"\.(?:html?|aspx?|php|jsp|vnp|cfm)$", "", segment, flags=re.I)
    segment = re.sub(r"^\d+[-_]", "", segment)
    trailing = re.search(r"[-_.](\d+)$", segment)
    if trailing and not (len(trailing.group(1)) == 4 and 1990 <= int(trailing.group(1)) <= 2100):
        segment = segment[: trailing.start()]  # an id ("-4521"), not a year ("-2022")
    words = fold_text(segment.replace("-", " ").replace("_", " ")).split()
    if len(words) < _SLUG_MIN_WORDS or all(w.isdigit() for w in words):
        return ""
    return " ".join(words)


def _rejoin(title: str, parts: list[str]) -> str:
    """The original text spanning ``parts`` (separators inside it kept as written)."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if start >= 0 and end > start else " ".join(parts)
