"""Atom feeds of searches and portals, written here rather than with datasette-atom.

datasette-atom's current releases need Datasette 1.0 alphas (see STYLE.md); the feed is a few
elements, so it is built with the standard library's ElementTree (which escapes all text).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"


def feed(data: dict[str, Any], *, self_url: str, home_url: str) -> bytes:
    """An Atom feed of one page of search results (rows carry ``article_url``)."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    title = f"Search: {data['q']}" if data["q"] else "Newest articles"
    f = data["filters"]
    scope = ", ".join(v for v in (f.portal, f.province, f.category) if v)
    _text(root, "title", f"{title} — {scope}" if scope else title)
    _text(root, "id", self_url)
    _link(root, "link", rel="self", href=self_url)
    _link(root, "link", rel="alternate", href=home_url)
    stamps = [r["published_at"] for r in data["rows"] if r.get("published_at")]
    _text(root, "updated", max(stamps) if stamps else datetime.now(timezone.utc).isoformat(timespec="seconds"))
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    _text(author, "name", "portal-archive")
    for row in data["rows"]:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        _text(entry, "id", row["article_url"])
        _text(entry, "title", row["title"] or row["url"])
        _text(entry, "updated", row.get("published_at") or datetime.now(timezone.utc).isoformat(timespec="seconds"))
        if row.get("published_at"):
            _text(entry, "published", row["published_at"])
        _link(entry, "link", rel="alternate", href=row["article_url"])
        _link(entry, "link", rel="via", href=row["url"])
        if row.get("author"):
            _text(ET.SubElement(entry, f"{{{ATOM}}}author"), "name", row["author"])
        summary = row.get("lead") or (row.get("body") or "")[:400]
        if summary:
            _text(entry, "summary", summary)
        if row.get("portal_name") or row.get("portal_id"):
            _link(entry, "category", term=row.get("portal_id") or "", label=row.get("portal_name") or "")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = xml_text(text)
    return element


# Characters XML 1.0 cannot carry, even as &#...; references: C0 controls but tab/LF/CR,
# surrogates, U+FFFE/U+FFFF. ElementTree escapes <, & and quotes but writes these as they are,
# and one of them in a stored title made the whole feed not well-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any) -> str | None:
    """``value`` as text an XML 1.0 document can hold (what it cannot is dropped); None stays None."""
    if value is None:
        return None
    return _NOT_XML.sub("", value if isinstance(value, str) else str(value))


def _link(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attributes.items()})
