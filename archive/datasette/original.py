"""The archived original page, made safe to show: no script runs, no request leaves.

A stored snapshot is the portal's raw HTML, with its scripts, trackers, inline handlers and
links to images and styles on the portal. Shown as is, it would run code from the archive's
origin and tell the portal who reads what. ``sanitise_snapshot`` keeps the text and structure
(nh3, an allow-list) and drops every attribute that could load or send something; the page is
also served with a Content-Security-Policy that forbids scripts and remote loads, so a mistake
in the allow-list still cannot leak a request.

The snapshot's bytes become text with :func:`crawler.contracts.charset.decode_response`, the crawler's own
rules: the original shows the words the article was extracted from, whatever the page declared.
"""

from __future__ import annotations

import nh3

# Structure and text only: no attribute that holds a URL (href, src, srcset, action, style...).
TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "div", "dl", "dt", "em",
        "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre",
        "q", "s", "section", "article", "header", "footer", "nav", "main", "aside", "small", "span", "strong",
        "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"}
ATTRIBUTES = {"*": {"title", "lang"}, "img": {"alt", "width", "height"}, "td": {"colspan", "rowspan"},
              "th": {"colspan", "rowspan"}}

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'self'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

def sanitise_snapshot(html: str) -> str:
    """Text and structure of ``html``; scripts, styles, handlers and every URL removed."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=set(), strip_comments=True, link_rel=None,
                     clean_content_tags={"script", "style", "noscript", "template", "iframe", "object", "svg", "math"})
