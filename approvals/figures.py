"""Approvals figures (read-only, set-based aggregates) for the managers' dashboards and reports.

- 即办件比例: instant matters' share of the published catalogue, and of the completed cases (Nantong 80.9 %);
- 提前办结率: completed cases finished before their promised due date, over all completed cases of matters with
  a promised limit (an instant matter is due the day it is accepted and cannot be early; Tengzhou 78.56 %);
- catalogue compression: 1 − Σ promised / Σ statutory working days over the published catalogue (Nantong 71.1 %);
- mean working days per matter, from acceptance to completion;
- per chain (并联审批): elapsed working days against the sum of its steps' statutory limits (the seeds:
  50 → 22 days, 56 % faster).

Working days come from hall.workdays: each distinct date involved gets its working-day index once (index(d) =
working days from the earliest date to d), and SQL sums index differences — no Python loop over cases.
Callers scope by centre (the dashboards pass the centres the selector allows).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum

from hall import workdays
from hall.models import Matter

from .models import Application, Chain, ChainStep, ChainTemplate

Status = Application.Status
DONE = (Status.COMPLETED, Status.DELIVERED)
CENT = Decimal("0.0001")


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Share:
    numerator: int
    denominator: int

    @property
    def ratio(self) -> Decimal | None:
        """0.8090 for 80.9 %; None when there is nothing to count."""
        return _ratio(self.numerator, self.denominator)

    @property
    def percent(self) -> Decimal | None:
        ratio = self.ratio
        return None if ratio is None else (ratio * 100).quantize(Decimal("0.01"))


def _completed_cases(*, centre_id: int | None, start: dt.date | None, end: dt.date | None):
    qs = Application.objects.filter(status__in=DONE, completed_at__isnull=False)
    if centre_id is not None:
        qs = qs.filter(centre_id=centre_id)
    if start is not None:
        qs = qs.filter(completed_at__date__gte=start)
    if end is not None:
        qs = qs.filter(completed_at__date__lte=end)
    return qs.order_by()


def _published(centre_id: int | None):
    qs = Matter.objects.filter(status=Matter.Status.PUBLISHED)
    return (qs if centre_id is None else qs.filter(centre_id=centre_id)).order_by()


# --- 即办件比例 and 提前办结率 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstantShare:
    catalogue: Share  # published matters with a promised limit of 0
    completed: Share  # completed cases of such matters


def instant_matter_share(
    *, centre_id: int | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> InstantShare:
    matters = _published(centre_id).aggregate(total=Count("id"), instant=Count("id", filter=Q(promised_days=0)))
    cases = _completed_cases(centre_id=centre_id, start=start, end=end).aggregate(
        total=Count("id"), instant=Count("id", filter=Q(matter__promised_days=0))
    )
    return InstantShare(
        catalogue=Share(matters["instant"], matters["total"]), completed=Share(cases["instant"], cases["total"])
    )


def early_completion_rate(
    *, centre_id: int | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> Share:
    cases = (
        _completed_cases(centre_id=centre_id, start=start, end=end)
        .filter(matter__promised_days__gt=0)
        .aggregate(total=Count("id"), early=Count("id", filter=Q(early_completion=True)))
    )
    return Share(cases["early"], cases["total"])


# --- catalogue compression ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compression:
    promised_days: int
    statutory_days: int

    @property
    def ratio(self) -> Decimal | None:
        """1 − Σ promised / Σ statutory: 0.7110 for Nantong's 71.1 %."""
        if not self.statutory_days:
            return None
        return (1 - Decimal(self.promised_days) / Decimal(self.statutory_days)).quantize(CENT, ROUND_HALF_UP)


def catalogue_compression(*, centre_id: int | None = None) -> Compression:
    sums = _published(centre_id).aggregate(promised=Sum("promised_days"), statutory=Sum("statutory_days"))
    return Compression(sums["promised"] or 0, sums["statutory"] or 0)


# --- working days from the calendar, per distinct date ------------------------------------------------------


def _day_index(days: Iterable[dt.date]) -> tuple[list[dt.date], list[int]]:
    """Each distinct date → working days from the earliest of them to it. For a ≤ b,
    index(b) − index(a) = workdays.working_days_between(a, b)."""
    days = sorted({day for day in days if day is not None})
    if not days:
        return [], []
    return days, [workdays.working_days_between(days[0], day) for day in days]


def _local_date(column: str) -> str:
    return f"({column} AT TIME ZONE %(tz)s)::date"


