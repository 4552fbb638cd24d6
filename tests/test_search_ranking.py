"""Ranked search (archive.search) and the researcher's pages of the Datasette plugin."""

from __future__ import annotations

import csv
import io
import re
from xml.etree import ElementTree as ET

import pytest

from archive import search, store
from archive.datasette import make_datasette

ARTICLES = [
    # (title, body, published_at)
    ("Đại hội Đảng bộ quận Hoàng Mai", "Đại hội đại biểu Đảng bộ quận lần thứ V khai mạc.", "2020-08-25T08:00:00+07:00"),
    ("Tin văn hóa", "Bà Nguyễn Thị Lan nói về đại hội thể thao của huyện.", "2021-03-01T08:00:00+07:00"),
    ("Ma trận đề thi", "Học sinh ôn ma trận đề thi và má hồng.", "2022-01-01T08:00:00+07:00"),
    ("Lời kêu gọi", "Mà các hộ dân cần đăng ký trước ngày 15.", "2022-06-01T08:00:00+07:00"),
    ("Cải cách hành chính", "Quận đẩy mạnh cải cách hành chính và chuyển đổi số.", "2023-01-01T08:00:00+07:00"),
    ("Chuyển đổi số", "Hành chính công: cải cách thủ tục, không phải chính sách cải tạo.", "2023-02-01T08:00:00+07:00"),
    ("Họp báo tháng ba", "Nội dung về cử tri phường Định Công.", "2024-03-01T08:00:00+07:00"),
    ("Cử tri góp ý", "Phường Định Công tổ chức hội nghị.", "2024-04-01T08:00:00+07:00"),
]


@pytest.fixture
def conn(db):
    for i, (title, body, published) in enumerate(ARTICLES):
        store.upsert_article(db, {"url": f"http://127.0.0.1/a/{i}", "title": title, "body": body,
                                  "published_at": published}, portal_id="test-portal", province="Hà Nội")
    return db.conn


def titles(conn, query, **kwargs):
    return [row["title"] for row in search.ranked_search(conn, query, **kwargs)["rows"]]


@pytest.mark.parametrize("query,expected", [
    ("dai hoi dang bo", {"Đại hội Đảng bộ quận Hoàng Mai"}),          # đ folded in the query
    ("Đại hội Đảng bộ", {"Đại hội Đảng bộ quận Hoàng Mai"}),          # as written
    ("dinh cong", {"Họp báo tháng ba", "Cử tri góp ý"}),
    ("nguyen", {"Tin văn hóa"}),                                        # Nguyễn: two marks on one vowel
    ("huyen", {"Tin văn hóa"}),                                         # huyện
    ("đân", set()),                                                     # đ typed: not the plain d of "dân"
    ("dan", {"Lời kêu gọi"}),                                           # dân
    ("dang", {"Đại hội Đảng bộ quận Hoàng Mai", "Lời kêu gọi"}),       # Đảng, đăng
])
def test_folding_both_ways(conn, query, expected):
    assert set(titles(conn, query)) == expected


def test_exact_diacritics_rank_first(conn):
    # "mà" typed with its mark: the article with "Mà" comes before those with only ma/má
    assert titles(conn, "mà") == ["Lời kêu gọi", "Ma trận đề thi"]
    # without marks no preference: the title match ranks first
    assert titles(conn, "ma")[0] == "Ma trận đề thi"


def test_title_match_ranks_above_body_only(conn):
    assert titles(conn, "chuyen doi so") == ["Chuyển đổi số", "Cải cách hành chính"]
    assert titles(conn, "cu tri") == ["Cử tri góp ý", "Họp báo tháng ba"]


def test_phrase_prefix_and_operators(conn):
    assert titles(conn, '"cai cach hanh chinh"') == ["Cải cách hành chính"]  # words apart in the other
    assert set(titles(conn, "cai cach hanh chinh")) == {"Cải cách hành chính", "Chuyển đổi số"}
    assert set(titles(conn, "nguy*")) == {"Tin văn hóa"}
    assert set(titles(conn, "ma OR nguyen")) == {"Ma trận đề thi", "Tin văn hóa", "Lời kêu gọi"}
    assert titles(conn, "dinh cong NOT hop") == ["Cử tri góp ý"]


