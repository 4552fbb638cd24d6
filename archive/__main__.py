"""``python -m archive``: the same command line as ``portal-archive`` (and ``python -m archive.cli``)."""

from archive.cli import cli

if __name__ == "__main__":
    cli()
