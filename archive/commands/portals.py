"""``portal-archive portals``: the registry's portals, with when each was last recovered from a web archive."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click

from archive import store
from archive.commands.common import db_option, load_registry, print_table, registry_option


@click.command()
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
    entries = [p for p in load_registry(registry).values() if p.enabled or not only_enabled]
    if as_json:
        recovered = _last_recovered(db_path)
        click.echo(json.dumps([{**p.to_row(), "last_recovered": recovered.get(p.id)} for p in entries], ensure_ascii=False, indent=2))
        return
    recovered = _last_recovered(db_path)
    rows = [(p.id, p.name, p.province, p.platform, "yes" if p.enabled else f"no: {p.disabled_reason}", p.closed or "—",
             (recovered.get(p.id) or "—")[:16].replace("T", " "), p.base_url) for p in entries]
    print_table(("id", "name", "province", "platform", "enabled", "closed", "last recovered (UTC)", "base_url"), rows)
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
