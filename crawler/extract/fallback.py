"""The generic fallback: pages no profile describes, or whose profile finds no body.

Body text comes from trafilatura (``favor_precision``; body F1 0.953 on the public
article-extraction benchmark) run on the page after the Vietnamese furniture rules of
``base.toml`` (drop selectors, labelled boxes such as "Các tin khác" with their link lists)
have removed what trafilatura alone leaks. The other fields come from the page's metadata and
structure (``crawler.extract.metadata``), because trafilatura's own title on portal pages is a
portlet heading. Every article made here says ``extractor = "fallback:trafilatura"``.
"""

from __future__ import annotations

import trafilatura

from crawler.extract.article import ExtractedArticle, _canonical_link, _meta_content, fill_body
from crawler.extract.clean import drop_hidden, drop_labelled_blocks, drop_selectors, label_key
from crawler.extract.dom import HtmlElement, drop, elements, flat_text, nesting_warning, parse_html
from crawler.extract.metadata import author_element, headline, lead_element, meta_author, meta_dates, read_metadata, visible_dates
from crawler.extract.text import element_text, normalize_text, text_or_none
from crawler.profiles import load_profile

EXTRACTOR = "fallback:trafilatura"
# Furniture lines that start with a label and go on with a number or a name ("Lượt xem: 665",
# "Bản quyền thuộc UBND quận …"). Only short blocks are checked, so prose that happens to
# begin with these words is kept.
_PREFIX_LINE_MAX = 160
_CONTAINER_MIN_TEXT = 80


def extract_generic(html: str, url: str) -> ExtractedArticle:
    """Extract an article from any layout (no profile)."""
    article = ExtractedArticle(url=url, extractor=EXTRACTOR)
    root = parse_html(html)
    article.warnings.extend(filter(None, [nesting_warning(root)]))  # a page flattened, not cut (dom.parse_html)
    article.canonical_url = _canonical_link(root, url)
    _fill(article, root, url, keep_existing=False)
    return article


def fill_from_fallback(article: ExtractedArticle, html: str, url: str) -> None:
    """Complete an article whose profile found no body: fields it read stay, the rest are filled."""
    article.extractor = EXTRACTOR
    _fill(article, parse_html(html), url, keep_existing=True)


def _fill(article: ExtractedArticle, root: HtmlElement, url: str, *, keep_existing: bool) -> None:
    base = load_profile("base")
    drop_hidden(root)
    metadata = read_metadata(root)
    title, title_element = headline(root, metadata)
    if not (keep_existing and article.title):
        article.title = title
    if article.title is None:
        article.warnings.append("title: not found")

    declared = meta_dates(metadata)
    shown = visible_dates(root, title_element)
    published = declared.published or shown.published
    updated = declared.updated or shown.updated
    if article.published_at is None and published is not None:
        article.published_at = published.isoformat()
        article.published_date_only = published.date_only
    if article.updated_at is None and updated is not None:
        article.updated_at = updated.isoformat()
    if article.published_at is None and not any(w.startswith("published_at") for w in article.warnings):
        article.warnings.append("published_at: no date on the page")

    lead = lead_element(root, metadata, title_element)
    author = author_element(root, title_element)
    if article.lead is None:
        article.lead = text_or_none(element_text(lead))
    if article.author is None:
        article.author = text_or_none(element_text(author)) or meta_author(metadata)

    # What was read as its own field is not body text; furniture goes before trafilatura.
    container = article_container(title_element)
    for element in (lead, author, title_element):
        if element is not None:
            drop(element)
    drop_selectors(root, base.drop)
    drop_labelled_blocks(root.find("body") if root.find("body") is not None else root, base.drop_labels)
    body = None
    if container is not None and container.getparent() is not None:
        # The article lives with its title: extracting from that block first keeps trafilatura
        # from preferring a longer box elsewhere on the page when the article is short.
        body = _trafilatura_body(container, url)
        if body is None:
            body = _own_body(container)
    if body is None:
        body = _trafilatura_body(root, url)
    if body is not None:
        drop_labelled_blocks(body, base.drop_labels)
        _drop_prefixed_lines(body, article.author)
        fill_body(article, body, url)
    if article.body is None:
        article.warnings.append("body: the generic fallback found no article text")
    if article.image_url is None:
        article.image_url = _meta_content(root, "og:image", url)


def article_container(title_element: HtmlElement | None) -> HtmlElement | None:
    """The nearest block around the title holding some text beyond it (and not the whole page)."""
    if title_element is None:
        return None
    title_length = len(normalize_text(flat_text(title_element)))
    for ancestor in title_element.iterancestors():
        if ancestor.tag in {"body", "html"}:
            return None
        if len(normalize_text(flat_text(ancestor))) - title_length >= _CONTAINER_MIN_TEXT:
            return ancestor
    return None


def _own_body(container: HtmlElement) -> HtmlElement | None:
    """The container itself when trafilatura finds nothing in it (a short notice, a table)."""
    return container if normalize_text(flat_text(container)) else None


def _trafilatura_body(root: HtmlElement, url: str) -> HtmlElement | None:
    from lxml import etree

    html = trafilatura.extract(
        etree.tostring(root, encoding="unicode") if root.tag != "html" else root, url=url, favor_precision=True, output_format="html", include_comments=False,
        include_tables=True, include_images=True, include_links=True, with_metadata=False,
    )
    if not html:
        return None
    return parse_html(html).find("body")


def plain_trafilatura(html: str, url: str) -> dict:
    """Plain trafilatura's own fields (no furniture rules, no metadata rules): the benchmark's reference."""
    document = trafilatura.bare_extraction(html, url=url, favor_precision=True, with_metadata=True, include_comments=False, include_tables=True)
    if document is None:
        return {"title": None, "published_at": None, "lead": None, "author": None, "body": None}
    from crawler.extract.dates import parse_vn_datetime

    date = parse_vn_datetime(document.date) if document.date else None
    text = document.text or ""
    return {
        "title": text_or_none(document.title),
        "published_at": date.isoformat() if date else None,
        "lead": None,  # trafilatura has no sapo field
        "author": text_or_none(document.author),
        "body": "\n\n".join(line for line in (normalize_text(x) for x in text.split("\n")) if line) or None,
    }


def _drop_prefixed_lines(body: HtmlElement, author: str | None) -> None:
    """Short blocks opening with a furniture label, and a trailing byline equal to the author."""
    prefixes = tuple(label_key(p) for p in load_profile("base").drop_prefixes)  # crawler/platforms/base.toml
    blocks = [e for e in elements(body) if e.tag in {"p", "div", "li", "td", "h2", "h3", "h4", "h5", "h6"} and e is not body]
    for element in blocks:
        if element.getparent() is None:
            continue
        text = normalize_text(flat_text(element))
        if text and len(text) <= _PREFIX_LINE_MAX and label_key(text).startswith(prefixes):
            drop(element)
    if author:
        tail = [e for e in elements(body) if e.tag in {"p", "div"} and e is not body and normalize_text(flat_text(e))]
        if tail and normalize_text(flat_text(tail[-1])) == author:
            drop(tail[-1])
