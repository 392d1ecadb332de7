"""Reads about the queue: position and waiting estimate of a ticket, what a window has now, the
display screen's state, the live hall figures. Set-based: one query per figure, never a loop over tickets."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import QueueCategory, Ticket, TicketEvent, Window, WindowCategory

DEFAULT_SERVICE_MINUTES = 10.0
RECENT_SERVICES = 20
CLASS_RANK = {
    Ticket.PriorityClass.APPOINTMENT: 0,
    Ticket.PriorityClass.PRIORITY_GROUP: 1,
    Ticket.PriorityClass.NORMAL: 2,
}


@dataclass(frozen=True)
class WaitingEstimate:
    people_ahead: int
    open_windows: int
    mean_service_minutes: float
    minutes: int | None  # None when no open window serves the category


def people_ahead(ticket: Ticket) -> int:
    """Waiting tickets of the same category that come before this one (class, then queue time)."""
    if ticket.status != Ticket.Status.WAITING:
        return 0
    rank = CLASS_RANK[ticket.priority_class]
    better_classes = [c for c, r in CLASS_RANK.items() if r < rank]
    return (
        Ticket.objects.filter(
            category_id=ticket.category_id, service_date=ticket.service_date, status=Ticket.Status.WAITING
        )
        .filter(
            Q(priority_class__in=better_classes)
            | Q(priority_class=ticket.priority_class, queued_at__lt=ticket.queued_at)
            | Q(priority_class=ticket.priority_class, queued_at=ticket.queued_at, id__lt=ticket.pk)
        )
        .count()
    )


def mean_service_minutes(category_id: int, *, now: dt.datetime | None = None) -> float:
    """Mean service time of the category's most recent finished tickets (last 7 days)."""
    now = now or timezone.now()
    recent = (
        Ticket.objects.filter(
            category_id=category_id,
            status=Ticket.Status.DONE,
            started_at__isnull=False,
            finished_at__gte=now - dt.timedelta(days=7),
        )
        .order_by("-finished_at")
        .values("id")[:RECENT_SERVICES]
    )
    mean = Ticket.objects.filter(id__in=recent).aggregate(mean=Avg(F("finished_at") - F("started_at")))["mean"]
    return mean.total_seconds() / 60 if mean else DEFAULT_SERVICE_MINUTES


def open_windows_serving(category_id: int) -> int:
    return (
        Window.objects.filter(category_links__category_id=category_id, status=Window.Status.OPEN, is_active=True)
        .distinct()
        .count()
    )


def waiting_estimate(ticket: Ticket) -> WaitingEstimate:
    """people ahead × recent mean service time of the category ÷ open windows serving it."""
    ahead = people_ahead(ticket)
    windows = open_windows_serving(ticket.category_id)
    mean = mean_service_minutes(ticket.category_id)
    minutes = round(ahead * mean / windows) if windows else None
    return WaitingEstimate(
        people_ahead=ahead, open_windows=windows, mean_service_minutes=round(mean, 1), minutes=minutes
    )


def window_current_ticket(window: Window) -> Ticket | None:
    return (
        Ticket.objects.filter(window=window, status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING])
        .select_related("category")
        .first()
    )


def window_last_finished_ticket(window: Window, *, within_minutes: int = 10) -> Ticket | None:
    """The ticket the pad asks the citizen to rate: the window's latest finished one, if recent."""
    return (
        Ticket.objects.filter(
            window=window,
            status=Ticket.Status.DONE,
            finished_at__gte=timezone.now() - dt.timedelta(minutes=within_minutes),
        )
        .order_by("-finished_at")
        .first()
    )


def window_served_today(window: Window, *, clerk=None) -> int:
    qs = Ticket.objects.filter(window=window, status=Ticket.Status.DONE, service_date=timezone.localdate())
    if clerk is not None:
        qs = qs.filter(clerk=clerk)
    return qs.count()


def waiting_counts(centre_id: int) -> list[dict]:
    """Per active category: waiting count and longest wait in minutes, in one query. The aggregates are
    correlated subqueries over today's waiting tickets (the partial waiting-queue index), so the cost does
    not grow with the years of served tickets behind each category."""
    now = timezone.now()
    today = timezone.localdate(now)
    waiting = Ticket.objects.filter(category=OuterRef("pk"), service_date=today, status=Ticket.Status.WAITING)
    rows = (
        QueueCategory.objects.filter(centre_id=centre_id, is_active=True)
        .annotate(
            waiting=Coalesce(
                Subquery(waiting.order_by().values("category").annotate(n=Count("id")).values("n")[:1]), 0
            ),
            oldest=Subquery(waiting.order_by("queued_at").values("queued_at")[:1]),
        )
        .order_by("position", "prefix")
        .values("id", "prefix", "name", "waiting", "oldest")
    )
    return [
        {**row, "longest_wait_minutes": int((now - row["oldest"]).total_seconds() // 60) if row["oldest"] else 0}
        for row in rows
    ]


def latest_calls(centre_id: int, *, limit: int = 8) -> list[TicketEvent]:
    """The most recent calls and recalls of today, newest first, for the display screen."""
    start_of_day = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    return list(
        TicketEvent.objects.filter(
            ticket__centre_id=centre_id,
            kind__in=[TicketEvent.Kind.CALLED, TicketEvent.Kind.RECALLED, TicketEvent.Kind.PICKED],
            created_at__gte=start_of_day,
        )
        .select_related("ticket", "window")
        .order_by("-id")[:limit]
    )


def window_categories(window: Window) -> list[WindowCategory]:
    return list(WindowCategory.objects.filter(window=window).select_related("category").order_by("position"))
