"""Text normalisation shared by every extractor.

Portals mix NFC and NFD (a base letter followed by a combining mark), non-breaking spaces and
MS-Word leftovers; search, dedupe and gold comparisons only work once all of that is folded
into one canonical form.
"""

from __future__ import annotations

import re
import unicodedata

from crawler.extract.dom import HtmlElement

_WHITESPACE = re.compile(r"\s+")  # \s covers U+00A0 and the other Unicode spaces in str patterns
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\x00]")

BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary "
    "table tbody tfoot thead tr ul caption".split()
)
CELL_TAGS = frozenset({"td", "th"})
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "iframe", "object", "embed", "svg", "button", "select", "textarea", "input"})


def normalize_text(text: str | None) -> str:
    """NFC, invisible characters removed and whitespace collapsed to single spaces."""
    if not text:
        return ""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return _WHITESPACE.sub(" ", text).strip()


def text_or_none(text: str | None) -> str | None:
    """Like :func:`normalize_text`, but an empty result is ``None`` (a missing field, not "")."""
    cleaned = normalize_text(text)
    return cleaned or None


def element_text(element: HtmlElement | None) -> str:
    """The visible text of an element on one line (block boundaries become spaces)."""
    if element is None:
        return ""
    return normalize_text(" ".join(paragraphs(element)))


def paragraphs(element: HtmlElement) -> list[str]:
    """The element's text as paragraphs: block elements and ``<br>`` start a new paragraph.

    Inline markup (``<strong>Đ</strong>ại``) is joined without spaces so words stay whole;
    table cells are separated by a space so a row reads as one line.
    """
    parts: list[str] = []
    _collect(element, parts)
    lines = (normalize_text(line) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def _collect(node: HtmlElement, parts: list[str]) -> None:
    # A newline in the source is only a line wrap; paragraphs come from markup.
    if node.text:
        parts.append(node.text.replace("\r", " ").replace("\n", " "))
    for child in node:
        name = child.tag
        if isinstance(name, str) and name not in SKIP_TAGS:
            if name == "br":
                parts.append("\n")
            elif name in BLOCK_TAGS:
                parts.append("\n")
                _collect(child, parts)
                parts.append("\n")
            elif name in CELL_TAGS:
                parts.append(" ")
                _collect(child, parts)
                parts.append(" ")
            else:
                _collect(child, parts)
        if child.tail:
            parts.append(child.tail.replace("\r", " ").replace("\n", " "))


def fold_text(text: str | None) -> str:
    """Text as titles compare: NFC, marks removed, ``đ→d``, case folded, punctuation → spaces.

    "Tổng kết … 2020 – 2021", its ``<title>`` and its URL slug ``Tong-ket-…-2020---2021`` all
    fold to the same words, so a headline can be matched against either.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", normalize_text(text).replace("đ", "d").replace("Đ", "D"))
    bare = _MARKS.sub("", decomposed).casefold()
    return " ".join(_NON_WORD.split(bare)).strip()


_NON_WORD = re.compile(r"[\W_]+")
# Combining marks (Vietnamese tones and vowel marks are all in the first block).
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
