"""Recovering a defunct portal from a real pywb on 127.0.0.1 (``crawl --wayback --archive``).

The collection: the saved Hà Nội mirror (../shared) exported as a WARC (captured 27 Aug 2022),
plus a second WARC with a later, edited capture of one gold article, four more identical
captures of another, and a capture of an article URL that answered 404.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SOTTTT, copy_archive, invoke_cli, requires_shared, run_cli
from tests.gold import gold_mismatches
from tests.pywb_server import REASON_NO_PYWB, pywb_archive, pywb_bin, write_capture_warc

# pytest-xdist: one worker runs this module, so its pywb collection (module fixture) is built once
pytestmark = [requires_shared(), pytest.mark.skipif(pywb_bin() is None, reason=REASON_NO_PYWB), pytest.mark.xdist_group("pywb")]

EDIT = " (bản sửa năm 2023)"
GONE_URL = "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/9999999-bai-viet-da-bi-go.html"


@pytest.fixture(scope="module")
def archive(tmp_path_factory, gold, sotttt_import) -> dict:
    """pywb serving the mirror's WARC and the extra captures; yields its replay prefix and the edits made."""
    tmp = tmp_path_factory.mktemp("pywb")
    assert sotttt_import["result"].returncode == 0, sotttt_import["result"].stderr
    source = copy_archive(sotttt_import["db_path"], tmp / "mirror.db")  # the session's import of the mirror, a copy
    mirror_warc = tmp / "sotttt.warc.gz"
    exported = invoke_cli("export-warc", "--portal", "hanoi-sotttt", str(mirror_warc), "--db", str(source))
    assert exported.returncode == 0, exported.stderr

    conn = sqlite3.connect(source)
    from archive import store

    db = store.open_db(source)
    def body_of(url: str) -> bytes:
        return store.snapshot_body(db, conn.execute("select id from snapshots where url = ?", [url]).fetchone()[0])

    edited = next(r for r in gold if body_of(r["url"]).count(r["body_with"][0].encode()) == 1)
    snippet = edited["body_with"][0]
    edited_body = body_of(edited["url"]).replace(snippet.encode(), (snippet + EDIT).encode())
    repeated = next(r for r in gold if r["url"] != edited["url"])
    article_like = body_of(repeated["url"])
    db.close()
    extra = write_capture_warc(tmp / "later.warc.gz", [
        (edited["url"], "2023-03-01T08:00:00Z", 200, edited_body),
        *[(repeated["url"], f"2023-0{month}-01T08:00:00Z", 200, article_like) for month in (2, 4, 6, 8)],
        (GONE_URL, "2023-05-01T08:00:00Z", 404, article_like),
    ])
    with pywb_archive(tmp / "pywb", [mirror_warc, extra], collection="hanoi") as base:
        yield {"base": base, "edited": edited, "repeated": repeated, "tmp": tmp}


