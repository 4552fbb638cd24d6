"""Where a crawl may go (issue 8, points 6 and 7): redirects of every kind, and robots.txt."""

from __future__ import annotations

import pytest

from archive.demo import generate_articles
from tests.faults.server import FaultPortal, Redirect, Rewrite, Status

ARTICLES = generate_articles(8, seed=31)


@pytest.mark.fault("6. redirect chain, loop, off the portal, article → home page")
def test_redirects_are_followed_on_the_portal_only_and_home_page_redirects_are_not_articles(faults):
    a = ARTICLES
    with FaultPortal(ARTICLES) as site, FaultPortal(generate_articles(2, seed=99), portal_id="elsewhere") as other:
        # a chain: the listing links an old address that redirects three times before the article
        old = a[0].path.replace("/-/view_content/", "/-/view_content/1") + "-cu"
        site.on(old, Redirect(old + "-2", 301))
        site.on(old + "-2", Redirect(old + "-3", 302))
        site.on(old + "-3", Redirect(a[0].path, 307))
        chain_link = f'<h3 class="asset-title"><a href="{old}">cũ</a></h3>'.encode()
        for category in site.by_category:
            site.on(f"/vi/{category}", Rewrite(lambda b: b.replace(b'<h3 class="asset-title">', chain_link + b'<h3 class="asset-title">', 1)))
        site.on(a[1].path, Redirect(a[1].path + "-vong", 302))  # a loop
        site.on(a[1].path + "-vong", Redirect(a[1].path, 302))
        elsewhere = other.base_url.replace("127.0.0.1", "localhost") + other.articles[0].path
        site.on(a[2].path, Redirect(elsewhere, 302))  # another site (same machine, another host name)
        site.on(a[3].path, Redirect("/", 302))  # taken down: the home page instead (→ /vi/trang-chu)
        first = faults.crawl(site)
        assert first.returncode == 0, first.stderr
        assert len(site.hits_of(old + "-3")) == 1 and site.hits_of(a[0].path)
        assert len(site.hits_of(a[1].path)) <= 2  # the loop ends at once (seen URL), never 20 hops
        assert other.requests_served == 0  # not followed into another site
        assert site.hits_of(a[3].path) and site.hits_of("/vi/trang-chu")
        urls = {u for (u,) in faults.rows("select url from articles")}
        assert urls == {site.base_url + x.path for x in a if x not in (a[1], a[2], a[3])}
        assert faults.rows("select count(*) from articles where title like '%Trang chủ%' or url not like '%/-/view_content/%'") == [(0,)]

        # a known article that now redirects to the home page is marked gone, and kept
        site.on(a[4].path, Redirect("/", 301))
        full = faults.crawl(site, extra=("--full",))
        assert full.returncode == 0, full.stderr
    gone = faults.article(site.base_url + a[4].path)
    assert (gone["gone_status"], gone["version"], gone["title"]) == (301, 1, a[4].title) and gone["gone_at"]
    assert faults.rows("select articles_gone from crawls order by id") == [(0,), (1,)]
    assert faults.rows("select count(*) from articles") == [(5,)]
    faults.refuse(site, [a[1], a[2], a[3]])  # no article at those addresses: a loop, another site, the home page
    faults.expect(site, [x for x in a if x not in (a[1], a[2], a[3])])


@pytest.mark.fault("7. robots.txt disallowing articles; robots.txt answering 500")
def test_robots_txt_is_obeyed_and_a_broken_one_means_disallow_all(faults):
    a = ARTICLES
    with FaultPortal(ARTICLES) as site:
        closed = a[0].category  # this category's articles are off limits
        rules = f"User-agent: *\nDisallow: /vi/{closed}/-/view_content/\n".encode()
        site.on("/robots.txt", Rewrite(lambda b: rules, "text/plain"))
        result = faults.crawl(site)
        assert result.returncode == 0, result.stderr
        forbidden = [x for x in a if x.category == closed]
        assert forbidden and not any(site.hits_of(x.path) for x in forbidden)
        allowed = [x for x in a if x.category != closed]
    faults.refuse(site, forbidden)
    faults.expect(site, allowed)
    assert {u for (u,) in faults.rows("select url from articles")} == set(faults.expected)

    with FaultPortal(ARTICLES, portal_id="robots-500") as broken:
        broken.on("/robots.txt", Status(500))
        result = faults.crawl(broken)
        assert result.returncode == 1
        assert {target for target, _ in broken.hits} == {"/robots.txt"}  # asked (with its retries), nothing else
        assert len(broken.hits) == 3
        assert f"error: robots-500: start URL unreachable ({len(broken.categories)} failed), first: {broken.base_url}/vi/" in result.stderr
        assert "robots.txt answered HTTP 500: disallowed (RFC 9309)" in result.stderr
    faults.refuse(broken, ARTICLES)
    assert faults.rows("select outcome from crawls order by id") == [("ok",), ("failed",)]
