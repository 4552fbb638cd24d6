"""Versions and takedowns: an edit is one new version with its diff; a deleted page is gone, not lost.

Crawls a copy of the saved portal's thanh-tra category (a file can be edited or deleted
between runs) through ``portal-archive crawl`` subprocesses; ``history`` shows the diff.
"""

from __future__ import annotations

import shutil
import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from archive import store
from tests.conftest import FAST_CRAWL, SOTTTT, invoke_cli, requires_shared, run_cli, sotttt_entry, write_registry
from tests.servers import StaticSite

EDITED = "vi/thanh-tra/-/view_content/702282-tang-cuong-xu-ly-nan-phat-tan-tin-nhan-rac.html"
DELETED = "vi/thanh-tra/-/view_content/701886-nhieu-ca-nhan-to-chuc-vi-pham.html"


@requires_shared()
def test_an_edit_is_one_version_with_its_diff_and_a_deleted_page_is_marked_gone(tmp_path):
    site_dir = tmp_path / "site"
    shutil.copytree(SOTTTT / "pages" / "vi" , site_dir / "vi")
    db_file = tmp_path / "archive.db"
    with StaticSite(site_dir) as site:
        registry = write_registry(tmp_path / "portals.toml", [{**sotttt_entry(site.base_url), "start_urls": ["/vi/thanh-tra.html"]}])
        args = ("crawl", "hanoi-sotttt", "--registry", str(registry), "--db", str(db_file), "--delay", "0", *FAST_CRAWL, "-q")
        assert run_cli(*args).returncode == 0
        conn = sqlite3.connect(db_file)
        articles = conn.execute("select count(*) from articles").fetchone()[0]
        edited_url = f"{site.base_url}/{EDITED}"

        page = site_dir / EDITED
        page.write_text(page.read_text(encoding="utf-8").replace("Nhà chức trách viễn thông", "Cơ quan quản lý viễn thông"), encoding="utf-8")
        edit = run_cli(*args, "--full")
        assert edit.returncode == 0, edit.stderr
        assert "0 new, 1 updated" in edit.stdout

        (site_dir / DELETED).unlink()
        takedown = run_cli(*args, "--full")
        assert takedown.returncode == 0, takedown.stderr

    assert conn.execute("select count(*) from articles").fetchone()[0] == articles  # nothing deleted
    assert conn.execute("select count(*) from article_versions").fetchone()[0] == articles + 1
    gone = conn.execute("select fetched_url, gone_status from articles where gone_at is not null").fetchall()
    assert gone == [(f"{site.base_url}/{DELETED}", 404)]
    assert conn.execute("select mode, articles_gone, articles_updated from crawls order by id").fetchall() == [
        ("incremental", 0, 0), ("full", 0, 1), ("full", 1, 0)]

    history = run_cli("history", edited_url, "--db", str(db_file))
    assert history.returncode == 0, history.stderr
    assert "2 version(s)" in history.stdout
    assert "--- version 1" in history.stdout and "+++ version 2" in history.stdout
    assert "\n-lead: Nhà chức trách viễn thông" in history.stdout
    assert "\n+lead: Cơ quan quản lý viễn thông" in history.stdout
    deleted = invoke_cli("history", f"{site.base_url}/{DELETED}", "--db", str(db_file))
    assert "1 version(s)" in deleted.stdout and "gone since" in deleted.stdout and "(HTTP 404)" in deleted.stdout


def test_history_of_an_unknown_url_is_one_line_and_exit_2(tmp_path, db):
    result = invoke_cli("history", "http://127.0.0.1/vi/x/-/view_content/1-x.html", "--db", str(tmp_path / "archive.db"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("Error: http://127.0.0.1/vi/x/-/view_content/1-x.html: not in the archive")


def test_an_archive_made_by_m001_upgrades_in_place(tmp_path):
    path = tmp_path / "old.db"
    old = Database(path)
    first_only = Migrations("portal-archive")
    first_only()(store.m001_initial)
    first_only.apply(old)
    old["portals"].insert({"id": "p", "name": "Quận Cũ"})
    old["articles"].insert({"portal_id": "p", "url": "http://x/1", "title": "Bài cũ", "content_hash": "h", "version": 1})
    old.close()

    db = store.open_db(path)
    assert db.execute("select title, gone_at from articles").fetchall() == [("Bài cũ", None)]
    assert {"gone_at", "gone_status"} <= set(db["articles"].columns_dict)
    assert {"mode", "requests", "not_modified", "articles_gone", "resumed_from"} <= set(db["crawls"].columns_dict)
    assert "frontier" in db.table_names()
    assert store.mark_gone(db, "http://x/1", status=410, at="2025-07-01T00:00:00+00:00")
    assert store.upsert_article(db, {"url": "http://x/1", "title": "Bài cũ trở lại"}, portal_id="p") == "updated"
    assert db.execute("select version, gone_at from articles").fetchall() == [(2, None)]  # back again: not gone
