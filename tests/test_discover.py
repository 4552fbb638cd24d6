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
import sys
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


@pytest.mark.shared
@pytest.mark.skipif(not (VNPT / "listings.jsonl").is_file(), reason=f"needs the saved VNPT portal in {VNPT}")
@pytest.mark.parametrize("index", [0, 1])
def test_vnpt_listings_without_a_profile(index):
    entry = _lines(VNPT / "listings.jsonl")[index]
    gold = {browser_url(urljoin(entry["url"], link["href"])) for link in entry["article_links"]}
    found = discover_links(decode_html((VNPT / "pages" / entry["path"]).read_bytes()), entry["url"]).articles
    assert set(found) == gold and len(found) == len(gold)


@pytest.mark.shared
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


@pytest.mark.shared
@pytest.mark.skipif(not (VNPT / "listings.jsonl").is_file() or not (HANOI / "manifest.jsonl").is_file(), reason=f"needs {SHARED}/portals")
def test_the_listing_benchmark_reports_every_real_listing():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import listing_eval

    rows = listing_eval.evaluate(SHARED)
    summary = listing_eval.summary(rows)
    assert {s: v["listings"] for s, v in summary.items()} == {"sgdhagiang-vnpt": 2, "hanoi-sotttt": 53}
    assert all(v["recall"] >= 0.95 and v["precision"] >= 0.90 for v in summary.values())
    assert all(r["ms"] > 0 for r in rows)


def _item(number: int, title: str) -> str:
    return f'<li><a href="/tin-tuc/bai-{number}.html">{title} số {number} về công tác của huyện</a> <span>0{number % 9 + 1}/05/2024</span></li>'


def _slugs(links) -> list[str]:
    return [url.rsplit("/", 1)[1] for url in links.articles]


def test_a_sidebar_box_with_the_main_lists_markup_stays_out():
    """Same ``div.box > ul.list > li`` markup in both Bootstrap columns (``col-md-8``/``col-md-4``)."""
    main = "".join(_item(i, "Tin hoạt động") for i in range(1, 9))
    side = "".join(_item(i, "Thông báo") for i in range(50, 56))
    html = (f"<html><body><div class=container><div class=row><div class=col-md-8><div class=box><h2>Tin tức</h2><ul class=list>{main}</ul>"
            f"<div class=paging><a href='/tin-tuc.html?page=2'>2</a></div></div></div><div class=col-md-4><div class=box><h2>Thông báo</h2>"
            f"<ul class=list>{side}</ul></div></div></div></div></body></html>")
    links = discover_links(html, "https://h.vn/tin-tuc.html")
    assert _slugs(links) == [f"bai-{i}.html" for i in range(1, 9)]
    assert links.pages == ["https://h.vn/tin-tuc.html?page=2"]


def test_a_link_repeated_in_every_record_is_not_an_article():
    records = "".join(f'<div class=item><a class=cat href="/chuyen-muc/kinh-te.html">Kinh tế</a><h3><a href="/tin-tuc/bai-{i}.html">'
                      f"Tin hoạt động số {i} của huyện trong tháng năm</a></h3><span>01/02/2024</span></div>" for i in range(1, 7))
    links = discover_links(f"<html><body><div class=list>{records}</div></body></html>", "https://h.vn/tin-tuc.html")
    assert _slugs(links) == [f"bai-{i}.html" for i in range(1, 7)]


def test_a_box_under_a_heading_holding_a_furniture_label_stays_out():
    html = (f"<html><body><div class=list><ul>{''.join(_item(i, 'Tin hoạt động') for i in range(1, 5))}</ul></div>"
            f"<div class=box><div class=hd>TIN XEM NHIỀU NHẤT</div><div class=bd><ul>{''.join(_item(i, 'Tin hay') for i in range(50, 58))}</ul>"
            f"</div></div></body></html>")
    assert _slugs(discover_links(html, "https://h.vn/tin-tuc.html")) == [f"bai-{i}.html" for i in range(1, 5)]


def test_a_page_with_only_a_menu_has_no_articles():
    html = ("<html><body><nav><ul><li><a href='/'>Trang chủ</a></li><li><a href='/gioi-thieu.html'>Giới thiệu</a></li>"
            "<li><a href='/tin-tuc.html'>Tin tức</a></li></ul></nav><p>Chào mừng</p></body></html>")
    links = discover_links(html, "https://h.vn/")
    assert links.articles == [] and links.sections == ["https://h.vn/gioi-thieu.html", "https://h.vn/tin-tuc.html"]


