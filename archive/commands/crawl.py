"""``portal-archive crawl``: crawl portals, live or from a web archive, and report each run.

The crawl itself is the crawler's (``crawler.run.run_crawls`` schedules Scrapy in one reactor;
``crawler.recover`` reads a web archive); this module checks the input, takes the portals'
locks and prints what each run's ``crawls`` row says. ``demo`` reports its crawl the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from archive.commands.common import BadInput, check_crawlable, db_option, load_registry, open_archive, parse_overrides, registry_option


@click.command()
@click.argument("portal_ids", nargs=-1)
@click.option("--all", "all_enabled", is_flag=True, help="Crawl every enabled portal (one after the other unless --parallel).")
@click.option("--parallel", type=click.IntRange(min=1, max=16), default=1, show_default=True,
              help="Crawl up to this many portals at once; never two on the same host (politeness is per host).")
@db_option()
@registry_option
@click.option("--max-pages", type=click.IntRange(min=1), default=None, help="Follow each listing's pagination up to this page number (default: all pages).")
@click.option("--delay", type=click.FloatRange(min=0), default=None, help="Seconds between requests to one host (default 1, AutoThrottle on top).")
@click.option("--full", is_flag=True, help="Walk every listing page and re-check every archived article (conditional requests); marks taken-down articles gone.")
@click.option("--overlap", type=click.IntRange(min=1), default=None, help="Incremental crawls: listing pages of already-archived articles walked before stopping (default 1).")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Any Scrapy setting, e.g. --set CONCURRENT_REQUESTS_PER_DOMAIN=1.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line; only errors and the summary.")
@click.option("-v", "--verbose", is_flag=True, help="Scrapy's INFO log on stderr.")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Append Scrapy's INFO log to this file.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True, help="json: one JSON object per log line, for log shippers.")
@click.option("--strict", is_flag=True, help="Exit 1 when a crawl is degraded (layout drift), not only when it failed.")
@click.option("--distributed", "redis_url", metavar="REDIS_URL", default=None,
              help="Be one worker of a distributed crawl: requests shared in Redis, items pushed there for `portal-archive ingest` (docs/scaling.md).")
@click.option("--wayback", is_flag=True, help="Read the portal's captures from a web archive (CDX + raw replay) instead of the live site; "
              "the default for a portal the registry marks closed (docs/history.md).")
@click.option("--live", is_flag=True, help="Crawl the live host even when the registry marks the portal closed.")
@click.option("--archive", "archive_url", metavar="URL", default=None,
              help="With --wayback: the web archive's replay address (default: the Wayback Machine, https://web.archive.org/web; "
                   "pywb: http://HOST:PORT/COLLECTION).")
@click.option("--cdx", "cdx_url", metavar="URL", default=None, help="With --wayback: the archive's CDX API when it is not ARCHIVE/cdx (nor the Wayback Machine's).")
@click.option("--from", "from_date", metavar="YYYY[MMDD]", default=None, help="With --wayback: captures from this date.")
@click.option("--to", "to_date", metavar="YYYY[MMDD]", default=None, help="With --wayback: captures up to this date (default for a closed portal: its closing day).")
def crawl(portal_ids: tuple[str, ...], all_enabled: bool, parallel: int, db_path: Path, registry: Path | None, max_pages: int | None,
          delay: float | None, full: bool, overlap: int | None, overrides: tuple[str, ...], quiet: bool, verbose: bool,
          log_file: Path | None, log_format: str, strict: bool, redis_url: str | None, wayback: bool = False, live: bool = False,
          archive_url: str | None = None, cdx_url: str | None = None, from_date: str | None = None, to_date: str | None = None) -> None:
    """Crawl portals into the archive (polite: robots.txt, AutoThrottle, 2 requests per host).

    Incremental by default: each listing is walked until a page of already-archived articles.
    A crawl that was killed or stopped with Ctrl-C resumes where it stopped (its pending
    requests are kept in the archive). Each portal gets its own row in the crawls table.
    Exit status 1 when any crawl failed or was interrupted (or, with --strict, degraded);
    3 when a portal was skipped because another run is crawling it.

    A portal the registry marks closed (the districts abolished on 2025-07-01) is read from a
    web archive instead (captures up to its closing day), unless --live; --wayback does so for
    any portal. Each capture is stored as a snapshot with its capture time (docs/history.md).

    \b
    Example:
        portal-archive crawl hanoi-sotttt --max-pages 3
        portal-archive crawl hanoi-sotttt --full      # weekly: re-check everything, find takedowns
        portal-archive crawl --all --db /srv/archive/archive.db
        portal-archive crawl --all --parallel 4       # four portals (four hosts) at a time
        portal-archive crawl hanoi-hoang-mai          # closed: its captures in the Wayback Machine
        portal-archive crawl hanoi-sotttt --wayback --archive http://127.0.0.1:8080/my-coll --from 2020 --to 20220901
    """
    portals_by_id = load_registry(registry)
    if all_enabled:
        portal_ids = tuple(pid for pid, p in portals_by_id.items() if p.enabled)
    if not portal_ids:
        raise click.UsageError("name at least one portal id, or use --all")
    for pid in portal_ids:
        check_crawlable(portals_by_id, pid)
    if wayback and live:
        raise click.UsageError("--wayback and --live contradict each other: choose one")
    from_archive = {pid for pid in portal_ids if wayback or (portals_by_id[pid].closed and not live)}
    if from_archive and redis_url:
        raise click.UsageError(f"--distributed crawls live sites; {sorted(from_archive)[0]} is read from a web archive "
                               "(--wayback, or closed in the registry: add --live to crawl its host)")
    archive = _archive_option(archive_url, cdx_url, from_date, to_date) if from_archive else None
    open_archive(db_path, create=True, write=not redis_url).close()  # a worker never writes the archive
    settings = parse_overrides(overrides)
    if delay is not None:
        settings.update(DOWNLOAD_DELAY=delay, AUTOTHROTTLE_START_DELAY=delay)
    if redis_url:  # a worker: Redis holds the queue, `portal-archive ingest` writes the archive
        from crawler.distributed import DistributedError, distributed_settings

        try:
            settings = {**distributed_settings(redis_url), **settings}
        except DistributedError as exc:  # a wrong URL is bad input (2); Redis not answering is a failure (1), as in `ingest`
            raise (BadInput if exc.bad_input else click.ClickException)(str(exc)) from None
    from contextlib import ExitStack

    from archive.locks import PortalLocked, portal_lock
    from archive.logs import configure_logging
    from crawler.run import run_crawls

    with ExitStack() as locks:
        runnable = []
        for pid in portal_ids:  # never two runs of one portal at once (cron overlap, a manual run)
            try:
                if not redis_url:  # the workers of a distributed crawl share their portals
                    locks.enter_context(portal_lock(db_path.parent / "locks", pid))
                runnable.append(pid)
            except PortalLocked as exc:
                click.echo(f"error: {exc}", err=True)
            except OSError as exc:
                raise BadInput(f"{db_path.parent / 'locks'}: cannot create the portal's lock file ({exc.strerror}): "
                               "make the archive's folder writable") from None
        if not runnable:
            sys.exit(3)
        logging_settings = configure_logging(log_file=log_file, log_format=log_format, verbose=verbose)
        live_ids = [pid for pid in runnable if pid not in from_archive]
        results: list[dict[str, Any]] = []
        if live_ids:
            hosts = {pid: urlsplit(portals_by_id[pid].base_url).hostname or pid for pid in runnable}
            crawl_ids = run_crawls(live_ids, db_path=db_path, registry=registry, max_pages=max_pages,
                                   settings={**logging_settings, **settings}, progress=not quiet, verbose=verbose,
                                   full=full, overlap=overlap, parallel=parallel, hosts=hosts)
            results = crawl_rows(db_path, crawl_ids)
        for pid in (p for p in runnable if p in from_archive):
            row = _recover(portals_by_id[pid], archive, db_path=db_path, delay=1.0 if delay is None else delay,
                           from_date=from_date, to_date=to_date, progress=not quiet)
            if row is not None:
                results.append(row)
    failed = report_crawls(results, db_path, strict=strict)
    # A portal with no crawl row never ran (its error was printed): a failure too. (A worker of
    # a distributed crawl writes no rows: the ingest does.)
    if failed or (not redis_url and {row["portal_id"] for row in results} < set(runnable)):
        sys.exit(1)
    if len(runnable) < len(portal_ids):
        sys.exit(3)


def _archive_option(archive_url: str | None, cdx_url: str | None, from_date: str | None, to_date: str | None) -> Any:
    """The web archive to read (checked before any work), or one line and exit 2."""
    from crawler.recover import archive_endpoints, cdx_date

    try:
        for value in (from_date, to_date):
            cdx_date(value)
        return archive_endpoints(archive_url, cdx_url)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def _recover(portal: Any, archive: Any, *, db_path: Path, delay: float, from_date: str | None, to_date: str | None,
             progress: bool) -> dict[str, Any] | None:
    """One portal's recovery from a web archive; its ``crawls`` row (None when it could not start).

    A closed portal is read up to its closing day unless --to says otherwise. An archive that
    cannot be reached, or answers no CDX, is one line on stderr; the row is closed as failed.
    """
    from crawler.recover import Recovery, stderr_progress
    from crawler.archive_http import ArchiveClient, ArchiveUnreachable
    from crawler.cdx import CdxError

    db = open_archive(db_path, create=True, write=True)
    recovery = Recovery(db, portal, archive, ArchiveClient(delay=delay), from_=from_date,
                        to=to_date or portal.closed or None, progress=stderr_progress if progress else None)
    try:
        return recovery.run()
    except (ArchiveUnreachable, CdxError) as exc:  # the closed row says it (printed by report_crawls)
        if recovery.crawl_id:
            return recovery.row()
        click.echo(f"error: {portal.id}: {exc}", err=True)
        return None
    finally:
        if progress and sys.stderr.isatty():
            sys.stderr.write("\n")
        recovery.client.close()
        db.close()


def crawl_rows(db_path: Path, crawl_ids: list[int]) -> list[dict[str, Any]]:
    """The ``crawls`` rows of these runs, each with its number among its portal's runs (and its resumed run's)."""
    db = open_archive(db_path)
    try:
        rows = [dict(row) for cid in sorted(crawl_ids) for row in db.query("SELECT * FROM crawls WHERE id = ?", [cid])]
        for row in rows:  # "crawl #N": the portal's own Nth run, not the row id shared by every portal
            row["number"] = db.execute("SELECT count(*) FROM crawls WHERE portal_id = ? AND id <= ?", [row["portal_id"], row["id"]]).fetchone()[0]
            if row.get("resumed_from"):
                row["resumed_number"] = db.execute("SELECT count(*) FROM crawls WHERE portal_id = ? AND id <= ?",
                                                   [row["portal_id"], row["resumed_from"]]).fetchone()[0]
        return rows
    finally:
        db.close()


def report_crawls(results: list[dict[str, Any]], db_path: Path, strict: bool = False) -> bool:
    """Print each crawl row; True when one failed (or, with ``strict``, is degraded)."""
    failed = False
    for row in results:
        started = row["started_at"]
        click.echo(
            f"{row['portal_id']}: {row['outcome']} — {row['pages_fetched']} pages, {row['articles_seen']} articles "
            f"({row['articles_new']} new, {row['articles_updated']} updated, {row['articles_unchanged']} unchanged), "
            f"{row['errors']} errors, {row['date_missing']} without date; {row.get('mode') or 'crawl'} crawl #{row.get('number') or row['id']}"
            + (f" (resumed #{row.get('resumed_number') or row['resumed_from']})" if row.get("resumed_from") else "")
            + f", {row.get('requests') or 0} requests, {row.get('not_modified') or 0} not modified, {row.get('articles_gone') or 0} gone;"
            f" started {started} → {db_path}"
        )
        if row["outcome"] == "degraded":
            failed = failed or strict
            click.echo(f"{'error' if strict else 'warning'}: {row['portal_id']}: {row['message']}", err=True)
        elif row["outcome"] != "ok":
            failed = True
            click.echo(f"error: {row['portal_id']}: {row['message']}", err=True)
    return failed
