"""The storage errors an operator can act on, each with the one line a command prints for it."""

from __future__ import annotations

from pathlib import Path


class ArchiveError(Exception):
    """Base class of the storage errors an operator can act on."""


class DatabaseMissing(ArchiveError):
    pass


class NotAnArchive(ArchiveError):
    pass


class ArchiveNeedsUpgrade(ArchiveError):
    """A reader met an archive of an older schema: readers never migrate, a writing command does."""


class ArchiveReadOnly(ArchiveError):
    """The archive (or its folder) cannot be written by this user."""


def read_only_message(path: Path, error: Exception) -> str:
    """What to do about a read-only archive: the same line whichever write found it out."""
    return (f"{path}: the archive is read-only for this user ({error}): make the file and its folder writable "
            f"(SQLite writes {path.name}-wal and {path.name}-shm beside it) — nothing was changed")
