"""End-to-end crawl speed: our spider (fetch + extract + store) against `scrapy bench`.

Serves a generated portal of N articles (archive.demo, liferay-hanoi markup, 10 items per
listing page) on 127.0.0.1, crawls it with `portal-archive crawl` in a subprocess (politeness
off: no delay, no AutoThrottle, 16 requests in flight) and reports pages/s and the crawler's
peak RSS. The baseline, measured in the same run on the same machine, is `scrapy bench`
(Scrapy's own link-following spider against its own local server, no parsing, no storage).

    python bench/crawl_bench.py [--articles 5000] [--bench-seconds 15]
"""

from __future__ import annotations

import argparse
import json
import re
import os
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


def scrapy_bench(seconds: int) -> tuple[int, float]:
    """Pages and seconds of `scrapy bench` (responses received / elapsed)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"],
                             cwd=tmp, capture_output=True, text=True).stderr
    pages = int(re.search(r"'response_received_count': (\d+)", out).group(1))
    elapsed = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", out).group(1))
    return pages, elapsed


def _vm_hwm_kb(pid: int) -> int:
    """A running process's peak resident size (VmHWM) in KiB, 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def our_crawl(articles: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp, DemoPortal(generate_articles(articles)) as site:
        entry = site.registry_entry()
        registry = write_registry(Path(tmp) / "portals.toml", [entry])
        db_file = Path(tmp) / "bench.db"
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "archive.cli", "crawl", entry["id"], "--registry", str(registry), "--db", str(db_file),
             "--delay", "0", "--set", "AUTOTHROTTLE_ENABLED=false", "--set", "CONCURRENT_REQUESTS=16",
             "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-q"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=(Path(tmp) / "stderr").open("wb"))
        # The crawl's own peak, read from /proc while it runs: wait4's ru_maxrss of a forked
        # child starts at the size of the process it was forked from (this one, which holds
        # the generated portal: ~800 MB at 100,000 articles), so it would report ours, not the crawl's.
        peak_kb = 0
        while True:
            peak_kb = max(peak_kb, _vm_hwm_kb(process.pid))
            pid, status, _ = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"crawl failed: {(Path(tmp) / 'stderr').read_text()}")
        peak_rss_mb = peak_kb / 1024
        conn = sqlite3.connect(db_file)
        pages, stored = conn.execute("select pages_fetched, articles_seen from crawls").fetchone()
        stats = json.loads(conn.execute("select stats from crawls").fetchone()[0])
        db_size = db_file.stat().st_size
    return {"pages": pages, "articles": stored, "seconds": elapsed, "crawl_seconds": stats["elapsed_time_seconds"],
            "peak_rss_mb": peak_rss_mb, "db_mb": db_size / 1e6}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--bench-seconds", type=int, default=15)
    args = parser.parse_args()
    bench_pages, bench_seconds = scrapy_bench(args.bench_seconds)
    ours = our_crawl(args.articles)
    bench_rate = bench_pages / bench_seconds
    our_rate = ours["pages"] / ours["crawl_seconds"]
    print("| crawler | pages | seconds | pages/s | ratio to scrapy bench | peak RSS |\n|---|---|---|---|---|---|")
    print(f"| scrapy bench (baseline: no parsing, no storage) | {bench_pages} | {bench_seconds:.1f} | {bench_rate:.1f} | 1.00 | — |")
    print(f"| portal-archive crawl ({ours['articles']} articles stored) | {ours['pages']} | {ours['crawl_seconds']:.1f} | "
          f"{our_rate:.1f} | {our_rate / bench_rate:.2f} | {ours['peak_rss_mb']:.0f} MB |")
    print(f"\ndatabase: {ours['db_mb']:.1f} MB for {ours['articles']} articles (with snapshots); wall time incl. start-up {ours['seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
