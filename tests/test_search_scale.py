"""Prefix searches and large filtered searches at scale (issue 18 point 4): the search index holds
prefix indexes (search migration m003), so ``nga*`` reads one doclist and is counted, ranked and
charted like a word; title matches are scored on their own; a large filtered search's chart is
read from rowid slices. Results stay those of the plain statements (compared here)."""

from __future__ import annotations

import random
import re

import pytest
from sqlite_utils import Database

from archive import store
from archive import search
from archive.search import schema

WORDS = ("nga ngà ngày ngân ngạc nghị nghỉ quận huyện đại hội cải cách hành chính người dân thủy lợi "
         "nông thôn ngắn ngõ").split()
QUERIES = ["nga*", "ng*", "nghi*", "ngà*", '"cai cach"*', "nga* quan", "quan NOT nga*"]


def _fill(db, n: int = 300, seed: int = 4) -> None:
    rng = random.Random(seed)
    store.sync_portals(db, [{"id": p, "name": p, "province": v, "start_urls": []}
                            for p, v in (("hm", "Hà Nội"), ("vx", "Hà Giang"))])
    for i in range(n):
        store.upsert_article(db, {"url": f"https://p.example/{i}", "title": " ".join(rng.choices(WORDS, k=5)),
                                  "body": " ".join(rng.choices(WORDS, k=30)), "category": ("Tin tức", "Thông báo")[i % 2],
                                  "published_at": f"{2015 + i % 8}-03-0{1 + i % 9}T08:00:00+07:00"},
                             portal_id=("hm", "vx")[i % 3 % 2], province=("Hà Nội", "Hà Giang")[i % 3 % 2])


def _results(conn) -> dict:
    out = {}
    for q in QUERIES:
        for filters in (search.Filters(), search.Filters(portal="vx"), search.Filters(category="Thông báo")):
            for sort in ("rank", "newest"):
                r = search.ranked_search(conn, q, filters=filters, sort=sort, limit=30)
                out[q, str(filters), sort] = (r["total"], [(row["id"], round(row["score"], 9), row["exact"], row["title_match"])
                                                          for row in r["rows"]])
        out[q, "chart"] = search.year_counts(conn, q)
    return out


@pytest.fixture
def unindexed(tmp_path):
    """An archive whose search index has no prefix indexes, as search migration m002 made it
    (m003 not applied), holding a mix of words that begin alike."""
    path = tmp_path / "old.db"
    old = Database(path)
    store.migrations.apply(old)
    search.search_migrations.apply(old, stop_before="m003_prefix_index")
    for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
        old.execute(f"DROP TRIGGER {trigger}")
    old.execute(f"DROP TABLE {schema.FTS_TABLE}")
    old.execute(f"DROP VIEW {schema.SEARCH_VIEW}")
    for sql in schema.fts_schema_sql():
        old.execute(re.sub(r",\s*prefix='[\d ]+'", "", sql))
    old.conn.commit()
    _fill(old)
    old.conn.commit()
    assert schema.indexed_prefix_lengths(old.conn) == frozenset()
    yield old
    old.close()


def test_the_index_gains_prefix_indexes_on_upgrade_and_finds_the_same(unindexed):
    before = _results(unindexed.conn)
    path = unindexed.conn.execute("PRAGMA database_list").fetchone()[2]
    unindexed.close()
    db = store.open_db(path)
    try:
        assert schema.indexed_prefix_lengths(db.conn) == frozenset(schema.PREFIX_LENGTHS)
        assert _results(db.conn) == before
        assert db.conn.execute(f"INSERT INTO {schema.FTS_TABLE}({schema.FTS_TABLE}) VALUES ('integrity-check')").fetchall() == []
        # kept in step by the triggers afterwards
        db.conn.execute("UPDATE articles SET title = 'ngoằn ngoèo' WHERE id = 1")
        assert 1 in {r["id"] for r in search.ranked_search(db.conn, "ngo*", limit=500)["rows"]}
    finally:
        db.close()


def test_a_new_archive_has_the_prefix_indexes(db):
    assert schema.indexed_prefix_lengths(db.conn) == frozenset(schema.PREFIX_LENGTHS) == {2, 3}


def _bulk(db, n: int = 3000) -> None:
    store.sync_portals(db, [{"id": f"p{k}", "name": f"p{k}", "start_urls": []} for k in range(10)])
    db.conn.executemany(
        "INSERT INTO articles(portal_id, url, title, body, published_at) VALUES (?, ?, ?, ?, ?)",
        [(f"p{i % 10}", f"https://b.example/{i}", "Quận họp" if i % 7 == 0 else "Tin mới",
          ("nghị quyết" if i % 2 else "nghỉ phép") + (" ngân sách" if i % 3 == 0 else ""), f"{2016 + i % 6}-05-01T08:00:00+07:00")
         for i in range(n)])
    db.conn.commit()


