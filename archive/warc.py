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
    """The ``response`` records of a WARC (gzipped or not) as pages; other records are skipped.

    Every record is checked before its page is handed out: a block shorter than its WARC
    ``Content-Length`` (a cut file), a payload shorter than its HTTP ``Content-Length`` (a cut
    download recorded as is), a failed ``WARC-Block-Digest``/``WARC-Payload-Digest``, or a
    record that cannot be read at all raises :class:`WarcDamaged` naming the record's offset;
    the pages before it have been handed out. A file that holds no readable record at all is
    :class:`WarcError` (not a WARC).
    """
    path = Path(path)
    if not path.is_file():
        raise WarcError(f"{path}: no such file")
    with path.open("rb") as stream:
        yield from _pages(stream, path, size=path.stat().st_size)


class WarcDamaged(WarcError):
    """A damaged record after readable ones: the import stops there, what came before stays."""

    def __init__(self, path: Path, offset: int, reason: str) -> None:
        super().__init__(f"{path}: damaged record at offset {offset} ({reason}): it and what follows are not imported")
        self.offset = offset


def _pages(stream: BinaryIO, path: Path, *, size: int | None = None) -> Iterator[WarcPage]:
    records = 0
    iterator = ArchiveIterator(stream, check_digests=True)  # digests checked, problems collected (not raised)
    offset = 0
    try:
        for record in iterator:
            offset = iterator.offset
            records += 1
            if record.rec_type != "response" or record.http_headers is None:
                _read_whole(record)
                _check(record, path, offset)
                continue
            headers: dict[str, list[str]] = {}
            for name, value in record.http_headers.headers:
                headers.setdefault(name, []).append(value)
            try:
                body = record.content_stream().read()  # de-chunked and decompressed
            except Exception as exc:  # noqa: BLE001 -- chunked/gzip decoding of a damaged payload
                raise WarcDamaged(path, offset, f"payload cannot be decoded: {exc}") from None
            _read_whole(record)
            _check(record, path, offset, http_length=_header_int(headers, "Content-Length"),
                   chunked=any("chunked" in v.lower() for n, vs in headers.items() if n.lower() == "transfer-encoding" for v in vs))
            url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<>")
            if not url.startswith(("http://", "https://")):
                continue
            for name in [n for n in headers if n.lower() in _DROP_HEADERS]:
                del headers[name]
            date = record.rec_headers.get_header("WARC-Date")
            try:
                fetched_at = _iso(date)
            except ValueError:
                raise WarcError(f"{path}: record at offset {offset} ({url}): WARC-Date {date!r} is not an ISO 8601 date") from None
            status = record.http_headers.get_statuscode()
            if not (status or "").isdigit():
                raise WarcError(f"{path}: record at offset {offset} ({url}): HTTP status {status!r} is not a number") from None
            yield WarcPage(url=url, fetched_at=fetched_at, status=int(status), headers=headers, body=body)
        iterator.read_to_end()
        if size is not None and records and iterator.offset < size:
            # warcio ends quietly at a gzip member cut short: the bytes after the last whole record are one
            raise WarcDamaged(path, iterator.offset, f"the file ends inside a record ({size - iterator.offset} bytes left unread)")
    except ArchiveLoadFailed as exc:
        reason = str(exc).split(", first line", 1)[0].split("\n", 1)[0].strip()[:120]  # not the damaged bytes themselves
        if not records:
            raise WarcError(f"{path}: not a WARC file ({reason})") from None
        raise WarcDamaged(path, iterator.offset, reason) from None


def _read_whole(record: Any) -> None:
    """Read the record's block to its end, so its length and digests are checked."""
    while record.raw_stream.read(65536):
        pass


def _check(record: Any, path: Path, offset: int, *, http_length: int | None = None, chunked: bool = False) -> None:
    missing = record.raw_stream.limit  # bytes of the block the WARC Content-Length announced and the file lacks
    if missing:
        raise WarcDamaged(path, offset, f"block {missing} bytes shorter than its Content-Length {record.length}")
    checker = getattr(record, "digest_checker", None)
    if checker is not None and checker.passed is False:
        raise WarcDamaged(path, offset, "; ".join(checker.problems) or "digest mismatch")
    if http_length is None or chunked or record.http_headers is None:
        return
    status = int(record.http_headers.get_statuscode()) if (record.http_headers.get_statuscode() or "").isdigit() else 0
    if status >= 200 and status not in (204, 304):  # those have no body
        payload = record.length - record.http_headers.total_len
        if payload < http_length:
            raise WarcDamaged(path, offset, f"HTTP payload of {payload} bytes, shorter than its Content-Length {http_length}")


def _header_int(headers: dict[str, list[str]], name: str) -> int | None:
    for key, values in headers.items():
        if key.lower() == name.lower() and values:
            try:
                return int(values[-1].strip())
            except ValueError:
                return None
    return None
