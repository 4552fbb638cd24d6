"""Filtered searches (issue 18 point 4): the portal, province and category filters are tokens of
the search index, so a filtered search is one FTS5 query, and it finds the same rows, in the same
order, as the plain query narrowed afterwards."""

from __future__ import annotations

import random

import pytest
from sqlite_utils import Database

from archive import search, store

PORTALS = [{"id": pid, "name": pid, "province": province, "start_urls": []}
           for pid, province in (("hm", "Hà Nội"), ("vx", "Hà Giang"), ("bm", None))]
CATEGORIES = ["Tin tức", "Tin tức sự kiện", "Thông báo", None]
WORDS = ("quận huyện đại hội đảng bộ cải cách hành chính thủ tục một cửa người dân doanh nghiệp nông thôn mới "
         "giao thông trường học bệnh viện nga ngày ngân sách nghị quyết thủy lợi hoá chất").split()


@pytest.fixture(scope="module")
def mixed_archive(tmp_path_factory):
    db = store.open_db(tmp_path_factory.mktemp("filtered") / "archive.db", create=True)
    rng = random.Random(18)
    store.sync_portals(db, PORTALS)
    for i in range(240):
        portal = PORTALS[i % 3]
        title = " ".join(rng.choices(WORDS, k=6))
        body = " ".join(rng.choices(WORDS, k=40)) + f" bài số {i}"
        store.upsert_article(db, {"url": f"https://x.example/{i}", "title": title, "body": body,
                                  "published_at": f"20{10 + i % 12:02d}-0{1 + i % 9}-1{i % 10}T08:00:00+07:00",
                                  "category": CATEGORIES[i % 4]}, portal_id=portal["id"], province=portal["province"])
    yield db
    db.close()


@pytest.fixture
def mixed(mixed_archive):
    """The archive, left as found (a test may change an article inside a savepoint)."""
    mixed_archive.conn.execute("SAVEPOINT test")
    yield mixed_archive
    mixed_archive.conn.execute("ROLLBACK TO test")
    mixed_archive.conn.execute("RELEASE test")


def narrowed(conn, query: str, filters: search.Filters, sort: str) -> list[int]:
    """The plain query's rows (all of them) with the filters applied afterwards."""
    rows = search.ranked_search(conn, query, sort=sort, limit=1000)["rows"]
    keep = {r[0] for r in conn.execute(
        "SELECT id FROM articles WHERE (:portal IS NULL OR portal_id = :portal) AND (:province IS NULL OR province = :province) "
        "AND (:category IS NULL OR category = :category) AND (:date_from IS NULL OR published_at >= :date_from)",
        {"portal": filters.portal, "province": filters.province, "category": filters.category, "date_from": filters.date_from})}
    return [r["id"] for r in rows if r["id"] in keep]


@pytest.mark.parametrize("query", ["quan", "quận", '"cai cach hanh chinh"', "nga*", "dai hoi OR thuy loi", "nong thon NOT giao"])
@pytest.mark.parametrize("filters", [
    search.Filters(portal="vx"), search.Filters(province="Hà Nội"), search.Filters(category="Tin tức"),
    search.Filters(portal="hm", category="Tin tức sự kiện"), search.Filters(category="Thông báo", date_from="2015-01-01"),
])
@pytest.mark.parametrize("sort", ["rank", "newest", "oldest"])
def test_a_filtered_search_has_the_plain_querys_rows_narrowed(mixed, query, filters, sort):
    expected = narrowed(mixed.conn, query, filters, sort)
    result = search.ranked_search(mixed.conn, query, filters=filters, sort=sort, limit=15)
    assert [r["id"] for r in result["rows"]] == expected[:15]
    assert result["total"] == len(expected)
    second = search.ranked_search(mixed.conn, query, filters=filters, sort=sort, limit=15, offset=15)
    assert [r["id"] for r in second["rows"]] == expected[15:30]
    assert sum(n for _, n in search.year_counts(mixed.conn, query, filters=filters)) == len(expected)


