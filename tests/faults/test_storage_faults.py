"""Faults of the archive itself (issue 8, points 11–14): readers during writes, two crawls at
once, a full disk, bad operator input, and archives made by earlier schema versions."""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive import store
from archive.datasette import make_datasette
from archive.demo import generate_articles
from tests.conftest import ROOT, run_cli, write_registry
from tests.faults.conftest import FAST
from tests.faults.server import FaultPortal

DATA = Path(__file__).parent / "data"
ENV = {k: v for k, v in os.environ.items() if k != "PORTAL_ARCHIVE_DB"}


def crawl_process(faults, portal_id: str, *extra: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "archive.cli", "crawl", portal_id, "--registry", str(faults.registry),
                             "--db", str(faults.db_file), *FAST, *extra], cwd=ROOT, env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def finish(faults, process: subprocess.Popen, timeout: float = 120) -> subprocess.CompletedProcess:
    out, err = process.communicate(timeout=timeout)
    result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    faults.runs.append(result)
    return result


@pytest.mark.fault("11. a Datasette reader during writes; two crawls writing at once")
def test_a_reader_and_two_concurrent_crawls_never_lock_each_other_out(faults):
    with FaultPortal(generate_articles(12, seed=41), portal_id="song-song-a") as one, \
            FaultPortal(generate_articles(12, seed=42), portal_id="song-song-b") as two:
        store.open_db(faults.db_file, create=True).close()
        write_registry(faults.registry, [one.registry_entry(), two.registry_entry()])
        reader = sqlite3.connect(faults.db_file, isolation_level=None)
        reader.execute("BEGIN")  # a long read transaction, as a slow Datasette query holds one
        before = reader.execute("select count(*) from articles").fetchone()[0]
        slow = ("--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "--set", "DOWNLOAD_DELAY=0.02")
        processes = [crawl_process(faults, site.portal_id, *slow) for site in (one, two)]
        datasette = make_datasette(faults.db_file)

        async def read_while_writing() -> list[int]:
            statuses = []
            while any(p.poll() is None for p in processes):
                response = await datasette.client.get("/archive/articles.json?_shape=array&_size=5&_sort_desc=first_seen_at")
                statuses.append(response.status_code)
                assert reader.execute("select count(*) from articles").fetchone()[0] == before  # its snapshot holds
                await asyncio.sleep(0.02)
            return statuses

        statuses = asyncio.run(read_while_writing())
        reader.execute("COMMIT")
        results = [finish(faults, p) for p in processes]
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "locked" not in result.stderr
    assert len(statuses) >= 5 and set(statuses) == {200}
    faults.expect(one, one.articles)
    faults.expect(two, two.articles)
    assert {u for (u,) in faults.rows("select url from articles")} == set(faults.expected)
    assert faults.rows("select count(*) from article_versions") == [(24,)]
    assert sorted(faults.rows("select portal_id, outcome, articles_new from crawls")) == [("song-song-a", "ok", 12), ("song-song-b", "ok", 12)]


def limit_file_size(limit: int):
    def apply() -> None:  # in the child: files may not grow past ``limit`` bytes (EFBIG), like a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.fault("12. the disk fills up mid-crawl")
def test_a_full_disk_stops_the_crawl_with_one_clear_line_and_loses_nothing(faults):
    with FaultPortal(generate_articles(6, seed=51), portal_id="truoc") as earlier, \
            FaultPortal(generate_articles(40, seed=52), portal_id="day-dia") as big:
        write_registry(faults.registry, [earlier.registry_entry(), big.registry_entry()])
        assert finish(faults, crawl_process(faults, earlier.portal_id)).returncode == 0
        kept = faults.rows("select url, content_hash, version from articles order by url")
        size = faults.db_file.stat().st_size
        full = finish(faults, crawl_process(faults, big.portal_id, preexec_fn=limit_file_size(size + 1536 * 1024)))
        assert full.returncode == 1
        clear = [line for line in full.stderr.splitlines() if "cannot write the archive" in line]
        assert clear and "free disk space or make the database writable" in clear[0], full.stderr
        assert "Traceback" not in full.stderr
        # what was stored before is intact: the other portal's rows, and whole articles of this one
        assert faults.rows("pragma integrity_check") == [("ok",)]
        assert faults.rows("select url, content_hash, version from articles where portal_id = 'truoc' order by url") == kept
        stored_then = faults.rows("select count(*) from articles where portal_id = 'day-dia'")[0][0]
        assert 0 < stored_then < 40
        assert faults.rows("select count(*) from articles a where (select count(*) from article_versions v "
                           "where v.article_id = a.id) != a.version") == [(0,)]
        assert faults.rows("select count(*) from articles_fts") == faults.rows("select count(*) from articles")
        # space again: the next run resumes and stores the rest, each article once
        again = finish(faults, crawl_process(faults, big.portal_id))
        assert again.returncode == 0, again.stderr
    faults.expect(earlier, earlier.articles)
    faults.expect(big, big.articles)
    assert faults.rows("select count(*), count(distinct url) from articles") == [(46, 46)]
    assert faults.rows("select portal_id, outcome from crawls order by id")[-1] == ("day-dia", "ok")


def as_an_ordinary_user() -> tuple[str, ...]:
    """A command prefix under which file permissions apply: root writes read-only files anyway,
    so as root the command runs without CAP_DAC_OVERRIDE (util-linux's setpriv)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("needs util-linux's setpriv to drop root's override of file permissions")
    prefix = (setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--")
    if subprocess.run([*prefix, "true"], capture_output=True).returncode != 0:  # no CAP_SETPCAP here
        pytest.skip("setpriv cannot drop capabilities in this container")
    return prefix


@pytest.mark.fault("12. a read-only archive; a read-only folder")
@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_read_only_archive_is_refused_with_one_line_and_left_untouched(faults, read_only):
    with FaultPortal(generate_articles(6, seed=53), portal_id="chi-doc") as site:
        assert faults.crawl(site).returncode == 0
        faults.expect(site, site.articles)
        before, served = faults.db_file.read_bytes(), site.requests_served
        made_read_only = [(faults.db_file, 0o444)] + ([(faults.tmp_path, 0o555)] if read_only == "folder" else [])
        modes = {path: path.stat().st_mode for path, _ in made_read_only}
        for path, mode in made_read_only:
            path.chmod(mode)
        try:
            runs = {command: subprocess.run([*as_an_ordinary_user(), sys.executable, "-m", "archive.cli", command,
                                             *(("chi-doc", "--registry", str(faults.registry), *FAST) if command == "crawl" else ()),
                                             "--db", str(faults.db_file)],
                                            cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120)
                    for command in ("crawl", "status")}
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        assert site.requests_served == served  # refused before any page was fetched
    crawl = runs["crawl"]
    assert crawl.returncode == 2 and "Traceback" not in crawl.stderr, crawl.stderr
    assert crawl.stderr.strip().splitlines()[-1] == (
        f"Error: {faults.db_file}: the archive is read-only for this user (attempt to write a readonly database): "
        "make the file and its folder writable (SQLite writes archive.db-wal and archive.db-shm beside it) — nothing was changed")
    assert faults.db_file.read_bytes() == before
    if read_only == "file":  # readers still work: the archive can be served read-only
        assert runs["status"].returncode == 0 and "chi-doc" in runs["status"].stdout, runs["status"].stderr
    else:  # WAL readers create archive.db-shm beside the file: the same clear line
        assert runs["status"].returncode == 2 and "the archive is read-only for this user" in runs["status"].stderr
    assert faults.rows("select count(*) from crawls") == [(1,)]


@pytest.mark.fault("13. an archive of a newer schema; malformed FTS queries through the JSON API")
def test_a_newer_archive_is_refused_and_malformed_queries_are_400(faults, tmp_path):
    newer = shutil.copy(DATA / "archive-m002.sqlite", tmp_path / "newer.db")
    conn = sqlite3.connect(newer)
    conn.execute("insert into _sqlite_migrations(migration_set, name, applied_at) values ('portal-archive', 'm009_future', '2030-01-01')")
    conn.commit()
    conn.close()
    before = Path(newer).read_bytes()
    for command in (("status",), ("crawl", "hanoi-sotttt"), ("serve", "--port", "0")):
        result = run_cli(*command, "--db", str(newer), timeout=60)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.strip().splitlines()[-1] == (
            f"Error: {newer}: made by a newer portal-archive (schema steps m009_future unknown here); "
            "upgrade portal-archive to use it — nothing was changed"), command
    assert Path(newer).read_bytes() == before

    archive = shutil.copy(DATA / "archive-m002.sqlite", faults.db_file)
    faults.expected.update(dict(faults.rows("select url, title from articles")))  # the archive's rows must survive
    datasette = make_datasette(archive)

    async def ask(path: str, **params: str):
        response = await datasette.client.get(path, params=params)
        return response.status_code, response.json()

    async def all_queries():
        answers = []
        for query in ('"dai hoi', "NEAR(", "NEAR(dai hoi", 'dai" OR "', "dai AND", "(((", "*", "\x00"):
            status, payload = await ask("/-/search.json", q=query)
            assert status == 200 and payload["ok"], (query, payload)  # the search page reads anything typed (issue 18)
            answers.append((query, await ask("/archive/articles.json", _search=query)))
            answers.append((query, await ask("/archive/articles.json", _search=query, _searchmode="raw")))
        return answers

    answers = asyncio.run(all_queries())
    assert len(answers) == 2 * 8
    for query, (status, payload) in answers:
        assert status in (200, 400), (query, status, payload)  # never a 500
        if status == 400:
            assert payload["error"], query


@pytest.mark.fault("14. archives made by earlier schema versions, upgraded in place")
@pytest.mark.parametrize("version", ["m001", "m002"])
def test_an_archive_of_each_schema_version_upgrades_in_place_with_no_row_lost(faults, version):
    shutil.copy(DATA / f"archive-{version}.sqlite", faults.db_file)
    tables = ("portals", "crawls", "snapshots", "snapshot_bodies", "articles", "article_versions")
    old = sqlite3.connect(faults.db_file)
    rows_before = {t: old.execute(f"select * from {t} order by 1").fetchall() for t in tables}
    faults.expected.update(dict(old.execute("select url, title from articles")))
    old.close()
    db = store.open_db(faults.db_file)
    try:
        assert {"m001_initial", "m002_history"} <= {m.name for m in store.migrations.applied(db)}
        assert store.migrations.pending(db) == []  # upgraded to the current schema
        for table in tables:  # every old row is there, unchanged (new columns appended at the end)
            after = db.execute(f"select * from {table} order by 1").fetchall()
            assert [row[: len(rows_before[table][0])] for row in after] == rows_before[table], table
        assert db.execute("pragma integrity_check").fetchall() == [("ok",)]
        # search works on the upgraded archive, with and without diacritics
        for query in ("đại hội", "dai hoi"):
            assert db.execute("select count(*) from articles_fts where articles_fts match ?", [query]).fetchone()[0] == 5
        # and it takes new crawls' writes: a new version of an old article, a takedown
        url = db.execute("select url from articles where version = 2").fetchone()[0]
        assert store.upsert_article(db, {"url": url, "title": "Bài đã sửa lần nữa"}, portal_id="hanoi-cu") == "updated"
        faults.expected[url] = "Bài đã sửa lần nữa"  # its title now, by this test's own write (not a hijack)
        assert store.mark_gone(db, url, status=404)
        assert db.execute("select version, gone_status from articles where url = ?", [url]).fetchall() == [(3, 404)]
    finally:
        db.close()
