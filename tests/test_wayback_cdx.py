"""The CDX client: both answer shapes, paging (resume keys, and servers that cannot page), politeness."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.archive_http import ArchiveClient, ArchiveUnreachable, retry_after_seconds
from crawler.cdx import Capture, CdxError, CdxListing, Cursor, ResumeKey, parse_cdx, timestamp_iso
from tests.conftest import FIXTURES
from tests.servers import send_body

WAYBACK = FIXTURES / "wayback"
EXPECTED = [  # the HTML-200 captures of both fixtures, identical content collapsed, in the server's order
    ("http://hoangmai.hanoi.gov.vn/", "20190412031522"),
    ("https://hoangmai.hanoi.gov.vn/", "20210611080001"),
    ("https://hoangmai.hanoi.gov.vn/vi/tin-tuc/-/view_content/4409341-hoi-nghi-so-ket.html", "20220827093150"),
    ("https://hoangmai.hanoi.gov.vn/vi/tin-tuc/-/view_content/4409341-hoi-nghi-so-ket.html", "20240102090000"),
]


def chunks(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def kept(rows) -> list[tuple[str, str]]:
    """What a listing keeps of parsed rows: HTML 200, adjacent identical content collapsed."""
    out, previous = [], None
    for row in rows:
        if isinstance(row, Capture) and row.is_html_ok and (row.urlkey, row.digest) != previous:
            previous = (row.urlkey, row.digest)
            out.append((row.url, row.timestamp))
    return out


@pytest.mark.parametrize("size", [7, 100, 1_000_000])
def test_ia_json_and_pywb_lines_give_the_same_captures(size):
    ia = list(parse_cdx(chunks((WAYBACK / "ia-cdx.json").read_text(encoding="utf-8"), size)))
    pywb = list(parse_cdx(chunks((WAYBACK / "pywb-cdx.jsonl").read_text(encoding="utf-8"), size)))
    assert ia[-1] == ResumeKey("vn%2Cgov%2Chanoi%2Choangmai%29%2Fvi%2Ftin-tuc%2F-%2Fview_content%2F4410022-bai-da-go.html+20240315101010")
    assert [r for r in ia if isinstance(r, Capture)] == pywb  # same rows, same fields, whatever the shape
    assert kept(ia) == kept(pywb) == EXPECTED


def test_ia_json_all_on_one_line_and_text_shapes():
    rows = json.loads((WAYBACK / "ia-cdx.json").read_text(encoding="utf-8"))
    one_line = list(parse_cdx([json.dumps(rows)]))
    assert kept(one_line) == EXPECTED and one_line[-1] == ResumeKey(rows[-1][0])
    # IA/OpenWayback text: space-separated, so a media type without parameters
    text = "\n".join(" ".join(c.split(";")[0] for c in r) for r in rows[1:-2]) + "\n\n" + rows[-1][0] + "\n"
    assert kept(parse_cdx([text])) == EXPECTED
    cdxj = "\n".join(f'{r[0]} {r[1]} {json.dumps({"url": r[2], "mime": r[3], "status": r[4], "digest": r[5]})}' for r in rows[1:-2])
    assert kept(parse_cdx([cdxj])) == EXPECTED


def test_not_a_cdx_answer_is_refused_in_one_line():
    with pytest.raises(CdxError, match="not a CDX answer"):
        list(parse_cdx(["<!doctype html><html><body>Log in</body></html>"]))
    assert list(parse_cdx([""])) == []


def test_capture_time():
    assert timestamp_iso("20220827034445") == "2022-08-27T03:44:45+00:00"
    assert timestamp_iso("2019") == "2019-01-01T00:00:00+00:00"


class _Cdx(BaseHTTPRequestHandler):
    """A CDX server: ``ia`` pages with resume keys; ``pywb`` honours limit and has no keys."""

    rows: list[list[str]] = []
    style = "ia"
    seen: list[dict] = []
    fail_first: int = 0

    def do_GET(self) -> None:  # noqa: N802
        query = parse_qs(urlsplit(self.path).query)
        type(self).seen.append(query)
        if type(self).fail_first > 0:
            type(self).fail_first -= 1
            self.send_response(429)
            self.send_header("Retry-After", "2")
            self.end_headers()
            return
        start = int(query.get("resumeKey", ["0"])[0])
        limit = int(query["limit"][0]) if "limit" in query else None
        rows = self.rows[start:start + limit] if limit else self.rows[start:]
        if self.style == "ia":
            body = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"], *rows]
            if limit and start + limit < len(self.rows):
                body += [[], [str(start + limit)]]
            text = "[" + ",\n".join(json.dumps(r) for r in body) + "]\n"
        else:
            text = "".join(json.dumps({"urlkey": r[0], "timestamp": r[1], "url": r[2], "mime": r[3], "status": r[4], "digest": r[5]}) + "\n"
                           for r in rows)
        send_body(self, 200, text.encode(), "application/json")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def cdx_server():
    _Cdx.rows = [[f"vn,gov,x)/a/{i:04d}", f"2020010100{i % 60:02d}00", f"https://x.gov.vn/a/{i:04d}", "text/html", "200", f"D{i}", "1"]
                 for i in range(23)]
    _Cdx.seen = []
    _Cdx.fail_first = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Cdx)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cdx"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("style", ["ia", "pywb"])
def test_listing_pages_through_every_capture(cdx_server, style):
    _Cdx.style = style
    with ArchiveClient(delay=0) as client:
        listing = CdxListing(client, cdx_server, "x.gov.vn/", page_size=5)
        urls = [c.url for c in listing]
    assert urls == [f"https://x.gov.vn/a/{i:04d}" for i in range(23)]  # all, once, in order
    first = _Cdx.seen[0]
    assert first["url"] == ["x.gov.vn/"] and first["matchType"] == ["prefix"] and first["collapse"] == ["digest"]
    assert first["filter"] == ["statuscode:200", "mimetype:text/html"]
    if style == "ia":  # 5 pages, each asked with the key the one before ended with
        assert [q.get("resumeKey", [None])[0] for q in _Cdx.seen] == [None, "5", "10", "15", "20"]
    else:  # a full page and no key: the server cannot page; the whole answer is read once, past the first page
        assert len(_Cdx.seen) == 2 and "limit" not in _Cdx.seen[1]


def test_listing_resumes_from_its_cursor(cdx_server):
    _Cdx.style = "ia"
    with ArchiveClient(delay=0) as client:
        listing = CdxListing(client, cdx_server, "x.gov.vn/", page_size=5)
        it = iter(listing)
        first = [next(it).url for _ in range(7)]
        saved = listing.cursor.to_json()  # a kill here: the cursor was saved with the 7 captures
        rest = [c.url for c in CdxListing(client, cdx_server, "x.gov.vn/", page_size=5, cursor=Cursor.from_json(saved))]
    assert first + rest == [f"https://x.gov.vn/a/{i:04d}" for i in range(23)]


def test_429_waits_retry_after_then_retries(cdx_server):
    _Cdx.style = "ia"
    _Cdx.fail_first = 2
    waits: list[float] = []
    with ArchiveClient(delay=0, sleep=waits.append) as client:
        urls = [c.url for c in CdxListing(client, cdx_server, "x.gov.vn/", page_size=100)]
        assert client.requests == 3
    assert len(urls) == 23 and waits == [2.0, 2.0]


def test_the_delay_spaces_requests(cdx_server):
    _Cdx.style = "ia"
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(round(seconds, 3))
        now[0] += seconds

    with ArchiveClient(delay=1.0, sleep=sleep, clock=lambda: now[0]) as client:
        list(CdxListing(client, cdx_server, "x.gov.vn/", page_size=5))
    assert waits == [1.0] * 4  # five requests, one per second at most


def test_an_unreachable_archive_is_one_line():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with ArchiveClient(delay=0, retries=1, sleep=lambda s: None) as client, pytest.raises(ArchiveUnreachable) as caught:
        list(CdxListing(client, f"http://127.0.0.1:{port}/cdx", "x.gov.vn/"))
    assert "cannot reach the web archive" in str(caught.value) and "\n" not in str(caught.value)


def test_retry_after_forms():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
