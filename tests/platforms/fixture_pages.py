"""Shared reading of a platform's fixture directory: meta.toml (url, kind) and expected.json."""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ARTICLE_FIELDS = ("title", "published_at", "published_date_only", "updated_at", "lead", "author", "category", "images", "attachments", "warnings")


class PlatformFixtures:
    """The saved pages of one platform and what a correct extractor returns for each."""

    def __init__(self, platform: str) -> None:
        self.dir = FIXTURES / platform
        self.meta = tomllib.loads((self.dir / "meta.toml").read_text(encoding="utf-8"))["files"]
        self.expected = json.loads((self.dir / "expected.json").read_text(encoding="utf-8"))

    def names(self, kind: str) -> list[str]:
        return [name for name, meta in self.meta.items() if meta["kind"] == kind]

    def page(self, name: str) -> str:
        return (self.dir / name).read_text(encoding="utf-8")

    def url(self, name: str) -> str:
        return self.meta[name]["url"]


def norm(text: str | None) -> str:
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text or "")).strip()


def snippet_failures(body: str | None, expected: dict) -> tuple[list[str], list[str]]:
    """(body_with snippets missing, body_without snippets leaked)."""
    text = norm(body)
    return [s for s in expected["body_with"] if norm(s) not in text], [s for s in expected["body_without"] if norm(s) in text]
