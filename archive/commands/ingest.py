"""``portal-archive ingest --from redis://…``: the one writer of a distributed crawl.

Workers (``portal-archive crawl --distributed``) push their items onto one Redis list; this
process pops them in batches and stores them through the storage API
(:func:`archive.store.store_crawled_items`, the calls the local crawl's pipeline makes, a batch at once), one SQLite
transaction per batch: SQLite wants one writer, and one commit per batch instead of per
article is what makes the ingest fast.

Crash safety: a batch is moved (atomically) from the items list to a processing list before it
is stored, and deleted from there only after its transaction commits. An ingest killed in
between leaves the batch in the processing list; the next ingest stores it first (storage is
idempotent: the same article again only moves ``last_seen_at``).

The ``crawls`` rows: workers announce themselves on the list (``open``/``close`` messages with
their Scrapy stats). The ingest opens one row per portal per distributed run (mode
``distributed``) at the first worker's ``open``, counts each stored result on it in the
storage transaction, adds up the workers' page/request/error counts at their ``close``, and
closes it when every worker of the run has closed or died (heartbeat gone).

The wire format (JSON per message, raw bodies zlib + base64) and the key names are
``crawler.contracts.wire``'s, which the workers (``crawler/distributed.py``) use too.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from archive import crawls, store
from archive.commands.common import BadInput, db_option
from crawler.contracts import wire
from crawler.contracts.wire import ITEMS_KEY

# Move up to ARGV[1] messages from the items list to the processing list, in one step.
_TAKE = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then
  redis.call('RPUSH', KEYS[2], unpack(items))
  redis.call('LTRIM', KEYS[1], #items, -1)
end
return items
"""


def publish_known(server: Any, portal_id: str, known: dict[str, dict[str, Any]], *, replace: bool = False) -> int:
    """Put archived articles (as ``archive.store.known_articles`` gives them) where workers read them.

    Workers never open the archive, yet an incremental crawl needs to know what it holds. With
    ``replace`` the whole set is written under a new key and renamed over the old one, so a
    worker starting meanwhile reads the old set or the new one, never half of it. Returns the
    number of articles written.
    """
    entries = dict(wire.encode_known(info) for info in known.values())
    key = wire.known_key(portal_id)
    target = f"{key}:syncing:{os.getpid()}" if replace else key
    pipe = server.pipeline(transaction=False)
    if replace:
        pipe.delete(target)
    pairs = list(entries.items())
    for start in range(0, len(pairs), 1000):
        pipe.hset(target, mapping=dict(pairs[start:start + 1000]))
    if replace:
        pipe.rename(target, key) if entries else pipe.delete(key)
    pipe.execute()
    return len(entries)


@dataclass
class Run:
    """One portal's distributed run as the ingest sees it."""

    crawl_id: int
    open_workers: dict[str, str | None] = field(default_factory=dict)  # worker -> heartbeat key
    closed: dict[str, str] = field(default_factory=dict)  # worker -> close reason
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(crawls.WORKER_COUNTS, 0))
    pages_ok: int = 0
    known_skipped: int = 0  # archived articles the listings showed (an incremental run with nothing new is no failure)
    start_failures: list[str] = field(default_factory=list)


