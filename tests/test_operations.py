"""Operator commands: status and its flags, drift detection, schedules, locks, check-config."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from archive import store
from archive.cli import cli
from archive.health import coverage_from_stats, detect_drift, portal_health
from archive.locks import PortalLocked, portal_lock
from tests.conftest import ROOT

NOW = datetime(2026, 11, 25, tzinfo=timezone.utc)


def add_crawl(db, portal_id, outcome, *, new=0, errors=0, pages=10, stats=None, message=""):
    crawl_id = store.start_crawl(db, portal_id)
    store.finish_crawl(db, crawl_id, outcome=outcome, message=message,
                       counts={"articles_new": new, "errors": errors, "pages_fetched": pages}, stats=stats or {})
    return crawl_id


def add_articles(db, portal_id, dates):
    for i, date in enumerate(dates):
        store.upsert_article(db, {"url": f"http://127.0.0.1/{portal_id}/{i}", "title": f"Tin {i}", "body": "Nội dung.",
                                  "published_at": date}, portal_id=portal_id, seen_at="2026-11-20T00:00:00+00:00")


def test_status_reports_outcome_errors_and_staleness(db):
    store.sync_portals(db, [{"id": "quiet-portal", "name": "Huyện Im Lặng", "level": "huyện", "province": "Hà Nội",
                             "base_url": "http://127.0.0.1", "platform": "liferay-hanoi"}])
    add_crawl(db, "test-portal", "ok", new=3, errors=1, pages=20)
    add_articles(db, "test-portal", [f"2026-11-{d:02d}T08:00:00+07:00" for d in range(10, 24, 2)])
    add_crawl(db, "quiet-portal", "failed", errors=9, pages=10, message="start URL unreachable (1 failed), first: x")
    add_articles(db, "quiet-portal", [f"2025-0{m}-01T08:00:00+07:00" for m in range(1, 7)])
    report = {h.portal_id: h for h in portal_health(db, now=NOW)}
    busy, quiet = report["test-portal"], report["quiet-portal"]
    assert (busy.outcome, busy.new_articles, busy.error_rate, busy.articles, busy.flags) == ("ok", 3, 0.05, 7, [])
    assert busy.newest_article == "2026-11-22T08:00:00+07:00" and busy.cadence_days == 2.0
    assert quiet.flags == ["failed", "errors", "stale"]
    assert quiet.days_since_new == 5.0


def test_status_command_table_json_and_strict(db_path, db):
    add_crawl(db, "test-portal", "degraded", new=1, message="layout drift: published_at 100% → 0%")
    runner = CliRunner()
    table = runner.invoke(cli, ["status", "--db", str(db_path)])
    assert table.exit_code == 0
    assert "test-portal" in table.output and "degraded" in table.output
    assert "test-portal: layout drift: published_at 100% → 0%" in table.output
    data = json.loads(runner.invoke(cli, ["status", "--db", str(db_path), "--json"]).output)
    assert data[0]["flags"] == ["degraded"]
    assert runner.invoke(cli, ["status", "--db", str(db_path), "--strict"]).exit_code == 1
    assert runner.invoke(cli, ["status", "--db", str(db_path / "missing.db")]).exit_code == 2


def test_drift_is_a_drop_against_recent_history():
    history = [{"published_at": 1.0, "body": 1.0, "lead": 0.4}] * 3
    assert detect_drift({"published_at": 1.0, "body": 0.95, "lead": 0.3}, history) == []
    assert detect_drift({"published_at": 0.1, "body": 1.0, "lead": 0.4}, history) == ["published_at 100% → 10%"]
    assert detect_drift({"published_at": 0.0}, []) == []  # first crawl: nothing to compare with


def test_coverage_from_crawl_stats():
    stats = {"portal_archive/articles_new": 8, "portal_archive/articles_unchanged": 5, "portal_archive/coverage/articles": 10,
             "portal_archive/coverage/title": 10, "portal_archive/coverage/published_at": 5,
             "portal_archive/extractor/profile:liferay-hanoi": 9, "portal_archive/extractor/fallback:trafilatura": 1}
    coverage = coverage_from_stats(stats)
    assert coverage == {"title": 1.0, "published_at": 0.5, "lead": 0.0, "body": 0.0, "images": 0.0, "profile_extractor": 0.9}
    assert coverage_from_stats({}) is None


def test_schedule_prints_cron_lines_and_systemd_units(tmp_path):
    runner = CliRunner()
    cron = runner.invoke(cli, ["schedule", "hanoi-sotttt", "hanoi-ba-dinh", "--at", "03:55", "--workdir", str(tmp_path), "--db", "data/a.db"])
    assert cron.exit_code == 0
    lines = [line for line in cron.output.splitlines() if not line.startswith(("#", "SHELL"))]
    assert [line.split()[:5] for line in lines] == [["55", "3", "*", "*", "*"], ["5", "4", "*", "*", "*"]]
    assert f"crawl hanoi-sotttt -q --db {tmp_path}/data/a.db" in lines[0]
    units = runner.invoke(cli, ["schedule", "--all", "--format", "systemd", "--workdir", str(tmp_path)])
    assert "ExecStart=" in units.output and "OnCalendar=*-*-* 02:30:00" in units.output
    assert "systemctl enable --now portal-archive@hanoi-sotttt.timer" in units.output
    bad = runner.invoke(cli, ["schedule", "hanoi-nowhere"])
    assert bad.exit_code == 2 and "unknown portal id 'hanoi-nowhere'" in bad.output
    assert runner.invoke(cli, ["schedule", "hanoi-sotttt", "--at", "25:00"]).exit_code == 2


def test_a_second_run_of_one_portal_is_refused_and_a_killed_holder_frees_the_lock(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from archive.locks import portal_lock\n"
         f"with portal_lock(Path({str(tmp_path)!r}), 'hanoi-sotttt'):\n    print('locked', flush=True); time.sleep(60)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(PortalLocked, match=rf"portal hanoi-sotttt is already being crawled \(pid {holder.pid}, started "):
            with portal_lock(tmp_path, "hanoi-sotttt"):
                pass
        with portal_lock(tmp_path, "hanoi-ba-dinh"):  # other portals are not blocked
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with portal_lock(tmp_path, "hanoi-sotttt") as path:
        assert json.loads(path.read_text())["pid"] > 0


def test_check_config(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["check-config", "--db", str(tmp_path / "a.db")])
    assert result.exit_code == 0 and result.output.strip().endswith("ok")
    assert "56 portals" in result.output and "portal-archive/0.1 (+https://" in result.output
    broken = tmp_path / "portals.toml"
    broken.write_text("[[portal]]\nid = 'x'\n", encoding="utf-8")
    failed = runner.invoke(cli, ["check-config", "--registry", str(broken)])
    assert failed.exit_code == 2 and "field 'name': missing" in failed.output


def test_config_file_sets_defaults_below_options_and_environment(tmp_path, db_path, db, monkeypatch):
    monkeypatch.delenv("PORTAL_ARCHIVE_DB", raising=False)
    add_crawl(db, "test-portal", "ok", new=2)
    config = tmp_path / "portal-archive.toml"
    config.write_text(f'db = "{db_path}"\n[schedule]\nat = "04:10"\n', encoding="utf-8")
    runner = CliRunner()
    from_file = runner.invoke(cli, ["--config", str(config), "status"])
    assert from_file.exit_code == 0 and "test-portal" in from_file.output, from_file.output
    # an option beats the file; the environment beats the file too
    assert runner.invoke(cli, ["--config", str(config), "status", "--db", str(tmp_path / "other.db")]).exit_code == 2
    assert runner.invoke(cli, ["--config", str(config), "status"], env={"PORTAL_ARCHIVE_DB": str(tmp_path / "x.db")}).exit_code == 2
    cron = runner.invoke(cli, ["--config", str(config), "schedule", "hanoi-sotttt"])
    assert [line.split()[:2] for line in cron.output.splitlines() if "crawl hanoi-sotttt" in line] == [["10", "4"]]
    shown = runner.invoke(cli, ["--config", str(config), "check-config"])
    assert f"config:     {config}" in shown.output


@pytest.mark.parametrize("content,message", [
    ("colour = 'red'\n", "unknown key 'colour'"),
    ("[crawl]\nspeed = 3\n", "[crawl] speed: the crawl command has no such option"),
    ("[nothing]\nx = 1\n", "[nothing]: no such command"),
    ("db = \n", "invalid TOML"),
])
def test_broken_config_is_one_line_and_exit_2(tmp_path, content, message):
    config = tmp_path / "portal-archive.toml"
    config.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "portals"])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


async def test_crawl_health_canned_query_in_datasette(db_path, db):
    from archive.datasette import make_datasette

    add_crawl(db, "test-portal", "ok", new=2, errors=1, pages=4)
    add_crawl(db, "test-portal", "failed", errors=3, pages=3, message="start URL unreachable")
    add_articles(db, "test-portal", ["2026-11-01T08:00:00+07:00"])
    response = await make_datasette(db_path).client.get(f"/{db_path.stem}/crawl_health.json?_shape=array")
    assert response.status_code == 200
    rows = response.json()
    assert [(r["portal"], r["outcome"], r["error_rate"], r["newest_article"]) for r in rows] == [
        ("test-portal", "failed", 1.0, "2026-11-01T08:00:00+07:00")]


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty, self.written = tty, []

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> None:
        self.written.append(text)

    def flush(self) -> None:
        pass


def test_progress_line_rewrites_itself_on_a_terminal_and_prints_lines_otherwise():
    from types import SimpleNamespace

    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.extensions import ProgressLine

    from scrapy.settings import Settings

    crawler = SimpleNamespace(spider=SimpleNamespace(portal_id="demo-hoang-mai"), settings=Settings())
    crawler.stats = MemoryStatsCollector(crawler)
    crawler.stats.set_value("response_received_count", 12)
    crawler.stats.set_value("portal_archive/articles_new", 5)
    terminal, log = _Stream(tty=True), _Stream(tty=False)
    on_terminal, in_log = ProgressLine(crawler, terminal), ProgressLine(crawler, log)
    for ext in (on_terminal, in_log):
        ext.tick()
        ext.tick()  # within the interval: not printed again
        ext.closed()
    assert len(terminal.written) == 2 and all(w.startswith("\r\x1b[K") for w in terminal.written)
    assert terminal.written[-1].endswith("\n") and "demo-hoang-mai: 12 pages, 5 new / 0 updated" in terminal.written[0]
    assert len(log.written) == 2 and all(not w.startswith("\r") and w.endswith("\n") for w in log.written)


def test_progress_lines_of_parallel_crawls_are_plain_even_on_a_terminal():
    from types import SimpleNamespace

    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.extensions import ProgressLine

    crawler = SimpleNamespace(spider=SimpleNamespace(portal_id="demo-one"), settings=Settings({"PORTAL_ARCHIVE_PROGRESS_PLAIN": True}))
    crawler.stats = MemoryStatsCollector(crawler)
    terminal = _Stream(tty=True)
    ext = ProgressLine(crawler, terminal)
    ext.tick()
    ext.closed()
    assert len(terminal.written) == 2 and all(not w.startswith("\r") and w.endswith("\n") for w in terminal.written)
