"""One article page → its fields, read with a platform profile's selectors.

The page is parsed once; each field is one small function over that tree. A field that cannot
be read is ``None`` plus a warning (which the crawl counts), never a guess.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3
from bs4.element import Tag

from crawler.extract.clean import cut_at, drop_hidden, drop_labelled_blocks, drop_selectors, parse_html
from crawler.extract.dates import parse_vn_datetime
from crawler.extract.text import element_text, normalize_text, paragraphs, text_or_none
from crawler.profiles import Profile

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
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def extract_article(html: str, url: str, profile: Profile) -> ExtractedArticle:
    """Extract an article page of ``profile``'s platform fetched from ``url``."""
    soup = parse_html(html)
    if profile.drop_hidden:
        drop_hidden(soup)
    scope = _first(soup, profile.scope) or soup
    article = ExtractedArticle(url=url, extractor=f"profile:{profile.name}")
    article.canonical_url = _canonical_link(soup, url)

    article.title = text_or_none(element_text(_field_element(scope, profile, "title")))
    if article.title is None:
        article.title = _meta_title(soup)
        article.warnings.append("title: profile selector found nothing; used the page <title>" if article.title else "title: not found")

    _read_dates(article, scope, profile)
    article.author = text_or_none(element_text(_field_element(scope, profile, "author")))
    article.category = text_or_none(element_text(_first(scope, profile.fields.get("category", ())) or _first(soup, profile.fields.get("category", ()))))
    article.tags = [t for t in (normalize_text(e.get_text(" ")) for s in profile.fields.get("tags", ()) for e in scope.select(s)) if t]

    article.lead = text_or_none(element_text(_field_element(scope, profile, "lead")))
    lead_image = _first(scope, profile.fields.get("lead_image", ()))

    body = _first(scope, profile.fields.get("body", ()))
    if body is None:
        article.warnings.append("body: profile selector found nothing")
    else:
        _clean_body(body, scope, profile)
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
        if article.body is None:
            article.warnings.append("body: empty after removing furniture")
    article.word_count = len(article.body.split()) if article.body else 0
    article.image_url = article.images[0]["url"] if article.images else _meta_content(soup, "og:image", url)
    return article


