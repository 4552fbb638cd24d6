"""The same story re-posted (issue 18 point 5): near-duplicates share a story at storage, search
shows a story once with its copies, the article page lists them, existing archives upgrade."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database

from archive import search, store
from archive.datasette import make_datasette
from tests.conftest import requires_shared

PORTALS = [{"id": f"p{n}", "name": name, "province": "Hà Giang", "start_urls": []}
           for n, name in enumerate(("Tỉnh Hà Giang", "Huyện Vị Xuyên", "Huyện Bắc Mê"))]

STORY = ("Hội nghị tổng kết công tác chuyển đổi số năm 2024",
         "Sáng 12/12, Ủy ban nhân dân tỉnh tổ chức hội nghị tổng kết công tác chuyển đổi số năm 2024.",
         "Dự hội nghị có lãnh đạo các sở, ban, ngành và Ủy ban nhân dân các huyện, thành phố.\n\n"
         "Năm 2024, tỉnh đã hoàn thành 45 trên 52 chỉ tiêu chuyển đổi số, tỷ lệ hồ sơ trực tuyến toàn trình đạt 68 phần trăm, "
         "hạ tầng cáp quang đã phủ đến 100 phần trăm các xã.\n\n"
         "Phát biểu chỉ đạo, đồng chí Phó Chủ tịch Ủy ban nhân dân tỉnh đề nghị các đơn vị tiếp tục rà soát thủ tục hành chính, "
         "đẩy mạnh thanh toán không dùng tiền mặt và đào tạo kỹ năng số cho người dân ở vùng sâu, vùng xa.\n\n"
         "Hội nghị cũng khen thưởng 12 tập thể và 25 cá nhân có thành tích xuất sắc.")
# Another story of the same series: the same template, other facts.
SIBLING = ("Hội nghị tổng kết công tác cải cách hành chính năm 2024",
           "Chiều 20/12, Ủy ban nhân dân tỉnh tổ chức hội nghị tổng kết công tác cải cách hành chính năm 2024.",
           "Tham dự có đại diện Văn phòng Chính phủ và lãnh đạo các huyện.\n\n"
           "Chỉ số cải cách hành chính của tỉnh tăng 7 bậc so với năm trước; 1.842 thủ tục được niêm yết công khai, "
           "số hồ sơ trễ hạn giảm một nửa nhờ bộ phận một cửa liên thông ba cấp.\n\n"
           "Kết luận hội nghị, đồng chí Chủ tịch Ủy ban nhân dân tỉnh yêu cầu người đứng đầu chịu trách nhiệm về kết quả "
           "giải quyết hồ sơ, xử lý nghiêm cán bộ gây phiền hà cho doanh nghiệp.\n\n"
           "Dịp này, 8 tập thể được tặng bằng khen.")


def article(url: str, text: tuple[str, str, str], *, published: str, prefix: str = "", credit: str = "") -> dict:
    title, lead, body = text
    return {"url": url, "title": prefix + title, "lead": lead, "body": body + credit, "published_at": published,
            "category": "Tin tức"}


def repost_run() -> list[tuple[str, dict]]:
    """The province's story, two districts' re-posts (edited), and another story of the series."""
    return [
        ("p1", article("https://vixuyen.example/tin/1", STORY, published="2024-12-12T15:00:00+07:00",
                       prefix="Vị Xuyên: ", credit="\n\n(Theo Cổng TTĐT tỉnh Hà Giang)")),
        ("p0", article("https://hagiang.example/tin/1", STORY, published="2024-12-12T10:00:00+07:00")),
        ("p2", article("https://bacme.example/tin/9", (STORY[0], STORY[1], STORY[2].rsplit("\n\n", 1)[0]),
                       published="2024-12-13T08:00:00+07:00")),
        ("p0", article("https://hagiang.example/tin/2", SIBLING, published="2024-12-20T16:00:00+07:00")),
    ]


@pytest.fixture
def reposted(db_path):
    db = store.open_db(db_path, create=True)
    store.sync_portals(db, PORTALS)
    for portal, item in repost_run():
        store.upsert_article(db, item, portal_id=portal)
    yield db
    db.close()


def story_of(db, url: str) -> int:
    return db.execute("SELECT story_id FROM articles WHERE url = ?", [url]).fetchone()[0]


def test_reposts_on_other_portals_share_a_story_and_a_sibling_of_the_series_does_not(reposted):
    story = story_of(reposted, "https://hagiang.example/tin/1")
    assert story_of(reposted, "https://vixuyen.example/tin/1") == story
    assert story_of(reposted, "https://bacme.example/tin/9") == story
    assert story_of(reposted, "https://hagiang.example/tin/2") != story


def test_a_changed_article_leaves_its_story_and_the_others_keep_theirs(reposted):
    first = story_of(reposted, "https://vixuyen.example/tin/1")  # stored first: the story is named after it
    assert first == reposted.execute("SELECT id FROM articles WHERE url = ?", ["https://vixuyen.example/tin/1"]).fetchone()[0]
    store.upsert_article(reposted, article("https://vixuyen.example/tin/1", SIBLING, published="2024-12-12T15:00:00+07:00"),
                         portal_id="p1")
    moved = story_of(reposted, "https://vixuyen.example/tin/1")
    assert moved == story_of(reposted, "https://hagiang.example/tin/2")  # now a copy of the sibling story
    assert story_of(reposted, "https://hagiang.example/tin/1") == story_of(reposted, "https://bacme.example/tin/9") == first
    # and a text of its own again: a story name no other article uses
    store.upsert_article(reposted, {"url": "https://hagiang.example/tin/1", "title": "Thông báo lịch tiếp công dân",
                                    "body": " ".join(f"từ{n}" for n in range(60))}, portal_id="p0")
    alone = story_of(reposted, "https://hagiang.example/tin/1")
    assert alone not in {story_of(reposted, u) for u in ("https://bacme.example/tin/9", "https://hagiang.example/tin/2")}
    assert reposted.execute("SELECT count(*) FROM articles WHERE story_id = ?", [alone]).fetchone()[0] == 1


def test_short_texts_alike_are_not_one_story(db):
    for n in range(3):
        store.upsert_article(db, {"url": f"https://x.example/{n}", "title": "Lịch công tác tuần", "body": "Xem tệp đính kèm."},
                             portal_id="test-portal")
    assert db.execute("SELECT count(DISTINCT story_id) FROM articles").fetchone()[0] == 3


def test_a_batch_gives_the_stories_one_item_at_a_time_gives(tmp_path):
    def item(portal: str, art: dict) -> dict:
        return {"portal_id": portal, "url": art["url"], "fetched_url": art["url"], "fetched_at": "2025-01-01T00:00:00+00:00",
                "status": 200, "headers": {}, "raw": art["url"].encode(), "article": art}

    run = [("article", item(p, a)) for p, a in repost_run()]
    # an archived article re-crawled with the sibling's text, in the middle of the batch
    edited = article("https://vixuyen.example/tin/1", SIBLING, published="2024-12-12T15:00:00+07:00")
    states = []
    for one_by_one in (True, False):
        db = store.open_db(tmp_path / f"{one_by_one}.db", create=True)
        store.sync_portals(db, PORTALS)
        store.store_crawled_item(db, *run[0])
        rest = run[1:3] + [("article", item("p1", edited))] + run[3:]
        if one_by_one:
            for kind, it in rest:
                store.store_crawled_item(db, kind, it)
        else:
            store.store_crawled_items(db, [(kind, it, None, None) for kind, it in rest])
        states.append(db.execute("SELECT url, story_id FROM articles ORDER BY url").fetchall())
    assert states[0] == states[1]


def test_an_archive_of_before_stories_upgrades_in_place_and_its_articles_get_stories(tmp_path):
    path = tmp_path / "old.db"
    old = Database(path)
    store.migrations.apply(old, stop_before="m008_stories")
    search.search_migrations.apply(old)
    old.execute("INSERT INTO portals(id, name) VALUES ('p0', 'p0'), ('p1', 'p1'), ('p2', 'p2')")
    for portal, a in repost_run():
        old.execute("INSERT INTO articles(portal_id, url, title, lead, body, published_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [portal, a["url"], a["title"], a["lead"], a["body"], a["published_at"]])
    old.conn.commit()
    assert "story_id" not in old["articles"].columns_dict
    old.close()
    with pytest.raises(store.ArchiveNeedsUpgrade, match="m008_stories"):
        store.open_db(path, migrate=False)
    db = store.open_db(path)
    stories_ = dict(db.execute("SELECT url, story_id FROM articles").fetchall())
    assert stories_["https://hagiang.example/tin/1"] == stories_["https://vixuyen.example/tin/1"] == stories_["https://bacme.example/tin/9"]
    assert stories_["https://hagiang.example/tin/2"] != stories_["https://hagiang.example/tin/1"]
    # and new articles are matched against the upgraded ones
    store.upsert_article(db, article("https://other.example/1", SIBLING, published="2024-12-21T08:00:00+07:00"), portal_id="p2")
    assert story_of(db, "https://other.example/1") == stories_["https://hagiang.example/tin/2"]


def test_ranked_search_shows_a_story_once_led_by_its_first_publication(reposted):
    result = search.ranked_search(reposted.conn, "chuyen doi so")
    rows = result["rows"]
    assert [r["url"] for r in rows] == ["https://hagiang.example/tin/1"]  # the earliest, though stored second
    assert [(c["url"], c["published_at"]) for c in rows[0]["copies"]] == [
        ("https://vixuyen.example/tin/1", "2024-12-12T15:00:00+07:00"), ("https://bacme.example/tin/9", "2024-12-13T08:00:00+07:00")]
    assert rows[0]["also_on_portals"] == 2
    # a filter keeps its own copy as the result
    only = search.ranked_search(reposted.conn, "chuyen doi so", filters=search.Filters(portal="p2"))["rows"]
    assert [r["url"] for r in only] == ["https://bacme.example/tin/9"]
    # every sort collapses, and pages do not repeat a story
    for sort in ("newest", "oldest"):
        assert len(search.ranked_search(reposted.conn, "hoi nghi tong ket", sort=sort)["rows"]) == 2
    pages = [search.ranked_search(reposted.conn, "hoi nghi tong ket", limit=1, offset=n)["rows"] for n in range(3)]
    assert len({r[0]["story_id"] for r in pages[:2]}) == 2 and pages[2] == []


async def test_search_page_and_json_show_the_copies_and_the_article_page_lists_them(reposted, db_path):
    ds = make_datasette(db_path)
    data = (await ds.client.get("/-/search.json", params={"q": "chuyển đổi số"})).json()
    assert len(data["rows"]) == 1
    row = data["rows"][0]
    assert row["also_on_portals"] == 2
    assert [c["portal_name"] for c in row["copies"]] == ["Huyện Vị Xuyên", "Huyện Bắc Mê"]
    assert all(c["article_url"].endswith(f"/-/articles/{c['id']}") for c in row["copies"])
    page = (await ds.client.get("/-/search", params={"q": "chuyển đổi số"})).text
    assert "also on 2 portals" in page and "https://bacme.example/tin/9" in page
    copy_id = row["copies"][1]["id"]
    article = (await ds.client.get(f"/-/articles/{copy_id}.json")).json()
    assert [c["url"] for c in article["copies"]] == ["https://hagiang.example/tin/1", "https://vixuyen.example/tin/1"]
    assert article["copies"][0]["first"] is True
    html = (await ds.client.get(f"/-/articles/{copy_id}")).text
    assert 'id="story-copies"' in html and "First published" in html and "Tỉnh Hà Giang" in html
    alone = reposted.execute("SELECT id FROM articles WHERE url = 'https://hagiang.example/tin/2'").fetchone()[0]
    assert 'id="story-copies"' not in (await ds.client.get(f"/-/articles/{alone}")).text


async def test_the_canned_query_lists_the_most_reposted_stories(reposted, db_path):
    ds = make_datasette(db_path)
    response = await ds.client.get(f"/{db_path.stem}/most_reposted_stories.json", params={"_shape": "objects"})
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert [(r["copies"], r["portals"], r["first_portal"]) for r in rows] == [(3, 3, "p0")]


@requires_shared()
def test_the_hanoi_archives_own_reposts_are_one_story_each_and_nothing_else_is_merged(sotttt_import):
    """Pairs of ids with the same title and text (e.g. "Hoạt động của các điểm Bưu điện…")."""
    result = sotttt_import["result"]  # the session's one import of the mirror, read only here
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(f"file:{sotttt_import['db_path']}?mode=ro", uri=True)
    same_text: dict[tuple, set[int]] = {}
    for article_id, title, body in conn.execute("SELECT id, title, body FROM articles"):
        same_text.setdefault((title, body), set()).add(article_id)
    reposts = sorted(sorted(ids) for ids in same_text.values() if len(ids) > 1)
    assert reposts, "the Hanoi pages hold re-posts"
    grouped = sorted(sorted(int(i) for i in ids.split(",")) for (ids,) in conn.execute(
        "SELECT group_concat(id) FROM articles GROUP BY story_id HAVING count(*) > 1"))
    exact = [ids for ids in grouped if ids in reposts]
    assert exact == reposts
    edited = [ids for ids in grouped if ids not in reposts]  # the same story, edited: one pair, same title
    assert len(edited) == 1
    assert all(len({conn.execute("SELECT title FROM articles WHERE id = ?", [i]).fetchone()[0] for i in ids}) == 1
               for ids in edited)
    found = search.ranked_search(conn, "Hoạt động của các điểm Bưu điện - Văn hoá xã")["rows"]
    assert len([r for r in found if r["title"].startswith("Hoạt động của các điểm Bưu điện")]) == 1
