"""What crosses the boundary between the crawler and the archive, written down once.

``crawler/`` fetches and reads pages; ``archive/`` stores, searches and serves them; the
archive outside its command line imports nothing of the crawler but this package
(tests/test_layering.py). Some rules must be the same on both sides, or a difference shows up
to users:

- ``crawler.contracts.charset``: how a page's bytes become text (the crawler extracts from that text,
  the archived-original view shows it);
- ``crawler.contracts.headers``: the shape of a stored response's headers and how one is read;
- ``crawler.contracts.wire``: the Redis messages and key names of a distributed crawl (workers write
  them, ``portal-archive ingest`` reads them, and back for the published-articles hash).

Everything here is pure (no network, no database, no Scrapy): both halves, and extraction,
may import it.
"""
