"""The ``portal-archive`` command: the face over both halves of the project.

Crawl-side commands import the crawler inside the command function (the archive never imports
it otherwise). Every command's ``--help`` is its documentation; errors an operator can act on
are one line on stderr with a non-zero exit status (2 for bad input).
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import click

from archive import store

DEFAULT_DB = "data/archive.db"


class BadInput(click.ClickException):
    """Bad input (unknown portal, broken registry, missing database): exit status 2."""

    exit_code = 2


def db_option(default: str = DEFAULT_DB) -> Callable:
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), envvar="PORTAL_ARCHIVE_DB",
        default=default, show_default=True, help="Archive database (SQLite). Env: PORTAL_ARCHIVE_DB.",
    )


def registry_option(func: Callable) -> Callable:
    return click.option(
        "--registry", type=click.Path(dir_okay=False, path_type=Path), envvar="PORTAL_ARCHIVE_REGISTRY",
        default=None, help="Portal registry TOML (default: the one shipped in crawler/portals.toml). Env: PORTAL_ARCHIVE_REGISTRY.",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})  # -h is help everywhere (serve's was --host)
@click.version_option(package_name="portal-archive")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), envvar="PORTAL_ARCHIVE_CONFIG", default=None,
              help="TOML file of option defaults (default: ./portal-archive.toml when present). Env: PORTAL_ARCHIVE_CONFIG.")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None) -> None:
    """Archive the news of Vietnamese district portals into SQLite and search it with Datasette.

    \b
    Start here:
        portal-archive demo              crawl the bundled sample portal and open it
        portal-archive portals           list the registered portals
        portal-archive crawl PORTAL_ID   crawl one portal into data/archive.db
        portal-archive serve             browse and search the archive

    \b
    Settings come from command-line options, then environment variables
    (PORTAL_ARCHIVE_DB, PORTAL_ARCHIVE_REGISTRY, PORTAL_ARCHIVE_CONTACT), then the
    config file (see docs/operations.md), then the defaults shown by --help.
    """
    from archive.config import config_path, load_config

    path = config_path(config_file)
    if path is not None:
        ctx.default_map = load_config(path, cli)
    ctx.meta["config_path"] = path


@cli.command()
@registry_option
@db_option()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per portal (a JSON list).")
@click.option("--enabled", "only_enabled", is_flag=True, help="Only portals that can be crawled.")
def portals(registry: Path | None, db_path: Path, as_json: bool, only_enabled: bool) -> None:
    """List the portals of the registry.

    \b
    Example:
        portal-archive portals --enabled
        portal-archive portals --json | jq '.[].id'
    """
    entries = [p for p in _load_registry(registry).values() if p.enabled or not only_enabled]
    if as_json:
        recovered = _last_recovered(db_path)
        click.echo(json.dumps([{**p.to_row(), "last_recovered": recovered.get(p.id)} for p in entries], ensure_ascii=False, indent=2))
        return
    recovered = _last_recovered(db_path)
    rows = [(p.id, p.name, p.province, p.platform, "yes" if p.enabled else f"no: {p.disabled_reason}", p.closed or "—",
             (recovered.get(p.id) or "—")[:16].replace("T", " "), p.base_url) for p in entries]
    _print_table(("id", "name", "province", "platform", "enabled", "closed", "last recovered (UTC)", "base_url"), rows)
    closed = sum(bool(p.closed) for p in entries)
    click.echo(f"{len(entries)} portals, {sum(p.enabled for p in entries)} enabled, {closed} closed"
               + (" (crawl reads a closed portal from the Wayback Machine: docs/history.md)" if closed else ""))


def _last_recovered(db_path: Path) -> dict[str, str]:
    """When each portal was last recovered from a web archive; empty when there is no archive yet."""
    from archive.captures import last_recovered

    if not db_path.is_file():
        return {}
    try:
        db = store.open_db(db_path, migrate=False)
        try:
            return last_recovered(db) if "mode" in db["crawls"].columns_dict else {}
        finally:
            db.close()
    except (store.ArchiveError, sqlite3.Error):
        return {}


@cli.command()
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
    portals_by_id = _load_registry(registry)
    if all_enabled:
        portal_ids = tuple(pid for pid, p in portals_by_id.items() if p.enabled)
    if not portal_ids:
        raise click.UsageError("name at least one portal id, or use --all")
    for pid in portal_ids:
        _check_crawlable(portals_by_id, pid)
    if wayback and live:
        raise click.UsageError("--wayback and --live contradict each other: choose one")
    from_archive = {pid for pid in portal_ids if wayback or (portals_by_id[pid].closed and not live)}
    if from_archive and redis_url:
        raise click.UsageError(f"--distributed crawls live sites; {sorted(from_archive)[0]} is read from a web archive "
                               "(--wayback, or closed in the registry: add --live to crawl its host)")
    archive = _archive_option(archive_url, cdx_url, from_date, to_date) if from_archive else None
    _open_archive(db_path, create=True, write=not redis_url).close()  # a worker never writes the archive
    settings = _parse_overrides(overrides)
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
        results = run_crawls(live_ids, db_path=db_path, registry=registry, max_pages=max_pages,
                             settings={**logging_settings, **settings}, progress=not quiet, verbose=verbose,
                             full=full, overlap=overlap, parallel=parallel,
                             hosts={pid: urlsplit(portals_by_id[pid].base_url).hostname or pid for pid in runnable}) if live_ids else []
        for pid in (p for p in runnable if p in from_archive):
            row = _recover(portals_by_id[pid], archive, db_path=db_path, delay=1.0 if delay is None else delay,
                           from_date=from_date, to_date=to_date, progress=not quiet)
            if row is not None:
                results.append(row)
    failed = _report(results, db_path, strict=strict)
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

    db = _open_archive(db_path, create=True, write=True)
    recovery = Recovery(db, portal, archive, ArchiveClient(delay=delay), from_=from_date,
                        to=to_date or portal.closed or None, progress=stderr_progress if progress else None)
    try:
        return recovery.run()
    except (ArchiveUnreachable, CdxError) as exc:  # the closed row says it (printed by _report)
        if recovery.crawl_id:
            return recovery.row()
        click.echo(f"error: {portal.id}: {exc}", err=True)
        return None
    finally:
        if progress and sys.stderr.isatty():
            sys.stderr.write("\n")
        recovery.client.close()
        db.close()


def run_crawls(portal_ids: tuple[str, ...] | list[str], *, db_path: Path, registry: Path | None, max_pages: int | None = None,
               settings: dict[str, Any] | None = None, progress: bool = True, verbose: bool = False,
               full: bool = False, overlap: int | None = None, parallel: int = 1,
               hosts: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Run the ``portal`` spider for each portal in this process; return their ``crawls`` rows.

    Up to ``parallel`` portals are crawled at once, in one reactor (each its own Scrapy
    crawler, with its own per-host politeness); two portals on one host (``hosts``) never run
    together, or that host would get twice the requests the settings allow. The archive sees
    no concurrent writers: every storage call runs to its commit in the reactor thread.
    The first Ctrl-C (SIGINT) stops the running crawls gracefully: their rows are closed as
    ``interrupted``, their pending requests stay in the frontier for the next run, and the
    portals not started yet are not started.
    """
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings
    from twisted.internet import defer

    scrapy_settings = Settings()
    scrapy_settings.setmodule("crawler.settings", priority="project")
    scrapy_settings.set("PORTAL_ARCHIVE_DB", str(db_path), priority="cmdline")
    scrapy_settings.set("PORTAL_ARCHIVE_REGISTRY", str(registry) if registry else "", priority="cmdline")
    scrapy_settings.set("PORTAL_ARCHIVE_PROGRESS", progress, priority="cmdline")
    scrapy_settings.set("PORTAL_ARCHIVE_PROGRESS_PLAIN", parallel > 1, priority="cmdline")  # one line each, not one rewritten
    scrapy_settings.set("LOG_LEVEL", "INFO" if verbose else "CRITICAL", priority="cmdline")
    for key, value in (settings or {}).items():
        scrapy_settings.set(key, value, priority="cmdline")
    # archive.logs may have installed the handlers already (--log-file, --log-format json)
    scrapy_settings.set("LOG_INSTALL_ROOT_HANDLER", not scrapy_settings.getbool("PORTAL_ARCHIVE_OWN_LOGGING"), priority="cmdline")
    process = CrawlerProcess(scrapy_settings)  # (the install_root_handler argument is deprecated: the setting says it)
    crawl_ids: list[int] = []

    waiting = list(portal_ids)
    running: dict[str, str] = {}  # portal id -> host
    host_of = (hosts or {}).get
    state = {"stopping": False, "done": False}

    def start_next() -> None:
        while len(running) < parallel and not state["stopping"]:
            pid = next((p for p in waiting if host_of(p, p) not in running.values()), None)
            if pid is None:
                break
            waiting.remove(pid)
            running[pid] = host_of(pid, pid)
            crawler = process.create_crawler("portal")
            try:
                started = process.crawl(crawler, portal=pid, max_pages=max_pages, full=full, overlap=overlap)
            except Exception as exc:  # noqa: BLE001 - reported below like a failing crawl
                started = defer.fail(exc)
            started.addErrback(lambda failure, pid=pid: click.echo(f"error: {pid}: {failure.value}", err=True))
            started.addBoth(lambda _, pid=pid, crawler=crawler: finished(pid, crawler))
        if not running and not state["done"]:
            state["done"] = True
            _stop_reactor()

    def finished(pid: str, crawler: Any) -> None:  # one failing portal never stops the others
        running.pop(pid)
        if getattr(crawler.spider, "crawl_id", None):
            crawl_ids.append(crawler.spider.crawl_id)
        if crawler.stats.get_value("finish_reason") == "shutdown":
            state["stopping"] = True  # Ctrl-C: the portals not started yet are not started
        start_next()

    start_next()  # crawls are scheduled now and start with the reactor (Scrapy installs it in start)
    if not state["done"]:
        process.start(stop_after_crawl=False)
    db = store.open_db(db_path)
    try:
        rows = [next(db.query("SELECT * FROM crawls WHERE id = ?", [cid])) for cid in sorted(crawl_ids)]
        for row in rows:  # "crawl #N": the portal's own Nth run, not the row id shared by every portal
            row["number"] = db.execute("SELECT count(*) FROM crawls WHERE portal_id = ? AND id <= ?", [row["portal_id"], row["id"]]).fetchone()[0]
            if row.get("resumed_from"):
                row["resumed_number"] = db.execute("SELECT count(*) FROM crawls WHERE portal_id = ? AND id <= ?",
                                                   [row["portal_id"], row["resumed_from"]]).fetchone()[0]
        return rows
    finally:
        db.close()


