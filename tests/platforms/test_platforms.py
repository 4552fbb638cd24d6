"""Every platform profile on its saved pages: one test per page of ``tests/fixtures/*/meta.toml``.

Each platform directory holds pages written for this project in the platform's real markup,
``meta.toml`` (each page's URL and kind) and ``expected.json`` (what a correct extractor
returns). A new platform is a new directory: the parametrised tests below pick it up. What is
particular to one platform (its date rules, its listing API) follows, one section per platform.
The real pages of hanoi-sotttt and their gold set are tested in tests/test_crawl_sotttt.py.
"""

from __future__ import annotations

import json
import re
import unicodedata

import pytest

from crawler.extract import extract_article, find_links
from crawler.extract.clean import parse_html
from crawler.extract.dates import date_from_url
from crawler.extract.listing import links_from_json
from crawler.extract.recognise import recognise_platform, scores
from crawler.profiles import load_profile
from tests.platforms.fixture_pages import ARTICLE_FIELDS, FIXTURES, PlatformFixtures, snippet_failures

# Fields every expected article states (liferay-hanoi's older expected.json leaves out the rest).
CORE_FIELDS = ("title", "published_at", "lead", "author", "category", "images", "attachments")

PLATFORMS = sorted(meta.parent.name for meta in FIXTURES.glob("*/meta.toml"))
PAGES = {platform: PlatformFixtures(platform) for platform in PLATFORMS}


def pages_of(kind: str | None = None, suffix: str = "") -> list[tuple[str, str]]:
    return [(platform, name) for platform in PLATFORMS for name, meta in sorted(PAGES[platform].meta.items())
            if (kind is None or meta["kind"] == kind) and name.endswith(suffix)]


def test_every_platform_has_saved_articles_and_listings():
    assert {"liferay-hanoi", "liferay-hcmc", "sharepoint", "vccorp"} <= set(PLATFORMS)
    for platform in PLATFORMS:
        assert load_profile(platform).name == platform
        assert PAGES[platform].names("article") and PAGES[platform].names("listing"), platform


@pytest.mark.parametrize("platform,name", pages_of("article"))
def test_article_fields(platform, name):
    article = extract_article(PAGES[platform].page(name), PAGES[platform].url(name), load_profile(platform)).to_dict()
    expected = PAGES[platform].expected[name]
    assert set(CORE_FIELDS) <= set(expected)
    fields = [k for k in ARTICLE_FIELDS if k in expected]
    assert {k: article[k] for k in fields} == {k: expected[k] for k in fields}
    assert snippet_failures(article["body"], expected) == ([], [])
    assert article["extractor"] == f"profile:{platform}"
    assert unicodedata.is_normalized("NFC", article["body"])


@pytest.mark.parametrize("platform,name", pages_of("listing"))
def test_listing_items_and_pagination(platform, name):
    links = find_links(PAGES[platform].page(name), PAGES[platform].url(name), load_profile(platform))
    expected = PAGES[platform].expected[name]
    assert (links.articles, links.pages) == (expected["item_urls"], expected["next_page_urls"])


# Whole pages only: vccorp's listing API answers with an HTML fragment, which carries no markup to recognise.
@pytest.mark.parametrize("platform,name", pages_of(suffix=".html"))
def test_platform_is_recognised_from_the_markup(platform, name):
    profile = recognise_platform(parse_html(PAGES[platform].page(name)), PAGES[platform].url(name))
    assert profile is not None and profile.name == platform
    assert recognise_platform(PAGES[platform].page(name), PAGES[platform].url(name)).name == platform  # from the text too


def test_a_plain_page_is_not_recognised():
    html = "<html><head><title>Trang chủ</title></head><body><h1>Xin chào</h1><p>Không phải Liferay.</p></body></html>"
    assert recognise_platform(parse_html(html), "https://example.gov.vn/") is None


# -- liferay-hanoi (Liferay 6.2 as Hà Nội's portals ran it) -------------------------------------

HANOI = PAGES["liferay-hanoi"]


def test_hanoi_body_html_is_sanitised_and_absolute():
    name = "hoangmai_2022-08-27_article-full.html"
    article = extract_article(HANOI.page(name), HANOI.url(name), load_profile("liferay-hanoi"))
    html = article.body_html
    for forbidden in ("<script", "onclick", "style=", "Add to Skype", "class=", "javascript:"):
        assert forbidden not in html
    assert 'src="https://hoangmai.hanoi.gov.vn/documents/1062718/4409279/ra-quan-ve-sinh-1.jpg/' in html
    assert "<p>" in html and "<table>" in html
    assert "Nguyễn" in article.body  # combining tilde folded to NFC


