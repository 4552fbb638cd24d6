"""sharepoint profile (SharePoint news portals) on our own pages in its markup (tests/fixtures/sharepoint)."""

from __future__ import annotations

import pytest

from crawler.extract import extract_article, find_links
from crawler.extract.recognise import recognise_platform
from crawler.profiles import load_profile
from tests.platforms.fixture_pages import ARTICLE_FIELDS, PlatformFixtures, snippet_failures

PAGES = PlatformFixtures("sharepoint")
PROFILE = load_profile("sharepoint")
ARTICLE = "phunhuan_2020-01-20_article.html"
LISTING = "phunhuan_2020-01-20_listing.html"


def test_article_fields():
    article = extract_article(PAGES.page(ARTICLE), PAGES.url(ARTICLE), PROFILE).to_dict()
    expected = PAGES.expected[ARTICLE]
    assert {k: article[k] for k in ARTICLE_FIELDS} == {k: expected[k] for k in ARTICLE_FIELDS}
    assert snippet_failures(article["body"], expected) == ([], [])
    assert article["extractor"] == "profile:sharepoint"


def test_listing_items_and_pagination():
    links = find_links(PAGES.page(LISTING), PAGES.url(LISTING), PROFILE)
    assert (links.articles, links.pages) == (PAGES.expected[LISTING]["item_urls"], PAGES.expected[LISTING]["next_page_urls"])
    assert [PROFILE.page_number(u) for u in links.pages] == [2, 3]
    assert "https://phunhuan.hochiminhcity.gov.vn/Pages/default.aspx" in links.sections


@pytest.mark.parametrize("url,is_article", [
    ("https://quan5.hochiminhcity.gov.vn/gioithieu/lists/posts/post.aspx?Source=%2Fgioithieu&ItemID=113", True),
    ("https://quan8.hochiminhcity.gov.vn/gioithieu/Lists/Posts/Post.aspx?ID=59", True),
    ("https://moet.gov.vn/tintuc/Pages/tin-tong-hop.aspx?ItemID=6512", True),
    ("https://phunhuan.hochiminhcity.gov.vn/Pages/default.aspx", False),
    ("https://phunhuan.hochiminhcity.gov.vn/tintuc/Pages/tin-tuc-su-kien.aspx?Page=2", False),
])
def test_article_urls_of_the_registry_seed(url, is_article):
    assert PROFILE.is_article_url(url) is is_article


def test_a_weekday_that_contradicts_the_date_is_not_guessed():
    html = PAGES.page(ARTICLE).replace("Thứ Tư, 15/01/2020 08:22", "Thứ Hai, 15/01/2020 08:22")
    article = extract_article(html, PAGES.url(ARTICLE), PROFILE)
    assert article.published_at is None
    assert article.warnings == ["published_at: unparseable date 'Thứ Hai, 15/01/2020 08:22'"]


@pytest.mark.parametrize("name", sorted(PAGES.meta))
def test_platform_is_recognised(name):
    profile = recognise_platform(PAGES.page(name), PAGES.url(name))
    assert profile is not None and profile.name == "sharepoint"
