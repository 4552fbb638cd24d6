"""The archive's own HTML pages (search, article) under a Content-Security-Policy, and the one
scheme rule for the portal URLs they show.

Titles, captions and URLs on these pages come from crawled portals, some of them hacked. The
templates escape text, and a URL is shown as a link only when it is http(s) (``web_links``):
an archive made before the crawler enforced that may hold a ``javascript:`` image URL. The
policy is the second wall: no script but the archive's own (Datasette's menu script, by its
hash), no plugin objects, no remote loads, no form posting elsewhere — so a ``javascript:``
link that slipped through still cannot run.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

WEB_SCHEMES = frozenset({"http", "https"})
_URL_EDGES = "".join(map(chr, range(0x21)))
_URL_STRIPPED = re.compile(r"[\t\n\r]")


def _datasette_script_hashes() -> list[str]:
    """CSP hashes of the inline scripts Datasette's base template always includes (its menu)."""
    try:
        import datasette

        template = (Path(datasette.__file__).parent / "templates" / "_close_open_menus.html").read_text(encoding="utf-8")
    except (ImportError, OSError):
        return []
    scripts = re.findall(r"<script>(.*?)</script>", template, re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts]


PAGE_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' " + " ".join(_datasette_script_hashes()),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def is_web_url(value: Any) -> bool:
    """Whether ``value`` is an absolute http(s) URL with a host (browser-style: controls stripped first)."""
    if not isinstance(value, str):
        return False
    cleaned = _URL_STRIPPED.sub("", value.strip(_URL_EDGES))
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def web_links(items: list[Any]) -> list[dict[str, Any]]:
    """The image or attachment entries whose URL may be shown as a link (http(s)); the others are left out."""
    return [item for item in items or [] if isinstance(item, dict) and is_web_url(item.get("url"))]
