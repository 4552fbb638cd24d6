"""Vietnamese search through Datasette's own table search and JSON API (the real app)."""

import pytest

from archive import store
from archive.datasette import make_datasette

ARTICLES = [
    ("Đại biểu HĐND quận tiếp xúc cử tri", "Các đại biểu lắng nghe ý kiến cử tri phường Định Công."),
    ("Nâng cao chất lượng tổ chức cơ sở đảng", "Đảng bộ quận Hoàng Mai tổng kết công tác xây dựng Đảng."),
    ("Trời đang mưa to ở Hoàng Mai", "Nước dâng cao trên các tuyến phố."),
    ("Dáng đứng Việt Nam", "Triển lãm ảnh nghệ thuật tại nhà văn hóa quận."),
    ("Cải cách hành chính năm 2024", "Quận đẩy mạnh cải cách hành chính và chuyển đổi số."),
]


@pytest.fixture
def archive_path(db_path, db):
    for i, (title, body) in enumerate(ARTICLES):
        store.upsert_article(db, {"url": f"http://127.0.0.1/a/{i}", "title": title, "body": body,
                                  "published_at": f"2024-0{i + 1}-01T08:00:00+07:00"}, portal_id="test-portal")
    return db_path


async def search(path, query, **params):
    ds = make_datasette(path)
    response = await ds.client.get(f"/{path.stem}/articles.json", params={"_search": query, "_shape": "objects", **params})
    assert response.status_code == 200, response.text
    return sorted(row["title"] for row in response.json()["rows"])


@pytest.mark.parametrize(
    "query,expected",
    [
        ("dai bieu", ["Đại biểu HĐND quận tiếp xúc cử tri"]),
        ("Đại biểu", ["Đại biểu HĐND quận tiếp xúc cử tri"]),
        ("hoang mai", ["Nâng cao chất lượng tổ chức cơ sở đảng", "Trời đang mưa to ở Hoàng Mai"]),
        ("Hoàng Mai", ["Nâng cao chất lượng tổ chức cơ sở đảng", "Trời đang mưa to ở Hoàng Mai"]),
        # without diacritics "dang" finds đảng, đang and dáng alike
        ("dang", ["Dáng đứng Việt Nam", "Nâng cao chất lượng tổ chức cơ sở đảng", "Trời đang mưa to ở Hoàng Mai"]),
        # with đ typed, only đ-words match (the tones are still folded by SQLite)
        ("đảng", ["Nâng cao chất lượng tổ chức cơ sở đảng", "Trời đang mưa to ở Hoàng Mai"]),
        ("dinh cong", ["Đại biểu HĐND quận tiếp xúc cử tri"]),
        ("cai cach hanh chinh", ["Cải cách hành chính năm 2024"]),
        ("xyz khong co", []),
    ],
)
async def test_search_folds_diacritics_and_d(archive_path, query, expected):
    assert await search(archive_path, query) == expected


async def test_search_combines_with_filters_and_sort(archive_path):
    ds = make_datasette(archive_path)
    response = await ds.client.get(
        f"/{archive_path.stem}/articles.json",
        params={"_search": "quan", "published_at__gte": "2024-04-01", "_sort_desc": "published_at", "_shape": "objects"},
    )
    titles = [row["title"] for row in response.json()["rows"]]
    assert titles == ["Cải cách hành chính năm 2024", "Dáng đứng Việt Nam"]


async def test_metadata_facets_and_default_sort(archive_path):
    ds = make_datasette(archive_path)
    response = await ds.client.get(f"/{archive_path.stem}/articles.json?_shape=objects&_extra=facet_results")
    data = response.json()
    assert [row["published_at"][:7] for row in data["rows"]] == ["2024-05", "2024-04", "2024-03", "2024-02", "2024-01"]
    assert {"portal_id", "province", "category"} <= set(data["facet_results"])
    page = await ds.client.get(f"/{archive_path.stem}/articles?_search=dai+bieu")
    assert page.status_code == 200 and "Đại biểu HĐND" in page.text


async def test_vn_fold_sql_function_from_the_plugin(archive_path):
    ds = make_datasette(archive_path)
    response = await ds.client.get(f"/{archive_path.stem}.json", params={"sql": "select vn_fold('Đảng bộ đại hội') as f", "_shape": "array"})
    assert response.json() == [{"f": "Dảng bộ dại hội"}]
