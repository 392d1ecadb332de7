"""Citizen API of the queue: public waiting figures and slots; remote tickets, bookings and the
citizen's own tickets and bookings. Others' records are 404; bad input is a 400 in Chinese."""

import datetime as dt
import re
import threading

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from common.masking import mask_phone
from hall.models import Appointment, AppointmentSlot, BookingBlock, QueuePolicy, Ticket
from hall.services import tickets as ticket_services
from hall.services.appointments import appointment_book, centre_serves_on
from hall.services.citizen_queue import remote_ticket_issue
from tests.hall.calendar_helpers import seed_package_calendar_if_flushed

from .factories import CitizenFactory, MatterFactory
from .queue_factories import QueueCategoryFactory, issue, serving_window

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.date(2026, 11, 30)
TUESDAY = dt.date(2026, 12, 1)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
HUGE = 10**20


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


@pytest.fixture
def window(centre_1, clerk, category):
    return serving_window(centre_1, clerk, [category], number="5")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def citizen_api(citizen):
    client = APIClient()
    client.force_login(citizen)
    return client


def make_slot(category, day, start=dt.time(10, 0), end=dt.time(10, 30), capacity=10, booked=0):
    return AppointmentSlot.objects.create(
        centre=category.centre, category=category, date=day, starts_at=start, ends_at=end, capacity=capacity,
        booked=booked,
    )


def assert_chinese_400(response):
    assert response.status_code == 400, response.content
    assert CHINESE.search(response.json()["detail"]), response.json()


# --- centre categories (public) -------------------------------------------------------------------------


def test_centre_categories_give_waiting_counts_and_the_estimate_to_anyone(api, centre_1, category, window, clock):
    issue(category)
    clock.shift(dt.timedelta(minutes=4))
    issue(category)

    body = api.get(f"/api/queue/centres/{centre_1.pk}/categories/").json()

    assert body["centre"]["name"] == centre_1.name and body["is_open"] is True and body["closed_reason"] == ""
    assert body["categories"] == [
        {"id": category.pk, "prefix": "A", "name": "市场监管", "waiting": 2, "longest_wait_minutes": 4,
         "open_windows": 1, "estimate_minutes": 20}
    ]


def test_centre_categories_say_why_the_centre_is_closed(api, centre_1, category, clock):
    clock.move_to(at(dt.date(2026, 12, 5), 10))

    body = api.get(f"/api/queue/centres/{centre_1.pk}/categories/").json()

    assert body["is_open"] is False and "周末" in body["closed_reason"]


@pytest.mark.parametrize("centre_id", [987654, HUGE])
def test_centre_categories_of_an_unknown_centre_are_404(api, clock, centre_id):
    response = api.get(f"/api/queue/centres/{centre_id}/categories/")

    assert response.status_code == 404 and CHINESE.search(response.json()["detail"])


def test_centre_categories_take_a_fixed_number_of_queries(api, centre_1, category, window, clock,
                                                         django_assert_max_num_queries):
    for prefix in "BCDEFGH":
        QueueCategoryFactory(centre=centre_1, prefix=prefix)
    api.get(f"/api/queue/centres/{centre_1.pk}/categories/")  # the calendar is loaded once per process

    with django_assert_max_num_queries(4):
        api.get(f"/api/queue/centres/{centre_1.pk}/categories/")


# --- remote tickets -----------------------------------------------------------------------------------------


def test_remote_ticket_is_issued_with_its_position(citizen_api, citizen, category, window, clock):
    issue(category)

    response = citizen_api.post("/api/queue/remote-tickets/", {"category": category.pk}, format="json")

    body = response.json()
    ticket = Ticket.objects.get(citizen=citizen)
    assert response.status_code == 201
    assert (body["id"], body["number"], body["source"], body["status"]) == (ticket.pk, "A002", "remote", "waiting")
    assert body["people_ahead"] == 1 and body["estimate_minutes"] == 10 and body["can_cancel"] is True
    assert ticket.phone == citizen.phone


def test_remote_ticket_is_refused_while_the_centre_is_closed(citizen_api, category, clock):
    clock.move_to(at(MONDAY, 12, 30))

    response = citizen_api.post("/api/queue/remote-tickets/", {"category": category.pk}, format="json")

    assert response.status_code == 409 and "午休" in response.json()["detail"]
    assert not Ticket.objects.exists()