def facet_ids(conn, **filters) -> set[int]:
    expression = search.Filters(**filters).fts()
    return {r[0] for r in conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", [expression])}


def test_the_filters_are_tokens_of_the_index_kept_in_step_with_the_articles(mixed):
    conn = mixed.conn
    for name, column, value in (("portal", "portal_id", "vx"), ("province", "province", "Hà Nội"),
                                ("category", "category", "Tin tức"), ("category", "category", "Tin tức sự kiện")):
        assert facet_ids(conn, **{name: value}) == {r[0] for r in conn.execute(f"SELECT id FROM articles WHERE {column} = ?", [value])}
    # a filtered search joins no article to count or rank: only date filters need the join
    q = search.statements.SearchSQL.build(conn, search.parse_query("quan"), search.Filters(portal="vx", category="Tin tức"))
    assert q.join == "" and "facets" in q.params["match"]
    # a re-categorised article moves with its category
    conn.execute("UPDATE articles SET category = 'Thông báo' WHERE id = 2")
    assert 2 in facet_ids(conn, category="Thông báo") and 2 not in facet_ids(conn, category=CATEGORIES[1])
    assert conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')").fetchall() == []


def test_an_archive_indexed_before_the_filter_tokens_is_reindexed_on_upgrade(tmp_path):
    path = tmp_path / "old.db"
    old = Database(path)
    store.migrations.apply(old)
    search.search_migrations.apply(old, stop_before="m002_facet_tokens")
    # the index as it was: no facets column
    old.execute("DROP TRIGGER articles_fts_ai")
    old.execute("DROP TRIGGER articles_fts_ad")
    old.execute("DROP TRIGGER articles_fts_au")
    old.execute("DROP TABLE articles_fts")
    old.execute("DROP VIEW articles_search")
    old.execute("CREATE VIEW articles_search AS SELECT id, title, lead, body, title AS title_folded, lead AS lead_folded, "
                "body AS body_folded FROM articles")
    old.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, body, title_folded, lead_folded, body_folded, "
                "content='articles_search', content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
    old.execute("INSERT INTO portals(id, name) VALUES ('vx', 'vx')")
    old.execute("INSERT INTO articles(portal_id, url, title, category) VALUES ('vx', 'https://x/1', 'Đại hội', 'Tin tức')")
    old.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    old.conn.commit()
    old.close()
    db = store.open_db(path)
    assert "facets" in db["articles_fts"].columns_dict
    assert [r["url"] for r in search.ranked_search(db.conn, "dai hoi", filters=search.Filters(portal="vx", category="Tin tức"))[
        "rows"]] == ["https://x/1"]


@pytest.mark.parametrize("prefix", ["ng*", "nghi*"])  # read from the prefix index (rowid slices), or merged (a hash)
def test_a_large_prefix_searchs_chart_samples_even_a_portal_every_tenth_row(db, monkeypatch, prefix):
    store.sync_portals(db, [{"id": f"p{n}", "name": f"p{n}", "start_urls": []} for n in range(10)])
    db.conn.executemany(
        "INSERT INTO articles(portal_id, url, title, body, published_at) VALUES (?, ?, 'Tin', ?, ?)",
        [(f"p{i % 10}", f"https://x/{i}", "nghị quyết" if i % 2 else "nghỉ phép", f"{2020 + i % 4}-05-01T08:00:00+07:00")
         for i in range(20_000)])
    db.conn.commit()
    monkeypatch.setattr(search.limits, "CHART_EXACT_UP_TO", 1_000)
    exact = dict(search.year_counts(db.conn, prefix))
    assert exact == {"2020": 5000, "2021": 5000, "2022": 5000, "2023": 5000}
    sampled = dict(search.year_counts(db.conn, prefix, total=20_000))
    assert set(sampled) == set(exact) and all(abs(sampled[y] - 5000) <= 1000 for y in exact), sampled
    one_portal = dict(search.year_counts(db.conn, prefix, filters=search.Filters(portal="p3"), total=2_000))
    assert set(one_portal) == {"2021", "2023"} and all(abs(n - 1000) <= 500 for n in one_portal.values()), one_portal
    assert search.chart_is_estimate(False, 2_000) and not search.chart_is_estimate(False, 900)
