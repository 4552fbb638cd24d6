"""Canonical URLs: one article, one identity, whatever link led to it."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from crawler.profiles import Profile

# utm_*: campaign tracking; p_p_*: Liferay's portlet rendering state (p_p_id, p_p_lifecycle,
# p_p_state, p_p_mode, p_p_col_*), which Liferay portals append to article links and which
# never changes the article. (Only identity uses these rules: requests keep their URL.)
_TRACKING_PREFIXES = ("utm_", "p_p_")
_TRACKING_PARAMS = {"fbclid", "gclid", "zarsrc", "zalo_source", "_ga", "mc_cid", "mc_eid"}


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking or portlet-state parameters."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in _TRACKING_PARAMS and not k.lower().startswith(_TRACKING_PREFIXES)]
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", urlencode(query, doseq=True), ""))


# A leading path segment naming a language (/vi/, /en/, /vi-VN/, /vi_vn/): the same page is
# often linked with and without it (Liferay's canonical links drop /vi/).
_LANGUAGE_SEGMENT = re.compile(r"^[a-z]{2}(?:[-_][a-z]{2})?$", re.IGNORECASE)
# Navigation state that is no part of a page's identity when *comparing* a canonical link with
# the fetched URL: Liferay portlet namespaces (_101_cur, _com_liferay_..._redirect) and its
# public render parameters (p_r_p_...). The identity stored keeps ``normalise_url``'s rules.
_STATE_PARAM = re.compile(r"^(?:_[0-9a-z]+_.|p_r_p_)", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(fetched_url: str, canonical_link: str | None = None, profile: Profile | None = None) -> str:
    """The page's identity: its ``<link rel=canonical>`` when that names this very page, else the fetched URL.

    A canonical link is only believed when it names the fetched page itself or a variant of its
    URL (:func:`same_page`): trusting a link to another article let page B be stored as a version
    of article A (one article hijacking another), and a link to another port is another site.
    ``profile`` is accepted for old callers and not used: the rule must hold on a portal whose
    platform has no article URL patterns (the generic platform).
    """
    if canonical_link and same_page(canonical_link, fetched_url):
        return normalise_url(urljoin(fetched_url, canonical_link.strip()))
    return normalise_url(fetched_url)


def canonical_ignored(fetched_url: str, canonical_link: str | None) -> bool:
    """Whether the page names a canonical link that :func:`canonical_url` does not trust (to count it)."""
    return bool(canonical_link and canonical_link.strip()) and not same_page(canonical_link, fetched_url)


def same_page(url: str, other: str) -> bool:
    """Whether two URLs are variants of one page's address.

    Variants: http/https, host case, ``www.``, the default port written out, path case,
    percent-encoding, doubled or trailing slashes, a leading language segment present on one
    side only (``/vi/``), fragments, and tracking or portlet-state query parameters. Anything
    else -- another path, another query, another port, another host -- is another page. ``url``
    may be relative to ``other``.
    """
    if not url.strip():
        return False
    a, b = _page_key(urljoin(other, url.strip())), _page_key(other)
    if a is None or b is None:
        return False
    (host_a, port_a, lang_a, path_a, query_a), (host_b, port_b, lang_b, path_b, query_b) = a, b
    languages_agree = lang_a == lang_b or lang_a is None or lang_b is None
    return host_a == host_b and port_a == port_b and languages_agree and path_a == path_b and query_a == query_b


def _page_key(url: str) -> tuple[str, int | None, str | None, str, tuple[tuple[str, str], ...]] | None:
    """What identifies a page for :func:`same_page`; None for a URL that is no web page (mailto:, javascript:)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".").removeprefix("www.")
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    path = unicodedata.normalize("NFC", unquote(parts.path)).casefold()
    segments = [s for s in path.split("/") if s]
    language = segments.pop(0)[:2] if segments and _LANGUAGE_SEGMENT.match(segments[0]) else None
    query = tuple(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                         if k.lower() not in _TRACKING_PARAMS and not k.lower().startswith(_TRACKING_PREFIXES)
                         and not _STATE_PARAM.match(k)))
    return host, port, language, "/".join(segments), query


WEB_SCHEMES = frozenset({"http", "https"})
# What browsers strip from a URL before reading its scheme: leading/trailing C0 controls and
# spaces, and ASCII tab/newline anywhere ("java\tscript:" is javascript:).
_URL_EDGES = "".join(map(chr, range(0x21)))
_URL_STRIPPED = re.compile(r"[\t\n\r]")


def web_url(value: str | None, base_url: str) -> str | None:
    """``value`` resolved against the page, when it is an http(s) URL with a host; None otherwise.

    The one scheme rule for every URL the archive stores or renders from a page (images,
    attachments, links, og:image): an allow-list of schemes checked on the resolved URL, so
    ``javascript:``, ``JaVaScRiPt:``, ``java&#9;script:``, ``vbscript:``, ``data:`` and the like
    are never kept, whatever their spelling.
    """
    if not isinstance(value, str):
        return None
    cleaned = _URL_STRIPPED.sub("", value.strip(_URL_EDGES))
    if not cleaned:
        return None
    try:
        resolved = urljoin(base_url, cleaned)
        parts = urlsplit(resolved)
        parts.port  # noqa: B018 -- raises ValueError on a port that is no number
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
        return None
    return resolved
