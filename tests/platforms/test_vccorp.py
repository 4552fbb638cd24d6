"""vccorp profile (Hà Nội's platform from ~2023) on our own pages in its markup (tests/fixtures/vccorp)."""

from __future__ import annotations

import json
import re

import pytest

from crawler.extract import extract_article, find_links
from crawler.extract.dates import date_from_url
from crawler.extract.listing import links_from_json
from crawler.extract.recognise import recognise_platform
from crawler.profiles import load_profile
from tests.platforms.fixture_pages import ARTICLE_FIELDS, PlatformFixtures, snippet_failures

PAGES = PlatformFixtures("vccorp")
PROFILE = load_profile("vccorp")
ARTICLE = "caugiay_2024-08-29_article.html"


@pytest.mark.parametrize("name", PAGES.names("article"))
def test_article_fields(name):
    article = extract_article(PAGES.page(name), PAGES.url(name), PROFILE).to_dict()
    expected = PAGES.expected[name]
    assert {k: article[k] for k in ARTICLE_FIELDS} == {k: expected[k] for k in ARTICLE_FIELDS}
    assert snippet_failures(article["body"], expected) == ([], [])
    assert article["extractor"] == "profile:vccorp"


@pytest.mark.parametrize("name", PAGES.names("listing"))
def test_listing_items_and_api_pagination(name):
    links = find_links(PAGES.page(name), PAGES.url(name), PROFILE)
    assert (links.articles, links.pages) == (PAGES.expected[name]["item_urls"], PAGES.expected[name]["next_page_urls"])
    assert [PROFILE.page_number(u) for u in links.pages] == [int(re.search(r"/(\d+)\.htm$", u).group(1)) for u in links.pages]


def test_an_empty_api_page_ends_the_walk():
    assert find_links("<p>Không có tin nào</p>", "https://caugiay.hanoi.gov.vn/timelinelist/2805101/9.htm", PROFILE).pages == []


def test_sections_come_from_the_menu():
    name = "caugiay_2024-08-29_listing.html"
    assert find_links(PAGES.page(name), PAGES.url(name), PROFILE).sections == [
        "https://caugiay.hanoi.gov.vn/", "https://caugiay.hanoi.gov.vn/tin-tuc-su-kien.htm",
        "https://caugiay.hanoi.gov.vn/kinh-te-tai-chinh.htm", "https://caugiay.hanoi.gov.vn/xay-dung-do-thi.htm",
    ]


def test_json_api_answers_give_links_and_the_next_page():
    fragment = PAGES.page("timelinelist/2805101/2.htm")
    answer = json.dumps({"success": True, "data": {"html": fragment}})
    links = links_from_json(answer, "https://caugiay.hanoi.gov.vn/timelinelist/2805101/2.htm", PROFILE)
    assert links.articles == PAGES.expected["timelinelist/2805101/2.htm"]["item_urls"]
    assert links.pages == ["https://caugiay.hanoi.gov.vn/timelinelist/2805101/3.htm"]
    listed = json.dumps({"items": [{"url": "/xay-dung-do-thi/thong-xe-cau-vuot-2805240901080000123.htm"}, {"url": "/gioi-thieu.htm"}]})
    assert links_from_json(listed, "https://caugiay.hanoi.gov.vn/timelinelist/2805102/2.htm", PROFILE).articles == [
        "https://caugiay.hanoi.gov.vn/xay-dung-do-thi/thong-xe-cau-vuot-2805240901080000123.htm"]
    assert links_from_json("not json", "https://caugiay.hanoi.gov.vn/timelinelist/1/2.htm", PROFILE).articles == []


@pytest.mark.parametrize("url,expected", [
    ("https://hanoi.gov.vn/tin-tuc-su-kien-noi-bat/x-4250808215021297.htm", "2025-08-08T21:50:21+07:00"),  # the seed's example
    ("https://caugiay.hanoi.gov.vn/kinh-te-tai-chinh/x-2805251012110827967.htm", "2025-10-12T11:08:27+07:00"),
    ("https://hadong.hanoi.gov.vn/xay-dung-do-thi/x-2809250629133018049.htm", "2025-06-29T13:30:18+07:00"),
    ("https://caugiay.hanoi.gov.vn/kinh-te-tai-chinh/x-2805251399110827967.htm", None),  # month 13: impossible
    ("https://caugiay.hanoi.gov.vn/kinh-te-tai-chinh.htm", None),
])
def test_publication_time_read_from_the_id(url, expected):
    parsed = date_from_url(url, PROFILE.id_date_pattern)
    assert (parsed.isoformat() if parsed else None) == expected


def test_a_redesigned_body_falls_back_to_the_generic_extractor():
    html = PAGES.page(ARTICLE).replace("detail-content afcbc-body", "detail-body-v2")
    article = extract_article(html, PAGES.url(ARTICLE), PROFILE)
    assert article.extractor == "fallback:trafilatura"
    assert (article.title, article.published_at) == (PAGES.expected[ARTICLE]["title"], "2024-08-28T15:28:00+07:00")
    assert "body: profile selector found nothing; used the generic fallback" in article.warnings
    assert "tập trung chống thất thu, đôn đốc thu nợ đọng thuế" in article.body
    assert "Hỗ trợ hộ kinh doanh chuyển đổi số" not in article.body  # the "Tin liên quan" box


@pytest.mark.parametrize("name", [n for n in sorted(PAGES.meta) if n.endswith(".html")])
def test_platform_is_recognised(name):
    profile = recognise_platform(PAGES.page(name), PAGES.url(name))
    assert profile is not None and profile.name == "vccorp"
