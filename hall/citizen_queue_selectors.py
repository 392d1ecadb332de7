"""Reads for the citizen's side of the queue: is the centre open now, the queue overview of a centre
with an estimate for a new ticket, the matters and slots a citizen can book, and the citizen's own
tickets and bookings. Ownership scoping happens here: every "mine" read filters on the citizen."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from . import workdays
from .models import (
    Appointment,
    AppointmentSlot,
    Centre,
    Matter,
    QueueCategory,
    QueuePolicy,
    Ticket,
    Window,
    WindowCategory,
)
from .queue_selectors import DEFAULT_SERVICE_MINUTES, RECENT_SERVICES, WaitingEstimate, waiting_counts, waiting_estimate
from .selectors import matter_text_search, published_matters
from .services.appointments import centre_serves_on

MATTER_RESULTS = 30


# --- opening hours ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenStatus:
    is_open: bool
    reason: str  # why it is closed, for the citizen; empty when open


def centre_open_status(centre: Centre, *, at: dt.datetime | None = None) -> OpenStatus:
    """Is the centre serving at this moment? Working days of the calendar; plain weekends only with
    weekend service (周末服务), public holidays never; between opening and closing time, and not in
    the lunch break unless the centre serves at lunchtime (午间不休)."""
    at = timezone.localtime(at or timezone.now())
    day, now = at.date(), at.time()
    if not centre_serves_on(centre, day):
        name = workdays.day_info(day).name
        if name:
            return OpenStatus(False, _("今天是%(name)s假期，中心休息。") % {"name": name})
        return OpenStatus(False, _("今天中心休息，周末不办公。"))
    if now < centre.opens_at:
        return OpenStatus(False, _("尚未开始办理，今天%(time)s开始。") % {"time": centre.opens_at.strftime("%H:%M")})
    if now >= centre.closes_at:
        closes = centre.closes_at.strftime("%H:%M")
        return OpenStatus(False, _("今天的办理时间已结束（%(time)s），请明天再来或预约办理。") % {"time": closes})
    if not centre.lunch_service and centre.lunch_starts_at <= now < centre.lunch_ends_at:
        return OpenStatus(
            False,
            _("午休时间（%(start)s–%(end)s），请午休结束后再取号。")
            % {"start": centre.lunch_starts_at.strftime("%H:%M"), "end": centre.lunch_ends_at.strftime("%H:%M")},
        )
    return OpenStatus(True, "")


# --- the queue overview of a centre --------------------------------------------------------------


@dataclass(frozen=True)
class CategoryOverview:
    id: int
    prefix: str
    name: str
    waiting: int
    longest_wait_minutes: int
    open_windows: int
    estimate_minutes: int | None  # for a new ticket; None when no open window serves the category


MEAN_SERVICE_SQL = """
SELECT category_id, avg(extract(epoch FROM finished_at - started_at)) / 60.0
FROM (
    SELECT category_id, started_at, finished_at,
           row_number() OVER (PARTITION BY category_id ORDER BY finished_at DESC) AS recent
    FROM hall_ticket
    WHERE centre_id = %(centre_id)s AND status = 'done' AND started_at IS NOT NULL AND finished_at >= %(since)s
) t
WHERE recent <= %(recent)s
GROUP BY category_id
"""


def queue_centres() -> QuerySet[Centre]:
    return Centre.objects.order_by("id")


def centre_queue_overview(centre_id: int) -> list[CategoryOverview]:
    """Per active category: waiting count, longest wait, open windows and the estimate for a ticket
    taken now. The same formula as queue_selectors.waiting_estimate (everyone waiting is ahead of a
    new normal ticket), in three queries for the whole centre instead of three per category."""
    now = timezone.now()
    rows = waiting_counts(centre_id)
    windows = dict(
        WindowCategory.objects.filter(
            category__centre_id=centre_id, window__status=Window.Status.OPEN, window__is_active=True
        )
        .values("category_id")
        .annotate(n=Count("window_id", distinct=True))
        .values_list("category_id", "n")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            MEAN_SERVICE_SQL, {"centre_id": centre_id, "since": now - dt.timedelta(days=7), "recent": RECENT_SERVICES}
        )
        means = {category_id: float(mean) for category_id, mean in cursor.fetchall()}
    overview = []
    for row in rows:
        open_windows = windows.get(row["id"], 0)
        mean = means.get(row["id"], DEFAULT_SERVICE_MINUTES)
        overview.append(
            CategoryOverview(
                id=row["id"],
                prefix=row["prefix"],
                name=row["name"],
                waiting=row["waiting"],
                longest_wait_minutes=row["longest_wait_minutes"],
                open_windows=open_windows,
                estimate_minutes=round(row["waiting"] * mean / open_windows) if open_windows else None,
            )
        )
    return overview


# --- booking ---------------------------------------------------------------------------------------


def policy_for_centre(centre_id: int) -> QueuePolicy:
    """The centre's policy, or the defaults when none is stored yet (a read never creates it)."""
    return QueuePolicy.objects.filter(centre_id=centre_id).first() or QueuePolicy(centre_id=centre_id)


