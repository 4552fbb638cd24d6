"""``portal-archive extract``: read one article page (a saved file or a URL) and print its fields."""

from __future__ import annotations

import json
from pathlib import Path

import click

from archive.commands.common import BadInput, load_registry, registry_option


@click.command()
@click.argument("source")
@click.option("--portal", "portal_id", default=None, help="Use this portal's platform profile (default: recognise the platform from the page).")
@click.option("--url", "page_url", default=None, help="The page's original URL, when SOURCE is a saved file (links and the canonical URL resolve against it).")
@registry_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def extract(source: str, portal_id: str | None, page_url: str | None, registry: Path | None, as_json: bool) -> None:
    """Extract one article page (a saved file or a URL) and print its fields.

    What an operator runs to check a new portal; also how extraction is measured.

    \b
    Example:
        portal-archive extract page.html --url https://sotttt.hanoi.gov.vn/vi/... --json
        portal-archive extract https://hoangmai.hanoi.gov.vn/vi/... --portal hanoi-hoang-mai
    """
    from crawler.extract import extract_article
    from crawler.extract.clean import parse_html
    from crawler.extract.recognise import recognise_platform
    from crawler.fetch import FetchError, read_source

    try:
        html, url = read_source(source, page_url)
    except FetchError as exc:  # a missing file is bad input (2); a page that cannot be fetched exit 1, as in `probe`
        raise (click.ClickException if source.startswith(("http://", "https://")) else BadInput)(str(exc)) from None
    if portal_id:
        profile = load_registry(registry).get(portal_id)
        if profile is None:
            raise BadInput(f"unknown portal id {portal_id!r} (see `portal-archive portals`)")
        profile = profile.profile()
    else:
        profile = recognise_platform(parse_html(html), url)
        if profile is None:
            from crawler.profiles import GENERIC_PLATFORM, load_profile

            profile = load_profile(GENERIC_PLATFORM)  # no profile matches: the page's own structure
            click.echo(f"note: {source}: no platform profile recognised; the generic platform reads it (pass --portal ID to choose)", err=True)
    article = extract_article(html, url, profile).to_dict()
    if as_json:
        click.echo(json.dumps(article, ensure_ascii=False, indent=2))
        return
    for key in ("url", "canonical_url", "title", "published_at", "updated_at", "lead", "author", "source", "category", "extractor", "word_count"):
        click.echo(f"{key + ':':14} {article[key] if article[key] is not None else '—'}")
    click.echo(f"{'images:':14} {len(article['images'])}")
    for image in article["images"]:
        click.echo(f"  - {image['url']}" + (f"  ({image['caption']})" if image["caption"] else ""))
    click.echo(f"{'attachments:':14} {len(article['attachments'])}")
    for attachment in article["attachments"]:
        click.echo(f"  - {attachment['title']}: {attachment['url']}")
    for warning in article["warnings"]:
        click.echo(f"warning: {warning}", err=True)
    click.echo("\n" + (article["body"] or "(no body)"))
