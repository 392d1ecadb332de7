"""The demo hall's queue: categories, windows' calling profiles, window staff, appointment slots and a
realistic past month of tickets (so the screens and figures are not empty). Deterministic for a given
load date: the random draws come from a fixed seed; dates are relative to the day the demo is loaded."""

import datetime as dt
import random

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from hall import demo_data as data
from hall import workdays
from hall.models import (
    Centre,
    Matter,
    QueueCategory,
    QueuePolicy,
    Role,
    Ticket,
    TicketEvent,
    User,
    Window,
    WindowCategory,
)

from .appointments import centre_serves_on, slots_generate

SEED = 20261201
PRIORITY_GROUPS = [value for value, _label in Ticket.PriorityGroup.choices]


def _create_categories(centre: Centre, specs) -> dict[str, QueueCategory]:
    categories = {}
    for position, (prefix, name, departments) in enumerate(specs, start=1):
        category = QueueCategory.objects.create(centre=centre, prefix=prefix, name=name, position=position)
        category.matters.set(Matter.objects.filter(centre=centre, department__code__in=departments))
        categories[prefix] = category
    return categories


def _link_windows(centre: Centre, profile: dict[str, str], categories: dict[str, QueueCategory]) -> None:
    windows = {w.number: w for w in Window.objects.filter(centre=centre)}
    for number, prefixes in profile.items():
        for position, prefix in enumerate(prefixes, start=1):
            WindowCategory.objects.create(window=windows[number], category=categories[prefix], position=position)
    # Integrated acceptance windows call a business queue first once its longest wait passes 30 minutes.
    WindowCategory.objects.filter(window__centre=centre, window__kind=Window.Kind.INTEGRATED, position__gt=1).update(
        serve_first_after_minutes=30
    )


def _window_staff(centre: Centre, rng: random.Random) -> dict[int, User]:
    """One clerk per window that has a calling profile: the demo clerks sit at their department's window."""
    staff = {}
    named = {u.department_id: u for u in User.objects.filter(centre=centre, role=Role.CLERK)}
    for window in Window.objects.filter(centre=centre).order_by("id"):
        if window.department_id in named:
            staff[window.pk] = named.pop(window.department_id)
            continue
        name = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN_NAMES)
        clerk = User(
            username=f"{centre.code}-w{window.number}",
            role=Role.CLERK,
            centre=centre,
            department=window.department,
            real_name=name,
            staff_number=f"{centre.code[:1].upper()}{window.number.zfill(3)}",
        )
        clerk.set_password(data.DEMO_PASSWORD)
        clerk.save()
        staff[window.pk] = clerk
    return staff


def _service_moments(centre: Centre, day: dt.date, count: int, rng: random.Random) -> list[dt.datetime]:
    tz = timezone.get_current_timezone()
    opens = dt.datetime.combine(day, centre.opens_at, tz)
    closes = dt.datetime.combine(day, centre.closes_at, tz) - dt.timedelta(minutes=20)
    lunch = (dt.datetime.combine(day, centre.lunch_starts_at, tz), dt.datetime.combine(day, centre.lunch_ends_at, tz))
    moments = []
    while len(moments) < count:
        moment = opens + dt.timedelta(seconds=rng.uniform(0, (closes - opens).total_seconds()))
        if not centre.lunch_service and lunch[0] <= moment < lunch[1]:
            continue
        moments.append(moment)
    return sorted(moments)


