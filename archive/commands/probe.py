"""``portal-archive probe URL``: what an operator runs before adding a portal to the registry.

It fetches the home page, says which platform profile its markup and URL shape match (with
every profile's score), lists the section, listing-page and article links the profile finds —
following a few sections when the home page itself links no article — and extracts one
article, so the operator sees at once whether the portal needs only a registry entry.
When no profile matches, the ``generic`` platform reads the page (links found from its
structure, fields without selectors): any portal can be added the day it is met.
"""

from __future__ import annotations

import json
from typing import Any

import click

from archive.commands.common import BadInput


@click.command()
@click.argument("url")
@click.option("--platform", "platform_name", default=None, help="Use this platform profile instead of recognising one.")
@click.option("--sections", "max_sections", type=click.IntRange(0, 20), default=3, show_default=True, help="Sections to open when the home page links no article.")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="Links shown per kind.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def probe(url: str, platform_name: str | None, max_sections: int, limit: int, as_json: bool) -> None:
    """Recognise a portal's platform from its home page and try it on one article.

    Fetches URL (one request per page, with the crawler's User-Agent), then at most
    --sections section pages and one article page.

    \b
    Example:
        portal-archive probe https://hoangmai.hanoi.gov.vn/
        portal-archive probe https://govap.hochiminhcity.gov.vn/ --platform liferay-hcmc --json
    """
    from crawler.extract import extract_article, find_links
    from crawler.extract.recognise import scores
    from crawler.fetch import FetchError, read_source

    root, final_url, profile = open_home_page(url, platform_name)
    report: dict[str, Any] = {"url": final_url, "scores": scores(root, final_url)}
    report["platform"] = profile.name
    report["recognised"] = not profile.is_generic or platform_name is not None
    links = find_links(root, final_url, profile)
    report["sections"] = links.sections
    report["pages"] = links.pages
    articles = list(links.articles)
    opened = []
    for section in links.sections[:max_sections] if not articles else []:
        try:
            section_html, section_url = read_source(section)
        except FetchError:
            continue
        opened.append(section_url)
        more = find_links(section_html, section_url, profile)
        articles += [a for a in more.articles if a not in articles]
        report["pages"] += [p for p in more.pages if p not in report["pages"]]
    report["sections_opened"] = opened
    if not articles and not profile.is_generic and platform_name is None:
        # A recognised profile whose selectors find nothing here (a redesign, a look-alike
        # CMS): the page's structure still shows its list.
        from crawler.extract.discover import discover_links

        articles = discover_links(root, final_url).articles
        if articles:
            report["articles_found_by"] = "generic"
    report["articles"] = articles
    report["article"] = None
    if articles:
        try:
            article_html, article_url = read_source(articles[0])
        except FetchError as exc:
            report["article_error"] = str(exc)
        else:
            article = extract_article(article_html, article_url, profile).to_dict()
            report["article"] = {k: article[k] for k in ("url", "title", "published_at", "updated_at", "lead", "author", "source", "category", "extractor", "word_count", "warnings")}
            report["article"]["body_start"] = (article["body"] or "")[:300]
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print(report, limit)


def open_home_page(url: str, platform_name: str | None) -> tuple[Any, str, Any]:
    """Fetch a portal's home page: (parsed page, final URL, the named or recognised profile).

    When no profile recognises the page, the ``generic`` profile (no selectors: links and
    fields from the page's structure). Shared by ``probe`` and ``add-portal``; bad input is
    exit 2, an unreachable page exit 1.
    """
    from crawler.extract.dom import parse_html
    from crawler.extract.recognise import recognise_platform
    from crawler.fetch import FetchError, read_source
    from crawler.profiles import GENERIC_PLATFORM, ProfileError, load_profile

    if not url.startswith(("http://", "https://")):
        raise BadInput(f"{url}: give the portal's home page as an http(s) URL")
    try:
        html, final_url = read_source(url)
    except FetchError as exc:
        raise click.ClickException(str(exc)) from None
    root = parse_html(html)
    try:
        profile = load_profile(platform_name) if platform_name else recognise_platform(root, final_url)
        profile = profile or load_profile(GENERIC_PLATFORM)
    except ProfileError as exc:
        raise BadInput(str(exc)) from None
    return root, final_url, profile


def _print(report: dict[str, Any], limit: int) -> None:
    ranked = sorted(report["scores"].items(), key=lambda kv: -kv[1])
    click.echo(f"{'url:':10} {report['url']}")
    note = "" if report.get("recognised", True) else " (no profile recognised: links and fields found from the page's structure)"
    click.echo(f"{'platform:':10} {report['platform']}{note}")
    click.echo(f"{'scores:':10} " + ", ".join(f"{name} {points}" for name, points in ranked))
    for key, title in (("sections", "sections"), ("pages", "listing pages"), ("articles", "articles")):
        if key not in report:
            continue
        click.echo(f"{title}: {len(report[key])}")
        for link in report[key][:limit]:
            click.echo(f"  - {link}")
        if len(report[key]) > limit:
            click.echo(f"  … {len(report[key]) - limit} more")
    article = report.get("article")
    if article:
        click.echo("article:")
        for key in ("url", "title", "published_at", "updated_at", "lead", "author", "source", "category", "extractor", "word_count"):
            click.echo(f"  {key + ':':14} {article[key] if article[key] not in (None, '') else '—'}")
        for warning in article["warnings"]:
            click.echo(f"  warning: {warning}")
        click.echo(f"  {'body:':14} {article['body_start']}")
    elif report.get("article_error"):
        click.echo(f"article: {report['article_error']}")
