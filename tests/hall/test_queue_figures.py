"""Waiting estimate, the '3 people ahead' message and tidal windows."""

import datetime as dt

import pytest
import time_machine

from common.errors import InvalidTransition, PermissionDeniedError
from hall.models import Notice, QueuePolicy, Ticket, WindowCategory, WindowEvent
from hall.queue_selectors import people_ahead, waiting_counts, waiting_estimate
from hall.services import tickets as svc
from hall.services.queue_notices import queue_send_near_notices
from hall.services.tidal import tidal_assign, tidal_rebalance, tidal_release
from hall.services.windows import window_pause

from .factories import StaffFactory
from .queue_factories import QueueCategoryFactory, issue, serving_window

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ), tick=False) as traveller:
        yield traveller


@pytest.fixture
def category(centre_1):
    return QueueCategoryFactory(centre=centre_1, prefix="A", tidal_waiting_threshold=3, tidal_release_waiting=2)


def serve(window, clerk, clock, minutes):
    svc.ticket_call_next(window_id=window.pk, actor=clerk)
    svc.ticket_start(window_id=window.pk, actor=clerk)
    clock.shift(dt.timedelta(minutes=minutes))
    svc.ticket_finish(window_id=window.pk, actor=clerk)


# --- waiting estimate ------------------------------------------------------------------------


def test_estimate_is_people_ahead_times_mean_service_time_over_open_windows(centre_1, category, clock):
    clerk_1, clerk_2 = StaffFactory(centre=centre_1), StaffFactory(centre=centre_1)
    window_1 = serving_window(centre_1, clerk_1, [category])
    serving_window(centre_1, clerk_2, [category])
    for _ in range(2):  # two services of 6 minutes each
        issue(category)
        serve(window_1, clerk_1, clock, 6)
    waiting = [issue(category) for _ in range(5)]

    estimate = waiting_estimate(waiting[4])

    assert estimate.people_ahead == 4 and estimate.open_windows == 2
    assert estimate.mean_service_minutes == 6.0 and estimate.minutes == 12


def test_estimate_has_no_minutes_when_no_window_is_open(category, clock):
    ticket = issue(category)

    assert waiting_estimate(ticket).minutes is None


def test_priority_tickets_are_counted_ahead_of_a_normal_one(category, clock):
    normal = issue(category)
    clock.shift(dt.timedelta(seconds=1))
    issue(category, priority_class="priority_group", priority_group="disabled")

    assert people_ahead(normal) == 1


def test_waiting_counts_give_count_and_longest_wait_per_category(category, centre_1, clock):
    other = QueueCategoryFactory(centre=centre_1, prefix="B")
    issue(category)
    clock.shift(dt.timedelta(minutes=7))
    issue(category)

    rows = {row["prefix"]: row for row in waiting_counts(centre_1.pk)}

    assert rows["A"]["waiting"] == 2 and rows["A"]["longest_wait_minutes"] == 7
    assert rows[other.prefix]["waiting"] == 0


# --- near notice -----------------------------------------------------------------------------


def test_the_3_ahead_message_is_sent_once_per_ticket(category, clock, sms_outbox):
    tickets = [issue(category, phone=f"1390000000{i}") for i in range(6)]

    assert queue_send_near_notices(category_id=category.pk) == 4  # 0, 1, 2 and 3 people ahead
    assert queue_send_near_notices(category_id=category.pk) == 0
    assert [phone for phone, _text in sms_outbox] == [t.phone for t in tickets[:4]]
    assert "A004" in sms_outbox[3][1]
    Ticket.objects.filter(pk=tickets[0].pk).update(status="done")
    assert queue_send_near_notices(category_id=category.pk) == 1


def test_tickets_without_a_phone_get_no_message(category, clock, sms_outbox):
    issue(category)

    assert queue_send_near_notices(category_id=category.pk) == 0 and sms_outbox == []


# --- tidal windows ---------------------------------------------------------------------------


@pytest.fixture
def tidal_window(centre_1):
    clerk = StaffFactory(centre=centre_1)
    return serving_window(centre_1, clerk, [], kind="tidal", number="T1")


def test_a_long_queue_gets_an_open_tidal_window_and_the_switch_is_logged(category, tidal_window, clock):
    for _ in range(4):
        issue(category)

    assert tidal_rebalance(centre_id=category.centre_id) == {"assigned": 1, "proposed": 0, "released": 0}
    assert tidal_rebalance(centre_id=category.centre_id) == {"assigned": 0, "proposed": 0, "released": 0}
    assert WindowCategory.objects.get(window=tidal_window, is_tidal_assignment=True).category == category
    assert WindowEvent.objects.filter(window=tidal_window, kind="tidal_assigned").count() == 1
    assert svc.ticket_call_next(window_id=tidal_window.pk, actor=tidal_window.clerk).category == category


def test_a_long_wait_alone_also_triggers_the_tidal_window(category, tidal_window, clock):
    issue(category)
    clock.shift(dt.timedelta(minutes=31))

    assert tidal_rebalance(centre_id=category.centre_id)["assigned"] == 1


def test_the_tidal_window_is_released_when_the_queue_falls(category, tidal_window, clock):
    tickets = [issue(category) for _ in range(4)]
    tidal_rebalance(centre_id=category.centre_id)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[:3]]).update(status="done")

    assert tidal_rebalance(centre_id=category.centre_id)["released"] == 1
    assert not WindowCategory.objects.filter(window=tidal_window).exists()
    assert WindowEvent.objects.filter(window=tidal_window, kind="tidal_released").exists()


def test_a_paused_tidal_window_is_not_assigned(category, tidal_window, clock):
    window_pause(window_id=tidal_window.pk, actor=tidal_window.clerk, reason="meeting")
    for _ in range(4):
        issue(category)

    assert tidal_rebalance(centre_id=category.centre_id)["assigned"] == 0


def test_in_propose_mode_managers_get_one_proposal(category, tidal_window, manager_1, clock):
    QueuePolicy.objects.update_or_create(centre=category.centre, defaults={"tidal_mode": "propose"})
    for _ in range(4):
        issue(category)

    assert tidal_rebalance(centre_id=category.centre_id)["proposed"] == 1
    assert tidal_rebalance(centre_id=category.centre_id)["proposed"] == 0
    assert not WindowCategory.objects.filter(window=tidal_window).exists()
    assert Notice.objects.filter(recipient=manager_1, kind="tidal_proposal").count() == 1

    tidal_assign(window_id=tidal_window.pk, category_id=category.pk, actor=manager_1)
    assert WindowCategory.objects.filter(window=tidal_window, is_tidal_assignment=True).exists()


def test_manual_tidal_assignment_is_for_managers_of_the_centre_and_tidal_windows(
    category, tidal_window, manager_2, clerk, manager_1, clock
):
    with pytest.raises(PermissionDeniedError):
        tidal_assign(window_id=tidal_window.pk, category_id=category.pk, actor=manager_2)
    with pytest.raises(PermissionDeniedError):
        tidal_assign(window_id=tidal_window.pk, category_id=category.pk, actor=clerk)
    tidal_assign(window_id=tidal_window.pk, category_id=category.pk, actor=manager_1)
    with pytest.raises(InvalidTransition):
        tidal_assign(window_id=tidal_window.pk, category_id=category.pk, actor=manager_1)
    tidal_release(window_id=tidal_window.pk, actor=manager_1)
    with pytest.raises(InvalidTransition):
        tidal_release(window_id=tidal_window.pk, actor=manager_1)
