"""Template filters: dates and times in the counselor's words ("Tue 3 Mar 2026", "6:00 pm"),
in the program's time zone, and a topic's title for the slug a log recorded."""

import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from curriculum.served_library import current_library


def clock(value: datetime.time) -> str:
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"


def day(value: datetime.date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def when(value: datetime.datetime) -> str:
    local = value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return f"{day(local.date())}, {clock(local.time())}"


def topic_title(slug: str) -> str:
    """The topic's title, or the slug itself for a topic no longer in the library."""
    topic = current_library().get(slug)
    return topic.title if topic else slug


def init_app(app: Flask) -> None:
    app.add_template_filter(clock)
    app.add_template_filter(day)
    app.add_template_filter(when)
    app.add_template_filter(topic_title)
