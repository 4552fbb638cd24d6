"""Operator commands: crawl health, schedules, configuration check."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
from pathlib import Path

import click

from archive.commands.common import BadInput, db_option, load_registry, open_archive, print_table, registry_option
from archive.health import portal_health


@click.command()
@db_option()
@click.argument("portal_ids", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per portal (a JSON list).")
@click.option("--strict", is_flag=True, help="Exit 1 when any portal is flagged (failed, degraded, stale, errors).")
def status(db_path: Path, portal_ids: tuple[str, ...], as_json: bool, strict: bool) -> None:
    """Crawl health per portal: last crawl, outcome, new articles, errors, newest article, flags.

    \b
    Flags:
        failed       the last crawl could not fetch its start pages or found no article
        interrupted  the last crawl was stopped before the end (Ctrl-C / SIGTERM)
        killed       the last crawl's process died (SIGKILL, power cut); the next run resumes it
        degraded     the last crawl's field coverage dropped (layout drift: see docs/operations.md)
        errors       more than half of the last crawl's requests failed
        stale        the newest article is older than 3 × the portal's usual gap (min. 14 days)

    \b
    Example:
        portal-archive status
        portal-archive status --strict --json || alert-the-operator
    """
    db = open_archive(db_path, read_only=True)
    try:
        report = portal_health(db, portal_ids=list(portal_ids) or None)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps([h.to_dict() for h in report], ensure_ascii=False, indent=2))
    else:
        rows = [(h.portal_id, (h.last_crawl_at or "—")[:16].replace("T", " "), h.outcome or "—", h.new_articles,
                 "—" if h.error_rate is None else f"{h.error_rate:.0%}", h.articles, (h.newest_article or "—")[:10],
                 "—" if h.days_since_new is None else f"{h.days_since_new:g}", h.closed or "—",
                 (h.last_recovered or "—")[:16].replace("T", " "), ",".join(h.flags) or "ok") for h in report]
        print_table(("portal", "last crawl (UTC)", "outcome", "new", "errors", "articles", "newest", "days since new", "closed",
                      "last recovered (UTC)", "flags"), rows)
        for h in report:
            if h.message and h.outcome != "ok":
                click.echo(f"{h.portal_id}: {h.message}")
    if strict and any(h.flags for h in report):
        sys.exit(1)


@click.command()
@click.argument("portal_ids", nargs=-1)
@click.option("--all", "all_enabled", is_flag=True, help="Every enabled portal.")
@click.option("--format", "fmt", type=click.Choice(["cron", "systemd"]), default="cron", show_default=True)
@click.option("--at", "at_time", default="02:30", show_default=True, help="Time of the first run each day (HH:MM, local time); portals are staggered 10 minutes apart.")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=Path.cwd, show_default="current directory", help="Directory the crawl runs in (holds data/).")
@click.option("--user", "cron_user", default=None, help="cron: write /etc/cron.d lines, which name the user each line runs as (without it: lines for `crontab`).")
@db_option()
@registry_option
def schedule(portal_ids: tuple[str, ...], all_enabled: bool, fmt: str, at_time: str, workdir: Path, cron_user: str | None,
             db_path: Path, registry: Path | None) -> None:
    """Print ready-to-install cron lines or systemd units that crawl portals daily.

    Each portal is crawled by its own run; a run finding the same portal already being crawled
    exits with a message instead of overlapping (the crawl command holds a lock per portal).

    \b
    Example:
        portal-archive schedule --all | crontab -                         # your crontab (replaces it)
        portal-archive schedule --all --user archive > /etc/cron.d/portal-archive
        portal-archive schedule hanoi-sotttt --format systemd
    """
    portals = load_registry(registry)
    ids = [pid for pid, p in portals.items() if p.enabled] if all_enabled else list(portal_ids)
    if not ids:
        raise click.UsageError("name at least one portal id, or use --all")
    for pid in ids:
        if pid not in portals:
            raise BadInput(f"unknown portal id {pid!r} (see `portal-archive portals`)")
    if cron_user is not None and not re.fullmatch(r"[a-z_][a-z0-9_.-]*\$?", cron_user, re.I):
        raise BadInput(f"--user {cron_user!r}: not a user name")
    try:
        hour, minute = (int(x) for x in at_time.split(":"))
        assert 0 <= hour < 24 and 0 <= minute < 60
    except (ValueError, AssertionError):
        raise BadInput(f"--at {at_time!r}: expected HH:MM") from None
    exe = shutil.which("portal-archive") or f"{sys.executable} -m archive.cli"
    workdir = workdir.resolve()
    db_arg = shlex.quote(str(db_path if db_path.is_absolute() else workdir / db_path))
    reg_arg = f" --registry {shlex.quote(str(registry.resolve()))}" if registry else ""
    if fmt == "cron":
        if cron_user:
            click.echo(f"# portal-archive: one daily crawl per portal, for /etc/cron.d/ (runs as {cron_user}).")
        else:
            click.echo("# portal-archive: one daily crawl per portal, for `crontab` (for /etc/cron.d/ use --user NAME).")
        click.echo("SHELL=/bin/sh")
        for i, pid in enumerate(ids):
            start = hour * 60 + minute + 10 * i
            logs = workdir / "data" / "logs"
            log = shlex.quote(str(logs / f"{pid}.log"))
            click.echo(f"{start % 60} {(start // 60) % 24} * * * {cron_user + ' ' if cron_user else ''}cd {shlex.quote(str(workdir))} && mkdir -p {shlex.quote(str(logs))} && "
                       f"{exe} crawl {pid} -q --db {db_arg}{reg_arg} >> {log} 2>&1")
        return
    click.echo(f"""# /etc/systemd/system/portal-archive@.service
