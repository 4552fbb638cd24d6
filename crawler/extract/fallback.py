"""The generic fallback: pages no profile describes, or whose profile finds no body.

Body text comes from trafilatura (``favor_precision``; body F1 0.953 on the public
article-extraction benchmark) run on the page after the Vietnamese furniture rules of
``base.toml`` (drop selectors, labelled boxes such as "Các tin khác" with their link lists)
have removed what trafilatura alone leaks. The other fields come from the page's metadata and
structure (``crawler.extract.metadata``), because trafilatura's own title on portal pages is a
portlet heading. Every article made here says ``extractor = "fallback:trafilatura"``.
"""

from __future__ import annotations

from html import escape as html_escape

import trafilatura
from lxml import etree

from crawler.extract.body import fill_body
from crawler.extract.clean import drop_hidden, drop_labelled_blocks, drop_selectors, label_key
from crawler.extract.dom import HtmlElement, drop, elements, flat_text, nesting_warning, parse_html
from crawler.extract.byline import author_in_line, classify, take_byline
from crawler.extract.dateline import is_date_line
from crawler.extract.dates import DatesRead
from crawler.extract.metadata import (
    author_element, author_text, canonical_link, date_line, headline, lead_element, meta_author, meta_content, meta_dates, read_metadata,
    source_element, source_text,
)
from crawler.extract.result import ExtractedArticle
from crawler.extract.template import Template, drop_template_blocks
from crawler.extract.text import element_text, normalize_text, text_or_none
from crawler.extract.title import is_site_name
from crawler.profiles import load_profile

EXTRACTOR = "fallback:trafilatura"
# Furniture lines that start with a label and go on with a number or a name ("Lượt xem: 665",
# "Bản quyền thuộc UBND quận …"). Only short blocks are checked, so prose that happens to
# begin with these words is kept.
_PREFIX_LINE_MAX = 160
_CONTAINER_MIN_TEXT = 80
# A text of this length is a sentence, not a label, a counter or a link bar.
_HAS_SENTENCE = etree.XPath("boolean(descendant::text()[string-length(normalize-space(.)) >= 40])")


def extract_generic(html: str, url: str, template: Template | None = None) -> ExtractedArticle:
    """Extract an article from any layout (no profile), dropping the portal's learned ``template``."""
    article = ExtractedArticle(url=url, extractor=EXTRACTOR)
    root = parse_html(html)
    article.warnings.extend(filter(None, [nesting_warning(root)]))  # a page flattened, not cut (dom.parse_html)
    article.canonical_url = canonical_link(root, url)
    _fill(article, root, url, keep_existing=False, template=template)
    return article


def fill_from_fallback(article: ExtractedArticle, html: str, url: str) -> None:
    """Complete an article whose profile found no body: fields it read stay, the rest are filled."""
    article.extractor = EXTRACTOR
    _fill(article, parse_html(html), url, keep_existing=True)


def _fill(article: ExtractedArticle, root: HtmlElement, url: str, *, keep_existing: bool, template: Template | None = None) -> None:
    base = load_profile("base")
    drop_hidden(root)
    metadata = read_metadata(root)
    title, title_element = headline(root, metadata, url)
    if not (keep_existing and article.title):
        article.title = title
    if article.title is None:
        article.warnings.append("title: not found")
    container = article_container(title_element)

    shown, date_element = date_line(root, title_element, container)
    _fill_dates(article, meta_dates(metadata), shown)

    lead = lead_element(root, metadata, title_element, container)
    author = author_element(root, title_element, container)
    source = source_element(root, title_element, container)
    if article.lead is None:
        article.lead = text_or_none(element_text(lead))
    if article.author is None:
        article.author = author_text(author)
    if article.source is None:
        article.source = source_text(source)
    if article.author is None and date_element is not None:
        article.author = author_in_line(element_text(date_element))

    # What was read as its own field is not body text; furniture goes before trafilatura.
    if date_element is not None and not is_date_line(element_text(date_element)):
        date_element = None  # a short notice whose one sentence carries the date stays text
    for element in (lead, author, source, title_element, date_element):
        if element is not None and element is not container:
            drop(element)
    drop_selectors(root, base.drop)
    drop_labelled_blocks(root.find("body") if root.find("body") is not None else root, base.drop_labels)
    if template:
        # Blocks that repeat across the portal's pages are its furniture (crawler.extract.template);
        # after the labelled boxes, whose label is such a block and takes its list along.
        drop_template_blocks(root, template, keep=[container], spare=lambda text: classify(text)[0] is not None)
        article.template = template.version
    body = None
    container = _text_block(container)
    if container is not None and container.getparent() is not None:
        # The article lives with its title: extracting from that block first keeps trafilatura
        # from preferring a longer box elsewhere on the page when the article is short.
        body = _trafilatura_body(container, url)
        if body is not None and _words(body) < _words(container) * _PRECISE_ENOUGH:
            body = _fuller(body, _trafilatura_body(container, url, recall=True))
            _restore_loose_text(body, container)
        if body is None:
            body = _own_body(container)
    if body is None:
        body = _trafilatura_body(root, url)
    if body is not None:
        drop_labelled_blocks(body, base.drop_labels)
        _drop_prefixed_lines(body)
        byline = take_byline(body)
        if article.author is None:
            article.author = byline.author
        if article.source is None:
            article.source = byline.source
        fill_body(article, body, url)
        _lead_opens_body(article)
    if article.author is None and not is_site_name(meta_author(metadata)):
        article.author = meta_author(metadata)  # (a site that signs with its own name names no author)
    if article.body is None:
        article.warnings.append("body: the generic fallback found no article text")
    if article.image_url is None:
        article.image_url = meta_content(root, "og:image", url)


