"""`portal-archive add-portal`: entry, fixture and failing test skeleton, and the entry crawls as written."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from click.testing import CliRunner

from archive.cli import cli
from archive.demo import DemoPortal
from crawler.registry import DEFAULT_REGISTRY, load_registry
from tests.conftest import ROOT, run_cli
from tests.servers import StaticSite


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
    unconfirmed = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
                                 cwd=ROOT, capture_output=True, text=True)
    assert unconfirmed.returncode == 1 and "set CONFIRMED = True" in unconfirmed.stdout
    test_file.write_text(test_file.read_text(encoding="utf-8").replace("CONFIRMED = False", "CONFIRMED = True"), encoding="utf-8")
    confirmed = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
                               cwd=ROOT, capture_output=True, text=True)
    assert confirmed.returncode == 0, confirmed.stdout


def test_add_portal_refuses_an_unknown_platform(tmp_path):
    (tmp_path / "index.html").write_text("<html><head><title>Cổng thông tin</title></head><body><p>Xin chào</p></body></html>", encoding="utf-8")
    with StaticSite(tmp_path) as site:
        result = CliRunner().invoke(cli, ["add-portal", site.base_url + "/index.html", "--province", "Hà Nội"])
    assert result.exit_code == 1
    assert "no known platform recognised" in result.output
    assert CliRunner().invoke(cli, ["add-portal", "hoangmai.hanoi.gov.vn"]).exit_code == 2
