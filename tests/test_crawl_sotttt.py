"""End to end on the real markup: crawl the saved Hanoi Liferay portal, check the gold set.

The mirror (../shared/portals/hanoi-sotttt/pages) is served on 127.0.0.1 and crawled by
``portal-archive crawl`` in a subprocess, starting from the category listing pages and the
home page and following pagination, exactly as a real crawl of the live site would.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import SOTTTT, requires_shared, run_cli
from tests.gold import GOLD_COUNT, gold_mismatches

# pytest-xdist: one worker runs this module, so the tests of the one crawl of the mirror do not wait on it in two
pytestmark = [requires_shared(), pytest.mark.xdist_group("sotttt-crawl")]


def stored_by_path(db_path) -> dict[str, dict]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    rows = {unquote(urlsplit(r["fetched_url"]).path).lstrip("/"): dict(r) for r in conn.execute("select * from articles")}
    conn.close()
    return rows


def test_crawl_succeeds_and_reports(sotttt_crawl):
    result = sotttt_crawl["result"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("hanoi-sotttt: ok — ")
    conn = sqlite3.connect(sotttt_crawl["db_path"])
    crawl = conn.execute("select outcome, pages_fetched, articles_new, articles_seen, date_missing, stats from crawls").fetchone()
    manifest = [json.loads(line) for line in (SOTTTT / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    reachable_articles = [m for m in manifest if m["kind"] == "article"]
    assert crawl[0] == "ok"
    # Every article page of the mirror is reached (the three van-ban-du-thao pages show no date).
    assert crawl[2] == crawl[3] == len(reachable_articles) == 159
    assert crawl[4] == 3
    stats = json.loads(crawl[5])
    assert stats["portal_archive/articles_new"] == 159
    assert stats["robotstxt/request_count"] >= 1
    # Every fetched page is kept as a snapshot: each article page, and every listing page of every
    # category, walked through its pagination, plus the home page.
    snapshot_paths = {unquote(urlsplit(u).path).lstrip("/"): kind for (u, kind) in conn.execute(
        "select s.url, case when s.url in (select fetched_url from articles) then 'article' else 'page' end from snapshots s")}
    assert sorted(p for p, k in snapshot_paths.items() if k == "article") == sorted(m["path"] for m in reachable_articles)
    listings = sorted(m["path"] for m in manifest if m["kind"] == "listing") + ["vi/trang-chu.html"]
    assert sorted(p for p, k in snapshot_paths.items() if k == "page") == sorted(listings)
    assert crawl[1] > 200


def test_every_gold_record_matches_the_stored_article(sotttt_crawl, gold):
    stored = stored_by_path(sotttt_crawl["db_path"])
    assert gold_mismatches(gold, stored, key="path") == []
    assert {stored[record["path"]]["extractor"] for record in gold} == {"profile:liferay-hanoi"}


def test_stored_articles_are_clean(sotttt_crawl):
    conn = sqlite3.connect(sotttt_crawl["db_path"])
    rows = conn.execute("select body, body_html, title from articles").fetchall()
    assert len(rows) == 159
    for body, body_html, title in rows:
        assert unicodedata.is_normalized("NFC", body or "") and unicodedata.is_normalized("NFC", title)
        for furniture in ("In bài viết", "Các tin khác", "View count", "Về đầu trang", "Chọn liên kết"):
            assert furniture not in (body or ""), (title, furniture)
        assert "<script" not in (body_html or "") and "style=" not in (body_html or "")
    # Paragraphs are kept, separated by blank lines.
    body = conn.execute("select body from articles where url like '%692193-40-day%'").fetchone()[0]
    assert body.count("\n\n") >= 5 and body.startswith("Gần một tháng nay, Công ty Điện lực Hà Nội")


EXTRACT_KEYS = ("title", "published_at", "lead", "author", "category", "body", "images", "attachments", "extractor")


def stored_fields(row: dict) -> dict:
    row = {**row, "images": json.loads(row["images"]), "attachments": json.loads(row["attachments"])}
    return {k: row[k] for k in EXTRACT_KEYS}


def test_extract_command_gives_the_same_fields_as_the_crawl(sotttt_crawl, gold):
    """One gold page through ``portal-archive extract`` in its own process, as a user runs it."""
    stored = stored_by_path(sotttt_crawl["db_path"])
    record = gold[0]
    url = sotttt_crawl["base_url"] + "/" + record["path"]
    result = run_cli("extract", str(SOTTTT / "pages" / record["path"]), "--url", url, "--json")
    assert result.returncode == 0, result.stderr
    extracted = json.loads(result.stdout)
    assert {k: extracted[k] for k in EXTRACT_KEYS} == stored_fields(stored[record["path"]])


def test_extract_in_process_matches_crawl_for_every_gold_page(sotttt_crawl, gold):
    from click.testing import CliRunner

    from archive.cli import cli

    stored = stored_by_path(sotttt_crawl["db_path"])
    runner = CliRunner()
    assert len(gold) == GOLD_COUNT
    for record in gold:
        url = sotttt_crawl["base_url"] + "/" + record["path"]
        result = runner.invoke(cli, ["extract", str(SOTTTT / "pages" / record["path"]), "--url", url, "--json"])
        assert result.exit_code == 0, result.output
        extracted = json.loads(result.output)
        assert {k: extracted[k] for k in EXTRACT_KEYS} == stored_fields(stored[record["path"]]), record["path"]


def test_max_pages_bounds_pagination(tmp_path):
    from tests.conftest import sotttt_entry, write_registry
    from tests.servers import StaticSite

    with StaticSite(SOTTTT / "pages") as site:
        registry = write_registry(tmp_path / "portals.toml", [{**sotttt_entry(site.base_url), "start_urls": ["/vi/thanh-tra.html"]}])
        db_file = tmp_path / "a.db"
        result = run_cli("crawl", "hanoi-sotttt", "--registry", str(registry), "--db", str(db_file), "--delay", "0", "--max-pages", "2", "-q")
    assert result.returncode == 0, result.stderr
    stats = json.loads(sqlite3.connect(db_file).execute("select stats from crawls").fetchone()[0])
    assert stats["portal_archive/pages_beyond_max_pages"] > 0
    # thanh-tra's pagination is complete in the mirror (pages 1-10): only pages 1 and 2 are asked for.
    pages_requested = sorted(int(m.group(1)) for path, _ in site.requests if path.startswith("/vi/thanh-tra")
                             for m in [re.search(r"_101_cur=(\d+)", path)] if m)
    assert pages_requested == [1, 2]
    assert ("/vi/thanh-tra.html", 200) in site.requests
    # Polite: robots.txt asked for first, and an honest User-Agent with a contact URL.
    assert site.requests[0] == ("/robots.txt", 404)
    assert len(site.user_agents) == 1 and next(iter(site.user_agents)).startswith("portal-archive/0.1 (+https://")


def test_without_start_urls_the_home_page_menu_leads_to_the_sections(tmp_path):
    """The spider's own decision, so it runs in this process (tests/spider_walk.py): no crawl needed."""
    from crawler.items import ArticleItem
    from tests.conftest import sotttt_entry
    from tests.servers import StaticSite
    from tests.spider_walk import portal_spider, walk

    with StaticSite(SOTTTT / "pages") as site:
        entry = {**sotttt_entry(site.base_url + "/vi/trang-chu.html")}
        del entry["start_urls"]
        items = walk(portal_spider(entry, tmp_path, max_pages=1))
    requested = {path for path, status in site.requests if status == 200}
    # The menu's category pages were visited, and only the first page of each listing.
    assert {"/vi/thanh-tra.html", "/vi/tin-tuc-su-kien.html", "/vi/bao-chi-xuat-ban.html"} <= requested
    assert not [p for p in requested if re.search(r"_101_cur=([2-9]|\d\d)", p)]
    categories = {item.article["category"] for item in items if isinstance(item, ArticleItem)}
    assert {"Tin tức sự kiện", "Thanh tra", "Báo chí - xuất bản - truyền thông"} <= categories
