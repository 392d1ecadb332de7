"""The citizen side's own rules and reads: opening hours for remote tickets, the centre overview's
estimate, bookable matters and days, the citizen's bookings, and the citizen-only services."""

import datetime as dt

import pytest
import time_machine

from common.errors import InvalidTransition, NotFound, PermissionDeniedError
from hall import citizen_queue_selectors as sel
from hall.models import Appointment, AppointmentSlot, QueuePolicy, Role, Ticket
from hall.queue_selectors import waiting_estimate
from hall.services import tickets as ticket_services
from hall.services.appointments import appointment_book
from hall.services.citizen_queue import citizen_appointment_cancel, citizen_ticket_cancel, remote_ticket_issue
from tests.hall.calendar_helpers import seed_package_calendar_if_flushed

from .factories import CitizenFactory, MatterFactory, StaffFactory
from .queue_factories import QueueCategoryFactory, issue, serving_window

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.date(2026, 11, 30)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=TZ)


@pytest.fixture(autouse=True)
def _calendar():
    seed_package_calendar_if_flushed()


@pytest.fixture
def clock():
    with time_machine.travel(at(MONDAY, 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def matter(centre_1, department_a):
    return MatterFactory(centre=centre_1, department=department_a, appointment=True, name="食品经营许可")


@pytest.fixture
def category(centre_1, matter):
    category = QueueCategoryFactory(centre=centre_1, prefix="A", name="市场监管")
    category.matters.add(matter)
    return category


def make_slot(category, day, start=dt.time(10, 0), end=dt.time(10, 30), capacity=10, booked=0):
    return AppointmentSlot.objects.create(
        centre=category.centre, category=category, date=day, starts_at=start, ends_at=end, capacity=capacity,
        booked=booked,
    )


# --- opening hours ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (at(MONDAY, 8, 59), False),
        (at(MONDAY, 9, 0), True),
        (at(MONDAY, 11, 59), True),
        (at(MONDAY, 12, 0), False),
        (at(MONDAY, 13, 29), False),
        (at(MONDAY, 13, 30), True),
        (at(MONDAY, 16, 59), True),
        (at(MONDAY, 17, 0), False),
    ],
)
def test_open_status_follows_opening_hours_and_the_lunch_break(centre_1, moment, is_open):
    assert sel.centre_open_status(centre_1, at=moment).is_open is is_open


def test_lunchtime_service_keeps_the_centre_open_at_noon(centre_1):
    centre_1.lunch_service = True

    assert sel.centre_open_status(centre_1, at=at(MONDAY, 12, 30)).is_open


def test_lunch_break_gives_the_break_times_as_the_reason(centre_1):
    status = sel.centre_open_status(centre_1, at=at(MONDAY, 12, 30))

    assert "午休" in status.reason and "12:00–13:30" in status.reason


def test_a_plain_saturday_is_closed_without_weekend_service(centre_1):
    status = sel.centre_open_status(centre_1, at=at(dt.date(2026, 12, 5), 10))

    assert not status.is_open and "周末" in status.reason


def test_a_plain_saturday_is_open_with_weekend_service(centre_1):
    centre_1.weekend_service = True

    assert sel.centre_open_status(centre_1, at=at(dt.date(2026, 12, 5), 10)).is_open


def test_a_public_holiday_is_closed_even_with_weekend_service(centre_1):
    centre_1.weekend_service = True

    status = sel.centre_open_status(centre_1, at=at(dt.date(2026, 10, 3), 10))  # a Saturday in 国庆节

    assert not status.is_open and "国庆节" in status.reason


def test_an_adjusted_working_saturday_is_open(centre_1):
    assert sel.centre_open_status(centre_1, at=at(dt.date(2026, 10, 10), 10)).is_open  # 调休上班


def test_before_opening_the_reason_says_when_it_opens(centre_1):
    assert "09:00" in sel.centre_open_status(centre_1, at=at(MONDAY, 8)).reason


# --- the centre overview -------------------------------------------------------------------------------


