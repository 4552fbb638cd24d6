"""Commands of ``portal-archive`` beyond the core ones in ``archive/cli.py``.

Each module here adds its commands to the ``cli`` group (``from archive.cli import cli`` then
``@cli.command()``); ``archive/cli.py`` imports every module of this package, so a new command
is a new module and nothing else changes. Crawl-side commands import ``crawler`` inside the
command function, as ``archive/cli.py`` does.
"""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    """Import every command module so its commands register on the group."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
