"""How a week of hours is judged, the one definition the hours report and the participant page
share."""

import datetime

import pytest

from curriculum.weekly_hours import week_marks

pytestmark = pytest.mark.engine_independent
D = datetime.date
WEEKS = [D(2026, 3, 2), D(2026, 3, 9), D(2026, 3, 16), D(2026, 3, 23)]  # Mondays
TODAY = D(2026, 3, 25)  # a Wednesday: the last week is not over


def test_a_week_is_out_partial_below_or_met() -> None:
    # Admitted on the Wednesday of the first week, discharged on the Friday of the third.
    spans = [(D(2026, 3, 4), D(2026, 3, 20))]
    assert week_marks(spans, WEEKS, [300, 500, 600, 0], 540, TODAY) == [
        "partial", "below", "partial", "out"]
    assert week_marks([(D(2026, 3, 2), None)], WEEKS, [540, 600, 100, 600], 540, TODAY) == [
        "", "", "below", "partial"]


def test_spans_back_to_back_or_overlapping_make_whole_weeks() -> None:
    # Discharged on a Wednesday and re-admitted the Thursday; then an overlapping re-admission.
    spans = [(D(2026, 3, 2), D(2026, 3, 11)), (D(2026, 3, 12), D(2026, 3, 17)),
             (D(2026, 3, 16), None)]
    assert week_marks(spans, WEEKS, [0, 0, 600, 0], 540, TODAY) == [
        "below", "below", "", "partial"]


def test_no_weeks_no_marks() -> None:
    assert week_marks([(D(2026, 4, 6), None)], [], [], 540, TODAY) == []
