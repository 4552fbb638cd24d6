"""``portal-archive serve``: browse and search the archive in Datasette."""

from __future__ import annotations

from pathlib import Path

import click

from archive.commands.common import check_port, db_option, open_archive


@click.command()
@db_option()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0 to share on the network).")
@click.option("-p", "--port", type=int, default=8001, show_default=True, help="Port (0 for any free port).")
def serve(db_path: Path, host: str, port: int) -> None:
    """Browse and search the archive in Datasette (its JSON API too).

    \b
    Example:
        portal-archive serve --db data/archive.db --port 8001
        curl 'http://127.0.0.1:8001/archive/articles.json?_search=dai+bieu&_shape=objects'
    """
    open_archive(db_path, read_only=True).close()
    check_port(host, port)
    serve_datasette(db_path, host, port)


def serve_datasette(db_path: Path, host: str, port: int) -> None:
    """Serve the archive in Datasette until Ctrl-C; port 0 picks a free port and says which."""
    import socket

    import uvicorn

    from archive.datasette import make_datasette

    check_port(host, port)
    if port == 0:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    app = make_datasette(db_path).app()
    click.echo(f"Datasette on the archive: http://{host}:{port}/{db_path.stem}  (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
