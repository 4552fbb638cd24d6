"""A recovery against a small stand-in archive (no pywb needed): storage rules, retries, missing captures."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from archive import store
from crawler.recover import Recovery, archive_endpoints, capture_prefix, cdx_date
from crawler.archive_http import ArchiveClient
from crawler.registry import load_registry
from tests.conftest import FIXTURES, write_registry
from tests.servers import send_body

ARTICLE = (FIXTURES / "liferay-hanoi" / "hoangmai_2022-08-27_article-full.html").read_bytes()
URL = "https://hoangmai.hanoi.gov.vn/vi/tin-tuc/-/view_content/4409341-bai-viet-mau.html"


class _Archive(BaseHTTPRequestHandler):
    """CDX at /coll/cdx (IA JSON), raw replay at /coll/<ts>id_/<url>; scripted failures."""

    captures: list[tuple[str, str, bytes, int]] = []  # (url, timestamp, body, status)
    busy: int = 0  # replays answered 503 + Retry-After before the first success

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        if parts.path == "/coll/cdx":
            rows = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest"]]
            rows += [["vn,gov,hanoi,hoangmai)/x", ts, url, "text/html", "200", f"D{i}"] for i, (url, ts, _, _) in enumerate(self.captures)]
            send_body(self, 200, json.dumps(rows).encode(), "application/json")
            return
        if type(self).busy > 0:
            type(self).busy -= 1
            send_body(self, 503, headers={"Retry-After": "3"})
            return
        stamp, _, url = parts.path.removeprefix("/coll/").partition("id_/")
        for capture_url, ts, body, status in self.captures:
            if capture_url == url + (f"?{parts.query}" if parts.query else "") and ts == stamp:
                send_body(self, status, body, "text/html; charset=utf-8")
                return
        send_body(self, 404, b"not in the archive", "text/plain")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def stand_in():
    _Archive.busy = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Archive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/coll"
    server.shutdown()
    server.server_close()


@pytest.fixture
def portal(tmp_path):
    entry = {"id": "hanoi-hoang-mai", "name": "Quận Hoàng Mai", "level": "quận", "province": "Hà Nội",
             "base_url": "https://hoangmai.hanoi.gov.vn", "platform": "liferay-hanoi", "closed": "2025-07-01"}
    return load_registry(write_registry(tmp_path / "portals.toml", [entry]))["hanoi-hoang-mai"]


def run(db, portal, base, waits=None):
    client = ArchiveClient(delay=0, sleep=(waits.append if waits is not None else lambda s: None))
    try:
        return Recovery(db, portal, archive_endpoints(base), client).run()
    finally:
        client.close()


def test_versions_in_capture_order_busy_archive_waited_out_and_a_gone_capture_stores_nothing(db_path, portal, stand_in):
    edited = ARTICLE.replace("</p>".encode(), " Bản sửa.</p>".encode(), 1)
    _Archive.captures = [(URL, "20220827093150", ARTICLE, 200), (URL, "20230301080000", edited, 200),
                         (URL.replace("4409341", "4409999"), "20230401080000", ARTICLE, 404)]  # listed 200, replay 404
    _Archive.busy = 2
    db = store.open_db(db_path, create=True)
    waits: list[float] = []
    row = run(db, portal, stand_in, waits)
    assert waits == [3.0, 3.0]  # Retry-After honoured
    assert (row["mode"], row["outcome"], row["pages_fetched"], row["articles_new"], row["articles_updated"]) == ("wayback", "ok", 2, 1, 1)
    versions = db.execute("select version, seen_at from article_versions order by version").fetchall()
    assert versions == [(1, "2022-08-27T09:31:50+00:00"), (2, "2023-03-01T08:00:00+00:00")]
    assert db.execute("select count(*) from snapshots").fetchone()[0] == 2  # the capture answering 404 stored nothing
    assert db.execute("select state, result from wayback_captures where url like '%4409999%'").fetchone() == ("missing", "HTTP 404")

    # run again: listed again, nothing fetched twice, nothing stored twice
    row = run(db, portal, stand_in)
    assert (row["pages_fetched"], row["articles_new"], row["articles_updated"]) == (0, 0, 0)
    assert db.execute("select count(*) from article_versions").fetchone()[0] == 2
    db.close()


def test_an_older_capture_with_a_known_versions_content_is_no_new_version(db):
    article = {"url": URL, "title": "Tiêu đề", "body": "Thân bài một."}
    store.upsert_article(db, article, portal_id="test-portal", seen_at="2022-08-27T00:00:00+00:00")
    store.upsert_article(db, {**article, "body": "Thân bài hai."}, portal_id="test-portal", seen_at="2023-03-01T00:00:00+00:00")
    # the first capture met again (a resumed recovery, an older copy imported late)
    assert store.upsert_article(db, article, portal_id="test-portal", seen_at="2022-08-27T00:00:00+00:00") == "unchanged"
    assert db.execute("select count(*) from article_versions").fetchone()[0] == 2
    # a live crawl seeing the old content again today: a new version (the page was reverted)
    assert store.upsert_article(db, article, portal_id="test-portal", seen_at="2026-01-01T00:00:00+00:00") == "updated"


def test_archive_addresses_and_dates():
    assert archive_endpoints(None).cdx == "https://web.archive.org/cdx/search/cdx"
    assert archive_endpoints("http://127.0.0.1:8080/coll/").replay == "http://127.0.0.1:8080/coll"
    assert archive_endpoints("http://127.0.0.1:8080/coll").cdx == "http://127.0.0.1:8080/coll/cdx"
    assert archive_endpoints("https://a.org/wayback", "https://a.org/cdx-server").cdx == "https://a.org/cdx-server"
    with pytest.raises(ValueError):
        archive_endpoints("web archive")
    assert capture_prefix("https://www.badinh.hanoi.gov.vn") == "badinh.hanoi.gov.vn/"
    assert cdx_date("2025-07-01") == "20250701" and cdx_date("2019") == "2019" and cdx_date(None) is None
    with pytest.raises(ValueError):
        cdx_date("July 2025")


def test_an_archive_with_no_capture_of_the_portal_says_so(db_path, portal, stand_in):
    _Archive.captures = []
    db = store.open_db(db_path, create=True)
    row = run(db, portal, stand_in)
    assert (row["outcome"], row["pages_fetched"]) == ("ok", 0)
    assert row["message"] == f"no HTML capture of hoangmai.hanoi.gov.vn/ at {stand_in}"
    db.close()
