"""``scrapy crawl portal -a portal=ID`` as an operator expects it: one line for a bad portal id
(exit 2, no 29-line traceback), and exit 1 when the crawl failed or was interrupted (Scrapy
exits 0 whatever the outcome recorded in ``crawls``), as ``portal-archive crawl`` does."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawl

from archive.crawls import FAILED_OUTCOMES, OUTCOME_STAT



class Command(ScrapyCrawl):
    crawler: Any = None

    def _create_crawler(self, spname: str) -> Any:
        self.crawler = super()._create_crawler(spname)  # kept: its stats tell the outcome afterwards
        return self.crawler

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if args and args[0] == "portal":  # checked before Scrapy starts (and logs its banner)
            problem = _portal_problem(opts.spargs.get("portal"), opts.spargs.get("registry") or self.settings.get("PORTAL_ARCHIVE_REGISTRY"))
            if problem:
                sys.stderr.write(f"Error: {problem}\n")
                sys.exit(2)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        outcome = self.crawler.stats.get_value(OUTCOME_STAT) if self.crawler is not None else None
        if self.exitcode == 0 and (outcome in FAILED_OUTCOMES or outcome is None and args and args[0] == "portal"):
            self.exitcode = 1


def _portal_problem(portal_id: str | None, registry: str | None) -> str | None:
    """Why the portal spider cannot crawl ``portal_id`` (None when it can)."""
    from crawler.registry import RegistryError, load_registry, unknown_portal

    if not portal_id:
        return "name the portal: scrapy crawl portal -a portal=ID (see `portal-archive portals`)"
    try:
        portals = load_registry(registry or None)
    except RegistryError as exc:
        return str(exc)
    portal = portals.get(portal_id)
    if portal is None:
        return str(unknown_portal(portal_id, portals))
    if portal.platform == "unknown" or not portal.enabled:
        return f"portal {portal_id} is disabled (platform {portal.platform!r}); profile its platform and set enabled = true first"
    return None
