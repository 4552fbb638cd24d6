"""Vietnamese portal dates → timezone-aware datetimes, without guessing.

Portals print dates day-first, often on a 12-hour clock ("13/05/2016 | 4:59 PM"), sometimes
in words ("ngày 21 tháng 9 năm 2020") and rarely as ISO strings. The parser is a table of
patterns; anything it cannot read unambiguously gives ``None`` so the caller stores NULL and
counts it, instead of inventing a date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


# Day-first numeric dates: 13/05/2016, 13-05-2016, 13.05.2016.
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?!\d)")
# "ngày 21 tháng 9 năm 2020" (also without "ngày").
_WORDED_DATE = re.compile(r"(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:,\s*)?năm\s+(\d{4})", re.I)
# ISO 8601: 2024-08-28, 2024-08-28T15:28:00+07:00, 2024-08-28 15:28:00Z.
_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
)
# 4:59 PM, 04:59 PM, 15:28, 07:30:15, 8h30, 4:59 CH (chiều) / SA (sáng).
_TIME = re.compile(r"(?<![\d/])(\d{1,2})\s*[:h]\s*(\d{2})(?::(\d{2}))?(?:\s*(AM|PM|SA|CH|sáng|chiều|tối))?(?![\d/])", re.I)
_PM_WORDS = {"pm", "ch", "chiều", "tối"}


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
    dates = {m.groups() for m in _NUMERIC_DATE.finditer(text)} | {m.groups() for m in _WORDED_DATE.finditer(text)}
    if len(dates) != 1:
        return None
    day, month, year = (int(part) for part in dates.pop())
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
    return _build(year, month, day, hour, minute, second, date_only=date_only, now=now)


def _without_dates(text: str) -> str:
    return _WORDED_DATE.sub(" ", _NUMERIC_DATE.sub(" ", text))


def _parse_time(hour_s: str, minute_s: str, second_s: str | None, meridiem: str | None) -> tuple[int, int, int] | None:
    hour, minute, second = int(hour_s), int(minute_s), int(second_s or 0)
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
