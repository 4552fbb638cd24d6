"""Removing page furniture from an article body.

What counts as furniture comes from the platform profile (``drop`` selectors, ``stop_at``
markers and ``drop_labels``); this module only knows *how* to remove it, so one profile edit
fixes every portal on that CMS. The generic fallback applies the same rules with the shared
labels of ``base.toml`` to the whole page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from lxml import etree

from crawler.extract.dom import HtmlElement, drop, elements, flat_text, parse_html, select
from crawler.extract.text import normalize_text

__all__ = ["parse_html", "drop_hidden", "drop_selectors", "cut_at", "drop_labelled_blocks", "label_key"]

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_LABEL_MAX = 60
_SHORT_TEXT = etree.XPath(f"descendant::*[string-length(normalize-space(.)) <= {_LABEL_MAX * 2}]")


def drop_hidden(root: HtmlElement) -> None:
    """Remove elements a reader never sees (inline ``display:none``, the ``hidden`` attribute).

    Pasted widgets such as a Skype click-to-call menu hide themselves this way; their text
    ("Add to Skype") must not reach the archive.
    """
    for element in root.xpath("descendant::*[@hidden or @style]"):
        style = element.get("style") or ""
        if element.get("hidden") is not None or (style and _HIDDEN_STYLE.search(style)):
            drop(element)


def drop_selectors(root: HtmlElement, selectors: Iterable[str]) -> None:
    """Remove every element matching any of the CSS selectors."""
    selectors = [s for s in selectors if s.strip()]
    if selectors:
        # One union query (compiled once per list) instead of one query per selector.
        for element in select(root, ", ".join(selectors), outer_ancestors=False):
            drop(element)


def cut_at(root: HtmlElement, selectors: Iterable[str]) -> None:
    """Remove the first marker element inside ``root`` and everything after it.

    On a well-formed page the markers (print links, "Các tin khác") sit after the body and
    nothing is found; on a broken page the parser nests them inside it and this restores the
    article's real end.
    """
    markers = [m for selector in selectors for m in select(root, selector)]
    if not markers:
        return
    order = {el: i for i, el in enumerate(elements(root))}
    first = min(markers, key=lambda el: order.get(el, 1 << 60))
    node = first
    while node is not None and node is not root:
        for sibling in list(node.itersiblings()):
            node.getparent().remove(sibling)  # the sibling's tail is after the marker too
        node.tail = None
        parent = node.getparent()
        if node is first:
            parent.remove(node)
        node = parent


def drop_labelled_blocks(root: HtmlElement, labels: Iterable[str]) -> None:
    """Remove furniture blocks introduced by a label such as "Các tin khác".

    The label element goes, and so does the enclosing block when that block holds nothing but
    the label and links (the related-news list it introduces).
    """
    wanted = {label_key(label) for label in labels}
    if not wanted:
        return
    removed: set[HtmlElement] = set()
    squashed = {key.replace(" ", "") for key in wanted}
    # Only elements whose text is short can be a label; XPath measures that in C first, and
    # the C-level text_content() with its spaces removed rules out all but the label candidates
    # before the slower exact comparison (most of a page's short elements are not labels).
    for element in _SHORT_TEXT(root):
        if _squash(element.text_content()) not in squashed:
            continue
        if removed and any(a in removed for a in element.iterancestors()):
            continue
        text = normalize_text(flat_text(element))
        if len(text) > _LABEL_MAX or label_key(text) not in wanted:
            continue
        block = element
        while block.getparent() is not None and block.getparent() is not root and _only_label_and_links(block.getparent(), text):
            block = block.getparent()
        _drop_following_link_lists(block)
        removed.add(block)
        drop(block)


def _squash(text: str) -> str:
    """A label's text with every space removed (how a candidate is first compared, cheaply)."""
    return unicodedata.normalize("NFC", "".join(text.split())).rstrip(":").casefold()


def label_key(text: str) -> str:
    """How labels compare: NFC, whitespace collapsed, case folded, a trailing colon ignored."""
    return normalize_text(text).rstrip(" :").casefold()


def _only_label_and_links(container: HtmlElement, label_text: str) -> bool:
    """True when the container's text is the label plus link texts (a furniture box)."""
    total = normalize_text(flat_text(container))
    links = sum(len(normalize_text(flat_text(a))) for a in container.iter("a"))
    return len(total) - len(label_text) - links < 15


def _drop_following_link_lists(block: HtmlElement) -> None:
    for sibling in list(block.itersiblings()):
        if not isinstance(sibling.tag, str):
            continue
        if sibling.tag not in {"ul", "ol", "div", "table"} or not _only_label_and_links(sibling, ""):
            break
        if next(sibling.iter("a"), None) is None:
            break
        drop(sibling)