class Ingest:
    """Pops, stores, keeps the crawls rows. ``step()`` handles one batch; ``run()`` loops."""

    def __init__(self, server: Any, db: Any, *, batch: int = 500, key: str = ITEMS_KEY) -> None:
        self.server = server
        self.db = db
        self.batch = batch
        self.key = key
        self.processing = wire.processing_key(key)
        self.runs: dict[str, Run] = {}
        self.stored: dict[str, int] = {}
        self.items = 0
        self.finished_runs = 0
        self.stopping = False

    def publish_all_known(self) -> tuple[int, int]:
        """Publish what the archive holds, per portal, for the workers' incremental stop.

        Run before the loop: the archive may have grown by local crawls or imports, or Redis
        may be new. Returns (portals, articles).
        """
        portals = [row[0] for row in self.db.execute("SELECT DISTINCT portal_id FROM articles")]
        articles = sum(publish_known(self.server, portal_id, store.known_articles(self.db, portal_id), replace=True)
                       for portal_id in portals)
        return len(portals), articles

    # -- the loop ------------------------------------------------------------------------
    def step(self, wait: float = 1.0) -> int:
        """Store one batch (a leftover of a killed ingest first); return the messages handled."""
        messages = self.server.lrange(self.processing, 0, -1)
        if not messages:
            first = self.server.blmove(self.key, self.processing, wait, "LEFT", "RIGHT") if wait else None
            if first is None:
                messages = self.server.eval(_TAKE, 2, self.key, self.processing, self.batch)
            else:
                messages = [first, *self.server.eval(_TAKE, 2, self.key, self.processing, self.batch - 1)]
        if not messages:
            return 0
        self.handle([wire.decode_message(m) for m in messages])
        self.server.delete(self.processing)  # only now: the batch is committed
        return len(messages)

    def run(self, stop_after_idle: float | None = None, report: Any = None, *, until_done: bool = False) -> None:
        """Store batches until stopped (SIGTERM/Ctrl-C), or ``stop_after_idle`` seconds without an
        item while no worker is alive, or (``until_done``) as soon as the runs seen have all
        closed and the queue is empty: a worker's run is closed when its last worker closes it
        or dies, so nothing of it is left to come."""
        idle_since = time.monotonic()
        while not self.stopping:
            if self.step():
                idle_since = time.monotonic()
                if report:
                    report(self)
                continue
            self.close_dead_runs()
            if until_done and self.finished_runs and not self.runs:
                break
            if stop_after_idle is not None and time.monotonic() - idle_since >= stop_after_idle and not self.live_workers():
                break
        self.close_dead_runs(final=True)

    # -- messages ------------------------------------------------------------------------
    def handle(self, messages: list[dict[str, Any]]) -> None:
        segment: list[dict[str, Any]] = []
        for message in messages:
            if wire.is_event(message):
                self.store(segment)
                segment = []
                self.event(message)
            else:
                segment.append(message)
        self.store(segment)

    def store(self, messages: list[dict[str, Any]]) -> None:
        """One transaction for a run of items: one commit, not one per article."""
        if not messages:
            return
        for portal_id in {m["portal_id"] for m in messages}:
            self.run_for(portal_id)
        counters = store.store_crawled_items(self.db, [
            (message["type"], message, message.get("province"), self.runs[message["portal_id"]].crawl_id)
            for message in messages])
        changed: dict[str, set[str]] = {}
        for message, counter in zip(messages, counters):
            if counter:
                self.stored[counter] = self.stored.get(counter, 0) + 1
            if counter in ("articles_new", "articles_updated", "articles_gone"):
                url = (message.get("article") or {}).get("url") or message["url"]
                changed.setdefault(message["portal_id"], set()).add(url)
        for portal_id, urls in changed.items():  # after the commit: workers only learn of stored articles
            publish_known(self.server, portal_id, store.known_articles(self.db, portal_id, urls))
        self.items += len(messages)

    def run_for(self, portal_id: str, portal: dict[str, Any] | None = None) -> Run:
        run = self.runs.get(portal_id)
        if run is None:
            if portal:
                store.sync_portals(self.db, [portal])
            elif not self.db.execute("SELECT 1 FROM portals WHERE id = ?", [portal_id]).fetchone():
                store.sync_portals(self.db, [{"id": portal_id, "name": portal_id}])
            crawl_id = store.start_crawl(self.db, portal_id, mode="distributed", pid=os.getpid(),
                                         args={"mode": "distributed", "ingest": self.key})
            run = self.runs[portal_id] = Run(crawl_id)
        return run

    def event(self, message: dict[str, Any]) -> None:
        portal_id, worker = message["portal_id"], message["worker"]
        if message["type"] == "open":
            run = self.run_for(portal_id, message.get("portal"))
            run.open_workers[worker] = message.get("heartbeat_key")
            return
        run = self.run_for(portal_id)
        run.open_workers.pop(worker, None)
        run.closed[worker] = message.get("reason", "?")
        for key, value in crawls.worker_counts(message.get("stats") or {}).items():
            run.counts[key] += value
        run.pages_ok += int(message.get("pages_ok") or 0)
        run.known_skipped += crawls.known_skipped(message.get("stats") or {})
        run.start_failures += message.get("start_failures") or []
        if not self.alive(run):
            self.finish(portal_id)

    # -- closing runs ----------------------------------------------------------------------
    def alive(self, run: Run) -> list[str]:
        """Workers of the run that have not closed and still have a heartbeat."""
        return [w for w, key in run.open_workers.items() if key is None or self.server.exists(key)]

    def live_workers(self) -> bool:
        return any(self.alive(run) for run in self.runs.values())

    def close_dead_runs(self, final: bool = False) -> None:
        for portal_id, run in list(self.runs.items()):
            if final or not self.alive(run):
                if run.closed or final or not run.open_workers:
                    self.finish(portal_id)

    def refresh_template(self, portal_id: str) -> None:
        """A generic portal's learned template, relearned from what the workers sent (as a local crawl does)."""
        from crawler.learning import refresh_generic_articles
        from crawler.registry import Portal

        row = self.db.execute("SELECT id, name, level, province, base_url, platform FROM portals WHERE id = ?", [portal_id]).fetchone()
        if row is None or row[5] != "generic":
            return
        refresh_generic_articles(self.db, Portal(*row))

    def finish(self, portal_id: str) -> None:
        run = self.runs.pop(portal_id)
        self.finished_runs += 1
        row = self.db.execute("SELECT articles_seen FROM crawls WHERE id = ?", [run.crawl_id]).fetchone()
        seen = int(row[0] or 0) if row else 0
        missing = sorted(run.open_workers)
        outcome, message = crawls.decide_outcome(crawls.CrawlFacts(
            pages_ok=run.pages_ok, articles=seen + run.known_skipped, start_failures=run.start_failures,
            workers=run.closed, workers_missing=missing))
        run.counts["articles_seen"] = seen
        if outcome == crawls.OK:
            self.refresh_template(portal_id)
        store.finish_crawl(self.db, run.crawl_id, outcome=outcome, message=message,
                           counts={k: v for k, v in run.counts.items() if k != "articles_seen"},
                           stats={"workers": {**run.closed, **dict.fromkeys(missing, "no close")}})


