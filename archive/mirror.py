"""Saved copies of portals: the pages of an HTTrack or ``wget --mirror`` directory with their URLs.

A defunct portal often survives only as someone's mirror. Each saved page needs its original
URL (the article's identity in the archive) and a date:

- HTTrack writes ``<!-- Mirrored from host/path?query by HTTrack Website Copier/3.x [...],
  Sat, 27 Aug 2022 09:52:56 GMT -->`` into every page: the URL without its scheme, and the
  date of the copy.
- ``wget --mirror`` lays pages out as ``host/path`` (``index.html`` for a directory) and sets
  each file's modification time from the server's Last-Modified.
- Anything else needs ``base_url``: the page's path below the mirror root is appended to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import quote

HTTRACK_COMMENT = re.compile(rb"<!--\s*Mirrored from\s+(\S+)\s+by HTTrack Website Copier[^,]*,\s*([^>]*?)\s*-->")
# Files that are never pages. Anything else is sniffed: HTTrack truncates long names into
# suffixes such as ``.2cd2.dela``, so a page's suffix says little.
NOT_PAGES = {".css", ".js", ".json", ".xml", ".txt", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico",
             ".bmp", ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".mp3", ".mp4",
             ".woff", ".woff2", ".ttf", ".eot", ".swf"}
SKIP_NAMES = {"hts-log.txt", "hts-err.txt", "backblue.gif", "fade.gif", "cookies.txt"}
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?$", re.I)


@dataclass
class MirrorPage:
    path: Path  # relative to the mirror root
    url: str | None  # None when no original URL could be found
    fetched_at: str
    body: bytes
    how: str  # "httrack", "wget", "base-url" or "unknown"


def _looks_html(path: Path, head: bytes) -> bool:
    if path.suffix.lower() in NOT_PAGES:
        return False
    sniff = head.lstrip(b"\xef\xbb\xbf \r\n\t").lower()
    return sniff.startswith((b"<!doctype", b"<html", b"<!--", b"<head", b"<meta"))


def httrack_origin(body: bytes, scheme: str = "https") -> tuple[str, str] | None:
    """``(url, fetched_at)`` from HTTrack's comment, or None when the page has none."""
    match = HTTRACK_COMMENT.search(body[:20000])
    if not match:
        return None
    address = match.group(1).decode("utf-8", "replace")
    url = address if re.match(r"^https?://", address) else f"{scheme}://{address}"
    try:
        fetched = parsedate_to_datetime(match.group(2).decode("ascii", "replace"))
        fetched_at = fetched.astimezone(timezone.utc).isoformat(timespec="seconds")
    except (TypeError, ValueError):
        fetched_at = ""
    return url, fetched_at


def wget_origin(relative: Path, scheme: str = "https") -> str | None:
    """The URL a ``wget --mirror`` file came from (``host/path``), or None when it is not that layout."""
    parts = relative.parts
    if len(parts) < 2 or not _HOST.match(parts[0]):
        return None
    rest = "/".join(parts[1:])
    if parts[-1] in ("index.html", "index.htm"):
        rest = rest[: -len(parts[-1])]
    # errors=surrogateescape: a file name that is not UTF-8 keeps its bytes, percent-encoded
    return f"{scheme}://{parts[0]}/" + quote(rest, safe="/?=&%:;,+@!$'()*~-._", errors="surrogateescape")


def base_url_origin(relative: Path, base_url: str) -> str:
    """The URL of a file of a plain copy below ``base_url``; ``dir/index.html`` is ``dir/``, as a web server serves it."""
    path = relative.as_posix()
    if relative.name in ("index.html", "index.htm"):
        path = path[: -len(relative.name)]
    return base_url.rstrip("/") + "/" + quote(path, safe="/?=&%:;,+@-._~", errors="surrogateescape")


MAX_PAGE_BYTES = 20 * 1024 * 1024  # as the crawler's DOWNLOAD_MAXSIZE: no news page comes near it
_SNIFF_BYTES = 512


def iter_mirror(root: str | Path, *, scheme: str = "https", base_url: str | None = None, max_bytes: int = MAX_PAGE_BYTES,
                skipped: Callable[[Path, str], None] | None = None) -> Iterator[MirrorPage]:
    """Every HTML page below ``root`` with its original URL and date, in path order.

    A file is judged before it is read: its name, then its size (over ``max_bytes``: skipped,
    as the crawler refuses such a download), then its first bytes; only a page is read whole,
    so a mirror holding a 2 GB video costs no memory. ``skipped(path, reason)`` hears of each
    file over the limit.
    """
    root = Path(root)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if path.name in SKIP_NAMES or any(part.startswith("hts-") for part in relative.parts):
            continue
        if path.suffix.lower() in NOT_PAGES:
            continue
        try:
            stat = path.stat()
            if stat.st_size > max_bytes:
                if skipped is not None:
                    skipped(relative, f"{stat.st_size} bytes, over the {max_bytes}-byte limit")
                continue
            with path.open("rb") as stream:
                head = stream.read(_SNIFF_BYTES)
                if not _looks_html(path, head):
                    continue
                body = head + stream.read(max_bytes + 1 - len(head))  # the file may have grown since stat()
        except OSError as exc:
            if skipped is not None:
                skipped(relative, f"cannot be read ({exc.strerror or exc})")
            continue
        if len(body) > max_bytes:
            if skipped is not None:
                skipped(relative, f"over the {max_bytes}-byte limit")
            continue
        mtime = datetime.fromtimestamp(stat.st_mtime, timezone.utc).isoformat(timespec="seconds")
        origin = httrack_origin(body, scheme)
        if origin is not None:
            yield MirrorPage(relative, origin[0], origin[1] or mtime, body, "httrack")
            continue
        url = wget_origin(relative, scheme)
        if url is not None:
            yield MirrorPage(relative, url, mtime, body, "wget")
        elif base_url:
            yield MirrorPage(relative, base_url_origin(relative, base_url), mtime, body, "base-url")
        else:
            yield MirrorPage(relative, None, mtime, body, "unknown")
