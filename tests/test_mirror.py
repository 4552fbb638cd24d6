"""Saved mirrors of defunct portals: HTTrack comments and ``wget --mirror`` layouts give the URLs."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from archive.mirror import httrack_origin, iter_mirror, wget_origin
from tests.conftest import FIXTURES, SOTTTT, copy_archive, invoke_cli, requires_shared
from tests.gold import gold_mismatches


def test_httrack_comment_gives_url_and_date():
    page = (b"<!DOCTYPE html><html>\n<!-- Mirrored from sotttt.hanoi.gov.vn/vi/thanh-tra?p_p_id=101&_101_cur=2 by HTTrack "
            b"Website Copier/3.x [XR&CO'2014], Sat, 27 Aug 2022 09:52:56 GMT -->\n<head>")
    assert httrack_origin(page) == ("https://sotttt.hanoi.gov.vn/vi/thanh-tra?p_p_id=101&_101_cur=2", "2022-08-27T09:52:56+00:00")
    assert httrack_origin(page, scheme="http")[0].startswith("http://sotttt")
    assert httrack_origin(b"<html><head></head></html>") is None


def test_wget_layout_gives_url():
    assert wget_origin(Path("badinh.hanoi.gov.vn/vi/tin-tuc/-/view_content/12-a.html")) == "https://badinh.hanoi.gov.vn/vi/tin-tuc/-/view_content/12-a.html"
    assert wget_origin(Path("badinh.hanoi.gov.vn/vi/index.html")) == "https://badinh.hanoi.gov.vn/vi/"
    assert wget_origin(Path("vi/tin-tuc.html")) is None


def test_import_mirror_of_a_wget_copy(tmp_path):
    host = tmp_path / "mirror" / "sotttt.hanoi.gov.vn"
    article = host / "vi" / "tin-tuc" / "-" / "view_content" / "4409341-bai-viet-mau.html"
    article.parent.mkdir(parents=True)
    article.write_bytes((FIXTURES / "liferay-hanoi" / "hoangmai_2022-08-27_article-full.html").read_bytes())
    (host / "vi" / "style.css").write_text("body{}")
    (tmp_path / "mirror" / "example.org").mkdir()
    (tmp_path / "mirror" / "example.org" / "index.html").write_text("<!doctype html><html><body>elsewhere</body></html>")
    pages = list(iter_mirror(tmp_path / "mirror"))
    assert [(p.how, p.url) for p in pages] == [
        ("wget", "https://example.org/"),
        ("wget", "https://sotttt.hanoi.gov.vn/vi/tin-tuc/-/view_content/4409341-bai-viet-mau.html")]

    db_file = tmp_path / "archive.db"
    result = invoke_cli("import-mirror", str(tmp_path / "mirror"), "--portal", "hanoi-sotttt", "--db", str(db_file))
    assert result.returncode == 0, result.stderr
    assert "1 pages stored, 1 articles (1 new" in result.stdout and "1 pages of other sites skipped" in result.stdout
    conn = sqlite3.connect(db_file)
    assert conn.execute("select fetched_url, title is not null from articles").fetchall() == [
        ("https://sotttt.hanoi.gov.vn/vi/tin-tuc/-/view_content/4409341-bai-viet-mau.html", 1)]


def test_import_mirror_refuses_an_unknown_portal(tmp_path):
    result = invoke_cli("import-mirror", str(tmp_path), "--portal", "no-such-portal", "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2 and "unknown portal id 'no-such-portal'" in result.stderr
    assert not (tmp_path / "a.db").exists()


@requires_shared()
def test_import_mirror_of_the_saved_sotttt_portal_then_warc_round_trip(tmp_path, gold, sotttt_import):
    result = sotttt_import["result"]
    db_file = copy_archive(sotttt_import["db_path"], tmp_path / "archive.db")  # the shared import stays untouched
    assert result.returncode == 0, result.stderr
    manifest = [json.loads(line) for line in (SOTTTT / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert f"{len(manifest)} pages stored, 159 articles (159 new" in result.stdout

    conn = sqlite3.connect(db_file)
    conn.row_factory = sqlite3.Row
    by_fetched = {r["fetched_url"]: dict(r) for r in conn.execute("select * from articles")}
    expected = [m for m in manifest if m["kind"] == "article"]
    assert sorted(by_fetched) == sorted(m["url"] for m in expected)  # every article page, its original URL
    snapshot_urls = {r[0] for r in conn.execute("select url from snapshots")}
    assert snapshot_urls == {m["url"] for m in manifest}  # listings and home pages are kept too
    # dated by the copy (27 Aug 2022), not by the import
    assert {r[0][:10] for r in conn.execute("select distinct first_seen_at from articles")} == {"2022-08-27"}

    assert gold_mismatches(gold, by_fetched) == []

    out = tmp_path / "sotttt.warc.gz"
    exported = invoke_cli("export-warc", "--portal", "hanoi-sotttt", str(out), "--db", str(db_file))
    assert exported.returncode == 0, exported.stderr
    for command in ("check", "index"):
        checked = subprocess.run([sys.executable, "-m", "warcio.cli", command, str(out)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    copy = tmp_path / "copy.db"
    imported = invoke_cli("import-warc", str(out), "--db", str(copy))
    assert imported.returncode == 0, imported.stderr
    fields = "url, fetched_url, title, lead, body, author, published_at, category, images, attachments, content_hash, first_seen_at"
    original = conn.execute(f"select {fields} from articles order by url").fetchall()
    again = sqlite3.connect(copy).execute(f"select {fields} from articles order by url").fetchall()
    assert [tuple(r) for r in original] == again
