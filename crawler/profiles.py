"""Platform profiles: how one CMS family lays out listings and articles, as data.

A profile is a TOML file in ``crawler/platforms/``. Portals on a known CMS need no Python: the
registry names the platform and the generic spider and extractor read the selectors from here.
A profile may ``extends`` another one (``base`` holds the furniture labels shared by every
Vietnamese portal), so a label added there reaches every platform.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

# Read through importlib.resources so profiles load from a zipped egg (scrapyd) too.
PLATFORMS_DIR = resources.files("crawler") / "platforms"
UNKNOWN_PLATFORM = "unknown"
# The profile with no selectors: structural discovery and extraction for any CMS.
GENERIC_PLATFORM = "generic"

_SECTIONS: dict[str, set[str]] = {
    "": {"name", "description", "evidence", "extends", "abstract"},
    "recognise": {"selectors", "url_patterns", "min_score"},
    "urls": {"article", "exclude", "page_number", "id_date"},
    "listing": {"items", "pagination", "sections", "follow_article_links", "api", "api_source", "api_items"},
    "article": {"scope", "title", "published", "updated", "lead", "lead_image", "body", "author", "source", "category", "tags", "date_attributes"},
    "clean": {"drop", "stop_at", "drop_labels", "drop_prefixes", "drop_hidden"},
}


# The fields a registry entry's ``selectors = {...}`` may override (those of [article], but
# date_attributes, which holds attribute names).
ARTICLE_FIELDS = frozenset(_SECTIONS["article"] - {"date_attributes"})


class ProfileError(ValueError):
    """A platform profile is missing or malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Profile:
    name: str
    description: str = ""
    evidence: str = ""
    abstract: bool = False
    recognise_selectors: tuple[str, ...] = ()
    recognise_url_patterns: tuple[re.Pattern[str], ...] = ()
    recognise_min_score: int = 2
    article_url_patterns: tuple[re.Pattern[str], ...] = ()
    exclude_url_patterns: tuple[re.Pattern[str], ...] = ()
    page_number_pattern: re.Pattern[str] | None = None
    # VCCorp-style ids that encode the publication time: six groups yy MM dd HH mm ss.
    id_date_pattern: re.Pattern[str] | None = None
    item_selectors: tuple[str, ...] = ()
    pagination_selectors: tuple[str, ...] = ()
    section_selectors: tuple[str, ...] = ()
    follow_article_links: bool = True
    # Listings loaded by a JSON/HTML API ("xem thêm" buttons): a URL template with {page}
    # whose other {placeholders} are attributes of the api_source element; api_items are the
    # keys of a JSON answer that hold item URLs or an HTML fragment.
    api_template: str = ""
    api_items: tuple[str, ...] = ()
    api_source: tuple[str, ...] = ()
    date_attributes: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    stop_at: tuple[str, ...] = ()
    drop_labels: tuple[str, ...] = ()
    drop_prefixes: tuple[str, ...] = ()
    drop_hidden: bool = True

    @property
    def is_generic(self) -> bool:
        """Whether links and fields are found from the page's structure (no selectors)."""
        return self.name == GENERIC_PLATFORM

    def is_article_url(self, url: str) -> bool:
        """Whether ``url`` looks like one of this platform's article pages."""
        if any(p.search(url) for p in self.exclude_url_patterns):
            return False
        return any(p.search(url) for p in self.article_url_patterns)

    def page_number(self, url: str) -> int | None:
        """The listing page number a pagination URL asks for, when the platform shows it."""
        if self.page_number_pattern is None:
            return None
        match = self.page_number_pattern.search(url)
        return int(match.group(1)) if match else None


def known_platforms() -> list[str]:
    """Names of the concrete (non-abstract) profiles shipped in ``crawler/platforms/``."""
    names = sorted(entry.name.removesuffix(".toml") for entry in PLATFORMS_DIR.iterdir() if entry.name.endswith(".toml"))
    return [name for name in names if not load_profile(name).abstract]


@cache
def load_profile(name: str) -> Profile:
    """Load and validate a profile by name, merging the profiles it extends; every CSS selector is compiled."""
    profile = _build(name, _merged(name, ()))
    for where, selectors in _selector_lists(profile):
        for css in selectors:
            problem = selector_problem(css)
            if problem:
                raise ProfileError(f"platform profile {name}: {where}: {css!r} is not a valid CSS selector ({problem})")
    return profile


def selector_problem(css: Any) -> str | None:
    """Why ``css`` is no CSS selector the extractor can run, or None when it compiles.

    Checked when a profile or a registry entry is loaded: an invalid selector used to pass
    ``check-config`` and fail the crawl later as "no article found".
    """
    if not isinstance(css, str) or not css.strip():
        return "a selector must be a non-empty string"
    from cssselect import HTMLTranslator, SelectorError
    from lxml import etree

    try:
        etree.XPath(HTMLTranslator().css_to_xpath(css))
    except (SelectorError, etree.XPathError, ValueError) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


