"""Datasette plugin hooks for the archive (registered through the ``datasette`` entry point)."""

from __future__ import annotations

from datasette import hookimpl

from archive.search import fold_d


@hookimpl
def prepare_connection(conn) -> None:
    # vn_fold(text): the đ→d fold the FTS index uses, for ad-hoc SQL such as
    # "where vn_fold(title) like '%dai hoi%'".
    conn.create_function("vn_fold", 1, fold_d, deterministic=True)
