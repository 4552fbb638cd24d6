"""WARC out and in: a valid WARC 1.1 of the snapshots, and a round trip that keeps every article."""

from __future__ import annotations

import gzip
import sqlite3
import subprocess
import sys
from io import BytesIO

from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.cli import cli
from archive.demo import DemoPortal
from tests.conftest import invoke_cli, run_cli, write_registry

FIELDS = "url, fetched_url, title, lead, body, author, published_at, category, images, attachments, content_hash"


def articles(db_file) -> list[tuple]:
    conn = sqlite3.connect(db_file)
    try:
        return conn.execute(f"select {FIELDS} from articles order by url").fetchall()
    finally:
        conn.close()


def test_export_is_valid_warc_and_import_into_an_empty_archive_gives_the_same_articles(tmp_path):
    db_file, out = tmp_path / "archive.db", tmp_path / "demo.warc.gz"
    with DemoPortal() as site:
        entry = site.registry_entry()
        registry = write_registry(tmp_path / "portals.toml", [entry])
        assert run_cli("crawl", entry["id"], "--registry", str(registry), "--db", str(db_file), "--delay", "0", "-q").returncode == 0
    exported = invoke_cli("export-warc", "--portal", entry["id"], str(out), "--db", str(db_file))
    assert exported.returncode == 0, exported.stderr
    snapshots = sqlite3.connect(db_file).execute("select count(*) from snapshots").fetchone()[0]
    assert snapshots > 25  # the 25 article pages and the listing pages: every fetched page is kept
    assert exported.stdout.strip() == f"{entry['id']}: {snapshots} records → {out}"

    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    index = subprocess.run([sys.executable, "-m", "warcio.cli", "index", "-f", "warc-type,warc-target-uri,warc-date", str(out)],
                           capture_output=True, text=True)
    assert index.returncode == 0
    lines = index.stdout.splitlines()
    assert len(lines) == snapshots + 1 and '"warc-type": "warcinfo"' in lines[0]
    assert all('"warc-type": "response"' in line for line in lines[1:])
    assert gzip.open(out).read(9) == b"WARC/1.1\r"

    copy = tmp_path / "copy.db"
    imported = invoke_cli("import-warc", str(out), "--registry", str(registry), "--db", str(copy))
    assert imported.returncode == 0, imported.stderr
    assert f"{snapshots} pages stored, 25 articles (25 new" in imported.stdout
    assert articles(copy) == articles(db_file)
    conn = sqlite3.connect(copy)
    # fetched_at comes from the record dates, which are the original fetch dates
    original = dict(sqlite3.connect(db_file).execute("select url, first_fetched_at from snapshots").fetchall())
    assert dict(conn.execute("select url, first_fetched_at from snapshots").fetchall()) == original
    assert conn.execute("select mode, outcome, articles_new from crawls").fetchall() == [("import-warc", "ok", 25)]
    assert conn.execute("select distinct origin from article_versions").fetchall() == [("warc",)]


def test_import_warc_reads_a_foreign_warc_and_skips_what_is_not_a_portal_page(tmp_path):
    """A web archive's WARC: a request record, a page of an unknown host, a chunked gzip response."""
    from tests.conftest import FIXTURES

    page = (FIXTURES / "liferay-hanoi" / "hoangmai_2022-08-27_article-full.html").read_bytes()
    url = "https://sotttt.hanoi.gov.vn/vi/tin-tuc/-/view_content/123456-mot-bai-viet.html"
    path = tmp_path / "web-archive.warc.gz"
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warc_record(url, "request", payload=BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
        other = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://example.org/x.html", "response", payload=BytesIO(b"<html></html>"), http_headers=other))
        body = gzip.compress(page)
        chunked = hex(len(body))[2:].encode() + b"\r\n" + body + b"\r\n0\r\n\r\n"
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                                              ("Transfer-Encoding", "chunked")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(chunked), http_headers=headers,
                                                      warc_headers_dict={"WARC-Date": "2019-03-04T05:06:07Z"}))
    db_file = tmp_path / "archive.db"
    result = CliRunner().invoke(cli, ["import-warc", str(path), "--db", str(db_file)])
    assert result.exit_code == 0, result.output
    assert "1 pages stored, 1 articles (1 new" in result.output and "1 pages of other sites skipped" in result.output
    conn = sqlite3.connect(db_file)
    row = conn.execute("select portal_id, fetched_url, first_seen_at, title is not null from articles").fetchone()
    assert row == ("hanoi-sotttt", url, "2019-03-04T05:06:07+00:00", 1)


def test_import_warc_refuses_a_file_that_is_not_warc(tmp_path):
    bogus = tmp_path / "notes.warc.gz"
    bogus.write_bytes(b"hello, not a warc\n")
    result = invoke_cli("import-warc", str(bogus), "--db", str(tmp_path / "archive.db"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"Error: {bogus}: not a WARC file")
