"""Hours attended per week against a group's weekly minimum: how a week is judged, and how
hours are written. The hours report and the participant page share them."""

import datetime

from curriculum.localtime import today
from models import Enrollment, LogState

# Hours count from signed and co-signed logs only: a payer counts signed documentation.
COUNTED_STATES = (LogState.SIGNED, LogState.COSIGNED)


def week_mark(spans: list[Enrollment], week: datetime.date, minutes: int, minimum: int) -> str:
    """"below" (a full enrolled week under the minimum), "partial" (joined or left that week,
    or the week is not over), "out" (not enrolled), or "" (met the minimum)."""
    sunday = week + datetime.timedelta(days=6)
    enrolled_days = sum(1 for n in range(7) if any(
        e.is_enrolled_on(week + datetime.timedelta(days=n)) for e in spans))
    if enrolled_days == 0:
        return "out"
    if enrolled_days < 7 or sunday > today():
        return "partial"
    return "below" if minutes < minimum else ""


def hours_label(minutes: int) -> str:
    """Minutes as hours to one decimal, without trailing zeros: 510 → "8.5", 540 → "9"."""
    return f"{minutes / 60:.1f}".rstrip("0").rstrip(".") if minutes else "0"
