"""The parsed page: one lxml tree per page, CSS selectors compiled once, removal that keeps text.

The profile path must cost a fraction of a generic extractor's time (issue 4: at most 1/5 of
trafilatura's). BeautifulSoup alone took ~7 ms per Hanoi page and the whole extraction ~22 ms;
lxml parses the same page in ~0.5 ms and evaluates compiled XPath in C, so every extractor
module works on lxml elements and shares the one tree.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

import lxml.html
from cssselect import HTMLTranslator, SelectorError
from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.finish import strip_controls

__all__ = ["HtmlElement", "parse_html", "nesting_warning", "flatten_nesting", "select", "select_one", "first", "drop", "inner_html", "flat_text", "find_parent"]

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# UTF-8 Vietnamese read as windows-1252/latin-1: a lead byte Ã Ä Æ á followed by a byte that
# cp1252/latin-1 show as a symbol or control ("Quáº­n", "HoÃ ng", "trÆ°á»ng").
_MOJIBAKE = re.compile("[\u00c3\u00c4\u00c6\u00e1][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178]")
_MOJIBAKE_MIN = 3
_MOJIBAKE_SIGNS = ("\u00c3", "\u00c4", "\u00c6", "\u00e1\u00ba", "\u00e1\u00bb")  # cheap test before the regex
_TRANSLATOR = HTMLTranslator()
_COMBINATOR = re.compile(r"[^\s,>+~]\s*[\s>+~]\s*[^\s,>+~]")
_DESCENDANT_TEXT = etree.XPath("descendant::text()[not(ancestor::script or ancestor::style)]")


# libxml2 stops building the tree at 256 nested elements (2048 with huge_tree) and drops
# everything after that point without an error: an article nested that deep (broken markup,
# a hacked page) lost its body from there on, its author, everything. The HTML parser runs
# with huge_tree, and a page deeper still is flattened (below) and parsed again.
FLATTENED = "data-portal-archive-flattened"  # set on <html>: how many tags were dropped (see nesting_warning)
_FLATTEN_DEPTH = 200
_TOO_DEEP = "Excessive depth"


def parse_html(html: str | bytes) -> HtmlElement:
    """Parse a page once with lxml (fast, lenient with the broken markup portals serve).

    Returns the ``<html>`` element. An empty page gives an empty document rather than an error,
    and an XML declaration (which lxml refuses on text input) is ignored. A page nested deeper
    than libxml2 builds is flattened, never cut: its ``<html>`` carries :data:`FLATTENED`.
    """
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    html = _XML_DECLARATION.sub("", html, count=1)
    html = repair_mojibake(html)  # first: UTF-8 read as latin-1 shows its bytes as C1 controls
    html = strip_controls(html, keep_lines=True)  # libxml2 would turn them into U+FFFD; they are no text
    if not html.strip():
        html = "<html><body></body></html>"
    try:
        root, too_deep = _parse(html)
        dropped = 0
        if too_deep:
            flat, dropped = flatten_nesting(html, _FLATTEN_DEPTH)
            root, _ = _parse(flat)
    except (etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html><body></body></html>")
    if dropped:
        root.set(FLATTENED, str(dropped))
    _void_containers(root)
    return root


def _parse(html: str) -> tuple[HtmlElement, bool]:
    parser = lxml.html.HTMLParser(huge_tree=True)  # one per parse: its error log is this page's
    root = lxml.html.document_fromstring(html, parser=parser)
    return root, any(_TOO_DEEP in error.message for error in parser.error_log)


def nesting_warning(root: HtmlElement) -> str | None:
    """The extraction warning for a page :func:`parse_html` had to flatten (None for the others)."""
    dropped = root.get(FLATTENED)
    if not dropped:
        return None
    return (f"nesting: page nested deeper than the HTML parser builds; {dropped} tags beyond {_FLATTEN_DEPTH} levels "
            "were flattened so no text was cut")


_TAG = re.compile(r"<!--.*?-->|<(script|style|textarea|title)\b[^>]*>.*?</\1\s*>|<(/?)([a-zA-Z][a-zA-Z0-9:-]*)\b([^>]*?)(/?)>", re.S | re.I)
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_BLOCK = frozenset("address article aside blockquote dd div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 "
                   "header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split())
# Attributes selectors and extraction read (a class, an id, a link): an element carrying one is
# kept as deep as the parser allows; bare or merely presentational wrappers go first.
_STRUCTURAL = re.compile(r"(?:^|\s)(?:class|id|href|src|name|itemprop|itemtype|rel|datetime)\s*=", re.I)
_HARD_DEPTH = 1800  # under libxml2's huge_tree limit (2048), with room for the page around


def flatten_nesting(html: str, limit: int) -> tuple[str, int]:
    """Drop the wrapper tags that open deeper than ``limit`` (and their end tags), keeping all the text.

    Below ``limit`` levels every tag is kept; deeper, a tag without a structural attribute
    (class, id, href, src...) is dropped, and one with such an attribute is kept down to
    ``_HARD_DEPTH`` levels, so an article's author paragraph or date span nested in thousands of
    ``<font>``s keeps what its selector looks for. A dropped block tag becomes ``<br>`` so
    paragraphs stay apart; an inline one just goes. Depth is tracked roughly as an HTML parser
    does: void elements do not nest, an end tag closes up to its start tag. Returns the new HTML
    and the number of tags dropped.
    """
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (tag, dropped)
    kept = position = dropped = 0  # kept: tags open and kept (the depth the parser will see)
    for match in _TAG.finditer(html):
        name = match.group(3)
        if name is None:  # a comment, a script/style/textarea/title element: kept whole
            continue
        name = name.lower()
        closing, self_closing = bool(match.group(2)), bool(match.group(5))
        replacement = None
        if not closing:
            if name in _VOID or self_closing:
                continue
            drop = kept >= limit and (kept >= _HARD_DEPTH or not _STRUCTURAL.search(match.group(4) or ""))
            stack.append((name, drop))
            kept += not drop
            if drop:
                replacement = "<br>" if name in _BLOCK else ""
        else:
            depth = next((i for i in range(len(stack) - 1, -1, -1) if stack[i][0] == name), None)
            if depth is None:
                continue  # a stray end tag: left to the parser
            was_dropped = stack[depth][1]
            kept -= sum(1 for _, gone in stack[depth:] if not gone)
            del stack[depth:]
            if was_dropped:
                replacement = "<br>" if name in _BLOCK else ""
        if replacement is not None:
            out.append(html[position:match.start()])
            out.append(replacement)
            position = match.end()
            dropped += 1
    out.append(html[position:])
    return "".join(out), dropped


def _void_containers(root: HtmlElement) -> None:
    """Give back what libxml2 put *inside* ``<embed>`` (a void element in HTML, a container to
    libxml2): the rest of the paragraph, or of the whole article after an old Flash player,
    would otherwise be dropped with the embed as furniture."""
    for element in list(root.iter("embed")):
        children = list(element)
        if not children and not element.text:
            continue
        parent, tail = element.getparent(), element.tail
        element.tail, element.text = element.text, None
        index = parent.index(element)
        for offset, child in enumerate(children, 1):
            parent.insert(index + offset, child)  # moves the child out, with its own tail
        last = children[-1] if children else element
        last.tail = (last.tail or "") + (tail or "") or None


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as windows-1252/latin-1 (ftfy), when the page shows the signs.

    Portals behind misconfigured proxies serve UTF-8 labelled as ISO-8859-1. The check is a
    cheap regex; only pages with several tell-tale pairs go through ftfy, which changes text
    only when the repair is unambiguous.
    """
    if not any(sign in text for sign in _MOJIBAKE_SIGNS) or len(_MOJIBAKE.findall(text, 0, 200_000)) < _MOJIBAKE_MIN:
        return text
    import ftfy

    return ftfy.fix_encoding(text)


