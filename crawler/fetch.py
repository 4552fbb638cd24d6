"""Reading one page for ``portal-archive extract``: a saved file or a single polite fetch.

Bytes become text with :func:`crawler.contracts.charset.decode_html`, as in a crawl and in the
archived-original view.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from w3lib.url import safe_url_string

from crawler.contracts.charset import decode_html
from crawler import settings


class FetchError(Exception):
    """The page could not be read; the message says which and why."""


def read_source(source: str, url: str | None = None, timeout: float = 30) -> tuple[str, str]:
    """Return ``(html, url)`` for a path or an http(s) URL.

    The URL is percent-encoded as a browser sends it first: links copied from a page may hold
    a raw space or Vietnamese letters (SharePoint's ``Post.aspx?ItemID=5&PublishedDate=2018-05-14
    07:30:00``), which ``http.client`` refuses ("URL can't contain control characters").
    """
    if source.startswith(("http://", "https://")):
        source = safe_url_string(source.strip(), encoding="utf-8")
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