def sanitise_html(element: Tag, base_url: str) -> str:
    """The element's inner HTML with absolute links and only safe markup left (nh3/ammonia)."""
    for tag, attr in (("a", "href"), ("img", "src")):
        for node in element.find_all(tag):
            value = node.get(attr)
            if isinstance(value, str) and value.strip():
                node[attr] = urljoin(base_url, value.strip())
    inner = "".join(str(child) for child in element.contents)
    cleaned = nh3.clean(
        inner,
        tags=SAFE_TAGS,
        clean_content_tags={"script", "style"},
        attributes=SAFE_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return re.sub(r"\s+\n|\n\s+", "\n", cleaned).strip()


def _read_dates(article: ExtractedArticle, scope: Tag, profile: Profile) -> None:
    for key, attribute in (("published", "published_at"), ("updated", "updated_at")):
        selectors = profile.fields.get(key, ())
        if not selectors:
            continue
        element = _first(scope, selectors)
        raw = element_text(element) or _datetime_attribute(element)
        parsed = parse_vn_datetime(raw) if raw else None
        if parsed is not None:
            setattr(article, attribute, parsed.isoformat())
            if key == "published":
                article.published_date_only = parsed.date_only
        elif key == "published":
            article.warnings.append(f"published_at: unparseable date {raw!r}" if raw else "published_at: no date on the page")


def _clean_body(body: Tag, scope: Tag, profile: Profile) -> None:
    cut_at(body, profile.stop_at)
    for key in ("author", "lead"):
        # Lines read as their own fields are not body text. (Not the title: pasted markup can
        # carry a second title element that is real content.)
        for selector in profile.fields.get(key, ()):
            for element in body.select(selector):
                if not element.decomposed:
                    element.decompose()
    drop_selectors(body, profile.drop)
    drop_labelled_blocks(body, profile.drop_labels)


def _images(body: Tag, base_url: str) -> list[dict[str, str | None]]:
    found = []
    for img in body.find_all("img"):
        src = _image_src(img, base_url)
        if src:
            found.append({"url": src, "caption": _caption(img)})
    return found


def _image_src(img: Tag, base_url: str) -> str | None:
    src = (img.get("src") or img.get("data-src") or "").strip()
    if not src or src.startswith("data:"):
        return None  # inline base64 images are not archived as links
    return urljoin(base_url, src)


def _caption(img: Tag) -> str | None:
    """A caption is a figcaption, the next table row, or a short emphasised/centred line after it."""
    figure = img.find_parent("figure")
    if figure is not None and figure.find("figcaption"):
        return text_or_none(element_text(figure.find("figcaption")))
    cell = img.find_parent(["td", "th"])
    if cell is not None:
        row = cell.find_parent("tr")
        next_row = row.find_next_sibling("tr") if row is not None else None
        if next_row is not None:
            text = element_text(next_row)
            if text and len(text) <= _CAPTION_MAX and not next_row.find("img"):
                return text
    block = img
    while block.parent is not None and block.name not in {"p", "div", "figure", "td"}:
        block = block.parent
    own_text = normalize_text(block.get_text(" "))
    if own_text and len(own_text) <= _CAPTION_MAX and block.name == "p" and own_text != normalize_text(img.get("alt")):
        return own_text  # "<p><img> Caption</p>"
    following = block.find_next_sibling()
    if following is not None and not following.find("img"):
        text = element_text(following)
        if text and len(text) <= _CAPTION_MAX and (_is_emphasised(following) or _is_centred(following)):
            return text
    return None


def _is_emphasised(element: Tag) -> bool:
    text = normalize_text(element.get_text(" "))
    outermost = (e for e in element.find_all(["em", "i"]) if e.find_parent(["em", "i"]) is None)
    emphasised = "".join(normalize_text(e.get_text(" ")) for e in outermost)
    return bool(text) and len(emphasised.replace(" ", "")) >= len(text.replace(" ", "")) * 0.9


def _is_centred(element: Tag) -> bool:
    style = (element.get("style") or "").replace(" ", "").lower()
    return "text-align:center" in style or (element.get("align") or "").lower() == "center"


def _attachments(body: Tag, base_url: str) -> list[dict[str, str | None]]:
    found = []
    for link in body.find_all("a", href=True):
        href = urljoin(base_url, link["href"].strip())
        if urlsplit(href).scheme in {"http", "https"} and _ATTACHMENT_PATH.search(urlsplit(href).path):
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


def _first(root: Tag, selectors: tuple[str, ...]) -> Tag | None:
    for selector in selectors:
        element = root.select_one(selector)
        if element is not None:
            return element
    return None


def _field_element(scope: Tag, profile: Profile, key: str) -> Tag | None:
    """The element of a field, cut at the profile's end-of-article markers.

    On broken pages a field element can swallow the furniture after it (an unclosed table
    puts "In bài viết" and "Các tin khác" inside the author cell).
    """
    element = _first(scope, profile.fields.get(key, ()))
    if element is not None:
        cut_at(element, profile.stop_at)
    return element


def _canonical_link(soup: Tag, url: str) -> str | None:
    link = soup.find("link", rel="canonical", href=True)
    return urljoin(url, link["href"].strip()) if link is not None and link["href"].strip() else None


def _meta_title(soup: Tag) -> str | None:
    og = soup.find("meta", property="og:title")
    if og is not None and og.get("content"):
        return text_or_none(og["content"])
    return text_or_none(soup.title.get_text()) if soup.title else None


def _meta_content(soup: Tag, prop: str, base_url: str) -> str | None:
    meta = soup.find("meta", property=prop)
    return urljoin(base_url, meta["content"]) if meta is not None and meta.get("content") else None


def _datetime_attribute(element: Tag | None) -> str:
    if element is None:
        return ""
    time_el = element if element.name == "time" else element.find("time")
    return (time_el.get("datetime") or "") if time_el is not None else ""
