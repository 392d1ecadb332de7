"""Working-day deadlines across the 2026 holidays and into provisional 2027."""
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from approvals.deadlines import (
    ClockStop,
    Level,
    due_date,
    is_early_completion,
    online_answer_deadline,
    remaining_working_days,
    stage_due_dates,
    stopped_working_days,
    warning_level,
)
from hall import workdays

pytestmark = pytest.mark.django_db

D = dt.date


def test_a_limit_across_national_day_2026_skips_the_holiday():
    # Accepted Fri 25 Sep: 28, 29, 30 Sep, then 8, 9 Oct (1–7 Oct holiday; Sat 10 Oct is a working day).
    assert due_date(accepted_on=D(2026, 9, 25), limit_days=5) == D(2026, 10, 9)
    assert due_date(accepted_on=D(2026, 9, 25), limit_days=6) == D(2026, 10, 10)


def test_a_limit_across_the_spring_festival_2026_skips_the_holiday():
    accepted = D(2026, 2, 13)  # Friday before the Spring Festival holiday
    due = due_date(accepted_on=accepted, limit_days=3)

    assert workdays.working_days_between(accepted, due) == 3
    holiday = [accepted + dt.timedelta(days=i) for i in range(1, (due - accepted).days)]
    assert sum(1 for day in holiday if workdays.is_working_day(day)) == 2
    assert due > D(2026, 2, 23)


def test_a_limit_running_into_2027_uses_the_provisional_calendar():
    due = due_date(accepted_on=D(2026, 12, 28), limit_days=5)

    # 29, 30, 31 Dec, (1 Jan 2027 New Year, provisional), 4, 5 Jan.
    assert due == D(2027, 1, 5)
    assert workdays.is_provisional(2027)


def test_an_instant_matter_is_due_the_day_it_is_accepted():
    assert due_date(accepted_on=D(2026, 12, 2), limit_days=0) == D(2026, 12, 2)


def test_a_correction_pause_spanning_national_day_extends_by_its_working_days_only():
    stops = [ClockStop(start=D(2026, 9, 29), end=D(2026, 10, 9))]

    stopped = stopped_working_days(stops, today=D(2026, 10, 20))

    assert stopped == 3  # 30 Sep, 8 Oct, 9 Oct
    assert due_date(accepted_on=D(2026, 9, 25), limit_days=5, stopped_days=stopped) == D(2026, 10, 13)


def test_an_open_clock_stop_counts_until_today_and_overlaps_merge():
    stops = [ClockStop(D(2026, 11, 2), D(2026, 11, 4)), ClockStop(D(2026, 11, 3), None)]

    assert stopped_working_days(stops, today=D(2026, 11, 6)) == 4  # 3, 4, 5, 6 Nov


def test_a_stop_that_starts_and_ends_the_same_day_costs_nothing():
    assert stopped_working_days([ClockStop(D(2026, 11, 2), D(2026, 11, 2))], today=D(2026, 11, 9)) == 0


def test_an_extension_adds_its_working_days():
    assert due_date(accepted_on=D(2026, 11, 2), limit_days=20, extension_days=10) == workdays.add_working_days(
        D(2026, 11, 2), 30
    )


def test_online_submissions_must_be_answered_within_5_working_days():
    # 8, 9, 10 (Saturday, 调休上班), 12, 13 Oct
    assert online_answer_deadline(submitted_on=D(2026, 9, 30)) == D(2026, 10, 13)


def test_stage_due_dates_split_the_promised_limit_by_share():
    dates = stage_due_dates(accepted_on=D(2026, 11, 2), promised_days=10, shares=[20, 40, 30, 10])

    assert dates == [workdays.add_working_days(D(2026, 11, 2), n) for n in (2, 6, 9, 10)]
    with pytest.raises(ValueError):
        stage_due_dates(accepted_on=D(2026, 11, 2), promised_days=10, shares=[50, 40])


@pytest.mark.parametrize(
    "today,level",
    [
        (D(2026, 11, 2), Level.GREEN),
        (D(2026, 11, 11), Level.GREEN),  # 3 working days left of 10: not under 30 %
        (D(2026, 11, 12), Level.YELLOW),  # 2 left: under 30 %
        (D(2026, 11, 16), Level.RED),  # the due day
        (D(2026, 11, 20), Level.RED),  # overdue
    ],
)
def test_warning_levels(today, level):
    due = due_date(accepted_on=D(2026, 11, 2), limit_days=10)

    assert warning_level(today=today, due=due, limit_days=10, yellow_share=0.3) == level


def test_remaining_days_are_negative_once_overdue():
    assert remaining_working_days(today=D(2026, 11, 18), due=D(2026, 11, 16)) == -2


def test_early_completion_is_strictly_before_the_promised_due_date():
    assert is_early_completion(completed_on=D(2026, 11, 13), promised_due=D(2026, 11, 16))
    assert not is_early_completion(completed_on=D(2026, 11, 16), promised_due=D(2026, 11, 16))


@given(
    accepted=st.dates(min_value=D(2015, 1, 1), max_value=D(2027, 6, 30)),
    limit=st.integers(min_value=0, max_value=60),
    stopped=st.integers(min_value=0, max_value=20),
)
def test_due_date_is_exactly_limit_plus_stopped_working_days_after_acceptance(accepted, limit, stopped):
    due = due_date(accepted_on=accepted, limit_days=limit, stopped_days=stopped)

    assert remaining_working_days(today=accepted, due=due) == limit + stopped
    assert due >= accepted