def _stop_reactor() -> None:
    from twisted.internet import error, reactor

    try:
        if reactor.running:
            reactor.stop()
    except error.ReactorNotRunning:
        pass  # Ctrl-C/SIGTERM: Scrapy's signal handler is stopping it already (was two tracebacks)


def _report(results: list[dict[str, Any]], db_path: Path, strict: bool = False) -> bool:
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


@cli.command()
@click.argument("source")
@click.option("--portal", "portal_id", default=None, help="Use this portal's platform profile (default: recognise the platform from the page).")
@click.option("--url", "page_url", default=None, help="The page's original URL, when SOURCE is a saved file (links and the canonical URL resolve against it).")
@registry_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def extract(source: str, portal_id: str | None, page_url: str | None, registry: Path | None, as_json: bool) -> None:
    """Extract one article page (a saved file or a URL) and print its fields.

    What an operator runs to check a new portal; also how extraction is measured.

    \b
    Example:
        portal-archive extract page.html --url https://sotttt.hanoi.gov.vn/vi/... --json
        portal-archive extract https://hoangmai.hanoi.gov.vn/vi/... --portal hanoi-hoang-mai
    """
    from crawler.extract import extract_article
    from crawler.extract.clean import parse_html
    from crawler.extract.recognise import recognise_platform
    from crawler.fetch import FetchError, read_source

    try:
        html, url = read_source(source, page_url)
    except FetchError as exc:  # a missing file is bad input (2); a page that cannot be fetched exit 1, as in `probe`
        raise (click.ClickException if source.startswith(("http://", "https://")) else BadInput)(str(exc)) from None
    if portal_id:
        profile = _load_registry(registry).get(portal_id)
        if profile is None:
            raise BadInput(f"unknown portal id {portal_id!r} (see `portal-archive portals`)")
        profile = profile.profile()
    else:
        profile = recognise_platform(parse_html(html), url)
        if profile is None:
            from crawler.profiles import GENERIC_PLATFORM, load_profile

            profile = load_profile(GENERIC_PLATFORM)  # no profile matches: the page's own structure
            click.echo(f"note: {source}: no platform profile recognised; the generic platform reads it (pass --portal ID to choose)", err=True)
    article = extract_article(html, url, profile).to_dict()
    if as_json:
        click.echo(json.dumps(article, ensure_ascii=False, indent=2))
        return
    for key in ("url", "canonical_url", "title", "published_at", "updated_at", "lead", "author", "source", "category", "extractor", "word_count"):
        click.echo(f"{key + ':':14} {article[key] if article[key] is not None else '—'}")
    click.echo(f"{'images:':14} {len(article['images'])}")
    for image in article["images"]:
        click.echo(f"  - {image['url']}" + (f"  ({image['caption']})" if image["caption"] else ""))
    click.echo(f"{'attachments:':14} {len(article['attachments'])}")
    for attachment in article["attachments"]:
        click.echo(f"  - {attachment['title']}: {attachment['url']}")
    for warning in article["warnings"]:
        click.echo(f"warning: {warning}", err=True)
    click.echo("\n" + (article["body"] or "(no body)"))


