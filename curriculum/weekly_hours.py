"""Hours attended per week against a group's weekly minimum: how a week is judged, and how
hours are written. The hours report and the participant page share them."""

import datetime

from models import LogState

# Hours count from signed and co-signed logs only: a payer counts signed documentation.
COUNTED_STATES = (LogState.SIGNED, LogState.COSIGNED)


Span = tuple[datetime.date, datetime.date | None]  # admitted, discharged (None: still enrolled)


def week_marks(spans: list[Span], weeks: list[datetime.date], minutes: list[int], minimum: int,
               today: datetime.date) -> list[str]:
    """Each week's mark (``weeks`` are consecutive Mondays, ``minutes`` attended in each):
    "out" with no day enrolled, "partial" with some, or with all seven while the week is not
    over; otherwise "below" under the minimum, or "" (met it)."""
    if not weeks:
        return []
    if len(spans) > 1:
        spans = _merged(spans)
    days = len(weeks) * 7
    covered = [0] * len(weeks)  # 0: no day enrolled, 1: some, 2: all seven
    for start, end in spans:  # as days from the first Monday
        first = max((start - weeks[0]).days, 0)
        last = days - 1 if end is None else min((end - weeks[0]).days, days - 1)
        if first > last:
            continue
        touched = slice(first // 7, last // 7 + 1)
        covered[touched] = [kind or 1 for kind in covered[touched]]
        whole = slice(-(-first // 7), (last + 1) // 7)  # the weeks wholly inside
        covered[whole] = [2] * len(covered[whole])
    last_over = today - datetime.timedelta(days=6)  # a week from this day or earlier is over
    return ["out" if kind == 0 else "partial" if kind == 1 or week > last_over
            else "below" if attended < minimum else ""
            for kind, week, attended in zip(covered, weeks, minutes, strict=True)]


def _merged(spans: list[Span]) -> list[Span]:
    """The same days as ``spans`` in as few spans as possible: a day enrolled twice (a
    re-admission can overlap) or two spans back to back are one stretch."""
    merged: list[Span] = []
    for start, end in sorted(spans, key=lambda span: span[0]):
        if merged and (merged[-1][1] is None
                       or start <= merged[-1][1] + datetime.timedelta(days=1)):
            last_end = merged[-1][1]
            merged[-1] = (merged[-1][0], None if end is None or last_end is None
                          else max(end, last_end))
        else:
            merged.append((start, end))
    return merged


def hours_label(minutes: int) -> str:
    """Minutes as hours to one decimal, without trailing zeros: 510 → "8.5", 540 → "9"."""
    return f"{minutes / 60:.1f}".rstrip("0").rstrip(".") if minutes else "0"
