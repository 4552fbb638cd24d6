"""The demo portal's content: its categories and articles, written (``articles.json``) or generated.

Separate from the server (``site.py``) so that tests and benchmarks can make thousands of
articles (:func:`generate_articles`) and reason about them without starting anything; the
server only renders them.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

DATA_PATH = Path(__file__).with_name("articles.json")
SITE_NAME = "Cổng thông tin điện tử Quận Hoàng Mai"
LOCAL_TZ = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh has no DST
GROUP_ID = 1547213  # Liferay site (group) id used in /documents/ URLs
FOLDER_ID = 1603985  # Documents and Media folder of the attachments
UNDATED_LAST_MODIFIED = datetime(2019, 10, 1, 8, 0)  # Last-Modified of an article showing no date

DEMO_PORTAL_ID = "demo-hoang-mai"  # the sample portal's registry id; a demo archive holds only it


@dataclass(frozen=True)
class Category:
    """A category listing (``/vi/<slug>``); portals differ per category in date markup and header."""

    slug: str
    name: str
    date_style: str  # "full": "Ngày đăng … | View count: N"; "posted": "Ngày đăng …"; "plain": date only
    portlet_title: str | None  # Asset Publisher header on article pages (None = borderless portlet)


CATEGORIES: tuple[Category, ...] = (
    Category("tin-tuc-su-kien", "Tin tức sự kiện", "full", "Tin tức nổi bật"),
    Category("kinh-te-xa-hoi", "Kinh tế - Xã hội", "posted", None),
    Category("cai-cach-hanh-chinh", "Cải cách hành chính", "plain", None),
)
CATEGORY_BY_SLUG = {c.slug: c for c in CATEGORIES}



def slugify(text: str, max_len: int = 100) -> str:
    """ASCII URL title as Liferay builds it (diacritics and đ folded, dashes, truncated)."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:max_len].rstrip("-")


def _clock(dt: datetime, pad: bool) -> str:
    """12-hour time as the portal prints it: ``4:53 PM`` on articles, ``04:53 PM`` on listings."""
    hour = dt.hour % 12 or 12
    return f"{hour:{'02d' if pad else 'd'}}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"


def date_stamp(published: datetime | None, pad: bool) -> str | None:
    """Date and time as printed after "Ngày đăng" (None: the page shows no date)."""
    return f"{published:%d/%m/%Y} | {_clock(published, pad)}" if published else None


def _ms(dt: datetime) -> int:
    return int(dt.replace(tzinfo=LOCAL_TZ).timestamp() * 1000)


@dataclass
class DemoArticle:
    """One article of the demo portal, plus the values a correct extractor should produce.

    ``body`` items: a ``str`` is a paragraph (``\\n`` becomes ``<br>``); ``{"image": id,
    "caption": ..., "alt"?: ..., "layout"?: "table"}`` is a captioned image;
    ``{"attachments": [{"file": ..., "title": ...}]}`` is a list of linked documents.
    ``published_at`` is naive local time (Asia/Ho_Chi_Minh); ``None`` = the page shows no date.
    """

    id: int
    category: str
    title: str
    body: list[Any]
    author: str
    published_at: datetime | None = None
    lead: str | None = None
    byline: str | None = None
    lead_image: int | None = None
    view_count: int = 0
    slug: str = ""

    def __post_init__(self) -> None:
        if not self.slug:
            self.slug = slugify(self.title)

    @property
    def path(self) -> str:
        """Root-relative article URL: ``/vi/<category>/-/view_content/<id>-<slug>``."""
        return f"/vi/{self.category}/-/view_content/{self.id}-{self.slug}"

    @property
    def category_name(self) -> str:
        return CATEGORY_BY_SLUG[self.category].name

    @property
    def published_iso(self) -> str | None:
        """Expected ``published_at`` of the archive (ISO 8601, +07:00), None when undated."""
        return self.published_at.replace(tzinfo=LOCAL_TZ).isoformat() if self.published_at else None

    @property
    def date_text(self) -> str:
        """Visible text of the article's ``div.assetPublishDate`` (whitespace collapsed)."""
        return self._date_text(pad=False)

    @property
    def listing_date_text(self) -> str:
        """Visible text of the item's date on listing pages (zero-padded hour)."""
        return self._date_text(pad=True)

    def _date_text(self, pad: bool) -> str:
        text = date_stamp(self.published_at, pad)
        if text is None:
            return ""
        style = CATEGORY_BY_SLUG[self.category].date_style
        if style != "plain":
            text = f"Ngày đăng {text}"
        if style == "full":
            text += f" | View count: {self.view_count}"
        return text

    @property
    def paragraphs(self) -> list[str]:
        """Text paragraphs of the body (captions and attachment links excluded)."""
        return [b for b in self.body if isinstance(b, str)]

    @property
    def images(self) -> list[dict[str, Any]]:
        """Lead image (caption None) then body images: ``{"img_id", "path", "caption"}``."""
        found = [{"img_id": self.lead_image, "caption": None}] if self.lead_image else []
        found += [{"img_id": b["image"], "caption": b["caption"]}
                  for b in self.body if isinstance(b, dict) and "image" in b]
        return [dict(i, path=self.image_path(i["img_id"])) for i in found]

    @property
    def attachments(self) -> list[dict[str, str]]:
        """Linked documents: ``{"file", "title", "path"}`` in body order."""
        return [
            {**f, "path": self.attachment_path(f["file"])}
            for b in self.body if isinstance(b, dict)
            for f in b.get("attachments", ())
        ]

    def image_path(self, img_id: int) -> str:
        stamp = _ms(self.published_at or UNDATED_LAST_MODIFIED) + img_id % 997
        return f"/image/journal/article?img_id={img_id}&t={stamp}"

    def attachment_path(self, file: str) -> str:
        doc_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"demo-hoang-mai/{self.id}/{file}")
        stamp = _ms(self.published_at or UNDATED_LAST_MODIFIED)
        return f"/documents/{GROUP_ID}/{FOLDER_ID}/{file}/{doc_uuid}?t={stamp}"

    @property
    def summary(self) -> str:
        """The listing's ``div.asset-summary``: the lead (or first paragraph), cut to ~160 chars."""
        text = " ".join((self.lead or (self.paragraphs or [""])[0]).split())
        if len(text) <= 160:
            return text
        return text[:160].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def _article_from_json(d: dict[str, Any]) -> DemoArticle:
    published = d.get("published")
    return DemoArticle(
        id=int(d["id"]),
        category=d["category"],
        title=d["title"],
        body=list(d["body"]),
        author=d["author"],
        published_at=datetime.strptime(published, "%Y-%m-%d %H:%M") if published else None,
        lead=d.get("lead"),
        byline=d.get("byline"),
        lead_image=d.get("lead_image"),
        view_count=int(d.get("view_count", 0)),
        slug=d.get("slug", ""),
    )


