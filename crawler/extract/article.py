"""One article page → its fields, read with a platform profile's selectors.

The page is parsed once (lxml); each field is one small function over that tree. A field that
cannot be read is ``None`` plus a warning (which the crawl counts), never a guess. When no
profile is given, or the profile's body selector finds nothing, the generic fallback
(``crawler.extract.fallback``: trafilatura plus the Vietnamese furniture rules and the page's
metadata) takes over inside this entry point, and ``extractor`` says so.
"""

from __future__ import annotations

from crawler.extract.body import fill_body
from crawler.extract.clean import cut_at, drop_hidden, drop_labelled_blocks, drop_selectors
from crawler.extract.dates import ParsedDate, date_from_url, read_dates
from crawler.extract.dom import HtmlElement, drop, first, flat_text, nesting_warning, parse_html, select
from crawler.extract.finish import finish_article
from crawler.extract.metadata import canonical_link, meta_content, meta_title, source_text
from crawler.extract.result import ExtractedArticle
from crawler.extract.template import Template
from crawler.extract.text import element_text, normalize_text, text_or_none
from crawler.profiles import Profile


def extract_article(html: str, url: str, profile: Profile | None = None, template: Template | None = None) -> ExtractedArticle:
    """Extract an article page fetched from ``url``, with ``profile``'s selectors when given.

    Without a profile, or when its body selector finds nothing (a redesign, an unknown layout),
    the page goes to the generic fallback; the fields the profile did read are kept. The
    portal's learned ``template`` (its repeated blocks) is dropped from bodies the generic path
    reads. Whatever the path, the result has no control characters and bounded
    title/lead/author (:func:`crawler.extract.finish.finish_article`).
    """
    return finish_article(_extract_article(html, url, profile, template))


def _extract_article(html: str, url: str, profile: Profile | None, template: Template | None) -> ExtractedArticle:
    if profile is None or profile.is_generic:
        # Imported here, not at the top: the fallback loads trafilatura (~0.4 s), which a page a
        # profile reads never needs. (Not a cycle: the fallback imports nothing from this module.)
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
    article.canonical_url = canonical_link(root, url)

    article.title = text_or_none(element_text(_field_element(scope, profile, "title")))
    if article.title is None:
        article.title = meta_title(root)
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
        article.image_url = meta_content(root, "og:image", url)
    return article


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