@pytest.mark.parametrize("page", [
    "", "<html></html>", b"<a href='/t/x'>bytes</a>", "<a href='http://[::1'>Một liên kết hỏng với địa chỉ IPv6 sai</a>",
    "<a href='http://h.vn:99999/a-b'>Một liên kết với cổng không hợp lệ ở đây</a>", "<base href='javascript:alert(1)'><a href='/t/a-1'>a b c d e</a>",
    "<a href='data:text/html,hi'>data</a><a href='mailto:a@b'>m</a><a>no href</a><a href=''>empty</a>",
])
def test_hostile_pages_give_no_error(page):
    links = discover_links(page, "http://h.vn/tin.html")
    assert all(url.startswith("http://h.vn/") for url in links.articles + links.pages + links.sections)


def test_cards_whose_headline_sits_beside_a_bare_link_and_a_news_ticker():
    cards = "".join(f'<div class=card><a href="/tin/bai-{i}.html"><div class=img></div></a><div class=title>Tin hoạt động số {i} của phường '
                    f"trong tháng mười một</div><span>0{i}/11/2023</span></div>" for i in range(1, 7))
    ticker = "".join(f"<a href='/tin/bai-{i}.html'>Tin chạy chữ số {i} của phường về công tác tuyên truyền</a> " for i in range(90, 99))
    html = f"<html><body><marquee>{ticker}</marquee><div class=list>{cards}</div></body></html>"
    assert _slugs(discover_links(html, "https://h.vn/tin.html")) == [f"bai-{i}.html" for i in range(1, 7)]


def test_an_article_pages_drop_down_menu_is_not_its_list():
    """A VNPT-like article page: the top menu's drop-down has long labels; its only list is the 'Tin khác' box."""
    menu = ("<ul class=MenuList><li class=TopMenuActive><a href='/Default.aspx?sname=x&sid=1&pageid=1'>Trang chủ</a></li>"
            "<li class=TopMenu><a href='/x/1/53484/Gioi-Thieu/'>Giới Thiệu</a><ul class=Dropdown>"
            "<li class=sub><a href='/x/1/53485/Chuc-nang/'>Chức năng nhiệm vụ và cơ cấu tổ chức</a></li>"
            "<li class=sub><a href='/x/1/86905/Phan-cong/'>Phân công nhiệm vụ Lãnh đạo Sở</a></li>"
            "<li class=sub><a href='/x/1/85515/Cac-don-vi/'>Các đơn vị thuộc Sở và trực thuộc</a></li></ul></li></ul>")
    others = "".join(f"<li><a href='/x/2/53493/5181{i}/Tin/Tin-so-{i}.aspx'>Tin hoạt động số {i} của Sở trong tháng</a> (0{i}/05/2021)</li>"
                     for i in range(1, 5))
    html = (f"<html><body>{menu}<div class=ArticleHeader>Kiểm tra công tác bầu cử</div><div class=ArticleContent><p>Nội dung.</p></div>"
            f"<div class=OtherNews><div class=title>Tin khác</div><ul>{others}</ul></div></body></html>")
    found = discover_links(html, "http://h.vn/x/2/53493/518260/Tin/Kiem-tra.aspx").articles
    assert set(found) <= {f"http://h.vn/x/2/53493/5181{i}/Tin/Tin-so-{i}.aspx" for i in range(1, 5)}  # the box, or nothing


def test_wordpress_plain_permalinks_are_posts_not_pages():
    posts = "".join(f"<article><h2><a href='/?p={n}'>Bài viết số {n} về hoạt động của xã trong tháng</a></h2><time>0{n % 9 + 1}/05/2024</time></article>"
                    for n in range(101, 107))
    html = f"<html><body><main>{posts}<div class=nav-links><a href='/?paged=2'>Trang sau »</a></div></main></body></html>"
    links = discover_links(html, "https://x.vn/")
    assert links.articles == [f"https://x.vn/?p={n}" for n in range(101, 107)]
    assert links.pages == ["https://x.vn/?paged=2"]


