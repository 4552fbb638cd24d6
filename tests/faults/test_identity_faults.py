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
