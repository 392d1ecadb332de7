"""Working-day arithmetic over the seeded calendar (2004–2026 published) and provisional years."""
import datetime
import time

import chinese_calendar
import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import ValidationFailed
from hall import workdays
from hall.models import CalendarDay, CalendarYear

from .calendar_helpers import seed_package_calendar_if_flushed

D = datetime.date
pytestmark = pytest.mark.django_db
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DATES = st.dates(min_value=D(2004, 1, 1), max_value=D(2030, 12, 31))
STEPS = st.integers(min_value=-800, max_value=800)


@pytest.fixture(autouse=True)
def _fresh_calendar(db):
    seed_package_calendar_if_flushed()
    yield
    workdays.reset()


def count_day_by_day(start: datetime.date, end: datetime.date) -> int:
    """Reference: working days in (start, end], walking one day at a time."""
    sign, (low, high) = (1, (start, end)) if start <= end else (-1, (end, start))
    days = (high - low).days
    return sign * sum(workdays.is_working_day(low + datetime.timedelta(days=i)) for i in range(1, days + 1))


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (D(2026, 9, 30), 1, D(2026, 10, 8)),   # National Day 1–7 October 2026
        (D(2026, 9, 25), 5, D(2026, 10, 9)),   # from the Mid-autumn holiday, across National Day
        (D(2026, 10, 9), 1, D(2026, 10, 10)),  # Saturday 10 October is an adjusted working day
        (D(2026, 2, 13), 1, D(2026, 2, 14)),   # Saturday 14 February 2026 is worked (调休)
        (D(2026, 2, 13), 2, D(2026, 2, 24)),   # Spring Festival 15–23 February 2026
        (D(2026, 2, 12), 5, D(2026, 2, 26)),
        (D(2026, 12, 30), 3, D(2027, 1, 5)),   # into 2027: 元旦 computed
        (D(2027, 2, 4), 1, D(2027, 2, 9)),     # 2027 Spring Festival computed: 除夕 5 Feb to 初三 8 Feb
        (D(2026, 10, 8), -1, D(2026, 9, 30)),
        (D(2026, 10, 1), 0, D(2026, 10, 1)),
    ],
)
def test_add_working_days_gives_the_expected_due_dates(start, n, due):
    assert workdays.add_working_days(start, n) == due


def test_adjusted_working_saturday_is_a_working_day():
    assert workdays.is_working_day(D(2026, 10, 10)) is True


def test_national_day_in_a_provisional_year_is_not_a_working_day():
    assert workdays.is_working_day(D(2027, 10, 1)) is False
    assert workdays.is_provisional(2027) is True


def test_provisional_year_has_no_adjusted_weekends():
    saturdays = [D(2027, 1, 2) + datetime.timedelta(weeks=w) for w in range(52)]
    assert not any(workdays.is_working_day(day) for day in saturdays)


def test_published_year_is_not_provisional():
    assert workdays.is_provisional(2026) is False


def test_day_info_names_the_holiday_and_flags_provisional_years():
    assert workdays.day_info(D(2026, 10, 10)) == workdays.DayInfo(D(2026, 10, 10), True, "调休上班（国庆节）", False)
    assert workdays.day_info(D(2027, 2, 5)) == workdays.DayInfo(D(2027, 2, 5), False, "春节", True)
    assert workdays.day_info(D(2027, 3, 1)) == workdays.DayInfo(D(2027, 3, 1), True, "", True)


def test_working_days_between_counts_the_half_open_interval_and_is_negative_backwards():
    assert workdays.working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert workdays.working_days_between(D(2026, 10, 8), D(2026, 9, 30)) == -1
    assert workdays.working_days_between(D(2026, 10, 8), D(2026, 10, 8)) == 0


def test_working_days_between_spans_several_years():
    start, end = D(2010, 3, 15), D(2027, 6, 30)
    assert workdays.working_days_between(start, end) == count_day_by_day(start, end)


def test_seeded_calendar_agrees_with_the_package_on_every_day_it_publishes():
    day, last = D(2004, 1, 1), D(2026, 12, 31)
    disagreements = []
    while day <= last:
        if workdays.is_working_day(day) != chinese_calendar.is_workday(day):
            disagreements.append(day)
        day += datetime.timedelta(days=1)
    assert disagreements == []


def test_every_seeded_year_is_published_from_the_package():
    years = dict(CalendarYear.objects.values_list("year", "source"))
    assert years == {year: "package" for year in range(2004, 2027)}