def _past_tickets(
    centre, categories, staff, traffic, per_day, today, rng, history_days
) -> tuple[list[Ticket], list[tuple]]:
    links = {}
    for link in WindowCategory.objects.filter(window__centre=centre).select_related("window"):
        links.setdefault(link.category_id, []).append(link.window)
    prefixes = [p for p in traffic if p in categories]
    weights = [traffic[p][0] for p in prefixes]
    tickets, timelines = [], []
    for back in range(history_days, 0, -1):
        day = today - dt.timedelta(days=back)
        if not centre_serves_on(centre, day):
            continue
        weekend = not workdays.is_working_day(day)
        moments = _service_moments(centre, day, int(per_day * (0.4 if weekend else 1) * rng.uniform(0.85, 1.15)), rng)
        sequences: dict[str, int] = {}
        for issued in moments:
            prefix = rng.choices(prefixes, weights)[0]
            category = categories[prefix]
            sequences[prefix] = sequences.get(prefix, 0) + 1
            draw = rng.random()
            priority = "appointment" if draw < 0.1 else ("priority_group" if draw < 0.18 else "normal")
            wait = dt.timedelta(minutes=min(rng.expovariate(1 / 11), 90))
            service = dt.timedelta(minutes=max(1.0, rng.gauss(traffic[prefix][1], traffic[prefix][1] / 3)))
            window = rng.choice(links[category.pk])
            outcome = rng.random()
            status = "done" if outcome < 0.93 else ("no_show" if outcome < 0.97 else "cancelled")
            called = issued + wait if status != "cancelled" else None
            started = called + dt.timedelta(seconds=rng.uniform(20, 90)) if status == "done" else None
            finished = started + service if started else None
            tickets.append(
                Ticket(
                    centre=centre,
                    category=category,
                    service_date=day,
                    sequence=sequences[prefix],
                    number=f"{prefix}{sequences[prefix]:03d}",
                    source="appointment"
                    if priority == "appointment"
                    else rng.choice(["kiosk", "kiosk", "kiosk", "remote"]),
                    priority_class=priority,
                    priority_group=rng.choice(PRIORITY_GROUPS) if priority == "priority_group" else "",
                    status=status,
                    issued_at=issued,
                    queued_at=issued,
                    called_at=called,
                    started_at=started,
                    finished_at=finished,
                    window=window if called else None,
                    clerk=staff.get(window.pk) if called else None,
                )
            )
            timelines.append((issued, called, started, finished, status))
    return tickets, timelines


def _events(tickets: list[Ticket], ids: list[int], timelines: list[tuple]) -> list[TicketEvent]:
    events = []
    for ticket, ticket_id, (issued, called, started, finished, status) in zip(tickets, ids, timelines, strict=True):
        clerk_id = ticket.clerk.pk if ticket.clerk else None
        steps = [("issued", issued, None)]
        if called:
            steps.append(("called", called, clerk_id))
        if status == "no_show":
            steps.append(("no_show", called + dt.timedelta(minutes=3), clerk_id))
        if started:
            steps += [("started", started, clerk_id), ("finished", finished, clerk_id)]
        if status == "cancelled":
            steps.append(("cancelled", issued + dt.timedelta(minutes=15), None))
        events += [
            TicketEvent(
                ticket_id=ticket_id,
                kind=kind,
                window_id=ticket.window.pk if actor_id else None,
                actor_id=actor_id,
                created_at=at,
            )
            for kind, at, actor_id in steps
        ]
    return events


def demo_seed_queue(*, today: dt.date | None = None, history_days: int = data.HISTORY_DAYS) -> dict[str, int]:
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    totals = {"categories": 0, "tickets": 0, "slots": 0}
    plans = [
        (data.CITY["code"], data.CITY_CATEGORIES, data.CITY_WINDOW_CATEGORIES, data.CITY_TICKETS_PER_DAY),
        (data.BRANCH["code"], data.BRANCH_CATEGORIES, data.BRANCH_WINDOW_CATEGORIES, data.BRANCH_TICKETS_PER_DAY),
    ]
    for code, category_specs, profile, per_day in plans:
        centre = Centre.objects.get(code=code)
        QueuePolicy.objects.get_or_create(centre=centre)
        categories = _create_categories(centre, category_specs)
        _link_windows(centre, profile, categories)
        staff = _window_staff(centre, rng)
        traffic = {p: data.CITY_TRAFFIC.get(p, (0.9, 8)) for p in categories}
        tickets, timelines = _past_tickets(centre, categories, staff, traffic, per_day, today, rng, history_days)
        bulk_create_with_history(tickets, Ticket, batch_size=2000, default_change_reason="demo data")
        # bulk_create_with_history does not return ids on every backend: read them back in order.
        rows = Ticket.objects.filter(centre=centre).values_list("category_id", "service_date", "sequence", "id")
        saved = {(category_id, day, sequence): pk for category_id, day, sequence, pk in rows}
        ids = [saved[(t.category.pk, t.service_date, t.sequence)] for t in tickets]
        TicketEvent.objects.bulk_create(_events(tickets, ids, timelines), batch_size=5000)
        totals["categories"] += len(categories)
        totals["tickets"] += len(tickets)
        totals["slots"] += slots_generate(
            centre_id=centre.pk, start=today, days=QueuePolicy.objects.get(centre=centre).booking_days_ahead + 1
        )
    return totals
