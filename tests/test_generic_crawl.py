"""A portal nobody profiled, crawled as it is: the real VNPT-built pages of ../shared, platform generic.

The saved pages are served on 127.0.0.1 and crawled by ``portal-archive crawl`` from the
portal's two category pages, with no selectors. Two of the four saved articles are linked by
no saved page (their listings were not kept), so they are given as start URLs too: a start
page that reads as an article is stored as one. Everything is found the listings' main lists are found from their
structure, each article's fields from its page, and the furniture from the template learned
from the portal's own pages (applied after the crawl to the articles read before it existed).
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata

import pytest

from tests.conftest import SHARED, invoke_cli, run_cli, write_registry
from tests.servers import StaticSite

VNPT = SHARED / "portals" / "sgdhagiang-vnpt"
pytestmark = pytest.mark.skipif(not VNPT.is_dir(), reason=f"needs the real VNPT portal pages in {VNPT} (../shared beside the repository)")


def norm(text: str | None) -> str:
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text or "")).strip()


def served_path(path: str) -> str:
    """The URL path a saved file answers at (a directory's index.html at the directory)."""
    return "/" + re.sub(r"index\.html$", "", path)


def gold() -> list[dict]:
    return [json.loads(line) for line in (VNPT / "gold.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def vnpt_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vnpt")
    listings = [json.loads(line) for line in (VNPT / "listings.jsonl").read_text(encoding="utf-8").splitlines()]
    with StaticSite(VNPT / "pages") as site:
        linked = {link["href"].rsplit("/", 3)[-3] for listing in listings for link in listing["article_links"]}
        unlinked = [g["path"] for g in gold() if g["path"].split("/")[4] not in linked]
        assert len(unlinked) == 2
        entry = {"id": "hagiang-sgd", "name": "Sở GD&ĐT Hà Giang", "level": "sở", "province": "Hà Giang",
                 "base_url": site.base_url, "platform": "generic",
                 "start_urls": [served_path(l["path"]) for l in listings] + [served_path(p) for p in unlinked]}
        registry = write_registry(tmp / "portals.toml", [entry])
        db_path = tmp / "archive.db"
        result = run_cli("crawl", "hagiang-sgd", "--registry", str(registry), "--db", str(db_path), "--delay", "0",
                         "--set", "AUTOTHROTTLE_ENABLED=false", "-q")
    return result, db_path


def test_every_gold_article_is_crawled_and_read_right_with_no_profile(vnpt_crawl):
    result, db_path = vnpt_crawl
    assert result.returncode == 0, result.stderr
    records = gold()
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    stored = {row["fetched_url"].split("/", 3)[3]: dict(row) for row in conn.execute("select * from articles")}
    assert len(records) == 4
    for record in records:
        article = stored.get(record["path"])
        assert article is not None, f"not stored: {record['path']} (stored: {sorted(stored)})"
        assert norm(article["title"]) == norm(record["title"])
        assert article["published_at"] == record["published_at"]
        assert norm(article["author"]) == norm(record["author"])
        body = norm(article["body"])
        for snippet in record["body_with"]:  # a filled summary slot is the lead and opens the body
            assert norm(snippet) in body, (record["path"], snippet)
        for snippet in record["body_without"]:
            assert norm(snippet) not in body, (record["path"], snippet)
    # no listing page passes for an article, and the portal's template was learned and applied
    assert len(stored) == len({json.loads(line)["path"] for line in (VNPT / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
                               if json.loads(line)["kind"] == "article"})
    template = conn.execute("select version, pages from portal_templates where portal_id = 'hagiang-sgd'").fetchone()
    assert template is not None and template[1] == 4
    assert {row[0] for row in conn.execute("select template from articles")} == {template[0]}
    crawl = conn.execute("select outcome from crawls").fetchone()
    assert crawl[0] == "ok"


SOTTTT = SHARED / "portals" / "hanoi-sotttt"


@pytest.mark.skipif(not SOTTTT.is_dir(), reason=f"needs the real Hanoi portal pages in {SOTTTT} (../shared beside the repository)")
def test_hanoi_mirror_imported_as_a_generic_portal_keeps_the_gold_with_no_leaks(tmp_path):
    """The Liferay portal with its profile disabled: pages judged, template learned, gold read."""
    entry = {"id": "sotttt-generic", "name": "Sở TTTT Hà Nội", "level": "sở", "province": "Hà Nội",
             "base_url": "https://sotttt.hanoi.gov.vn", "platform": "generic"}
    registry = write_registry(tmp_path / "portals.toml", [entry])
    db_path = tmp_path / "archive.db"
    result = invoke_cli("import-mirror", str(SOTTTT / "pages"), "--portal", "sotttt-generic", "--registry", str(registry), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    manifest = [json.loads(line) for line in (SOTTTT / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    kinds = {m["url"]: m["kind"] for m in manifest}
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    rows = {row["fetched_url"]: dict(row) for row in conn.execute("select * from articles")}
    stored_kinds = [kinds.get(url) for url in rows]
    # every page that is an article; at most three that are not (a listing with summaries long
    # enough to read as prose, the draft-documents page, a category page)
    assert stored_kinds.count("article") == 159
    assert len(stored_kinds) - stored_kinds.count("article") <= 3
    gold = [json.loads(line) for line in (SOTTTT / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    found = [(record, rows[record["url"]]) for record in gold if record["url"] in rows]
    assert len(found) == 40
    for record, article in found:
        assert (norm(article["title"]), article["published_at"]) == (norm(record["title"]), record["published_at"])
        body = norm(article["body"])
        assert not [s for s in record["body_without"] if norm(s) in body], record["url"]
    template = conn.execute("select pages from portal_templates where portal_id = 'sotttt-generic'").fetchone()
    assert template is not None and template[0] == 50


def test_a_portal_with_no_profile_and_no_start_urls_is_crawled_from_its_home_page(tmp_path):
    """The bundled demo portal as a generic portal: menu → sections → pagination → every article, furniture out."""
    from archive.demo.site import DemoPortal

    with DemoPortal() as site:
        entry = {"id": "demo-generic", "name": "Quận Mẫu", "level": "quận", "province": "Hà Nội", "base_url": site.base_url}
        registry = write_registry(tmp_path / "portals.toml", [entry])  # no platform: generic; no start_urls: home page
        result = run_cli("crawl", "demo-generic", "--registry", str(registry), "--db", str(tmp_path / "a.db"), "--delay", "0",
                         "--set", "AUTOTHROTTLE_ENABLED=false", "-q")
        articles = len(site.articles)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("select count(*), count(title), count(author) from articles").fetchone() == (articles, articles, articles)
    for label in ("Các tin khác", "Xem nhiều", "Lượt xem", "Trang chủ", "Địa chỉ: Số 8"):
        assert conn.execute("select count(*) from articles where body like ?", [f"%{label}%"]).fetchone()[0] == 0, label
    template = conn.execute("select version from portal_templates").fetchone()[0]
    assert conn.execute("select count(*) from articles where template = ?", [template]).fetchone()[0] == articles
