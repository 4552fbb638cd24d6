"""A portal's template, learned from its own pages: the blocks that repeat are furniture.

Per-page extractors (trafilatura, the base.toml labels) judge each page alone, so a footer line,
a "Designed by …" credit, a comment form or a box of links that no label names leaks into the
body. Across one portal's article pages such a block comes back identical, while the article's
own text does not. So each block (any element with text) is fingerprinted by its tag and its
normalised text; a fingerprint found on enough of a portal's article pages is part of the
portal's template, and extraction drops it from the body.

Pure: fingerprints in, a :class:`Template` out. Where the pages come from (a crawl, an import,
the archive's snapshots) and where the template is kept is the caller's business
(``crawler.learning``).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

from crawler.extract.dom import HtmlElement, drop
from crawler.extract.text import normalize_text

# A block longer than this is a container of the article, never furniture repeated verbatim.
BLOCK_TEXT_MAX = 2000
# Too few pages cannot tell furniture from coincidence.
MIN_PAGES = 3
# A block is furniture when it is on at least this share of the sample (and on two pages at
# least). Furniture of article pages is on nearly all of them; sidebars that change with the
# category are on fewer, hence well below one half.
MIN_SHARE = 0.3
_SKIP_TAGS = {"html", "head", "title", "meta", "link", "script", "style", "noscript", "template"}


@dataclass(frozen=True)
class Template:
    """The furniture fingerprints of one portal and the number of pages they were learned from."""

    blocks: frozenset[str] = frozenset()
    pages: int = 0

    @property
    def version(self) -> str:
        """A short id of the block set: articles record it, so a changed template finds them."""
        if not self.blocks:
            return ""
        digest = hashlib.sha1("\n".join(sorted(self.blocks)).encode("ascii"))
        return digest.hexdigest()[:12]

    def __bool__(self) -> bool:
        return bool(self.blocks)


def _fingerprint(tag: str, text: str) -> str:
    return hashlib.sha1(f"{tag}\x00{text}".encode("utf-8")).hexdigest()[:16]


def _blocks(root: HtmlElement) -> Iterable[tuple[HtmlElement, str]]:
    """(element, fingerprint) for every element of the page body with a short text of its own."""
    body = root.find("body")
    for element in (body if body is not None else root).iter():
        tag = element.tag
        if not isinstance(tag, str) or tag in _SKIP_TAGS:
            continue
        text = normalize_text(element.text_content())
        if text and len(text) <= BLOCK_TEXT_MAX:
            yield element, _fingerprint(tag, text)


def page_fingerprints(root: HtmlElement) -> set[str]:
    """The block fingerprints of one page (each counted once, however often it repeats there)."""
    return {fingerprint for _, fingerprint in _blocks(root)}


def learn_template(pages: Iterable[set[str]]) -> Template:
    """The blocks found on at least ``MIN_SHARE`` of the pages (and two of them), from ``MIN_PAGES`` pages on."""
    counts: Counter[str] = Counter()
    total = 0
    for fingerprints in pages:
        counts.update(fingerprints)
        total += 1
    if total < MIN_PAGES:
        return Template(pages=total)
    threshold = max(2, math.ceil(MIN_SHARE * total))
    return Template(frozenset(fp for fp, n in counts.items() if n >= threshold), total)


def drop_template_blocks(root: HtmlElement, template: Template, *, keep: Iterable[HtmlElement] = (),
                         spare: Callable[[str], bool] | None = None) -> int:
    """Remove every block of ``template`` from the page (outermost first); returns how many.

    ``keep`` protects elements already read as fields (an ancestor holding them has text of
    its own page, so it never matches anyway); ``spare`` protects blocks by their text: a byline
    repeats on every article of a portal's one reporter, and is read later, not dropped.
    """
    if not template:
        return 0
    protected = [e for e in keep if e is not None]
    body = root.find("body")
    doomed: list[HtmlElement] = []
    stack = [body if body is not None else root]
    while stack:  # depth first, not below a block already doomed
        element = stack.pop()
        tag = element.tag
        if not isinstance(tag, str) or tag in _SKIP_TAGS:
            continue
        text = normalize_text(element.text_content())
        if not text:
            continue
        if (len(text) <= BLOCK_TEXT_MAX and _fingerprint(tag, text) in template.blocks and not any(element is e for e in protected)
                and not (spare is not None and spare(text))):
            doomed.append(element)
            continue
        stack.extend(reversed(list(element)))
    for element in doomed:
        drop(element)
    return len(doomed)
