"""A search result's text with the query's words marked, cut around the first match."""

from __future__ import annotations

import unicodedata
from html import escape

from archive.query import ParsedQuery, fold


def highlight(text: str | None, parsed: ParsedQuery, *, width: int | None = 220) -> str:
    """HTML-escaped ``text`` with the query's words in ``<mark>``, cut to ``width`` characters
    around the first match (the whole text when ``width`` is None).

    Matching is done on :func:`fold` of the text, so ``dai hoi`` marks ``Đại hội`` and the
    marked text is always the article's own, never the folded copy the index matched.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    folded = fold(text)
    spans = parsed.spans(folded)
    start, end = 0, len(text)
    if width is not None and len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, first - width // 3)
        if start:
            start = text.find(" ", start) + 1 or start
        end = min(len(text), start + width)
        if end < len(text):
            end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    out, pos = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[pos:s]) + "<mark>" + escape(text[s:e]) + "</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    return ("…" if start else "") + "".join(out) + ("…" if end < len(text) else "")
