"""Listing a portal's captures in a web archive through its CDX API.

One client for the CDX servers researchers meet: the Internet Archive's Wayback Machine
(``/cdx/search/cdx``: JSON as an array of arrays with a header row, or space-separated text;
paged with ``showResumeKey``/``resumeKey``), pywb (``/<collection>/cdx``: one JSON object per
line, or CDXJ text; no resume key, ``limit`` honoured) and OpenWayback (IA's text shape). The
answer's shape is read from its first character, not assumed from the server's name.

Written on plain HTTP (:mod:`crawler.archive_http`) rather than with a client library: the kept
ones (``cdx_toolkit``, ``wayback``, ``waybackpy``) each speak the Internet Archive's (and Common
Crawl's) dialect only, none reads pywb's line-per-capture JSON, and none streams an answer
while recording where a killed listing stopped.

Memory stays flat: answers are streamed and parsed one row at a time; a listing keeps only its
cursor (resume key, rows read) and the previous row (for ``collapse=digest`` done here too, on
servers that ignore it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from crawler.archive_http import ArchiveClient

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Field names of the text shape (IA and OpenWayback, CDX 11 and 7 columns) and of pywb's JSON.
_TEXT_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_ALIASES = {"url": "original", "mime": "mimetype", "status": "statuscode"}
PAGE_SIZE = 5000  # rows per CDX request when the server pages (the Wayback Machine's own guidance)


class CdxError(Exception):
    """A CDX answer that cannot be read (not CDX at all: an HTML error page, a login wall)."""


@dataclass(frozen=True)
class Capture:
    """One capture as a CDX row names it: the original URL, when, and what the archive saw."""

    url: str
    timestamp: str  # 14 digits, UTC
    mimetype: str = ""
    status: str = ""
    digest: str = ""
    urlkey: str = ""

    @property
    def captured_at(self) -> str:
        """The capture time as the archive's other dates are written (ISO 8601, UTC)."""
        return timestamp_iso(self.timestamp)

    @property
    def is_html_ok(self) -> bool:
        """An HTML page answered 200 (the captures worth replaying: no redirects, errors, revisits, images)."""
        return self.status == "200" and self.mimetype.split(";")[0].strip().lower() in HTML_TYPES


@dataclass(frozen=True)
class ResumeKey:
    """The Wayback Machine's marker: more rows follow, ask again with ``resumeKey``."""

    key: str


def timestamp_iso(timestamp: str) -> str:
    """``20220827034445`` → ``2022-08-27T03:44:45+00:00`` (shorter stamps padded down, as CDX does)."""
    t = (timestamp + "00000101000000"[len(timestamp):])[:14] if len(timestamp) < 14 else timestamp[:14]
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}+00:00"


def parse_cdx(chunks: Iterable[str]) -> Iterator[Capture | ResumeKey]:
    """The rows of a CDX answer of any shape, streamed from its text chunks.

    IA JSON (``[["urlkey","timestamp",...], [...], [], ["<resume key>"]]``, one row per line or
    all on one), pywb JSON lines (``{"urlkey": ..., "timestamp": ..., "url": ...}``), CDXJ text
    (``urlkey timestamp {json}``) and space-separated text (a blank line, then the resume key).
    """
    iterator = iter(chunks)
    buffer = ""
    for chunk in iterator:
        buffer += chunk
        if buffer.strip():
            break
    head = buffer.lstrip()[:1]
    if head == "[":
        yield from _parse_json_arrays(buffer, iterator)
    elif head:
        yield from _parse_lines(_lines(buffer, iterator))


def _lines(buffer: str, rest: Iterator[str]) -> Iterator[str]:
    for chunk in rest:
        buffer += chunk
        *complete, buffer = buffer.split("\n")
        yield from complete
    yield from buffer.split("\n")


def _parse_lines(lines: Iterable[str]) -> Iterator[Capture | ResumeKey]:
    blank_seen = False
    for raw in lines:
        line = raw.strip()
        if not line:
            blank_seen = True
            continue
        if line.startswith("{"):  # pywb output=json
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CdxError(f"unreadable CDX JSON line: {line[:80]!r} ({exc.msg})") from None
            capture = _capture(row)
            if capture is not None:
                yield capture
            continue
        if blank_seen:  # IA text: rows, a blank line, then the resume key
            yield ResumeKey(line)
            continue
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[2].lstrip().startswith("{"):  # CDXJ: urlkey timestamp {json}
            try:
                fields = json.loads(parts[2])
            except json.JSONDecodeError as exc:
                raise CdxError(f"unreadable CDXJ line: {line[:80]!r} ({exc.msg})") from None
            capture = _capture({"urlkey": parts[0], "timestamp": parts[1], **fields})
        else:
            columns = line.split()
            if line.lstrip().startswith("<") or len(columns) < 3 or not columns[1].isdigit():
                raise CdxError(f"not a CDX answer: {line[:80]!r}")
            capture = _capture(dict(zip(_TEXT_FIELDS, columns)))
        if capture is not None:
            yield capture