[Unit]
Description=portal-archive crawl of portal %i
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
WorkingDirectory={workdir}
ExecStart={exe} crawl %i -q --db {db_arg}{reg_arg}
Nice=10

# /etc/systemd/system/portal-archive@.timer
[Unit]
Description=Daily portal-archive crawl of portal %i

[Timer]
OnCalendar=*-*-* {hour:02d}:{minute:02d}:00
RandomizedDelaySec=30min
Persistent=true

[Install]
WantedBy=timers.target

# enable one timer per portal:""")
    for pid in ids:
        click.echo(f"#   systemctl enable --now portal-archive@{pid}.timer")


@click.command()
@db_option()
def upgrade(db_path: Path) -> None:
    """Bring an archive made by an older release up to this release's schema, in place.

    Commands that only read (status, serve, history, export-warc, check-config) never change
    the archive, so they refuse an older one and point here; crawls and imports upgrade it too.

    \b
    Example:
        portal-archive upgrade --db /srv/archive/archive.db
    """
    before = open_archive(db_path, write=True)  # migrates in place (a no-op when up to date)
    before.close()
    click.echo(f"{db_path}: schema up to date")


@click.command("check-config")
@db_option()
@registry_option
def check_config(db_path: Path, registry: Path | None) -> None:
    """Validate the registry, the platform profiles it names and the database; print what is used.

    \b
    Example:
        PORTAL_ARCHIVE_DB=/srv/archive/archive.db portal-archive check-config
    """
    from crawler import settings
    from crawler.registry import default_registry_path

    portals = load_registry(registry)
    for portal in portals.values():
        if portal.enabled:
            portal.profile()  # raises on a broken profile
    config = click.get_current_context().find_root().meta.get("config_path")
    click.echo(f"config:     {config or 'none (no --config, $PORTAL_ARCHIVE_CONFIG or ./portal-archive.toml)'}")
    click.echo(f"registry:   {registry or default_registry_path()} — {len(portals)} portals, {sum(p.enabled for p in portals.values())} enabled")
    if db_path.exists():
        open_archive(db_path, read_only=True).close()
        click.echo(f"database:   {db_path} — ok")
    else:
        click.echo(f"database:   {db_path} — not created yet (the first crawl creates it)")
    click.echo(f"user agent: {settings.USER_AGENT}")
    click.echo(f"politeness: robots.txt {'obeyed' if settings.ROBOTSTXT_OBEY else 'IGNORED'}, "
               f"{settings.CONCURRENT_REQUESTS_PER_DOMAIN} requests per host, {settings.DOWNLOAD_DELAY}s delay, "
               f"AutoThrottle {'on' if settings.AUTOTHROTTLE_ENABLED else 'off'}, max {settings.DOWNLOAD_MAXSIZE // 2**20} MB per page")
    click.echo("ok")