def test_overview_estimate_matches_the_estimate_the_new_ticket_then_gets(centre_1, category, clock):
    clerk = StaffFactory(centre=centre_1, role=Role.CLERK)
    window = serving_window(centre_1, clerk, [category])
    issue(category)
    ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)
    ticket_services.ticket_start(window_id=window.pk, actor=clerk)
    clock.shift(dt.timedelta(minutes=6))
    ticket_services.ticket_finish(window_id=window.pk, actor=clerk)
    for _ in range(3):
        issue(category)

    [row] = sel.centre_queue_overview(centre_1.pk)
    new_ticket = issue(category)

    assert row.waiting == 3 and row.open_windows == 1
    assert row.estimate_minutes == waiting_estimate(new_ticket).minutes == 18


def test_overview_has_no_estimate_when_no_window_is_open(centre_1, category, clock):
    issue(category)

    [row] = sel.centre_queue_overview(centre_1.pk)

    assert row.waiting == 1 and row.open_windows == 0 and row.estimate_minutes is None


def test_overview_leaves_out_inactive_categories_and_other_centres(centre_1, centre_2, category, clock):
    QueueCategoryFactory(centre=centre_1, prefix="Z", is_active=False)
    QueueCategoryFactory(centre=centre_2, prefix="B")

    assert [row.prefix for row in sel.centre_queue_overview(centre_1.pk)] == ["A"]


def test_overview_takes_three_queries_whatever_the_number_of_categories(
    centre_1, category, clock, django_assert_num_queries
):
    for prefix in "BCDEF":
        QueueCategoryFactory(centre=centre_1, prefix=prefix)

    with django_assert_num_queries(3):
        sel.centre_queue_overview(centre_1.pk)


# --- booking reads ---------------------------------------------------------------------------------------


def test_bookable_matters_need_appointment_publication_and_an_active_category(centre_1, department_a, category, matter):
    no_booking = MatterFactory(centre=centre_1, department=department_a, appointment=False)
    draft = MatterFactory(centre=centre_1, department=department_a, appointment=True, draft=True)
    uncategorised = MatterFactory(centre=centre_1, department=department_a, appointment=True)
    inactive = QueueCategoryFactory(centre=centre_1, prefix="Q", is_active=False)
    in_inactive = MatterFactory(centre=centre_1, department=department_a, appointment=True)
    inactive.matters.add(in_inactive, no_booking)
    category.matters.add(no_booking, draft)

    assert sel.bookable_matters() == [matter]
    assert all(sel.bookable_matter(m.pk) is None for m in (no_booking, draft, uncategorised, in_inactive))


def test_bookable_matters_search_by_name(centre_1, department_a, category, matter):
    other = MatterFactory(centre=centre_1, department=department_a, appointment=True, name="药品零售许可")
    category.matters.add(other)

    assert sel.bookable_matters(query="药品") == [other]


def test_booking_days_cover_the_policy_window_and_sum_the_places_left(category, matter, clock):
    QueuePolicy.objects.create(centre=category.centre, booking_days_ahead=3)
    make_slot(category, dt.date(2026, 12, 1), capacity=5, booked=2)
    make_slot(category, dt.date(2026, 12, 1), start=dt.time(11), end=dt.time(11, 30), capacity=5, booked=5)
    make_slot(category, dt.date(2026, 12, 3), capacity=4, booked=4)
    make_slot(category, dt.date(2026, 12, 4), capacity=4)  # beyond today + 3 days

    days = sel.booking_days(matter)

    assert [(d.date, d.remaining, d.is_full) for d in days] == [
        (dt.date(2026, 12, 1), 3, False),
        (dt.date(2026, 12, 3), 0, True),
    ]


def test_slots_that_already_started_today_are_not_offered(category, matter, clock):
    make_slot(category, MONDAY, start=dt.time(9, 30), end=dt.time(10, 0))
    later = make_slot(category, MONDAY, start=dt.time(10, 30), end=dt.time(11, 0))

    assert sel.booking_slots(matter, MONDAY) == [later]


