"""Faults a new operator meets in the first hour (issue 15): commands that must never destroy
or misreport the operator's archive."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive import store
from tests.conftest import ROOT

DEMO_ID = "demo-hoang-mai"


def cli_in(cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``portal-archive`` run from ``cwd`` (where ./portal-archive.toml and ./data/ are looked for)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_ARCHIVE_")}
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "archive.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=full_env)


def operator_archive(path: Path, n: int = 7) -> dict[str, str]:
    """A real archive of another portal with ``n`` articles; returns {url: title}."""
    db = store.open_db(path, create=True)
    store.sync_portals(db, [{"id": "quan-that", "name": "Quận Thật", "level": "quận", "province": "Hà Nội",
                             "base_url": "https://quanthat.example.vn", "platform": "liferay-hanoi", "start_urls": []}])
    articles = {f"https://quanthat.example.vn/vi/tin/{i}": f"Bài thật số {i}" for i in range(n)}
    for url, title in articles.items():
        store.upsert_article(db, {"url": url, "title": title, "body": f"Nội dung {title}."}, portal_id="quan-that")
    db.close()
    return articles


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.fault("15.1 demo pointed at the operator's archive (env, config, --db)")
def test_demo_never_touches_the_operators_archive(faults, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    real = faults.db_file  # the operator's archive: the figures are taken from it
    faults.expected = operator_archive(real)
    before = digest(real)

    # 1. $PORTAL_ARCHIVE_DB names the real archive: the demo uses its own database, not that one.
    by_env = cli_in(work, "demo", "--no-serve", env={"PORTAL_ARCHIVE_DB": str(real)})
    faults.runs.append(by_env)
    assert by_env.returncode == 0, by_env.stderr
    demo_db = work / "data" / "demo.db"
    assert f"crawling it into {Path('data/demo.db')}" in by_env.stdout
    assert digest(real) == before
    assert sqlite3.connect(demo_db).execute("select count(*) from articles").fetchone() == (25,)

    # 2. `db = ...` in ./portal-archive.toml: the same.
    (work / "portal-archive.toml").write_text(f'db = "{real}"\n', encoding="utf-8")
    by_config = cli_in(work, "demo", "--no-serve")
    faults.runs.append(by_config)
    assert by_config.returncode == 0, by_config.stderr
    assert digest(real) == before
    (work / "portal-archive.toml").unlink()

    # 3. An explicit --db naming the real archive (or any file that is no demo archive): one line, exit 2.
    not_sqlite = work / "notes.db"
    not_sqlite.write_text("my notes\n", encoding="utf-8")
    for target in (real, not_sqlite):
        refused = cli_in(work, "demo", "--no-serve", "--db", str(target))
        faults.runs.append(refused)
        assert refused.returncode == 2, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and "not a demo archive" in refused.stderr, refused.stderr
        assert "Sample portal" not in refused.stdout
    assert digest(real) == before
    assert not_sqlite.read_text(encoding="utf-8") == "my notes\n"
    assert not Path(f"{real}-wal").exists() or os.path.getsize(f"{real}-wal") == 0
    assert not (tmp_path / "archive-registry.toml").exists()

    # 4. An explicit --db naming an earlier demo archive, or a file not there yet: rebuilt / built.
    elsewhere = tmp_path / "elsewhere.db"
    for target in (demo_db, elsewhere):
        rebuilt = cli_in(work, "demo", "--no-serve", "--db", str(target))
        faults.runs.append(rebuilt)
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert sqlite3.connect(target).execute("select count(*), count(distinct portal_id) from articles").fetchone() == (25, 1)
    assert digest(real) == before


def test_demo_and_serve_with_their_port_taken_say_so_before_any_work(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli_in(tmp_path, "demo", "--port", str(port), timeout=60)
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().splitlines() == [f"Error: cannot listen on 127.0.0.1:{port} (Address already in use); "
                                                      "choose another port with -p PORT, or -p 0 for any free one"]
        assert "Sample portal" not in result.stdout and not (tmp_path / "data").exists()  # nothing crawled
        archive = tmp_path / "archive.db"
        store.open_db(archive, create=True).close()
        served = cli_in(tmp_path, "serve", "--db", str(archive), "--port", str(port), timeout=60)
        assert served.returncode == 2 and "-p 0 for any free one" in served.stderr and "Traceback" not in served.stderr