def test_an_indexed_prefix_is_counted_like_a_word_and_one_without_its_index_exactly(db, monkeypatch):
    _bulk(db)
    monkeypatch.setattr(search.limits, "RANK_WINDOW", 100)
    monkeypatch.setattr(search.limits, "COUNT_EXACT_UP_TO", 500)
    indexed = search.ranked_search(db.conn, "ngh*")  # three letters: read from the prefix index
    assert indexed["total_is_estimate"] and abs(indexed["total"] - 3000) <= 150, indexed["total"]
    merged = search.ranked_search(db.conn, "nghi*")  # four: every word it begins is merged, so counted at once
    assert not merged["total_is_estimate"] and merged["total"] == 3000
    assert search.ranked_search(db.conn, "nga*", filters=search.Filters(portal="p3"))["total"] == 100
    assert search.ranked_search(db.conn, "nga*")["total"] == 1000  # ngân, every third article


def _statements(conn) -> list[str]:
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    return seen


def test_a_page_of_title_matches_scores_only_the_title_matches(db):
    _bulk(db, 700)  # 100 titles with "quận", every body with "nghị" or "nghỉ"
    seen = _statements(db.conn)
    try:
        page = search.ranked_search(db.conn, "quan OR nghi", limit=20)
        scoring = [s for s in seen if "bm25(" in s]
        assert scoring and all("NOT +f.rowid IN" not in s for s in scoring), scoring
        assert [r["title_match"] for r in page["rows"]] == [1] * 20
        seen.clear()
        rows = search.ranked_search(db.conn, "quan OR nghi", limit=150)["rows"]
        assert any("NOT +f.rowid IN" in s for s in seen)  # past the titles: the other matches are scored
    finally:
        db.conn.set_trace_callback(None)
    assert [r["title_match"] for r in rows] == [1] * 100 + [0] * 50
    assert [r["id"] for r in rows[100:]] == [r[0] for r in db.conn.execute(
        f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'quan OR nghi' AND rowid % 7 != 1 "
        f"ORDER BY bm25(articles_fts, {', '.join(map(str, search.BM25_WEIGHTS))}), rowid DESC LIMIT 50")]


def test_a_large_filtered_searchs_chart_is_read_from_rowid_slices(db, monkeypatch):
    _bulk(db)
    monkeypatch.setattr(search.limits, "CHART_EXACT_UP_TO", 100)
    exact = dict(search.year_counts(db.conn, "nghi", filters=search.Filters(portal="p3")))
    assert exact == {"2017": 100, "2019": 100, "2021": 100}
    seen = _statements(db.conn)
    try:
        sampled = dict(search.year_counts(db.conn, "nghi", filters=search.Filters(portal="p3"), total=300))
    finally:
        db.conn.set_trace_callback(None)
    chart = [s for s in seen if "published_at" in s]
    assert chart and all("BETWEEN" in s and "4294967296" not in s for s in chart), chart
    assert set(sampled) <= set(exact) and sum(sampled.values()) > 0


def test_the_chart_reads_dates_from_the_index_of_dates_by_id(db):
    _bulk(db, 300)
    assert schema.DATE_BY_ID_INDEX in {i.name for i in db["articles"].indexes}
    seen = _statements(db.conn)
    try:
        chart = search.year_counts(db.conn, "nghi", filters=search.Filters(date_from="2017"))
    finally:
        db.conn.set_trace_callback(None)
    assert chart == [(str(y), 50) for y in range(2017, 2022)]
    plan = db.conn.execute("EXPLAIN QUERY PLAN " + next(s for s in seen if "published_at" in s)).fetchall()
    assert any(f"COVERING INDEX {schema.DATE_BY_ID_INDEX}" in row[-1] for row in plan), plan


def test_fewer_matches_than_the_rank_window_are_counted_in_one_walk(db, monkeypatch):
    _bulk(db, 600)
    monkeypatch.setattr(search.limits, "RANK_WINDOW", 100)
    seen = _statements(db.conn)
    try:
        small = search.ranked_search(db.conn, "ngan", filters=search.Filters(portal="p3"))  # 20 matches
        counting = [s for s in seen if "MATCH" in s and "bm25(" not in s and "title" not in s and "articles_exact" not in s]
        assert small["total"] == 20 and not small["total_is_estimate"] and len(counting) == 1, counting
        large = search.ranked_search(db.conn, "nghi")  # 600: the newest 100 counted by the same walk, and their boundary
    finally:
        db.conn.set_trace_callback(None)
    assert large["total"] == 600 and large["ranked_window"] == 100
