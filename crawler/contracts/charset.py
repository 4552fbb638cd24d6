"""A page's bytes → its text, the one way the crawler and the archived-original view read it.

The crawler extracts articles from this text and the researcher's view of the archived original
shows it: when the two decoded differently, the view showed mojibake (or U+FFFD) on pages
whose article reads fine. A stored response is decoded with :func:`decode_response` (its body
and headers), a live one with :func:`decode_html` and the ``Content-Type`` it came with.
"""

from __future__ import annotations

from w3lib.encoding import html_to_unicode

from crawler.contracts.headers import Headers, content_type_of

_BOM = b"\xef\xbb\xbf"


def _undeclared(body: bytes) -> str:
    """No BOM, header or ``<meta>`` charset: UTF-8 when it is, else Vietnam's legacy windows-1258."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1258"
    return "utf-8"


def undeclared_encoding(body: bytes) -> str:
    """The encoding of a page whose declaration is unusable: a BOM's, else UTF-8 when it is, else windows-1258."""
    if body.startswith(_BOM):
        return "utf-8"
    return _undeclared(body)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Bytes → text the way browsers do: BOM, HTTP charset, ``<meta charset>``, then a guess.

    ``content_type`` is the response's ``Content-Type`` header (as stored with the snapshot).
    Corrections for Vietnamese portals, each a rule that holds on any page:

    - an undeclared page that is not UTF-8 is read as windows-1258 (not windows-1252, w3lib's
      and most browsers' guess outside Vietnam);
    - a page labelled with any other charset (a server default of latin-1, a template's
      ``<meta charset=windows-1258>`` kept after the site moved to UTF-8) whose bytes are valid
      UTF-8 with non-ASCII in them is UTF-8 mislabelled: text in a legacy encoding is not valid
      UTF-8 beyond a few characters (windows-1258's â, ê, ô, ư are lead bytes without their
      continuation bytes), while UTF-8 read as the label is mojibake, and read as cp1252 loses
      five byte values of ề, ờ, ọ, ỏ, Ố to U+FFFD before anything could repair them;
    - a declared "charset" that is a Python codec but no text encoding (idna, punycode,
      base64, rot13) is ignored, as browsers ignore labels they do not know;
    - NUL bytes are dropped, as browsers do (lxml would turn them into U+FFFD).
    """
    try:
        encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_undeclared)
    except (LookupError, UnicodeError, ValueError):
        encoding = undeclared_encoding(body)
        text = body.decode(encoding, errors="replace").removeprefix("\ufeff")
    if not encoding.lower().startswith("utf") and not body.isascii():  # UTF-16/32 pages are not UTF-8 in disguise
        try:
            text = body.removeprefix(_BOM).decode("utf-8")
        except UnicodeDecodeError:
            pass
    return text.replace("\x00", "")


def decode_response(body: bytes, headers: Headers | None) -> str:
    """A stored response's text: :func:`decode_html` with the ``Content-Type`` among its headers."""
    return decode_html(body, content_type_of(headers))
