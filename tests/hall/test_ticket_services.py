import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from common.errors import InvalidTransition, NotFound, PermissionDeniedError, ValidationFailed
from hall.models import QueuePolicy, Ticket, TicketEvent
from hall.services import tickets as svc
from hall.services.windows import window_pause

from .factories import CentreFactory, StaffFactory
from .queue_factories import QueueCategoryFactory, issue, serving_window

pytestmark = pytest.mark.django_db

MORNING = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def traveller():
    with time_machine.travel(MORNING, tick=True) as traveller:
        yield traveller


@pytest.fixture
def category_a(centre_1):
    return QueueCategoryFactory(centre=centre_1, prefix="A", name="综合受理")


@pytest.fixture
def category_b(centre_1):
    return QueueCategoryFactory(centre=centre_1, prefix="B", name="不动产登记")


@pytest.fixture
def window(centre_1, clerk, category_a, category_b):
    return serving_window(centre_1, clerk, [category_a, category_b], number="1")


# --- issuing ---------------------------------------------------------------------------------


def test_issue_numbers_tickets_per_category_from_001(category_a, category_b, traveller):
    numbers = [issue(category_a).number, issue(category_a).number, issue(category_b).number]

    assert numbers == ["A001", "A002", "B001"]


def test_issue_starts_again_at_001_the_next_day(category_a, traveller):
    issue(category_a)
    traveller.shift(dt.timedelta(days=1))

    assert issue(category_a).number == "A001"


def test_issue_records_an_event_and_a_history_row(category_a, traveller):
    ticket = issue(category_a)

    assert list(ticket.events.values_list("kind", flat=True)) == [TicketEvent.Kind.ISSUED]
    assert ticket.history.count() == 1


def test_issue_refuses_a_priority_ticket_without_its_group(category_a):
    with pytest.raises(ValidationFailed):
        issue(category_a, priority_class=Ticket.PriorityClass.PRIORITY_GROUP)
    assert not Ticket.objects.exists()


def test_issue_refuses_a_kiosk_of_another_centre(category_a, centre_2):
    from hall.models import Device

    kiosk = Device.objects.create(centre=centre_2, kind="kiosk", name="别的中心", key_prefix="k2", key_hash="x")

    with pytest.raises(PermissionDeniedError):
        issue(category_a, device=kiosk)
    assert not Ticket.objects.exists()


def test_issue_refuses_an_unknown_or_inactive_category(category_a):
    category_a.is_active = False
    category_a.save()

    with pytest.raises(NotFound):
        issue(category_a)


def test_issue_refuses_a_second_waiting_remote_ticket_of_the_same_citizen(category_a, citizen):
    issue(category_a, source="remote", citizen=citizen)

    with pytest.raises(InvalidTransition):
        issue(category_a, source="remote", citizen=citizen)
    assert Ticket.objects.count() == 1


# --- calling order ---------------------------------------------------------------------------


def test_call_next_takes_appointment_then_priority_group_then_normal(window, clerk, category_a, traveller):
    normal = issue(category_a)
    traveller.shift(dt.timedelta(seconds=5))
    green = issue(category_a, priority_class="priority_group", priority_group="elderly")
    traveller.shift(dt.timedelta(seconds=5))
    booked = issue(category_a, priority_class="appointment", source="appointment")

    called = []
    for _ in range(3):
        ticket = svc.ticket_call_next(window_id=window.pk, actor=clerk)
        called.append(ticket.pk)
        svc.ticket_mark_no_show(window_id=window.pk, actor=clerk)

    assert called == [booked.pk, green.pk, normal.pk]


def test_call_next_follows_the_window_category_order_then_issue_time(window, clerk, category_a, category_b, traveller):
    b_first = issue(category_b)
    traveller.shift(dt.timedelta(seconds=5))
    a_later = issue(category_a)
    traveller.shift(dt.timedelta(seconds=5))
    a_latest = issue(category_a)

    order = []
    for _ in range(3):
        order.append(svc.ticket_call_next(window_id=window.pk, actor=clerk).pk)
        svc.ticket_mark_no_show(window_id=window.pk, actor=clerk)

    assert order == [a_later.pk, a_latest.pk, b_first.pk]


def test_call_next_returns_none_when_nobody_waits(window, clerk):
    assert svc.ticket_call_next(window_id=window.pk, actor=clerk) is None


def test_a_normal_ticket_ages_past_a_stream_of_priority_tickets(window, clerk, category_a, centre_1, traveller):
    QueuePolicy.objects.update_or_create(centre=centre_1, defaults={"ageing_minutes": 10})
    old_normal = issue(category_a)
    traveller.shift(dt.timedelta(minutes=21))  # two ageing steps: normal → priority → appointment level
    for _ in range(3):
        issue(category_a, priority_class="priority_group", priority_group="pregnant")

    assert svc.ticket_call_next(window_id=window.pk, actor=clerk).pk == old_normal.pk


