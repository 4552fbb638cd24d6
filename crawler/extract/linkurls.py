"""The URLs of a page's links as a crawler follows them: absolute, percent-encoded, on the site's own hosts.

Used by listing discovery (``discover.py``): a link is resolved against the page's ``<base>``,
stripped of its fragment and encoded as a browser sends it; the page's own hosts include the
one a saved copy names (canonical link, ``og:url``, a mirror's note). A URL's *shape* (number,
slug or word per path segment, and its query keys) is what the article links of one portal share.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from lxml import etree
from w3lib.url import safe_url_string

from crawler.extract.dom import HtmlElement
from crawler.extract.text import normalize_text

_NOT_LINKS = ("javascript:", "mailto:", "tel:", "#", "data:", "about:", "file:")
# Documents and media are not article pages (nor sections).
_FILE_EXTENSIONS = frozenset(
    "pdf doc docx xls xlsx ppt pptx rar zip 7z jpg jpeg png gif bmp webp svg mp3 mp4 avi wmv flv mov txt xml rss css js ico".split()
)
_MIRRORED = re.compile(r"Mirrored from (?:https?://)?([\w.-]+)", re.I)
_TRACKING_PREFIXES = ("utm_", "p_p_")
_TRACKING_KEYS = frozenset({"fbclid", "gclid", "zarsrc", "zalo_source", "_ga", "mc_cid", "mc_eid"})


def browser_url(url: str) -> str:
    """``url`` percent-encoded the way a browser sends it (spaces, Vietnamese letters, ``|``).

    SharePoint links hold a raw space in their query (``PublishedDate=2018-05-14 07:30:00``);
    ``http.client`` refuses such a URL and servers expect ``%20``. Existing ``%XX`` escapes
    are kept, so encoding twice changes nothing.
    """
    return safe_url_string(url.strip(), encoding="utf-8")


def own_hosts(root: HtmlElement, here: str) -> set[str]:
    """The page's host, and the host it names as its own (canonical link, ``og:url``, a
    mirror's "Mirrored from" note): a saved copy served elsewhere keeps absolute links to it."""
    hosts = {url_host(here)}
    head = root.find("head")
    if head is not None:
        for element in head:
            if element.tag == "link" and (element.get("rel") or "").lower() == "canonical":
                hosts.add(url_host(element.get("href") or ""))
            elif element.tag == "meta" and (element.get("property") or "").lower() == "og:url":
                hosts.add(url_host(element.get("content") or ""))
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
            counts[url_host(href if not href.startswith("//") else "http:" + href)] += 1
        elif href and not href.lower().startswith(_NOT_LINKS):
            counts[url_host(here)] += 1
    if counts:
        top = max(counts, key=counts.get)
        if counts[top] > counts.get(url_host(here), 0):
            hosts.add(top)
    hosts.discard("")
    return hosts


def base_url(root: HtmlElement, url: str) -> str:
    """The page's URL, or its ``<base href>`` (which relative links resolve against)."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href and not href.lower().startswith(_NOT_LINKS):
            return urljoin(url, href)
        break
    return url


def absolute_url(href: object, base_url: str) -> str | None:
    """The link's absolute http(s) URL, browser-encoded and without fragment; None for what is not a page."""
    if not isinstance(href, str):
        return None
    return _resolve(href.strip(), base_url)


@lru_cache(maxsize=4096)
def _resolve(href: str, base_url: str) -> str | None:
    if not href or href.lower().startswith(_NOT_LINKS):
        return None
    try:
        absolute = strip_fragment(browser_url(urljoin(base_url, href)))
    except ValueError:  # a malformed port or IPv6 host in a link: not a page we can follow
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None


def strip_fragment(url: str) -> str:
    """The URL without ``#fragment``: one page, however it is linked."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=""))


def url_host(url: str) -> str:
    """The URL's host, lower-case and without ``www.`` (``""`` for a malformed URL)."""
    try:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""


def is_file(url: str) -> bool:
    """A document or media file (PDF, pictures...), not a page."""
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return "." in last and last.rsplit(".", 1)[1].lower() in _FILE_EXTENSIONS


def anchor_text(element: HtmlElement) -> str:
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


def unique(urls: list[str]) -> list[str]:
    """The URLs in their first order, without repeats."""
    return list(dict.fromkeys(urls))


def _segment_class(segment: str) -> str:
    if segment.isdigit():
        return "9"
    name = segment.rsplit(".", 1)[0] if "." in segment else segment
    if re.search(r"[-_+%]", name) or len(name) > 24 or (re.search(r"\d", name) and re.search(r"[a-zA-Z]", name)):
        return "s"
    return "w"


def url_shape(url: str) -> tuple:
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
