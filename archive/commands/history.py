"""``history URL`` and ``reextract``: what an article has been, and rebuilding it from snapshots.

Re-extraction reads only stored snapshots (no network): when the extractor or a platform
profile improves, old material gets the improvement, and every change is a new version
(origin ``reextract``), so nothing the earlier extractor produced is lost.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any, Callable

import click

from archive import store
from archive.commands.common import BadInput, db_option, load_registry, open_archive, registry_option

DIFF_FIELDS = ("title", "published_at", "author", "source", "category", "lead", "body")


def _extractor_for(db: Any, portal: Any) -> Callable[[bytes, str, dict], dict | None]:
    """The crawler's extraction for a portal; a generic portal's template is relearned first."""
    from crawler.learning import page_extractor, relearn_template

    if portal.profile().is_generic:
        return page_extractor(portal, relearn_template(db, portal.id), articles_only=False)
    return page_extractor(portal)


def version_text(version: dict[str, Any]) -> list[str]:
    """A version as the lines a diff compares: one header line per field, then the body's lines."""
    lines = [f"{key}: {version.get(key) or ''}" for key in DIFF_FIELDS if key != "body"]
    return lines + [""] + (version.get("body") or "").splitlines()


@click.command()
@click.argument("url")
@db_option()
@click.option("--json", "as_json", is_flag=True, help="The article and its versions as one JSON object.")
def history(url: str, db_path: Path, as_json: bool) -> None:
    """Print every version of an archived article, each with a unified diff from the one before.

    URL is the article's address (canonical or as fetched).

    \b
    Example:
        portal-archive history https://sotttt.hanoi.gov.vn/vi/thanh-tra/-/view_content/702282-....html
    """
    db = open_archive(db_path, read_only=True)
    try:
        article = store.find_article(db, url)
        if article is None:
            raise BadInput(f"{url}: not in the archive {db_path} (give the article's URL as stored; see the articles table)")
        versions = store.article_versions(db, article["id"])
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps({"article": {k: article[k] for k in ("id", "url", "portal_id", "version", "first_seen_at", "last_seen_at", "gone_at", "gone_status")},
                               "versions": versions}, ensure_ascii=False, indent=2, default=str))
        return
    gone = f"; gone since {article['gone_at']} (HTTP {article['gone_status']})" if article.get("gone_at") else ""
    click.echo(f"{article['url']}\n{article['portal_id']}: {len(versions)} version(s), first seen {article['first_seen_at']}, "
               f"last seen {article['last_seen_at']}{gone}")
    previous: dict[str, Any] | None = None
    for version in versions:
        click.echo(f"\n== version {version['version']} — seen {version['seen_at']} ({version.get('origin') or 'crawl'}, "
                   f"{version.get('extractor') or '?'}) {version['content_hash'][:12]}")
        if previous is None:
            click.echo(f"title: {version.get('title') or ''}")
        else:
            diff = difflib.unified_diff(version_text(previous), version_text(version),
                                        fromfile=f"version {previous['version']}", tofile=f"version {version['version']}", lineterm="")
            for line in diff:
                click.echo(line)
        previous = version


@click.command()
@click.option("--portal", "portal_id", default=None, help="Only this portal's articles.")
@click.option("--since", default=None, metavar="DATE", help="Only articles whose newest snapshot was fetched on or after DATE (YYYY-MM-DD).")
@db_option()
@registry_option
@click.option("-q", "--quiet", is_flag=True, help="Only the summary line, not one line per changed article.")
def reextract(portal_id: str | None, since: str | None, db_path: Path, registry: Path | None, quiet: bool) -> None:
    """Rebuild articles from their stored snapshots with the current extractor (no network).

    Prints each article whose content changed (and which fields); a change adds a version.

    \b
    Example:
        portal-archive reextract --portal hanoi-sotttt
        portal-archive reextract --since 2024-01-01 -q
    """
    if since is not None:
        from datetime import date

        try:
            date.fromisoformat(since[:10])
        except ValueError:
            raise BadInput(f"--since {since!r}: expected a date YYYY-MM-DD") from None
    portals = load_registry(registry)
    if portal_id and portal_id not in portals:
        raise BadInput(f"unknown portal id {portal_id!r} (see `portal-archive portals`)")
    db = open_archive(db_path, write=True)
    counts = {"updated": 0, "unchanged": 0, "skipped": 0}
    extractors: dict[str, Callable] = {}
    try:
        for row in store.articles_for_reextraction(db, portal_id=portal_id, since=since):
            portal = portals.get(row["portal_id"])
            if portal is None:
                counts["skipped"] += 1
                continue
            if portal.id not in extractors:
                extractors[portal.id] = _extractor_for(db, portal)
            extract = extractors[portal.id]
            headers = json.loads(row["headers"] or "{}")
            fields = extract(store.snapshot_body(db, row["snapshot_id"]), row["snapshot_url"], headers)
            if fields is None:
                counts["skipped"] += 1
                continue
            fields["url"] = row["url"]  # the article keeps its identity
            before = store.find_article(db, row["url"])
            result = store.upsert_article(db, fields, portal_id=row["portal_id"], province=row["province"],
                                          snapshot_id=row["snapshot_id"], seen_at=row["last_fetched_at"],
                                          origin="reextract", sighting=False)
            counts[result] += 1
            if result == "updated" and not quiet:
                after = store.find_article(db, row["url"])
                changed = [k for k in store.CONTENT_FIELDS if before.get(k) != after.get(k)]
                click.echo(f"updated: {row['url']} ({', '.join(changed)}) → version {after['version']}")
    finally:
        db.close()
    total = sum(counts.values())
    click.echo(f"reextract: {total} articles from snapshots, {counts['updated']} updated, {counts['unchanged']} unchanged, "
               f"{counts['skipped']} skipped (no profile or not an article page) → {db_path}")
