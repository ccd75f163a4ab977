"""Dates and times in the counselor's words ("Tue 3 Mar 2026", "6:00 pm"), in the program's
time zone."""

import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app


def clock(value: datetime.time) -> str:
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"


def day(value: datetime.date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def when(value: datetime.datetime) -> str:
    local = value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return f"{day(local.date())}, {clock(local.time())}"


def init_app(app: Flask) -> None:
    app.add_template_filter(clock)
    app.add_template_filter(day)
    app.add_template_filter(when)