def test_remote_ticket_needs_a_signed_in_citizen(api, clerk, category, clock):
    anonymous = api.post("/api/queue/remote-tickets/", {"category": category.pk}, format="json")
    api.force_login(clerk)
    staff = api.post("/api/queue/remote-tickets/", {"category": category.pk}, format="json")

    assert anonymous.status_code == 403 and staff.status_code == 403
    assert CHINESE.search(anonymous.json()["detail"]) and "办事群众" in staff.json()["detail"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [{}, {"category": None}, {"category": "abc"}, {"category": -1}, {"category": 0}, {"category": HUGE},
     {"category": [1]}, {"category": {"id": 1}}, {"category": "1; DROP TABLE hall_ticket"}, {"category": 1.5},
     {"category": "9" * 5000}, [1, 2], "category"],
)
def test_remote_ticket_with_bad_input_is_a_chinese_400(citizen_api, category, clock, payload):
    response = citizen_api.post("/api/queue/remote-tickets/", payload, format="json")

    assert_chinese_400(response)
    assert not Ticket.objects.exists()


def test_remote_ticket_with_a_body_that_is_not_json_is_a_chinese_400(citizen_api, category, clock):
    response = citizen_api.post("/api/queue/remote-tickets/", "{category:", content_type="application/json")

    assert_chinese_400(response)


def test_remote_ticket_of_an_unknown_category_is_404(citizen_api, clock):
    response = citizen_api.post("/api/queue/remote-tickets/", {"category": 987654}, format="json")

    assert response.status_code == 404 and CHINESE.search(response.json()["detail"])


def test_a_second_remote_ticket_in_a_category_is_409(citizen_api, category, clock):
    citizen_api.post("/api/queue/remote-tickets/", {"category": category.pk}, format="json")

    response = citizen_api.post("/api/queue/remote-tickets/", {"category": category.pk}, format="json")

    assert response.status_code == 409 and "请勿重复取号" in response.json()["detail"]
    assert Ticket.objects.count() == 1


# --- my tickets -----------------------------------------------------------------------------------------------


def test_my_tickets_list_only_the_citizens_own_tickets_of_today(citizen_api, citizen, category, clock):
    remote_ticket_issue(citizen=CitizenFactory(), category_id=category.pk)
    mine = remote_ticket_issue(citizen=citizen, category_id=category.pk)
    issue(category)

    body = citizen_api.get("/api/queue/my/tickets/").json()

    assert [t["id"] for t in body] == [mine.pk]
    assert body[0]["people_ahead"] == 1 and body[0]["estimate_minutes"] is None  # no window is open


def test_my_tickets_show_the_window_once_called(citizen_api, citizen, clerk, category, window, clock):
    remote_ticket_issue(citizen=citizen, category_id=category.pk)
    ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)

    [body] = citizen_api.get("/api/queue/my/tickets/").json()

    assert body["status"] == "called" and body["window"]["number"] == "5"
    assert body["people_ahead"] is None and body["can_cancel"] is False


def test_my_tickets_need_a_signed_in_citizen(api, clock):
    assert api.get("/api/queue/my/tickets/").status_code == 403


def test_my_tickets_take_a_bounded_number_of_queries(citizen_api, citizen, centre_1, clock,
                                                    django_assert_max_num_queries):
    for _ in range(3):
        remote_ticket_issue(citizen=citizen, category_id=QueueCategoryFactory(centre=centre_1).pk)

    with django_assert_max_num_queries(12):  # session, user, the list, and three per waiting ticket
        citizen_api.get("/api/queue/my/tickets/")


def test_cancelling_my_waiting_ticket(citizen_api, citizen, category, clock):
    ticket = remote_ticket_issue(citizen=citizen, category_id=category.pk)

    response = citizen_api.post(f"/api/queue/my/tickets/{ticket.pk}/cancel/")

    ticket.refresh_from_db()
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert ticket.status == Ticket.Status.CANCELLED


