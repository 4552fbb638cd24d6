"""A real pywb on 127.0.0.1 for the web-archive tests: a collection built from WARC files, served.

pywb lives in a virtualenv of its own (``.ci/run`` makes it): its current release pins
``redis<3``, which the project's ``scrapy-redis`` cannot use, and the release pip falls back to
inside the project's environment (2.8.0, with gevent 22.10) fails on import on Python 3.11 here
(``pkg_resources.DistributionNotFound: The 'zope.interface' distribution was not found``). The
server is a separate process anyway; only its ``wayback`` and ``wb-manager`` commands are used.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PYWB_VENV = Path(os.environ.get("PORTAL_ARCHIVE_PYWB_VENV", Path.home() / ".cache" / "portal-archive" / "pywb-venv"))


def pywb_bin() -> Path | None:
    """The ``wayback`` command of pywb: $PORTAL_ARCHIVE_PYWB, the CI's virtualenv, or on PATH."""
    for candidate in (os.environ.get("PORTAL_ARCHIVE_PYWB"), PYWB_VENV / "bin" / "wayback", shutil.which("wayback")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


REASON_NO_PYWB = (f"needs pywb's `wayback` command (in {PYWB_VENV}, made by .ci/run: "
                  f"python -m venv {PYWB_VENV} && {PYWB_VENV}/bin/pip install pywb; or set PORTAL_ARCHIVE_PYWB)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def pywb_archive(workdir: Path, warcs: list[Path], collection: str = "test", timeout: float = 60) -> Iterator[str]:
    """pywb serving ``warcs`` as one collection; yields its replay prefix ``http://127.0.0.1:PORT/<collection>``."""
    wayback = pywb_bin()
    assert wayback is not None, REASON_NO_PYWB
    manager = wayback.with_name("wb-manager")
    workdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(manager), "init", collection], cwd=workdir, check=True, capture_output=True, timeout=120)
    subprocess.run([str(manager), "add", collection, *map(str, warcs)], cwd=workdir, check=True, capture_output=True, timeout=300)
    port = _free_port()
    log = open(workdir / "pywb.log", "wb")
    server = subprocess.Popen([str(wayback), "-p", str(port), "-b", "127.0.0.1"], cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/{collection}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{base}/cdx?url=example.invalid/&limit=1", timeout=2).read()
                break
            except OSError:
                assert server.poll() is None, (workdir / "pywb.log").read_text(errors="replace")[-2000:]
                assert time.monotonic() < deadline, "pywb did not answer"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def write_capture_warc(path: Path, captures: list[tuple[str, str, int, bytes]]) -> Path:
    """A WARC of ``(url, iso date, status, html body)`` response records (extra captures for a collection)."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, date, status, body in captures:
            reason = {200: "OK", 404: "Not Found"}.get(status, "Status")
            http = StatusAndHeaders(f"{status} {reason}", [("Content-Type", "text/html; charset=utf-8"),
                                                           ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http,
                                               warc_headers_dict={"WARC-Date": date})
            writer.write_record(record)
    return path
