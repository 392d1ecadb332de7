import datetime as dt

import pytest
import time_machine

from common.errors import Conflict, InvalidTransition, NotFound, PermissionDeniedError, ValidationFailed
from hall.models import Appointment, AppointmentSlot, BookingBlock, Device, Matter, Ticket
from hall.services.appointments import (
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    appointments_mark_no_shows,
    slots_generate,
)

from .factories import CitizenFactory, MatterFactory
from .queue_factories import QueueCategoryFactory

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY_MORNING = dt.datetime(2026, 11, 30, 8, 0, tzinfo=TZ)  # a working Monday


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def matter(centre_1, department_a):
    return MatterFactory(centre=centre_1, department=department_a, appointment=True, status=Matter.Status.PUBLISHED)


@pytest.fixture
def category(centre_1, matter):
    category = QueueCategoryFactory(centre=centre_1, prefix="A", name="市场监管")
    category.matters.add(matter)
    return category


def make_slot(category, day, start=dt.time(10, 0), end=dt.time(10, 30), capacity=10):
    return AppointmentSlot.objects.create(
        centre=category.centre, category=category, date=day, starts_at=start, ends_at=end, capacity=capacity
    )


@pytest.fixture
def slot(category, clock):
    return make_slot(category, dt.date(2026, 12, 1))


# --- slot generation -------------------------------------------------------------------------


def test_slots_follow_the_centre_hours_and_skip_lunch(category, centre_1, clock):
    created = slots_generate(centre_id=centre_1.pk, start=dt.date(2026, 12, 1), days=1)

    times = list(AppointmentSlot.objects.values_list("starts_at", flat=True).order_by("starts_at"))
    assert created == len(times) == 13  # 9:00–12:00 (6) and 13:30–17:00 (7)
    assert dt.time(12, 0) not in times and dt.time(13, 30) in times


def test_lunchtime_service_adds_lunch_slots(category, centre_1, clock):
    centre_1.lunch_service = True
    centre_1.save()

    slots_generate(centre_id=centre_1.pk, start=dt.date(2026, 12, 1), days=1)

    assert AppointmentSlot.objects.filter(starts_at=dt.time(12, 0)).exists()


def test_no_slots_on_public_holidays_even_with_weekend_service(category, centre_1, clock):
    centre_1.weekend_service = True
    centre_1.save()

    slots_generate(centre_id=centre_1.pk, start=dt.date(2026, 10, 1), days=7)  # National Day 2026

    assert not AppointmentSlot.objects.exists()


def test_weekend_slots_only_where_the_centre_serves_on_weekends(category, centre_1, clock):
    saturday = dt.date(2026, 12, 5)
    slots_generate(centre_id=centre_1.pk, start=saturday, days=2)
    assert not AppointmentSlot.objects.exists()

    centre_1.weekend_service = True
    centre_1.save()
    slots_generate(centre_id=centre_1.pk, start=saturday, days=2)
    assert set(AppointmentSlot.objects.values_list("date", flat=True)) == {saturday, saturday + dt.timedelta(days=1)}


def test_an_adjusted_working_saturday_has_slots(category, centre_1, clock):
    slots_generate(centre_id=centre_1.pk, start=dt.date(2026, 10, 10), days=1)  # 调休上班

    assert AppointmentSlot.objects.filter(date=dt.date(2026, 10, 10)).exists()


def test_generating_twice_creates_nothing_new(category, centre_1, clock):
    slots_generate(centre_id=centre_1.pk, start=dt.date(2026, 12, 1), days=3)

    assert slots_generate(centre_id=centre_1.pk, start=dt.date(2026, 12, 1), days=3) == 0


# --- booking ---------------------------------------------------------------------------------


def test_booking_takes_a_place_and_gives_an_eight_digit_code(citizen, slot, matter):
    appointment = appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)

    slot.refresh_from_db()
    assert slot.booked == 1
    assert len(appointment.code) == 8 and appointment.code.isdigit()
    assert appointment.status == Appointment.Status.BOOKED and appointment.phone == citizen.phone


