"""``portal-archive probe URL`` against local servers: the demo portal and our vccorp pages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from archive.cli import cli
from archive.demo import DemoPortal
from tests.conftest import run_cli
from tests.servers import StaticSite

VCCORP = Path(__file__).parent / "fixtures" / "vccorp"
GENERIC = Path(__file__).parent / "fixtures" / "generic"
VCCORP_ARTICLE = "kinh-te-tai-chinh/cau-giay-thu-ngan-sach-8-thang-dat-82-du-toan-2805240828152801967.htm"


def test_probe_recognises_the_demo_portal_and_extracts_one_article():
    with DemoPortal() as site:
        result = CliRunner().invoke(cli, ["probe", site.base_url + "/", "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        base = site.base_url
    assert report["platform"] == "liferay-hanoi"
    assert report["scores"]["liferay-hanoi"] >= 2 and report["scores"]["sharepoint"] == report["scores"]["vccorp"] == 0
    assert f"{base}/vi/tin-tuc-su-kien" in report["sections"]
    assert report["articles"] and all("/-/view_content/" in url for url in report["articles"])
    article = report["article"]
    assert article["url"] == report["articles"][0]
    assert (article["extractor"], article["warnings"]) == ("profile:liferay-hanoi", [])
    assert article["title"] and article["published_at"].endswith("+07:00") and article["word_count"] > 20


def test_probe_on_a_vccorp_site_follows_its_api_and_reads_the_article(tmp_path):
    shutil.copy(VCCORP / "caugiay_2024-08-29_listing.html", tmp_path / "index.html")
    (tmp_path / VCCORP_ARTICLE).parent.mkdir(parents=True)
    shutil.copy(VCCORP / "caugiay_2024-08-29_article.html", tmp_path / VCCORP_ARTICLE)
    with StaticSite(tmp_path) as site:
        result = CliRunner().invoke(cli, ["probe", site.base_url + "/"])
        requested = [path for path, _ in site.requests]
    assert result.exit_code == 0, result.output
    assert "platform:  vccorp" in result.output
    assert f"{site.base_url}/timelinelist/2805101/2.htm" in result.output  # the "Xem thêm" API page
    assert "title:         Cầu Giấy: Thu ngân sách 8 tháng đạt 82% dự toán" in result.output
    assert "published_at:  2024-08-28T15:28:00+07:00" in result.output
    assert "extractor:     profile:vccorp" in result.output
    assert requested == ["/", "/" + VCCORP_ARTICLE]  # the home page and one article, nothing else


def test_probe_uses_the_generic_platform_when_no_profile_matches(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><html><head><title>Trang chủ</title></head><body><h1>Xin chào</h1></body></html>", encoding="utf-8")
    with StaticSite(tmp_path) as site:
        result = CliRunner().invoke(cli, ["probe", site.base_url + "/"])
    assert result.exit_code == 0, result.output
    assert "platform:  generic (no profile recognised" in result.output
    assert "articles: 0" in result.output


ARTICLE_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title} - Cổng thông tin</title></head>
<body><div class="menu"><a href="/">Trang chủ</a></div><div class="content"><h1>{title}</h1><div class="date">14/05/2018 07:30</div>
<div class="body"><p>{title}. Ủy ban nhân dân phường tổ chức ra quân với sự tham gia của các đoàn thể và nhân dân trên địa bàn.</p>
<p>Lực lượng chức năng đã nhắc nhở các hộ kinh doanh, tháo dỡ mái che và bảng hiệu lấn chiếm vỉa hè.</p></div></div></body></html>"""


def test_probe_json_on_a_category_page_of_an_unknown_cms_lists_its_main_list(tmp_path):
    """What the held-out evaluation runs: ``probe URL --json --sections 0`` on a category page."""
    expected = json.loads((GENERIC / "expected.json").read_text(encoding="utf-8"))["sidebar_most_viewed.html"]
    shutil.copy(GENERIC / "sidebar_most_viewed.html", tmp_path / "tin-tuc-su-kien.html")
    (tmp_path / "tin-tuc-su-kien").mkdir()
    first = expected["articles"][0].rsplit("/", 1)[1]
    (tmp_path / "tin-tuc-su-kien" / first).write_text(ARTICLE_PAGE.format(title="Kỳ họp thứ 9 Hội đồng nhân dân phường khóa XVII thành công tốt đẹp"), encoding="utf-8")
    with StaticSite(tmp_path) as site:
        result = CliRunner().invoke(cli, ["probe", site.base_url + "/tin-tuc-su-kien.html", "--json", "--sections", "0"])
        requested = [path for path, _ in site.requests]
        origin = site.base_url
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["platform"] == "generic" and report["sections_opened"] == []
    assert report["articles"] == [url.replace("https://hoakhanh.example.gov.vn", origin) for url in expected["articles"]]
    assert report["pages"] == [url.replace("https://hoakhanh.example.gov.vn", origin) for url in expected["pages"]]
    assert requested == ["/tin-tuc-su-kien.html", "/tin-tuc-su-kien/" + first]  # the page and one article
    assert report["article"]["url"] == report["articles"][0]
    assert report["article"]["title"].startswith("Kỳ họp thứ 9 Hội đồng nhân dân phường khóa XVII thành công tốt đẹp")


