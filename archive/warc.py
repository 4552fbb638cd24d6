"""WARC in and out (warcio): the archive's snapshots as WARC 1.1, and WARC records as pages.

Export writes one ``response`` record per snapshot (the stored body with the stored HTTP
headers, dated by when it was first fetched) after a ``warcinfo`` record, into a temporary
file renamed into place: an interrupted export leaves no half-written file. Import reads the
``response`` records of any WARC (ours, a web archive's) as pages with their record date.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# The stored body is already decoded (no transfer or content coding): these headers would lie.
_DROP_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


class WarcError(Exception):
    """A file that is not a readable WARC; the message names it."""


@dataclass
class WarcPage:
    url: str
    fetched_at: str  # ISO 8601 UTC, from WARC-Date
    status: int
    headers: dict[str, list[str]]
    body: bytes


def warc_date(iso: str | None) -> str:
    """ISO 8601 (any offset) → the UTC ``YYYY-MM-DDThh:mm:ssZ`` WARC-Date form."""
    moment = datetime.fromisoformat(iso) if iso else datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso(warc_date_value: str | None) -> str:
    if not warc_date_value:
        return datetime.now(timezone.utc).isoformat(timespec="seconds")
    moment = datetime.fromisoformat(warc_date_value.replace("Z", "+00:00"))
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _header_pairs(headers: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for name, value in headers.items():
        if name.lower() in _DROP_HEADERS:
            continue
        for item in value if isinstance(value, list) else [value]:
            pairs.append((str(name), str(item)))
    return pairs


def write_warc(snapshots: Iterable[dict[str, Any]], out: str | Path, *, info: dict[str, str] | None = None) -> int:
    """Write ``snapshots`` (rows with url, status, headers, body, first_fetched_at) as a gzipped WARC 1.1.

    Returns the number of response records written.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    count = 0
    try:
        with os.fdopen(handle, "wb") as stream:
            writer = WARCWriter(stream, gzip=True, warc_version="WARC/1.1")
            writer.write_record(writer.create_warcinfo_record(out.name, info or {"software": "portal-archive"}))
            for snap in snapshots:
                status = int(snap.get("status") or 200)
                try:
                    phrase = HTTPStatus(status).phrase
                except ValueError:
                    phrase = "Unknown"
                body = snap["body"]
                pairs = _header_pairs(snap.get("headers") or {}) + [("Content-Length", str(len(body)))]
                http_headers = StatusAndHeaders(f"{status} {phrase}", pairs, protocol="HTTP/1.1")
                record = writer.create_warc_record(
                    snap["url"], "response", payload=BytesIO(body), length=len(body), http_headers=http_headers,
                    warc_headers_dict={"WARC-Date": warc_date(snap.get("first_fetched_at") or snap.get("last_fetched_at"))},
                )
                writer.write_record(record)
                count += 1
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return count


def read_warc(path: str | Path) -> Iterator[WarcPage]:
    """The ``response`` records of a WARC (gzipped or not) as pages; other records are skipped."""
    path = Path(path)
    if not path.is_file():
        raise WarcError(f"{path}: no such file")
    with path.open("rb") as stream:
        yield from _pages(stream, path)


def _pages(stream: BinaryIO, path: Path) -> Iterator[WarcPage]:
    try:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<>")
            if not url.startswith(("http://", "https://")):
                continue
            headers: dict[str, list[str]] = {}
            for name, value in record.http_headers.headers:
                headers.setdefault(name, []).append(value)
            body = record.content_stream().read()  # de-chunked and decompressed
            for name in [n for n in headers if n.lower() in _DROP_HEADERS]:
                del headers[name]
            yield WarcPage(url=url, fetched_at=_iso(record.rec_headers.get_header("WARC-Date")),
                           status=int(record.http_headers.get_statuscode() or 0), headers=headers, body=body)
    except ArchiveLoadFailed as exc:
        raise WarcError(f"{path}: not a WARC file ({exc})") from None
