"""Deployment to scrapyd, for real: scrapyd-deploy builds and uploads the egg, a `portal` job
runs against the local demo portal and its articles land in the archive."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from archive.demo import DemoPortal
from tests.conftest import ROOT, write_registry

pytestmark = pytest.mark.skipif(shutil.which("scrapyd") is None or shutil.which("scrapyd-deploy") is None,
                                reason="scrapyd and scrapyd-client are not installed (pip install -e '.[test]')")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(base: str, endpoint: str, data: dict | None = None) -> dict:
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=30) as response:
        return json.load(response)


def project_copy(target: Path) -> Path:
    """The project's sources as scrapyd-deploy needs them, in ``target``.

    The egg is built there, not in the checkout: its build/ and egg-info/ would otherwise be
    rewritten under tests running beside this one (pytest-xdist), which read the package's metadata.
    """
    target.mkdir()
    for name in ("setup.py", "pyproject.toml", "scrapy.cfg", "README.md"):
        shutil.copy(ROOT / name, target / name)
    for package in ("crawler", "archive"):
        shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_deploy_to_scrapyd_and_run_a_portal_job(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {home}/eggs\nlogs_dir = {home}/logs\n"
        f"dbs_dir = {home}/dbs\nitems_dir =\nmax_proc = 1\npoll_interval = 0.5\n", encoding="utf-8")
    config_home = tmp_path / "config"
    config_home.mkdir()
    (config_home / "scrapy.cfg").write_text(f"[deploy:test]\nurl = {base}/\nproject = portal_archive\n", encoding="utf-8")
    server = subprocess.Popen(["scrapyd"], cwd=home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert call(base, "daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "scrapyd did not start"
                time.sleep(0.3)
        deployed = subprocess.run(["scrapyd-deploy", "test", "--version", "r1"], cwd=project_copy(tmp_path / "project"),
                                  capture_output=True, text=True,
                                  env={**__import__("os").environ, "XDG_CONFIG_HOME": str(config_home)}, timeout=120)
        assert deployed.returncode == 0, deployed.stderr
        assert json.loads(deployed.stdout)["status"] == "ok"
        assert call(base, "listspiders.json?project=portal_archive")["spiders"] == ["portal"]

        db_file = tmp_path / "archive.db"
        with DemoPortal() as site:
            registry = write_registry(tmp_path / "portals.toml", [site.registry_entry()])
            job = call(base, "schedule.json", {
                "project": "portal_archive", "spider": "portal", "portal": "demo-hoang-mai",
                "setting": [f"PORTAL_ARCHIVE_DB={db_file}", f"PORTAL_ARCHIVE_REGISTRY={registry}",
                            "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False"]})
            assert job["status"] == "ok", job
            deadline = time.monotonic() + 120
            while not any(j["id"] == job["jobid"] for j in call(base, "listjobs.json?project=portal_archive")["finished"]):
                assert time.monotonic() < deadline, "the scrapyd job did not finish"
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    import sqlite3

    conn = sqlite3.connect(db_file)
    assert conn.execute("select outcome, articles_new from crawls").fetchall() == [("ok", 25)]
    assert conn.execute("select count(*) from articles where portal_id = 'demo-hoang-mai'").fetchone()[0] == 25