@pytest.mark.parametrize("whose", ["stranger", "unknown", "huge"])
def test_cancelling_a_ticket_that_is_not_mine_is_404(citizen_api, category, clock, whose):
    ticket = remote_ticket_issue(citizen=CitizenFactory(), category_id=category.pk)
    ticket_id = {"stranger": ticket.pk, "unknown": 987654, "huge": HUGE}[whose]

    response = citizen_api.post(f"/api/queue/my/tickets/{ticket_id}/cancel/")

    ticket.refresh_from_db()
    assert response.status_code == 404 and CHINESE.search(response.json()["detail"])
    assert ticket.status == Ticket.Status.WAITING


def test_cancelling_a_called_ticket_is_409(citizen_api, citizen, clerk, category, window, clock):
    ticket = remote_ticket_issue(citizen=citizen, category_id=category.pk)
    ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)

    response = citizen_api.post(f"/api/queue/my/tickets/{ticket.pk}/cancel/")

    assert response.status_code == 409 and "只有等候中的号可以取消" in response.json()["detail"]


# --- slots (public) --------------------------------------------------------------------------------------------


def test_slots_list_places_left_and_full_ones(api, category, matter, clock):
    full = make_slot(category, TUESDAY, capacity=2, booked=2)
    free = make_slot(category, TUESDAY, start=dt.time(11), end=dt.time(11, 30), capacity=5, booked=1)

    response = api.get("/api/appointments/slots/", {"matter": matter.pk, "date": "2026-12-01"})

    body = response.json()
    assert response.status_code == 200
    assert [(s["id"], s["starts_at"], s["remaining"], s["is_full"]) for s in body] == [
        (full.pk, "10:00", 0, True),
        (free.pk, "11:00", 4, False),
    ]
    assert body[0]["category"] == {"id": category.pk, "prefix": "A", "name": "市场监管"}


def test_slots_leave_out_slots_that_already_started(api, category, matter, clock):
    make_slot(category, MONDAY, start=dt.time(9, 30), end=dt.time(10))
    later = make_slot(category, MONDAY, start=dt.time(14), end=dt.time(14, 30))

    body = api.get("/api/appointments/slots/", {"matter": matter.pk, "date": "2026-11-30"}).json()

    assert [s["id"] for s in body] == [later.pk]


@pytest.mark.parametrize(
    "params",
    [{}, {"matter": "abc", "date": "2026-12-01"}, {"matter": HUGE, "date": "2026-12-01"}, {"matter": 1},
     {"date": "2026-12-01"}, {"matter": 1, "date": "2026-13-45"}, {"matter": 1, "date": "01/12/2026"},
     {"matter": 1, "date": "x" * 5000}],
)
def test_slots_with_bad_parameters_are_a_chinese_400(api, clock, params):
    assert_chinese_400(api.get("/api/appointments/slots/", params))


@pytest.mark.parametrize("day", ["2026-11-29", "2026-12-08", "2199-01-01"])
def test_slots_outside_the_booking_window_are_a_chinese_400(api, category, matter, clock, day):
    assert_chinese_400(api.get("/api/appointments/slots/", {"matter": matter.pk, "date": day}))


def test_slots_of_a_matter_without_appointments_are_404(api, centre_1, department_a, category, clock):
    closed = MatterFactory(centre=centre_1, department=department_a, appointment=False)
    category.matters.add(closed)

    for matter_id in (closed.pk, 987654):
        response = api.get("/api/appointments/slots/", {"matter": matter_id, "date": "2026-12-01"})
        assert response.status_code == 404 and CHINESE.search(response.json()["detail"])


# --- booking ---------------------------------------------------------------------------------------------------


def test_booking_returns_the_code_and_the_masked_phone(citizen_api, citizen, category, matter, clock):
    slot = make_slot(category, TUESDAY)

    response = citizen_api.post("/api/appointments/", {"slot": slot.pk, "matter": matter.pk}, format="json")

    body = response.json()
    booking = Appointment.objects.get()
    assert response.status_code == 201
    assert body["id"] == booking.pk and re.fullmatch(r"\d{8}", body["code"]) and body["code"] == booking.code
    assert body["phone"] == mask_phone(citizen.phone) and citizen.phone not in response.content.decode()
    assert body["starts"] == "2026-12-01T10:00:00+08:00" and body["check_in_from"] == "2026-12-01T09:30:00+08:00"
    assert body["can_cancel"] is True