@pytest.mark.parametrize("query,expected,note", [
    ('"cai cach', {"Cải cách hành chính", "Chuyển đổi số"}, "without its pair"),   # the odd quote is a space
    ("(dai hoi", {"Đại hội Đảng bộ quận Hoàng Mai", "Tin văn hóa"}, "do not pair up"),
    ("dai hoi)", {"Đại hội Đảng bộ quận Hoàng Mai", "Tin văn hóa"}, "do not pair up"),
    ("cai (cach OR cai)", {"Cải cách hành chính", "Chuyển đổi số"}, None),          # brackets after a word
    ("Cải cách hành chính (lần thứ)", {"Cải cách hành chính", "Chuyển đổi số"},     # a pasted title's brackets;
     "searched for the first 4"),                                                  # no article has "lần thứ"
    ("dai AND", set(), None),                    # AND out of place is a word, and no article has "and"
    ("dinh OR", set(), None),
    ("OR dinh cong", {"Cử tri góp ý", "Họp báo tháng ba", "Chuyển đổi số"}, "some of them"),  # no "or" anywhere
    ("dinh cong NOT", {"Cử tri góp ý", "Họp báo tháng ba", "Chuyển đổi số"}, "some of them"),  # công
    ("hội nghị Định Công - phường", {"Cử tri góp ý"}, None),                      # FTS5 syntax characters
    ("a:b c^d NEAR(x y) {title}: -x +y", {"Cử tri góp ý"}, "some of them"),  # no title begins so: any word ("y": ý)
])
def test_anything_typed_is_searched_never_an_error(conn, query, expected, note):
    result = search.ranked_search(conn, query)
    assert {r["title"] for r in result["rows"]} == expected
    notes = " ".join(result["parsed"].notes)
    assert (note in notes) if note else not notes, notes


def test_only_an_empty_query_is_an_error_and_no_words_search_nothing(conn):
    with pytest.raises(search.SearchError, match="Type a word"):
        search.ranked_search(conn, "   ")
    for query in ("???", "()", "*", '""'):
        result = search.ranked_search(conn, query)
        assert (result["total"], result["rows"]) == (0, []) and "no words" in " ".join(result["parsed"].notes)


def test_a_query_fts5_still_rejects_is_searched_as_plain_words(conn):
    broken = search.ParsedQuery(text="cu tri (", match='"cu" AND "tri" AND (', terms=[search.Term(["cu"]), search.Term(["tri"])])
    result = search.ranked_search(conn, broken)
    assert {r["title"] for r in result["rows"]} == {"Cử tri góp ý", "Họp báo tháng ba"}
    assert "searched, all of them, as plain words" in result["parsed"].notes[0]


def test_filters_sort_and_paging(conn):
    assert titles(conn, "cai cach", sort="newest") == ["Chuyển đổi số", "Cải cách hành chính"]
    assert titles(conn, "phuong", filters=search.Filters(date_from="2024-04-01")) == ["Cử tri góp ý"]
    assert titles(conn, "phuong", filters=search.Filters(date_to="2024-03-01")) == ["Họp báo tháng ba"]
    first, second = (search.ranked_search(conn, "cu tri", limit=1, offset=n) for n in (0, 1))
    assert (first["total"], [r["title"] for r in first["rows"] + second["rows"]]) == (2, ["Cử tri góp ý", "Họp báo tháng ba"])


def test_window_ranking_for_very_common_queries(conn, monkeypatch):
    monkeypatch.setattr(search.limits, "RANK_WINDOW", 2)
    monkeypatch.setattr(search.limits, "TITLE_WINDOW", 2)
    result = search.ranked_search(conn, "cai cach")
    assert result["ranked_window"] == 2 and result["total"] == 2 or result["total"] <= 2
    result = search.ranked_search(conn, "phuong OR ma OR cai")
    # the title match (old, outside the 2 newest) is still found and ranked first
    assert result["ranked_window"] == 2 and result["rows"][0]["title"] in {"Ma trận đề thi", "Cải cách hành chính"}


def test_highlight_marks_the_original_text(conn):
    parsed = search.parse_query("dai hoi dang")
    assert search.highlight("Khai mạc Đại hội <Đảng> bộ", parsed) == \
        "Khai mạc <mark>Đại</mark> <mark>hội</mark> &lt;<mark>Đảng</mark>&gt; bộ"


# --- the plugin's pages, through the real Datasette app ------------------------------------

@pytest.fixture
def ds(conn, db_path):
    return make_datasette(db_path)


