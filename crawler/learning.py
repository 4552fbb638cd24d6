"""Learning a portal's template from its stored pages, and re-extracting what it changes.

The generic path reaches zero furniture leaks by dropping the blocks a portal repeats on its
article pages (``crawler.extract.template``). Those blocks are learned from the archive's own
snapshots of the portal's articles, after a crawl, an import or before ``reextract``; articles
extracted before the template was learned (the first pages of a first crawl) or with an older
one are then re-extracted from their snapshots: no network, every change a new version.

Talks to the archive only through its storage API (``archive.store``, ``archive.templates``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote, unquote

from archive import store
from archive import templates as template_store
from crawler.contracts.charset import decode_response
from crawler.extract import extract_article, extract_page
from crawler.extract.dom import HtmlElement, parse_html
from crawler.extract.template import Template, learn_template, page_fingerprints
from crawler.urls import normalise_url

# Article pages the template is learned from: the portal's first ones, so it stays the same
# once a portal has this many (and re-extraction does not churn).
TEMPLATE_SAMPLE = 50
PageExtractor = Callable[[bytes, str, dict], "dict | None"]


def stored_template(db: Any, portal_id: str) -> Template:
    """The portal's template as the archive keeps it (empty when none was learned yet)."""
    found = template_store.load_template(db, portal_id)
    return Template(frozenset(found[1]), found[2]) if found else Template()


def relearn_template(db: Any, portal_id: str) -> Template:
    """Learn the portal's template from its stored article pages and keep it when it changed."""
    pages = []
    for row in template_store.template_sample(db, portal_id, limit=TEMPLATE_SAMPLE):
        html = decode_response(store.snapshot_body(db, row["snapshot_id"]), json.loads(row["headers"] or "{}"))
        pages.append(page_fingerprints(parse_html(html)))
    template = learn_template(pages)
    found = template_store.load_template(db, portal_id)
    if template and (found is None or found[0] != template.version):
        template_store.save_template(db, portal_id, version=template.version, blocks=sorted(template.blocks), pages=template.pages)
    return template if template else stored_template(db, portal_id)


def page_extractor(portal: Any, template: Template | None = None, *, articles_only: bool = True) -> PageExtractor:
    """An ``archive.store.PageExtractor`` for one registry portal: :func:`crawler.extract.extract_page`, as the spider calls it.

    With a profile, pages whose URL is no article URL of the platform give None. The generic
    platform has no article URL shapes: its caller decides which pages are articles
    (``articles_only=False``, e.g. re-extraction of stored articles, or an import's classification).
    """
    profile = portal.profile()

    def extract(body: bytes, url: str, headers: dict) -> dict | None:
        if articles_only and not profile.is_article_url(url):
            return None
        return extract_page(body, url, headers, profile, template=template).fields()

    return extract


def refresh_generic_articles(db: Any, portal: Any) -> dict[str, int]:
    """After new pages of a generic portal were stored: relearn its template, re-extract stale articles.

    Returns counts (``updated``, ``unchanged``, ``skipped``). Portals with a profile are left alone.
    """
    counts = {"updated": 0, "unchanged": 0, "skipped": 0}
    if not portal.profile().is_generic:
        return counts
    template = relearn_template(db, portal.id)
    stale = set(template_store.articles_with_other_template(db, portal.id, template.version))
    if not stale:
        return counts
    extract = page_extractor(portal, template, articles_only=False)
    for row in store.articles_for_reextraction(db, portal_id=portal.id):
        if row["id"] not in stale:
            continue
        fields = extract(store.snapshot_body(db, row["snapshot_id"]), row["snapshot_url"], json.loads(row["headers"] or "{}"))
        if fields is None:
            counts["skipped"] += 1
            continue
        fields["url"] = row["url"]  # the article keeps its identity
        result = store.upsert_article(db, fields, portal_id=portal.id, province=row["province"], snapshot_id=row["snapshot_id"],
                                      seen_at=row["last_fetched_at"], origin="reextract", sighting=False)
        counts[result if result != "new" else "updated"] += 1
    return counts


# -- imports of a portal with no profile ----------------------------------------------------------

# Links inside a saved copy point at other files of the copy: they are resolved against the
# file's own path under this made-up host, then mapped back to those files' original URLs.
_LOCAL = "http://saved-copy.invalid/"


@dataclass
class StoredPage:
    """A page an import stored as a snapshot, waiting to be judged article or not."""

    snapshot_id: int
    url: str
    fetched_at: str
    headers: dict[str, Any]
    local_path: str | None = None  # its path inside a saved copy (links in copies are relative to it)


