"""`portal-archive add-portal`: entry, fixture and failing test skeleton, and the entry crawls as written."""

from __future__ import annotations

import importlib.util
import json
import shlex
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.demo import DemoPortal
from crawler.registry import DEFAULT_REGISTRY, load_registry
from tests.conftest import run_cli
from tests.servers import StaticSite

GENERIC = Path(__file__).parent / "fixtures" / "generic"


def test_add_portal_writes_an_entry_that_crawls_without_editing(tmp_path):
    registry = tmp_path / "portals.toml"
    registry.write_text(DEFAULT_REGISTRY.read_text(encoding="utf-8"), encoding="utf-8")
    before = registry.read_text(encoding="utf-8")
    runner = CliRunner()
    with DemoPortal() as site:
        args = ["add-portal", site.base_url + "/vi/trang-chu", "--id", "hanoi-hoang-mai-moi", "--province", "Hà Nội",
                "--registry", str(registry), "--fixtures-dir", str(tmp_path / "fixtures"), "--tests-dir", str(tmp_path / "portals")]
        dry = runner.invoke(cli, args)
        assert dry.exit_code == 0, dry.output
        assert 'start_urls = ["/vi/tin-tuc-su-kien", "/vi/kinh-te-xa-hoi", "/vi/cai-cach-hanh-chinh"]' in dry.output
        assert registry.read_text(encoding="utf-8") == before  # nothing written without --write

        written = runner.invoke(cli, [*args, "--write"])
        assert written.exit_code == 0, written.output
        portal = load_registry(registry)["hanoi-hoang-mai-moi"]
        assert (portal.name, portal.level, portal.platform, portal.base_url) == ("Quận Hoàng Mai", "quận", "liferay-hanoi", site.base_url)

        again = runner.invoke(cli, [*args, "--write"])
        assert again.exit_code == 2 and "already in" in again.output

        db_file = tmp_path / "archive.db"
        crawled = run_cli("crawl", "hanoi-hoang-mai-moi", "--registry", str(registry), "--db", str(db_file), "--delay", "0", "-q")
        assert crawled.returncode == 0, crawled.stderr
    assert sqlite3.connect(db_file).execute("select outcome, articles_new from crawls").fetchone() == ("ok", 25)

    fixtures = list((tmp_path / "fixtures" / "liferay-hanoi").glob("hanoi-hoang-mai-moi_*.html"))
    assert len(fixtures) == 1 and "asset-full-content-title" in fixtures[0].read_text(encoding="utf-8")
    assert 'kind = "article"' in (tmp_path / "fixtures" / "liferay-hanoi" / "meta.toml").read_text(encoding="utf-8")
    test_file = tmp_path / "portals" / "test_hanoi_hoang_mai_moi.py"
    with pytest.raises(AssertionError, match="set CONFIRMED = True"):
        run_written_test(test_file)
    test_file.write_text(test_file.read_text(encoding="utf-8").replace("CONFIRMED = False", "CONFIRMED = True"), encoding="utf-8")
    run_written_test(test_file)


def run_written_test(path: Path) -> None:
    """Import the written test module afresh and run its test functions (as pytest would collect them)."""
    spec = importlib.util.spec_from_file_location(f"written_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tests = [getattr(module, name) for name in dir(module) if name.startswith("test_")]
    assert len(tests) == 1
    for test in tests:
        test()


def test_add_portal_says_when_no_section_lists_articles(tmp_path):
    (tmp_path / "index.html").write_text("<html><head><title>Cổng thông tin</title></head><body><p>Xin chào</p></body></html>", encoding="utf-8")
    with StaticSite(tmp_path) as site:
        result = CliRunner().invoke(cli, ["add-portal", site.base_url + "/index.html", "--province", "Hà Nội"])
    assert result.exit_code == 1
    assert "none of the first 12 menu sections lists articles with the generic profile" in result.output
    assert CliRunner().invoke(cli, ["add-portal", "hoangmai.hanoi.gov.vn"]).exit_code == 2


def test_add_portal_proposes_the_generic_platform_when_no_profile_matches(tmp_path):
    expected = json.loads((GENERIC / "expected.json").read_text(encoding="utf-8"))["sidebar_most_viewed.html"]
    shutil.copy(GENERIC / "sidebar_most_viewed.html", tmp_path / "tin-tuc-su-kien.html")
    (tmp_path / "tin-tuc-su-kien").mkdir()
    first = expected["articles"][0].rsplit("/", 1)[1]
    (tmp_path / "tin-tuc-su-kien" / first).write_text(
        "<html><head><meta charset='utf-8'><title>Kỳ họp thứ 9</title></head><body><h1>Kỳ họp thứ 9 Hội đồng nhân dân phường</h1>"
        "<div>22/11/2023 11:00</div><p>Kỳ họp đã thông qua các nghị quyết quan trọng về kinh tế - xã hội năm 2024.</p></body></html>", encoding="utf-8")
    (tmp_path / "gioi-thieu.html").write_text(  # a page with one link to an article is not a listing
        "<html><body><h1>Giới thiệu</h1><p>Phường có diện tích 10,5 km².</p><p>Xem thêm: <a href='/tin-tuc-su-kien/lich-su-phuong-24001.html'>"
        "Lịch sử hình thành và phát triển phường qua các thời kỳ</a> (12/03/2020)</p></body></html>", encoding="utf-8")
    (tmp_path / "index.html").write_text(
        "<html><head><meta charset='utf-8'><title>Cổng thông tin điện tử Quận Liên Chiểu</title></head><body>"
        "<nav><ul><li><a href='/'>Trang chủ</a></li><li><a href='/gioi-thieu.html'>Giới thiệu</a></li>"
        "<li><a href='/tin-tuc-su-kien.html'>Tin tức - Sự kiện</a></li></ul></nav><p>Chào mừng</p></body></html>", encoding="utf-8")
    with StaticSite(tmp_path) as site:
        result = CliRunner().invoke(cli, ["add-portal", site.base_url + "/", "--province", "Đà Nẵng", "--registry", str(DEFAULT_REGISTRY)])
    assert result.exit_code == 0, result.output
    assert "platform:  generic" in result.output
    assert 'platform = "generic"' in result.output
    assert 'start_urls = ["/tin-tuc-su-kien.html"]' in result.output


def test_add_portal_next_hint_names_the_registry_it_wrote(tmp_path):
    # issue 15, point 18: the hint's crawl read the default registry, which has no such entry
    registry = tmp_path / "my portals" / "portals.toml"
    registry.parent.mkdir()
    registry.write_text(DEFAULT_REGISTRY.read_text(encoding="utf-8"), encoding="utf-8")
    with DemoPortal() as site:
        result = CliRunner().invoke(cli, ["add-portal", site.base_url + "/vi/trang-chu", "--id", "hoang-mai-thu", "--province", "Hà Nội",
                                          "--registry", str(registry), "--fixtures-dir", str(tmp_path / "fixtures"),
                                          "--tests-dir", str(tmp_path / "portals"), "--write"])
    assert result.exit_code == 0, result.output
    hint = next(line for line in result.output.splitlines() if line.startswith("next:"))
    command = hint.split("`")[1]
    assert shlex.split(command) == ["portal-archive", "crawl", "hoang-mai-thu", "--registry", str(registry), "--max-pages", "1"]
