"""The bundled demo portal: a sample Hanoi district portal (liferay-hanoi markup) on localhost.

``portal-archive demo`` starts it, crawls it and opens Datasette on the result; tests and
benchmarks use it as a realistic, offline portal. See :mod:`archive.demo.site`.
"""

from archive.demo.content import CATEGORIES, Category, DemoArticle, generate_articles, load_articles, slugify
from archive.demo.site import DemoPortal

__all__ = ["CATEGORIES", "Category", "DemoArticle", "DemoPortal", "generate_articles", "load_articles", "slugify"]
