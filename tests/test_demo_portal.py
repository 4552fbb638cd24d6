"""The bundled demo portal serves the real liferay-hanoi markup over HTTP on 127.0.0.1."""

from __future__ import annotations

import http.client
import io
import math
import re
import unicodedata
import urllib.error
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from archive.demo import CATEGORIES, DemoPortal, generate_articles, load_articles

ARTICLES = load_articles()


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def soup_of(url: str) -> BeautifulSoup:
    status, headers, body = fetch(url)
    assert status == 200, url
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    return BeautifulSoup(body.decode("utf-8"), "lxml")


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


@pytest.fixture(scope="module")
def portal():
    with DemoPortal() as running:
        yield running


# --------------------------------------------------------------------------- data
def test_bundled_data_covers_what_the_crawler_and_search_tests_need():
    assert len(ARTICLES) >= 24
    by_category = {c.slug: [a for a in ARTICLES if a.category == c.slug] for c in CATEGORIES}
    assert {k: len(v) for k, v in by_category.items()} == {
        "tin-tuc-su-kien": 13, "kinh-te-xa-hoi": 7, "cai-cach-hanh-chinh": 5}
    assert len({a.id for a in ARTICLES}) == len(ARTICLES)
    assert all(re.fullmatch(r"\d{7}", str(a.id)) for a in ARTICLES)
    everything = " ".join([a.title + " " + (a.lead or "") + " " + " ".join(a.paragraphs) for a in ARTICLES])
    assert everything == unicodedata.normalize("NFC", everything)
    for word in ("đảng", "Đại biểu", "Hoàng Mai", "Đại hội Đảng bộ", "cải cách hành chính"):
        assert word in everything, word
    assert sum(1 for a in ARTICLES if any(i["caption"] for i in a.images)) >= 6
    assert sum(1 for a in ARTICLES if a.attachments) >= 3
    assert [a.id for a in ARTICLES if a.published_at is None] == [2054912]
    years = {a.published_at.year for a in ARTICLES if a.published_at}
    assert min(years) == 2012 and max(years) == 2024
    assert any("| 12:30 PM" in a.date_text for a in ARTICLES)
    assert any("| 12:00 AM" in a.date_text for a in ARTICLES)
    assert any(a.lead is None for a in ARTICLES)
    seed = next(a for a in ARTICLES if a.title.startswith("Nâng cao chất lượng các tổ chức cơ sở đảng"))
    assert seed.title == "Nâng cao chất lượng các tổ chức cơ sở đảng trong doanh nghiệp ở quận Hoàng Mai"


def test_date_strings_follow_the_category_templates():
    by_id = {a.id: a for a in ARTICLES}
    assert by_id[1383512].date_text == "Ngày đăng 13/05/2016 | 4:53 PM | View count: 1648"
    assert by_id[1383512].listing_date_text == "Ngày đăng 13/05/2016 | 04:53 PM | View count: 1648"
    assert by_id[3547011].date_text == "Ngày đăng 08/01/2020 | 2:58 PM"
    assert by_id[1384005].date_text == "13/05/2016 | 4:59 PM"
    assert by_id[2054912].date_text == ""
    assert by_id[1383512].published_iso == "2016-05-13T16:53:00+07:00"
    assert by_id[2161842].published_iso == "2013-01-16T00:00:00+07:00"


# --------------------------------------------------------------------------- pages
def test_home_links_to_the_categories(portal):
    soup = soup_of(portal.base_url + "/vi/trang-chu")
    assert soup.html["class"] == ["aui", "ltr"] and soup.html["lang"] == "vi-VN"
    assert soup.title.string == "Trang chủ - Cổng thông tin điện tử Quận Hoàng Mai"
    menu = {a["href"] for a in soup.select("nav#navigation a")}
    assert {"/vi/trang-chu"} | {f"/vi/{c.slug}" for c in CATEGORIES} <= menu
    assert [a["href"] for a in soup.select("h3.tlecmh3 a.hdCM")] == [f"/vi/{c.slug}" for c in CATEGORIES]
    linked = {a["href"] for a in soup.select("#column-1 a[href]")}
    assert portal.by_category["tin-tuc-su-kien"][0].path in linked


