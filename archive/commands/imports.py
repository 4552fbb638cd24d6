"""WARC out and in, and saved mirrors in: ``export-warc``, ``import-warc``, ``import-mirror``.

Imported pages are stored as if crawled when the record or copy was made: a snapshot dated by
the WARC record or the mirror, and an article (version origin ``warc``/``mirror``) when the
portal's profile sees an article URL. Each import is a row of ``crawls`` (mode
``import-warc``/``import-mirror``), so the archive's history says where material came from.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from archive import store
from archive.commands.common import BadInput, db_option, load_registry, open_archive, registry_option


@click.command("export-warc")
@click.option("--portal", "portal_id", required=True, help="The portal whose snapshots are exported.")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@db_option()
def export_warc(portal_id: str, out: Path, db_path: Path) -> None:
    """Write a portal's snapshots as a gzipped WARC 1.1 file (one response record per snapshot).

    \b
    Example:
        portal-archive export-warc --portal hanoi-sotttt sotttt.warc.gz
        warcio check sotttt.warc.gz
    """
    from archive.warc import write_warc

    if not out.name.endswith((".warc.gz", ".warc")):
        raise BadInput(f"{out}: name the output *.warc.gz")
    db = open_archive(db_path, read_only=True)
    try:
        if not db.execute("SELECT 1 FROM portals WHERE id = ?", [portal_id]).fetchone():
            raise BadInput(f"portal {portal_id!r} is not in the archive {db_path}")
        count = write_warc(store.iter_snapshots(db, portal_id), out,
                           info={"software": "portal-archive", "format": "WARC File Format 1.1",
                                 "description": f"snapshots of portal {portal_id}"})
    except OSError as exc:  # an unwritable or missing folder, a full disk: the temporary file is already gone
        where = exc.filename if isinstance(exc.filename, str) else out
        raise BadInput(f"{out}: cannot write {where} ({exc.strerror or exc}); choose a writable folder — nothing was written") from None
    finally:
        db.close()
    if count == 0:
        Path(out).unlink(missing_ok=True)
        raise BadInput(f"portal {portal_id!r} has no snapshots in {db_path}: nothing exported")
    click.echo(f"{portal_id}: {count} records → {out}")


@click.command("import-warc")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--portal", "portal_id", default=None, help="Store every record under this portal (default: match each record's host to the registry).")
@db_option()
@registry_option
def import_warc(file: Path, portal_id: str | None, db_path: Path, registry: Path | None) -> None:
    """Ingest a WARC file (ours or a web archive's) as if its pages had been crawled on the record dates.

    \b
    Example:
        portal-archive import-warc hoangmai-2019.warc.gz --portal hanoi-hoang-mai
    """
    from archive.warc import WarcDamaged, WarcError, read_warc

    portals = load_registry(registry)
    if portal_id and portal_id not in portals:
        raise BadInput(f"unknown portal id {portal_id!r} (see `portal-archive portals`)")
    by_host = {host: p for p in portals.values() for host in p.allowed_domains}
    session = _ImportSession(db_path, mode="import-warc", source=str(file))
    try:
        for page in read_warc(file):
            host = (urlsplit(page.url).hostname or "").lower()
            portal = portals[portal_id] if portal_id else by_host.get(host) or by_host.get(host.removeprefix("www."))
            if portal is None:
                session.counts["skipped"] += 1
                continue
            session.ingest(portal, page.url, page.body, page.status, page.headers, page.fetched_at, origin="warc")
        session.store_generic_articles()
    except WarcDamaged as exc:  # a cut or corrupted file: what came before is stored, the run failed
        session.store_generic_articles()
        session.abort(str(exc))
        raise click.ClickException(f"{exc}; the {session.counts['pages']} pages before it are stored (run marked failed)") from None
    except WarcError as exc:
        session.abort(str(exc))
        raise BadInput(f"{exc}; the {session.counts['pages']} pages before it are stored" if session.counts["pages"] else str(exc)) from None
    except BaseException as exc:  # never leave the crawls row running (Ctrl-C, a bug): close it, then let it go
        session.abort(f"stopped: {type(exc).__name__}: {exc}", outcome="interrupted" if isinstance(exc, KeyboardInterrupt) else "failed")
        raise
    session.finish()


@click.command("import-mirror")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--portal", "portal_id", required=True, help="The portal the mirror is a copy of.")
@click.option("--scheme", type=click.Choice(["https", "http"]), default="https", show_default=True, help="Scheme for URLs the mirror records without one (HTTrack, wget hosts).")
@click.option("--base-url", default=None, help="For a plain copy (neither HTTrack nor wget layout): the URL of the directory's root.")
@db_option()
@registry_option
def import_mirror(directory: Path, portal_id: str, scheme: str, base_url: str | None, db_path: Path, registry: Path | None) -> None:
    """Ingest an HTTrack or `wget --mirror` copy of a portal (original URLs from the copy itself).

    \b
    Example:
        portal-archive import-mirror ../shared/portals/hanoi-sotttt/pages --portal hanoi-sotttt
        portal-archive import-mirror mirror/ --portal hanoi-hoang-mai    # wget: mirror/hoangmai.hanoi.gov.vn/...
    """
    from archive.mirror import iter_mirror

    portals = load_registry(registry)
    portal = portals.get(portal_id)
    if portal is None:
        raise BadInput(f"unknown portal id {portal_id!r} (see `portal-archive portals`)")
    from crawler.settings import DOWNLOAD_MAXSIZE

    hosts = set(portal.allowed_domains)
    session = _ImportSession(db_path, mode="import-mirror", source=str(directory))

    def too_large(path: Path, reason: str) -> None:
        session.counts["too_large"] += 1
        click.echo(f"skipped {path}: {reason}", err=True)

    try:
        for page in iter_mirror(directory, scheme=scheme, base_url=base_url, max_bytes=DOWNLOAD_MAXSIZE, skipped=too_large):
            if page.url is None:
                session.counts["no_url"] += 1
                continue
            if (urlsplit(page.url).hostname or "").lower() not in hosts:
                session.counts["skipped"] += 1  # another site HTTrack or wget followed links to
                continue
            session.ingest(portal, page.url, page.body, 200, {"Content-Type": ["text/html"]}, page.fetched_at, origin="mirror",
                           local_path=page.path.as_posix())
        session.store_generic_articles()
    except BaseException as exc:  # never leave the crawls row running (Ctrl-C, a bug): close it, then let it go
        session.abort(f"stopped: {type(exc).__name__}: {exc}", outcome="interrupted" if isinstance(exc, KeyboardInterrupt) else "failed")
        raise
    session.finish()


class _ImportSession:
    """One import: a ``crawls`` row per portal touched, counters, the summary line."""

    def __init__(self, db_path: Path, *, mode: str, source: str) -> None:
        self.db = open_archive(db_path, create=True, write=True)
        self.db_path = db_path
        self.mode = mode
        self.source = source
        self.crawl_ids: dict[str, int] = {}
        self.extractors: dict[str, Any] = {}
        self.counts = {"pages": 0, "new": 0, "updated": 0, "unchanged": 0, "skipped": 0, "no_url": 0, "too_large": 0}
        self.per_portal: dict[str, dict[str, int]] = {}
        self.generic: dict[str, tuple[Any, str, list[Any]]] = {}

    def ingest(self, portal: Any, url: str, body: bytes, status: int, headers: dict, fetched_at: str, *, origin: str,
               local_path: str | None = None) -> None:
        if portal.id not in self.crawl_ids:
            store.sync_portals(self.db, [portal.to_row()])
            # An earlier run of this portal whose process is gone (an import or a crawl killed
            # with SIGKILL) is closed as killed; this one records its pid so the next run can tell.
            store.close_stale_crawls(self.db, portal.id)
            self.crawl_ids[portal.id] = store.start_crawl(self.db, portal.id, mode=self.mode, args={"source": self.source},
                                                          pid=os.getpid())
            from crawler.learning import page_extractor

            self.extractors[portal.id] = page_extractor(portal)
            self.per_portal[portal.id] = {"pages_fetched": 0, "articles_new": 0, "articles_updated": 0, "articles_unchanged": 0}
        if portal.profile().is_generic:
            # no URL patterns: which pages are articles is decided once the whole copy is seen
            from crawler.learning import StoredPage

            snapshot_id = store.store_snapshot(self.db, url=url, body=body, status=status, headers=headers, portal_id=portal.id,
                                               crawl_id=self.crawl_ids[portal.id], fetched_at=fetched_at, origin=origin)
            self._count_page(portal.id, None)
            if status == 200:
                self.generic.setdefault(portal.id, (portal, origin, []))[2].append(StoredPage(snapshot_id, url, fetched_at, headers, local_path))
            return
        result = store.ingest_page(self.db, portal_id=portal.id, url=url, body=body, status=status, headers=headers,
                                   fetched_at=fetched_at, extract=self.extractors[portal.id], origin=origin,
                                   province=portal.province, crawl_id=self.crawl_ids[portal.id])
        self._count_page(portal.id, result)

    def _count_page(self, portal_id: str, result: str | None) -> None:
        self.counts["pages"] += 1
        self.per_portal[portal_id]["pages_fetched"] += 1
        self._count_article(portal_id, result)

    def _count_article(self, portal_id: str, result: str | None) -> None:
        if result is not None:
            self.counts[result] += 1
            self.per_portal[portal_id][f"articles_{result}"] += 1

    def store_generic_articles(self) -> None:
        """The articles of the generic portals' pages, judged and extracted once every page is stored."""
        from crawler.learning import import_generic_pages

        for portal_id, (portal, origin, pages) in self.generic.items():
            for result in import_generic_pages(self.db, portal, pages, origin=origin):
                self._count_article(portal_id, result)

    def abort(self, message: str, *, outcome: str = "failed") -> None:
        for portal_id, crawl_id in self.crawl_ids.items():
            store.finish_crawl(self.db, crawl_id, outcome=outcome, counts=self._row_counts(portal_id), message=message)
        self.db.close()

    def _row_counts(self, portal_id: str) -> dict[str, int]:
        counts = dict(self.per_portal[portal_id])
        counts["articles_seen"] = counts["articles_new"] + counts["articles_updated"] + counts["articles_unchanged"]
        return counts

    def finish(self) -> None:
        for portal_id, crawl_id in self.crawl_ids.items():
            store.finish_crawl(self.db, crawl_id, outcome="ok", counts=self._row_counts(portal_id), message=f"from {self.source}")
        self.db.close()
        c = self.counts
        articles = c["new"] + c["updated"] + c["unchanged"]
        click.echo(f"{self.mode}: {c['pages']} pages stored, {articles} articles ({c['new']} new, {c['updated']} updated, "
                   f"{c['unchanged']} unchanged), {c['skipped']} pages of other sites skipped, {c['no_url']} without an original URL"
                   + (f", {c['too_large']} files skipped (too large or unreadable)" if c["too_large"] else "") + f" → {self.db_path}")
        if c["pages"] == 0:
            raise BadInput(f"{self.source}: no page of a known portal found")
