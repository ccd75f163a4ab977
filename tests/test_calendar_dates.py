"""Dates asked for in query strings and forms: one parser, one set of answers."""

import datetime

import pytest
from flask import Flask
from werkzeug.exceptions import BadRequest

from curriculum.calendar_dates import monday, mondays, requested_range

pytestmark = pytest.mark.engine_independent  # (an app only for its request context)
D = datetime.date


def test_monday_starts_the_week() -> None:
    assert [monday(D(2026, 3, n)) for n in (2, 4, 8)] == [D(2026, 3, 2)] * 3


def test_mondays_from_the_first_week_to_the_last() -> None:
    assert mondays(D(2026, 3, 4), D(2026, 3, 16)) == [D(2026, 3, 2), D(2026, 3, 9),
                                                       D(2026, 3, 16)]
    assert mondays(D(2026, 3, 4), D(2026, 3, 1)) == []


def test_a_range_as_given_or_from_its_default(app: Flask) -> None:
    with app.test_request_context():
        assert requested_range({"start": "2026-03-02", "end": "2026-03-02"}) == (
            D(2026, 3, 2), D(2026, 3, 2))
        assert requested_range({"end": "2026-03-09"}, default=(D(2026, 1, 5), D(2026, 3, 1))) \
            == (D(2026, 1, 5), D(2026, 3, 9))


@pytest.mark.parametrize(("values", "message"), [
    ({"start": "2026-03-02"}, "Give start and end as dates"),
    ({"start": "soon", "end": "2026-03-02"}, "Give start as a date"),
    ({"start": "2026-03-02", "end": "2026-02-30"}, "Give end as a date"),
    ({"start": "2026-03-09", "end": "2026-03-02"}, "an end on or after the start"),
    ({"start": "2026-01-01", "end": "2026-03-02"}, "at most 30 days"),
])
def test_a_bad_range_is_a_400_that_says_what_to_give(
    app: Flask, values: dict[str, str], message: str
) -> None:
    with app.test_request_context(), pytest.raises(BadRequest) as refused:
        requested_range(values, max_days=30)
    assert message in str(refused.value.description)