def test_a_full_slot_refuses_the_next_booking(category, matter, clock):
    full = make_slot(category, dt.date(2026, 12, 1), capacity=1)
    appointment_book(citizen=CitizenFactory(), slot_id=full.pk, matter_id=matter.pk)

    with pytest.raises(Conflict, match="约满"):
        appointment_book(citizen=CitizenFactory(), slot_id=full.pk, matter_id=matter.pk)
    full.refresh_from_db()
    assert full.booked == 1 and Appointment.objects.count() == 1


def test_a_second_active_booking_for_the_same_matter_is_refused(citizen, category, slot, matter):
    other_slot = make_slot(category, dt.date(2026, 12, 2))
    appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)

    with pytest.raises(Conflict, match="重复预约"):
        appointment_book(citizen=citizen, slot_id=other_slot.pk, matter_id=matter.pk)
    other_slot.refresh_from_db()
    assert other_slot.booked == 0


def test_a_past_slot_is_refused(citizen, category, matter, clock):
    past = make_slot(category, dt.date(2026, 11, 30), start=dt.time(7, 0), end=dt.time(7, 30))

    with pytest.raises(InvalidTransition, match="已过"):
        appointment_book(citizen=citizen, slot_id=past.pk, matter_id=matter.pk)


def test_a_holiday_slot_is_refused(citizen, category, matter):
    with time_machine.travel(dt.datetime(2026, 9, 28, 9, 0, tzinfo=TZ), tick=False):
        holiday = make_slot(category, dt.date(2026, 10, 2))
        with pytest.raises(InvalidTransition, match="节假日"):
            appointment_book(citizen=citizen, slot_id=holiday.pk, matter_id=matter.pk)


def test_booking_further_ahead_than_allowed_is_refused(citizen, category, matter, clock):
    far = make_slot(category, dt.date(2026, 12, 21))

    with pytest.raises(InvalidTransition, match="提前7天"):
        appointment_book(citizen=citizen, slot_id=far.pk, matter_id=matter.pk)


def test_booking_a_matter_of_another_category_or_without_appointment_is_refused(citizen, slot, centre_1, department_a):
    no_booking = MatterFactory(centre=centre_1, department=department_a, appointment=False)
    elsewhere = MatterFactory(centre=centre_1, department=department_a, appointment=True)

    with pytest.raises(ValidationFailed, match="不提供预约"):
        appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=no_booking.pk)
    with pytest.raises(ValidationFailed, match="不办理此事项"):
        appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=elsewhere.pk)


def test_staff_and_anonymous_users_cannot_book(clerk, slot, matter):
    from django.contrib.auth.models import AnonymousUser

    for actor in (clerk, AnonymousUser()):
        with pytest.raises(PermissionDeniedError):
            appointment_book(citizen=actor, slot_id=slot.pk, matter_id=matter.pk)


# --- cancellation ----------------------------------------------------------------------------


def test_cancelling_gives_the_place_back(citizen, slot, matter):
    appointment = appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)

    appointment_cancel(appointment_id=appointment.pk, actor=citizen)

    slot.refresh_from_db()
    assert slot.booked == 0
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED


def test_cancelling_within_an_hour_of_the_slot_is_refused(citizen, slot, matter, clock):
    appointment = appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)
    clock.move_to(dt.datetime(2026, 12, 1, 9, 1, tzinfo=TZ))

    with pytest.raises(InvalidTransition, match="不足1小时"):
        appointment_cancel(appointment_id=appointment.pk, actor=citizen)


def test_someone_elses_booking_cannot_be_cancelled(citizen, slot, matter):
    appointment = appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)

    with pytest.raises(NotFound):
        appointment_cancel(appointment_id=appointment.pk, actor=CitizenFactory())


# --- check-in --------------------------------------------------------------------------------


@pytest.fixture
def kiosk(centre_1):
    return Device.objects.create(centre=centre_1, kind="kiosk", name="取号机", key_prefix="kiosk1", key_hash="x")


def test_check_in_by_code_within_its_window_gives_an_appointment_ticket(citizen, slot, matter, kiosk, clock):
    appointment = appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)
    clock.move_to(dt.datetime(2026, 12, 1, 9, 31, tzinfo=TZ))

    ticket = appointment_check_in(device=kiosk, centre_id=kiosk.centre_id, code=appointment.code)

    assert ticket.priority_class == Ticket.PriorityClass.APPOINTMENT and ticket.source == Ticket.Source.APPOINTMENT
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN and appointment.ticket == ticket