def test_booking_with_another_phone_keeps_it(citizen_api, category, matter, clock):
    slot = make_slot(category, TUESDAY)

    citizen_api.post("/api/appointments/", {"slot": slot.pk, "matter": matter.pk, "phone": "13700001111"},
                     format="json")

    assert Appointment.objects.get().phone == "13700001111"


def _arrange(name, category, matter, citizen):
    if name == "full":
        return make_slot(category, TUESDAY, capacity=1, booked=1)
    if name == "second":
        appointment_book(citizen=citizen, slot_id=make_slot(category, TUESDAY).pk, matter_id=matter.pk)
        return make_slot(category, TUESDAY, start=dt.time(11), end=dt.time(11, 30))
    if name == "blocked":
        earlier = make_slot(category, dt.date(2026, 11, 20))
        no_show = Appointment.objects.create(
            centre=category.centre, slot=earlier, citizen=citizen, matter=matter, code="00000001",
            phone=citizen.phone, status=Appointment.Status.NO_SHOW,
        )
        BookingBlock.objects.create(citizen=citizen, trigger=no_show, blocked_until=at(dt.date(2026, 12, 20), 0))
        return make_slot(category, TUESDAY)
    if name == "past":
        return make_slot(category, MONDAY, start=dt.time(9), end=dt.time(9, 30))
    if name == "holiday":
        return make_slot(category, dt.date(2026, 12, 5))
    if name == "too_far":
        QueuePolicy.objects.create(centre=category.centre, booking_days_ahead=2)
        return make_slot(category, dt.date(2026, 12, 3))
    raise AssertionError(name)


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("full", 409, "该时段已约满"),
        ("second", 409, "请勿重复预约"),
        ("blocked", 403, "多次预约未到"),
        ("past", 409, "该时段已过"),
        ("holiday", 409, "节假日或中心不办公"),
        ("too_far", 409, "最多可提前2天预约"),
    ],
)
def test_booking_refusals_are_in_chinese_and_change_nothing(citizen_api, citizen, category, matter, clock,
                                                           name, status, message):
    slot = _arrange(name, category, matter, citizen)
    before = (Appointment.objects.count(), list(AppointmentSlot.objects.order_by("pk").values_list("booked")))

    response = citizen_api.post("/api/appointments/", {"slot": slot.pk, "matter": matter.pk}, format="json")

    assert response.status_code == status and message in response.json()["detail"]
    assert (Appointment.objects.count(), list(AppointmentSlot.objects.order_by("pk").values_list("booked"))) == before


@pytest.mark.parametrize(
    "change",
    [{"slot": None}, {"slot": "abc"}, {"slot": HUGE}, {"slot": -5}, {"matter": [1]}, {"matter": {"x": 1}},
     {"phone": "1" * 500}, {"phone": "<script>alert(1)</script>"}, {"phone": "12345"}, {"phone": ["13700001111"]}],
)
def test_booking_with_bad_input_is_a_chinese_400_and_books_nothing(citizen_api, category, matter, clock, change):
    slot = make_slot(category, TUESDAY)
    payload = {"slot": slot.pk, "matter": matter.pk, **change}

    response = citizen_api.post("/api/appointments/", payload, format="json")

    assert_chinese_400(response)
    slot.refresh_from_db()
    assert not Appointment.objects.exists() and slot.booked == 0


@pytest.mark.parametrize("missing", ["slot", "matter"])
def test_booking_with_a_missing_field_is_a_chinese_400(citizen_api, category, matter, clock, missing):
    payload = {"slot": make_slot(category, TUESDAY).pk, "matter": matter.pk}
    del payload[missing]

    assert_chinese_400(citizen_api.post("/api/appointments/", payload, format="json"))


def test_booking_an_unknown_slot_is_404(citizen_api, matter, clock):
    response = citizen_api.post("/api/appointments/", {"slot": 987654, "matter": matter.pk}, format="json")

    assert response.status_code == 404 and CHINESE.search(response.json()["detail"])


