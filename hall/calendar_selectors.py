"""Reads for the calendar pages and API: a year's status and days, and the manager's inbox."""
import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from . import workdays
from .models import CalendarYear, Notice

WARNING_FROM_MONTH = 12


@dataclass(frozen=True)
class YearStatus:
    year: int
    provisional: bool
    record: CalendarYear | None

    @property
    def source_display(self) -> str:
        return self.record.get_source_display() if self.record else ""


@dataclass(frozen=True)
class CalendarStatus:
    this_year: YearStatus
    next_year: YearStatus
    warn_next_year: bool


def calendar_year_status(year: int) -> YearStatus:
    record = CalendarYear.objects.select_related("imported_by").filter(year=year).first()
    return YearStatus(year=year, provisional=record is None, record=record)


def calendar_status(*, today: datetime.date) -> CalendarStatus:
    """This year and next; from 1 December a warning while next year is still provisional."""
    years = (today.year, today.year + 1)
    records = {r.year: r for r in CalendarYear.objects.select_related("imported_by").filter(year__in=years)}
    this_year, next_year = (
        YearStatus(year=y, provisional=y not in records, record=records.get(y)) for y in years
    )
    return CalendarStatus(
        this_year=this_year,
        next_year=next_year,
        warn_next_year=today.month >= WARNING_FROM_MONTH and next_year.provisional,
    )


def calendar_year_days(year: int) -> tuple[list[workdays.DayInfo], list[workdays.DayInfo]]:
    """(holidays, adjusted working days) of a year, from the cached calendar."""
    days = workdays.year_exceptions(year)
    return [d for d in days if not d.is_working], [d for d in days if d.is_working]


def notices_unread_for_actor(actor, *, limit: int = 20) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient=actor, read_at__isnull=True).order_by("-created_at")[:limit]
