"""The ``source`` field: stored apart from the author, added in place to existing archives."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from archive import store


def _archive_before_source(path):
    """An archive as the releases before ``m006_article_source`` left it (m001–m004)."""
    old = Database(path)
    before = Migrations("portal-archive")
    for step in (store.m001_initial, store.m002_history, store.m003_compression_dicts, store.m004_filter_indexes):
        before()(step)
    before.apply(old)
    old["portals"].insert({"id": "p", "name": "Sở Cũ"})
    return old


def test_an_archive_without_source_upgrades_in_place_and_keeps_its_hashes(tmp_path):
    path = tmp_path / "old.db"
    old = _archive_before_source(path)
    stored = {"url": "http://x/1", "title": "Bài cũ", "body": "Đoạn một."}
    old.close()
    # The article as the old release stored it, hashed without the new field.
    db = store.open_db(path)
    assert "source" in db["articles"].columns_dict and "source" in db["article_versions"].columns_dict
    assert store.upsert_article(db, stored, portal_id="p") == "new"
    # Re-extraction that finds no source makes no new version of an unchanged article.
    assert store.upsert_article(db, {**stored, "source": None}, portal_id="p") == "unchanged"
    # A source line read later is content: a version, and the column is filled.
    assert store.upsert_article(db, {**stored, "source": "Báo Hà Giang"}, portal_id="p") == "updated"
    assert db.execute("select source, version from articles").fetchall() == [("Báo Hà Giang", 2)]
    assert db.execute("select source from article_versions order by version").fetchall() == [(None,), ("Báo Hà Giang",)]
    db.close()
    again = store.open_db(path)  # idempotent: opening twice applies nothing twice
    assert store.migrations.pending(again) == []


def test_batch_store_carries_the_source(db):
    db["portals"].insert({"id": "p", "name": "Sở"})
    item = {"portal_id": "p", "url": "http://x/2", "fetched_url": "http://x/2", "fetched_at": "2025-01-01T00:00:00+00:00", "status": 200, "headers": {},
            "raw": b"<html></html>", "article": {"url": "http://x/2", "title": "Bài", "author": "Nguyễn Văn A", "source": "TTXVN"}}
    store.store_crawled_items(db, [("article", item, None, None)])
    assert db.execute("select author, source from articles").fetchall() == [("Nguyễn Văn A", "TTXVN")]


def test_a_profile_may_name_the_source_element():
    from dataclasses import replace
    from pathlib import Path

    from crawler.extract import extract_article
    from crawler.profiles import load_profile

    page = Path(__file__).parent / "fixtures" / "liferay-hanoi" / "hoangmai_2022-08-27_article-full.html"
    html = page.read_text(encoding="utf-8").replace(
        '<div class="journal-content-article">', '<div class="journal-content-article"><p class="nguon-tin">Nguồn: Báo Hà Nội mới</p>', 1)
    profile = load_profile("liferay-hanoi")
    profile = replace(profile, fields={**profile.fields, "source": ("p.nguon-tin",)})
    article = extract_article(html, "https://hoangmai.hanoi.gov.vn/vi/tin-tuc/-/view_content/1-a.html", profile)
    assert article.source == "Báo Hà Nội mới" and "Báo Hà Nội mới" not in (article.body or "")
