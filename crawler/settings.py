"""Scrapy settings for portal-archive: polite by default.

Government portals are small, slow and run by people who did not ask to be crawled: obey
robots.txt, identify the crawler with a contact URL, keep at most two requests in flight per
host and let AutoThrottle slow down when the server does. Everything here can be overridden
per run with ``-s NAME=VALUE`` (``scrapy crawl``) or ``--set`` (``portal-archive crawl``).
"""

import os

BOT_NAME = "portal-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are and how to reach us: the contact URL is part of the User-Agent.
PORTAL_ARCHIVE_CONTACT = os.environ.get("PORTAL_ARCHIVE_CONTACT", "https://github.com/portal-archive/portal-archive")
USER_AGENT = f"portal-archive/0.1 (+{PORTAL_ARCHIVE_CONTACT})"

# Where crawled articles go, and which registry names the portals.
PORTAL_ARCHIVE_DB = os.environ.get("PORTAL_ARCHIVE_DB", "data/archive.db")
PORTAL_ARCHIVE_REGISTRY = os.environ.get("PORTAL_ARCHIVE_REGISTRY", "")
PORTAL_ARCHIVE_PROGRESS = False  # the CLI turns on a live progress line
PORTAL_ARCHIVE_PROGRESS_PLAIN = False  # plain lines even on a terminal (crawl --parallel)

# Politeness.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # an article page is < 1 MB; anything near this is not news
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
PORTAL_ARCHIVE_RETRY_AFTER_MAX = 60.0  # a 429/503's Retry-After is waited up to this; longer: next run
# A body shorter than its Content-Length, or a connection reset mid-body, is an error, never a
# (half) page to store. Scrapy's default, written out because the archive depends on it.
DOWNLOAD_FAIL_ON_DATALOSS = True
DOWNLOADER_MIDDLEWARES = {
    "crawler.politeness.RetryAfterMiddleware": 560,  # sees a 429/503 before RetryMiddleware (550)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.politeness.RobotsTxtMiddleware": 100,  # a 5xx robots.txt means disallow all (RFC 9309)
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.MetaRefreshMiddleware": 580,  # never replaces an article page, never leaves the portal
    "crawler.middlewares.DeclaredCharsetMiddleware": 585,  # after decompression (590), before the text is read
}
CLOSESPIDER_ERRORCOUNT = 100  # a spider bug on every page should stop the run, not hammer the site
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
# One crawl session per crawl: the archive connection, the crawl row, the frontier, the run's
# facts, shared by the spider, the frontier middleware and the pipeline (crawler/session.py).
EXTENSIONS = {"crawler.session.CrawlSession": 0, "crawler.extensions.ProgressLine": 500}

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("PORTAL_ARCHIVE_LOG_LEVEL", "INFO")

# History (incremental and resumable crawls). A crawl is incremental unless PORTAL_ARCHIVE_FULL
# (``portal-archive crawl --full``); a listing's pagination walk stops after OVERLAP pages whose
# articles are all archived. Every request is recorded in the archive's durable frontier
# (crawler/frontier.py) so a killed crawl resumes where it stopped.
PORTAL_ARCHIVE_FULL = False
PORTAL_ARCHIVE_OVERLAP = 1
PORTAL_ARCHIVE_ARTICLE_LINKS_MAX = 50  # links to other articles followed from one article page
PORTAL_ARCHIVE_FRONTIER = True
# The frontier refuses repeated URLs on disk; Scrapy's in-memory filter keeps only the newest
# fingerprints, so memory does not grow with every page (crawler/dupefilter.py).
DUPEFILTER_CLASS = "crawler.dupefilter.BoundedDupeFilter"
PORTAL_ARCHIVE_DUPEFILTER_MAX = 20_000
PORTAL_ARCHIVE_START_QUEUE_MAX = 1000  # start requests (--full re-checks, a resume) wait for room in Scrapy's queue
SPIDER_MIDDLEWARES = {"crawler.middlewares.FrontierMiddleware": 50}

# `scrapy crawl portal -a portal=ID`: one line for a bad id, exit 1 when the crawl failed (crawler/commands/crawl.py)
COMMANDS_MODULE = "crawler.commands"