@PROPERTY
@given(start=DATES, n=STEPS)
def test_counting_back_from_the_due_date_gives_the_same_number(start, n):
    if n < 0 and not workdays.is_working_day(start):
        start = workdays.add_working_days(start, 1)
    due = workdays.add_working_days(start, n)
    assert workdays.working_days_between(start, due) == n
    if n:
        assert workdays.is_working_day(due)


@PROPERTY
@given(start=DATES, end=DATES)
def test_working_days_between_equals_a_day_by_day_count(start, end):
    if abs((end - start).days) > 1200:
        end = start + datetime.timedelta(days=(end - start).days % 1200)
    assert workdays.working_days_between(start, end) == count_day_by_day(start, end)


@PROPERTY
@given(start=DATES, n=st.integers(min_value=1, max_value=400))
def test_due_date_is_the_nth_working_day_after_the_start(start, n):
    due = workdays.add_working_days(start, n)
    assert count_day_by_day(start, due) == n
    assert count_day_by_day(start, due - datetime.timedelta(days=1)) == n - 1


def test_calls_cost_no_query_after_warm_up(django_assert_num_queries):
    workdays.is_working_day(D(2026, 1, 5))
    with django_assert_num_queries(0):
        workdays.add_working_days(D(2015, 3, 2), 3000)
        workdays.working_days_between(D(2005, 1, 1), D(2030, 1, 1))
        workdays.is_working_day(D(2028, 10, 1))
        workdays.day_info(D(2026, 10, 10))
        workdays.is_provisional(2027)


def test_large_steps_are_fast_and_match_the_reference():
    start = D(2004, 6, 1)
    workdays.add_working_days(start, 1)
    began = time.perf_counter()
    due = workdays.add_working_days(start, 3650)
    back = workdays.add_working_days(due, -3650)
    elapsed = time.perf_counter() - began
    assert count_day_by_day(start, due) == 3650
    assert back == start
    assert elapsed < 0.05


def test_a_datetime_counts_as_its_local_date():
    aware = datetime.datetime(2026, 9, 30, 17, 0, tzinfo=datetime.UTC)  # 1 October 01:00 in Beijing
    assert workdays.add_working_days(aware, 1) == D(2026, 10, 8)
    assert workdays.is_working_day(aware) is False


@pytest.mark.parametrize(
    "call",
    [
        lambda: workdays.add_working_days(D(2099, 12, 30), 5),
        lambda: workdays.add_working_days(D(1900, 1, 3), -5),
        lambda: workdays.is_working_day(D(2100, 1, 4)),
        lambda: workdays.working_days_between(D(1899, 12, 1), D(1900, 1, 5)),
    ],
)
def test_dates_outside_1900_to_2099_are_refused_in_chinese(call):
    with pytest.raises(ValidationFailed, match="1900–2099"):
        call()


def _publish_2027_elsewhere() -> None:
    """Another process imports 2027 (a working 2027-10-09 and National Day off) and bumps the version."""
    year = CalendarYear.objects.create(year=2027, source=CalendarYear.Source.IMPORT)
    CalendarDay.objects.create(year=year, date=D(2027, 10, 9), is_working=True, name="调休上班")
    cache.set(workdays.VERSION_KEY, "changed-elsewhere", timeout=None)


def test_another_processs_change_is_seen_after_the_check_interval(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(workdays, "_clock", lambda: now[0])
    assert workdays.is_working_day(D(2027, 10, 9)) is False
    _publish_2027_elsewhere()

    now[0] += workdays.CHECK_SECONDS / 2
    assert workdays.is_working_day(D(2027, 10, 9)) is False

    now[0] += workdays.CHECK_SECONDS
    assert workdays.is_working_day(D(2027, 10, 9)) is True
    assert workdays.is_provisional(2027) is False


def test_without_a_version_change_the_calendar_is_not_reloaded(monkeypatch, django_assert_num_queries):
    now = [1000.0]
    monkeypatch.setattr(workdays, "_clock", lambda: now[0])
    workdays.is_working_day(D(2026, 1, 5))
    now[0] += workdays.CHECK_SECONDS * 10
    with django_assert_num_queries(0):
        workdays.is_working_day(D(2026, 1, 6))


def test_calendar_changed_reloads_this_process_at_once(monkeypatch):
    monkeypatch.setattr(workdays, "_clock", lambda: 1000.0)
    assert workdays.is_provisional(2027) is True
    CalendarYear.objects.create(year=2027, source=CalendarYear.Source.IMPORT)
    workdays.calendar_changed()
    assert workdays.is_provisional(2027) is False
