"""liferay-hcmc profile (HCMC's Liferay, instanceable Asset Publisher) on our own pages (tests/fixtures/liferay-hcmc)."""

from __future__ import annotations

import pytest

from crawler.extract import extract_article, find_links
from crawler.extract.clean import parse_html
from crawler.extract.recognise import recognise_platform, scores
from crawler.profiles import load_profile
from tests.platforms.fixture_pages import ARTICLE_FIELDS, PlatformFixtures, snippet_failures

PAGES = PlatformFixtures("liferay-hcmc")
PROFILE = load_profile("liferay-hcmc")
ARTICLE = "govap_2020-09-25_article.html"
LISTING = "govap_2020-09-25_listing.html"


def test_article_fields_with_published_and_updated_apart():
    article = extract_article(PAGES.page(ARTICLE), PAGES.url(ARTICLE), PROFILE).to_dict()
    expected = PAGES.expected[ARTICLE]
    assert {k: article[k] for k in ARTICLE_FIELDS} == {k: expected[k] for k in ARTICLE_FIELDS}
    assert snippet_failures(article["body"], expected) == ([], [])
    assert article["extractor"] == "profile:liferay-hcmc"


def test_listing_items_and_pagination():
    links = find_links(PAGES.page(LISTING), PAGES.url(LISTING), PROFILE)
    assert (links.articles, links.pages) == (PAGES.expected[LISTING]["item_urls"], PAGES.expected[LISTING]["next_page_urls"])
    assert [PROFILE.page_number(u) for u in links.pages] == [2, 3]
    assert links.sections == ["https://govap.hochiminhcity.gov.vn/web/govap/trang-chu", "https://govap.hochiminhcity.gov.vn/web/govap/tin-tuc"]


def test_an_update_label_alone_gives_no_publication_date():
    html = PAGES.page(ARTICLE).replace("ngày 21 tháng 9 năm 2020", "Cập nhật lúc 07:30 ngày 23/09/2020")
    article = extract_article(html, PAGES.url(ARTICLE), PROFILE)
    assert (article.published_at, article.updated_at) == (None, "2020-09-23T07:30:00+07:00")


@pytest.mark.parametrize("name", sorted(PAGES.meta))
def test_recognised_as_hcmc_not_hanoi(name):
    found = scores(parse_html(PAGES.page(name)), PAGES.url(name))
    assert found["liferay-hcmc"] > found["liferay-hanoi"]
    assert recognise_platform(PAGES.page(name), PAGES.url(name)).name == "liferay-hcmc"
