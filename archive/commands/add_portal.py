"""``portal-archive add-portal URL``: a registry entry, a fixture page and a test, in minutes.

The city-scrapers ``genspider`` habit for a portal on a known platform: probe the home page,
find the category listings (menu sections whose pages list articles), extract one article,
then propose the registry entry (``platform = "generic"`` when no profile matches), save
that article as a fixture and write a test skeleton that fails until someone has checked the
extracted fields against the page.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from archive.commands.common import BadInput, registry_option

PROVINCE_DOMAINS = {
    "hanoi.gov.vn": ("hanoi", "Hà Nội"),
    "hochiminhcity.gov.vn": ("hcmc", "TP. Hồ Chí Minh"),
    "danang.gov.vn": ("danang", "Đà Nẵng"),
    "haiphong.gov.vn": ("haiphong", "Hải Phòng"),
    "cantho.gov.vn": ("cantho", "Cần Thơ"),
}
_GENERIC_MIN_ITEMS = 3
LEVEL_WORDS = (("thị xã", "thị xã"), ("thành phố", "thành phố"), ("quận", "quận"), ("huyện", "huyện"), ("sở", "sở"))


@click.command("add-portal")
@click.argument("url")
@click.option("--id", "portal_id", default=None, help="Registry id (default: from the host, e.g. hanoi-hoangmai).")
@click.option("--name", default=None, help="Portal name, e.g. 'Quận Hoàng Mai' (default: from the page title).")
@click.option("--province", default=None, help="Province (default: from the domain, e.g. hanoi.gov.vn → Hà Nội).")
@click.option("--level", default=None, help="quận, huyện, thị xã, thành phố or sở (default: from the name).")
@click.option("--platform", "platform_name", default=None, help="Platform profile (default: recognised from the home page).")
@click.option("--sections", "max_sections", type=click.IntRange(1, 50), default=12, show_default=True, help="Menu sections to open looking for listings.")
@registry_option
@click.option("--write", is_flag=True, help="Append the entry to the registry and write the fixture and test (default: only print the entry).")
@click.option("--fixtures-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("tests/fixtures"), show_default=True)
@click.option("--tests-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("tests/portals"), show_default=True)
def add_portal(url: str, portal_id: str | None, name: str | None, province: str | None, level: str | None,
               platform_name: str | None, max_sections: int, registry: Path | None, write: bool,
               fixtures_dir: Path, tests_dir: Path) -> None:
    """Probe a portal's home page and propose a registry entry, a fixture page and a test.

    \b
    Example:
        portal-archive add-portal https://hoangmai.hanoi.gov.vn/vi/trang-chu --name "Quận Hoàng Mai"
        portal-archive add-portal https://hoangmai.hanoi.gov.vn/vi/trang-chu --write   # then review the test
    """
    from archive.commands.probe import open_home_page
    from crawler.extract import extract_article, find_links
    from crawler.fetch import FetchError, read_source
    from crawler.registry import RegistryError, default_registry_path, entries_toml, load_registry

    root, home_url, profile = open_home_page(url, platform_name)  # the generic profile when none matches
    items_only = dataclasses.replace(profile, follow_article_links=False)  # sidebars link articles on every page
    sections = find_links(root, home_url, items_only).sections
    listings: list[str] = []
    first_articles: list[str] = []
    for section in sections[:max_sections]:
        try:
            section_html, section_url = read_source(section)
        except FetchError:
            continue
        found = find_links(section_html, section_url, items_only)
        # On the generic platform a page with a link or two (an introduction, a contact page)
        # is not a listing: a category page shows a list.
        if len(found.articles) >= (_GENERIC_MIN_ITEMS if profile.is_generic else 1):
            listings.append(section_url)
            first_articles = first_articles or found.articles
    if not listings:
        raise click.ClickException(f"{home_url}: none of the first {max_sections} menu sections lists articles with the {profile.name} profile")
    try:
        article_html, article_url = read_source(first_articles[0])
    except FetchError as exc:
        raise click.ClickException(str(exc)) from None
    article = extract_article(article_html, article_url, profile).to_dict()

    prefix, guessed_province = _province_of(home_url)
    name = name or _name_from_title(root)
    entry = {
        "id": portal_id or "-".join(p for p in (prefix, _host_label(home_url)) if p),
        "name": name,
        "level": level or _level_of(name),
        "province": province or guessed_province,
        "base_url": _origin(home_url),
        "platform": profile.name,
        "enabled": True,
        "start_urls": [_relative(u, home_url) for u in listings],
        "notes": f"added with portal-archive add-portal on {datetime.now(timezone.utc):%Y-%m-%d}",
    }
    missing = [k for k in ("name", "level", "province") if not entry[k]]
    if missing:
        raise BadInput(f"could not guess {', '.join(missing)} from the page: pass --{' --'.join(missing)}")
    entry_toml = entries_toml([entry])
    registry_path = registry or default_registry_path()
    try:
        existing = load_registry(registry_path)
    except RegistryError as exc:
        raise BadInput(str(exc)) from None
    if entry["id"] in existing:
        raise BadInput(f"portal id {entry['id']!r} is already in {registry_path}; pass --id")
    _check_entry(registry_path, entry_toml)

    click.echo(f"platform:  {profile.name}\nlistings:  {len(listings)}\narticle:   {article_url}")
    for key in ("title", "published_at", "lead", "author", "category"):
        click.echo(f"  {key + ':':14} {article[key] if article[key] is not None else '—'}")
    click.echo("\n" + entry_toml)
    if not write:
        click.echo("(not written: pass --write to append it to the registry and save a fixture and a test)")
        return
    with open(registry_path, "a", encoding="utf-8") as handle:
        handle.write("\n" + entry_toml)
    fixture = _save_fixture(fixtures_dir / profile.name, entry["id"], article_url, article_html)
    test_file = _write_test(tests_dir, entry, profile.name, fixture, article_url, article)
    click.echo(f"written: {registry_path} (entry {entry['id']}), {fixture}, {test_file}")
    # the crawl must read the registry the entry went into (not the default one)
    registry_arg = f" --registry {shlex.quote(str(registry))}" if registry else ""
    click.echo(f"next: check the values in {test_file} against {article_url}, set CONFIRMED = True, "
               f"then `portal-archive crawl {entry['id']}{registry_arg} --max-pages 1`")


def _check_entry(registry_path: Any, entry_toml: str) -> None:
    """Validate the registry as it would be with the entry appended, before touching the file."""
    from crawler.registry import RegistryError, load_registry

    with tempfile.TemporaryDirectory() as tmp:
        candidate = Path(tmp) / "portals.toml"
        candidate.write_text(registry_path.read_text(encoding="utf-8") + "\n" + entry_toml, encoding="utf-8")
        try:
            load_registry(candidate)
        except RegistryError as exc:
            raise BadInput(f"the proposed entry is not valid: {exc}") from None


def _save_fixture(directory: Path, portal_id: str, url: str, html: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    path = directory / f"{portal_id}_{now:%Y-%m-%d}.html"
    path.write_text(html, encoding="utf-8")
    with open(directory / "meta.toml", "a", encoding="utf-8") as meta:
        meta.write(f'\n[files."{path.name}"]\nurl = {json.dumps(url)}\nfetched_at = "{now:%Y-%m-%dT%H:%M:%SZ}"\nkind = "article"\n')
    return path


TEST_TEMPLATE = '''"""{name}: extraction of a saved article page (written by `portal-archive add-portal`).

