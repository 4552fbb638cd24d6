"""The ``portal-archive`` command line: the group, and every command added to it in one place.

This is the composition root. The commands live in ``archive/commands/`` (one module per job,
sharing ``archive/commands/common.py``); none of them imports this module, so the group can
be built here, run as ``python -m archive.cli`` or ``python -m archive``, or installed as the
``portal-archive`` entry point, with no import cycle. Crawl-side commands import the crawler
inside the command function (the archive never imports it otherwise). Every command's
``--help`` is its documentation; errors an operator can act on are one line on stderr with a
non-zero exit status (2 for bad input).
"""

from __future__ import annotations

import click

from archive.commands import (add_portal, crawl, demo, extract, history, imports, ingest, operations, portals, probe,
                              serve)

@click.group(context_settings={"help_option_names": ["-h", "--help"]})  # -h is help everywhere (serve's was --host)
@click.version_option(package_name="portal-archive")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), envvar="PORTAL_ARCHIVE_CONFIG", default=None,
              help="TOML file of option defaults (default: ./portal-archive.toml when present). Env: PORTAL_ARCHIVE_CONFIG.")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None) -> None:
    """Archive the news of Vietnamese district portals into SQLite and search it with Datasette.

    \b
    Start here:
        portal-archive demo              crawl the bundled sample portal and open it
        portal-archive portals           list the registered portals
        portal-archive crawl PORTAL_ID   crawl one portal into data/archive.db
        portal-archive serve             browse and search the archive

    \b
    Settings come from command-line options, then environment variables
    (PORTAL_ARCHIVE_DB, PORTAL_ARCHIVE_REGISTRY, PORTAL_ARCHIVE_CONTACT), then the
    config file (see docs/operations.md), then the defaults shown by --help.
    """
    from archive.config import config_path, load_config

    path = config_path(config_file)
    if path is not None:
        ctx.default_map = load_config(path, ctx.command)
    ctx.meta["config_path"] = path


COMMANDS: tuple[click.Command, ...] = (
    demo.demo, portals.portals, crawl.crawl, serve.serve, extract.extract, probe.probe, add_portal.add_portal,
    operations.status, operations.schedule, operations.upgrade, operations.check_config, history.history, history.reextract,
    imports.export_warc, imports.import_warc, imports.import_mirror, ingest.ingest,
)
for _command in COMMANDS:
    cli.add_command(_command)

if __name__ == "__main__":
    cli()