def test_a_fresh_normal_ticket_waits_behind_priority_tickets(window, clerk, category_a, traveller):
    issue(category_a)
    traveller.shift(dt.timedelta(minutes=1))
    green = issue(category_a, priority_class="priority_group", priority_group="military")

    assert svc.ticket_call_next(window_id=window.pk, actor=clerk).pk == green.pk


def test_serve_first_rule_calls_a_category_whose_longest_wait_passed_n_minutes(
    centre_1, category_a, category_b, traveller
):
    clerk = StaffFactory(centre=centre_1, role="clerk")
    window = serving_window(centre_1, clerk, [category_a, category_b], serve_first_B=15)
    b_ticket = issue(category_b)
    traveller.shift(dt.timedelta(minutes=16))
    issue(category_a)

    assert svc.ticket_call_next(window_id=window.pk, actor=clerk).pk == b_ticket.pk


def test_call_next_skips_categories_the_window_does_not_serve(centre_1, clerk, category_a, category_b):
    window = serving_window(centre_1, clerk, [category_a])
    issue(category_b)

    assert svc.ticket_call_next(window_id=window.pk, actor=clerk) is None


def test_call_next_ignores_waiting_tickets_of_yesterday(window, clerk, category_a, traveller):
    issue(category_a)
    traveller.shift(dt.timedelta(days=1))

    assert svc.ticket_call_next(window_id=window.pk, actor=clerk) is None


# --- refusals of calling ---------------------------------------------------------------------


def test_a_paused_window_cannot_call(window, clerk, category_a):
    issue(category_a)
    window_pause(window_id=window.pk, actor=clerk, reason="break")

    with pytest.raises(InvalidTransition, match="暂停"):
        svc.ticket_call_next(window_id=window.pk, actor=clerk)
    assert Ticket.objects.get().status == Ticket.Status.WAITING


def test_a_closed_window_cannot_call(centre_1, clerk, category_a):
    window = serving_window(centre_1, clerk, [category_a], open_it=False)
    issue(category_a)

    with pytest.raises(PermissionDeniedError):
        svc.ticket_call_next(window_id=window.pk, actor=clerk)


def test_only_the_clerk_on_duty_can_call(window, category_a, centre_1):
    other = StaffFactory(centre=centre_1, role="clerk")
    issue(category_a)

    with pytest.raises(PermissionDeniedError):
        svc.ticket_call_next(window_id=window.pk, actor=other)


def test_a_citizen_cannot_call(window, citizen, category_a):
    issue(category_a)

    with pytest.raises(PermissionDeniedError):
        svc.ticket_call_next(window_id=window.pk, actor=citizen)


def test_call_next_refuses_while_the_current_ticket_is_open(window, clerk, category_a):
    issue(category_a)
    issue(category_a)
    svc.ticket_call_next(window_id=window.pk, actor=clerk)

    with pytest.raises(InvalidTransition, match="A001"):
        svc.ticket_call_next(window_id=window.pk, actor=clerk)


# --- the ticket's life at the window ---------------------------------------------------------


def test_called_ticket_is_started_and_finished_with_times_kept(window, clerk, category_a):
    issue(category_a)
    svc.ticket_call_next(window_id=window.pk, actor=clerk)
    svc.ticket_start(window_id=window.pk, actor=clerk)
    done = svc.ticket_finish(window_id=window.pk, actor=clerk)

    assert done.status == Ticket.Status.DONE
    assert done.issued_at <= done.called_at <= done.started_at <= done.finished_at
    assert done.clerk == clerk and done.window == window
    assert list(done.events.values_list("kind", flat=True)) == ["issued", "called", "started", "finished"]


def test_finishing_a_ticket_that_was_never_started_is_refused(window, clerk, category_a):
    issue(category_a)
    svc.ticket_call_next(window_id=window.pk, actor=clerk)

    with pytest.raises(InvalidTransition, match="尚未开始办理"):
        svc.ticket_finish(window_id=window.pk, actor=clerk)
    assert Ticket.objects.get().status == Ticket.Status.CALLED


@pytest.mark.parametrize("operation", ["ticket_start", "ticket_finish", "ticket_recall", "ticket_mark_no_show"])
def test_window_operations_without_a_current_ticket_are_refused(window, clerk, operation):
    with pytest.raises(InvalidTransition):
        getattr(svc, operation)(window_id=window.pk, actor=clerk)


@pytest.mark.parametrize("operation", ["ticket_start", "ticket_recall", "ticket_mark_no_show"])
def test_called_only_operations_are_refused_while_serving(window, clerk, category_a, operation):
    issue(category_a)
    svc.ticket_call_next(window_id=window.pk, actor=clerk)
    svc.ticket_start(window_id=window.pk, actor=clerk)

    with pytest.raises(InvalidTransition):
        getattr(svc, operation)(window_id=window.pk, actor=clerk)
    assert Ticket.objects.get().status == Ticket.Status.SERVING


