"""Dates known only to the day, the month or the year.

A date of month or year precision is stored as the first day of its period, with the
precision beside it; nothing here ever invents a day. The codebook's "Time" section decides
how such a date counts: a start counts from the first day *after* its period (certainly in
force by then), an end from the first day *of* its period.
"""

import datetime as dt
import re

from django.db import models


class Precision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


PARTIAL_DATE = re.compile(r"^(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2}))?)?$")


def parse_partial_date(text: str) -> tuple[dt.date, Precision]:
    """'2019' → (2019-01-01, year); '2019-05' → (2019-05-01, month); '2019-05-28' → day."""
    match = PARTIAL_DATE.match(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match["year"], match["month"], match["day"]
    try:
        if day:
            return dt.date(int(year), int(month), int(day)), Precision.DAY
        if month:
            return dt.date(int(year), int(month), 1), Precision.MONTH
        return dt.date(int(year), 1, 1), Precision.YEAR
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date: {exc}") from None


def period_end(start: dt.date, precision: str) -> dt.date:
    """The first day after the period that `start` (of `precision`) stands for."""
    if precision == Precision.YEAR:
        return dt.date(start.year + 1, 1, 1)
    if precision == Precision.MONTH:
        return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + dt.timedelta(days=1)


def certain_start(start: dt.date, precision: str) -> dt.date:
    """The first day on which something that began in this period is certainly under way."""
    return start if precision == Precision.DAY else period_end(start, precision)


def format_partial_date(value: dt.date | None, precision: str) -> str:
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def precision_check(field: str) -> models.Q:
    """A month-precision date must fall on the 1st; a year-precision one on 1 January."""
    precision = field.removesuffix("_on") + "_precision"
    return (
        models.Q(**{f"{field}__isnull": True})
        | models.Q(**{precision: Precision.DAY})
        | models.Q(**{precision: Precision.MONTH, f"{field}__day": 1})
        | models.Q(**{precision: Precision.YEAR, f"{field}__day": 1, f"{field}__month": 1})
    )
