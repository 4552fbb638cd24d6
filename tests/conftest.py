"""Shared fixtures: throw-away archives, the saved real portal on a local server, registries."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from archive import store
from tests.servers import StaticSite

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SHARED = ROOT.parent / "shared"
SOTTTT = SHARED / "portals" / "hanoi-sotttt"
REASON_NO_SHARED = f"needs the real portal pages in {SOTTTT} (../shared beside the repository)"

# The mirror's category pages as HTTrack saved them (with .html added).
SOTTTT_START_PATHS = [
    "/vi/trang-chu.html", "/vi/tin-tuc-su-kien.html", "/vi/bao-chi-xuat-ban.html", "/vi/cong-nghe-thong-tin.html",
    "/vi/buu-chinh-vien-thong.html", "/vi/thanh-tra.html", "/vi/ke-hoach-tai-chinh.html", "/vi/thong-tin-dt.html",
    "/vi/ke-hoach.html", "/vi/chien-luoc-quy-hoach.html", "/vi/thong-tin-du-an.html",
]


# Crawl settings for tests whose subject is not politeness (those keep the defaults): no
# AutoThrottle, eight requests at a time to the local server.
FAST_CRAWL = ("--set", "AUTOTHROTTLE_ENABLED=false", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=8")


def requires_shared():
    return pytest.mark.skipif(not SOTTTT.is_dir(), reason=REASON_NO_SHARED)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


@pytest.fixture
def db(db_path: Path):
    database = store.open_db(db_path, create=True)
    store.sync_portals(database, [{"id": "test-portal", "name": "Quận Thử", "level": "quận", "province": "Hà Nội",
                                   "base_url": "http://127.0.0.1", "platform": "liferay-hanoi", "start_urls": []}])
    yield database
    database.close()


@pytest.fixture(scope="session")
def gold() -> list[dict]:
    if not SOTTTT.is_dir():
        pytest.skip(REASON_NO_SHARED)
    return [json.loads(line) for line in (SOTTTT / "gold.jsonl").read_text(encoding="utf-8").splitlines()]


def write_registry(path: Path, entries: list[dict]) -> Path:
    """A registry TOML with the given entries."""
    from crawler.registry import entries_toml

    path.write_text(entries_toml(entries), encoding="utf-8")
    return path


def sotttt_entry(base_url: str) -> dict:
    """The shipped hanoi-sotttt entry, pointed at the local copy of the site."""
    from crawler.registry import load_registry

    portal = load_registry()["hanoi-sotttt"]
    return {"id": portal.id, "name": portal.name, "level": portal.level, "province": portal.province,
            "base_url": base_url, "platform": portal.platform, "enabled": True, "start_urls": SOTTTT_START_PATHS}


def run_cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``portal-archive`` in a subprocess, as a user would."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PORTAL_ARCHIVE_DB", None) if env is None or "PORTAL_ARCHIVE_DB" not in env else None
    return subprocess.run([sys.executable, "-m", "archive.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=full_env)


def invoke_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``portal-archive`` in this process with click's CliRunner; answers as :func:`run_cli` does.

    For commands where starting a process is not the point (no crawl: a crawl's Twisted reactor
    runs once per process). The environment is the one ``run_cli`` gives (no
    ``$PORTAL_ARCHIVE_DB`` unless ``env`` sets it). An exception that escapes the command is
    written to stderr as Python would, so "no traceback" assertions keep their meaning.
    """
    import traceback

    from click.testing import CliRunner

    from archive.cli import cli

    runner_env = {"PORTAL_ARCHIVE_DB": None, **(env or {})}
    result = CliRunner().invoke(cli, list(args), env=runner_env, prog_name="portal-archive")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return subprocess.CompletedProcess(["portal-archive", *args], result.exit_code, result.stdout, stderr)