async def test_search_page_ranks_and_highlights(ds):
    response = await ds.client.get("/-/search", params={"q": "dai hoi dang bo"})
    assert response.status_code == 200
    assert '<mark>Đại</mark> <mark>hội</mark> <mark>Đảng</mark> <mark>bộ</mark>' in response.text
    assert re.search(r'id="result-count"><strong>1</strong> article ', response.text)


async def test_search_page_answers_any_query_with_notes_not_400(ds):
    for q in ("dai AND", '"cai cach', "cong (thong OR tin)", "Nghị định 15/2020 (sửa đổi)", "(((", "???"):
        for path in ("/-/search", "/-/search.json", "/-/search.atom"):
            response = await ds.client.get(path, params={"q": q})
            assert response.status_code == 200, (q, path, response.text[:300])
    data = (await ds.client.get("/-/search.json", params={"q": '"cai cach'})).json()
    assert data["total"] == 2 and "without its pair" in data["notes"][0]
    page = (await ds.client.get("/-/search", params={"q": "(dai hoi"})).text
    assert re.search(r'<p class="archive-note search-note">Brackets that do not pair up', page)
    page = (await ds.client.get("/-/search", params={"q": "???"})).text
    assert "no words" in page and 'id="export-csv"' not in page  # nothing to export, not every article
    response = await ds.client.get("/-/search.json", params={"q": "dai", "from": "yesterday"})
    assert response.status_code == 400 and "from: expected a date" in response.json()["error"]


