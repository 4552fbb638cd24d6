"""Reading one page for ``portal-archive extract``: a saved file or a single polite fetch."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from w3lib.encoding import html_to_unicode
from w3lib.url import safe_url_string

from crawler import settings


class FetchError(Exception):
    """The page could not be read; the message says which and why."""


# Labels w3lib reads as windows-1252 (it maps latin-1 there, as browsers do).
_WESTERN = {"cp1252", "latin_1", "iso8859-1", "iso-8859-1", "windows-1252"}


def _undeclared(body: bytes) -> str:
    """No BOM, header or ``<meta>`` charset: UTF-8 when it is, else Vietnam's legacy windows-1258."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1258"
    return "utf-8"


def undeclared_encoding(body: bytes) -> str:
    """The encoding of a page whose declaration is unusable: a BOM's, else UTF-8 when it is, else windows-1258."""
    if body.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    return _undeclared(body)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Bytes → text the way browsers do: BOM, HTTP charset, ``<meta charset>``, then a guess.

    Two corrections for Vietnamese portals: an undeclared page that is not UTF-8 is read as
    windows-1258 (not windows-1252, w3lib's guess); and a page labelled latin-1/windows-1252
    whose bytes are valid UTF-8 with non-ASCII in them is UTF-8 mislabelled (read as cp1252,
    five byte values of ề, ờ, ọ, ỏ, Ố become U+FFFD before anything could repair them).
    NUL bytes are dropped, as browsers do (lxml would turn them into U+FFFD).
    """
    try:
        encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_undeclared)
    except (LookupError, UnicodeError, ValueError):
        # A declared "charset" that is a Python codec but no text encoding a browser knows
        # (idna, punycode, base64, rot13...): browsers ignore such a label, and so do we.
        encoding = undeclared_encoding(body)
        text = body.decode(encoding, errors="replace").removeprefix("\ufeff")
    if encoding.lower() in _WESTERN and not body.isascii():
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return text.replace("\x00", "")


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
