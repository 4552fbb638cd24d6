"""portal-archive's storage, search and web side (``archive.store``, ``archive.search``, ``archive.datasette``).

The store knows nothing of search; search owns its schema (the full-text indexes,
``archive.search.search_migrations``). They are joined here, when the package is imported, so
every program that opens an archive — a crawl, a command, Datasette, a script that imports only
``archive.store`` — applies that schema to an archive it writes and checks it in one it reads.
"""

from archive import search, store

store.register_schema(search.search_migrations)
