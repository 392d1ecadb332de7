"""Concurrency against the real PostgreSQL with real threads: each thread has its own connection."""

import datetime as dt
import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from common.errors import DomainError
from hall.models import Appointment, AppointmentSlot, Matter, QueuePolicy, Ticket, TicketEvent
from hall.services.appointments import appointment_book
from hall.services.tickets import ticket_call_next, ticket_mark_no_show

from .factories import CentreFactory, CitizenFactory, DepartmentFactory, MatterFactory, StaffFactory
from .queue_factories import QueueCategoryFactory, issue, serving_window

pytestmark = pytest.mark.django_db(transaction=True)

CLASS_RANK = {"appointment": 0, "priority_group": 1, "normal": 2}


def _in_thread(fn):
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    return run


def test_twenty_windows_calling_from_2000_tickets_call_each_exactly_once_in_order():
    centre = CentreFactory()
    QueuePolicy.objects.create(centre=centre, ageing_minutes=240)
    categories = [QueueCategoryFactory(centre=centre, prefix=p) for p in ("A", "B")]
    now = timezone.now()
    classes = ["normal"] * 8 + ["priority_group", "appointment"]
    Ticket.objects.bulk_create(
        [
            Ticket(
                centre=centre,
                category=categories[i % 2],
                service_date=timezone.localdate(now),
                sequence=i // 2 + 1,
                number=f"{categories[i % 2].prefix}{i // 2 + 1:03d}",
                source="kiosk",
                priority_class=classes[i % 10],
                priority_group="elderly" if classes[i % 10] == "priority_group" else "",
                issued_at=now - dt.timedelta(seconds=2000 - i),
                queued_at=now - dt.timedelta(seconds=2000 - i),
            )
            for i in range(2000)
        ]
    )
    windows = []
    for n in range(20):
        clerk = StaffFactory(centre=centre, role="clerk")
        order = categories if n % 2 == 0 else categories[::-1]
        windows.append((serving_window(centre, clerk, order, number=str(n + 1)), clerk, order))
    start = threading.Barrier(20)

    @_in_thread
    def work(window, clerk):
        start.wait()
        called = []
        while (ticket := ticket_call_next(window_id=window.pk, actor=clerk)) is not None:
            called.append(ticket.pk)
            ticket_mark_no_show(window_id=window.pk, actor=clerk)
        return called

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda w: work(w[0], w[1]), windows))

    calls = Counter(TicketEvent.objects.filter(kind="called").values_list("ticket_id", flat=True))
    assert len(calls) == 2000 and set(calls.values()) == {1}
    assert not Ticket.objects.filter(status="waiting").exists()
    assert sum(len(r) for r in results) == 2000
    tickets = {t.pk: t for t in Ticket.objects.all()}
    for (window, _clerk, order), called in zip(windows, results, strict=True):
        position = {c.pk: i for i, c in enumerate(order)}
        keys = [
            (CLASS_RANK[tickets[pk].priority_class], position[tickets[pk].category_id], tickets[pk].queued_at)
            for pk in called
        ]
        assert keys == sorted(keys), f"window {window.number} called out of order"


def test_two_hundred_concurrent_issues_get_contiguous_unique_numbers():
    category = QueueCategoryFactory(prefix="A")
    start = threading.Barrier(40)

    @_in_thread
    def take(i):
        if i < 40:
            start.wait()
        return issue(category).sequence

    with ThreadPoolExecutor(max_workers=40) as pool:
        sequences = list(pool.map(take, range(200)))

    assert sorted(sequences) == list(range(1, 201))
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 200 and "A200" in numbers and "A201" not in numbers


def test_fifty_concurrent_bookings_for_a_slot_of_ten_give_exactly_ten():
    centre = CentreFactory()
    department = DepartmentFactory(centre=centre)
    matter = MatterFactory(centre=centre, department=department, appointment=True, status=Matter.Status.PUBLISHED)
    category = QueueCategoryFactory(centre=centre, prefix="A")
    category.matters.add(matter)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    while tomorrow.weekday() >= 5:
        tomorrow += dt.timedelta(days=1)
    slot = AppointmentSlot.objects.create(
        centre=centre, category=category, date=tomorrow, starts_at=dt.time(10, 0), ends_at=dt.time(10, 30), capacity=10
    )
    citizens = [CitizenFactory() for _ in range(50)]
    start = threading.Barrier(50)
    outcomes = defaultdict(int)
    lock = threading.Lock()

    @_in_thread
    def book(citizen):
        start.wait()
        try:
            appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)
            result = "booked"
        except DomainError as exc:
            result = str(exc.message)
        with lock:
            outcomes[result] += 1

    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(book, citizens))

    assert outcomes["booked"] == 10
    assert outcomes["该时段已约满，请选择其他时段。"] == 40
    slot.refresh_from_db()
    assert slot.booked == 10 == Appointment.objects.filter(slot=slot, status="booked").count()