def test_root_redirects_to_the_home_page(portal):
    host, port = urlsplit(portal.base_url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/")
    response = connection.getresponse()
    response.read()
    assert (response.status, response.getheader("Location")) == (302, "/vi/trang-chu")
    connection.close()


@pytest.mark.parametrize("category", [c.slug for c in CATEGORIES])
def test_listing_pages_link_their_items_and_the_next_page(portal, category):
    expected = portal.by_category[category]
    pages = math.ceil(len(expected) / 10)
    url = portal.base_url + f"/vi/{category}"
    for page in range(1, pages + 1):
        soup = soup_of(url)
        items = soup.select("#p_p_id_101_ div.asset-abstract h3.asset-title > a")
        assert [a["href"] for a in items] == [a.path for a in expected[(page - 1) * 10: page * 10]]
        assert [text(a) for a in items] == [a.title for a in expected[(page - 1) * 10: page * 10]]
        first_item = soup.select_one("#p_p_id_101_ div.asset-content.normal-news")
        assert first_item.select_one("div.asset-content-custom h3.asset-title > a")
        assert first_item.select_one("div.assetPublishDate.block_timer")
        assert text(soup.select_one("div.dd_chuyenmuc span.tintuc")) == portal.by_category[category][0].category_name
        if pages == 1:  # like the real single-page categories: no page iterator at all
            assert soup.select_one("div.taglib-page-iterator") is None
            break
        buttons = soup.select("div.taglib-page-iterator ul.pager.lfr-pagination-buttons li")
        assert [text(li.a) for li in buttons] == ["← Đầu tiên", "Trước", "next", "Cuối cùng →"]
        next_li = buttons[2]
        total = len(expected)
        assert text(soup.select_one("small.search-results")) == (
            f"Hiển thị {(page - 1) * 10 + 1} - {min(page * 10, total)} of {total} kết quả.")
        menu = [a["href"] for a in soup.select("ul.dropdown-menu li.custom-paging > a")]
        assert len(menu) == pages and menu[0].endswith("&_101_cur=1")
        if page == pages:
            assert "disabled" in next_li["class"] and next_li.a["href"] == "javascript:;"
            assert buttons[3]["class"] == ["disabled", "last"]
        else:
            assert "disabled" not in next_li.get("class", [])
            assert next_li.a["href"] == (
                f"/vi/{category}?p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view"
                "&p_p_col_id=column-1&p_p_col_pos=1&p_p_col_count=2&_101_delta=10&_101_keywords="
                "&_101_advancedSearch=false&_101_andOperator=true&p_r_p_564233524_resetCur=false"
                f"&_101_cur={page + 1}")
            url = urljoin(url, next_li.a["href"])
    assert pages == (2 if category == "tin-tuc-su-kien" else 1)


def test_pagination_hrefs_are_html_escaped(portal):
    _, _, body = fetch(portal.base_url + "/vi/tin-tuc-su-kien")
    assert b"p_p_id=101&amp;p_p_lifecycle=0&amp;" in body and b"&amp;_101_cur=2" in body


def test_listing_page_two_exists_and_page_three_does_not(portal):
    page2 = portal.base_url + portal.listing_url("tin-tuc-su-kien", 2)
    soup = soup_of(page2)
    assert len(soup.select("#p_p_id_101_ div.asset-abstract")) == 3
    assert soup.select_one("link[rel=canonical]")["href"] == page2
    assert fetch(portal.base_url + portal.listing_url("tin-tuc-su-kien", 3))[0] == 404
    assert soup_of(portal.base_url + "/vi/tin-tuc-su-kien").select_one(
        "ul.pager li.first")["class"] == ["disabled", "first"]


def test_listing_dates_are_zero_padded(portal):
    dates = [text(d) for d in soup_of(portal.base_url + "/vi/tin-tuc-su-kien").select(
        "#p_p_id_101_ div.assetPublishDate")]
    assert "Ngày đăng 13/05/2016 | 04:53 PM | View count: 1648" in dates
    assert "Ngày đăng 24/07/2021 | 12:30 PM | View count: 3120" in dates
    dates = [text(d) for d in soup_of(portal.base_url + "/vi/cai-cach-hanh-chinh").select(
        "#p_p_id_101_ div.assetPublishDate")]
    assert dates[0] == "30/03/2021 | 10:05 AM" and dates[-1] == ""  # the undated draft sorts last


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: str(a.id))
def test_article_page_fields(portal, article):
    status, headers, body = fetch(portal.base_url + article.path)
    assert status == 200 and headers["Last-Modified"].endswith("GMT")
    soup = BeautifulSoup(body.decode("utf-8"), "lxml")
    scope = soup.select_one("#p_p_id_101_")
    assert soup.title.string == f"{article.title} - {article.category_name} - Cổng thông tin điện tử Quận Hoàng Mai"
    assert soup.select_one("link[rel=canonical]")["href"] == portal.base_url + article.path
    assert soup.select_one("meta[name=description]")["content"]
    assert [text(t) for t in scope.select("div.asset-full-content-title")] == [article.title]
    assert text(scope.select_one("div.assetPublishDate.block_timer")) == article.date_text
    assert text(scope.select_one("div.sapo-wrapper p.sapo strong")) == (article.lead or "")
    content = scope.select_one(f"div.asset-full-content.show-asset-title > div.asset-content#_101_{article.id}")
    bodies = scope.select("div.journal-content-article")
    assert len(bodies) == 1 and bodies[0].parent is content
    body_text = text(bodies[0])
    assert article.paragraphs
    for paragraph in article.paragraphs:
        assert " ".join(paragraph.split()) in body_text
    assert text(bodies[0].select("p")[-1]) == article.author
    assert bodies[0].select("p")[-1]["class"] == ["view-content-author"]
    if article.byline:
        assert text(bodies[0].select("p")[-2]) == article.byline
    captions = [text(em) for em in bodies[0].select("em")][:-1]  # last <em> is the author
    assert captions == [i["caption"] for i in article.images if i["caption"]]
    assert [a["href"] for a in bodies[0].select("a[href^='/documents/']")] == [f["path"] for f in article.attachments]
    controls = text(scope.select_one("div.asset-control-detail"))
    assert "In bài viết" in controls and "Gửi mail" in controls and "Chia sẻ" in controls
    assert text(scope.select_one("div.related_asset div.related_asset_title")) == "Các tin khác"
    assert len(scope.select("ul.related_asset_list li > a")) == 5
    assert "Phản hồi" in text(scope)
    header = scope.select_one("h1.portlet-title span.portlet-title-text")
    assert (text(header) if header else None) == ("Tin tức nổi bật" if article.category == "tin-tuc-su-kien" else None)