def load_articles(path: Path | None = None) -> list[DemoArticle]:
    """The bundled sample articles (``articles.json``), so the demo needs no network or fixtures."""
    doc = json.loads((path or DATA_PATH).read_text(encoding="utf-8"))
    return [_article_from_json(d) for d in doc["articles"]]


_SENTENCE_END = re.compile(r"(?<=[.;!?…])\s+(?=[A-ZĐÀ-Ỹ0-9“])")
_AUTHORS = ("admin admin", "Ban biên tập", "Nguyễn Thu Hà", "Phạm Minh Đức")
_BYLINES = ("Thu Hà", "Minh Đức", "Hoàng Lan", "Ngọc Mai", "Quang Huy")


def generate_articles(n: int, seed: int = 0) -> list[DemoArticle]:
    """``n`` synthetic articles recombined from the bundled sentences, for big-crawl benchmarks.

    Deterministic for a given ``seed``; ids are distinct 7-digit numbers, titles are unique,
    dates spread over 2012–2024 (a quarter at ``12:00 AM``), categories weighted like the
    bundled data, some lead images, captioned body images, bylines and PDF attachments.
    """
    base = load_articles()
    rng = random.Random(seed)
    sentences = sorted({s.strip() for a in base for p in a.paragraphs + [a.lead or ""]
                        for s in _SENTENCE_END.split(p.replace("\n", " ")) if len(s) > 40})
    captions = sorted({b["caption"] for a in base for b in a.body if isinstance(b, dict) and "caption" in b})
    weights = [sum(a.category == c.slug for a in base) for c in CATEGORIES]
    ids = rng.sample(range(1_000_000, 10_000_000), n)
    start, span = datetime(2012, 1, 1), int((datetime(2025, 1, 1) - datetime(2012, 1, 1)).total_seconds() // 60)
    titles: set[str] = set()
    out = []
    for i, art_id in enumerate(ids):
        words = rng.choice(sentences).rstrip(".;…").split()
        title = " ".join(words[: rng.randint(8, 16)]).rstrip(",:;-")
        if title in titles:
            title = f"{title} ({i + 1})"
        titles.add(title)
        published = start + timedelta(minutes=rng.randrange(span))
        if rng.random() < 0.25:
            published = published.replace(hour=0, minute=0)
        body: list[Any] = [" ".join(rng.sample(sentences, rng.randint(2, 4))) for _ in range(rng.randint(3, 8))]
        if rng.random() < 0.15:
            body.insert(1, {"image": art_id + 3, "caption": rng.choice(captions)})
        if rng.random() < 0.05:
            document = {"file": f"van-ban-{art_id}.pdf", "title": f"Văn bản số {i + 1}/UBND"}
            body += ["Văn bản kèm theo:", {"attachments": [document]}]
        out.append(DemoArticle(
            id=art_id,
            category=rng.choices(CATEGORIES, weights)[0].slug,
            title=title,
            body=body,
            author=rng.choice(_AUTHORS),
            published_at=published,
            lead=" ".join(rng.sample(sentences, rng.randint(1, 2))) if rng.random() < 0.8 else None,
            byline=rng.choice(_BYLINES) if rng.random() < 0.2 else None,
            lead_image=art_id - 1 if rng.random() < 0.25 else None,
            view_count=rng.randint(50, 5000),
        ))
    return out
