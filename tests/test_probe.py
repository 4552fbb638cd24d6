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


def test_probe_says_when_no_platform_is_recognised(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><html><head><title>Trang chủ</title></head><body><h1>Xin chào</h1></body></html>", encoding="utf-8")
    with StaticSite(tmp_path) as site:
        result = CliRunner().invoke(cli, ["probe", site.base_url + "/"])
    assert result.exit_code == 1
    assert "platform:  — (none recognised)" in result.output
    assert "no known platform recognised" in result.output


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
