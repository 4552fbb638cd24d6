"""Reading one page for ``portal-archive extract``: a saved file or a single polite fetch."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from w3lib.encoding import html_to_unicode

from crawler import settings


class FetchError(Exception):
    """The page could not be read; the message says which and why."""


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Bytes → text the way browsers do: HTTP charset, BOM, ``<meta charset>``, then UTF-8."""
    _, text = html_to_unicode(content_type, body)
    return text


def read_source(source: str, url: str | None = None, timeout: float = 30) -> tuple[str, str]:
    """Return ``(html, url)`` for a path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": settings.USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read(settings.DOWNLOAD_MAXSIZE + 1)
                if len(body) > settings.DOWNLOAD_MAXSIZE:
                    raise FetchError(f"{source}: larger than {settings.DOWNLOAD_MAXSIZE} bytes")
                return decode_html(body, response.headers.get("Content-Type")), url or response.geturl()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise FetchError(f"{source}: cannot fetch: {getattr(exc, 'reason', exc)}") from None
    path = Path(source)
    if not path.is_file():
        raise FetchError(f"{source}: no such file (give a saved page or an http(s) URL)")
    return decode_html(path.read_bytes()), url or path.resolve().as_uri()