@click.command()
@click.option("--from", "redis_url", required=True, metavar="REDIS_URL", help="The Redis the workers push to, e.g. redis://127.0.0.1:6379/0.")
@db_option()
@click.option("--batch", type=click.IntRange(min=1), default=500, show_default=True, help="Items stored per SQLite transaction.")
@click.option("--stop-after-idle", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Exit once no item came for this long and no worker is alive (default: run until Ctrl-C).")
@click.option("--until-done", is_flag=True,
              help="Wait for the workers, and exit as soon as every crawl run they opened is closed and the queue is "
                   "empty (a batch job: start it, then the workers). Items of runs started after that wait in Redis "
                   "for the next ingest.")
@click.option("-q", "--quiet", is_flag=True, help="Only the summary.")
def ingest(redis_url: str, db_path: Path, batch: int, stop_after_idle: float | None, until_done: bool, quiet: bool) -> None:
    """Store the items of a distributed crawl: the one process that writes the archive.

    Workers (`portal-archive crawl --distributed REDIS_URL ...`, on any machine) push items to
    Redis; run exactly one ingest per archive, next to the database. See docs/scaling.md.

    \b
    Example:
        portal-archive ingest --from redis://10.0.0.5:6379/0 --db /srv/archive/archive.db
        portal-archive ingest --from redis://127.0.0.1:6379/0 --stop-after-idle 60 -q
        portal-archive ingest --from redis://127.0.0.1:6379/0 --until-done &   # then start the workers
    """
    import redis

    try:
        server = redis.Redis.from_url(redis_url, socket_connect_timeout=5)
    except ValueError as exc:  # a wrong URL: bad input, exit 2 (as `crawl --distributed`)
        raise BadInput(f"{redis_url}: not a Redis URL ({exc}); expected redis://HOST:PORT/DB") from None
    try:
        server.ping()
    except redis.RedisError as exc:  # not answering: exit 1, as `crawl --distributed`
        raise click.ClickException(f"{redis_url}: cannot use Redis ({exc}); is redis-server running and the URL right?") from None
    try:
        db = store.open_db(db_path, create=True)
        store.require_writable(db, db_path)
    except store.ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    worker = Ingest(server, db, batch=batch)
    started = time.monotonic()
    portals, articles = worker.publish_all_known()
    if not quiet:
        click.echo(f"ingest: the archive's {articles} articles of {portals} portals published for incremental crawls", err=True)

    def stop(*_: Any) -> None:
        worker.stopping = True  # finish the batch in hand, then close the crawls rows

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    last = [0.0]

    def report(w: Ingest) -> None:
        if not quiet and time.monotonic() - last[0] >= 5:
            last[0] = time.monotonic()
            click.echo(f"ingest: {w.items} items stored, {server.llen(w.key)} waiting", err=True)

    try:
        worker.run(stop_after_idle, report, until_done=until_done)
    finally:
        db.close()
    elapsed = max(time.monotonic() - started, 1e-6)
    counts = ", ".join(f"{v} {k.removeprefix('articles_')}" for k, v in sorted(worker.stored.items())) or "nothing"
    click.echo(f"ingest: {worker.items} items ({counts}) into {db_path} in {elapsed:.1f}s")
