"""The one-statement writes behind the ticket services: call-next's database function and the history rows.

The calling order itself is tested in test_ticket_services.py and, under 20 concurrent windows, in
test_queue_concurrency.py; here: the rows the fast paths write are the rows the ORM would have written, the
function looks further when the heads it read are held by other windows, and the "3 ahead" job is scheduled once
per burst of calls.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from common.history_sql import tracked_columns
from hall.models import QueuePolicy, Ticket, TicketEvent
from hall.services import ticket_writes
from hall.services import tickets as ticket_services
from hall.services.tickets import (
    ticket_call_next,
    ticket_finish,
    ticket_mark_no_show,
    ticket_recall,
    ticket_requeue_no_show,
    ticket_start,
)

from .factories import CentreFactory, StaffFactory
from .queue_factories import QueueCategoryFactory, issue, serving_window


@pytest.fixture
def hall_window():
    centre = CentreFactory()
    clerk = StaffFactory(centre=centre, role="clerk")
    category = QueueCategoryFactory(centre=centre, prefix="A")
    return centre, clerk, category, serving_window(centre, clerk, [category])


def _history_matches_row(ticket: Ticket, reason: str, user) -> None:
    record = ticket.history.order_by("-history_id").first()
    assert (record.history_type, record.history_change_reason, record.history_user_id) == ("~", reason, user.pk)
    ticket.refresh_from_db()
    for column in tracked_columns(Ticket):
        attname = next(f.attname for f in Ticket._meta.concrete_fields if f.column == column)
        assert getattr(record, attname) == getattr(ticket, attname), column


@pytest.mark.django_db
def test_every_window_transition_writes_the_full_history_row_and_one_event(hall_window):
    _centre, clerk, category, window = hall_window
    issue(category, phone="13800000000", holder_name="张三")

    ticket = ticket_call_next(window_id=window.pk, actor=clerk)
    _history_matches_row(ticket, "called", clerk)
    assert ticket.status == "called" and ticket.window_id == window.pk and ticket.clerk_id == clerk.pk
    for transition, reason in ((ticket_recall, "recalled"), (ticket_start, "started"), (ticket_finish, "finished")):
        returned = transition(window_id=window.pk, actor=clerk)
        _history_matches_row(returned, reason, clerk)

    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", "window_id", "actor_id"))
    assert kinds == [("issued", None, None)] + [(k, window.pk, clerk.pk) for k in
                                                ("called", "recalled", "started", "finished")]
    assert ticket.history.count() == 5  # created + 4 changes


@pytest.mark.django_db
def test_the_object_returned_by_a_transition_is_what_was_stored(hall_window):
    _centre, clerk, category, window = hall_window
    issue(category)
    called = ticket_call_next(window_id=window.pk, actor=clerk)
    stored = Ticket.objects.get(pk=called.pk)
    assert (called.status, called.called_at, called.updated_at) == (stored.status, stored.called_at, stored.updated_at)
    no_show = ticket_mark_no_show(window_id=window.pk, actor=clerk)
    stored.refresh_from_db()
    assert (no_show.status, no_show.updated_at) == (stored.status, stored.updated_at) == ("no_show", stored.updated_at)
    requeued = ticket_requeue_no_show(ticket_id=called.pk, actor=clerk)
    stored.refresh_from_db()
    assert (requeued.status, requeued.window_id, requeued.clerk_id, requeued.called_at) == ("waiting", None, None, None)
    assert (stored.status, stored.window_id, stored.queued_at) == ("waiting", None, requeued.queued_at)
    _history_matches_row(stored, "requeued", clerk)


@pytest.mark.django_db(transaction=True)
def test_when_every_head_read_is_held_by_another_window_call_next_looks_further(monkeypatch):
    """Queue A (the window's first category) has A1, A2; queue B has B1. Another window holds A1 while this one
    calls with one head per queue: A2 is still better than B1, so the function must look past A1, not settle
    for B1."""
    monkeypatch.setattr(ticket_writes, "CALL_NEXT_HEADS", 1)
    centre = CentreFactory()
    QueuePolicy.objects.create(centre=centre, ageing_minutes=240)
    clerk = StaffFactory(centre=centre, role="clerk")
    a, b = QueueCategoryFactory(centre=centre, prefix="A"), QueueCategoryFactory(centre=centre, prefix="B")
    window = serving_window(centre, clerk, [a, b])
    a1, a2 = issue(a), issue(a)
    issue(b)
    Ticket.objects.filter(pk__in=[a1.pk, a2.pk]).update(queued_at=timezone.now() - dt.timedelta(minutes=1))
    held, release = threading.Event(), threading.Event()

    def hold_a1():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT id FROM hall_ticket WHERE id = %s FOR UPDATE", [a1.pk])
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_a1)
    holder.start()
    try:
        assert held.wait(timeout=30)
        called = ticket_call_next(window_id=window.pk, actor=clerk)
    finally:
        release.set()
        holder.join()

    assert called.pk == a2.pk
    assert Ticket.objects.get(pk=a1.pk).status == "waiting"  # left for the window holding it


@pytest.mark.django_db
def test_the_near_notice_job_is_scheduled_once_per_burst_of_calls(monkeypatch):
    scheduled = []
    clock = [1000.0]
    monkeypatch.setattr(ticket_services.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(ticket_services, "_near_notice_job_at", {})
    from hall import tasks

    monkeypatch.setattr(tasks.queue_send_near_notices, "apply_async", lambda **kw: scheduled.append(kw))

    for _ in range(5):
        ticket_services._schedule_near_notices(7)
        clock[0] += 0.1
    ticket_services._schedule_near_notices(8)
    assert scheduled == [
        {"kwargs": {"category_id": 7}, "countdown": ticket_services.NEAR_NOTICE_DELAY_SECONDS},
        {"kwargs": {"category_id": 8}, "countdown": ticket_services.NEAR_NOTICE_DELAY_SECONDS},
    ]
    clock[0] += ticket_services.NEAR_NOTICE_DELAY_SECONDS  # the job has run: the next call schedules another
    ticket_services._schedule_near_notices(7)
    assert len(scheduled) == 3


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_call_tells_the_ticket_now_three_places_from_the_front_through_a_real_worker(sms_outbox, monkeypatch):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    monkeypatch.setattr(ticket_services, "_near_notice_job_at", {})
    centre = CentreFactory()
    clerk = StaffFactory(centre=centre, role="clerk")
    category = QueueCategoryFactory(centre=centre, prefix="A")
    window = serving_window(centre, clerk, [category])
    tickets = [issue(category, phone=f"1380000{n:04d}") for n in range(6)]
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[:4]]).update(near_notice_sent_at=timezone.now())

    app.control.purge()  # tasks other tests left on the real broker would run first
    with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1):
        ticket_call_next(window_id=window.pk, actor=clerk)  # tickets[4] now has 3 people ahead
        deadline = timezone.now() + dt.timedelta(seconds=20)
        while timezone.now() < deadline and not Ticket.objects.get(pk=tickets[4].pk).near_notice_sent_at:
            threading.Event().wait(0.1)

    assert Ticket.objects.get(pk=tickets[4].pk).near_notice_sent_at is not None
    assert Ticket.objects.get(pk=tickets[5].pk).near_notice_sent_at is None
    assert [message[0] for message in sms_outbox] == [tickets[4].phone]


@pytest.mark.django_db
def test_a_superuser_calls_at_a_clerks_window_through_the_full_checks(hall_window):
    from .factories import UserFactory

    _centre, _clerk, category, window = hall_window
    issue(category)
    admin = UserFactory(username="root-admin", is_superuser=True, is_staff=True)
    called = ticket_call_next(window_id=window.pk, actor=admin)
    assert (called.status, called.clerk_id, called.window_id) == ("called", admin.pk, window.pk)
    assert ticket_mark_no_show(window_id=window.pk, actor=admin).status == "no_show"
    assert ticket_call_next(window_id=window.pk, actor=admin) is None  # nobody left waiting


@pytest.mark.django_db
def test_refusals_from_the_fast_paths_keep_their_chinese_reasons_and_change_nothing(hall_window):
    from common.errors import InvalidTransition

    _centre, clerk, category, window = hall_window
    issue(category)
    ticket_call_next(window_id=window.pk, actor=clerk)
    events = TicketEvent.objects.count()
    with pytest.raises(InvalidTransition, match="请先处理当前的 A001 号"):
        ticket_call_next(window_id=window.pk, actor=clerk)
    with pytest.raises(InvalidTransition, match="尚未开始办理，不能办结"):
        ticket_finish(window_id=window.pk, actor=clerk)
    assert TicketEvent.objects.count() == events
