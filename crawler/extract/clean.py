"""Removing page furniture from an article body.

What counts as furniture comes from the platform profile (``drop`` selectors, ``stop_at``
markers and ``drop_labels``); this module only knows *how* to remove it, so one profile edit
fixes every portal on that CMS.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.extract.text import normalize_text

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_EVENT_ATTR = re.compile(r"^on", re.I)


def drop_hidden(root: Tag) -> None:
    """Remove elements a reader never sees (inline ``display:none``, the ``hidden`` attribute).

    Pasted widgets such as a Skype click-to-call menu hide themselves this way; their text
    ("Add to Skype") must not reach the archive.
    """
    for element in list(root.find_all(True)):
        if element.decomposed or element.attrs is None:
            continue
        style = element.get("style") or ""
        if element.has_attr("hidden") or (style and _HIDDEN_STYLE.search(style)):
            element.decompose()


def drop_selectors(root: Tag, selectors: Iterable[str]) -> None:
    """Remove every element matching any of the CSS selectors."""
    for selector in selectors:
        for element in root.select(selector):
            if not element.decomposed:
                element.decompose()


def cut_at(root: Tag, selectors: Iterable[str]) -> None:
    """Remove the first marker element inside ``root`` and everything after it.

    On a well-formed page the markers (print links, "Các tin khác") sit after the body and
    nothing is found; on a broken page the parser nests them inside it and this restores the
    article's real end.
    """
    markers = [m for selector in selectors for m in root.select(selector)]
    if not markers:
        return
    order = {id(el): i for i, el in enumerate(root.descendants) if isinstance(el, Tag)}
    first = min(markers, key=lambda el: order.get(id(el), 1 << 60))
    node: Tag | None = first
    while node is not None and node is not root:
        for sibling in list(node.next_siblings):
            sibling.extract()
        parent = node.parent
        if node is first:
            node.decompose()
        node = parent


def drop_labelled_blocks(root: Tag, labels: Iterable[str]) -> None:
    """Remove furniture blocks introduced by a label such as "Các tin khác".

    The label element goes, and so does the enclosing block when that block holds nothing but
    the label and links (the related-news list it introduces).
    """
    wanted = {_label_key(label) for label in labels}
    if not wanted:
        return
    for element in list(root.find_all(True)):
        if element.decomposed or element.attrs is None:
            continue
        text = normalize_text(element.get_text(" "))
        if len(text) > 60 or _label_key(text) not in wanted:
            continue
        block = element
        while block.parent is not None and block.parent is not root and _only_label_and_links(block.parent, text):
            block = block.parent
        _drop_following_link_lists(block)
        block.decompose()


def strip_event_handlers(root: Tag) -> None:
    """Drop ``on*`` attributes so stored snippets of markup never carry script."""
    for element in root.find_all(True):
        for attr in [a for a in element.attrs if _EVENT_ATTR.match(a)]:
            del element[attr]


def _label_key(text: str) -> str:
    return normalize_text(text).rstrip(" :").casefold()


def _only_label_and_links(container: Tag, label_text: str) -> bool:
    """True when the container's text is the label plus link texts (a furniture box)."""
    total = normalize_text(container.get_text(" "))
    links = sum(len(normalize_text(a.get_text(" "))) for a in container.find_all("a"))
    return len(total) - len(label_text) - links < 15


def _drop_following_link_lists(block: Tag) -> None:
    for sibling in list(block.find_next_siblings()):
        if sibling.name not in {"ul", "ol", "div", "table"} or not _only_label_and_links(sibling, ""):
            break
        if not sibling.find("a"):
            break
        sibling.decompose()


def parse_html(html: str) -> BeautifulSoup:
    """Parse once with lxml (fast, lenient with the broken markup portals serve)."""
    return BeautifulSoup(html, "lxml")
