"""A cleaned body element → the article's body text, sanitised HTML, images and attachments.

Shared by the profile path (``article.py``) and the generic fallback (``fallback.py``): once
either has found and cleaned the body element, reading it is the same.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import nh3

from crawler.extract.dom import HtmlElement, find_parent, flat_text, inner_html
from crawler.extract.result import ExtractedArticle
from crawler.extract.text import element_text, normalize_text, paragraphs, text_or_none
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


def fill_body(article: ExtractedArticle, body: HtmlElement, url: str, *, lead_image: HtmlElement | None = None) -> None:
    """Body text, sanitised HTML, images and attachments from a cleaned body element."""
    images = body_images(body, url)
    if lead_image is not None and _image_src(lead_image, url):
        images.insert(0, {"url": _image_src(lead_image, url), "caption": None})
    article.images = _unique(images, "url")
    article.attachments = _unique(body_attachments(body, url), "url")
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


def body_images(body: HtmlElement, base_url: str) -> list[dict[str, str | None]]:
    """The body's images (http(s) only, lazy-loaded ones too), each with its caption when it has one."""
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


def body_attachments(body: HtmlElement, base_url: str) -> list[dict[str, str | None]]:
    """Links to documents (PDF, Word, spreadsheets, archives) in the body, with their link text as title."""
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