def test_furniture_is_outside_the_article_body(portal):
    soup = soup_of(portal.base_url + ARTICLES[0].path)
    column2 = text(soup.select_one("#column-2"))
    for label in ("Thông tin thời tiết", "THĂM DÒ Ý KIẾN", "Xem nhiều nhất", "Mới nhất", "Chuyên mục"):
        assert label in column2
    footer = text(soup.select_one("div.footer-wrapper #footer"))
    for label in ("| Về đầu trang |", "Đăng nhập |", "Địa chỉ:", "Ghi rõ nguồn:", "Bản quyền thuộc"):
        assert label in footer
    assert soup.select_one("#header") and soup.select_one("div.dd_chuyenmuc span.trangchu a")["href"] == "/"
    body = soup.select_one("#p_p_id_101_ div.journal-content-article")
    assert not body.find_parent(id="column-2") and "Các tin khác" not in text(body)


def test_unknown_paths_give_404(portal):
    for path in ("/vi/khong-co", "/vi/tin-tuc-su-kien/-/view_content/1234567-khong-co",
                 "/vi/tin-tuc-su-kien?_101_cur=abc", "/documents/1/2/file.exe/uuid"):
        status, headers, body = fetch(portal.base_url + path)
        assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert "Không tìm thấy trang" in body.decode("utf-8")


