"""Canonical URLs: one article, one identity, whatever link led to it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


def canonical_url(fetched_url: str, canonical_link: str | None, profile: Profile) -> str:
    """The page's ``<link rel=canonical>`` when it is a same-host article URL, else the fetched URL.

    A canonical link pointing elsewhere (another host, a listing, the home page) is a
    template mistake more often than a real redirect, so it is not trusted.
    """
    if canonical_link:
        same_host = (urlsplit(canonical_link).hostname or "").removeprefix("www.") == (urlsplit(fetched_url).hostname or "").removeprefix("www.")
        if same_host and profile.is_article_url(canonical_link):
            return normalise_url(canonical_link)
    return normalise_url(fetched_url)