def test_recall_works_three_times_then_asks_for_no_show(window, clerk, category_a):
    issue(category_a)
    svc.ticket_call_next(window_id=window.pk, actor=clerk)
    for expected in (1, 2, 3):
        assert svc.ticket_recall(window_id=window.pk, actor=clerk).recall_count == expected

    with pytest.raises(InvalidTransition, match="过号"):
        svc.ticket_recall(window_id=window.pk, actor=clerk)
    assert svc.ticket_mark_no_show(window_id=window.pk, actor=clerk).status == Ticket.Status.NO_SHOW


def test_a_returning_no_show_waits_a_fixed_number_of_places_behind_the_head(
    window, clerk, category_a, centre_1, traveller
):
    QueuePolicy.objects.update_or_create(centre=centre_1, defaults={"no_show_requeue_places": 2})
    late = issue(category_a)
    others = []
    for _ in range(4):
        traveller.shift(dt.timedelta(seconds=10))
        others.append(issue(category_a))
    svc.ticket_call_next(window_id=window.pk, actor=clerk)
    svc.ticket_mark_no_show(window_id=window.pk, actor=clerk)

    svc.ticket_requeue_no_show(ticket_id=late.pk, actor=clerk)

    order = []
    for _ in range(5):
        order.append(svc.ticket_call_next(window_id=window.pk, actor=clerk).pk)
        svc.ticket_mark_no_show(window_id=window.pk, actor=clerk)
    assert order == [others[0].pk, others[1].pk, late.pk, others[2].pk, others[3].pk]


@pytest.mark.parametrize("status", ["waiting", "called", "serving", "done", "transferred", "cancelled"])
def test_only_a_no_show_can_be_requeued(category_a, clerk, status):
    ticket = issue(category_a)
    Ticket.objects.filter(pk=ticket.pk).update(status=status)

    with pytest.raises(InvalidTransition):
        svc.ticket_requeue_no_show(ticket_id=ticket.pk, actor=clerk)


def test_transfer_keeps_the_original_issue_time_and_goes_to_the_target_queue(
    window, clerk, category_a, category_b, centre_1, traveller
):
    ticket = issue(category_a)
    traveller.shift(dt.timedelta(minutes=30))
    issue(category_b)  # issued later than the transferred ticket
    svc.ticket_call_next(window_id=window.pk, actor=clerk)

    moved = svc.ticket_transfer(window_id=window.pk, actor=clerk, category_id=category_b.pk, reason="需先办不动产")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TRANSFERRED
    assert moved.category == category_b and moved.number == "B002"
    assert moved.issued_at == ticket.issued_at and moved.queued_at == ticket.queued_at
    assert moved.transferred_from == ticket
    assert svc.ticket_call_next(window_id=window.pk, actor=clerk).pk == moved.pk


def test_transfer_to_a_category_no_open_window_serves_is_refused(window, clerk, category_a, centre_1):
    lonely = QueueCategoryFactory(centre=centre_1, prefix="Z", name="无人办理")
    issue(category_a)
    svc.ticket_call_next(window_id=window.pk, actor=clerk)

    with pytest.raises(InvalidTransition, match="没有开放的窗口"):
        svc.ticket_transfer(window_id=window.pk, actor=clerk, category_id=lonely.pk)
    assert Ticket.objects.get().status == Ticket.Status.CALLED


def test_calling_out_of_order_needs_a_reason_and_is_logged(window, clerk, category_a, traveller):
    issue(category_a)
    traveller.shift(dt.timedelta(seconds=5))
    later = issue(category_a)

    with pytest.raises(ValidationFailed):
        svc.ticket_call_specific(window_id=window.pk, ticket_id=later.pk, actor=clerk, reason=" ")
    picked = svc.ticket_call_specific(window_id=window.pk, ticket_id=later.pk, actor=clerk, reason="行动不便，先行办理")

    assert picked.status == Ticket.Status.CALLED
    event = picked.events.get(kind=TicketEvent.Kind.PICKED)
    assert event.reason == "行动不便，先行办理" and event.actor == clerk


def test_citizen_cancels_their_own_waiting_ticket_only(category_a, citizen):
    from .factories import CitizenFactory

    ticket = issue(category_a, source="remote", citizen=citizen)
    with pytest.raises(PermissionDeniedError):
        svc.ticket_cancel(ticket_id=ticket.pk, actor=CitizenFactory())

    assert svc.ticket_cancel(ticket_id=ticket.pk, actor=citizen).status == Ticket.Status.CANCELLED
    with pytest.raises(InvalidTransition):
        svc.ticket_cancel(ticket_id=ticket.pk, actor=citizen)


def test_the_centre_of_a_clerk_bounds_what_they_can_staff(category_a, traveller):
    other_centre = CentreFactory()
    outsider = StaffFactory(centre=other_centre, role="clerk")

    with pytest.raises(PermissionDeniedError):
        serving_window(category_a.centre, outsider, [category_a])


def test_times_are_kept_in_local_service_days(category_a, traveller):
    ticket = issue(category_a)

    assert ticket.service_date == timezone.localdate() == dt.date(2026, 12, 2)