@cli.command()
@db_option()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0 to share on the network).")
@click.option("-p", "--port", type=int, default=8001, show_default=True, help="Port (0 for any free port).")
def serve(db_path: Path, host: str, port: int) -> None:
    """Browse and search the archive in Datasette (its JSON API too).

    \b
    Example:
        portal-archive serve --db data/archive.db --port 8001
        curl 'http://127.0.0.1:8001/archive/articles.json?_search=dai+bieu&_shape=objects'
    """
    _open_archive(db_path, read_only=True).close()
    _check_port(host, port)
    _serve_datasette(db_path, host, port)


def _check_port(host: str, port: int) -> None:
    """Refuse, in one line, a port that is taken (before any work is done, not after)."""
    import socket

    if port == 0:
        return
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind((host, port))
    except OSError as exc:
        raise BadInput(f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another port with -p PORT, "
                       "or -p 0 for any free one") from None


def _serve_datasette(db_path: Path, host: str, port: int) -> None:
    import socket

    import uvicorn

    from archive.datasette import make_datasette

    _check_port(host, port)
    if port == 0:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    app = make_datasette(db_path).app()
    click.echo(f"Datasette on the archive: http://{host}:{port}/{db_path.stem}  (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


DEMO_DB = "data/demo.db"


@cli.command()
# Not @db_option: the demo rebuilds its database, so neither $PORTAL_ARCHIVE_DB nor the config's
# top-level `db` (the operator's archive) may choose it; only an explicit --db (or [demo] db).
@click.option("--db", "demo_db", type=click.Path(dir_okay=False, path_type=Path), default=DEMO_DB, show_default=True,
              help="The demo's database: rebuilt each run, so only a demo archive or a new file (never $PORTAL_ARCHIVE_DB).")
@click.option("--no-serve", is_flag=True, help="Stop after the crawl (for scripts and tests).")
@click.option("-p", "--port", type=int, default=8001, show_default=True, help="Datasette port (0 for any free port).")
def demo(demo_db: Path, no_serve: bool, port: int) -> None:
    """Crawl the bundled sample portal (served on 127.0.0.1) into a fresh database, then open Datasette.

    The sample portal is Quận Hoàng Mai's news in the markup of Hà Nội's Liferay portals,
    served from this machine: no request leaves it. The demo database is rebuilt each run;
    it is never the archive of $PORTAL_ARCHIVE_DB or of the config file, and a --db naming a
    file that is no demo archive is refused.

    \b
    Example:
        portal-archive demo
        portal-archive demo --no-serve --db /tmp/demo.db
    """
    import tempfile

    from archive.demo import DemoPortal
    from archive.demo.guard import NotADemoArchive, check_demo_target
    from crawler.registry import entries_toml

    db_path = demo_db
    try:
        check_demo_target(db_path, own_default=Path(DEMO_DB))
    except NotADemoArchive as exc:
        raise BadInput(str(exc)) from None
    if not no_serve:
        _check_port("127.0.0.1", port)  # before the crawl: a taken port is said at once, not after
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with DemoPortal() as site, tempfile.TemporaryDirectory(prefix="portal-archive-demo-") as scratch:
        entry = site.registry_entry()
        registry = Path(scratch) / "demo-registry.toml"  # never a file beside the database: it may be the operator's
        registry.write_text(entries_toml([entry]), encoding="utf-8")
        click.echo(f"Sample portal on {site.base_url} — crawling it into {db_path}")
        results = run_crawls([entry["id"]], db_path=db_path, registry=registry,
                             settings={"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0.01, "AUTOTHROTTLE_MAX_DELAY": 1})
    failed = _report(results, db_path)
    click.echo(f"Demo crawl done in {time.monotonic() - started:.1f}s")
    if failed:
        sys.exit(1)
    if not no_serve:
        _serve_datasette(db_path, "127.0.0.1", port)


def _load_registry(registry: Path | None) -> dict[str, Any]:
    from crawler.registry import RegistryError, load_registry

    try:
        return load_registry(registry)
    except RegistryError as exc:
        raise BadInput(str(exc)) from None


def _check_crawlable(portals_by_id: dict[str, Any], portal_id: str) -> None:
    from crawler.registry import unknown_portal

    portal = portals_by_id.get(portal_id)
    if portal is None:
        raise BadInput(str(unknown_portal(portal_id, portals_by_id)))
    if not portal.enabled:
        raise BadInput(f"portal {portal_id} is disabled: {portal.disabled_reason} (set enabled = true in the registry to crawl it)")


def _open_archive(db_path: Path, *, create: bool = False, write: bool = False, read_only: bool = False):
    """The archive, or one clear line and exit 2; ``write``: also refuse a read-only archive.

    ``read_only``: a command that only reads (status, serve, history...) never creates or
    migrates anything: an empty file, another program's database or an older archive is
    refused with one line, the file left byte-identical.
    """
    try:
        db = store.open_db(db_path, create=create and not read_only, migrate=not read_only)
        if write:
            store.require_writable(db, db_path)
        return db
    except store.ArchiveError as exc:
        raise BadInput(str(exc)) from None
    except sqlite3.OperationalError as exc:  # an upgrade that cannot write: say so, as require_writable does
        if "readonly" not in str(exc):
            raise
        raise BadInput(store.read_only_message(db_path, exc)) from None


def _parse_overrides(overrides: tuple[str, ...]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise BadInput(f"--set {item!r}: expected NAME=VALUE")
        try:
            settings[name] = json.loads(value)
        except json.JSONDecodeError:
            settings[name] = value
    return settings


def _print_table(headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)] if rows else [len(h) for h in headers]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    click.echo("  ".join("-" * w for w in widths))
    for row in rows:
        click.echo("  ".join(str(x).ljust(w) for x, w in zip(row, widths)))


from archive.commands import load_all as _load_command_modules  # noqa: E402

_load_command_modules()

if __name__ == "__main__":
    # Run as `python -m archive.cli`: this module is __main__, while the command modules
    # registered their commands on the group of the importable `archive.cli`; run that one.
    from archive.cli import cli as registered_cli

    registered_cli()