def _lead_opens_body(article: ExtractedArticle) -> None:
    """The body holds the article's whole text: a summary read as the lead also opens the body.

    Without selectors a summary slot is told from the first paragraph by its markup alone, and
    portals disagree on whether that text is a sapo or the article's opening; keeping it in the
    body loses nothing either way (the lead stays set apart, for display).
    """
    if not article.lead or not article.body or normalize_text(article.lead) in normalize_text(article.body):
        return
    article.body = f"{article.lead}\n\n{article.body}"
    article.body_html = f"<p>{html_escape(article.lead)}</p>\n{article.body_html or ''}"
    article.word_count = len(article.body.split())


def _fill_dates(article: ExtractedArticle, declared: DatesRead, shown: DatesRead) -> None:
    """Declared (meta, JSON-LD) dates first, then the date line nearest the headline.

    Labels keep published and updated apart; a page that shows only an update date
    ("Cập nhật: …", as many portals label their one date) gives it as the publication date
    too, with a warning saying so.
    """
    published = declared.published or shown.published
    updated = declared.updated or shown.updated
    if published is None and updated is not None:
        published = updated
        article.warnings.append("published_at: the page shows only an update date; used it")
    if article.published_at is None and published is not None:
        article.published_at = published.isoformat()
        article.published_date_only = published.date_only
    if article.updated_at is None and updated is not None:
        article.updated_at = updated.isoformat()
    if article.published_at is None and not any(w.startswith("published_at") for w in article.warnings):
        article.warnings.append("published_at: no date on the page")


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


def _text_block(container: HtmlElement | None) -> HtmlElement | None:
    """The article's block once its title, date, lead and byline are out: widened while too little text is left.

    A layout that groups headline, date and sapo in one header box, with the text in a sibling
    box, would otherwise give that header box (now empty) as the body.
    """
    block = container
    while block is not None and block.tag not in {"body", "html"}:
        if len(normalize_text(flat_text(block))) >= _CONTAINER_MIN_TEXT and _HAS_SENTENCE(block):
            return block
        block = block.getparent()
    return None


def _own_body(container: HtmlElement) -> HtmlElement | None:
    """The container itself when trafilatura finds nothing in it (a short notice, a table)."""
    return container if normalize_text(flat_text(container)) else None


# Within the article's own block, trafilatura's recall mode is taken when it reads this much
# more text: precision mode drops prose that is not in paragraphs (text after an image in a
# bare div, Word-pasted spans), and the block holds little furniture once labels are gone.
_RECALL_GAIN = 1.1
# ... and tried only when the precision-mode body misses this share of the block's words.
_PRECISE_ENOUGH = 0.97


def _words(element: HtmlElement) -> int:
    return len(flat_text(element).split())


def _fuller(precise: HtmlElement, recalled: HtmlElement | None) -> HtmlElement:
    """The recall-mode body when it holds clearly more text than the precision-mode one."""
    if recalled is None:
        return precise
    return recalled if _words(recalled) > _words(precise) * _RECALL_GAIN else precise


_INLINE = {"span", "b", "strong", "i", "em", "u", "font", "a", "img", "br", "sup", "sub", "small", "big", "abbr", "code"}
_LOOSE_MIN_WORDS = 12


def _loose_runs(container: HtmlElement) -> list[str]:
    """Prose written straight into a block, not in a paragraph: a div's own text and inline
    children up to its first block child (the text beside a floated picture, Word spans)."""
    runs = []
    for block in container.iter("div", "td", "section", "article", "blockquote"):
        parts = [block.text or ""]
        for child in block:
            if not isinstance(child.tag, str) or child.tag not in _INLINE:
                break
            parts += [child.text_content() if child.tag != "img" else "", child.tail or ""]
        text = normalize_text(" ".join(parts))
        if len(text.split()) >= _LOOSE_MIN_WORDS:
            runs.append(text)
    return runs


def _restore_loose_text(body: HtmlElement, container: HtmlElement) -> None:
    """Put back loose prose that trafilatura dropped (it reads paragraphs), at the body's start.

    Only runs of a dozen words or more are taken, from the article's own block after the
    furniture rules ran, so a label or a counter never comes back this way.
    """
    have = normalize_text(flat_text(body))
    missing = [run for run in _loose_runs(container) if run not in have]
    for text in reversed(missing):
        paragraph = body.makeelement("p", {})
        paragraph.text = text
        body.insert(0, paragraph)


def _trafilatura_body(root: HtmlElement, url: str, *, recall: bool = False) -> HtmlElement | None:
    from lxml import etree

    html = trafilatura.extract(
        etree.tostring(root, encoding="unicode") if root.tag != "html" else root, url=url, favor_precision=not recall,
        favor_recall=recall, output_format="html", include_comments=False,
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


def _drop_prefixed_lines(body: HtmlElement) -> None:
    """Short blocks opening with a furniture label ("Lượt xem: 665"); a source line stays for the byline reader."""
    prefixes = tuple(label_key(p) for p in load_profile("base").drop_prefixes)  # crawler/platforms/base.toml
    blocks = [e for e in elements(body) if e.tag in {"p", "div", "li", "td", "h2", "h3", "h4", "h5", "h6"} and e is not body]
    for element in blocks:
        if element.getparent() is None:
            continue
        text = normalize_text(flat_text(element))
        if text and len(text) <= _PREFIX_LINE_MAX and label_key(text).startswith(prefixes) and classify(text)[0] != "source":
            drop(element)
