"""Only for scrapyd-deploy, which builds an egg with `python setup.py bdist_egg`.

Everything (packages, package data, the `scrapy` settings entry point) is declared in
pyproject.toml; setuptools reads it from there.
"""

from setuptools import setup

setup()
