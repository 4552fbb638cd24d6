"""One crawl per portal at a time: an advisory lock file per portal.

Scheduled runs can overlap when a crawl is slow (a portal timing out) and the next day's run
starts; two writers walking the same portal would double the load on its server and race on
the same rows. ``fcntl.flock`` is released by the kernel when the process dies, so a crawl
killed with SIGKILL never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path


class PortalLocked(Exception):
    """Another process is crawling this portal; the message says which."""


@contextmanager
def portal_lock(lock_dir: Path, portal_id: str) -> Iterator[Path]:
    """Hold the portal's lock for the duration of the block, or raise :class:`PortalLocked`."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    path = lock_dir / f"{portal_id}.lock"
    handle = open(path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            try:
                info = json.loads(holder)
                detail = f"pid {info['pid']}, started {info['started_at']}"
            except (ValueError, KeyError):
                detail = "another process"
            raise PortalLocked(f"portal {portal_id} is already being crawled ({detail}); this run stops here") from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}))
        handle.flush()
        yield path
    finally:
        handle.close()
