"""Dates as Vietnamese readers expect them on the archive's pages: "Thứ Ba, 25/08/2020 08:35".

The archive stores ISO 8601 with the portal's offset (+07:00). Pages show the weekday, day
first, and the time in Vietnam; a stored time of exactly 00:00:00 is the date alone (portals
that show no time are stored at midnight), so no false "00:00" is printed.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def vn_date(value: str | None, *, weekday: bool = True) -> str:
    """``2020-08-25T08:35:00+07:00`` as ``Thứ Ba, 25/08/2020 08:35``; text it cannot read, as is."""
    if not value:
        return ""
    try:
        if len(value) == 10:
            day, clock = date.fromisoformat(value), None
        else:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                moment = moment.astimezone(VIETNAM)
            day, clock = moment.date(), (None if moment.time() == datetime.min.time() else moment.strftime("%H:%M"))
    except ValueError:
        return value
    text = day.strftime("%d/%m/%Y") + (f" {clock}" if clock else "")
    return f"{WEEKDAYS[day.weekday()]}, {text}" if weekday else text
