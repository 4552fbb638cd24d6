"""One article page → its fields, read with a platform profile's selectors.

The page is parsed once (lxml); each field is one small function over that tree. A field that
cannot be read is ``None`` plus a warning (which the crawl counts), never a guess. When no
profile is given, or the profile's body selector finds nothing, the generic fallback
(``crawler.extract.fallback``: trafilatura plus the Vietnamese furniture rules and the page's
metadata) takes over inside this entry point, and ``extractor`` says so.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3

from crawler.extract.clean import cut_at, drop_hidden, drop_labelled_blocks, drop_selectors
from crawler.extract.dom import HtmlElement, drop, find_parent, first, flat_text, inner_html, nesting_warning, parse_html, select
from crawler.extract.dates import ParsedDate, date_from_url, read_dates
from crawler.extract.metadata import source_text
from crawler.extract.template import Template
from crawler.extract.text import element_text, normalize_text, paragraphs, text_or_none
from crawler.profiles import Profile
from crawler.urls import WEB_SCHEMES, web_url

ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "rtf", "zip", "rar", "7z")
_ATTACHMENT_PATH = re.compile(r"\.(%s)(?:$|[/?#;])" % "|".join(ATTACHMENT_EXTENSIONS), re.I)
_CAPTION_MAX = 300

# What a sanitised body may keep: structure, emphasis, links, images and tables. No styles,
# classes, scripts, frames or event handlers.
SAFE_TAGS = {
    "p", "br", "hr", "strong", "b", "em", "i", "u", "s", "sub", "sup", "blockquote", "pre", "code",
    "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "figure", "figcaption",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
}
SAFE_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


@dataclass
class ExtractedArticle:
    """The fields of one article page, ready for storage (all text NFC, dates ISO 8601 +07:00)."""

    url: str
    title: str | None = None
    lead: str | None = None
    published_at: str | None = None
    published_date_only: bool = False
    updated_at: str | None = None
    author: str | None = None
    source: str | None = None  # where a reprint comes from ("Báo Hà Giang"), never the author
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    body: str | None = None
    body_html: str | None = None
    images: list[dict[str, str | None]] = field(default_factory=list)
    attachments: list[dict[str, str | None]] = field(default_factory=list)
    image_url: str | None = None
    canonical_url: str | None = None
    word_count: int = 0
    extractor: str = ""
    # The version of the portal's learned template the body was cleaned with ("" for none).
    template: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def extract_article(html: str, url: str, profile: Profile | None = None, template: Template | None = None) -> ExtractedArticle:
    """Extract an article page fetched from ``url``, with ``profile``'s selectors when given.

    Without a profile, or when its body selector finds nothing (a redesign, an unknown layout),
    the page goes to the generic fallback; the fields the profile did read are kept. The
    portal's learned ``template`` (its repeated blocks) is dropped from bodies the generic path
    reads. Whatever the path, the result has no control characters and bounded
    title/lead/author (:func:`crawler.extract.finish.finish_article`).
    """
    from crawler.extract.finish import finish_article

    return finish_article(_extract_article(html, url, profile, template))


def _extract_article(html: str, url: str, profile: Profile | None, template: Template | None) -> ExtractedArticle:
    if profile is None or profile.is_generic:
        from crawler.extract.fallback import extract_generic

        return extract_generic(html, url, template=template)
    root = parse_html(html)
    if profile.drop_hidden:
        drop_hidden(root)
    scope = first(root, profile.scope) if profile.scope else None
    scope = scope if scope is not None else root
    article = ExtractedArticle(url=url, extractor=f"profile:{profile.name}")
    if nesting_warning(root):  # flattened, not cut: said and counted (portal_archive/warnings/nesting)
        article.warnings.append(nesting_warning(root))
    article.canonical_url = _canonical_link(root, url)

    article.title = text_or_none(element_text(_field_element(scope, profile, "title")))
    if article.title is None:
        article.title = _meta_title(root)
        article.warnings.append("title: profile selector found nothing; used the page <title>" if article.title else "title: not found")

    _read_dates(article, scope, profile, url)
    article.author = text_or_none(element_text(_field_element(scope, profile, "author")))
    article.source = source_text(_field_element(scope, profile, "source"))
    category_selectors = profile.fields.get("category", ())
    category = first(scope, category_selectors) if category_selectors else None
    if category is None and category_selectors:
        category = first(root, category_selectors)
    article.category = text_or_none(element_text(category))
    article.tags = [t for t in (normalize_text(flat_text(e)) for s in profile.fields.get("tags", ()) for e in select(scope, s)) if t]

    article.lead = text_or_none(element_text(_field_element(scope, profile, "lead")))
    lead_image = first(scope, profile.fields.get("lead_image", ()))

    body = first(scope, profile.fields.get("body", ()))
    if body is None:
        from crawler.extract.fallback import fill_from_fallback

        article.warnings.append("body: profile selector found nothing; used the generic fallback")
        fill_from_fallback(article, html, url)
        return article
    _clean_body(body, profile)
    fill_body(article, body, url, lead_image=lead_image)
    if article.body is None:
        article.warnings.append("body: empty after removing furniture")
    if article.image_url is None:
        article.image_url = _meta_content(root, "og:image", url)
    return article


def fill_body(article: ExtractedArticle, body: HtmlElement, url: str, *, lead_image: HtmlElement | None = None) -> None:
    """Body text, sanitised HTML, images and attachments from a cleaned body element."""
    images = _images(body, url)
    if lead_image is not None and _image_src(lead_image, url):
        images.insert(0, {"url": _image_src(lead_image, url), "caption": None})
    article.images = _unique(images, "url")
    article.attachments = _unique(_attachments(body, url), "url")
    body_paragraphs = paragraphs(body)
    if body_paragraphs and article.lead and normalize_text(body_paragraphs[0]) == article.lead:
        body_paragraphs = body_paragraphs[1:]  # the sapo pasted again as the first paragraph
    article.body = "\n\n".join(body_paragraphs) or None
    article.body_html = sanitise_html(body, url) if article.body else None
    article.word_count = len(article.body.split()) if article.body else 0
    article.image_url = article.images[0]["url"] if article.images else None


def sanitise_html(element: HtmlElement, base_url: str) -> str:
    """The element's inner HTML with absolute links and only safe markup left (nh3/ammonia)."""
    for tag, attr in (("a", "href"), ("img", "src")):
        for node in element.iter(tag):
            if node.get(attr) is None:
                continue
            resolved = web_url(node.get(attr), base_url)  # http(s) only: the one scheme rule (crawler.urls)
            if resolved:
                node.set(attr, resolved)
            else:
                del node.attrib[attr]
    cleaned = nh3.clean(
        inner_html(element),
        tags=SAFE_TAGS,
        clean_content_tags={"script", "style"},
        attributes=SAFE_ATTRIBUTES,
        url_schemes=set(WEB_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    return re.sub(r"\s+\n|\n\s+", "\n", cleaned).strip()


def _read_dates(article: ExtractedArticle, scope: HtmlElement, profile: Profile, url: str) -> None:
    """Published and updated dates from their own selectors, kept apart by their labels.

    A published element that only says "Cập nhật lúc …" gives an updated date, not a published
    one. When the page shows no publication date, a platform whose URLs encode it (``[urls]
    id_date``) supplies it, with a warning saying where it came from.
    """
    raw_published = ""
    for key in ("published", "updated"):
        selectors = profile.fields.get(key, ())
        if not selectors:
            continue
        element = first(scope, selectors)
        raw = element_text(element) or _date_attribute(element, profile)
        if not raw:
            continue
        found = read_dates(raw, default="published" if key == "published" else "updated")
        if key == "published":
            raw_published = raw
            _set_date(article, "published_at", found.published)
        if found.updated is not None and article.updated_at is None:
            article.updated_at = found.updated.isoformat()
    if article.published_at is None and profile.id_date_pattern is not None:
        from_url = date_from_url(url, profile.id_date_pattern)
        if from_url is not None:
            _set_date(article, "published_at", from_url)
            article.warnings.append("published_at: not on the page; read from the date encoded in the URL id")
            return
    if article.published_at is None and profile.fields.get("published"):
        article.warnings.append(f"published_at: unparseable date {raw_published!r}" if raw_published else "published_at: no date on the page")


def _set_date(article: ExtractedArticle, attribute: str, parsed: ParsedDate | None) -> None:
    if parsed is None:
        return
    setattr(article, attribute, parsed.isoformat())
    if attribute == "published_at":
        article.published_date_only = parsed.date_only


def _date_attribute(element: HtmlElement | None, profile: Profile) -> str:
    """A machine-readable date on the element: the profile's date attributes, then ``<time datetime>``."""
    if element is None:
        return ""
    for attribute in (*profile.date_attributes, "datetime"):
        value = element.get(attribute)
        if value and value.strip():
            return value.strip()
    time_el = element if element.tag == "time" else next(element.iter("time"), None)
    return (time_el.get("datetime") or "") if time_el is not None else ""


def _clean_body(body: HtmlElement, profile: Profile) -> None:
    cut_at(body, profile.stop_at)
    for key in ("author", "source", "lead"):
        # Lines read as their own fields are not body text. (Not the title: pasted markup can
        # carry a second title element that is real content.)
        for selector in profile.fields.get(key, ()):
            for element in select(body, selector):
                drop(element)
    drop_selectors(body, profile.drop)
    drop_labelled_blocks(body, profile.drop_labels)


def _images(body: HtmlElement, base_url: str) -> list[dict[str, str | None]]:
    found = []
    for img in body.iter("img"):
        src = _image_src(img, base_url)
        if src:
            found.append({"url": src, "caption": _caption(img)})
    return found


def _image_src(img: HtmlElement, base_url: str) -> str | None:
    """The image's http(s) URL (``src``, else a lazy-loader's ``data-src``); never data:, javascript:..."""
    return web_url(img.get("src"), base_url) or web_url(img.get("data-src"), base_url)


def _next_element(element: HtmlElement, tag: str | None = None) -> HtmlElement | None:
    for sibling in element.itersiblings():
        if isinstance(sibling.tag, str) and (tag is None or sibling.tag == tag):
            return sibling
    return None


def _caption(img: HtmlElement) -> str | None:
    """A caption is a figcaption, the next table row, or a short emphasised/centred line after it."""
    figure = find_parent(img, {"figure"})
    if figure is not None and next(figure.iter("figcaption"), None) is not None:
        return text_or_none(element_text(next(figure.iter("figcaption"))))
    cell = find_parent(img, {"td", "th"})
    if cell is not None:
        row = find_parent(cell, {"tr"})
        next_row = _next_element(row, "tr") if row is not None else None
        if next_row is not None:
            text = element_text(next_row)
            if text and len(text) <= _CAPTION_MAX and next(next_row.iter("img"), None) is None:
                return text
    block = img
    while block.getparent() is not None and block.tag not in {"p", "div", "figure", "td"}:
        block = block.getparent()
    own_text = normalize_text(flat_text(block))
    if own_text and len(own_text) <= _CAPTION_MAX and block.tag == "p" and own_text != normalize_text(img.get("alt")):
        return own_text  # "<p><img> Caption</p>"
    following = _next_element(block)
    if following is not None and next(following.iter("img"), None) is None:
        text = element_text(following)
        if text and len(text) <= _CAPTION_MAX and (_is_emphasised(following) or _is_centred(following)):
            return text
    return None


def _is_emphasised(element: HtmlElement) -> bool:
    text = normalize_text(flat_text(element))
    outermost = (e for e in element.iter("em", "i") if find_parent(e, {"em", "i"}) is None)
    emphasised = "".join(normalize_text(flat_text(e)) for e in outermost)
    return bool(text) and len(emphasised.replace(" ", "")) >= len(text.replace(" ", "")) * 0.9


def _is_centred(element: HtmlElement) -> bool:
    style = (element.get("style") or "").replace(" ", "").lower()
    return "text-align:center" in style or (element.get("align") or "").lower() == "center"


def _attachments(body: HtmlElement, base_url: str) -> list[dict[str, str | None]]:
    found = []
    for link in body.iter("a"):
        if link.get("href") is None:
            continue
        href = web_url(link.get("href"), base_url)
        if href and _ATTACHMENT_PATH.search(urlsplit(href).path):
            found.append({"url": href, "title": text_or_none(element_text(link)) or urlsplit(href).path.rsplit("/", 1)[-1]})
    return found


def _unique(items: list[dict[str, str | None]], key: str) -> list[dict[str, str | None]]:
    seen: set[str | None] = set()
    out = []
    for item in items:
        if item[key] not in seen:
            seen.add(item[key])
            out.append(item)
    return out


def _field_element(scope: HtmlElement, profile: Profile, key: str) -> HtmlElement | None:
    """The element of a field, cut at the profile's end-of-article markers.

    On broken pages a field element can swallow the furniture after it (an unclosed table
    puts "In bài viết" and "Các tin khác" inside the author cell).
    """
    selectors = profile.fields.get(key, ())
    element = first(scope, selectors) if selectors else None
    if element is not None:
        cut_at(element, profile.stop_at)
    return element


def _canonical_link(root: HtmlElement, url: str) -> str | None:
    for link in root.xpath("//link[@rel='canonical'][@href]"):
        href = link.get("href").strip()
        if href:
            return urljoin(url, href)
    return None


def _meta_title(root: HtmlElement) -> str | None:
    for meta in root.xpath("//meta[@property='og:title'][@content]"):
        if meta.get("content").strip():
            return text_or_none(meta.get("content"))
    title = root.find(".//title")
    return text_or_none(title.text_content()) if title is not None else None


def _meta_content(root: HtmlElement, prop: str, base_url: str) -> str | None:
    for meta in root.xpath("//meta[@property=$prop][@content]", prop=prop):
        resolved = web_url(meta.get("content"), base_url)
        if resolved:
            return resolved
    return None
