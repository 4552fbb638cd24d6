"""The command line: help, Scrapy's own commands from the repo root, and bad input."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

from click.testing import CliRunner

from archive.cli import cli
from archive.demo import DemoPortal
from tests.conftest import FIXTURES, ROOT, run_cli, write_registry

COMMANDS = ("portals", "crawl", "extract", "serve", "demo", "status", "schedule", "check-config", "probe", "add-portal",
            "history", "reextract", "export-warc", "import-warc", "import-mirror", "ingest", "upgrade")


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert sorted(cli.commands) == sorted(COMMANDS)  # a new command is added here, with its help
    for command in COMMANDS:
        assert command in top.output
        result = runner.invoke(cli, [command, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output, command


def test_scrapy_list_and_crawl_work_from_the_repo_root(tmp_path):
    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert listed.stdout.split() == ["portal"]
    db_file = tmp_path / "archive.db"
    with DemoPortal() as site:
        registry = write_registry(tmp_path / "portals.toml", [site.registry_entry()])
        env = {**os.environ, "PORTAL_ARCHIVE_REGISTRY": str(registry), "PORTAL_ARCHIVE_DB": str(db_file)}
        crawled = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "portal=demo-hoang-mai", "-a", "max_pages=1",
             "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "LOG_LEVEL=INFO"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert crawled.returncode == 0, crawled.stderr
    conn = sqlite3.connect(db_file)
    # max_pages=1: page 2 of tin-tuc-su-kien is not walked, so its 3 articles are missing
    # unless a "Các tin khác" box links them (it shows the 5 newest only).
    assert conn.execute("select outcome from crawls").fetchone() == ("ok",)
    assert conn.execute("select count(*) from articles").fetchone()[0] == 22


def test_user_agent_names_the_project_and_a_contact_url():
    from crawler import settings

    assert settings.USER_AGENT.startswith("portal-archive/") and "(+https://" in settings.USER_AGENT
    assert settings.ROBOTSTXT_OBEY and settings.AUTOTHROTTLE_ENABLED
    assert settings.CONCURRENT_REQUESTS_PER_DOMAIN == 2 and settings.DOWNLOAD_MAXSIZE > 0


def test_serve_refuses_missing_and_non_sqlite_databases(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(cli, ["serve", "--db", str(tmp_path / "nope.db")])
    assert missing.exit_code == 2
    assert missing.output.strip() == f"Error: {tmp_path / 'nope.db'}: database not found (run a crawl first, or check --db / $PORTAL_ARCHIVE_DB)"
    assert not (tmp_path / "nope.db").exists()
    text = tmp_path / "notes.db"
    text.write_text("not a database")
    result = runner.invoke(cli, ["serve", "--db", str(text)])
    assert result.exit_code == 2 and "not an SQLite database" in result.output
    crawl = runner.invoke(cli, ["crawl", "hanoi-sotttt", "--db", str(text)])
    assert crawl.exit_code == 2 and "not an SQLite database" in crawl.output
    assert text.read_text() == "not a database"  # untouched


def test_unreachable_start_url_fails_with_one_line_and_exit_1(tmp_path):
    with __import__("socket").socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]  # closed again: nothing listens there
    entry = {"id": "dead-portal", "name": "Quận Không", "level": "quận", "province": "Hà Nội",
             "base_url": f"http://127.0.0.1:{dead_port}", "platform": "liferay-hanoi", "start_urls": ["/vi/tin-tuc"]}
    registry = write_registry(tmp_path / "portals.toml", [entry])
    db_file = tmp_path / "a.db"
    result = run_cli("crawl", "dead-portal", "--registry", str(registry), "--db", str(db_file), "--delay", "0",
                     "--set", "RETRY_TIMES=0", "-q")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: dead-portal: start URL unreachable (1 failed), first: http://127.0.0.1:{dead_port}/vi/tin-tuc: Connection was refused by other side: 111: Connection refused."]
    conn = sqlite3.connect(db_file)
    assert conn.execute("select outcome, articles_seen from crawls").fetchall() == [("failed", 0)]
    assert conn.execute("select count(*) from articles").fetchone()[0] == 0


def test_extract_recognises_the_platform_and_prints_fields():
    page = FIXTURES / "liferay-hanoi" / "hoangmai_2022-08-27_article-full.html"
    url = "https://hoangmai.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/4409341-x.html"
    runner = CliRunner()
    human = runner.invoke(cli, ["extract", str(page), "--url", url])
    assert human.exit_code == 0
    assert "title:         Quận Hoàng Mai ra quân tổng vệ sinh môi trường" in human.output
    assert "published_at:  2016-05-13T16:59:00+07:00" in human.output
    data = json.loads(runner.invoke(cli, ["extract", str(page), "--url", url, "--json"]).output)
    assert {"title", "published_at", "lead", "author", "category", "body", "images", "attachments", "extractor"} <= set(data)
    assert data["extractor"] == "profile:liferay-hanoi"


def test_extract_bad_input(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(cli, ["extract", str(tmp_path / "nope.html")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    plain = tmp_path / "plain.html"
    plain.write_text("<html><body><p>Xin chào</p></body></html>", encoding="utf-8")
    unknown = runner.invoke(cli, ["extract", str(plain), "--json"])
    assert unknown.exit_code == 0
    assert "no platform profile recognised; the generic platform reads it" in unknown.output
    assert '"extractor": "fallback:trafilatura"' in unknown.output
    bad_portal = runner.invoke(cli, ["extract", str(plain), "--portal", "hanoi-nowhere"])
    assert bad_portal.exit_code == 2 and "unknown portal id 'hanoi-nowhere'" in bad_portal.output
    unreachable = runner.invoke(cli, ["extract", "http://127.0.0.1:1/vi/a"])
    assert unreachable.exit_code == 1 and "cannot fetch" in unreachable.output  # as `probe`: unreachable is 1, bad input 2


def test_python_dash_m_archive_is_the_command_line(monkeypatch, capsys):
    import runpy

    import pytest

    monkeypatch.setattr(sys, "argv", ["python -m archive", "--help"])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("archive", run_name="__main__")
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert [c for c in COMMANDS if c not in out] == [], out
