"""The portal registry: one TOML declaration per portal, validated on load.

A portal on a known platform is data, not code (fundus's ``Publisher`` habit). Validation is
strict because the registry is edited by hand: every problem is reported as one line naming
the file, the entry and the field, and the CLI exits with status 2.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib import resources
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.profiles import ARTICLE_FIELDS, GENERIC_PLATFORM, UNKNOWN_PLATFORM, Profile, ProfileError, known_platforms, load_profile, selector_problem

# Read through importlib.resources so the registry is found inside a zipped egg (scrapyd) too.
DEFAULT_REGISTRY = resources.files("crawler") / "portals.toml"
LEVELS = ("quận", "huyện", "thị xã", "thành phố", "sở", "tỉnh")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REQUIRED = ("id", "name", "level", "province", "base_url")
_OPTIONAL: dict[str, type | tuple[type, ...]] = {
    "enabled": bool,
    "start_urls": list,
    "platform_hint": str,
    "evidence": str,
    "notes": str,
    "status": str,
    "selectors": dict,
    "platform": str,
    "disabled_reason": str,
    "closed": (str, date),
}


class RegistryError(ValueError):
    """The registry cannot be used; the message is one line an operator can act on."""


@dataclass(frozen=True)
class Portal:
    id: str
    name: str
    level: str
    province: str
    base_url: str
    platform: str
    enabled: bool = True
    disabled_reason: str = ""
    start_urls: tuple[str, ...] = ()
    platform_hint: str = ""
    evidence: str = ""
    notes: str = ""
    status: str = ""
    selectors: dict[str, Any] = field(default_factory=dict)
    closed: str = ""  # ISO date the portal went dark (district level abolished 2025-07-01); "" while live

    @property
    def allowed_domains(self) -> list[str]:
        """Hosts the crawl may visit: the portal's own host with and without ``www.``."""
        host = urlsplit(self.base_url).hostname or ""
        bare = host.removeprefix("www.")
        return [bare] if bare == host else [host, bare]

    def resolved_start_urls(self) -> list[str]:
        """Absolute start URLs; the home page when the entry names none."""
        if not self.start_urls:
            return [self.base_url if urlsplit(self.base_url).path else self.base_url + "/"]
        return [urljoin(self.base_url.rstrip("/") + "/", url) for url in self.start_urls]

    def profile(self) -> Profile:
        """The platform profile, with this portal's ``selectors`` overrides applied."""
        profile = load_profile(self.platform)
        if not self.selectors:
            return profile
        fields = dict(profile.fields)
        for key, value in self.selectors.items():
            fields[key] = (value,) if isinstance(value, str) else tuple(value)
        from dataclasses import replace

        return replace(profile, fields=fields)

    def to_row(self) -> dict[str, Any]:
        """The entry as a flat row for the ``portals`` table and ``--json`` output."""
        row = asdict(self)
        row["start_urls"] = self.resolved_start_urls()
        row.pop("selectors")
        return row


def default_registry_path() -> Any:
    """``$PORTAL_ARCHIVE_REGISTRY`` when set, else the registry shipped in ``crawler/``."""
    configured = os.environ.get("PORTAL_ARCHIVE_REGISTRY")
    return Path(configured) if configured else DEFAULT_REGISTRY


def load_registry(path: str | Path | None = None) -> dict[str, Portal]:
    """Load and validate the registry; raise :class:`RegistryError` on the first problem."""
    path = Path(path) if path else default_registry_path()  # a Path, or a resource inside the package
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path}: registry file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}); TOML files are UTF-8") from None
    except OSError as exc:
        raise RegistryError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    extra = set(data) - {"portal"}
    if extra:
        raise RegistryError(f"{path}: unknown top-level key {sorted(extra)[0]!r} (entries are [[portal]] tables)")
    entries = data.get("portal", [])
    if not isinstance(entries, list) or not entries:
        raise RegistryError(f"{path}: no [[portal]] entries")
    platforms = set(known_platforms())
    portals: dict[str, Portal] = {}
    for index, entry in enumerate(entries, start=1):
        portal = _validate(path, index, entry, platforms)
        if portal.id in portals:
            raise RegistryError(f"{path}: portal #{index} ({portal.id}): field 'id': duplicate id")
        portals[portal.id] = portal
    return portals


def get_portal(portal_id: str, path: str | Path | None = None) -> Portal:
    """One portal by id, with a message listing close ids when it is unknown."""
    portals = load_registry(path)
    if portal_id not in portals:
        raise unknown_portal(portal_id, portals)
    return portals[portal_id]


def unknown_portal(portal_id: str, portals: dict[str, Portal]) -> RegistryError:
    """The error for an id the registry does not hold, naming the ids that look like it."""
    close = [pid for pid in portals if portal_id in pid or pid in portal_id][:5]
    hint = f" (did you mean {', '.join(close)}?)" if close else " (see `portal-archive portals`)"
    return RegistryError(f"unknown portal id {portal_id!r}{hint}")