def test_check_in_by_phone_works_too(citizen, slot, matter, kiosk, clock):
    appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)
    clock.move_to(dt.datetime(2026, 12, 1, 10, 29, tzinfo=TZ))

    assert appointment_check_in(device=kiosk, centre_id=kiosk.centre_id, phone=citizen.phone).citizen == citizen


@pytest.mark.parametrize(
    "when", [dt.datetime(2026, 12, 1, 9, 29, tzinfo=TZ), dt.datetime(2026, 12, 1, 10, 31, tzinfo=TZ)]
)
def test_check_in_outside_its_window_is_refused(citizen, slot, matter, kiosk, clock, when):
    appointment = appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)
    clock.move_to(when)

    with pytest.raises(InvalidTransition, match="09:30–10:30"):
        appointment_check_in(device=kiosk, centre_id=kiosk.centre_id, code=appointment.code)
    assert not Ticket.objects.exists()


def test_check_in_at_a_kiosk_of_another_centre_is_refused(citizen, slot, matter, centre_2, clock):
    appointment = appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)
    foreign = Device.objects.create(centre=centre_2, kind="kiosk", name="外中心", key_prefix="kiosk2", key_hash="x")
    clock.move_to(dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ))

    with pytest.raises(PermissionDeniedError):
        appointment_check_in(device=foreign, centre_id=slot.centre_id, code=appointment.code)
    with pytest.raises(NotFound):
        appointment_check_in(device=foreign, centre_id=centre_2.pk, code=appointment.code)


def test_check_in_twice_is_refused(citizen, slot, matter, kiosk, clock):
    appointment = appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)
    clock.move_to(dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ))
    appointment_check_in(device=kiosk, centre_id=kiosk.centre_id, code=appointment.code)

    with pytest.raises(NotFound):
        appointment_check_in(device=kiosk, centre_id=kiosk.centre_id, code=appointment.code)


@pytest.mark.parametrize("code,phone", [("", ""), ("12ab", ""), ("1234567", ""), ("", "12345")])
def test_check_in_with_malformed_input_is_refused(kiosk, code, phone):
    with pytest.raises(ValidationFailed):
        appointment_check_in(device=kiosk, centre_id=kiosk.centre_id, code=code, phone=phone)


# --- no-shows --------------------------------------------------------------------------------


def test_three_no_shows_in_30_days_block_booking_for_30_days(citizen, category, matter, clock, centre_1, department_a):
    for day in (1, 2, 3):
        other = MatterFactory(centre=centre_1, department=department_a, appointment=True)
        category.matters.add(other)
        slot = make_slot(category, dt.date(2026, 12, day) if day < 3 else dt.date(2026, 12, 3))
        appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=other.pk)

    clock.move_to(dt.datetime(2026, 12, 3, 18, 0, tzinfo=TZ))
    assert appointments_mark_no_shows() == {"no_shows": 3, "blocked": 1}
    assert appointments_mark_no_shows() == {"no_shows": 0, "blocked": 0}

    later = make_slot(category, dt.date(2026, 12, 4))
    with pytest.raises(PermissionDeniedError, match="2027-01-02"):
        appointment_book(citizen=citizen, slot_id=later.pk, matter_id=matter.pk)
    assert BookingBlock.objects.count() == 1
    assert Appointment.objects.filter(status="no_show").first().history.first().history_change_reason == "no_show"


def test_two_no_shows_do_not_block(citizen, category, matter, clock, centre_1, department_a):
    for day in (1, 2):
        other = MatterFactory(centre=centre_1, department=department_a, appointment=True)
        category.matters.add(other)
        appointment_book(citizen=citizen, slot_id=make_slot(category, dt.date(2026, 12, day)).pk, matter_id=other.pk)
    clock.move_to(dt.datetime(2026, 12, 3, 18, 0, tzinfo=TZ))

    assert appointments_mark_no_shows() == {"no_shows": 2, "blocked": 0}
    appointment_book(citizen=citizen, slot_id=make_slot(category, dt.date(2026, 12, 4)).pk, matter_id=matter.pk)
