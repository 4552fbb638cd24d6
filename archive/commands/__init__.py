"""The commands of ``portal-archive``, one module per job.

Each module defines its commands with ``@click.command()`` and imports what commands share
(``BadInput``, the ``--db``/``--registry`` options, the registry and archive openers, table
printing) from ``archive.commands.common``; ``archive/cli.py`` builds the group and adds every
command to it with ``cli.add_command``. No module here imports ``archive.cli``. Crawl-side
commands import ``crawler`` inside the command function.
"""
