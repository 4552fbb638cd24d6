"""Every date form seen on portals, one row each: text → ISO 8601 (+07:00), or None."""

from datetime import datetime

import pytest

from crawler.extract.dates import PORTAL_TZ, parse_vn_datetime, read_dates

NOW = datetime(2026, 11, 25, tzinfo=PORTAL_TZ)

CASES = [
    # Liferay (Hà Nội): 12-hour clock, hour not zero-padded on article pages.
    ("Ngày đăng 13/05/2016 | 4:59 PM | View count: 1648", "2016-05-13T16:59:00+07:00", False),
    ("13/05/2016 | 4:59 PM", "2016-05-13T16:59:00+07:00", False),
    ("Ngày đăng 11/07/2022 | 07:48 PM", "2022-07-11T19:48:00+07:00", False),
    ("15/01/2010 | 12:00 AM", "2010-01-15T00:00:00+07:00", False),
    ("Ngày đăng 02/07/2022 | 12:10 PM", "2022-07-02T12:10:00+07:00", False),
    ("15/03/2016 | 1:40 AM", "2016-03-15T01:40:00+07:00", False),
    # SharePoint, VCCorp and other portals.
    ("Thứ Tư, 15/01/2020 08:22", "2020-01-15T08:22:00+07:00", False),
    ("15:28, 28/08/2024", "2024-08-28T15:28:00+07:00", False),
    ("28/08/2024 - 15:28", "2024-08-28T15:28:00+07:00", False),
    ("Cập nhật lúc 07:30 ngày 02/04/2023", "2023-04-02T07:30:00+07:00", False),
    ("ngày 21 tháng 9 năm 2020", "2020-09-21T00:00:00+07:00", True),
    ("21/09/2020", "2020-09-21T00:00:00+07:00", True),
    ("2024-08-28T15:28:00+07:00", "2024-08-28T15:28:00+07:00", False),
    ("2024-08-28T08:28:00Z", "2024-08-28T15:28:00+07:00", False),
    ("2024-08-28", "2024-08-28T00:00:00+07:00", True),
    # Forms of portals with no profile (VNPT, Viettel, WordPress, Joomla, DotNetNuke, ASP.NET).
    ("24/05/2021 14:47:00", "2021-05-24T14:47:00+07:00", False),
    ("Thứ Hai, 24/05/2021", "2021-05-24T00:00:00+07:00", True),
    ("Thứ 2, 24/5/2021 - 9:05 SA", "2021-05-24T09:05:00+07:00", False),
    ("24.05.2021 08:35 AM", "2021-05-24T08:35:00+07:00", False),
    ("(24-05-2021)", "2021-05-24T00:00:00+07:00", True),
    ("24 / 05 / 2021", "2021-05-24T00:00:00+07:00", True),
    ("24 05 2021", "2021-05-24T00:00:00+07:00", True),
    ("24/05/2021 14h30", "2021-05-24T14:30:00+07:00", False),
    ("14 giờ 30 phút, ngày 24/05/2021", "2021-05-24T14:30:00+07:00", False),
    ("24/05/2021 14h", "2021-05-24T14:00:00+07:00", False),
    ("24 Tháng 5, 2021", "2021-05-24T00:00:00+07:00", True),
    ("24 Tháng Năm, 2021", "2021-05-24T00:00:00+07:00", True),
    ("Tháng Mười Hai 4, 2025", "2025-12-04T00:00:00+07:00", True),
    ("Ngày cập nhật: 24/05/2021 | 02:47 PM", "2021-05-24T14:47:00+07:00", False),
    ("2021/05/24 14:47", "2021-05-24T14:47:00+07:00", False),
]

INVALID = [
    "",
    "   ",
    "View count: 1648",
    "31/02/2020",  # impossible day
    "13/13/2020",  # impossible month
    "13/05/2016 | 14:59 PM",  # 14 o'clock PM does not exist
    "13/05/2016 | 25:10",
    "01/02/2020 và 03/02/2020",  # two dates: ambiguous, never picked
    "13/05/1890",  # before any portal existed
    "13/05/2099",  # in the future
    "năm học 2020 – 2021",  # years, not a date
    "24/05/2021 14h30 và 15h00",  # two times: ambiguous
]


@pytest.mark.parametrize("text,expected,date_only", CASES)
def test_parses_portal_date_forms(text, expected, date_only):
    parsed = parse_vn_datetime(text, now=NOW)
    assert parsed is not None, text
    assert (parsed.isoformat(), parsed.date_only) == (expected, date_only)


@pytest.mark.parametrize("text", INVALID)
def test_refuses_to_guess(text):
    assert parse_vn_datetime(text, now=NOW) is None


# A date line can name what each date is; published and updated are never mixed up.
ROLES = [
    # text, published, updated
    ("Cập nhật lúc 07:30 ngày 02/04/2023", None, "2023-04-02T07:30:00+07:00"),
    ("Ngày đăng 02/04/2023 08:00 | Cập nhật 03/04/2023 09:15", "2023-04-02T08:00:00+07:00", "2023-04-03T09:15:00+07:00"),
    ("Đăng lúc 08:00 02/04/2023, sửa lúc 09:00 03/04/2023", "2023-04-02T08:00:00+07:00", "2023-04-03T09:00:00+07:00"),
    ("02/04/2023 08:00 (cập nhật 03/04/2023 09:15)", "2023-04-02T08:00:00+07:00", "2023-04-03T09:15:00+07:00"),
    ("Ngày đăng 13/05/2016 | 4:59 PM | View count: 1648", "2016-05-13T16:59:00+07:00", None),
    ("Thứ Tư, 15/01/2020 08:22", "2020-01-15T08:22:00+07:00", None),
    ("Ngày đăng 31/02/2020 | Cập nhật 03/03/2020", None, "2020-03-03T00:00:00+07:00"),  # the impossible one stays NULL
]


@pytest.mark.parametrize("text,published,updated", ROLES)
def test_published_and_updated_are_kept_apart(text, published, updated):
    found = read_dates(text, now=NOW)
    assert (found.published and found.published.isoformat(), found.updated and found.updated.isoformat()) == (published, updated)


def test_an_unlabelled_date_takes_the_role_of_its_element():
    found = read_dates("03/04/2023 09:15", default="updated", now=NOW)
    assert (found.published, found.updated.isoformat()) == (None, "2023-04-03T09:15:00+07:00")


@pytest.mark.parametrize("text,expected", [
    ("Thứ Tư, 15/01/2020 08:22", "2020-01-15T08:22:00+07:00"),
    ("Thứ 4, 15/01/2020", "2020-01-15T00:00:00+07:00"),
    ("Chủ nhật, 19/01/2020 07:00", "2020-01-19T07:00:00+07:00"),
    ("Thứ Hai, 15/01/2020 08:22", None),  # 15/01/2020 was a Wednesday: the page contradicts itself
    ("Chủ nhật, 18/01/2020", None),
])
def test_weekday_must_agree_with_the_date(text, expected):
    parsed = parse_vn_datetime(text, now=NOW)
    assert (parsed.isoformat() if parsed else None) == expected


def test_date_only_values_are_flagged():
    assert parse_vn_datetime("ngày 21 tháng 9 năm 2020", now=NOW).date_only is True
    assert parse_vn_datetime("2024-08-28", now=NOW).date_only is True
    assert parse_vn_datetime("15:28, 28/08/2024", now=NOW).date_only is False
