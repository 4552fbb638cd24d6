"""Recovery from a web archive: captures/s against a real pywb on loopback, and memory against the number of captures.

Builds a pywb collection (pywb's ``wayback`` from the virtualenv ``.ci/run`` makes, or
$PORTAL_ARCHIVE_PYWB) from the saved Hà Nội mirror in ../shared: every page captured ``--rounds``
times at different dates, each round's pages slightly edited so every capture has its own
content (no capture is collapsed: each is listed, replayed, extracted and stored, and each
article page becomes a new version). Then runs the real command,

    portal-archive crawl hanoi-sotttt --wayback --archive http://127.0.0.1:PORT/bench --delay 0

in a fresh archive for each collection size, and reports wall time, captures/s, the
recovery's CPU time and its peak RSS (``wait4`` of the child process). Flat memory shows as
the same peak RSS for 1× and N× the captures (the CDX answer is streamed into the captures
table, replayed pages are stored one at a time).

    python bench/wayback_bench.py [--rounds 1 4]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import store  # noqa: E402
from tests.pywb_server import REASON_NO_PYWB, pywb_archive, pywb_bin, write_capture_warc  # noqa: E402

SOTTTT = ROOT.parent / "shared" / "portals" / "hanoi-sotttt"


def cli(*args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PORTAL_ARCHIVE_DB", None)
    subprocess.run([sys.executable, "-m", "archive.cli", *args], check=True, cwd=ROOT, env=env, capture_output=True)


def build_warc(tmp: Path, rounds: int) -> tuple[Path, int]:
    """The mirror's pages, captured ``rounds`` times (each round edited, dated a month apart)."""
    source = tmp / "mirror.db"
    if not source.exists():
        cli("import-mirror", str(SOTTTT / "pages"), "--portal", "hanoi-sotttt", "--db", str(source))
    db = store.open_db(source)
    pages = [(row[0], store.snapshot_body(db, row[1])) for row in db.execute("select url, id from snapshots order by id")]
    db.close()
    start = datetime(2022, 8, 27, tzinfo=timezone.utc)
    captures = []
    for n in range(rounds):
        when = (start + timedelta(days=30 * n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        # an edit inside the body text (the last paragraph's end) makes a new version of each article
        captures += [(url, when, 200, body.replace(b"</p>", f" (lần {n + 1})</p>".encode(), 1) if n else body) for url, body in pages]
    return write_capture_warc(tmp / f"captures-{rounds}.warc.gz", captures), len(captures)


def recover(base: str, db_file: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in MiB) of one recovery into a fresh archive."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PORTAL_ARCHIVE_DB", None)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "archive.cli", "crawl", "hanoi-sotttt", "--wayback", "--archive", base,
                                "--delay", "0", "--db", str(db_file), "-q"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"recovery failed: {process.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, nargs="+", default=[1, 4], help="collection sizes, in captures of every page")
    args = parser.parse_args()
    if not SOTTTT.is_dir():
        raise SystemExit(f"needs {SOTTTT}")
    if pywb_bin() is None:
        raise SystemExit(REASON_NO_PYWB)
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared; wall figures move with it)")
    print(f"{'captures':>9} {'wall s':>7} {'captures/s':>10} {'CPU s':>6} {'CPU ms/capture':>14} {'peak RSS MiB':>12} {'articles':>8} {'versions':>8}")
    with tempfile.TemporaryDirectory(prefix="wayback-bench-") as scratch:
        tmp = Path(scratch)
        for rounds in args.rounds:
            warc, count = build_warc(tmp, rounds)
            with pywb_archive(tmp / f"pywb-{rounds}", [warc], collection="bench") as base:
                db_file = tmp / f"archive-{rounds}.db"
                wall, cpu, rss = recover(base, db_file)
            conn = sqlite3.connect(db_file)
            stored = conn.execute("select count(*) from wayback_captures where state = 'done'").fetchone()[0]
            articles = conn.execute("select count(*) from articles").fetchone()[0]
            versions = conn.execute("select count(*) from article_versions").fetchone()[0]
            assert stored == count, (stored, count)
            print(f"{count:>9} {wall:>7.1f} {count / wall:>10.1f} {cpu:>6.1f} {1000 * cpu / count:>14.1f} {rss:>12} {articles:>8} {versions:>8}")


if __name__ == "__main__":
    main()