def _quote(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# --- mean working days per matter ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MatterDuration:
    matter_id: int
    matter_name: str
    cases: int
    working_days: int  # the sum over its cases

    @property
    def mean(self) -> Decimal | None:
        if not self.cases:
            return None
        return (Decimal(self.working_days) / Decimal(self.cases)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def mean_working_days_per_matter(
    *, centre_id: int | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> list[MatterDuration]:
    """Completed cases per matter and their mean working days from acceptance (accepted_on) to completion
    (the local date of completed_at); a same-day completion counts 0. Two queries: the distinct dates, then
    one aggregate joined to their working-day index."""
    where = ["a.status = ANY(%(done)s)", "a.completed_at IS NOT NULL", "a.accepted_on IS NOT NULL"]
    params: dict = {"done": [status.value for status in DONE], "tz": settings.TIME_ZONE}
    if centre_id is not None:
        where.append("a.centre_id = %(centre)s")
        params["centre"] = centre_id
    if start is not None:
        where.append(f"{_local_date('a.completed_at')} >= %(start)s")
        params["start"] = start
    if end is not None:
        where.append(f"{_local_date('a.completed_at')} <= %(end)s")
        params["end"] = end
    names = {"application": _quote(Application), "matter": _quote(Matter), "where": " AND ".join(where)}
    dates_sql = (
        "SELECT a.accepted_on FROM {application} a WHERE {where} "  # noqa: S608 - identifiers from model metadata
        f"UNION SELECT {_local_date('a.completed_at')} FROM {{application}} a WHERE {{where}}"
    ).format(**names)
    with connection.cursor() as cursor:
        cursor.execute(dates_sql, params)
        days, index = _day_index(row[0] for row in cursor.fetchall())
        if not days:
            return []
        cursor.execute(
            (
                "WITH idx(day, n) AS (SELECT * FROM unnest(%(days)s::date[], %(index)s::int[])) "  # noqa: S608
                "SELECT a.matter_id, m.name, COUNT(*), SUM(done.n - accepted.n) "
                "FROM {application} a JOIN {matter} m ON m.id = a.matter_id "
                "JOIN idx accepted ON accepted.day = a.accepted_on "
                f"JOIN idx done ON done.day = {_local_date('a.completed_at')} "
                "WHERE {where} GROUP BY a.matter_id, m.name, m.code ORDER BY m.code, a.matter_id"
            ).format(**names),
            {**params, "days": days, "index": index},
        )
        return [MatterDuration(matter_id, name, cases, total) for matter_id, name, cases, total in cursor.fetchall()]


# --- chains: elapsed against the sum of the steps' statutory limits ------------------------------------------


@dataclass(frozen=True)
class ChainDuration:
    chain_id: int
    tracking_code: str
    template_name: str
    accepted_on: dt.date
    completed_on: dt.date | None
    elapsed_working_days: int
    statutory_days_sum: int

    @property
    def faster(self) -> Decimal | None:
        """1 − elapsed / Σ statutory: 0.56 for 50 → 22 days."""
        if not self.statutory_days_sum:
            return None
        return (1 - Decimal(self.elapsed_working_days) / Decimal(self.statutory_days_sum)).quantize(
            CENT, ROUND_HALF_UP
        )


def chain_durations(
    *,
    centre_id: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    include_open: bool = False,
    today: dt.date,
) -> list[ChainDuration]:
    """Completed chains (completed_on in [start, end]), and with include_open the chains still in progress
    (elapsed to today): elapsed working days from acceptance against Σ statutory days of their steps.
    Two queries: the distinct dates, then one aggregate over the steps joined to their working-day index."""
    statuses = [Chain.Status.COMPLETED.value]
    if include_open:
        statuses += [Chain.Status.IN_PROGRESS.value, Chain.Status.CORRECTION.value, Chain.Status.STOPPED.value]
    where = ["c.status = ANY(%(statuses)s)"]
    params: dict = {"statuses": statuses, "today": today}
    if centre_id is not None:
        where.append("c.centre_id = %(centre)s")
        params["centre"] = centre_id
    if start is not None:
        where.append("(c.completed_on IS NULL OR c.completed_on >= %(start)s)")
        params["start"] = start
    if end is not None:
        where.append("(c.completed_on IS NULL OR c.completed_on <= %(end)s)")
        params["end"] = end
    names = {
        "chain": _quote(Chain),
        "step": _quote(ChainStep),
        "template": _quote(ChainTemplate),
        "application": _quote(Application),
        "matter": _quote(Matter),
        "where": " AND ".join(where),
    }
    ended = "COALESCE(c.completed_on, %(today)s::date)"
    dates_sql = (
        "SELECT c.accepted_on FROM {chain} c WHERE {where} "  # noqa: S608 - identifiers from model metadata
        f"UNION SELECT {ended} FROM {{chain}} c WHERE {{where}}"
    ).format(**names)
    with connection.cursor() as cursor:
        cursor.execute(dates_sql, params)
        days, index = _day_index(row[0] for row in cursor.fetchall())
        if not days:
            return []
        cursor.execute(
            (
                "WITH idx(day, n) AS (SELECT * FROM unnest(%(days)s::date[], %(index)s::int[])) "  # noqa: S608
                "SELECT c.id, c.tracking_code, t.name, c.accepted_on, c.completed_on, done.n - accepted.n, "
                "  COALESCE((SELECT SUM(m.statutory_days) FROM {step} s"
                "    JOIN {application} a ON a.id = s.application_id JOIN {matter} m ON m.id = a.matter_id"
                "    WHERE s.chain_id = c.id), 0) "
                "FROM {chain} c JOIN {template} t ON t.id = c.template_id "
                "JOIN idx accepted ON accepted.day = c.accepted_on "
                f"JOIN idx done ON done.day = {ended} "
                "WHERE {where} ORDER BY c.accepted_on, c.id"
            ).format(**names),
            {**params, "days": days, "index": index},
        )
        return [ChainDuration(*row) for row in cursor.fetchall()]