@lru_cache(maxsize=2048)
def _compiled(css: str, include_self: bool) -> etree.XPath:
    prefix = "descendant-or-self::" if include_self else "descendant::"
    try:
        return etree.XPath(_TRANSLATOR.css_to_xpath(css, prefix=prefix))
    except SelectorError as exc:
        raise ValueError(f"bad CSS selector {css!r}: {exc}") from None


def select(root: HtmlElement, css: str, *, outer_ancestors: bool = True) -> list[HtmlElement]:
    """Elements below ``root`` matching ``css``, in document order (the whole page for the root).

    As in CSS (and BeautifulSoup's ``select``), the selector's ancestors may lie outside
    ``root``: ``div.content .author`` called on the ``div.content`` element finds its author.
    ``outer_ancestors=False`` skips that (slower) case, for furniture lists matched inside a body.
    """
    if root.getparent() is None:
        return _compiled(css, root.tag == "html")(root)
    found = _compiled(css, False)(root)
    if found or not outer_ancestors or not _COMBINATOR.search(css):
        return found
    # Only a selector with combinators can need ancestors outside root (slower: whole page).
    document = root.getroottree().getroot()
    return [e for e in _compiled(css, True)(document) if e is not root and _inside(e, root)]


def _inside(element: HtmlElement, root: HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        if ancestor is root:
            return True
    return False


def select_one(root: HtmlElement, css: str) -> HtmlElement | None:
    found = select(root, css)
    return found[0] if found else None


def first(root: HtmlElement, selectors: tuple[str, ...] | list[str]) -> HtmlElement | None:
    """The first match of the first selector that matches anything (selectors in priority order)."""
    for css in selectors:
        found = select(root, css)
        if found:
            return found[0]
    return None


def elements(root: HtmlElement) -> Iterator[HtmlElement]:
    """Every element below and including ``root`` (comments skipped)."""
    return root.iter(etree.Element)


def drop(element: HtmlElement) -> None:
    """Remove an element and its content, keeping the text that follows it (its tail)."""
    if element.getparent() is not None:
        element.drop_tree()


def find_parent(element: HtmlElement, names: set[str] | frozenset[str]) -> HtmlElement | None:
    for ancestor in element.iterancestors():
        if ancestor.tag in names:
            return ancestor
    return None


def flat_text(element: HtmlElement | None) -> str:
    """All text below the element joined by spaces (scripts, styles and comments left out)."""
    if element is None:
        return ""
    return " ".join(_DESCENDANT_TEXT(element))


def inner_html(element: HtmlElement) -> str:
    """The serialised content of the element, without its own tag."""
    from html import escape

    parts = [escape(element.text, quote=False)] if element.text else []
    parts += [etree.tostring(child, encoding="unicode", method="html", with_tail=True) for child in element]
    return "".join(parts)
