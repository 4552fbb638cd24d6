"""Where a page's menus and furniture boxes sit, so that listing discovery can set their links aside.

Menus are the link lists that link the page itself or the home page, and the links inside
``nav``/``header``/``footer``/``aside`` (or their ARIA roles); furniture boxes are the blocks a
furniture label introduces ("Xem nhiều nhất", "Tin liên quan": ``drop_labels`` of
``base.toml``), unless the label is the page's own name.
"""

from __future__ import annotations

import re

from lxml import etree

from crawler.extract.clean import label_key
from crawler.extract.dom import HtmlElement
from crawler.extract.text import normalize_text

_SECTIONING = frozenset({"article", "main", "section"})
_FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "menu", "menubar"})
_LABEL_MAX = 60
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Text nodes short enough to be a furniture label (measured in C before any Python runs).
_SHORT_TEXTS = etree.XPath(f"//text()[string-length(normalize-space(.)) >= 3 and string-length(normalize-space(.)) <= {_LABEL_MAX}]")


def nested_list(element: HtmlElement) -> bool:
    """Inside a list item that holds a sub-list, or in a list inside a list item: a drop-down menu."""
    items = 0
    for node in element.iterancestors():
        if node.tag == "li":
            items += 1
            if items >= 2 or any(child.tag in ("ul", "ol") for child in node):
                return True
    return False


def _furniture_labels() -> frozenset[str]:
    from crawler.profiles import load_profile

    return frozenset(label_key(label) for label in load_profile("base").drop_labels)


_LABELS: frozenset[str] | None = None


def read_page_names(root: HtmlElement, nav: "Navigation") -> set[str]:
    """What the page calls itself: its ``<h1>``, the parts of its ``<title>``, the text of the
    menu's link to it. A category named "Tin mới" heads its own list: not a furniture label."""
    names = {label_key(text) for text in nav.texts}
    names.update(label_key(h1.text_content()) for h1 in root.iter("h1"))
    title = root.findtext(".//title") or ""
    names.update(label_key(part) for part in re.split(r"\s[-|–:»>]\s", title))
    names.discard("")
    return names


def title_marks(root: HtmlElement, page_names: set[str]) -> list[HtmlElement]:
    """The page's ``<h1>`` and the short elements (not links) whose text is the page's name:
    the category title above the main list."""
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


def furniture_scopes(root: HtmlElement, page_names: set[str] = frozenset()) -> set[HtmlElement]:
    """The blocks that a furniture label introduces ("Xem nhiều nhất", "Tin liên quan"):
    the siblings after the label's heading, up to the next heading."""
    global _LABELS
    if _LABELS is None:
        _LABELS = _furniture_labels()
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


def in_structural_furniture(element: HtmlElement) -> bool:
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


def in_scope(element: HtmlElement, scopes: set[HtmlElement]) -> bool:
    """Inside one of the furniture ``scopes``."""
    return any(node in scopes for node in element.iterancestors())


class Navigation:
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