def test_a_copy_served_elsewhere_keeps_its_sites_absolute_links():
    """Saved with absolute links and served on another host: the host most links name is the site's."""
    items = "".join(f"<li><a href='https://huyen.gov.vn/tin/bai-{i}.html'>Bài viết số {i} về hoạt động của huyện</a> 0{i}/05/2024</li>"
                    for i in range(1, 7))
    html = f"<html><body><a href='https://huyen.gov.vn/'>Trang chủ</a><ul>{items}</ul><a href='https://chinhphu.vn/'>Chính phủ</a></body></html>"
    assert discover_links(html, "http://127.0.0.1:8000/tin.html").articles == [f"https://huyen.gov.vn/tin/bai-{i}.html" for i in range(1, 7)]
    # more relative links than absolute ones: the canonical link names the site's host
    menu = "".join(f"<a href='/muc-{i}.html'>Mục {i}</a>" for i in range(10))
    canonical = f"<html><head><link rel=canonical href='https://www.huyen.gov.vn/tin.html'></head><body><nav>{menu}</nav><ul>{items}</ul></body></html>"
    assert len(discover_links(canonical, "http://127.0.0.1/tin.html").articles) == 6


def test_a_category_named_like_a_furniture_label_keeps_its_list():
    """"Tin mới" is a furniture label in a sidebar, and also the name of some portals' news category."""
    main = "".join(_item(i, "Tin hoạt động") for i in range(1, 11))
    side = "".join(f"<li><a href='/tin-tuc/bai-{i}.html'>Thông báo số {i} về công tác của huyện</a></li>" for i in range(50, 55))
    html = (f"<html><head><title>Tin mới - Cổng thông tin điện tử huyện</title></head><body><ul class=menu><li><a href='/tin-moi.html'>Tin mới</a></li>"
            f"<li><a href='/thong-bao.html'>Thông báo</a></li></ul><div class=main><h2>Tin mới</h2><ul>{main}</ul></div>"
            f"<div class=side><h3>Thông báo</h3><ul>{side}</ul></div></body></html>")
    assert _slugs(discover_links(html, "https://h.vn/tin-moi.html")) == [f"bai-{i}.html" for i in range(1, 11)]


def test_a_short_main_list_beats_a_longer_sidebar_box():
    """Three records under the page's h1, with summaries and the pager, against eight dated sidebar links."""
    records = "".join(f'<div class=item><h3><a href="/tin-tuc/bai-{i}.html">Tin hoạt động số {i} của huyện trong tháng</a></h3>'
                      f"<p>Tóm tắt nội dung bài viết này khá dài để người đọc nắm được thông tin chính của sự kiện.</p></div>" for i in range(1, 4))
    side = "".join(_item(i, "Thông báo") for i in range(50, 58))
    html = (f"<html><body><div class=main><h1>Tin tức</h1><div class=list>{records}</div><div class=pager><a href='/tin-tuc.html?page=2'>Trang sau</a>"
            f"</div></div><div class=right><div class=title>Thông báo</div><ul>{side}</ul></div></body></html>")
    assert _slugs(discover_links(html, "https://h.vn/tin-tuc.html")) == ["bai-1.html", "bai-2.html", "bai-3.html"]


def test_a_headed_box_in_the_lists_column_stays_out_but_a_featured_record_joins():
    featured = ('<div class=hot><a href="/tin-tuc/bai-99.html"><img src="/a.jpg" alt=""></a><h2><a href="/tin-tuc/bai-99.html">'
                "Kỳ họp thứ chín Hội đồng nhân dân huyện thành công tốt đẹp</a></h2><p>Tóm tắt của bài viết nổi bật trên trang.</p></div>")
    main = "".join(_item(i, "Tin hoạt động") for i in range(1, 9))
    box = "".join(f"<li><a href='/tin-tuc/bai-{i}.html'>Thông báo số {i} về việc tổ chức hội nghị</a></li>" for i in range(50, 53))
    html = (f"<html><body><div class=col-main><ol class=breadcrumb><li><a href='/'>Trang chủ</a></li><li><a href='/tin-tuc.html'>Tin tức</a></li></ol>"
            f"{featured}<ul class=list>{main}</ul><div class=box><h3>Thông báo</h3><ul>{box}</ul></div></div></body></html>")
    assert _slugs(discover_links(html, "https://h.vn/tin-tuc.html")) == ["bai-99.html"] + [f"bai-{i}.html" for i in range(1, 9)]


def test_randomly_generated_layouts():
    """Hostile variants beyond the saved pages (bench/listing_zoo.py): columns, layout tables, boxes of the list's markup."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import listing_zoo

    for family in listing_zoo.FAMILIES:
        result = listing_zoo.evaluate(family, range(150))
        assert result["recall"] >= 0.97 and result["precision"] >= 0.95, (family, result)
