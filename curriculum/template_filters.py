"""Template filters: dates and times in the counselor's words ("Tue 3 Mar 2026", "6:00 pm"),
in the program's time zone, a topic's title for the slug a log recorded, a note's check-in in
words, and the tables of a topic's rendered Markdown in scrolling regions."""

import datetime
import re
from collections import Counter
from html import unescape
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from markupsafe import Markup

from curriculum.check_ins import describe
from curriculum.served_library import current_library


def clock(value: datetime.time) -> str:
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"


def day(value: datetime.date | str) -> str:
    """A date as people read it; also one kept as ISO text (a discharge summary's record)."""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return f"{value:%a} {value.day} {value:%b %Y}"


def when(value: datetime.datetime) -> str:
    local = value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return f"{day(local.date())}, {clock(local.time())}"


def topic_title(slug: str) -> str:
    """The topic's title, or the slug itself for a topic no longer in the library."""
    topic = current_library().get(slug)
    return topic.title if topic else slug


# In HTML that render.markdown_to_html made: nh3 writes every tag bare, and tables never nest.
_HEADING_OR_TABLE = re.compile(r"<(h[2-4])>(.*?)</\1>|<table>.*?</table>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def scrolling_tables(html: Markup, fallback: str) -> Markup:
    """Topic HTML with each table inside a region that scrolls sideways on a narrow screen
    (as the ``scrolling_table`` macro does for the app's own tables), named by the heading
    above the table, or ``fallback`` before any heading."""
    heading, seen = fallback, Counter[str]()

    def wrap(match: re.Match[str]) -> str:
        nonlocal heading
        if match.group(1):
            heading = " ".join(unescape(_TAG.sub("", match.group(2))).split()) or fallback
            return match.group(0)
        seen[heading] += 1
        name = heading if seen[heading] == 1 else f"{heading} ({seen[heading]})"
        opening = Markup('<div class="table-scroll" role="region" tabindex="0" '
                         'aria-label="{}">').format(name)
        return f"{opening}{match.group(0)}</div>"

    # Only inserts our own markup (the name escaped) into HTML that nh3 has sanitized: the
    # reason ruff's S704 and bandit's B704 are silenced here.
    return Markup(_HEADING_OR_TABLE.sub(wrap, html))  # noqa: S704  # nosec B704


def init_app(app: Flask) -> None:
    app.add_template_filter(clock)
    app.add_template_filter(day)
    app.add_template_filter(when)
    app.add_template_filter(topic_title)
    app.add_template_filter(scrolling_tables)
    app.add_template_filter(describe, "check_in")
