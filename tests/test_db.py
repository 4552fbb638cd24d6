"""Storage rules: one row per URL, versions on change, nothing lost, clear refusals."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from archive import search, store
from tests.conftest import ROOT


def article(**changes):
    base = {"url": "http://127.0.0.1/vi/tin/-/view_content/1-a.html", "title": "Đại hội Đảng bộ quận Hoàng Mai",
            "lead": "Sáng 12/5, Đại hội đại biểu Đảng bộ quận đã khai mạc.", "body": "Đoạn một.\n\nĐoạn hai.",
            "published_at": "2020-05-12T08:00:00+07:00", "author": "Ban biên tập", "category": "Tin tức",
            "images": [{"url": "http://127.0.0.1/a.jpg", "caption": "Quang cảnh"}], "attachments": [], "extractor": "profile:liferay-hanoi"}
    return {**base, **changes}


def counts(db):
    return {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in ("articles", "article_versions", "snapshots", "snapshot_bodies")}


def test_same_content_only_moves_last_seen(db):
    assert store.upsert_article(db, article(), portal_id="test-portal", seen_at="2024-01-01T00:00:00+00:00") == "new"
    assert store.upsert_article(db, article(), portal_id="test-portal", seen_at="2024-02-01T00:00:00+00:00") == "unchanged"
    row = db.execute("select first_seen_at, last_seen_at, version from articles").fetchone()
    assert row == ("2024-01-01T00:00:00+00:00", "2024-02-01T00:00:00+00:00", 1)
    assert counts(db)["article_versions"] == 1


def test_changed_content_adds_exactly_one_version_and_keeps_the_old(db):
    store.upsert_article(db, article(), portal_id="test-portal")
    assert store.upsert_article(db, article(body="Đoạn một đã sửa."), portal_id="test-portal") == "updated"
    assert store.upsert_article(db, article(body="Đoạn một đã sửa."), portal_id="test-portal") == "unchanged"
    versions = db.execute("select version, body from article_versions order by version").fetchall()
    assert versions == [(1, "Đoạn một.\n\nĐoạn hai."), (2, "Đoạn một đã sửa.")]
    assert db.execute("select version, body from articles").fetchone() == (2, "Đoạn một đã sửa.")


def test_snapshots_are_compressed_and_deduplicated(db):
    body = ("<html>" + "Hoàng Mai " * 2000 + "</html>").encode()
    first = store.store_snapshot(db, url="http://x/1", body=body, status=200, headers={"Content-Type": ["text/html"]})
    again = store.store_snapshot(db, url="http://x/1", body=body, status=200, headers={})
    other_url = store.store_snapshot(db, url="http://x/2", body=body, status=200, headers={})
    assert first == again != other_url
    assert counts(db)["snapshots"] == 2 and counts(db)["snapshot_bodies"] == 1
    stored = db.execute("select size, length(body) from snapshot_bodies").fetchone()
    assert stored[0] == len(body) and stored[1] < len(body) / 10
    assert store.snapshot_body(db, first) == body


def test_fts_index_follows_inserts_updates_and_survives_integrity_check(db):
    store.upsert_article(db, article(), portal_id="test-portal")
    store.upsert_article(db, article(title="Hội nghị cán bộ"), portal_id="test-portal")
    match = lambda q: db.execute("select count(*) from articles_fts where articles_fts match ?", [q]).fetchone()[0]  # noqa: E731
    assert match("hoi nghi") == 1 and match("title:hoang") == 0
    db.execute("insert into articles_fts(articles_fts) values('integrity-check')")


def test_sqlite_utils_writes_join_the_stores_transaction_and_roll_back_with_it(db_path, db, monkeypatch):
    """sqlite-utils 4's insert/update join an open transaction (a savepoint, not a commit of their
    own): the store writes its rows with them inside ``store.transaction``, so an article and its
    version are one commit, invisible to other connections until then, and gone together on an error."""
    other = sqlite3.connect(db_path)
    with pytest.raises(RuntimeError):
        with store.transaction(db):
            db.table("portals").insert({"id": "other", "name": "Khác"})
            db.table("portals").update("test-portal", {"name": "Đổi tên"})
            assert db.conn.in_transaction
            assert other.execute("select count(*) from portals where id = 'other'").fetchone()[0] == 0
            raise RuntimeError("a failure half-way")
    assert db.execute("select id, name from portals").fetchall() == [("test-portal", "Quận Thử")]

    def failing_story(*args):
        raise RuntimeError("killed after the article and its version were written")

    monkeypatch.setattr("archive.stories.assign_story", failing_story)
    with pytest.raises(RuntimeError):
        store.upsert_article(db, article(), portal_id="test-portal")
    assert counts(db)["articles"] == counts(db)["article_versions"] == 0
    other.close()


def test_open_db_refuses_missing_non_sqlite_and_foreign_databases(tmp_path):
    with pytest.raises(store.DatabaseMissing, match="database not found"):
        store.open_db(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()
    text = tmp_path / "notes.db"
    text.write_text("hello")
    with pytest.raises(store.NotAnArchive, match="not an SQLite database"):
        store.open_db(text)
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("create table cats (name text)").connection.commit()
    with pytest.raises(store.NotAnArchive, match="not a portal-archive archive"):
        store.open_db(foreign)


def test_a_program_that_imports_only_the_store_writes_archives_with_the_search_schema(tmp_path):
    """Search owns its schema and the store never imports it; the archive package joins them,
    so a fresh process that imports nothing but ``archive.store`` still indexes what it writes."""
    path = tmp_path / "fresh.db"
    writer = ("import sys; from archive.store import open_db, upsert_article; db = open_db(sys.argv[1], create=True); "
              "db['portals'].insert({'id': 'p', 'name': 'P'}); upsert_article(db, {'url': 'http://x/1', 'title': 'Đại hội'}, portal_id='p')")
    subprocess.run([sys.executable, "-c", writer, str(path)], check=True, cwd=ROOT)
    db = Database(path)
    sets = {(s, n) for s, n in db.execute("select migration_set, name from _sqlite_migrations")}
    assert {(search.search_migrations.name, m.name) for m in search.search_migrations._migrations} <= sets
    assert {"articles_fts", "articles_exact"} <= set(db.table_names())
    assert db.execute("select rowid from articles_fts where articles_fts match 'dai hoi'").fetchall() == [(1,)]


def test_a_reader_refuses_an_archive_without_the_search_schema_and_a_writer_adds_it(tmp_path):
    path = tmp_path / "core-only.db"
    old = Database(path)
    store.migrations.apply(old)  # the core steps only: no full-text index yet
    old["portals"].insert({"id": "p", "name": "P"})
    old["articles"].insert({"portal_id": "p", "url": "http://x/1", "title": "Đại hội", "content_hash": "h", "version": 1})
    old.close()
    with pytest.raises(store.ArchiveNeedsUpgrade, match="m001_exact_index"):
        store.open_db(path, migrate=False)
    db = store.open_db(path)
    assert [m.name for m in search.search_migrations.pending(db)] == []
    assert db.execute("select rowid from articles_fts where articles_fts match 'dai hoi'").fetchall() == [(1,)]
    db.execute("insert into _sqlite_migrations(migration_set, name, applied_at) values (?, 'm999_future', '2030')",
               [search.search_migrations.name])
    db.close()
    with pytest.raises(store.NotAnArchive, match="m999_future"):  # a newer release's search step is newer too
        store.open_db(path)


def test_a_second_open_in_one_process_keeps_the_first_connections_locks(tmp_path):
    """A crawl opens the archive twice (pipeline and frontier). If the second open dropped the
    first connection's POSIX locks, a reader closing its connection would think it was the last,
    checkpoint and delete the WAL while the crawl is still writing into it (seen in CI after a
    SIGKILL as "database disk image is malformed")."""
    path = tmp_path / "archive.db"
    writer = store.open_db(path, create=True)
    writer["notes"].insert({"n": 1})  # a write: the WAL has frames now
    store.open_db(path).close()  # the frontier's connection, opened and closed in the same process
    reader = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('select count(*) from notes').fetchall(); c.close()"
    subprocess.run([sys.executable, "-c", reader, str(path)], check=True)
    assert Path(f"{path}-wal").exists(), "a reader in another process deleted the WAL of a live writer"
    for n in range(2, 50):
        writer["notes"].insert({"n": n})
    subprocess.run([sys.executable, "-c", reader, str(path)], check=True)
    writer.close()
    check = sqlite3.connect(path)
    assert check.execute("pragma integrity_check").fetchall() == [("ok",)]
    assert check.execute("select count(*) from notes").fetchone()[0] == 49


def test_wal_mode_and_migrations_are_idempotent(db_path, db):
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    before = [r[0] for r in db.execute("select name from _sqlite_migrations order by id")]
    again = store.open_db(db_path)
    again_names = [r[0] for r in again.execute("select name from _sqlite_migrations order by id")]
    assert again_names == before and again_names[0] == "m001_initial"
    assert store.migrations.pending(again) == [] and len(set(again_names)) == len(again_names)
    again.close()


def test_crawl_rows_record_outcome_and_stats(db):
    crawl_id = store.start_crawl(db, "test-portal", max_pages=3)
    assert db.execute("select outcome from crawls where id=?", [crawl_id]).fetchone()[0] == "running"
    store.finish_crawl(db, crawl_id, outcome="ok", counts={"articles_new": 4, "errors": 1}, stats={"downloader/request_count": 9})
    row = db.execute("select outcome, articles_new, errors, stats, finished_at is not null from crawls").fetchone()
    assert row == ("ok", 4, 1, '{"downloader/request_count": 9}', 1)


def test_snapshots_use_a_dictionary_trained_on_the_portal_once_it_has_enough_pages(db):
    from archive import compression

    import random

    rng = random.Random(7)  # the site's furniture: the same on every page, little repetition inside one
    furniture = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(20_000))
    template = "<html><head><title>{0}</title></head><body><div class='menu'>" + furniture + "</div>"
    pages = [(template.format(i) + f"<p>Bài số {i}: nội dung riêng {i * 7919}</p></body></html>").encode() for i in range(80)]
    ids = [store.store_snapshot(db, url=f"http://x/{i}", body=page, status=200, headers={}, portal_id="test-portal")
           for i, page in enumerate(pages)]
    encodings = [row[0] for row in db.execute("select b.encoding from snapshots s join snapshot_bodies b using (sha256) order by s.id")]
    assert encodings[:compression.TRAIN_AFTER] == ["zstd"] * compression.TRAIN_AFTER
    assert set(encodings[compression.TRAIN_AFTER:]) == {"zstd-dict:1"}
    assert db.execute("select portal_id, samples from compression_dicts").fetchall() == [("test-portal", compression.TRAIN_AFTER)]
    assert [store.snapshot_body(db, i) for i in ids] == pages  # every encoding reads back
    plain, with_dict = (db.execute("select length(body) from snapshots s join snapshot_bodies b using (sha256) where s.id = ?", [i]).fetchone()[0]
                        for i in (ids[10], ids[70]))
    assert with_dict < plain / 5


def test_snapshots_of_earlier_releases_in_gzip_still_read(db):
    import gzip

    body = "<html><body>Bản cũ</body></html>".encode()
    db.execute("insert into snapshot_bodies(sha256, encoding, size, body) values ('abc', 'gzip', ?, ?)", [len(body), gzip.compress(body)])
    db.execute("insert into snapshots(id, url, sha256) values (99, 'http://x/old', 'abc')")
    assert store.snapshot_body(db, 99) == body


def test_a_new_archive_appears_complete_or_not_at_all(tmp_path, monkeypatch):
    import os

    path = tmp_path / "new.db"
    real_link = os.link
    migrations_when_visible = []

    def watching_link(src, dst):  # the moment the archive becomes visible to readers
        conn = sqlite3.connect(src)
        migrations_when_visible.append(conn.execute("select count(*) from _sqlite_migrations").fetchone()[0])
        conn.close()
        real_link(src, dst)

    monkeypatch.setattr(os, "link", watching_link)
    db = store.open_db(path, create=True)
    applied = db.execute("select count(*) from _sqlite_migrations").fetchone()[0]
    assert migrations_when_visible == [applied] and applied >= 3
    assert sorted(p.name for p in tmp_path.iterdir() if "creating" in p.name) == []
    db.close()


def test_an_archive_created_meanwhile_by_another_process_is_kept(tmp_path, monkeypatch):
    import os

    path = tmp_path / "new.db"
    real_link = os.link
    calls = []

    def racing_link(src, dst):  # another crawl created the archive first and stored a portal
        calls.append(dst)
        if len(calls) > 1:  # the other process's own creation
            return real_link(src, dst)
        other = store.open_db(dst, create=True)
        store.sync_portals(other, [{"id": "first-portal", "name": "Quận Một", "level": "quận", "province": "Hà Nội",
                                    "base_url": "http://127.0.0.1", "platform": "liferay-hanoi"}])
        other.close()
        raise FileExistsError(dst)

    monkeypatch.setattr(os, "link", racing_link)
    db = store.open_db(path, create=True)
    assert db.execute("select id from portals").fetchall() == [("first-portal",)]
    db.close()
