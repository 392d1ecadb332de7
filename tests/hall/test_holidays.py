"""Statutory holidays computed from the rules (hall.holidays), checked against the published years that
the chinese_calendar package carries. Pure: no database."""
import datetime

import chinese_calendar
import pytest
from chinese_calendar.constants import Holiday
from hypothesis import given
from hypothesis import strategies as st
from lunardate import LunarDate

from hall import holidays

D = datetime.date
ALL_YEARS = st.integers(min_value=holidays.FIRST_YEAR, max_value=holidays.LAST_YEAR)
# 2015–2026: years whose published schedules hold every lunar festival as a public holiday.
PUBLISHED_YEARS = st.integers(min_value=2015, max_value=2026)


def published_holiday_name(day: datetime.date) -> str | None:
    on_holiday, holiday = chinese_calendar.get_holiday_detail(day)
    return Holiday(holiday).chinese if on_holiday and holiday is not None else None


def package_qingming(year: int) -> datetime.date:
    terms = chinese_calendar.get_solar_terms(D(year, 4, 1), D(year, 4, 30))
    return next(day for day, name in terms if name == "清明")


@given(ALL_YEARS)
def test_qingming_agrees_with_the_package_solar_terms_for_every_supported_year(year):
    assert holidays.qingming(year) == package_qingming(year)


@pytest.mark.parametrize(
    ("year", "expected"),
    [(1900, D(1900, 4, 5)), (2000, D(2000, 4, 4)), (2008, D(2008, 4, 4)), (2025, D(2025, 4, 4)),
     (2026, D(2026, 4, 5)), (2027, D(2027, 4, 5))],
)
def test_qingming_matches_known_dates(year, expected):
    assert holidays.qingming(year) == expected


@given(st.integers(min_value=2008, max_value=2026))
def test_qingming_is_a_published_qingming_holiday_since_2008(year):
    # 清明 has been a public holiday since the 2007 revision of the rules (in force 2008).
    assert published_holiday_name(holidays.qingming(year)) == "清明"


@given(PUBLISHED_YEARS)
def test_spring_festival_first_three_days_fall_inside_the_published_spring_festival(year):
    first = holidays.spring_festival(year)
    for offset in range(3):
        assert published_holiday_name(first + datetime.timedelta(days=offset)) == "春节"


@given(PUBLISHED_YEARS)
def test_dragon_boat_festival_falls_inside_the_published_holiday(year):
    assert published_holiday_name(holidays.lunar_to_solar(year, 5, 5)) == "端午"


@given(PUBLISHED_YEARS)
def test_mid_autumn_falls_on_a_published_holiday(year):
    # When 中秋 falls in the National Day week the package may name the day 国庆节; either way it is off.
    assert published_holiday_name(holidays.lunar_to_solar(year, 8, 15)) in {"中秋", "国庆节"}


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_day_is_a_published_holiday_under_the_amended_rules(year):
    # The 2024 amendment (in force 2025) is what the 2025 and 2026 notices apply.
    not_off = [day for day in holidays.statutory_holidays(year) if not chinese_calendar.is_holiday(day)]
    assert not_off == []


@pytest.mark.parametrize("year", [2025, 2026])
def test_new_years_eve_is_a_published_holiday_under_the_amended_rules(year):
    assert published_holiday_name(holidays.new_years_eve(year)) == "春节"


@given(st.integers(min_value=1901, max_value=holidays.LAST_YEAR))
def test_new_years_eve_is_the_last_day_of_the_twelfth_lunar_month(year):
    # lunardate cannot convert solar dates before its first lunar new year (1900-01-31) back.
    eve = holidays.new_years_eve(year)
    lunar = LunarDate.from_solar_date(eve.year, eve.month, eve.day)
    assert (lunar.month, lunar.is_leap_month) == (12, False)
    assert lunar.day in (29, 30)
    assert eve.year == year


@given(ALL_YEARS)
def test_statutory_holidays_are_thirteen_days_inside_the_year_unless_two_festivals_share_a_day(year):
    days = holidays.statutory_holidays(year)
    assert all(day.year == year for day in days)
    shared = [name for name in days.values() if "、" in name]
    assert len(days) + len(shared) == 13


def test_statutory_holidays_for_2027_follow_the_rules():
    assert holidays.statutory_holidays(2027) == {
        D(2027, 1, 1): "元旦",
        D(2027, 2, 5): "春节",
        D(2027, 2, 6): "春节",
        D(2027, 2, 7): "春节",
        D(2027, 2, 8): "春节",
        D(2027, 4, 5): "清明节",
        D(2027, 5, 1): "劳动节",
        D(2027, 5, 2): "劳动节",
        D(2027, 6, 9): "端午节",
        D(2027, 9, 15): "中秋节",
        D(2027, 10, 1): "国庆节",
        D(2027, 10, 2): "国庆节",
        D(2027, 10, 3): "国庆节",
    }


def test_mid_autumn_on_national_day_is_one_day_with_both_names_and_no_substitute():
    days = holidays.statutory_holidays(2020)
    assert days[D(2020, 10, 1)] == "中秋节、国庆节"
    assert len(days) == 12


@pytest.mark.parametrize("year", [1899, 2100])
def test_years_outside_the_supported_range_are_refused(year):
    with pytest.raises(ValueError, match="outside"):
        holidays.statutory_holidays(year)
