"""Vietnamese portal dates → timezone-aware datetimes, without guessing.

Portals print dates day-first, often on a 12-hour clock ("13/05/2016 | 4:59 PM"), sometimes
in words ("ngày 21 tháng 9 năm 2020") and rarely as ISO strings. The parser is a table of
patterns; anything it cannot read unambiguously gives ``None`` so the caller stores NULL and
counts it, instead of inventing a date. A line can carry two dates with labels ("Ngày đăng …
| Cập nhật …"): :func:`read_dates` keeps the published and the updated one apart, and a date
labelled only as an update is never taken for the publication date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from datetime import datetime
from zoneinfo import ZoneInfo

PORTAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_YEAR = 1990  # the first Vietnamese government web sites date from the late 1990s


@dataclass(frozen=True)
class ParsedDate:
    """A date read from a page. ``date_only`` is set when the page gave no time of day."""

    value: datetime
    date_only: bool = False

    def isoformat(self) -> str:
        return self.value.isoformat()


@dataclass(frozen=True)
class DatesRead:
    """The dates of one date line, by role; either may be ``None``."""

    published: ParsedDate | None = None
    updated: ParsedDate | None = None


# Labels that say which date a part of a line is. Matching is on case-folded text.
_UPDATED_LABEL = re.compile(r"cập nhật|chỉnh sửa|sửa đổi|sửa lúc|updated?|last modified|modified", re.I)
_PUBLISHED_LABEL = re.compile(r"ngày đăng|đăng lúc|đăng ngày|đăng tải|thời gian đăng|xuất bản|ngày phát hành|published|posted|^\s*đăng\b", re.I)
_ANY_LABEL = re.compile(f"(?:{_UPDATED_LABEL.pattern})|(?:{_PUBLISHED_LABEL.pattern.replace('^', '(?:^|(?<=[|,;]))')})", re.I)
# id-encoded dates (VCCorp's /<slug>-<id>.htm): a profile regex with six groups yy MM dd HH mm ss.
_ID_DATE_GROUPS = 6


# Day-first numeric dates: 13/05/2016, 13-05-2016, 13.05.2016, 13 / 05 / 2016 (one separator throughout).
_NUMERIC_DATE = re.compile(r"(?<![\d/.\-])(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4})(?!\d)")
# Year first with slashes ("2021/05/24"), as some ASP.NET portals print it.
_YEAR_FIRST_DATE = re.compile(r"(?<![\d/])(\d{4})/(\d{1,2})/(\d{1,2})(?![\d/])")
# Spaces only ("24 05 2021"): read only when nothing else in the text is a date.
_SPACED_DATE = re.compile(r"(?<![\d/.\-:])(\d{1,2}) (\d{1,2}) (\d{4})(?![\d/.\-:])")
_MONTH_WORDS = {"một": 1, "giêng": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
                "mười": 10, "mười một": 11, "mười hai": 12, "chạp": 12}
_MONTH = r"(\d{1,2}|mười một|mười hai|mười|một|giêng|hai|ba|tư|bốn|năm|sáu|bảy|tám|chín|chạp)"
# "ngày 21 tháng 9 năm 2020", "21 Tháng 9, 2020", "21 Tháng Chín, 2020" (WordPress' "j F, Y").
_WORDED_DATE = re.compile(r"(?:ngày\s+)?(\d{1,2})\s+tháng\s+" + _MONTH + r"\s*(?:,\s*|\s+)(?:năm\s+)?(\d{4})(?!\d)", re.I)
# "Tháng 9 21, 2020", "Tháng Chín 21, 2020" (WordPress' "F j, Y").
_MONTH_FIRST_DATE = re.compile(r"tháng\s+" + _MONTH + r"\s+(\d{1,2}),?\s+(\d{4})(?!\d)", re.I)
# ISO 8601: 2024-08-28, 2024-08-28T15:28:00+07:00, 2024-08-28 15:28:00Z.
_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
)
# 4:59 PM, 04:59 PM, 15:28, 07:30:15, 8h30, 14g30, 14 giờ 30 (phút), 14h, 4:59 CH (chiều) / SA (sáng).
_TIME = re.compile(
    r"(?<![\d/.])(\d{1,2})\s*(?:(?::|h|giờ|g)\s*(\d{2})(?::(\d{2}))?(?:\s*phút)?|(?:h|giờ)(?![\w]))"
    r"(?:\s*(AM|PM|SA|CH|sáng|chiều|tối))?(?![\d/])",
    re.I,
)
_PM_WORDS = {"pm", "ch", "chiều", "tối"}
# "Thứ Tư, 15/01/2020": a weekday that contradicts the date makes the value impossible.
_WEEKDAY = re.compile(r"\b(?:thứ\s+(hai|ba|tư|năm|sáu|bảy|[2-7])|(chủ\s+nhật))\b", re.I)
_WEEKDAYS = {"hai": 0, "2": 0, "ba": 1, "3": 1, "tư": 2, "4": 2, "năm": 3, "5": 3, "sáu": 4, "6": 4, "bảy": 5, "7": 5}


def parse_vn_datetime(text: str | None, *, now: datetime | None = None) -> ParsedDate | None:
    """Read the one date (and time) in ``text``; ``None`` when absent, impossible or ambiguous.

    Two different dates in one string ("đăng 01/02/2020, sửa 03/02/2020") are ambiguous: the
    caller should point the selector at one of them rather than have the parser pick.
    """
    if not text:
        return None
    text = " ".join(text.split())
    iso = _parse_iso(text)
    if iso is not None:
        return iso
    dates = _dates_in(text)
    if len(dates) != 1:
        return None
    day, month, year = dates.pop()
    times = {m.groups() for m in _TIME.finditer(_without_dates(text))}
    if len(times) > 1:
        return None
    hour = minute = second = 0
    date_only = not times
    if times:
        parsed_time = _parse_time(*times.pop())
        if parsed_time is None:
            return None
        hour, minute, second = parsed_time
    parsed = _build(year, month, day, hour, minute, second, date_only=date_only, now=now)
    weekdays = {(m.group(1) or "").lower() or "cn" for m in _WEEKDAY.finditer(text)}
    if parsed is not None and weekdays:
        expected = {_WEEKDAYS.get(w, 6) for w in weekdays}
        if expected != {parsed.value.weekday()}:
            return None  # the page contradicts itself: which part is wrong is not ours to guess
    return parsed


def read_dates(text: str | None, *, default: Literal["published", "updated"] = "published", now: datetime | None = None) -> DatesRead:
    """Split a date line into its published and updated dates by their labels.

    "Ngày đăng 02/04/2023 08:00 | Cập nhật 03/04/2023 09:15" gives both; "Cập nhật lúc 07:30
    ngày 02/04/2023" gives only an updated date; an unlabelled date takes the ``default`` role
    (the role of the element it was read from). Each part is parsed by
    :func:`parse_vn_datetime`, so an ambiguous part is ``None``, never guessed.
    """
    if not text:
        return DatesRead()
    text = " ".join(text.split())
    labels = list(_ANY_LABEL.finditer(text))
    if not labels:
        parsed = parse_vn_datetime(text, now=now)
        return DatesRead(published=parsed) if default == "published" else DatesRead(updated=parsed)
    found: dict[str, ParsedDate | None] = {}
    head = text[: labels[0].start()]
    if parse_vn_datetime(head, now=now) is not None:
        found[default] = parse_vn_datetime(head, now=now)  # "02/04/2023 (cập nhật 03/04/2023)"
    for index, label in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(text)
        role = "updated" if _UPDATED_LABEL.fullmatch(label.group(0).strip()) else "published"
        parsed = parse_vn_datetime(text[label.end():end], now=now)
        if parsed is not None and role not in found:
            found[role] = parsed
    return DatesRead(published=found.get("published"), updated=found.get("updated"))


def date_from_url(url: str, pattern: re.Pattern[str], *, now: datetime | None = None) -> ParsedDate | None:
    """The publication time a platform encodes in its article ids (``yyMMddHHmmss``), if valid.

    ``pattern`` comes from the profile (``[urls] id_date``) and has six groups: year (two
    digits), month, day, hour, minute, second. An impossible value gives ``None``.
    """
    match = pattern.search(url)
    if match is None or len(match.groups()) != _ID_DATE_GROUPS:
        return None
    yy, month, day, hour, minute, second = (int(g) for g in match.groups())
    return _build(2000 + yy, month, day, hour, minute, second, date_only=False, now=now)


def _dates_in(text: str) -> set[tuple[int, int, int]]:
    """Every (day, month, year) written in ``text``, whatever the form."""
    found = {(int(d), int(m), int(y)) for d, _, m, y in (g.groups() for g in _NUMERIC_DATE.finditer(text))}
    found |= {(int(d), _month(m), int(y)) for d, m, y in (g.groups() for g in _WORDED_DATE.finditer(text))}
    found |= {(int(d), _month(m), int(y)) for m, d, y in (g.groups() for g in _MONTH_FIRST_DATE.finditer(text))}
    found |= {(int(d), int(m), int(y)) for y, m, d in (g.groups() for g in _YEAR_FIRST_DATE.finditer(text))}
    if not found:
        found = {(int(d), int(m), int(y)) for d, m, y in (g.groups() for g in _SPACED_DATE.finditer(text))}
    return found


def _month(word: str) -> int:
    return int(word) if word.isdigit() else _MONTH_WORDS.get(" ".join(word.lower().split()), 0)


def _without_dates(text: str) -> str:
    for pattern in (_WORDED_DATE, _MONTH_FIRST_DATE, _NUMERIC_DATE, _YEAR_FIRST_DATE):
        text = pattern.sub(" ", text)
    return text if _NUMERIC_DATE.search(text) or not _SPACED_DATE.search(text) else _SPACED_DATE.sub(" ", text)


def _parse_time(hour_s: str, minute_s: str | None, second_s: str | None, meridiem: str | None) -> tuple[int, int, int] | None:
    hour, minute, second = int(hour_s), int(minute_s or 0), int(second_s or 0)
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        is_pm = meridiem.lower() in _PM_WORDS
        hour = hour % 12 + (12 if is_pm else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def _parse_iso(text: str) -> ParsedDate | None:
    match = _ISO.search(text)
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    if hour is None:
        return _build(int(year), int(month), int(day), 0, 0, 0, date_only=True)
    parsed = _build(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), date_only=False)
    if parsed is None or not offset:
        return parsed
    try:
        aware = datetime.fromisoformat(f"{match.group(0)[:10]}T{int(hour):02d}:{minute}:{int(second or 0):02d}{'+00:00' if offset == 'Z' else offset}")
    except ValueError:
        return None
    return ParsedDate(aware.astimezone(PORTAL_TZ))


def _build(year: int, month: int, day: int, hour: int, minute: int, second: int, *, date_only: bool, now: datetime | None = None) -> ParsedDate | None:
    try:
        value = datetime(year, month, day, hour, minute, second, tzinfo=PORTAL_TZ)
    except ValueError:  # 31/02, month 13, ...
        return None
    latest = (now or datetime.now(PORTAL_TZ)).year + 1
    if not MIN_YEAR <= year <= latest:
        return None
    return ParsedDate(value, date_only=date_only)
