"""`portal-archive demo`: the README's first command, run as a user runs it."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from archive.demo import load_articles
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def demo_run(demo_archive):
    return demo_archive  # the session's one demo run (read only here)


def test_demo_crawls_the_sample_portal_and_reports(demo_run):
    result, db_file = demo_run
    assert result.returncode == 0, result.stderr
    assert re.search(r"Sample portal on http://127\.0\.0\.1:\d+ — crawling it into ", result.stdout)
    assert re.search(r"demo-hoang-mai: ok — \d+ pages, 25 articles \(25 new, 0 updated, 0 unchanged\), 0 errors, 1 without date", result.stdout)
    assert re.search(r"Demo crawl done in [\d.]+s", result.stdout)
    # The progress line (plain lines when stderr is not a terminal) ends with the final count.
    assert result.stderr.strip().splitlines()[-1].startswith("demo-hoang-mai: ") and "25 new" in result.stderr
    conn = sqlite3.connect(db_file)
    assert conn.execute("select count(*) from articles where portal_id='demo-hoang-mai'").fetchone()[0] == 25
    assert conn.execute("select outcome from crawls").fetchall() == [("ok",)]
    # every fetched page is kept: 25 articles and the 3 category listings + page 2 of one (+ its page 1 URL)
    assert conn.execute("select count(*) from snapshots where url in (select fetched_url from articles)").fetchone()[0] == 25
    listings = [u for (u,) in conn.execute("select url from snapshots where url not in (select fetched_url from articles)")]
    assert len(listings) >= 4 and all("/vi/" in u and "view_content" not in u for u in listings)
    listing_pages = conn.execute("select pages_fetched from crawls").fetchone()[0] - 25
    assert listing_pages >= 4  # 3 category pages + page 2 of tin-tuc-su-kien (+ robots.txt)


def test_demo_articles_are_extracted_exactly(demo_run):
    result, db_file = demo_run
    base_url = re.search(r"Sample portal on (http://127\.0\.0\.1:\d+)", result.stdout).group(1)
    conn = sqlite3.connect(db_file)
    conn.row_factory = sqlite3.Row
    stored = {row["url"]: dict(row) for row in conn.execute("select * from articles")}
    assert len(load_articles()) >= 20
    for article in load_articles():
        row = stored[base_url + article.path]
        expected = {
            "title": article.title, "published_at": article.published_iso, "lead": article.lead, "author": article.author,
            "images": [{"url": base_url + i["path"], "caption": i["caption"]} for i in article.images],
            "attachments": [{"url": base_url + a["path"], "title": a["title"]} for a in article.attachments],
        }
        got = {**{k: row[k] for k in ("title", "published_at", "lead", "author")},
               "images": json.loads(row["images"]), "attachments": json.loads(row["attachments"])}
        assert got == expected, article.id
        body_paragraphs = row["body"].split("\n\n")
        assert article.paragraphs, article.id
        for paragraph in article.paragraphs:
            for line in paragraph.split("\n"):  # <br> inside a paragraph starts a new one
                assert line in body_paragraphs, (article.id, line[:60])
        for furniture in ("Các tin khác", "Phản hồi", "Xem nhiều nhất", "Mới nhất", "In bài viết", "View count"):
            assert furniture not in row["body"], (article.id, furniture)


def test_demo_serves_datasette(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db_file = tmp_path / "demo.db"
    process = subprocess.Popen([sys.executable, "-m", "archive.cli", "demo", "--db", str(db_file), "--port", str(port)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/demo/articles.json?_search=dai+hoi+dang+bo&_shape=objects"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    data = json.load(response)
                break
            except OSError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "Datasette did not start"
                time.sleep(0.3)
        titles = [row["title"] for row in data["rows"]]
        assert any("Đại hội Đảng bộ quận Hoàng Mai" in t for t in titles)
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=20)
    assert f"Datasette on the archive: http://127.0.0.1:{port}/demo" in out
