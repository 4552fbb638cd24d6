"""A stored response's headers: ``{name: [value, ...]}`` as the spider records them.

The spider, the importers and Wayback recovery write headers in this shape; the store keeps
them as JSON; extraction and the archived-original view read ``Content-Type`` from them. A
single value instead of a list (an older archive, a hand-made record) is read too.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

Headers = Mapping[str, Any]  # name -> [values] (or one value)


def header_values(headers: Headers | None, name: str) -> Iterator[str]:
    """Every value of the header, in the order received, whatever the case of its name."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            yield from (value if isinstance(value, (list, tuple)) else [value])


def header_value(headers: Headers | None, name: str) -> str | None:
    """The header's first value (HTTP names are case-insensitive)."""
    return next(header_values(headers, name), None)


def content_type_of(headers: Headers | None) -> str | None:
    """The ``Content-Type`` a page is decoded with: the last one sent, as browsers and Scrapy read a
    response that sends several (a proxy adding its own in front of the portal's)."""
    found = [value for value in header_values(headers, "Content-Type") if value]
    return found[-1] if found else None