def _selector_lists(profile: Profile) -> list[tuple[str, tuple[str, ...]]]:
    lists = [("[recognise] selectors", profile.recognise_selectors), ("[listing] items", profile.item_selectors),
             ("[listing] pagination", profile.pagination_selectors), ("[listing] sections", profile.section_selectors),
             ("[listing] api_source", profile.api_source), ("[article] scope", profile.scope),
             ("[clean] drop", profile.drop), ("[clean] stop_at", profile.stop_at)]
    return lists + [(f"[article] {key}", value) for key, value in profile.fields.items()]


def _merged(name: str, seen: tuple[str, ...]) -> dict[str, Any]:
    if name in seen:
        raise ProfileError(f"platform profile {name!r}: circular 'extends' ({' -> '.join(seen + (name,))})")
    path = PLATFORMS_DIR / f"{name}.toml"
    if not path.is_file():
        raise ProfileError(f"unknown platform {name!r}: no file {name}.toml in {PLATFORMS_DIR}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"platform profile {path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ProfileError(f"platform profile {path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    _check_keys(path, data)
    parent = data.get("extends")
    if not parent:
        return data
    merged = _merged(parent, seen + (name,))
    out: dict[str, Any] = {**merged, **{k: v for k, v in data.items() if not isinstance(v, dict)}}
    out["abstract"] = data.get("abstract", False)
    for section in _SECTIONS:
        if section and (section in merged or section in data):
            combined = dict(merged.get(section, {}))
            for key, value in data.get(section, {}).items():
                # Lists under [clean] accumulate (shared furniture + platform furniture);
                # everything else is overridden by the child profile.
                if section == "clean" and isinstance(value, list):
                    combined[key] = list(combined.get(key, [])) + value
                else:
                    combined[key] = value
            out[section] = combined
    return out


def _check_keys(path: Path, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, dict):
            allowed = _SECTIONS.get(key)
            if allowed is None:
                raise ProfileError(f"platform profile {path.name}: unknown section [{key}]")
            for sub in value:
                if sub not in allowed:
                    raise ProfileError(f"platform profile {path.name}: unknown key {sub!r} in [{key}]")
        elif key not in _SECTIONS[""]:
            raise ProfileError(f"platform profile {path.name}: unknown key {key!r}")


def _strings(data: dict[str, Any], section: str, key: str) -> tuple[str, ...]:
    value = data.get(section, {}).get(key, ())
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _patterns(name: str, data: dict[str, Any], section: str, key: str) -> tuple[re.Pattern[str], ...]:
    try:
        return tuple(re.compile(p) for p in _strings(data, section, key))
    except re.error as exc:
        raise ProfileError(f"platform profile {name}: bad regex in [{section}] {key}: {exc}") from None


def _build(name: str, data: dict[str, Any]) -> Profile:
    page_number = data.get("urls", {}).get("page_number")
    id_date = data.get("urls", {}).get("id_date")
    listing = data.get("listing", {})
    article = data.get("article", {})
    return Profile(
        name=data.get("name", name),
        description=data.get("description", ""),
        evidence=data.get("evidence", ""),
        abstract=bool(data.get("abstract", False)),
        recognise_selectors=_strings(data, "recognise", "selectors"),
        recognise_url_patterns=_patterns(name, data, "recognise", "url_patterns"),
        recognise_min_score=int(data.get("recognise", {}).get("min_score", 2)),
        article_url_patterns=_patterns(name, data, "urls", "article"),
        exclude_url_patterns=_patterns(name, data, "urls", "exclude"),
        page_number_pattern=re.compile(page_number) if page_number else None,
        id_date_pattern=_patterns(name, data, "urls", "id_date")[0] if id_date else None,
        api_template=str(listing.get("api", "")),
        api_items=_strings(data, "listing", "api_items"),
        api_source=_strings(data, "listing", "api_source"),
        date_attributes=_strings(data, "article", "date_attributes"),
        item_selectors=_strings(data, "listing", "items"),
        pagination_selectors=_strings(data, "listing", "pagination"),
        section_selectors=_strings(data, "listing", "sections"),
        follow_article_links=bool(data.get("listing", {}).get("follow_article_links", True)),
        scope=_strings(data, "article", "scope"),
        fields={key: _strings(data, "article", key) for key in article if key not in {"scope", "date_attributes"}},
        drop=_strings(data, "clean", "drop"),
        stop_at=_strings(data, "clean", "stop_at"),
        drop_labels=_strings(data, "clean", "drop_labels"),
        drop_prefixes=_strings(data, "clean", "drop_prefixes"),
        drop_hidden=bool(data.get("clean", {}).get("drop_hidden", True)),
    )