def recover(archive: dict, db_file: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("crawl", "hanoi-sotttt", "--wayback", "--archive", archive["base"], "--delay", "0", "--db", str(db_file), *extra)


def test_every_gold_article_recovered_with_its_fields_and_capture_dates(archive, gold, tmp_path):
    db_file = tmp_path / "archive.db"
    result = recover(archive, db_file)
    assert result.returncode == 0, result.stderr
    assert "hanoi-sotttt: ok — " in result.stdout and "wayback crawl #1" in result.stdout
    assert re.search(r"\d+/\d+ captures from http://127\.0\.0\.1:\d+/hanoi", result.stderr)  # progress: done / total

    conn = sqlite3.connect(db_file)
    conn.row_factory = sqlite3.Row
    by_fetched = {r["fetched_url"]: dict(r) for r in conn.execute("select * from articles")}
    assert gold_mismatches(gold, by_fetched) == []
    assert len(by_fetched) == 159  # every article page of the mirror, once

    # dated by the capture, not by the run; origin says where they came from
    assert conn.execute("select min(first_seen_at) from articles").fetchone()[0].startswith("2022-08-27")
    assert {r[0] for r in conn.execute("select distinct origin from snapshots")} == {"wayback"}

    # the edited article: two versions, in capture order
    versions = conn.execute("select v.version, v.seen_at, v.body from article_versions v join articles a on a.id = v.article_id "
                            "where a.fetched_url = ? order by v.version", [archive["edited"]["url"]]).fetchall()
    assert [(v[0], v[1][:10]) for v in versions] == [(1, "2022-08-27"), (2, "2023-03-01")]
    assert EDIT.strip() not in versions[0][2] and EDIT.strip() in versions[1][2]
    # five identical captures: one article, one version, seen from the first to the last capture
    repeated = conn.execute("select version, first_seen_at, last_seen_at from articles where fetched_url = ?",
                            [archive["repeated"]["url"]]).fetchone()
    assert repeated[0] == 1 and repeated[1].startswith("2022-08-27")
    # the capture that answered 404 stores nothing
    assert conn.execute("select count(*) from snapshots where url = ?", [GONE_URL]).fetchone()[0] == 0
    assert conn.execute("select count(*) from articles where fetched_url = ?", [GONE_URL]).fetchone()[0] == 0

    crawl = conn.execute("select mode, outcome, pages_fetched, articles_new, articles_updated from crawls").fetchall()
    assert [tuple(c) for c in crawl] == [("wayback", "ok", 216, 159, 1)]

    # a second run: the archive listed again, nothing new stored, nothing twice
    again = recover(archive, db_file, "-q")
    assert again.returncode == 0, again.stderr
    assert conn.execute("select count(*) from article_versions").fetchone()[0] == 160
    assert tuple(conn.execute("select count(*), sum(outcome = 'ok') from crawls where mode = 'wayback'").fetchone()) == (2, 2)

    # the portal shows when it was last recovered
    status = invoke_cli("status", "--db", str(db_file))
    assert status.returncode == 0, status.stderr
    assert "recovered" in status.stdout


def test_killed_half_way_then_run_again_every_article_exactly_once(archive, tmp_path):
    db_file = tmp_path / "archive.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PORTAL_ARCHIVE_DB", None)
    first = subprocess.Popen([sys.executable, "-m", "archive.cli", "crawl", "hanoi-sotttt", "--wayback", "--archive", archive["base"],
                              "--delay", "0", "--db", str(db_file), "-q"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = 0
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and first.poll() is None:
        try:
            done = sqlite3.connect(db_file, timeout=5).execute("select count(*) from wayback_captures where state = 'done'").fetchone()[0]
        except sqlite3.OperationalError:  # not created yet
            done = 0
        if done >= 80:
            break
        time.sleep(0.05)
    assert first.poll() is None, "the recovery finished before it could be killed"
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    conn = sqlite3.connect(db_file)
    stored_before = conn.execute("select count(*) from wayback_captures where state = 'done'").fetchone()[0]
    assert 80 <= stored_before < 216

    second = recover(archive, db_file, "-q")
    assert second.returncode == 0, second.stderr
    assert tuple(conn.execute("select count(*), count(distinct url) from articles").fetchone()) == (159, 159)
    assert conn.execute("select count(*) from article_versions").fetchone()[0] == 160  # 159 + the edit, nothing twice
    assert conn.execute("select count(*) from wayback_captures where state = 'pending'").fetchone()[0] == 0
    # the killed run is closed as killed; the second one only fetched what the first had not stored
    outcomes = conn.execute("select outcome, pages_fetched from crawls order by id").fetchall()
    assert outcomes[0][0] == "killed" and outcomes[1][0] == "ok"
    assert outcomes[0][1] + outcomes[1][1] == 216


def test_unreachable_archive_is_one_line(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db_file = tmp_path / "archive.db"
    result = run_cli("crawl", "hanoi-sotttt", "--wayback", "--archive", f"http://127.0.0.1:{port}/nothing", "--delay", "0",
                     "--db", str(db_file), "-q")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "cannot reach the web archive" in errors[0] and "Traceback" not in result.stderr
    assert sqlite3.connect(db_file).execute("select mode, outcome from crawls").fetchall() == [("wayback", "failed")]


def test_a_closed_portal_is_read_from_the_archive_up_to_its_closing_day(archive, tmp_path):
    from tests.conftest import sotttt_entry, write_registry

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    entry = {**sotttt_entry("https://sotttt.hanoi.gov.vn"), "closed": "2022-12-31"}  # before the 2023 edit
    gone = {"id": "hanoi-gone", "name": "Quận Đã Giải Thể", "level": "quận", "province": "Hà Nội", "base_url": dead,
            "platform": "liferay-hanoi", "closed": "2025-07-01"}
    registry = write_registry(tmp_path / "portals.toml", [entry])
    db_file = tmp_path / "archive.db"
    result = run_cli("crawl", "--all", "--archive", archive["base"], "--delay", "0", "--registry", str(registry), "--db", str(db_file), "-q")
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db_file)
    row = conn.execute("select mode, outcome, args from crawls").fetchone()
    assert row[:2] == ("wayback", "ok") and json.loads(row[2])["to"] == "20221231"
    assert conn.execute("select count(*) from articles").fetchone()[0] == 159
    assert conn.execute("select version from articles where fetched_url = ?", [archive["edited"]["url"]]).fetchone()[0] == 1

    listed = invoke_cli("portals", "--registry", str(registry), "--db", str(db_file))
    line = next(line for line in listed.stdout.splitlines() if line.startswith("hanoi-sotttt"))
    today = conn.execute("select substr(finished_at, 1, 10) from crawls").fetchone()[0]
    assert "2022-12-31" in line and today in line  # closed when, recovered when
    status = invoke_cli("status", "--db", str(db_file), "--json")
    health = json.loads(status.stdout)[0]
    assert health["closed"] == "2022-12-31" and health["last_recovered"].startswith(today) and "stale" not in health["flags"]

    # --live tries the host anyway (here a dead one): a live crawl, not the archive
    registry = write_registry(tmp_path / "gone.toml", [gone])
    live = run_cli("crawl", "hanoi-gone", "--live", "--registry", str(registry), "--db", str(tmp_path / "live.db"), "--delay", "0",
                   "--set", "RETRY_TIMES=0", "-q")
    assert sqlite3.connect(tmp_path / "live.db").execute("select coalesce(mode, 'crawl') from crawls").fetchall() != [("wayback",)]
    assert live.returncode == 1


VNPT = SOTTTT.parent / "sgdhagiang-vnpt"


@pytest.mark.skipif(not VNPT.is_dir(), reason=f"needs the real VNPT portal pages in {VNPT} (../shared beside the repository)")
def test_a_portal_with_no_profile_is_recovered_through_the_generic_platform(tmp_path):
    from tests.conftest import write_registry

    manifest = [json.loads(line) for line in (VNPT / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    gold = [json.loads(line) for line in (VNPT / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    warc = write_capture_warc(tmp_path / "vnpt.warc.gz", [(m["url"], "2021-05-20T10:00:00Z", 200, (VNPT / "pages" / m["path"]).read_bytes())
                                                          for m in manifest])
    host = re.match(r"https?://[^/]+", manifest[0]["url"]).group(0)
    registry = write_registry(tmp_path / "portals.toml", [{"id": "hagiang-sgd", "name": "Sở GD&ĐT Hà Giang", "level": "sở",
                                                           "province": "Hà Giang", "base_url": host, "platform": "generic",
                                                           "closed": "2025-07-01"}])
    db_file = tmp_path / "archive.db"
    with pywb_archive(tmp_path / "pywb", [warc], collection="vnpt") as base:
        result = run_cli("crawl", "hagiang-sgd", "--archive", base, "--delay", "0", "--registry", str(registry), "--db", str(db_file))
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db_file)
    conn.row_factory = sqlite3.Row
    articles = {r["fetched_url"]: dict(r) for r in conn.execute("select * from articles")}
    assert sorted(articles) == sorted(m["url"] for m in manifest if m["kind"] == "article")  # the listings are no articles
    for record in gold:
        row = articles[record["url"]]
        assert (row["title"], row["published_at"], row["author"]) == (record["title"], record["published_at"], record["author"])
        assert row["first_seen_at"].startswith("2021-05-20")
    assert conn.execute("select count(*) from article_versions where origin = 'wayback'").fetchone()[0] == len(articles)
