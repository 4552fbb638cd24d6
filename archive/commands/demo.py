"""``portal-archive demo``: crawl the bundled sample portal into a fresh database and open it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from archive.commands.common import BadInput, check_port
from archive.commands.crawl import crawl_rows, report_crawls
from archive.commands.serve import serve_datasette


DEMO_DB = "data/demo.db"


@click.command()
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
    from crawler.run import run_crawls

    db_path = demo_db
    try:
        check_demo_target(db_path, own_default=Path(DEMO_DB))
    except NotADemoArchive as exc:
        raise BadInput(str(exc)) from None
    if not no_serve:
        check_port("127.0.0.1", port)  # before the crawl: a taken port is said at once, not after
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with DemoPortal() as site, tempfile.TemporaryDirectory(prefix="portal-archive-demo-") as scratch:
        entry = site.registry_entry()
        registry = Path(scratch) / "demo-registry.toml"  # never a file beside the database: it may be the operator's
        registry.write_text(entries_toml([entry]), encoding="utf-8")
        click.echo(f"Sample portal on {site.base_url} — crawling it into {db_path}")
        results = crawl_rows(db_path, run_crawls([entry["id"]], db_path=db_path, registry=registry,
                                                  settings={"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0.01, "AUTOTHROTTLE_MAX_DELAY": 1}))
    failed = report_crawls(results, db_path)
    click.echo(f"Demo crawl done in {time.monotonic() - started:.1f}s")
    if failed:
        sys.exit(1)
    if not no_serve:
        serve_datasette(db_path, "127.0.0.1", port)