def test_slots_of_a_day_the_centre_does_not_serve_are_not_offered(category, matter, clock):
    make_slot(category, dt.date(2026, 12, 5))  # a Saturday, the centre has no weekend service

    assert sel.booking_slots(matter, dt.date(2026, 12, 5)) == []
    assert sel.booking_days(matter) == []


def test_citizen_appointments_split_upcoming_and_past_with_the_cancel_rule(category, matter, citizen, clock):
    tomorrow = make_slot(category, dt.date(2026, 12, 1))
    soon = make_slot(category, MONDAY, start=dt.time(10, 30), end=dt.time(11, 0))
    other = MatterFactory(centre=category.centre, department=matter.department, appointment=True)
    category.matters.add(other)
    later = appointment_book(citizen=citizen, slot_id=tomorrow.pk, matter_id=matter.pk)
    within_the_hour = appointment_book(citizen=citizen, slot_id=soon.pk, matter_id=other.pk)
    clock.move_to(at(MONDAY, 11, 5))

    mine = sel.citizen_appointments(citizen)

    assert [m.appointment for m in mine["upcoming"]] == [later]
    assert [m.appointment for m in mine["past"]] == [within_the_hour]
    assert mine["upcoming"][0].can_cancel and not mine["past"][0].can_cancel
    assert mine["upcoming"][0].check_in_from == at(dt.date(2026, 12, 1), 9, 30)


def test_citizen_reads_never_return_someone_elses_records(category, matter, citizen, clock):
    stranger = CitizenFactory()
    slot = make_slot(category, dt.date(2026, 12, 1))
    booking = appointment_book(citizen=stranger, slot_id=slot.pk, matter_id=matter.pk)
    ticket = remote_ticket_issue(citizen=stranger, category_id=category.pk)

    assert sel.citizen_tickets_today(citizen) == [] and sel.citizen_ticket(citizen, ticket.pk) is None
    assert sel.citizen_appointments(citizen) == {"upcoming": [], "past": []}
    assert sel.citizen_appointment(citizen, booking.pk) is None


# --- citizen services --------------------------------------------------------------------------------------


def test_remote_ticket_is_a_remote_ticket_of_the_citizen_with_their_phone(category, citizen, clock):
    ticket = remote_ticket_issue(citizen=citizen, category_id=category.pk)

    assert (ticket.source, ticket.citizen, ticket.phone, ticket.number) == ("remote", citizen, citizen.phone, "A001")
    assert ticket.status == Ticket.Status.WAITING


def test_remote_ticket_is_refused_while_the_centre_is_closed(category, citizen, clock):
    clock.move_to(at(MONDAY, 12, 15))

    with pytest.raises(InvalidTransition, match="午休"):
        remote_ticket_issue(citizen=citizen, category_id=category.pk)
    assert not Ticket.objects.exists()


def test_remote_ticket_is_refused_to_staff(category, clerk, clock):
    with pytest.raises(PermissionDeniedError):
        remote_ticket_issue(citizen=clerk, category_id=category.pk)
    assert not Ticket.objects.exists()


def test_remote_ticket_of_an_inactive_or_unknown_category_is_not_found(category, citizen, clock):
    category.is_active = False
    category.save()

    for category_id in (category.pk, 987654):
        with pytest.raises(NotFound):
            remote_ticket_issue(citizen=citizen, category_id=category_id)


def test_cancelling_someone_elses_ticket_is_not_found_and_changes_nothing(category, citizen, clock):
    ticket = remote_ticket_issue(citizen=CitizenFactory(), category_id=category.pk)

    with pytest.raises(NotFound):
        citizen_ticket_cancel(citizen=citizen, ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING


def test_cancelling_someone_elses_booking_is_not_found_and_changes_nothing(category, matter, citizen, clock):
    slot = make_slot(category, dt.date(2026, 12, 1))
    booking = appointment_book(citizen=CitizenFactory(), slot_id=slot.pk, matter_id=matter.pk)

    with pytest.raises(NotFound):
        citizen_appointment_cancel(citizen=citizen, appointment_id=booking.pk)
    booking.refresh_from_db()
    slot.refresh_from_db()
    assert booking.status == Appointment.Status.BOOKED and slot.booked == 1

