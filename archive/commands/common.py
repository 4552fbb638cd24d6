"""What every ``portal-archive`` command shares: the error type, the options, the openers, tables.

Command modules import these; ``archive/cli.py`` imports the command modules and adds their
commands to the group. Nothing here imports ``archive.cli``, so the command line has one
direction of imports (group → commands → these helpers) and no cycle. The registry is the
crawler's: it is imported inside the functions that read it, as every crawl-side use is.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path
from typing import Any, Callable

import click

from archive import store

DEFAULT_DB = "data/archive.db"


class BadInput(click.ClickException):
    """Bad input (unknown portal, broken registry, missing database): exit status 2."""

    exit_code = 2


def db_option(default: str = DEFAULT_DB) -> Callable:
    """``--db``: the archive; one option so that every command reads $PORTAL_ARCHIVE_DB and the config alike."""
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), envvar="PORTAL_ARCHIVE_DB",
        default=default, show_default=True, help="Archive database (SQLite). Env: PORTAL_ARCHIVE_DB.",
    )


def registry_option(func: Callable) -> Callable:
    """``--registry``: the portal registry; the shipped one unless the operator has their own."""
    return click.option(
        "--registry", type=click.Path(dir_okay=False, path_type=Path), envvar="PORTAL_ARCHIVE_REGISTRY",
        default=None, help="Portal registry TOML (default: the one shipped in crawler/portals.toml). Env: PORTAL_ARCHIVE_REGISTRY.",
    )(func)


def load_registry(registry: Path | None) -> dict[str, Any]:
    """The registry's portals by id, or one line and exit 2 when the file is broken."""
    from crawler.registry import RegistryError
    from crawler.registry import load_registry as read_registry

    try:
        return read_registry(registry)
    except RegistryError as exc:
        raise BadInput(str(exc)) from None


def check_crawlable(portals_by_id: dict[str, Any], portal_id: str) -> None:
    """Refuse (exit 2) an unknown portal id, with the nearest known ones, or a disabled portal."""
    from crawler.registry import unknown_portal

    portal = portals_by_id.get(portal_id)
    if portal is None:
        raise BadInput(str(unknown_portal(portal_id, portals_by_id)))
    if not portal.enabled:
        raise BadInput(f"portal {portal_id} is disabled: {portal.disabled_reason} (set enabled = true in the registry to crawl it)")


def open_archive(db_path: Path, *, create: bool = False, write: bool = False, read_only: bool = False) -> Any:
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


def parse_overrides(overrides: tuple[str, ...]) -> dict[str, Any]:
    """``--set NAME=VALUE`` options as settings; a value is JSON when it parses as JSON, else text."""
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


def print_table(headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Rows as aligned columns under a header line, for a terminal (``--json`` is for programs)."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)] if rows else [len(h) for h in headers]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    click.echo("  ".join("-" * w for w in widths))
    for row in rows:
        click.echo("  ".join(str(x).ljust(w) for x, w in zip(row, widths)))


def check_port(host: str, port: int) -> None:
    """Refuse, in one line, a port that is taken (before any work is done, not after)."""
    if port == 0:
        return
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind((host, port))
    except OSError as exc:
        raise BadInput(f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another port with -p PORT, "
                       "or -p 0 for any free one") from None
