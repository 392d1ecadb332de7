"""Working-day clock arithmetic for cases (办件). Pure: everything comes in as arguments; the calendar
is `hall.workdays` (the one place that counts working days), passed in so tests can use another.

Rules (行政许可法 and the seeds):
- promised / statutory due date = acceptance date + the matter's working days, extended by the working
  days spent in correction (补正) or suspension (听证/专家评审/现场勘查 — Art. 45: not counted);
- one extension of +10 working days (+15 for joint handling) may be approved (Art. 42);
- an online submission must be answered within 5 working days of its arrival, or it counts as accepted
  from the day it arrived (Art. 32);
- each stage of the matter's template owns a share of the promised limit.
"""
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType

from hall import workdays as default_calendar

ONLINE_ANSWER_DAYS = 5  # 行政许可法 Art. 32
EXTENSION_DAYS_SINGLE = 10  # Art. 42
EXTENSION_DAYS_JOINT = 15  # Art. 42, joint handling (联合办理)


class Level(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class ClockStop:
    """A period with the clock stopped: [start, end], end None while it lasts."""

    start: dt.date
    end: dt.date | None


def stopped_working_days(stops: Iterable[ClockStop], *, today: dt.date, calendar: ModuleType = default_calendar) -> int:
    """Working days inside clock stops, counted from the day after each stop starts to the day it ends
    (a stop that began and ended on the same day costs nothing). Overlapping stops are merged."""
    spans = sorted((s.start, s.end or today) for s in stops)
    total, current_start, current_end = 0, None, None
    for start, end in spans:
        if current_end is not None and start <= current_end:
            current_end = max(current_end, end)
            continue
        if current_end is not None:
            total += max(0, calendar.working_days_between(current_start, current_end))
        current_start, current_end = start, end
    if current_end is not None:
        total += max(0, calendar.working_days_between(current_start, current_end))
    return total


def due_date(
    *,
    accepted_on: dt.date,
    limit_days: int,
    stopped_days: int = 0,
    extension_days: int = 0,
    calendar: ModuleType = default_calendar,
) -> dt.date:
    """The last day of the limit. A 0-day limit (即办件) is due on the day of acceptance."""
    if limit_days < 0 or stopped_days < 0 or extension_days < 0:
        raise ValueError("working-day amounts cannot be negative")
    return calendar.add_working_days(accepted_on, limit_days + stopped_days + extension_days)


def remaining_working_days(*, today: dt.date, due: dt.date, calendar: ModuleType = default_calendar) -> int:
    """Working days left until the due date: 0 on the due day, negative once overdue."""
    return calendar.working_days_between(today, due)


def online_answer_deadline(*, submitted_on: dt.date, calendar: ModuleType = default_calendar) -> dt.date:
    """Art. 32: the last day to accept, refuse or issue a one-time notice for an online submission."""
    return calendar.add_working_days(submitted_on, ONLINE_ANSWER_DAYS)


def stage_due_dates(
    *,
    accepted_on: dt.date,
    promised_days: int,
    shares: list[int],
    stopped_days: int = 0,
    calendar: ModuleType = default_calendar,
) -> list[dt.date]:
    """Due date of each stage: its cumulative share of the promised limit, rounded up to whole days
    (the last stage always ends on the promised due date)."""
    if sum(shares) != 100:
        raise ValueError("stage shares must add up to 100")
    dates, cumulative = [], 0
    for index, share in enumerate(shares):
        cumulative += share
        days = promised_days if index == len(shares) - 1 else math.ceil(promised_days * cumulative / 100)
        dates.append(calendar.add_working_days(accepted_on, days + stopped_days))
    return dates


def warning_level(
    *, today: dt.date, due: dt.date, limit_days: int, yellow_share: float, calendar: ModuleType = default_calendar
) -> Level:
    """Red on the due day and after; yellow when the remaining time falls under `yellow_share` of the
    limit; green otherwise."""
    remaining = remaining_working_days(today=today, due=due, calendar=calendar)
    if remaining <= 0:
        return Level.RED
    if limit_days > 0 and remaining < yellow_share * limit_days:
        return Level.YELLOW
    return Level.GREEN


def is_early_completion(*, completed_on: dt.date, promised_due: dt.date) -> bool:
    """提前办结: completed before the promised due date."""
    return completed_on < promised_due
