"""Statutory public holidays computed from the rules, for years whose schedule is not published yet.

全国年节及纪念日放假办法 (国务院令第798号修订, in force 1 January 2025), Art. 2: 元旦 1 day (1 January);
春节 4 days (农历除夕 and 正月初一至初三); 清明节 1 day (the Qingming solar term); 劳动节 2 days (1–2 May);
端午节 1 day (农历五月初五); 中秋节 1 day (农历八月十五); 国庆节 3 days (1–3 October).
The State Council's yearly notice adds the adjusted weekends (调休); a computed year has none, and no
substitute days. Pure functions: no database, no clock.
"""
import datetime

from lunardate import LunarDate

FIRST_YEAR = 1900
LAST_YEAR = 2099

NEW_YEAR = "元旦"
SPRING_FESTIVAL = "春节"
QINGMING = "清明节"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL_DAY = "国庆节"

# 寿星通式 for the Qingming term: day = [Y·D + C] − [Y/4], Y the last two digits of the year.
# The century constant C differs for the 20th and 21st centuries; no year of 1900–2099 needs a correction.
_QINGMING_D = 0.2422
_QINGMING_C = {19: 5.59, 20: 4.81}


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year {year} outside {FIRST_YEAR}–{LAST_YEAR}")


def qingming(year: int) -> datetime.date:
    """The date of the Qingming solar term (清明) in Beijing time."""
    _check_year(year)
    y = year % 100
    day = int(y * _QINGMING_D + _QINGMING_C[year // 100]) - y // 4
    return datetime.date(year, 4, day)


def lunar_to_solar(year: int, month: int, day: int) -> datetime.date:
    """A (non-leap) lunar month and day of the lunar year that begins in Gregorian `year`."""
    _check_year(year)
    return LunarDate(year, month, day).to_solar_date()


def spring_festival(year: int) -> datetime.date:
    """正月初一 of the lunar year beginning in `year`."""
    return lunar_to_solar(year, 1, 1)


def new_years_eve(year: int) -> datetime.date:
    """农历除夕: the last day of the twelfth lunar month, whether it has 29 or 30 days."""
    return spring_festival(year) - datetime.timedelta(days=1)


def statutory_holidays(year: int) -> dict[datetime.date, str]:
    """Every statutory holiday day of `year`, by date, with its Chinese name.

    When two festivals fall on one day (中秋 on 1 October, as in 2020) the day carries both names and
    is counted once: the rules grant no substitute day."""
    _check_year(year)
    days: dict[datetime.date, str] = {}

    def add(day: datetime.date, name: str) -> None:
        days[day] = f"{days[day]}、{name}" if day in days else name

    add(datetime.date(year, 1, 1), NEW_YEAR)
    eve = new_years_eve(year)
    for offset in range(4):
        add(eve + datetime.timedelta(days=offset), SPRING_FESTIVAL)
    add(qingming(year), QINGMING)
    add(datetime.date(year, 5, 1), LABOUR_DAY)
    add(datetime.date(year, 5, 2), LABOUR_DAY)
    add(lunar_to_solar(year, 5, 5), DRAGON_BOAT)
    add(lunar_to_solar(year, 8, 15), MID_AUTUMN)
    for day in (1, 2, 3):
        add(datetime.date(year, 10, day), NATIONAL_DAY)
    return dict(sorted(days.items()))