def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict]) -> dict:
    """``build(directory)`` run once per test run, even when pytest-xdist runs the tests in several processes.

    A session fixture is made once per worker process; for a slow one (a crawl, an import) every
    worker would redo it. The first worker that needs it builds it under a lock in the run's
    shared temporary folder (the xdist documentation's recipe); the others wait for it and read
    its JSON. A :class:`subprocess.CompletedProcess` under ``"result"`` survives the round trip.
    """
    import fcntl

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    root = tmp_path_factory.getbasetemp()
    root = root.parent if worker else root  # basetemp/popen-gwN under xdist: the parent is shared
    directory, answer = root / name, root / f"{name}.json"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not answer.exists():
            directory.mkdir(exist_ok=True)
            built = build(directory)
            result = built.get("result")
            if isinstance(result, subprocess.CompletedProcess):
                built = {**built, "result": {"args": [str(a) for a in result.args], "returncode": result.returncode,
                                             "stdout": result.stdout, "stderr": result.stderr}}
            answer.write_text(json.dumps(built, default=str), encoding="utf-8")
    built = json.loads(answer.read_text(encoding="utf-8"))
    if isinstance(built.get("result"), dict):
        built["result"] = subprocess.CompletedProcess(**built["result"])
    return built


@pytest.fixture(scope="session")
def sotttt_crawl(tmp_path_factory) -> dict:
    """One crawl of the whole local mirror (the slowest step; shared by the gold tests, once per run).

    ``base_url`` is the address the mirror was served at during the crawl (no longer served after).
    """
    if not SOTTTT.is_dir():
        pytest.skip(REASON_NO_SHARED)

    def build(tmp: Path) -> dict:
        with StaticSite(SOTTTT / "pages") as site:
            registry = write_registry(tmp / "portals.toml", [sotttt_entry(site.base_url)])
            db_file = tmp / "archive.db"
            result = run_cli("crawl", "hanoi-sotttt", "--registry", str(registry), "--db", str(db_file), "--delay", "0",
                             *FAST_CRAWL, "-q")
        return {"result": result, "db_path": db_file, "registry": registry, "base_url": site.base_url}

    built = once_per_run(tmp_path_factory, "sotttt-crawl", build)
    return {**built, "db_path": Path(built["db_path"]), "registry": Path(built["registry"])}


@pytest.fixture(scope="session")
def sotttt_import(tmp_path_factory) -> dict:
    """One ``import-mirror`` of the whole saved Hanoi portal, shared by the modules that only read it.

    Tests must not write to ``db_path``: copy it first (the import is a slow step, run once per run).
    """
    if not SOTTTT.is_dir():
        pytest.skip(REASON_NO_SHARED)

    def build(tmp: Path) -> dict:
        db_file = tmp / "archive.db"
        return {"result": invoke_cli("import-mirror", str(SOTTTT / "pages"), "--portal", "hanoi-sotttt", "--db", str(db_file)),
                "db_path": db_file}

    built = once_per_run(tmp_path_factory, "sotttt-import", build)
    return {**built, "db_path": Path(built["db_path"])}


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """One ``portal-archive demo --no-serve`` per run: (its result, its database).

    Shared: tests that change or serve the database work on a copy (:func:`copy_archive`).
    """
    def build(tmp: Path) -> dict:
        db_file = tmp / "demo.db"
        return {"result": run_cli("demo", "--no-serve", "--db", str(db_file)), "db_path": db_file}

    built = once_per_run(tmp_path_factory, "demo", build)
    return built["result"], Path(built["db_path"])


@contextmanager
def served_archive(db_path: Path, timeout: float = 30) -> Iterator[str]:
    """``portal-archive serve`` on a free port in a subprocess; yields its base URL once it answers."""
    import re
    import time
    import urllib.request

    server = subprocess.Popen([sys.executable, "-u", "-m", "archive.cli", "serve", "--db", str(db_path), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        line = server.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        assert match, f"serve did not start: {line}"
        base = match.group(1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "serve did not answer"
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def copy_archive(src: Path, dst: Path) -> Path:
    """A private copy of a shared archive (SQLite's backup: consistent even with a WAL beside it)."""
    import sqlite3

    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return dst


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst



def pytest_configure(config: pytest.Config) -> None:
    from tests.faults.figures import FaultFigures

    # the fault tests' figures table, gathered from their reports: in the main process even under xdist
    config.pluginmanager.register(FaultFigures(), "portal-archive-fault-figures")