def test_hanoi_missing_date_is_null_with_a_warning():
    name = "hoangmai_2022-08-27_article-nodate.html"
    article = extract_article(HANOI.page(name), HANOI.url(name), load_profile("liferay-hanoi"))
    assert (article.published_at, article.lead) == (None, None)
    assert article.warnings == ["published_at: no date on the page"]


def test_hanoi_unparseable_date_is_null_never_guessed():
    name = "hoangmai_2022-08-27_article-full.html"
    html = HANOI.page(name).replace("13/05/2016", "31/02/2016")
    article = extract_article(html, HANOI.url(name), load_profile("liferay-hanoi"))
    assert article.published_at is None
    assert len(article.warnings) == 1 and article.warnings[0].startswith("published_at: unparseable date 'Ngày đăng 31/02/2016 | 4:59 PM")


def test_hanoi_listing_page_numbers_and_sections():
    name = "hoangmai_2022-08-27_listing.html"
    profile = load_profile("liferay-hanoi")
    links = find_links(HANOI.page(name), HANOI.url(name), profile)
    assert [profile.page_number(u) for u in links.pages] == [1, 2, 3]
    assert "https://hoangmai.hanoi.gov.vn/vi/trang-chu" in links.sections


# -- liferay-hcmc (HCMC's Liferay, instanceable Asset Publisher) --------------------------------

HCMC = PAGES["liferay-hcmc"]
HCMC_ARTICLE = "govap_2020-09-25_article.html"


def test_hcmc_published_and_updated_apart():
    article = extract_article(HCMC.page(HCMC_ARTICLE), HCMC.url(HCMC_ARTICLE), load_profile("liferay-hcmc"))
    expected = HCMC.expected[HCMC_ARTICLE]
    assert (article.published_at, article.updated_at) == (expected["published_at"], expected["updated_at"])
    assert article.published_at != article.updated_at


def test_hcmc_listing_page_numbers_and_sections():
    name = "govap_2020-09-25_listing.html"
    profile = load_profile("liferay-hcmc")
    links = find_links(HCMC.page(name), HCMC.url(name), profile)
    assert [profile.page_number(u) for u in links.pages] == [2, 3]
    assert links.sections == ["https://govap.hochiminhcity.gov.vn/web/govap/trang-chu", "https://govap.hochiminhcity.gov.vn/web/govap/tin-tuc"]


def test_hcmc_an_update_label_alone_gives_no_publication_date():
    html = HCMC.page(HCMC_ARTICLE).replace("ngày 21 tháng 9 năm 2020", "Cập nhật lúc 07:30 ngày 23/09/2020")
    article = extract_article(html, HCMC.url(HCMC_ARTICLE), load_profile("liferay-hcmc"))
    assert (article.published_at, article.updated_at) == (None, "2020-09-23T07:30:00+07:00")


@pytest.mark.parametrize("name", sorted(HCMC.meta))
def test_hcmc_recognised_as_hcmc_not_hanoi(name):
    found = scores(parse_html(HCMC.page(name)), HCMC.url(name))
    assert found["liferay-hcmc"] > found["liferay-hanoi"]


# -- sharepoint (SharePoint news portals) ---------------------------------------------------------

SHAREPOINT = PAGES["sharepoint"]
SHAREPOINT_ARTICLE = "phunhuan_2020-01-20_article.html"


def test_sharepoint_listing_page_numbers_and_sections():
    name = "phunhuan_2020-01-20_listing.html"
    profile = load_profile("sharepoint")
    links = find_links(SHAREPOINT.page(name), SHAREPOINT.url(name), profile)
    assert [profile.page_number(u) for u in links.pages] == [2, 3]
    assert "https://phunhuan.hochiminhcity.gov.vn/Pages/default.aspx" in links.sections


@pytest.mark.parametrize("url,is_article", [
    ("https://quan5.hochiminhcity.gov.vn/gioithieu/lists/posts/post.aspx?Source=%2Fgioithieu&ItemID=113", True),
    ("https://quan8.hochiminhcity.gov.vn/gioithieu/Lists/Posts/Post.aspx?ID=59", True),
    ("https://moet.gov.vn/tintuc/Pages/tin-tong-hop.aspx?ItemID=6512", True),
    ("https://phunhuan.hochiminhcity.gov.vn/Pages/default.aspx", False),
    ("https://phunhuan.hochiminhcity.gov.vn/tintuc/Pages/tin-tuc-su-kien.aspx?Page=2", False),
])
def test_sharepoint_article_urls_of_the_registry_seed(url, is_article):
    assert load_profile("sharepoint").is_article_url(url) is is_article


