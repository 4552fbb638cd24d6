"""`crawl --all`: one crawl row per portal, a failing portal never stops the others."""

from __future__ import annotations

import json
import sqlite3

from archive.demo import DemoPortal
from tests.conftest import run_cli, write_registry
from tests.servers import FailingSite


def test_crawl_all_records_each_portal_and_survives_a_broken_one(tmp_path):
    db_file = tmp_path / "archive.db"
    with DemoPortal() as first, DemoPortal() as second, FailingSite() as broken:
        entries = [
            {**first.registry_entry(), "id": "demo-one"},
            {"id": "broken-portal", "name": "Quận Hỏng",
             "level": "quận", "province": "Hà Nội", "base_url": broken.base_url, "platform": "liferay-hanoi",
             "start_urls": ["/vi/tin-tuc"]},
            {**second.registry_entry(), "id": "demo-two"},
            {"id": "disabled-portal", "name": "Huyện Tắt", "level": "huyện", "province": "Hà Nội",
             "base_url": "http://127.0.0.1:9", "platform": "unknown", "enabled": False},
        ]
        registry = write_registry(tmp_path / "portals.toml", entries)
        result = run_cli("crawl", "--all", "--registry", str(registry), "--db", str(db_file), "--delay", "0",
                         "--set", "RETRY_TIMES=1", "-q")
        assert result.returncode == 1, result.stdout + result.stderr
        assert broken.requests  # it was really asked, and answered 500
    conn = sqlite3.connect(db_file)
    rows = conn.execute("select portal_id, outcome, articles_new from crawls order by id").fetchall()
    assert rows == [("demo-one", "ok", 25), ("broken-portal", "failed", 0), ("demo-two", "ok", 25)]
    assert "error: broken-portal: start URL unreachable (1 failed), first: " in result.stderr
    assert "HTTP 500" in result.stderr
    status = run_cli("status", "--db", str(db_file), "--json")
    flags = {row["portal_id"]: row["flags"] for row in json.loads(status.stdout)}
    assert flags["broken-portal"][0] == "failed"
    # The demo portal's newest article is from 2024: stale, but its crawl did not fail.
    assert flags["demo-one"] == flags["demo-two"] == ["stale"]
