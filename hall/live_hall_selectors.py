"""Reads for the managers' live hall (实时大厅): per-category queue figures, windows with their clerk and
current ticket, tidal windows and their assignment, the window log and pending tidal proposals.

Set-based: each figure is one query over the centre's rows (aggregates, Exists subqueries, prefetches),
never a loop over tickets. Scoping: the caller passes a centre the actor may read (live_hall_centres)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Centre, QueueCategory, Ticket, Window, WindowCategory, WindowEvent
from .permissions import is_manager, is_manager_of, is_supervisor
from .selectors import centres_for_actor

LOG_KINDS = (
    WindowEvent.Kind.TIDAL_ASSIGNED,
    WindowEvent.Kind.TIDAL_PROPOSED,
    WindowEvent.Kind.TIDAL_RELEASED,
    WindowEvent.Kind.PAUSED,
    WindowEvent.Kind.RESUMED,
)
LOG_LIMIT = 20


def may_view_live_hall(actor) -> bool:
    return bool(getattr(actor, "is_active", False)) and (is_manager(actor) or is_supervisor(actor))


def live_hall_centres(actor) -> QuerySet[Centre]:
    """The centres whose live hall the actor may watch (managers and supervisors; superusers all)."""
    if not may_view_live_hall(actor):
        return Centre.objects.none()
    return centres_for_actor(actor).order_by("id")


@dataclass(frozen=True)
class CategoryFigures:
    id: int
    prefix: str
    name: str
    waiting: int
    longest_wait_minutes: int
    served_today: int
    mean_wait_minutes: float | None  # of today's finished tickets, from issue to call
    open_windows: int


def _start_of_day(now: dt.datetime) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))


def category_figures(centre_id: int, *, now: dt.datetime | None = None) -> list[CategoryFigures]:
    """One query: per active category, waiting count and longest wait, today's served count and their mean
    wait (issue to call), and how many open windows call it."""
    now = now or timezone.now()
    # The join is limited to today's tickets in its ON clause, so past days are never read.
    today = FilteredRelation("tickets", condition=Q(tickets__service_date=timezone.localdate(now)))
    waiting = Q(today_tickets__status=Ticket.Status.WAITING)
    served = Q(today_tickets__status=Ticket.Status.DONE, today_tickets__called_at__isnull=False)
    open_windows = (
        WindowCategory.objects.filter(
            category=OuterRef("pk"), window__status=Window.Status.OPEN, window__is_active=True
        )
        .order_by()
        .values("category")
        .annotate(n=Count("window", distinct=True))
        .values("n")
    )
    wait = ExpressionWrapper(
        F("today_tickets__called_at") - F("today_tickets__issued_at"), output_field=DurationField()
    )
    rows = (
        QueueCategory.objects.filter(centre_id=centre_id, is_active=True)
        .annotate(today_tickets=today)
        .annotate(
            waiting=Count("today_tickets", filter=waiting),
            oldest=Min("today_tickets__queued_at", filter=waiting),
            served=Count("today_tickets", filter=served),
            mean_wait=Avg(wait, filter=served),
            open_windows=Coalesce(Subquery(open_windows, output_field=IntegerField()), 0),
        )
        .order_by("position", "prefix")
    )
    return [
        CategoryFigures(
            id=row.pk,
            prefix=row.prefix,
            name=row.name,
            waiting=row.waiting,
            longest_wait_minutes=int((now - row.oldest).total_seconds() // 60) if row.oldest else 0,
            served_today=row.served,
            mean_wait_minutes=round(row.mean_wait.total_seconds() / 60, 1) if row.mean_wait is not None else None,
            open_windows=row.open_windows,
        )
        for row in rows
    ]


def hall_windows(centre_id: int) -> list[Window]:
    """Active windows with clerk, current ticket (`current`, a list of at most one) and calling profile
    (`links`, tidal assignments included; `tidal_assigned` says whether there is one): three queries."""
    current = Ticket.objects.filter(status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING]).select_related(
        "category"
    )
    links = WindowCategory.objects.select_related("category").order_by("position", "id")
    tidal = WindowCategory.objects.filter(window=OuterRef("pk"), is_tidal_assignment=True)
    return list(
        Window.objects.filter(centre_id=centre_id, is_active=True)
        .annotate(tidal_assigned=Exists(tidal))
        .select_related("clerk")
        .prefetch_related(
            Prefetch("tickets", queryset=current, to_attr="current"),
            Prefetch("category_links", queryset=links, to_attr="links"),
        )
        .order_by("number")
    )


def window_log(centre_id: int, *, now: dt.datetime | None = None, limit: int = LOG_LIMIT) -> list[WindowEvent]:
    """Today's tidal switches and pauses, newest first."""
    now = now or timezone.now()
    return list(
        WindowEvent.objects.filter(window__centre_id=centre_id, kind__in=LOG_KINDS, created_at__gte=_start_of_day(now))
        .select_related("window", "category", "actor")
        .order_by("-id")[:limit]
    )


def pending_tidal_proposals(centre_id: int, *, now: dt.datetime | None = None) -> list[WindowEvent]:
    """Today's proposals of the tidal job that no manager has acted on: not followed by an assignment of
    that window to that category. `window_busy` says the window now serves another tidal assignment."""
    now = now or timezone.now()
    accepted = WindowEvent.objects.filter(
        window=OuterRef("window"),
        category=OuterRef("category"),
        kind=WindowEvent.Kind.TIDAL_ASSIGNED,
        id__gt=OuterRef("id"),
    )
    busy = WindowCategory.objects.filter(window=OuterRef("window"), is_tidal_assignment=True)
    return list(
        WindowEvent.objects.filter(
            window__centre_id=centre_id,
            kind=WindowEvent.Kind.TIDAL_PROPOSED,
            created_at__gte=_start_of_day(now),
            category__isnull=False,
        )
        .annotate(accepted=Exists(accepted), window_busy=Exists(busy))
        .filter(accepted=False)
        .select_related("window", "category")
        .order_by("-id")
    )


@dataclass(frozen=True)
class LiveHall:
    centre: Centre
    categories: list[CategoryFigures]
    windows: list[Window]
    log: list[WindowEvent]
    proposals: list[WindowEvent]
    may_dispatch: bool

    @property
    def tidal_windows(self) -> list[Window]:
        return [w for w in self.windows if w.kind == Window.Kind.TIDAL]

    @property
    def waiting_total(self) -> int:
        return sum(c.waiting for c in self.categories)

    @property
    def served_total(self) -> int:
        return sum(c.served_today for c in self.categories)

    @property
    def longest_wait_minutes(self) -> int:
        return max((c.longest_wait_minutes for c in self.categories), default=0)

    @property
    def open_count(self) -> int:
        return sum(1 for w in self.windows if w.status == Window.Status.OPEN)

    @property
    def paused_count(self) -> int:
        return sum(1 for w in self.windows if w.status == Window.Status.PAUSED)


def live_hall(*, actor, centre: Centre) -> LiveHall:
    """The whole live hall of one centre (the caller checked it is among live_hall_centres): seven queries."""
    now = timezone.now()
    return LiveHall(
        centre=centre,
        categories=category_figures(centre.pk, now=now),
        windows=hall_windows(centre.pk),
        log=window_log(centre.pk, now=now),
        proposals=pending_tidal_proposals(centre.pk, now=now),
        may_dispatch=is_manager_of(actor, centre.pk),
    )
