"""Distributed crawl throughput: pages/s with 1 worker vs 2 workers (plus the ingest) on this machine.

Serves a generated demo portal on 127.0.0.1, starts a throw-away ``redis-server``, then for
W = 1 and W = 2 runs W ``portal-archive crawl --distributed`` workers and one
``portal-archive ingest`` (politeness off: no delay, no AutoThrottle, 16 requests in flight per
worker). pages/s is measured at the server, from its first to its last request, so Scrapy's
start-up and the workers' idle wait before closing are left out; the 1-worker run is the
baseline of the same run. CPU seconds per process say what limits it.

    python bench/distributed_bench.py [--articles 2000]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.demo import DemoPortal, generate_articles  # noqa: E402
from tests.conftest import write_registry  # noqa: E402
from tests.servers import redis_server  # noqa: E402


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a live process (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime, stime in clock ticks (100/s)


def one_run(workers: int, articles: int, redis_url: str, tmp: Path) -> dict:
    with DemoPortal(generate_articles(articles)) as site:
        entry = site.registry_entry()
        registry = write_registry(tmp / f"portals-{workers}.toml", [entry])
        archive = tmp / f"archive-{workers}.db"
        common = ["--registry", str(registry), "--delay", "0", "--set", "AUTOTHROTTLE_ENABLED=false",
                  "--set", "CONCURRENT_REQUESTS=16", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
                  "--set", "SCHEDULER_IDLE_BEFORE_CLOSE=1", "--set", "PORTAL_ARCHIVE_HEARTBEAT=5", "-q"]
        ingest = subprocess.Popen([sys.executable, "-m", "archive.cli", "ingest", "--from", redis_url, "--db", str(archive),
                                   "--stop-after-idle", "3", "-q"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        procs = [subprocess.Popen([sys.executable, "-m", "archive.cli", "crawl", entry["id"], "--distributed", redis_url,
                                   "--db", str(tmp / f"scratch-{workers}-{i}.db"), *common],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(workers)]
        first = last = None
        served = 0
        cpu: dict[str, float] = {}
        while any(p.poll() is None for p in procs):
            now, count = time.perf_counter(), site.requests_served
            if count and first is None:
                first = now
            if count != served:
                served, last = count, now
                for i, p in enumerate(procs):
                    try:
                        cpu[f"worker {i + 1}"] = _cpu(p.pid)
                    except (OSError, IndexError):
                        pass
                try:
                    cpu["ingest"] = _cpu(ingest.pid)
                except (OSError, IndexError):
                    pass
            time.sleep(0.02)
        ingest.communicate(timeout=300)
        failed = [p.stderr.read().decode()[-500:] for p in procs if p.returncode != 0]
        if failed or ingest.returncode != 0:
            raise SystemExit(f"a worker or the ingest failed: {failed}")
        stored = sqlite3.connect(archive).execute("SELECT count(*) FROM articles").fetchone()[0]
    seconds = (last or 0) - (first or 0)
    return {"workers": workers, "pages": served, "seconds": seconds, "stored": stored, "cpu": cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("needs redis-server (apt-get install redis-server)")
    with redis_server(binary) as url, tempfile.TemporaryDirectory() as tmp:
        runs = [one_run(w, args.articles, url, Path(tmp)) for w in (1, 2)]
    base = runs[0]["pages"] / runs[0]["seconds"]
    print("| distributed crawl | pages | seconds (first→last request) | pages/s | vs 1 worker | articles stored | CPU s per process |")
    print("|---|---|---|---|---|---|---|")
    for run in runs:
        rate = run["pages"] / run["seconds"]
        cpu = ", ".join(f"{k} {v:.1f}" for k, v in run["cpu"].items())
        print(f"| {run['workers']} worker{'s' if run['workers'] > 1 else ''} + ingest | {run['pages']} | {run['seconds']:.1f} | "
              f"{rate:.1f} | {rate / base:.2f}× | {run['stored']} | {cpu} |")
    print(f"\n{resource.getrusage(resource.RUSAGE_SELF).ru_utime:.1f} s CPU in this process (the demo portal server)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
