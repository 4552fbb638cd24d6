"""Datasette plugin hooks for the archive (registered through the ``datasette`` entry point).

A package, not a module, so that Datasette finds its ``templates`` folder: it looks for one
beside a plugin package only, and without it plain ``datasette archive.db`` answers 500
``TemplatesNotFound`` on the pages this plugin adds.
"""

from __future__ import annotations

from datasette import hookimpl

from archive.search import fold_d


@hookimpl
def prepare_connection(conn) -> None:
    # vn_fold(text): the đ→d fold the FTS index uses, for ad-hoc SQL such as
    # "where vn_fold(title) like '%dai hoi%'".
    conn.create_function("vn_fold", 1, fold_d, deterministic=True)


@hookimpl
def register_routes():
    from archive.datasette import pages

    return [
        (r"^/-/search(\.(?P<format>json|atom))?$", pages.search_page),
        (r"^/-/articles/(?P<id>\d+)(\.(?P<format>json))?$", pages.article_page),
        (r"^/-/articles/(?P<id>\d+)/original$", pages.original_page),
        (r"^/-/articles$", pages.article_by_url),
    ]


@hookimpl
def register_facet_classes():
    from archive.datasette.facets import YearFacet

    return [YearFacet]


@hookimpl
def menu_links(datasette):
    return [{"href": datasette.urls.path("/-/search"), "label": "Search the archive"}]


@hookimpl
def extra_template_vars(datasette):
    return {"archive_search_url": datasette.urls.path("/-/search")}


@hookimpl
def prepare_jinja2_environment(env) -> None:
    # {{ article.published_at|vn_date }}: "Thứ Ba, 25/08/2020 08:35", as Vietnamese readers expect.
    from archive.datasette.display import vn_date

    env.filters["vn_date"] = vn_date