Check every value of EXPECTED against the page ({url}), correct what is wrong, then set
CONFIRMED = True. Until then this test fails on purpose: nobody has looked yet.
"""

from pathlib import Path

from crawler.extract import extract_article
from crawler.profiles import load_profile

PAGE = Path(__file__).parent / {fixture!r}
URL = {url!r}
CONFIRMED = False
EXPECTED = {expected}


def test_{func}_article_fields():
    article = extract_article(PAGE.read_text(encoding="utf-8"), URL, load_profile({platform!r})).to_dict()
    assert {{key: article[key] for key in EXPECTED}} == EXPECTED
    assert CONFIRMED, "check EXPECTED against the page, then set CONFIRMED = True"
'''


def _write_test(directory: Path, entry: dict[str, Any], platform: str, fixture: Path, url: str, article: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    func = re.sub(r"\W", "_", entry["id"])
    expected = {k: article[k] for k in ("title", "published_at", "lead", "author", "category")}
    body = json.dumps(expected, ensure_ascii=False, indent=4).replace(": null", ": None")
    path = directory / f"test_{func}.py"
    path.write_text(TEST_TEMPLATE.format(name=entry["name"], url=url, fixture=os.path.relpath(fixture, directory),
                                         expected=body, func=func, platform=platform), encoding="utf-8")
    return path


def _province_of(url: str) -> tuple[str, str]:
    host = urlsplit(url).hostname or ""
    for domain, (prefix, province) in PROVINCE_DOMAINS.items():
        if host.endswith(domain):
            return prefix, province
    return "", ""


def _host_label(url: str) -> str:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    label = host.split(".")[0] if not re.fullmatch(r"[\d.]+", host) else "portal"
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def _name_from_title(root: Any) -> str:
    title = root.findtext(".//title") or ""
    parts = [p.strip() for p in re.split(r"\s+[-|–]\s+", " ".join(title.split())) if p.strip()]
    for part in reversed(parts):
        match = re.search(r"(Quận|Huyện|Thị xã|Thành phố|Sở)\s.+", part, re.I)
        if match:
            return match.group(0)
    return parts[-1] if parts else ""


def _level_of(name: str) -> str:
    lowered = name.lower()
    for word, level in LEVEL_WORDS:
        if lowered.startswith(word):
            return level
    return ""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _relative(url: str, home: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "") if _origin(url) == _origin(home) else url
