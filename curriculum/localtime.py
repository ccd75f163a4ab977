"""The program's own clock: what "now" and "today" mean to its counselors."""

import datetime
from zoneinfo import ZoneInfo

from flask import current_app


def now_local() -> datetime.datetime:
    return datetime.datetime.now(ZoneInfo(current_app.config["TIMEZONE"]))


def today() -> datetime.date:
    """Today in the program's time zone (a 6 pm group is not logged as tomorrow's)."""
    return now_local().date()