def test_booking_needs_a_signed_in_citizen(api, clerk, category, matter, clock):
    slot = make_slot(category, TUESDAY)
    anonymous = api.post("/api/appointments/", {"slot": slot.pk, "matter": matter.pk}, format="json")
    api.force_login(clerk)
    staff = api.post("/api/appointments/", {"slot": slot.pk, "matter": matter.pk}, format="json")

    assert anonymous.status_code == 403 and staff.status_code == 403
    assert not Appointment.objects.exists()


# --- my bookings -------------------------------------------------------------------------------------------------


def test_my_bookings_list_only_my_own_split_into_upcoming_and_past(citizen_api, citizen, category, matter, clock):
    other = MatterFactory(centre=category.centre, department=matter.department, appointment=True)
    category.matters.add(other)
    upcoming = appointment_book(citizen=citizen, slot_id=make_slot(category, TUESDAY).pk, matter_id=matter.pk)
    soon = make_slot(category, MONDAY, start=dt.time(10, 30), end=dt.time(11))
    past = appointment_book(citizen=citizen, slot_id=soon.pk, matter_id=other.pk)
    appointment_book(citizen=CitizenFactory(), slot_id=soon.pk, matter_id=matter.pk)
    clock.move_to(at(MONDAY, 11, 30))

    body = citizen_api.get("/api/appointments/mine/").json()

    assert [a["id"] for a in body["upcoming"]] == [upcoming.pk]
    assert [a["id"] for a in body["past"]] == [past.pk]


def test_cancelling_my_booking_frees_the_place(citizen_api, citizen, category, matter, clock):
    slot = make_slot(category, TUESDAY)
    booking = appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)

    response = citizen_api.post(f"/api/appointments/{booking.pk}/cancel/")

    slot.refresh_from_db()
    assert response.status_code == 200 and response.json()["status"] == "cancelled" and slot.booked == 0


def test_cancelling_a_booking_within_the_hour_is_409(citizen_api, citizen, category, matter, clock):
    slot = make_slot(category, MONDAY, start=dt.time(10, 30), end=dt.time(11))
    booking = appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)

    response = citizen_api.post(f"/api/appointments/{booking.pk}/cancel/")

    booking.refresh_from_db()
    assert response.status_code == 409 and "不能取消" in response.json()["detail"]
    assert booking.status == Appointment.Status.BOOKED


@pytest.mark.parametrize("whose", ["stranger", "unknown", "huge"])
def test_cancelling_a_booking_that_is_not_mine_is_404(citizen_api, category, matter, clock, whose):
    slot = make_slot(category, TUESDAY)
    booking = appointment_book(citizen=CitizenFactory(), slot_id=slot.pk, matter_id=matter.pk)
    booking_id = {"stranger": booking.pk, "unknown": 987654, "huge": HUGE}[whose]

    response = citizen_api.post(f"/api/appointments/{booking_id}/cancel/")

    booking.refresh_from_db()
    assert response.status_code == 404 and CHINESE.search(response.json()["detail"])
    assert booking.status == Appointment.Status.BOOKED


def test_my_bookings_need_a_signed_in_citizen(api, clock):
    assert api.get("/api/appointments/mine/").status_code == 403


# --- two citizens racing for the last place -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_citizens_booking_the_last_place_at_once_get_one_booking_and_one_409(centre_1, department_a):
    seed_package_calendar_if_flushed()
    matter = MatterFactory(centre=centre_1, department=department_a, appointment=True)
    category = QueueCategoryFactory(centre=centre_1, prefix="A")
    category.matters.add(matter)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    while not centre_serves_on(centre_1, tomorrow):
        tomorrow += dt.timedelta(days=1)
    QueuePolicy.objects.create(centre=centre_1, booking_days_ahead=14)
    slot = make_slot(category, tomorrow, capacity=1)
    clients = []
    for _ in range(2):
        client = APIClient()
        client.force_login(CitizenFactory())
        clients.append(client)
    barrier = threading.Barrier(2)
    statuses = []

    def book(client):
        try:
            barrier.wait()
            statuses.append(
                client.post("/api/appointments/", {"slot": slot.pk, "matter": matter.pk}, format="json").status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    slot.refresh_from_db()
    assert sorted(statuses) == [201, 409]
    assert slot.booked == 1 and Appointment.objects.count() == 1