def _bookable_categories(matter_id) -> QuerySet[QueueCategory]:
    return QueueCategory.objects.filter(is_active=True, matters=matter_id)


def bookable_matters(*, query: str = "", limit: int = MATTER_RESULTS) -> list[Matter]:
    """Published matters that offer appointments and belong to at least one active queue category."""
    in_category = QueueCategory.objects.filter(is_active=True, matters=OuterRef("pk"))
    qs = published_matters().filter(appointment=True).filter(Exists(in_category))
    return list(matter_text_search(qs, query).order_by("centre_id", "department__code", "code")[:limit])


def bookable_matter(matter_id: int) -> Matter | None:
    """The matter if a citizen can book it now (published, offers appointments, in an active category)."""
    in_category = QueueCategory.objects.filter(is_active=True, matters=OuterRef("pk"))
    return published_matters().filter(appointment=True, pk=matter_id).filter(Exists(in_category)).first()


@dataclass(frozen=True)
class BookingDay:
    date: dt.date
    remaining: int

    @property
    def is_full(self) -> bool:
        return self.remaining <= 0


def booking_window(policy: QueuePolicy, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The days a citizen may book: today through today + booking_days_ahead (QueuePolicy)."""
    today = today or timezone.localdate()
    return today, today + dt.timedelta(days=policy.booking_days_ahead)


def _future_slots(matter: Matter, *, now: dt.datetime, policy: QueuePolicy) -> QuerySet[AppointmentSlot]:
    """Slots of the matter's active categories that have not started yet, within the booking window."""
    local = timezone.localtime(now)
    first, last = booking_window(policy, today=local.date())
    return AppointmentSlot.objects.filter(
        centre_id=matter.centre_id, category__in=_bookable_categories(matter.pk), date__range=(first, last)
    ).exclude(date=local.date(), starts_at__lte=local.time())


def booking_days(
    matter: Matter, *, policy: QueuePolicy | None = None, now: dt.datetime | None = None
) -> list[BookingDay]:
    """The days of the booking window that have slots for the matter, with the places left on each.
    Days the centre does not serve (a holiday added to the calendar after the slots) are left out."""
    policy = policy or policy_for_centre(matter.centre_id)
    rows = (
        _future_slots(matter, now=now or timezone.now(), policy=policy)
        .order_by()
        .values("date")
        .annotate(capacity=Sum("capacity"), booked=Sum("booked"))
        .order_by("date")
    )
    centre = matter.centre
    return [
        BookingDay(row["date"], row["capacity"] - row["booked"])
        for row in rows
        if centre_serves_on(centre, row["date"])
    ]


def booking_slots(
    matter: Matter, day: dt.date, *, policy: QueuePolicy | None = None, now: dt.datetime | None = None
) -> list[AppointmentSlot]:
    """The slots of one day for the matter, full ones included (shown as 已约满), in time order."""
    if not centre_serves_on(matter.centre, day):
        return []
    policy = policy or policy_for_centre(matter.centre_id)
    return list(
        _future_slots(matter, now=now or timezone.now(), policy=policy)
        .filter(date=day)
        .select_related("category")
        .order_by("starts_at", "category__position", "category_id")
    )


# --- the citizen's own tickets and bookings ---------------------------------------------------------


@dataclass(frozen=True)
class MyTicket:
    ticket: Ticket
    estimate: WaitingEstimate | None  # only for waiting tickets

    @property
    def can_cancel(self) -> bool:
        return self.ticket.status == Ticket.Status.WAITING


def citizen_tickets_today(citizen) -> list[MyTicket]:
    """Today's tickets of the citizen, newest first, with people ahead and the estimate while waiting."""
    tickets = list(
        Ticket.objects.filter(citizen=citizen, service_date=timezone.localdate())
        .select_related("centre", "category", "window")
        .order_by("-issued_at", "-id")
    )
    return [
        MyTicket(ticket, waiting_estimate(ticket) if ticket.status == Ticket.Status.WAITING else None)
        for ticket in tickets
    ]


def citizen_ticket(citizen, ticket_id: int) -> MyTicket | None:
    ticket = (
        Ticket.objects.filter(citizen=citizen, pk=ticket_id).select_related("centre", "category", "window").first()
    )
    if ticket is None:
        return None
    return MyTicket(ticket, waiting_estimate(ticket) if ticket.status == Ticket.Status.WAITING else None)


@dataclass(frozen=True)
class MyAppointment:
    appointment: Appointment
    starts: dt.datetime
    ends: dt.datetime
    can_cancel: bool
    cancel_until: dt.datetime
    check_in_from: dt.datetime  # the kiosk accepts the booking from here to `ends`
    check_in_minutes: int


def _slot_bounds(slot: AppointmentSlot) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(slot.date, slot.starts_at), tz),
        timezone.make_aware(dt.datetime.combine(slot.date, slot.ends_at), tz),
    )


