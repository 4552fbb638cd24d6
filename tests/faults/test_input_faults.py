"""Bad input from the operator or a page (issue 15, points 13, 16, 17): one line naming what is
wrong and exit status 2, never a traceback, and nothing written by a command that only reads."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import store
from archive.demo import generate_articles
from tests.conftest import ROOT, invoke_cli, run_cli, write_registry
from tests.faults.server import FaultPortal, Rewrite
from tests.faults.test_content_faults import reference, stored
from tests.faults.test_storage_faults import as_an_ordinary_user

ARTICLES = generate_articles(8, seed=131)


def one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def meta_charset(label: str):
    return lambda body: body.replace(b'charset=UTF-8" http-equiv="content-type"', f'charset={label}" http-equiv="content-type"'.encode(), 1)


@pytest.mark.fault("15.13 pages declaring charset=idna, punycode, base64, rot13")
def test_a_page_declaring_a_codec_that_is_no_text_encoding_is_decoded_as_the_crawler_does(faults):
    a = ARTICLES
    with FaultPortal(ARTICLES) as site:
        site.on(a[1].path, Rewrite(lambda b: b, "text/html; charset=idna"))
        site.on(a[2].path, Rewrite(meta_charset("punycode"), "text/html"))
        site.on(a[3].path, Rewrite(lambda b: b, "text/html; charset=base64"))
        site.on(a[4].path, Rewrite(meta_charset("rot13"), "text/html"))
        assert b"charset=punycode" in site.handle(a[2].path).body
        result = faults.crawl(site)
        assert result.returncode == 0, result.stderr
        for article in a[1:5]:
            assert stored(faults, site, article) == reference(site, article), article.path
        saved = faults.tmp_path / "page.html"
        saved.write_bytes(site.handle(a[2].path).body)
        extracted = run_cli("extract", str(saved), "--url", site.base_url + a[2].path)
        faults.runs.append(extracted)
        assert extracted.returncode == 0 and a[2].title in extracted.stdout, extracted.stderr
    faults.expect(site, ARTICLES)
    from archive.datasette import make_datasette

    datasette = make_datasette(faults.db_file)
    ids = [faults.article(site.base_url + article.path)["id"] for article in a[1:5]]

    async def originals():
        return [await datasette.client.get(f"/-/articles/{i}/original") for i in ids]

    assert [r.status_code for r in asyncio.run(originals())] == [200] * 4


def test_config_and_registry_files_that_are_no_utf8_or_hold_a_number_for_a_path(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'db = "/srv/\xff\xfe.db"\n')
    one_line_error(invoke_cli("--config", str(bad), "status"), "bad.toml", "not UTF-8")
    number = tmp_path / "number.toml"
    number.write_text("db = 5\n", encoding="utf-8")
    one_line_error(invoke_cli("--config", str(number), "status"), "db = 5", "file path")
    per_command = tmp_path / "crawl.toml"
    per_command.write_text("[crawl]\ndb = 5\n", encoding="utf-8")
    one_line_error(run_cli("--config", str(per_command), "crawl", "x"), "[crawl] db = 5")
    contact = tmp_path / "contact.toml"
    contact.write_text("contact = 42\n", encoding="utf-8")
    one_line_error(invoke_cli("--config", str(contact), "status"), "contact = 42")
    registry = tmp_path / "portals.toml"
    registry.write_bytes(b'[[portal]]\nid = "qu\xe1\xba\xadn"\nname = "Qu\xe1n"\n')
    one_line_error(invoke_cli("portals", "--registry", str(registry)), "portals.toml", "not UTF-8")
    one_line_error(invoke_cli("check-config", "--registry", str(registry)), "portals.toml", "not UTF-8")


def warc_with(tmp_path: Path, url: str, *, date: str = "2024-01-02T03:04:05Z", status: str = "200 OK") -> Path:
    path = tmp_path / "bad.warc.gz"
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        headers = StatusAndHeaders(status, [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(b"<html><body><p>x</p></body></html>"),
                                                      http_headers=headers, warc_headers_dict={"WARC-Date": date}))
    return path


@pytest.mark.parametrize("bad", ["date", "status"])
def test_import_warc_with_a_bad_date_or_status_is_one_line_and_closes_its_run(tmp_path, bad):
    with FaultPortal(ARTICLES[:1], portal_id="warc-portal") as site:
        entry = site.registry_entry()
        url = site.base_url + ARTICLES[0].path
    registry = write_registry(tmp_path / "portals.toml", [entry])
    good = warc_with(tmp_path, url)
    db_file = tmp_path / "archive.db"
    assert invoke_cli("import-warc", str(good), "--portal", entry["id"], "--registry", str(registry), "--db", str(db_file)).returncode == 0
    path = warc_with(tmp_path, url, **({"date": "mardi dernier"} if bad == "date" else {"status": "ABC Weird"}))
    result = invoke_cli("import-warc", str(path), "--portal", entry["id"], "--registry", str(registry), "--db", str(db_file))
    one_line_error(result, "offset 0", "WARC-Date 'mardi dernier'" if bad == "date" else "HTTP status 'ABC'")
    assert [o for (o,) in sqlite3.connect(db_file).execute("select outcome from crawls order by id")] == ["ok"]  # nothing opened


def test_import_mirror_with_a_file_name_that_is_no_utf8(tmp_path):
    with FaultPortal(ARTICLES[:2], portal_id="mirror-portal") as site:
        entry = site.registry_entry()
        host = site.base_url.split("://", 1)[1]
        page = site.page(ARTICLES[0].path).body
    folder = tmp_path / "mirror" / host / "vi"
    folder.mkdir(parents=True)
    (folder / "tin.html").write_bytes(page)
    with open(os.path.join(os.fsencode(folder), b"b\xe0i-c\xfb.html"), "wb") as stream:  # a latin-1 name from an old copy
        stream.write(page)
    registry = write_registry(tmp_path / "portals.toml", [entry])
    result = invoke_cli("import-mirror", str(tmp_path / "mirror"), "--portal", entry["id"], "--scheme", "http",
                     "--registry", str(registry), "--db", str(tmp_path / "archive.db"))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "2 pages stored" in result.stdout
    urls = {u for (u,) in sqlite3.connect(tmp_path / "archive.db").execute("select url from snapshots")}
    assert f"http://{host}/vi/b%E0i-c%FB.html" in urls  # the name's own bytes, percent-encoded


def test_export_warc_into_a_folder_it_cannot_write(tmp_path):
    db_file = tmp_path / "archive.db"
    db = store.open_db(db_file, create=True)
    store.sync_portals(db, [{"id": "p", "name": "P", "base_url": "https://p.vn", "platform": "liferay-hanoi", "start_urls": []}])
    store.store_snapshot(db, url="https://p.vn/a.html", body=b"<html></html>", status=200, headers={}, portal_id="p")
    db.close()
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        prefix = as_an_ordinary_user()
        result = subprocess.run([*prefix, sys.executable, "-m", "archive.cli", "export-warc", "--portal", "p",
                                 str(locked / "p.warc.gz"), "--db", str(db_file)], capture_output=True, text=True, cwd=ROOT,
                                env={k: v for k, v in os.environ.items() if k != "PORTAL_ARCHIVE_DB"})
    finally:
        locked.chmod(0o755)
    one_line_error(result, "p.warc.gz", "cannot write", "nothing was written")
    assert list(locked.iterdir()) == []
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    one_line_error(invoke_cli("export-warc", "--portal", "p", str(not_a_folder / "p.warc.gz"), "--db", str(db_file)), "cannot write")


def test_check_config_compiles_every_selector(tmp_path):
    entry = {"id": "quan-x", "name": "Quận X", "level": "quận", "province": "Hà Nội", "base_url": "https://x.hanoi.gov.vn/",
             "platform": "liferay-hanoi", "enabled": True, "start_urls": ["/vi/"]}
    for selectors, fragment in (({"title": ":::invalid("}, "title = ':::invalid('"), ({"body": ["div.ok", "p[unclosed"]}, "body = 'p[unclosed'"),
                                ({"headline": "h1"}, "'headline' is not an article field")):
        registry = write_registry(tmp_path / "portals.toml", [{**entry, "selectors": selectors}])
        one_line_error(invoke_cli("check-config", "--registry", str(registry), "--db", str(tmp_path / "none.db")), "quan-x", "selectors", fragment)
        one_line_error(run_cli("crawl", "quan-x", "--registry", str(registry), "--db", str(tmp_path / "none.db")), fragment)
    assert not (tmp_path / "none.db").exists()
    from crawler.profiles import known_platforms, load_profile, selector_problem

    assert all(load_profile(name) for name in known_platforms())  # the shipped profiles compile
    assert selector_problem("div.journal-content-article > p:first-child") is None
    assert selector_problem("a[href^='javascript:']") is None and selector_problem("") and selector_problem("p[")


def test_readers_never_create_or_migrate(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("PRAGMA application_id = 1234")
    conn.commit()
    conn.close()
    older = tmp_path / "older.db"
    older.write_bytes((Path(__file__).parent / "data" / "archive-m001.sqlite").read_bytes())
    files = {path: path.read_bytes() for path in (empty, other, older)}
    for path in files:
        for command in (["status"], ["history", "https://x.vn/a"], ["export-warc", "--portal", "p", str(tmp_path / "o.warc.gz")], ["check-config"]):
            result = invoke_cli(*command, "--db", str(path))
            one_line_error(result, path.name, "nothing was changed")
            assert path.read_bytes() == files[path], (command, path)
    one_line_error(invoke_cli("status", "--db", str(older)), "portal-archive upgrade")
    # a writer may still make an archive of an empty file, but never of another program's database
    assert store.open_db(empty, create=True).table_names()
    with pytest.raises(store.NotAnArchive):
        store.open_db(other, create=True)
    upgraded = invoke_cli("upgrade", "--db", str(older))
    assert upgraded.returncode == 0, upgraded.stderr
    assert invoke_cli("status", "--db", str(older)).returncode == 0


def scrapy_crawl(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_ARCHIVE_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "scrapy", "crawl", "portal", *args, "-s", f"PORTAL_ARCHIVE_DB={tmp_path / 'archive.db'}",
                           "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_DELAY=0"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_scrapy_crawl_exits_non_zero_on_a_failed_crawl_and_says_a_bad_id_in_one_line(tmp_path):
    bad = scrapy_crawl(tmp_path, "-a", "portal=no-such-portal")
    assert bad.returncode == 2 and bad.stderr.strip().splitlines() == [
        "Error: unknown portal id 'no-such-portal' (see `portal-archive portals`)"], bad.stderr
    dead = {"id": "chet", "name": "Chết", "level": "quận", "province": "Hà Nội", "base_url": "http://127.0.0.1:1/",
            "platform": "liferay-hanoi", "enabled": True, "start_urls": ["/vi/"]}
    registry = write_registry(tmp_path / "portals.toml", [dead])
    unreachable = scrapy_crawl(tmp_path, "-a", "portal=chet", "-s", f"PORTAL_ARCHIVE_REGISTRY={registry}")
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr, unreachable.stderr[-3000:]
    assert sqlite3.connect(tmp_path / "archive.db").execute("select outcome from crawls").fetchall() == [("failed",)]
    with FaultPortal(ARTICLES[:3], portal_id="song") as site:
        registry = write_registry(tmp_path / "portals.toml", [site.registry_entry()])
        fine = scrapy_crawl(tmp_path, "-a", "portal=song", "-s", f"PORTAL_ARCHIVE_REGISTRY={registry}")
    assert fine.returncode == 0 and "Traceback" not in fine.stderr, fine.stderr[-3000:]


def test_the_same_failure_gives_the_same_exit_status_in_every_command(tmp_path):
    # a page that cannot be fetched: 1 everywhere (a missing file given as input: 2)
    closed = "http://127.0.0.1:1/vi/tin.html"
    assert invoke_cli("extract", closed).returncode == 1
    assert invoke_cli("probe", closed).returncode == 1
    one_line_error(invoke_cli("extract", str(tmp_path / "missing.html")), "missing.html")
    # Redis not answering: 1 for the worker and the ingest; a URL that is no Redis URL: 2 for both
    registry = write_registry(tmp_path / "portals.toml", [{"id": "q", "name": "Q", "level": "quận", "province": "Hà Nội",
                                                           "base_url": "http://127.0.0.1:1/", "platform": "liferay-hanoi"}])
    down = "redis://127.0.0.1:1/0"
    worker = run_cli("crawl", "q", "--registry", str(registry), "--db", str(tmp_path / "a.db"), "--distributed", down)
    ingest = invoke_cli("ingest", "--from", down, "--db", str(tmp_path / "a.db"), "--stop-after-idle", "1")
    assert (worker.returncode, ingest.returncode) == (1, 1), (worker.stderr, ingest.stderr)
    for result in (run_cli("crawl", "q", "--registry", str(registry), "--db", str(tmp_path / "a.db"), "--distributed", "http://x/"),
                   invoke_cli("ingest", "--from", "http://x/", "--db", str(tmp_path / "a.db"))):
        one_line_error(result, "not a Redis URL")
    # -h is help, for serve too (it was --host)
    assert "Usage: " in invoke_cli("serve", "-h").stdout
    # cron lines for /etc/cron.d name the user
    cron = invoke_cli("schedule", "--all", "--user", "archive", "--workdir", str(tmp_path))
    lines = [line for line in cron.stdout.splitlines() if line and not line.startswith(("#", "SHELL"))]
    assert lines and all(line.split()[5] == "archive" for line in lines)