def test_probe_follows_sharepoint_links_with_a_space(tmp_path):
    """Today's traceback: ``http.client.InvalidURL: URL can't contain control characters``."""
    expected = json.loads((GENERIC / "expected.json").read_text(encoding="utf-8"))["sharepoint_blog.html"]
    (tmp_path / "tintuc" / "Lists" / "Posts").mkdir(parents=True)
    shutil.copy(GENERIC / "sharepoint_blog.html", tmp_path / "tintuc" / "default.aspx")
    # every Post.aspx?ItemID=… is this one file; the links hold a raw space ("PublishedDate=2018-05-14 07:30:00")
    (tmp_path / "tintuc" / "Lists" / "Posts" / "Post.aspx").write_text(
        ARTICLE_PAGE.format(title="Phường Bến Thành ra quân giải tỏa lấn chiếm lòng lề đường"), encoding="utf-8")
    with StaticSite(tmp_path) as site:
        result = CliRunner().invoke(cli, ["probe", site.base_url + "/tintuc/default.aspx", "--json", "--sections", "0"])
        requested = [path for path, _ in site.requests]
        origin = site.base_url
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["platform"] == "sharepoint"  # a profile that matches still wins
    assert report["articles"] == [url.replace("http://benthanh.example.gov.vn", origin) for url in expected["articles"]]
    assert requested == ["/tintuc/default.aspx", "/tintuc/Lists/Posts/Post.aspx?ItemID=412&PublishedDate=2018-05-14%2007:30:00"]
    assert report["article"]["title"].startswith("Phường Bến Thành ra quân giải tỏa lấn chiếm lòng lề đường")


def test_probe_follows_links_with_vietnamese_letters_and_spaces(tmp_path):
    titles = ["Hội nghị tổng kết công tác năm 2023 và triển khai nhiệm vụ năm 2024",
              "Lễ phát động Tết trồng cây đời đời nhớ ơn Bác Hồ",
              "Kiểm tra công tác chuẩn bị kỳ thi tốt nghiệp trung học phổ thông"]
    (tmp_path / "tin-tức").mkdir()
    items = ""
    for number, title in enumerate(titles, 1):
        name = f"{' '.join(title.split()[:4])} {number}.html"  # "Hội nghị tổng kết 1.html"
        (tmp_path / "tin-tức" / name).write_text(ARTICLE_PAGE.format(title=title), encoding="utf-8")
        items += f'<li><a href="/tin-tức/{name}">{title}</a> <span>0{number}/03/2024</span></li>\n'
    (tmp_path / "index.html").write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>Tin tức</title></head><body>"
                                         f"<nav><a href='/'>Trang chủ</a> <a href='/gioi-thieu.html'>Giới thiệu</a></nav>"
                                         f"<ul class='news'>{items}</ul></body></html>", encoding="utf-8")
    with StaticSite(tmp_path) as site:
        result = CliRunner().invoke(cli, ["probe", site.base_url + "/index.html", "--json", "--sections", "0"])
        statuses = dict(site.requests)
        origin = site.base_url
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    first = f"{origin}/tin-t%E1%BB%A9c/H%E1%BB%99i%20ngh%E1%BB%8B%20t%E1%BB%95ng%20k%E1%BA%BFt%201.html"
    assert len(report["articles"]) == 3 and report["articles"][0] == first
    assert statuses[first.removeprefix(origin)] == 200
    assert report["article"]["url"] == first and report["article"]["title"].startswith(titles[0])


def test_probe_bad_input_is_one_line_and_exit_2():
    assert CliRunner().invoke(cli, ["probe", "hoangmai.hanoi.gov.vn"]).exit_code == 2
    with DemoPortal() as site:
        result = CliRunner().invoke(cli, ["probe", site.base_url + "/", "--platform", "no-such-cms"])
    assert result.exit_code == 2 and "unknown platform 'no-such-cms'" in result.output


def test_probe_as_a_user_runs_it():
    with DemoPortal() as site:
        result = run_cli("probe", site.base_url + "/", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "platform:  liferay-hanoi" in result.stdout and "extractor:     profile:liferay-hanoi" in result.stdout


def test_probe_falls_back_to_discovery_when_a_recognised_profile_finds_no_article(tmp_path):
    """A look-alike: SharePoint's furniture (recognised) around a list the profile's selectors do not know."""
    expected = json.loads((GENERIC / "expected.json").read_text(encoding="utf-8"))["sidebar_most_viewed.html"]
    html = (GENERIC / "sidebar_most_viewed.html").read_text(encoding="utf-8")
    html = html.replace("<head>", "<head><meta name='GENERATOR' content='Microsoft SharePoint'>", 1).replace("<body>", "<body><div id='s4-workspace'>", 1)
    (tmp_path / "tin-tuc-su-kien.html").write_text(html, encoding="utf-8")
    with StaticSite(tmp_path) as site:
        result = CliRunner().invoke(cli, ["probe", site.base_url + "/tin-tuc-su-kien.html", "--json", "--sections", "0"])
        origin = site.base_url
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["platform"] == "sharepoint" and report["articles_found_by"] == "generic"
    assert report["articles"] == [url.replace("https://hoakhanh.example.gov.vn", origin) for url in expected["articles"]]