# Pages the site-wide template (header, menu, footer: what every kind of page repeats) is
# learned from when an import judges its pages.
SITE_SAMPLE = 200
# A URL shape linked as an article this rarely (share of all linked URLs) is a stray: a home
# page's list of categories, a listing linked from one box.
MIN_SHAPE_SHARE = 0.1


def _of_main_shapes(urls: set[str]) -> set[str]:
    """The linked URLs of the shapes most of them have (article URLs share a shape per portal)."""
    from collections import Counter

    from crawler.extract.discover import url_shape

    shapes = Counter(url_shape(u) for u in urls)
    keep = {shape for shape, n in shapes.items() if n >= max(2, MIN_SHAPE_SHARE * len(urls))}
    return {u for u in urls if url_shape(u) in keep}


def import_generic_pages(db: Any, portal: Any, pages: list[StoredPage], *, origin: str) -> list[str]:
    """Store the articles among an import's pages of a generic portal; returns each stored article's result.

    The generic platform knows neither article URLs nor furniture until it has seen the portal:
    the site-wide template is learned from a sample of the pages, then each page is judged (does
    it read as an article?) and its links kept (a listing's main list, an article's same-shape
    box); a page is an article when it reads as one or is so linked; the portal's template is
    learned from the first article pages, and the articles are extracted with it. Pages are
    read again from their snapshots rather than held, so memory is flat in the pages imported.
    """
    from crawler.extract.discover import same_shape_links
    from crawler.extract.listing import find_links
    from crawler.extract.pagekind import looks_like_article

    profile = portal.profile()
    by_local = {}
    for page in pages:
        if page.local_path:
            by_local[page.local_path] = page.url
            if page.local_path.rsplit("/", 1)[-1] in ("index.html", "index.htm"):
                by_local[page.local_path.rsplit("/", 1)[0] + "/" if "/" in page.local_path else ""] = page.url
    def originals(links: list[str]) -> set[str]:
        """Links as original URLs: a saved copy's links name its files, mapped back to their URLs."""
        found = set()
        for link in links:
            if link.startswith(_LOCAL):
                link = by_local.get(unquote(link.removeprefix(_LOCAL).split("?", 1)[0].split("#", 1)[0]))
            if link:
                found.add(normalise_url(link))
        return found

    def read(page: StoredPage) -> tuple[str, HtmlElement]:
        html = decode_response(store.snapshot_body(db, page.snapshot_id), page.headers)
        return html, parse_html(html)

    # What every kind of page repeats (header, menu, footer): the site-wide template, from a
    # sample, so memory stays flat however many pages the import holds.
    site_template = learn_template(page_fingerprints(read(page)[1]) for page in pages[:SITE_SAMPLE])
    linked: set[str] = set()
    reads_as_article = []
    for page in pages:
        html, root = read(page)
        bases = [page.url] + ([_LOCAL + quote(page.local_path)] if page.local_path else [])
        # judged with the site's furniture gone: a footer is no article body
        reads_as_article.append(looks_like_article(root, extract_article(html, page.url, profile, template=site_template)))
        if reads_as_article[-1]:
            # an article page's biggest link group is often the menu: only links of its own shape ("Tin khác")
            linked |= originals([u for base in bases for u in same_shape_links(root, base, [base])])
        else:
            # a listing's main list, and the same-shape headline links beside it ("Tin mới", a
            # home page's category boxes and ticker), as a crawl follows them
            main_lists = {base: find_links(root, base, profile).articles for base in bases}
            linked |= originals([u for base, main in main_lists.items() for u in main + same_shape_links(root, base, main)])
    linked = _of_main_shapes(linked)
    articles = [page for page, reads in zip(pages, reads_as_article) if reads or normalise_url(page.url) in linked]
    template = learn_template(page_fingerprints(read(page)[1]) for page in articles[:TEMPLATE_SAMPLE])
    if template:
        template_store.save_template(db, portal.id, version=template.version, blocks=sorted(template.blocks), pages=template.pages)
    extract = page_extractor(portal, template or stored_template(db, portal.id), articles_only=False)
    results = []
    for page in articles:
        fields = extract(store.snapshot_body(db, page.snapshot_id), page.url, page.headers)
        if fields is not None:
            results.append(store.upsert_article(db, fields, portal_id=portal.id, province=portal.province, snapshot_id=page.snapshot_id,
                                                seen_at=page.fetched_at, origin=origin))
    return results
