"""Polite HTTP to a web archive (the Wayback Machine, a pywb, an OpenWayback).

A web archive is a shared public service: one request at a time, at most one per ``delay``
seconds (1 by default), a 429 or 5xx answer waited out (``Retry-After`` when the archive sends
one, else a doubling pause) and retried, and an archive that cannot be reached said in one
line (:class:`ArchiveUnreachable`) instead of a traceback. Plain HTTP through httpx (already
installed with Datasette): keep-alive, streamed bodies, no reactor needed for a sequential job.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from crawler.settings import USER_AGENT

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_WAIT = 300.0  # a Retry-After longer than this is capped: a run waits, it never sleeps for a day


class ArchiveUnreachable(Exception):
    """The archive did not answer (connection refused, DNS, timeouts) or kept refusing; one line."""


class ArchiveClient:
    """Sequential, rate-limited GETs to one web archive, with retries on 429/5xx and network errors."""

    def __init__(self, *, delay: float = 1.0, retries: int = 4, timeout: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.delay = delay
        self.retries = retries
        self.requests = 0  # every request sent, retries included (the crawls row's ``requests``)
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None
        self._turn = threading.Lock()
        self._http = httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "ArchiveClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def get(self, url: str, params: dict[str, Any] | list[tuple[str, str]] | None = None) -> httpx.Response:
        """The answer, read whole (a replayed page); 429/5xx retried, other statuses returned as they are."""
        with self.stream(url, params) as response:
            response.read()
            return response

    @contextmanager
    def stream(self, url: str, params: dict[str, Any] | list[tuple[str, str]] | None = None) -> Iterator[httpx.Response]:
        """A streamed answer (a CDX listing of any length, read line by line: memory stays flat)."""
        host = urlsplit(url).netloc
        for attempt in range(self.retries + 1):
            self._wait_turn()
            try:
                request = self._http.build_request("GET", url, params=params)
                response = self._http.send(request, stream=True)
            except httpx.HTTPError as exc:  # refused, DNS, reset, timeout: the archive may be back in a moment
                if attempt == self.retries:
                    raise ArchiveUnreachable(f"{host}: cannot reach the web archive ({_reason(exc)}) after "
                                             f"{attempt + 1} tries; check the address (--archive) or try later") from None
                self._pause(attempt, None)
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                retry_after = response.headers.get("Retry-After")
                response.close()
                self._pause(attempt, retry_after)
                continue
            if response.status_code in RETRY_STATUSES:
                response.close()
                raise ArchiveUnreachable(f"{host}: the web archive answered HTTP {response.status_code} "
                                         f"{self.retries + 1} times; try later (or a larger --delay)")
            try:
                yield response
            finally:
                response.close()
            return

    def _wait_turn(self) -> None:
        with self._turn:  # fetching threads take their turns one after the other
            now = self._clock()
            if self._last is not None and now - self._last < self.delay:
                self._sleep(self.delay - (now - self._last))
            self._last = self._clock()
            self.requests += 1

    def _pause(self, attempt: int, retry_after: str | None) -> None:
        wait = retry_after_seconds(retry_after)
        if wait is None:
            wait = max(self.delay, 0.5) * 2 ** attempt
        self._sleep(min(wait, MAX_WAIT))


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` in seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:160]
