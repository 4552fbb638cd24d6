"""Re-crawling: an identical crawl adds nothing; a changed page adds exactly one version.

Crawls a copy of the saved portal's thanh-tra category (so one page can be edited between
runs) through ``portal-archive crawl`` in a subprocess.
"""

from __future__ import annotations

import shutil
import sqlite3

from tests.conftest import FAST_CRAWL, SOTTTT, requires_shared, run_cli, sotttt_entry, write_registry
from tests.servers import StaticSite

pytestmark = requires_shared()
TABLES = ("articles", "article_versions", "snapshots", "snapshot_bodies", "portals")
EDITED = "vi/thanh-tra/-/view_content/702282-tang-cuong-xu-ly-nan-phat-tan-tin-nhan-rac.html"


def counts(db_file) -> dict[str, int]:
    conn = sqlite3.connect(db_file)
    try:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def test_identical_recrawl_adds_nothing_and_an_edit_adds_one_version(tmp_path):
    site_dir = tmp_path / "site"
    shutil.copytree(SOTTTT / "pages" / "vi", site_dir / "vi")
    db_file = tmp_path / "archive.db"
    with StaticSite(site_dir) as site:
        registry = write_registry(tmp_path / "portals.toml", [{**sotttt_entry(site.base_url), "start_urls": ["/vi/thanh-tra.html"]}])
        args = ("crawl", "hanoi-sotttt", "--registry", str(registry), "--db", str(db_file), "--delay", "0", *FAST_CRAWL, "-q")

        first = run_cli(*args)
        assert first.returncode == 0, first.stderr
        after_first = counts(db_file)
        assert after_first["articles"] >= 13 and after_first["article_versions"] == after_first["articles"]

        second = run_cli(*args)
        assert second.returncode == 0, second.stderr
        assert counts(db_file) == after_first
        assert f"0 new, 0 updated, {after_first['articles']} unchanged" in second.stdout

        page = site_dir / EDITED
        page.write_text(page.read_text(encoding="utf-8").replace("Nhà chức trách viễn thông", "Cơ quan quản lý viễn thông"), encoding="utf-8")
        third = run_cli(*args)
        assert third.returncode == 0, third.stderr

    after_third = counts(db_file)
    assert after_third["articles"] == after_first["articles"]
    assert after_third["article_versions"] == after_first["article_versions"] + 1
    assert after_third["snapshots"] == after_first["snapshots"] + 1
    assert "0 new, 1 updated" in third.stdout
    conn = sqlite3.connect(db_file)
    versions = conn.execute(
        "select v.version, v.lead from article_versions v join articles a on a.id = v.article_id "
        "where a.fetched_url like ? order by v.version", [f"%{EDITED}"]).fetchall()
    assert [v for v, _ in versions] == [1, 2]
    assert versions[0][1].startswith("Nhà chức trách viễn thông") and versions[1][1].startswith("Cơ quan quản lý viễn thông")
    outcomes = conn.execute("select outcome, articles_new, articles_updated from crawls order by id").fetchall()
    assert outcomes == [("ok", after_first["articles"], 0), ("ok", 0, 0), ("ok", 0, 1)]
