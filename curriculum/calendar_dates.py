"""Calendar pieces several pages share: the weekday codes groups meet on, the Monday a week
starts on (and the weeks of a range), and dates asked for in a query string or form, parsed
and checked the same way."""

import datetime
from collections.abc import Mapping

from flask import abort

# A group's meeting days are stored as these codes ("mon,wed,thu"), Monday first.
WEEKDAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
                 "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}
WEEKDAYS = tuple(WEEKDAY_NAMES)
EXAMPLE = "for example 2026-03-02"


def monday(day: datetime.date) -> datetime.date:
    """The Monday of the week ``day`` falls in (weeks run Monday to Sunday)."""
    return day - datetime.timedelta(days=day.weekday())


def mondays(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The Monday of each week from ``first``'s to ``last``'s, in order."""
    start = monday(first)
    return [start + datetime.timedelta(weeks=n) for n in range((last - start).days // 7 + 1)]


def requested_date(values: Mapping[str, str], name: str) -> datetime.date | None:
    """The date given as ``name``, or None when it is blank.

    :raise 400: when it is not a date.
    """
    value = values.get(name, "")
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        abort(400, description=f"Give {name} as a date, {EXAMPLE}.")


def requested_range(values: Mapping[str, str], max_days: int | None = None,
                    default: tuple[datetime.date, datetime.date] | None = None,
                    ) -> tuple[datetime.date, datetime.date]:
    """``start`` and ``end`` as given (blank ones from ``default``): the end not before the
    start, and at most ``max_days`` after it.

    :raise 400: saying what to give, when either is missing or not a date, or the range is not
        allowed.
    """
    start, end = requested_date(values, "start"), requested_date(values, "end")
    if default is not None:
        start, end = start or default[0], end or default[1]
    if start is None or end is None:
        abort(400, description=f"Give start and end as dates, {EXAMPLE}.")
    if end < start:
        abort(400, description="Choose an end on or after the start.")
    if max_days is not None and (end - start).days > max_days:
        abort(400, description=f"Choose a range of at most {max_days} days.")
    return start, end