async def test_search_json_and_atom(ds):
    data = (await ds.client.get("/-/search.json", params={"q": "cu tri", "size": 1})).json()
    assert (data["total"], data["pages"], data["rows"][0]["title"]) == (2, 2, "Cử tri góp ý")
    atom = await ds.client.get("/-/search.atom", params={"portal": "test-portal"})
    assert atom.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(atom.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == len(ARTICLES)
    assert entries[0].find("a:title", ns).text == "Cử tri góp ý"
    assert entries[0].find("a:id", ns).text.endswith("/-/articles/8")


async def test_article_page_versions_and_diff(ds, db):
    store.upsert_article(db, {"url": "http://127.0.0.1/a/4", "title": "Cải cách hành chính năm 2023",
                              "body": "Quận đẩy mạnh cải cách hành chính.\n\nThêm một đoạn mới.",
                              "published_at": "2023-01-01T08:00:00+07:00"}, portal_id="test-portal")
    data = (await ds.client.get("/-/articles/5.json", params={"from": 1, "to": 2})).json()
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert "+Thêm một đoạn mới." in data["diff"]["unified"]
    assert "-Title: Cải cách hành chính" in data["diff"]["unified"]
    page = await ds.client.get("/-/articles/5", params={"from": 1, "to": 2})
    assert page.status_code == 200 and 'id="diff"' in page.text and "Thêm một đoạn mới." in page.text
    assert (await ds.client.get("/-/articles/5", params={"from": 1, "to": 9})).status_code == 400
    assert (await ds.client.get("/-/articles/999")).status_code == 404


async def test_original_is_sanitised_with_csp(ds, db):
    html = (b'<html><head><script>alert(1)</script><link rel="stylesheet" href="http://portal.example/s.css"></head>'
            b'<body><h1 onclick="x()">Tin</h1><img src="http://portal.example/a.jpg" onerror="alert(2)" alt="anh">'
            b'<p style="background:url(http://portal.example/b.png)">Noi dung <a href="http://portal.example/x">link</a></p></body></html>')
    snapshot = store.store_snapshot(db, url="http://portal.example/a", body=html, status=200,
                                    headers={"Content-Type": "text/html; charset=utf-8"})
    store.upsert_article(db, {"url": "http://127.0.0.1/a/0", "title": "Đại hội Đảng bộ quận Hoàng Mai",
                              "body": "x"}, portal_id="test-portal", snapshot_id=snapshot)
    response = await ds.client.get("/-/articles/1/original")
    assert response.status_code == 200
    assert "script-src" not in response.headers["content-security-policy"]  # default-src 'none' covers it
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    body = response.text
    assert "Noi dung" in body and "<h1>Tin</h1>" in body
    for leaked in ("<script", "alert(", "onerror", "onclick", "portal.example/s.css", "a.jpg", "b.png", 'href="http'):
        assert leaked not in body.split("</p>", 1)[1], leaked


async def test_year_facet_and_canned_queries(ds, db_path):
    data = (await ds.client.get(f"/{db_path.stem}/articles.json", params={"_extra": "facet_results", "_size": 0})).json()
    years = {r["value"]: r["count"] for r in data["facet_results"]["published_at (year)"]["results"]}
    assert years == {"2020": 1, "2021": 1, "2022": 2, "2023": 2, "2024": 2}
    rows = (await ds.client.get(f"/{db_path.stem}/term_over_time.json", params={"term": "cai cach", "_shape": "array"})).json()
    assert rows == [{"year": "2023", "articles": 2}]
    rows = (await ds.client.get(f"/{db_path.stem}/newest_per_portal.json", params={"n": "1", "_shape": "array"})).json()
    assert [r["title"] for r in rows] == ["Cử tri góp ý"]
    rows = (await ds.client.get(f"/{db_path.stem}/articles_per_portal_per_month.json", params={"_shape": "array"})).json()
    assert len(rows) == 8 and rows[0] == {"portal_id": "test-portal", "month": "2020-08", "articles": 1}


@pytest.mark.parametrize("query", ['"cai cach" OR "dinh cong"', "dai NOT dang", "(ma OR mà) AND thi", "chuyen*"])
async def test_csv_and_table_json_exports_hold_exactly_the_matches_of_the_search(ds, query):
    ranked = (await ds.client.get("/-/search.json", params={"q": query, "size": 100})).json()
    assert ranked["total"] > 0
    page = (await ds.client.get("/-/search", params={"q": query})).text
    links = {name: re.search(rf'<a href="([^"]+)" id="export-{name}"', page).group(1).replace("&amp;", "&")
             for name in ("csv", "json")}
    exported_csv = list(csv.DictReader(io.StringIO((await ds.client.get(links["csv"])).text)))
    exported_json = (await ds.client.get(links["json"])).json()["rows"]
    expected = sorted(row["url"] for row in ranked["rows"])
    assert sorted(row["url"] for row in exported_csv) == expected
    assert sorted(row["url"] for row in exported_json) == expected


# --- very common queries: the window path, the estimated total ------------------------------

def _bulk(db, texts):
    """Articles straight into the table (the FTS triggers index them): ``texts`` is (title, body)."""
    db.conn.executemany(
        "INSERT INTO articles(portal_id, province, url, title, body, published_at) VALUES "
        "('test-portal', 'Hà Nội', ?, ?, ?, '2024-01-01T08:00:00+07:00')",
        [(f"http://127.0.0.1/bulk/{i}", title, body) for i, (title, body) in enumerate(texts)])
    db.conn.commit()
    return db.conn


@pytest.fixture
def clustered(db):
    """4,000 articles; "quận" in every one of the first 1,000 and in every 10th after (1,300)."""
    return _bulk(db, [("Tin tức", "Họp quận" if i < 1000 or i % 10 == 0 else "Họp phường") for i in range(4000)])


def test_total_far_above_the_window_is_estimated_from_slices(clustered, monkeypatch):
    monkeypatch.setattr(search.limits, "RANK_WINDOW", 100)
    monkeypatch.setattr(search.limits, "COUNT_EXACT_UP_TO", 200)
    result = search.ranked_search(clustered, "quan")
    # The newest 100 matches are 1 in 10 articles: extrapolating from them would say ~400.
    # Slices over all row ids see the dense first quarter.
    assert result["total_is_estimate"] is True
    assert abs(result["total"] - 1300) <= 0.05 * 1300, result["total"]
    assert result["total"] == round(result["total"], -2)  # two significant figures, no false precision
    assert len(result["rows"]) == 20 and result["ranked_window"] == 100


def test_total_is_exact_for_prefix_date_filtered_and_smaller_counts(clustered, monkeypatch):
    monkeypatch.setattr(search.limits, "RANK_WINDOW", 100)
    monkeypatch.setattr(search.limits, "COUNT_EXACT_UP_TO", 200)
    # a prefix without a prefix index (four letters) is merged in each statement: counted at once
    for query, kwargs in (("quan*", {}), ("quan", {"filters": search.Filters(date_from="2024-01-01")})):
        result = search.ranked_search(clustered, query, **kwargs)
        assert (result["total"], result["total_is_estimate"]) == (1300, False), query
    # one of three letters is read from its prefix index: estimated like a word
    result = search.ranked_search(clustered, "qua*")
    assert result["total_is_estimate"] is True and abs(result["total"] - 1300) <= 0.05 * 1300
    # a portal, province or category filter is part of the MATCH (issue 18 point 4): counted as without
    result = search.ranked_search(clustered, "quan", filters=search.Filters(province="Hà Nội"))
    assert result["total_is_estimate"] is True and abs(result["total"] - 1300) <= 0.05 * 1300
    monkeypatch.setattr(search.limits, "COUNT_EXACT_UP_TO", 2000)
    result = search.ranked_search(clustered, "quan")
    assert (result["total"], result["total_is_estimate"]) == (1300, False)  # newest 100 + the older ones counted
    monkeypatch.setattr(search.limits, "RANK_WINDOW", 5000)
    assert search.ranked_search(clustered, "quan")["total_is_estimate"] is False


def test_window_ranking_reads_the_rank_window_when_title_matches_are_few(db, monkeypatch):
    # 300 matches; 2 title matches; the word typed with marks ("mà") only in one body.
    texts = [("Tin ma", "nội dung"), ("Tin khác", "ma trận")] + [("Tin", "má hồng") for _ in range(297)] + [("Tin", "mà thôi")]
    conn = _bulk(db, texts)
    monkeypatch.setattr(search.limits, "RANK_WINDOW", 50)
    monkeypatch.setattr(search.limits, "TITLE_WINDOW", 10)
    plain = search.ranked_search(conn, "ma", limit=5)
    assert plain["ranked_window"] == 50 and plain["rows"][0]["title"] == "Tin ma"
    assert [r["title_match"] for r in plain["rows"]] == [1, 0, 0, 0, 0]
    marked = search.ranked_search(conn, "mà", limit=3)
    # exact first even though it is a body match and no title match is exact
    assert marked["rows"][0]["body"] == "mà thôi" and [r["exact"] for r in marked["rows"]] == [1, 0, 0]
    assert marked["rows"][1]["title"] == "Tin ma"  # then the title match


def test_rare_exact_matches_are_found_past_the_lookups(db, monkeypatch):
    # "mà" typed: one exact article behind 60 better-scored title matches of "ma".
    conn = _bulk(db, [("ma ma", "ngắn") for _ in range(60)] + [("Tin", "mà " + "chữ " * 50)])
    monkeypatch.setattr(search.limits, "EXACT_LOOKUPS", 8)  # so the rest is tested by one scan
    rows = search.ranked_search(conn, "mà", limit=3)["rows"]
    assert rows[0]["body"].startswith("mà") and [r["exact"] for r in rows] == [1, 0, 0]
    assert search.ranked_search(conn, "mà", limit=3, offset=1)["rows"][0]["title"] == "ma ma"


async def test_estimated_total_is_said_in_json_and_html(ds, monkeypatch):
    data = (await ds.client.get("/-/search.json", params={"q": "phuong OR ma OR cai"})).json()
    assert data["total_is_estimate"] is False
    monkeypatch.setattr(search.limits, "RANK_WINDOW", 2)
    monkeypatch.setattr(search.limits, "COUNT_EXACT_UP_TO", 2)
    data = (await ds.client.get("/-/search.json", params={"q": "phuong OR ma OR cai"})).json()
    assert data["total_is_estimate"] is True and data["total"] > 0
    page = (await ds.client.get("/-/search", params={"q": "phuong OR ma OR cai"})).text
    assert re.search(r'id="result-count"><span id="total-estimate"[^>]*>about</span> <strong>[\d,]+</strong>', page)
    monkeypatch.setattr(search.limits, "COUNT_EXACT_UP_TO", 100)
    page = (await ds.client.get("/-/search", params={"q": "phuong OR ma OR cai"})).text
    assert "total-estimate" not in page


# --- the search page at scale: the form's choices, the chart, the newest-first listing -------

def test_distinct_values_by_index_are_those_of_a_scan(db):
    conn = db.conn
    for i, (province, category) in enumerate([("Hà Nội", "Tin tức"), ("Hồ Chí Minh", None), (None, "Thông báo"),
                                              ("Hà Nội", "Sự kiện"), ("Hồ Chí Minh", "Tin tức")]):
        store.upsert_article(db, {"url": f"http://127.0.0.1/d/{i}", "title": f"Bài {i}", "category": category},
                             portal_id="test-portal", province=province)
    for column in ("province", "category"):
        scanned = [r[0] for r in conn.execute(f"SELECT DISTINCT {column} FROM articles WHERE {column} IS NOT NULL ORDER BY 1")]
        assert search.distinct_values(conn, column) == scanned
        plan = " ".join(str(r) for r in conn.execute(f"EXPLAIN QUERY PLAN SELECT min({column}) FROM articles WHERE {column} > 'a'"))
        assert f"articles_{column}" in plan  # migration m004's index: a seek per value, not a scan
    assert search.distinct_values(conn, "category", limit=2) == ["Sự kiện", "Thông báo"]


def test_newest_first_keeps_undated_articles_last_and_reads_the_date_index(db):
    for i, published in enumerate(["2021-01-01T08:00:00+07:00", None, "2023-01-01T08:00:00+07:00"]):
        store.upsert_article(db, {"url": f"http://127.0.0.1/n/{i}", "title": f"Bài {i}", "published_at": published},
                             portal_id="test-portal")
    rows = search.newest_articles(db.conn)["rows"]
    assert [r["title"] for r in rows] == ["Bài 2", "Bài 0", "Bài 1"]
    plan = " ".join(str(r) for r in db.conn.execute(f"EXPLAIN QUERY PLAN SELECT id FROM articles a ORDER BY {search.SORTS['newest']}, a.id DESC LIMIT 20"))
    assert "USE TEMP B-TREE" not in plan  # no sort of every article


def test_year_counts_are_sampled_when_the_total_is_estimated(clustered, monkeypatch):
    conn = clustered
    conn.execute("UPDATE articles SET published_at = CASE WHEN id % 2 THEN '2020-05-01T08:00:00+07:00' "
                 "ELSE '2021-05-01T08:00:00+07:00' END")
    conn.commit()
    exact = dict(search.year_counts(conn, "quan"))
    monkeypatch.setattr(search.limits, "COUNT_SAMPLE", 0.2)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    sampled = dict(search.year_counts(conn, "quan", estimate=True))
    conn.set_trace_callback(None)
    assert any("rowid BETWEEN" in sql and "UNION ALL" in sql for sql in statements)  # slices, not every match
    assert exact == {"2020": 800, "2021": 500} and sampled.keys() == exact.keys()  # odd ids in 2020
    assert all(abs(sampled[y] - exact[y]) <= 0.1 * exact[y] for y in exact), sampled
    filtered = search.year_counts(conn, "quan", filters=search.Filters(province="Hà Nội"), estimate=True)
    assert dict(filtered) == exact  # a filtered search is counted exactly (no slices to sample)


async def test_json_and_atom_skip_the_chart_and_the_page_says_when_it_is_estimated(ds, monkeypatch):
    def no_chart(*args, **kwargs):
        raise AssertionError("the JSON and Atom outputs show no chart")

    with monkeypatch.context() as patch:
        patch.setattr(search, "year_counts", no_chart)
        assert (await ds.client.get("/-/search.json", params={"q": "dai"})).status_code == 200
        assert (await ds.client.get("/-/search.atom", params={"q": "dai"})).status_code == 200
    page = (await ds.client.get("/-/search", params={"q": "phuong OR ma OR cai"})).text
    assert 'aria-label="Matches per year" id="year-chart"' in page
    monkeypatch.setattr(search.limits, "RANK_WINDOW", 2)
    monkeypatch.setattr(search.limits, "COUNT_EXACT_UP_TO", 2)
    page = (await ds.client.get("/-/search", params={"q": "phuong OR ma OR cai"})).text
    assert 'aria-label="Matches per year, estimated from a sample" id="year-chart"' in page and "<title>2024: about " in page


@pytest.mark.parametrize("filters", [None, search.Filters(portal="test-portal"), search.Filters(date_from="2022-01-01"),
                                     search.Filters(province="Hà Nội")])
def test_newest_first_by_the_date_index_gives_the_rows_of_the_join(conn, monkeypatch, filters):
    by_join = search.ranked_search(conn, "cai OR phuong OR dai OR ma", sort="newest", filters=filters, limit=3, offset=1)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    monkeypatch.setattr(search.limits, "DATE_SCAN_ABOVE", 0)
    by_index = search.ranked_search(conn, "cai OR phuong OR dai OR ma", sort="newest", filters=filters, limit=3, offset=1)
    conn.set_trace_callback(None)
    assert by_index["rows"] == by_join["rows"] and len(by_index["rows"]) == 3
    walked = any("INDEXED BY" in sql for sql in statements)
    assert walked == (filters is None or filters.province is None), statements  # province: the join
