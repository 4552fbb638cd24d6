"""Faults in what a page says about its own identity (issue 15, points 2 and 3): a
``<link rel=canonical>`` naming another page, and ``<meta http-equiv=refresh>`` on articles.
Nothing lost, nothing hijacked: every article is stored under its own URL, once, with its own text.
"""

from __future__ import annotations

import json
import re

import pytest

from archive.demo import generate_articles
from crawler.urls import normalise_url
from tests.faults.server import FaultPortal, Rewrite

ARTICLES = generate_articles(8, seed=151)
CANONICAL = re.compile(rb'<link href="[^"]*" rel="canonical" />')


def canonical(href: str):
    return Rewrite(lambda body: CANONICAL.sub(f'<link href="{href}" rel="canonical" />'.encode(), body, count=1))


def crawl_stats(faults) -> list[dict]:
    return [json.loads(s) for (s,) in faults.rows("select stats from crawls order by id")]


@pytest.mark.fault("15.2 rel=canonical naming another article, another port, another host, the home page")
def test_a_canonical_link_to_another_page_never_hijacks_an_article(faults):
    a = ARTICLES
    with FaultPortal(ARTICLES) as site:
        other_port = site.base_url.rsplit(":", 1)[0] + ":1"
        site.on(a[1].path, canonical(site.base_url + a[0].path))          # page B claims to be article A
        site.on(a[2].path, canonical(other_port + a[2].path))             # itself, on another port of the host
        site.on(a[3].path, canonical("https://evil.example" + a[3].path))  # another host
        site.on(a[4].path, canonical(site.base_url + "/"))                # the home page
        # a variant of itself: trusted (stored under the canonical form, tracking dropped)
        variant = site.base_url + a[5].path + "?utm_source=zalo#binh-luan"
        site.on(a[5].path, canonical(variant))
        first = faults.crawl(site)
        assert first.returncode == 0, first.stderr
        full = faults.crawl(site, extra=("--full",))  # a re-check must not flip A between two contents
        assert full.returncode == 0, full.stderr
    faults.expect(site, ARTICLES)
    assert normalise_url(variant) == site.base_url + a[5].path
    rows = {url: (title, version) for url, title, version in faults.rows("select url, title, version from articles")}
    assert rows == {site.base_url + x.path: (x.title, 1) for x in ARTICLES}
    assert faults.rows("select count(*) from article_versions") == [(8,)]
    # counted where the page was extracted (the --full re-check gets 304 Not Modified: nothing to count)
    assert crawl_stats(faults)[0].get("portal_archive/canonical_ignored") == 4


def refresh(target: str, delay: int = 0):
    tag = f'<meta http-equiv="Refresh" content="{delay}; URL={target}" />'.encode()
    return Rewrite(lambda body: body.replace(b"<head>", b"<head>\n" + tag, 1))


@pytest.mark.fault("15.3 meta refresh on articles (to itself, to another article, off-site) and on a listing")
def test_a_meta_refresh_never_loses_an_article(faults):
    a = ARTICLES
    with FaultPortal(ARTICLES) as site:
        site.on(a[1].path, refresh(a[1].path + "?reload=1"))             # to itself with a parameter
        site.on(a[2].path, refresh(site.base_url + a[3].path))           # to another article
        site.on(a[4].path, refresh("http://evil.example/phishing"))      # off-site
        site.on(a[5].path, refresh("https://127.0.0.2:1/"))              # another host (a closed port)
        category = next(iter(site.by_category))
        site.on(f"/vi/{category}", refresh("http://evil.example/"))      # a listing refreshing off-site
        result = faults.crawl(site)
        assert result.returncode == 0, result.stderr
        assert not site.hits_of(a[1].path + "?reload=1") and not [t for t, _ in site.hits if "reload=" in t]
    faults.expect(site, ARTICLES)
    rows = {url: (title, fetched) for url, title, fetched in faults.rows("select url, title, fetched_url from articles")}
    assert rows == {site.base_url + x.path: (x.title, site.base_url + x.path) for x in ARTICLES}
    stats = crawl_stats(faults)[0]
    assert stats.get("portal_archive/meta_refresh_ignored") == 4  # the article pages: archived as served
    assert stats.get("portal_archive/meta_refresh_offsite") == 3  # two articles and the listing: recorded, not followed
    assert faults.rows("select outcome, errors from crawls") == [("ok", 0)]


@pytest.mark.fault("15.10 --max-pages 2 against 150 unnumbered pagination links and an article linking 2,000 articles")
def test_max_pages_bounds_every_way_of_reaching_new_pages(faults):
    from tests.faults.server import Rewrite as _Rewrite

    a = ARTICLES
    with FaultPortal(ARTICLES, page_size=4) as site:
        category = next(iter(site.by_category))
        listing = f"/vi/{category}"
        unnumbered = "".join(f'<a href="{listing}?sort={i}">Trang sau</a>' for i in range(150)).encode()
        site.on(listing, _Rewrite(lambda b: b.replace(b'id="_101_ocerSearchContainerPageIterator">',
                                                       b'id="_101_ocerSearchContainerPageIterator">' + unnumbered, 1)))
        hub = a[0]
        others = "".join(f'<li><a href="/vi/{category}/-/view_content/{9000000 + i}-bai-khac-{i}">Tin {i}</a></li>' for i in range(2000)).encode()
        site.on(hub.path, _Rewrite(lambda b: b.replace(b'<ul class="related_asset_list">', b'<ul class="related_asset_list">' + others, 1)))
        result = faults.crawl(site, extra=("--max-pages", "2"))
        assert result.returncode in (0, 1), result.stderr
        sorted_pages = [t for t, _ in site.hits if "sort=" in t]
        hops = [t for t, _ in site.hits if "/view_content/9" in t and "bai-khac" in t]
    faults.expect(site, ARTICLES)  # every real article is still reached within the bounds
    assert {u for (u,) in faults.rows("select url from articles")} == set(faults.expected)
    assert len(sorted_pages) <= 2  # --max-pages 2: two pagination requests per listing, numbered or not (was all 150)
    assert len(hops) <= 50  # "Các tin khác" hops are bounded per article
    stats = crawl_stats(faults)[0]
    assert stats.get("portal_archive/article_links_capped", 0) >= 1950 and stats.get("portal_archive/pages_beyond_max_pages", 0) >= 150