def test_robots_sitemap_and_binary_assets(portal):
    status, headers, body = fetch(portal.base_url + "/robots.txt")
    assert status == 200 and b"User-agent: *" in body and b"Sitemap: " in body
    status, _, body = fetch(portal.base_url + "/sitemap.xml")
    assert status == 200 and body.count(b"<url>") == len(ARTICLES) + 1 + len(CATEGORIES)
    article = next(a for a in ARTICLES if a.lead_image)
    status, headers, body = fetch(portal.base_url + article.images[0]["path"])
    assert (status, headers["Content-Type"]) == (200, "image/png") and body.startswith(b"\x89PNG\r\n\x1a\n")
    kinds = {}
    for a in ARTICLES:
        for f in a.attachments:
            status, headers, body = fetch(portal.base_url + f["path"])
            assert status == 200
            kinds[f["file"].rsplit(".", 1)[1]] = (headers["Content-Type"], body)
    assert kinds["pdf"][0] == "application/pdf" and kinds["pdf"][1].startswith(b"%PDF-1.4")
    assert kinds["pdf"][1].rstrip().endswith(b"%%EOF")
    for ext, part in (("docx", "word/document.xml"), ("xlsx", "xl/workbook.xml")):
        content_type, body = kinds[ext]
        assert content_type.startswith("application/vnd.openxmlformats-officedocument.")
        assert part in zipfile.ZipFile(io.BytesIO(body)).namelist()


def test_if_modified_since_and_head(portal):
    url = portal.base_url + ARTICLES[1].path
    _, headers, _ = fetch(url)
    status, _, body = fetch(url, {"If-Modified-Since": headers["Last-Modified"]})
    assert (status, body) == (304, b"")
    request = urllib.request.Request(url, method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and int(response.headers["Content-Length"]) > 1000
        assert response.read() == b""


def test_registry_entry_and_urls(portal):
    entry = portal.registry_entry()
    assert entry == {
        "id": "demo-hoang-mai", "name": "Quận Hoàng Mai (demo)", "level": "quận", "province": "Hà Nội",
        "base_url": portal.base_url, "platform": "liferay-hanoi", "enabled": True,
        "start_urls": [f"{portal.base_url}/vi/{c.slug}" for c in CATEGORIES],
    }
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", portal.base_url)
    assert len(portal.article_urls) == len(ARTICLES)
    assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+/vi/[a-z-]+/-/view_content/\d{7}-[a-z0-9-]+", u)
               for u in portal.article_urls)


def test_requests_are_counted_under_concurrency(portal):
    before = portal.requests_served
    urls = [portal.base_url + a.path for a in ARTICLES] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(status == 200 for status, _, _ in pool.map(fetch, urls))
    assert portal.requests_served - before == len(urls)


def test_not_started_portal_has_no_base_url():
    with pytest.raises(RuntimeError):
        DemoPortal().base_url


# --------------------------------------------------------------------------- synthetic data
def test_generate_articles_for_big_crawls():
    articles = generate_articles(5000)
    assert len(articles) == 5000
    assert len({a.id for a in articles}) == 5000 and all(re.fullmatch(r"\d{7}", str(a.id)) for a in articles)
    assert len({a.path for a in articles}) == 5000 and len({a.title for a in articles}) == 5000
    assert {a.category for a in articles} == {c.slug for c in CATEGORIES}
    assert all(3 <= len(a.paragraphs) and a.published_at for a in articles)
    again = generate_articles(5000)
    assert [(a.id, a.title, a.body) for a in again] == [(a.id, a.title, a.body) for a in articles]
    assert [a.id for a in generate_articles(50, seed=1)] != [a.id for a in articles[:50]]


def test_big_portal_serves_generated_articles():
    articles = generate_articles(5000, seed=7)
    with DemoPortal(articles) as big:
        last = big.page_count("tin-tuc-su-kien")
        assert last > 100
        soup = soup_of(big.base_url + big.listing_url("tin-tuc-su-kien", last))
        assert "disabled" in soup.select("ul.pager.lfr-pagination-buttons li")[2]["class"]
        menu = [int(text(a)) for a in soup.select("ul.dropdown-menu li.custom-paging > a")]
        assert menu[0] == 1 and menu[-1] == last and len(menu) == 27  # first + last-25..last
        article = articles[4321]
        soup = soup_of(big.base_url + article.path)
        assert text(soup.select_one("#p_p_id_101_ div.asset-full-content-title")) == article.title
        assert soup.select("#p_p_id_101_ div.journal-content-article")