def test_sharepoint_a_weekday_that_contradicts_the_date_is_not_guessed():
    html = SHAREPOINT.page(SHAREPOINT_ARTICLE).replace("Thứ Tư, 15/01/2020 08:22", "Thứ Hai, 15/01/2020 08:22")
    article = extract_article(html, SHAREPOINT.url(SHAREPOINT_ARTICLE), load_profile("sharepoint"))
    assert article.published_at is None
    assert article.warnings == ["published_at: unparseable date 'Thứ Hai, 15/01/2020 08:22'"]


# -- vccorp (Hà Nội's platform from ~2023) -------------------------------------------------------

VCCORP = PAGES["vccorp"]
VCCORP_ARTICLE = "caugiay_2024-08-29_article.html"


@pytest.mark.parametrize("name", VCCORP.names("listing"))
def test_vccorp_api_page_numbers(name):
    profile = load_profile("vccorp")
    links = find_links(VCCORP.page(name), VCCORP.url(name), profile)
    assert links.pages
    assert [profile.page_number(u) for u in links.pages] == [int(re.search(r"/(\d+)\.htm$", u).group(1)) for u in links.pages]


def test_vccorp_an_empty_api_page_ends_the_walk():
    assert find_links("<p>Không có tin nào</p>", "https://caugiay.hanoi.gov.vn/timelinelist/2805101/9.htm", load_profile("vccorp")).pages == []


def test_vccorp_sections_come_from_the_menu():
    name = "caugiay_2024-08-29_listing.html"
    assert find_links(VCCORP.page(name), VCCORP.url(name), load_profile("vccorp")).sections == [
        "https://caugiay.hanoi.gov.vn/", "https://caugiay.hanoi.gov.vn/tin-tuc-su-kien.htm",
        "https://caugiay.hanoi.gov.vn/kinh-te-tai-chinh.htm", "https://caugiay.hanoi.gov.vn/xay-dung-do-thi.htm",
    ]


def test_vccorp_json_api_answers_give_links_and_the_next_page():
    profile = load_profile("vccorp")
    fragment = VCCORP.page("timelinelist/2805101/2.htm")
    answer = json.dumps({"success": True, "data": {"html": fragment}})
    links = links_from_json(answer, "https://caugiay.hanoi.gov.vn/timelinelist/2805101/2.htm", profile)
    assert links.articles == VCCORP.expected["timelinelist/2805101/2.htm"]["item_urls"]
    assert links.pages == ["https://caugiay.hanoi.gov.vn/timelinelist/2805101/3.htm"]
    listed = json.dumps({"items": [{"url": "/xay-dung-do-thi/thong-xe-cau-vuot-2805240901080000123.htm"}, {"url": "/gioi-thieu.htm"}]})
    assert links_from_json(listed, "https://caugiay.hanoi.gov.vn/timelinelist/2805102/2.htm", profile).articles == [
        "https://caugiay.hanoi.gov.vn/xay-dung-do-thi/thong-xe-cau-vuot-2805240901080000123.htm"]
    assert links_from_json("not json", "https://caugiay.hanoi.gov.vn/timelinelist/1/2.htm", profile).articles == []


@pytest.mark.parametrize("url,expected", [
    ("https://hanoi.gov.vn/tin-tuc-su-kien-noi-bat/x-4250808215021297.htm", "2025-08-08T21:50:21+07:00"),  # the seed's example
    ("https://caugiay.hanoi.gov.vn/kinh-te-tai-chinh/x-2805251012110827967.htm", "2025-10-12T11:08:27+07:00"),
    ("https://hadong.hanoi.gov.vn/xay-dung-do-thi/x-2809250629133018049.htm", "2025-06-29T13:30:18+07:00"),
    ("https://caugiay.hanoi.gov.vn/kinh-te-tai-chinh/x-2805251399110827967.htm", None),  # month 13: impossible
    ("https://caugiay.hanoi.gov.vn/kinh-te-tai-chinh.htm", None),
])
def test_vccorp_publication_time_read_from_the_id(url, expected):
    parsed = date_from_url(url, load_profile("vccorp").id_date_pattern)
    assert (parsed.isoformat() if parsed else None) == expected


def test_vccorp_a_redesigned_body_falls_back_to_the_generic_extractor():
    html = VCCORP.page(VCCORP_ARTICLE).replace("detail-content afcbc-body", "detail-body-v2")
    article = extract_article(html, VCCORP.url(VCCORP_ARTICLE), load_profile("vccorp"))
    assert article.extractor == "fallback:trafilatura"
    assert (article.title, article.published_at) == (VCCORP.expected[VCCORP_ARTICLE]["title"], "2024-08-28T15:28:00+07:00")
    assert "body: profile selector found nothing; used the generic fallback" in article.warnings
    assert "tập trung chống thất thu, đôn đốc thu nợ đọng thuế" in article.body
    assert "Hỗ trợ hộ kinh doanh chuyển đổi số" not in article.body  # the "Tin liên quan" box