def _parse_json_arrays(buffer: str, rest: Iterator[str]) -> Iterator[Capture | ResumeKey]:
    decoder = json.JSONDecoder()
    buffer = buffer.lstrip()[1:]  # the outer "["
    header: list[str] | None = None
    resume_next = False
    exhausted = False
    while True:
        buffer = buffer.lstrip(" \t\r\n,")
        if buffer.startswith("]"):  # the outer array's end
            return
        try:
            row, end = decoder.raw_decode(buffer)
        except json.JSONDecodeError as exc:
            if exhausted:
                if not buffer.strip():
                    return
                raise CdxError(f"unreadable CDX JSON near {buffer[:80]!r} ({exc.msg})") from None
            chunk = next(rest, None)
            if chunk is None:
                exhausted = True
            else:
                buffer += chunk
            continue
        buffer = buffer[end:]
        if not isinstance(row, list):
            raise CdxError(f"not a CDX JSON row: {str(row)[:80]!r}")
        if header is None:
            header = [_ALIASES.get(str(name), str(name)) for name in row]
            continue
        if not row:  # "[]": the resume key follows
            resume_next = True
            continue
        if resume_next and len(row) == 1:
            yield ResumeKey(str(row[0]))
            continue
        capture = _capture(dict(zip(header, row)))
        if capture is not None:
            yield capture


def _capture(row: dict[str, Any]) -> Capture | None:
    fields = {_ALIASES.get(k, k): v for k, v in row.items()}
    url, timestamp = fields.get("original"), str(fields.get("timestamp") or "")
    if not url or not timestamp.isdigit():
        return None
    return Capture(url=str(url), timestamp=timestamp, mimetype=str(fields.get("mimetype") or ""),
                   status=str(fields.get("statuscode") or ""), digest=str(fields.get("digest") or ""),
                   urlkey=str(fields.get("urlkey") or ""))


@dataclass
class Cursor:
    """Where a listing stands: the resume key of the request being read and the rows read of it.

    ``paged`` is False once the server showed it does not page (a full page and no key): the
    listing then reads one unpaged answer, skipping the rows it had read.
    """

    resume_key: str | None = None
    rows_read: int = 0
    paged: bool = True

    def to_json(self) -> str:
        return json.dumps({"resume_key": self.resume_key, "rows_read": self.rows_read, "paged": self.paged})

    @classmethod
    def from_json(cls, text: str | None) -> "Cursor":
        data = json.loads(text) if text else {}
        return cls(data.get("resume_key"), int(data.get("rows_read") or 0), bool(data.get("paged", True)))


@dataclass
class CdxListing:
    """The HTML-200 captures under a URL prefix, content-collapsed, in the server's (SURT, time) order.

    Iterate it for :class:`Capture` rows; ``cursor`` says where to resume after a kill (save
    it with the rows stored so far, pass it back as ``cursor``).
    """

    client: ArchiveClient
    cdx_url: str
    prefix: str  # host and path, no scheme: "sotttt.hanoi.gov.vn/"
    from_: str | None = None
    to: str | None = None
    page_size: int = PAGE_SIZE
    cursor: Cursor = field(default_factory=Cursor)

    def params(self) -> list[tuple[str, str]]:
        params = [("url", self.prefix), ("matchType", "prefix"), ("output", "json"),
                  ("filter", "statuscode:200"), ("filter", "mimetype:text/html"), ("collapse", "digest")]
        if self.from_:
            params.append(("from", self.from_))
        if self.to:
            params.append(("to", self.to))
        if self.cursor.paged:
            params += [("limit", str(self.page_size)), ("showResumeKey", "true")]
            if self.cursor.resume_key:
                params.append(("resumeKey", self.cursor.resume_key))
        return params

    def __iter__(self) -> Iterator[Capture]:
        previous: tuple[str, str] | None = None
        while True:
            skip, rows, next_key = self.cursor.rows_read, 0, None
            with self.client.stream(self.cdx_url, self.params()) as response:
                if response.status_code != 200:
                    raise CdxError(f"{self.cdx_url}: the CDX server answered HTTP {response.status_code} to a listing of "
                                   f"{self.prefix} (is this the archive's CDX API? see --archive and --cdx)")
                for row in parse_cdx(response.iter_text()):
                    if isinstance(row, ResumeKey):
                        next_key = row.key
                        continue
                    rows += 1
                    if rows <= skip:
                        continue
                    self.cursor.rows_read = rows
                    if not row.is_html_ok:  # a server that ignored the filters
                        continue
                    identity = (row.urlkey or row.url, row.digest)
                    if row.digest and identity == previous:  # collapse=digest, for servers that ignore it
                        continue
                    previous = identity
                    yield row
            if next_key and self.cursor.paged:
                self.cursor = Cursor(next_key, 0, True)
                continue
            if self.cursor.paged and rows >= self.page_size:
                # a full page and no resume key: the server cut the answer at ``limit`` and cannot
                # page (pywb); read it whole once, without a limit, past the rows already read
                self.cursor = Cursor(None, rows, False)
                continue
            return
