"""Working-day arithmetic: the one place that says whether a day is a working day and counts them.

The calendar lives in the database (CalendarYear, CalendarDay: the exceptions to Monday–Friday). Each
process loads all rows once and keeps, per year, the sorted ordinals of its working days, built lazily
the first time a year is used; after that a call costs no query. A year with no published schedule
falls back to Monday–Friday minus the statutory holidays (hall.holidays) and is provisional.

Another process's import is noticed through a version token in Django's cache, read at most every
CHECK_SECONDS; the importing process drops its copy at once (calendar_changed, on commit).
"""
import bisect
import datetime
import logging
import threading
import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import ValidationFailed

from . import holidays

logger = logging.getLogger(__name__)

FIRST_YEAR = holidays.FIRST_YEAR
LAST_YEAR = holidays.LAST_YEAR
VERSION_KEY = "hall:workdays:version"
CHECK_SECONDS = 5.0
_clock = time.monotonic


@dataclass(frozen=True)
class DayInfo:
    date: datetime.date
    is_working: bool
    name: str
    provisional: bool


class _Year:
    """One year: its exception days and the sorted ordinals of all its working days."""

    __slots__ = ("exceptions", "provisional", "working", "year")

    def __init__(self, year: int, *, provisional: bool, exceptions: dict[datetime.date, tuple[bool, str]]):
        self.year = year
        self.provisional = provisional
        self.exceptions = exceptions
        first = datetime.date(year, 1, 1).toordinal()
        last = datetime.date(year, 12, 31).toordinal()
        self.working = [o for o in range(first, last + 1) if self._works(datetime.date.fromordinal(o))]

    def _works(self, day: datetime.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day][0]
        return day.weekday() < 5

    def is_working(self, ordinal: int) -> bool:
        i = bisect.bisect_left(self.working, ordinal)
        return i < len(self.working) and self.working[i] == ordinal

    def count_through(self, ordinal: int) -> int:
        """Working days of this year on or before the day."""
        return bisect.bisect_right(self.working, ordinal)

    def count_before(self, ordinal: int) -> int:
        return bisect.bisect_left(self.working, ordinal)


class _Calendar:
    def __init__(self, published: frozenset[int], days: list[tuple[datetime.date, bool, str]]):
        self.published = published
        self._stored: dict[int, dict[datetime.date, tuple[bool, str]]] = {}
        for day, is_working, name in days:
            self._stored.setdefault(day.year, {})[day] = (is_working, name)
        self._years: dict[int, _Year] = {}

    def year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is None:
            if not FIRST_YEAR <= year <= LAST_YEAR:
                bounds = {"first": FIRST_YEAR, "last": LAST_YEAR}
                raise ValidationFailed(_("日期超出工作日历支持的范围（%(first)s–%(last)s 年）。") % bounds)
            if year in self.published:
                found = _Year(year, provisional=False, exceptions=self._stored.get(year, {}))
            else:
                statutory = {day: (False, name) for day, name in holidays.statutory_holidays(year).items()}
                found = _Year(year, provisional=True, exceptions=statutory)
            self._years[year] = found
        return found


_lock = threading.Lock()
_calendar: _Calendar | None = None
_version: str | None = None
_checked_at = 0.0


def _load() -> _Calendar:
    from .models import CalendarDay, CalendarYear

    published = frozenset(CalendarYear.objects.values_list("year", flat=True))
    return _Calendar(published, list(CalendarDay.objects.values_list("date", "is_working", "name")))


def _read_version() -> str | None:
    try:
        return cache.get(VERSION_KEY)
    except Exception:
        logger.warning("working-day calendar: cache unreachable, keeping the loaded calendar", exc_info=True)
        return _version


def _current() -> _Calendar:
    global _calendar, _version, _checked_at
    now = _clock()
    calendar = _calendar
    if calendar is not None and now - _checked_at < CHECK_SECONDS:
        return calendar
    with _lock:
        # Read the version before the rows: an import committed in between only causes one more reload.
        version = _read_version()
        if _calendar is None or version != _version:
            _calendar, _version = _load(), version
        _checked_at = now
        return _calendar


def reset() -> None:
    """Forget this process's copy; the next call reloads from the database."""
    global _calendar, _checked_at
    with _lock:
        _calendar, _checked_at = None, 0.0


def calendar_changed() -> None:
    """Tell every process the stored calendar changed. Call after the change is committed."""
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("working-day calendar: could not publish the new version", exc_info=True)
    reset()


def _as_date(day: datetime.date) -> datetime.date:
    if isinstance(day, datetime.datetime):
        return timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return day


def is_working_day(day: datetime.date) -> bool:
    day = _as_date(day)
    return _current().year(day.year).is_working(day.toordinal())


def is_provisional(year: int) -> bool:
    """True when the year has no published schedule and is computed from the statutory rules."""
    return year not in _current().published


def any_provisional(start: datetime.date, end: datetime.date) -> bool:
    """True when any year from start to end (either order) is provisional."""
    low, high = sorted((_as_date(start).year, _as_date(end).year))
    published = _current().published
    return any(year not in published for year in range(low, high + 1))


def day_info(day: datetime.date) -> DayInfo:
    day = _as_date(day)
    year = _current().year(day.year)
    _, name = year.exceptions.get(day, (None, ""))
    return DayInfo(day, year.is_working(day.toordinal()), name, year.provisional)


def year_exceptions(year: int) -> list[DayInfo]:
    """The year's holidays and adjusted working days (computed holidays when provisional), by date."""
    found = _current().year(year)
    return [
        DayInfo(day, is_working, name, found.provisional)
        for day, (is_working, name) in sorted(found.exceptions.items())
    ]


def add_working_days(day: datetime.date, n: int) -> datetime.date:
    """The n-th working day after `day` (n > 0), before it (n < 0), or `day` itself (n = 0)."""
    day = _as_date(day)
    if n == 0:
        return day
    calendar = _current()
    ordinal, year = day.toordinal(), day.year
    found = calendar.year(year)
    if n > 0:
        done = found.count_through(ordinal)
        while n > len(found.working) - done:
            n -= len(found.working) - done
            year, done = year + 1, 0
            found = calendar.year(year)
        return datetime.date.fromordinal(found.working[done + n - 1])
    n = -n
    before = found.count_before(ordinal)
    while n > before:
        n -= before
        year -= 1
        found = calendar.year(year)
        before = len(found.working)
    return datetime.date.fromordinal(found.working[before - n])


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days in (start, end]; negative when end is before start.

    For a working day d, working_days_between(d, add_working_days(d, n)) == n for every n."""
    start, end = _as_date(start), _as_date(end)
    if end < start:
        return -working_days_between(end, start)
    calendar = _current()
    first, last = calendar.year(start.year), calendar.year(end.year)
    if start.year == end.year:
        return first.count_through(end.toordinal()) - first.count_through(start.toordinal())
    count = len(first.working) - first.count_through(start.toordinal())
    count += sum(len(calendar.year(year).working) for year in range(start.year + 1, end.year))
    return count + last.count_through(end.toordinal())
