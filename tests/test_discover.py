"""Listing discovery with no profile (``crawler.extract.discover``): real pages and CMS families.

Real listings: the VNPT portal of ../shared (hand-listed main-list links) and every Hanoi
Liferay listing, whose gold is what the liferay-hanoi profile's item selectors find on the
same page (discovery runs without the profile). Fixtures in ``tests/fixtures/generic`` model
other families: WordPress, a DotNetNuke table, a SharePoint blog (spaces in links), a
home-grown CMS with a "Xem nhiều nhất" box of the same URL shape as its list.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest

from crawler.extract import find_links
from crawler.extract.discover import browser_url, discover_links, page_number
from crawler.fetch import decode_html, read_source
from crawler.profiles import load_profile
from tests.conftest import SHARED
from tests.servers import StaticSite

GENERIC = Path(__file__).parent / "fixtures" / "generic"
EXPECTED = json.loads((GENERIC / "expected.json").read_text(encoding="utf-8"))
VNPT = SHARED / "portals" / "sgdhagiang-vnpt"
HANOI = SHARED / "portals" / "hanoi-sotttt"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_discovery_finds_exactly_the_main_list_of_each_cms_family(name):
    case = EXPECTED[name]
    links = discover_links((GENERIC / name).read_text(encoding="utf-8"), case["url"])
    assert links.articles == case["articles"]
    assert links.pages == case["pages"]
    assert not set(links.sections) & set(links.articles)


def test_the_boxes_of_the_same_url_shape_are_left_out():
    case = EXPECTED["sidebar_most_viewed.html"]
    links = discover_links((GENERIC / "sidebar_most_viewed.html").read_text(encoding="utf-8"), case["url"])
    assert len(links.articles) == 9  # the featured record and the 8 of the list
    assert not any(slug in url for url in links.articles for slug in ("24650", "24580", "24512", "24700", "24830", "24821"))
    wordpress = EXPECTED["wordpress_category.html"]
    found = discover_links((GENERIC / "wordpress_category.html").read_text(encoding="utf-8"), wordpress["url"]).articles
    assert not any("thong-bao-lich-tiep-cong-dan" in url or "ke-hoach-tiem-chung" in url for url in found)


def test_links_with_spaces_and_vietnamese_letters_are_encoded_like_a_browser():
    case = EXPECTED["sharepoint_blog.html"]
    links = discover_links((GENERIC / "sharepoint_blog.html").read_text(encoding="utf-8"), case["url"])
    assert links.articles[0] == "http://benthanh.example.gov.vn/tintuc/Lists/Posts/Post.aspx?ItemID=412&PublishedDate=2018-05-14%2007:30:00"
    assert "http://benthanh.example.gov.vn/Pages/Th%E1%BB%A7%20t%E1%BB%A5c%20h%C3%A0nh%20ch%C3%ADnh.aspx" in links.sections
    assert all(" " not in url and url.isascii() for kind in (links.articles, links.pages, links.sections) for url in kind)
    assert browser_url(browser_url("http://h/tin-tức/a b")) == "http://h/tin-t%E1%BB%A9c/a%20b"  # encoding twice changes nothing


def test_profile_links_are_encoded_like_a_browser_too():
    html = '<html><body><a href="/Lists/Posts/Post.aspx?ItemID=5&amp;PublishedDate=2018-05-14 07:30:00">Tin</a></body></html>'
    profile = dataclasses.replace(load_profile("sharepoint"), item_selectors=("a",), article_url_patterns=(re.compile("Post"),),
                                  follow_article_links=False)
    assert find_links(html, "http://h.vn/", profile).articles == ["http://h.vn/Lists/Posts/Post.aspx?ItemID=5&PublishedDate=2018-05-14%2007:30:00"]


def test_find_links_with_the_generic_profile_discovers_the_links():
    case = EXPECTED["dnn_table.html"]
    html = (GENERIC / "dnn_table.html").read_text(encoding="utf-8")
    links = find_links(html, case["url"], load_profile("generic"))
    assert links.articles == case["articles"] and links.pages == case["pages"]


def test_javascript_postbacks_and_other_hosts_are_not_followed():
    html = """<html><body><ul>
      <li><a href="/tin/a-1.html">Khai mạc hội chợ thương mại nông sản huyện năm 2024</a> 01/02/2024</li>
      <li><a href="http://www.h.vn/tin/b-2.html">Hội nghị tổng kết công tác dân vận năm 2023</a> 02/02/2024</li>
      <li><a href="https://other.gov.vn/tin/c-3.html">Đoàn công tác tỉnh bạn thăm và làm việc tại huyện</a> 03/02/2024</li>
    </ul><div class="pager"><a href="javascript:__doPostBack('pager','2')">2</a><a href="/tin.html?page=2">Tiếp</a></div></body></html>"""
    links = discover_links(html, "http://h.vn/tin.html")
    assert links.articles == ["http://h.vn/tin/a-1.html", "http://www.h.vn/tin/b-2.html"]
    assert links.pages == ["http://h.vn/tin.html?page=2"]


@pytest.mark.parametrize(("url", "number"), [
    ("https://x.vn/category/tin-tuc/page/3/", 3), ("https://x.vn/tin-tuc?page=4", 4), ("https://x.vn/tin-tuc?p=2", 2),
    ("https://x.vn/vi/tin?_101_INSTANCE_abc_cur=7", 7), ("https://x.vn/Default.aspx?tabid=5&PageIndex=9", 9),
    ("https://x.vn/tin-tuc/trang-12.html", 12), ("https://x.vn/tin-tuc/trang/5", 5), ("https://x.vn/tin?trang=6", 6),
    ("https://x.vn/tin-tuc/bai-viet-123.html", None), ("https://x.vn/Default.aspx?tabid=56&ItemID=1840", None),
])
def test_page_number_of_generic_pagination_urls(url, number):
    assert page_number(url) == number


def test_read_source_fetches_a_url_with_a_space_and_vietnamese_letters(tmp_path):
    (tmp_path / "Lists").mkdir()
    (tmp_path / "Lists" / "Post.aspx").write_text("<!doctype html><title>bài</title>", encoding="utf-8")
    (tmp_path / "tin-tức").mkdir()
    (tmp_path / "tin-tức" / "Hội nghị.html").write_text("<!doctype html><title>hội nghị</title>", encoding="utf-8")
    with StaticSite(tmp_path) as site:
        html, url = read_source(site.base_url + "/Lists/Post.aspx?ItemID=5&PublishedDate=2018-05-14 07:30:00")
        assert "bài" in html and url.endswith("PublishedDate=2018-05-14%2007:30:00")
        html, url = read_source(site.base_url + "/tin-tức/Hội nghị.html")
        assert "hội nghị" in html


@pytest.mark.skipif(not (VNPT / "listings.jsonl").is_file(), reason=f"needs the saved VNPT portal in {VNPT}")
@pytest.mark.parametrize("index", [0, 1])
def test_vnpt_listings_without_a_profile(index):
    entry = _lines(VNPT / "listings.jsonl")[index]
    gold = {browser_url(urljoin(entry["url"], link["href"])) for link in entry["article_links"]}
    found = discover_links(decode_html((VNPT / "pages" / entry["path"]).read_bytes()), entry["url"]).articles
    assert set(found) == gold and len(found) == len(gold)


@pytest.mark.skipif(not (HANOI / "manifest.jsonl").is_file(), reason=f"needs the saved Hanoi portal in {HANOI}")
def test_hanoi_liferay_listings_without_the_profile_match_its_item_selectors():
    items_only = dataclasses.replace(load_profile("liferay-hanoi"), follow_article_links=False)
    listings = [e for e in _lines(HANOI / "manifest.jsonl") if e["kind"] == "listing"]
    assert len(listings) == 53
    wrong = []
    for entry in listings:
        html = decode_html((HANOI / "pages" / entry["path"]).read_bytes())
        gold = find_links(html, entry["url"], items_only).articles
        found = discover_links(html, entry["url"]).articles
        if set(found) != set(gold) or len(found) != len(gold):
            wrong.append((entry["path"], len(gold), len(found), len(set(gold) & set(found))))
        assert gold, entry["path"]
    assert wrong == []