def entries_toml(entries: list[dict[str, Any]]) -> str:
    """Registry entries as ``[[portal]]`` tables (values JSON-encoded, which TOML reads as is)."""
    import json

    def toml_value(value: Any) -> str:  # JSON strings, numbers, booleans and arrays are TOML; objects are not
        if isinstance(value, dict):
            return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {toml_value(v)}" for k, v in value.items()) + "}"
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(toml_value(v) for v in value) + "]"
        return json.dumps(value, ensure_ascii=False)

    tables = ["\n".join(["[[portal]]"] + [f"{key} = {toml_value(value)}" for key, value in entry.items()])
              for entry in entries]
    return "\n\n".join(tables) + "\n"


def _validate(path: Path, index: int, entry: dict[str, Any], platforms: set[str]) -> Portal:
    label = f"portal #{index} ({entry.get('id', '?')})"

    def fail(key: str, problem: str) -> RegistryError:
        return RegistryError(f"{path}: {label}: field {key!r}: {problem}")

    for key in entry:
        if key not in _REQUIRED and key not in _OPTIONAL:
            raise fail(key, "unknown key")
    for key in _REQUIRED:
        if key not in entry:
            raise fail(key, "missing")
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise fail(key, "must be a non-empty string")
    for key, kind in _OPTIONAL.items():
        if key in entry and not isinstance(entry[key], kind):
            raise fail(key, f"must be a {kind.__name__ if isinstance(kind, type) else ' or '.join(k.__name__ for k in kind)}")
    if not _ID.match(entry["id"]):
        raise fail("id", f"{entry['id']!r} is not a slug (lowercase letters, digits and hyphens)")
    if entry["level"] not in LEVELS:
        raise fail("level", f"{entry['level']!r} is not one of {', '.join(LEVELS)}")
    if not _is_http_url(entry["base_url"]):
        raise fail("base_url", f"{entry['base_url']!r} is not an http(s) URL with a host")
    # No platform, or the legacy "unknown": the generic platform (structural discovery and
    # extraction), so a portal is crawlable the day it is added.
    platform = entry.get("platform", GENERIC_PLATFORM)
    if platform == UNKNOWN_PLATFORM:
        platform = GENERIC_PLATFORM
    if not platform.strip():
        raise fail("platform", "must be a non-empty string (or leave it out for the generic platform)")
    if platform not in platforms:
        raise fail("platform", f"unknown platform {platform!r} (known: {', '.join(sorted(platforms))})")
    enabled = entry.get("enabled", True)
    closed = _closed_date(entry.get("closed", ""), fail)
    start_urls = entry.get("start_urls", [])
    for url in start_urls:
        absolute = urljoin(entry["base_url"].rstrip("/") + "/", url) if isinstance(url, str) else None
        if absolute is None or not _is_http_url(absolute):
            raise fail("start_urls", f"{url!r} is not a URL or a path")
    try:
        load_profile(platform)
    except ProfileError as exc:
        raise fail("platform", str(exc)) from None
    for field_name, value in entry.get("selectors", {}).items():  # compiled now, not first met mid-crawl
        if field_name not in ARTICLE_FIELDS:
            raise fail("selectors", f"{field_name!r} is not an article field ({', '.join(sorted(ARTICLE_FIELDS))})")
        for css in [value] if isinstance(value, str) else value if isinstance(value, list) else [value]:
            problem = selector_problem(css)
            if problem:
                raise fail("selectors", f"{field_name} = {css!r} is not a valid CSS selector ({problem})")
    return Portal(
        id=entry["id"],
        name=entry["name"],
        level=entry["level"],
        province=entry["province"],
        base_url=entry["base_url"],
        platform=platform,
        enabled=enabled,
        disabled_reason="" if enabled else (entry.get("disabled_reason", "").strip() or "enabled = false in the registry (no disabled_reason given)"),
        start_urls=tuple(start_urls),
        platform_hint=entry.get("platform_hint", ""),
        evidence=entry.get("evidence", ""),
        notes=entry.get("notes", ""),
        status=entry.get("status", ""),
        selectors=entry.get("selectors", {}),
        closed=closed,
    )


def _closed_date(value: str | date, fail: Any) -> str:
    """``closed`` as an ISO date string: a TOML date (``closed = 2025-07-01``) or the same quoted.

    A closed portal is read from web archives by default (captures up to that day), so a
    misspelt date is refused here, not found out later as an empty recovery.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    text = value.strip() if isinstance(value, str) else ""
    if value == "":
        return ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    raise fail("closed", f"{str(value)!r} is not a date (YYYY-MM-DD, e.g. \"2025-07-01\")")


def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and not any(c.isspace() for c in url)