def _appointments_qs(citizen) -> QuerySet[Appointment]:
    return Appointment.objects.filter(citizen=citizen).select_related(
        "centre", "matter", "slot", "slot__category", "ticket"
    )


def _as_mine(appointments: list[Appointment], *, now: dt.datetime) -> list[MyAppointment]:
    centre_ids = {a.centre_id for a in appointments}
    policies = {p.centre_id: p for p in QueuePolicy.objects.filter(centre_id__in=centre_ids)} if centre_ids else {}
    mine = []
    for appointment in appointments:
        policy = policies.get(appointment.centre_id) or QueuePolicy()
        starts, ends = _slot_bounds(appointment.slot)
        cancel_until = starts - dt.timedelta(hours=policy.booking_cancel_hours)
        can_cancel = appointment.status == Appointment.Status.BOOKED and now <= cancel_until
        check_in_from = starts - dt.timedelta(minutes=policy.check_in_early_minutes)
        mine.append(
            MyAppointment(
                appointment, starts, ends, can_cancel, cancel_until, check_in_from, policy.check_in_early_minutes
            )
        )
    return mine


def citizen_appointments(citizen, *, now: dt.datetime | None = None, past_limit: int = 20) -> dict:
    """{"upcoming": booked and not yet over, soonest first; "past": the rest, latest first}. The
    can_cancel flag follows appointment_cancel's rule (booked, and before start − booking_cancel_hours)."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    over = Q(slot__date__lt=local.date()) | Q(slot__date=local.date(), slot__ends_at__lt=local.time())
    qs = _appointments_qs(citizen)
    upcoming = list(
        qs.filter(status=Appointment.Status.BOOKED).exclude(over).order_by("slot__date", "slot__starts_at", "id")
    )
    past = list(
        qs.exclude(pk__in=[a.pk for a in upcoming]).order_by("-slot__date", "-slot__starts_at", "-id")[:past_limit]
    )
    return {"upcoming": _as_mine(upcoming, now=now), "past": _as_mine(past, now=now)}


def citizen_appointment(citizen, appointment_id: int) -> MyAppointment | None:
    appointment = _appointments_qs(citizen).filter(pk=appointment_id).first()
    return _as_mine([appointment], now=timezone.now())[0] if appointment else None


def appointment_windows(appointment: Appointment) -> list[Window]:
    """Where to go after check-in: the active windows that serve the booked slot's category."""
    windows = Window.objects.filter(category_links__category_id=appointment.slot.category_id, is_active=True)
    return sorted(windows.distinct(), key=lambda w: (not w.number.isdigit(), len(w.number), w.number))
