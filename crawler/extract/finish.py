"""The last step of every extraction: no control characters, no unbounded fields.

Whatever path filled an article (a profile's selectors, the generic fallback, metadata), what
leaves the extractor is checked here once:

- **Control characters** (``\\x01``, ``\\x1b``, C1 controls, U+FFFE and the other Unicode
  noncharacters, lone surrogates) are removed from every text field: they are invisible, they
  break terminals and, above all, XML 1.0 cannot carry them even escaped, so one in a title made
  the Atom feed not well-formed. Bodies keep their tabs and newlines (paragraphs).
- **Sizes**: a hacked or broken page can put megabytes in a title (the search page then weighs
  megabytes). Title, lead and author are cut at :data:`LIMITS` characters, with a warning
  (``title: cut to 1000 characters (was 5242880)``) that the crawl counts as
  ``portal_archive/warnings/<field>``.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls but tab/newline/carriage return, DEL and C1, surrogates, Unicode noncharacters.
# The noncharacters of planes 1-16 are a class of their own, applied only to a text that has a
# character beyond the BMP: 32 single astral characters in one class make every character's
# test a list walk in ``re`` (13x slower on a 120 KB body, the cost of whole imports).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
_ASTRAL_NONCHARACTERS = re.compile(
    "[" + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17)) + "]")
_LINE_BREAKS = re.compile(r"\r\n?")
_SPACES = re.compile(r"[\t\n\r]+")

LIMITS = {"title": 1000, "lead": 5000, "author": 200}
_LINE_FIELDS = ("title", "lead", "author", "category", "published_at", "updated_at", "canonical_url", "image_url")
_ELLIPSIS = "…"


def strip_controls(text: str, *, keep_lines: bool = False) -> str:
    """``text`` without control characters; ``keep_lines``: tabs and newlines stay (a body), else they become spaces."""
    text = _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))
    if _ASTRAL.search(text):
        text = _ASTRAL_NONCHARACTERS.sub("", text)
    return text if keep_lines else _SPACES.sub(" ", text)


def cap(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a space when one is near, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(_ELLIPSIS)]
    space = cut.rfind(" ", max(0, len(cut) - 40))
    return (cut[:space] if space > 0 else cut).rstrip() + _ELLIPSIS


def finish_article(article: Any) -> Any:
    """Clean and bound an :class:`~crawler.extract.article.ExtractedArticle` in place (returned for chaining)."""
    for name in _LINE_FIELDS:
        value = getattr(article, name, None)
        if isinstance(value, str):
            cleaned = " ".join(strip_controls(value).split())
            setattr(article, name, cleaned or None)
    for name in ("body", "body_html"):
        value = getattr(article, name, None)
        if isinstance(value, str):
            setattr(article, name, strip_controls(value, keep_lines=True) or None)
    article.tags = [t for t in (" ".join(strip_controls(t).split()) for t in article.tags or [] if isinstance(t, str)) if t]
    for items in (article.images, article.attachments):
        for item in items or []:
            for key, value in list(item.items()):
                if isinstance(value, str):
                    item[key] = " ".join(strip_controls(value).split()) or None
    for name, limit in LIMITS.items():
        value = getattr(article, name, None)
        if isinstance(value, str) and len(value) > limit:
            setattr(article, name, cap(value, limit))
            article.warnings.append(f"{name}: cut to {limit} characters (was {len(value)})")
    return article
