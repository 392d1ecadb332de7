"""Citizen pages of the queue: queue home and remote tickets, booking, the booking's confirmation,
and "my tickets and bookings" (live positions, cancel, only one's own records)."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from common.masking import mask_phone
from hall.models import Appointment, AppointmentSlot, BookingBlock, QueuePolicy, Ticket
from hall.services import tickets as ticket_services
from hall.services.appointments import appointment_book, slots_generate
from hall.services.citizen_queue import remote_ticket_issue
from tests.hall.calendar_helpers import seed_package_calendar_if_flushed

from .factories import CentreFactory, CitizenFactory, MatterFactory
from .queue_factories import QueueCategoryFactory, issue, serving_window

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.date(2026, 11, 30)
TUESDAY = dt.date(2026, 12, 1)
# With three waiting tickets (three queries each for their estimates) and three bookings.
MAX_QUERIES = 15
MAX_PARTIAL_QUERIES = 12


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=TZ)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


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
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


def make_slot(category, day, start=dt.time(10, 0), end=dt.time(10, 30), capacity=10, booked=0):
    return AppointmentSlot.objects.create(
        centre=category.centre, category=category, date=day, starts_at=start, ends_at=end, capacity=capacity,
        booked=booked,
    )


# --- queue home ----------------------------------------------------------------------------------------


def test_queue_home_shows_waiting_longest_wait_estimate_and_hours(client, centre_1, category, window, clock):
    issue(category)
    clock.shift(dt.timedelta(minutes=12))
    issue(category)

    response = client.get(reverse("queue_home"))

    html = text(response)
    assert response.status_code == 200
    assert "市场监管" in html and "<strong>2</strong> 人" in html and "12 分钟" in html
    assert "约 20 分钟" in html  # 2 waiting × 10 minutes (no history yet) ÷ 1 open window
    assert "09:00–12:00" in html and "13:30–17:00" in html
    assert "正在办理" in html


def test_queue_home_asks_visitors_to_log_in_before_a_remote_ticket(client, centre_1, category, clock):
    html = text(client.get(reverse("queue_home")))

    assert "登录后网上取号" in html and 'action="/queue/remote-ticket/"' not in html


def test_queue_home_offers_the_remote_ticket_button_to_a_citizen(citizen_client, category, clock):
    html = text(citizen_client.get(reverse("queue_home")))

    assert 'action="/queue/remote-ticket/"' in html and f'name="category" value="{category.pk}"' in html


def test_queue_home_defaults_to_the_first_centre_and_switches_by_parameter(client, centre_1, category, clock):
    other = CentreFactory(code="other", name="另一个便民服务中心")
    QueueCategoryFactory(centre=other, prefix="K", name="社保医保")

    first = text(client.get(reverse("queue_home")))
    second = text(client.get(reverse("queue_home"), {"centre": other.pk}))

    assert "市场监管" in first and "社保医保" not in first
    assert "社保医保" in second and "市场监管" not in second


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", "<script>", "1.5", "987654"])
def test_queue_home_ignores_a_bad_centre_parameter(client, centre_1, category, clock, value):
    response = client.get(reverse("queue_home"), {"centre": value})

    assert response.status_code == 200 and "市场监管" in text(response)


def test_queue_home_says_closed_at_lunch_and_offers_no_ticket_button(citizen_client, category, clock):
    clock.move_to(at(MONDAY, 12, 10))

    html = text(citizen_client.get(reverse("queue_home")))

    assert "当前不在办理时间" in html and "午休时间" in html
    assert 'action="/queue/remote-ticket/"' not in html and "暂停取号" in html


def test_queue_home_takes_a_bounded_number_of_queries(client, centre_1, category, window, clock,
                                                      django_assert_max_num_queries):
    for prefix in "BCDEFG":
        QueueCategoryFactory(centre=centre_1, prefix=prefix)
        issue(category)

    with django_assert_max_num_queries(6):
        client.get(reverse("queue_home"))


def test_remote_ticket_is_issued_to_the_citizen_and_leads_to_my_queue(citizen_client, citizen, category, clock):
    response = citizen_client.post(reverse("queue_remote_ticket"), {"category": category.pk}, follow=True)

    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.citizen, ticket.phone) == ("remote", citizen, citizen.phone)
    assert response.redirect_chain[-1][0] == reverse("my_queue")
    assert any("取号成功：A001 号" in m for m in messages_of(response))


def test_remote_ticket_is_refused_while_closed_and_nothing_is_issued(citizen_client, centre_1, category, clock):
    clock.move_to(at(MONDAY, 17, 30))

    response = citizen_client.post(
        reverse("queue_remote_ticket"), {"category": category.pk, "centre": centre_1.pk}, follow=True
    )

    assert not Ticket.objects.exists()
    assert response.redirect_chain[-1][0] == f"{reverse('queue_home')}?centre={centre_1.pk}"
    assert any("当前不在办理时间" in m and "17:00" in m for m in messages_of(response))


def test_a_second_remote_ticket_in_the_same_category_is_refused(citizen_client, category, clock):
    citizen_client.post(reverse("queue_remote_ticket"), {"category": category.pk})

    response = citizen_client.post(reverse("queue_remote_ticket"), {"category": category.pk}, follow=True)

    assert Ticket.objects.count() == 1
    assert any("请勿重复取号" in m for m in messages_of(response))


@pytest.mark.parametrize("value", ["", "abc", "-3", "99999999999999999999", "1 OR 1=1"])
def test_remote_ticket_with_a_bad_category_value_issues_nothing(citizen_client, category, clock, value):
    response = citizen_client.post(reverse("queue_remote_ticket"), {"category": value}, follow=True)

    assert not Ticket.objects.exists()
    assert any("请选择要取号的业务类别" in m for m in messages_of(response))


def test_remote_ticket_of_an_unknown_category_says_so(citizen_client, category, clock):
    response = citizen_client.post(reverse("queue_remote_ticket"), {"category": 987654}, follow=True)

    assert not Ticket.objects.exists()
    assert any("不存在或已停用" in m for m in messages_of(response))


def test_remote_ticket_needs_a_signed_in_citizen(client, category, clock):
    response = client.post(reverse("queue_remote_ticket"), {"category": category.pk})

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Ticket.objects.exists()


def test_remote_ticket_is_not_for_staff_accounts(client, clerk, category, clock):
    client.force_login(clerk)

    response = client.post(reverse("queue_remote_ticket"), {"category": category.pk})

    assert response.status_code == 403 and "仅供办事群众使用" in text(response)
    assert not Ticket.objects.exists()


def test_remote_ticket_page_accepts_only_post(citizen_client, category, clock):
    assert citizen_client.get(reverse("queue_remote_ticket")).status_code == 405


# --- booking --------------------------------------------------------------------------------------------


def test_booking_page_lists_only_matters_that_can_be_booked(citizen_client, centre_1, department_a, category, matter):
    MatterFactory(centre=centre_1, department=department_a, appointment=False, name="不可预约的事项")
    MatterFactory(centre=centre_1, department=department_a, appointment=True, name="没有业务类别的事项")

    html = text(citizen_client.get(reverse("appointment_new")))

    assert "食品经营许可" in html and f"?matter={matter.pk}" in html
    assert "不可预约的事项" not in html and "没有业务类别的事项" not in html


def test_booking_page_searches_matters(citizen_client, centre_1, department_a, category, matter):
    other = MatterFactory(centre=centre_1, department=department_a, appointment=True, name="药品零售许可")
    category.matters.add(other)

    html = text(citizen_client.get(reverse("appointment_new"), {"q": "药品"}))

    assert "药品零售许可" in html and "食品经营许可" not in html


def test_booking_page_preselects_the_matter_and_the_first_day_with_places(citizen_client, category, matter, clock):
    make_slot(category, TUESDAY, capacity=3, booked=3)
    make_slot(category, dt.date(2026, 12, 2), capacity=10, booked=4)

    response = citizen_client.get(reverse("appointment_new"), {"matter": matter.pk})

    html = text(response)
    assert response.context["matter"] == matter
    assert response.context["day"].date == dt.date(2026, 12, 2)
    assert "12月1日" in html and "已约满" in html  # the full Tuesday, shown but not a link
    assert f"date={TUESDAY:%Y-%m-%d}" not in html
    assert "10:00–10:30" in html and "剩余 6 个" in html


def test_full_slots_are_shown_disabled(citizen_client, category, matter, clock):
    full = make_slot(category, TUESDAY, capacity=2, booked=2)
    make_slot(category, TUESDAY, start=dt.time(11), end=dt.time(11, 30))

    html = text(citizen_client.get(reverse("appointment_new"), {"matter": matter.pk, "date": "2026-12-01"}))

    assert re.search(rf'value="{full.pk}" disabled', html)
    assert "已约满" in html and "剩余 10 个" in html


def test_booking_page_says_plainly_when_no_slots_exist(citizen_client, category, matter, clock):
    html = text(citizen_client.get(reverse("appointment_new"), {"matter": matter.pk}))

    assert "未来 7 天暂未开放可预约的时段" in html and "每晚自动生成" in html


def test_booking_page_shows_the_account_phone_masked(citizen_client, citizen, category, matter, clock):
    make_slot(category, TUESDAY)

    html = text(citizen_client.get(reverse("appointment_new"), {"matter": matter.pk}))

    assert mask_phone(citizen.phone) in html and citizen.phone not in html


@pytest.mark.parametrize(
    "params",
    [{"matter": "abc"}, {"matter": "99999999999999999999"}, {"matter": "1", "date": "2026-13-45"}, {"q": "x" * 500}],
)
def test_booking_page_ignores_bad_parameters(citizen_client, category, matter, clock, params):
    response = citizen_client.get(reverse("appointment_new"), params)

    assert response.status_code == 200 and "选择事项" in text(response)


def test_booking_page_says_so_for_a_matter_that_cannot_be_booked(citizen_client, centre_1, department_a, category):
    closed = MatterFactory(centre=centre_1, department=department_a, appointment=False)

    html = text(citizen_client.get(reverse("appointment_new"), {"matter": closed.pk}))

    assert "该事项不存在或不提供预约" in html


def test_booking_books_and_shows_code_time_place_and_check_in_rule(citizen_client, citizen, centre_1, category,
                                                                    matter, window, clock):
    centre_1.address = "世纪大道6号"
    centre_1.save()
    slot = make_slot(category, TUESDAY)

    response = citizen_client.post(
        reverse("appointment_new"), {"matter": matter.pk, "slot": slot.pk, "date": "2026-12-01"}, follow=True
    )

    booking = Appointment.objects.get()
    html = text(response)
    assert (booking.citizen, booking.slot, booking.phone) == (citizen, slot, citizen.phone)
    assert response.redirect_chain[-1][0] == reverse("appointment_detail", args=[booking.pk])
    assert re.fullmatch(r"\d{8}", booking.code) and booking.code in html
    assert "2026年12月1日" in html and "10:00–10:30" in html
    assert "世纪大道6号" in html and "5号窗口" in html
    assert "请于预约时段开始前30分钟至结束前到取号机签到" in html and "09:30–10:30" in html
    assert mask_phone(citizen.phone) in html and citizen.phone not in html


def test_booking_with_another_phone_uses_it(citizen_client, category, matter, clock):
    slot = make_slot(category, TUESDAY)

    citizen_client.post(reverse("appointment_new"), {"matter": matter.pk, "slot": slot.pk, "phone": "13700001111"})

    assert Appointment.objects.get().phone == "13700001111"


def _refusal(name, category, matter, citizen, clock):
    """Arrange one refusal; returns the slot to book."""
    if name == "full":
        return make_slot(category, TUESDAY, capacity=1, booked=1)
    if name == "second":
        first = make_slot(category, TUESDAY)
        appointment_book(citizen=citizen, slot_id=first.pk, matter_id=matter.pk)
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
        return make_slot(category, dt.date(2026, 12, 5))  # a Saturday; the centre has no weekend service
    raise AssertionError(name)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("full", "该时段已约满"),
        ("second", "您已预约该事项，请勿重复预约"),
        ("blocked", "多次预约未到"),
        ("past", "该时段已过"),
        ("holiday", "节假日或中心不办公"),
    ],
)
def test_booking_refusals_are_shown_in_chinese_and_change_nothing(citizen_client, citizen, category, matter, clock,
                                                                   name, message):
    slot = _refusal(name, category, matter, citizen, clock)
    before = (Appointment.objects.count(), list(AppointmentSlot.objects.order_by("pk").values_list("booked")))

    response = citizen_client.post(
        reverse("appointment_new"), {"matter": matter.pk, "slot": slot.pk, "date": f"{slot.date:%Y-%m-%d}"}
    )

    assert response.status_code == 200
    assert message in text(response) and 'data-testid="booking-error"' in text(response)
    assert (Appointment.objects.count(), list(AppointmentSlot.objects.order_by("pk").values_list("booked"))) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"slot": ""}, "请选择预约时段"),
        ({"slot": "abc"}, "整数"),
        ({"slot": "99999999999999999999"}, "小于或等于"),
        ({"phone": "1" * 40}, "11"),
        ({"phone": "<script>x"}, "请输入正确的11位手机号"),
        ({"matter": ""}, "请选择预约事项"),
    ],
)
def test_booking_with_bad_values_shows_the_problem_and_books_nothing(citizen_client, category, matter, clock,
                                                                    data, message):
    slot = make_slot(category, TUESDAY)
    payload = {"matter": matter.pk, "slot": slot.pk, "date": "2026-12-01", **data}

    response = citizen_client.post(reverse("appointment_new"), payload)

    assert response.status_code == 200 and message in text(response)
    assert not Appointment.objects.exists()
    slot.refresh_from_db()
    assert slot.booked == 0


def test_booking_needs_a_signed_in_citizen(client, clerk, category, matter):
    anonymous = client.get(reverse("appointment_new"), {"matter": matter.pk})
    client.force_login(clerk)
    staff = client.get(reverse("appointment_new"))

    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert staff.status_code == 403


def test_booking_page_takes_a_bounded_number_of_queries(citizen_client, category, matter, clock,
                                                       django_assert_max_num_queries):
    for day in (TUESDAY, dt.date(2026, 12, 2)):
        for hour in (9, 10, 11, 14, 15):
            make_slot(category, day, start=dt.time(hour), end=dt.time(hour, 30))
    citizen_client.get(reverse("appointment_new"), {"matter": matter.pk})  # the calendar is loaded once per process

    with django_assert_max_num_queries(6):
        citizen_client.get(reverse("appointment_new"), {"matter": matter.pk})


def test_booking_page_links_from_the_queue_home(client, category, clock):
    assert reverse("appointment_new") in text(client.get(reverse("queue_home")))


def test_another_citizens_booking_page_is_not_found(citizen_client, category, matter, clock):
    slot = make_slot(category, TUESDAY)
    booking = appointment_book(citizen=CitizenFactory(), slot_id=slot.pk, matter_id=matter.pk)

    response = citizen_client.get(reverse("appointment_detail", args=[booking.pk]))

    assert response.status_code == 404 and booking.code not in text(response)


def test_an_unknown_huge_booking_id_is_not_found(citizen_client, clock):
    assert citizen_client.get("/appointments/99999999999999999999/").status_code == 404


# --- my tickets and bookings ----------------------------------------------------------------------------


def test_my_queue_shows_a_waiting_ticket_with_people_ahead_and_estimate(citizen_client, citizen, category, window,
                                                                      clock):
    issue(category)
    issue(category)
    remote_ticket_issue(citizen=citizen, category_id=category.pk)

    html = text(citizen_client.get(reverse("my_queue")))

    assert "A003" in html and "等候中" in html
    assert "前面还有 <strong>2</strong> 人" in html and "预计等候约 <strong>20</strong> 分钟" in html
    assert "取消排队" in html


def test_my_queue_shows_the_window_once_called(citizen_client, citizen, clerk, category, window, clock):
    ticket = remote_ticket_issue(citizen=citizen, category_id=category.pk)
    ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)

    html = text(citizen_client.get(reverse("my_queue")))

    assert ticket.number in html and "已叫号" in html and "请到 <strong>5号窗口</strong> 办理" in html
    assert "取消排队" not in html


def test_my_queue_shows_only_the_citizens_own_records(client, citizen, category, matter, clock):
    stranger = CitizenFactory(real_name="李四")
    theirs = remote_ticket_issue(citizen=stranger, category_id=category.pk)
    slot = make_slot(category, TUESDAY)
    their_booking = appointment_book(citizen=stranger, slot_id=slot.pk, matter_id=matter.pk)
    mine = remote_ticket_issue(citizen=citizen, category_id=QueueCategoryFactory(centre=category.centre).pk)
    client.force_login(citizen)

    html = text(client.get(reverse("my_queue")))

    assert mine.number in html and theirs.number not in html
    assert their_booking.code not in html and "暂无待办理的预约" in html


def test_my_queue_lists_upcoming_and_past_bookings(citizen_client, citizen, category, matter, clock):
    other = MatterFactory(centre=category.centre, department=matter.department, appointment=True, name="药品零售许可")
    category.matters.add(other)
    upcoming = appointment_book(citizen=citizen, slot_id=make_slot(category, TUESDAY).pk, matter_id=matter.pk)
    early = make_slot(category, MONDAY, start=dt.time(10, 30), end=dt.time(11, 0))
    past = appointment_book(citizen=citizen, slot_id=early.pk, matter_id=other.pk)
    clock.move_to(at(MONDAY, 11, 30))

    response = citizen_client.get(reverse("my_queue"))

    assert [m.appointment for m in response.context["appointments"]["upcoming"]] == [upcoming]
    assert [m.appointment for m in response.context["appointments"]["past"]] == [past]
    assert upcoming.code in text(response) and "以往的预约" in text(response)


def test_my_tickets_refresh_by_htmx_every_ten_seconds(citizen_client, citizen, category, clock):
    remote_ticket_issue(citizen=citizen, category_id=category.pk)

    page = text(citizen_client.get(reverse("my_queue")))
    partial = citizen_client.get(reverse("my_queue_tickets"), HTTP_HX_REQUEST="true")

    assert f'hx-get="{reverse("my_queue_tickets")}" hx-trigger="every 10s" hx-swap="outerHTML"' in page
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert 'id="my-tickets"' in partial.content.decode() and "A001" in partial.content.decode()


def test_a_poll_after_the_session_ended_sends_the_browser_to_login(client, clock):
    response = client.get(reverse("my_queue_tickets"), HTTP_HX_REQUEST="true")

    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("login"))


def test_my_queue_needs_a_signed_in_citizen(client, clerk):
    anonymous = client.get(reverse("my_queue"))
    client.force_login(clerk)
    staff = client.get(reverse("my_queue"))

    assert anonymous.status_code == 302 and staff.status_code == 403


def test_my_queue_takes_a_bounded_number_of_queries(citizen_client, citizen, centre_1, category, window, matter,
                                                    clock, django_assert_max_num_queries):
    for _ in range(3):
        remote_ticket_issue(citizen=citizen, category_id=QueueCategoryFactory(centre=centre_1).pk)
    slot = make_slot(category, TUESDAY)
    for _ in range(3):
        other = MatterFactory(centre=centre_1, department=matter.department, appointment=True)
        category.matters.add(other)
        appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=other.pk)

    with django_assert_max_num_queries(MAX_QUERIES):
        citizen_client.get(reverse("my_queue"))
    with django_assert_max_num_queries(MAX_PARTIAL_QUERIES):
        citizen_client.get(reverse("my_queue_tickets"), HTTP_HX_REQUEST="true")


def test_cancelling_a_waiting_ticket(citizen_client, citizen, category, clock):
    ticket = remote_ticket_issue(citizen=citizen, category_id=category.pk)

    response = citizen_client.post(reverse("my_ticket_cancel", args=[ticket.pk]), follow=True)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CANCELLED
    assert any("已取消 A001 号" in m for m in messages_of(response))


def test_a_called_ticket_cannot_be_cancelled(citizen_client, citizen, clerk, category, window, clock):
    ticket = remote_ticket_issue(citizen=citizen, category_id=category.pk)
    ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)

    response = citizen_client.post(reverse("my_ticket_cancel", args=[ticket.pk]), follow=True)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED
    assert any("只有等候中的号可以取消" in m for m in messages_of(response))


@pytest.mark.parametrize("whose", ["stranger", "unknown"])
def test_cancelling_a_ticket_that_is_not_ones_own_says_not_found(citizen_client, category, clock, whose):
    ticket = remote_ticket_issue(citizen=CitizenFactory(), category_id=category.pk)
    ticket_id = ticket.pk if whose == "stranger" else 987654

    response = citizen_client.post(reverse("my_ticket_cancel", args=[ticket_id]), follow=True)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert any("该排队号不存在" in m for m in messages_of(response))


def test_cancelling_a_booking(citizen_client, citizen, category, matter, clock):
    slot = make_slot(category, TUESDAY)
    booking = appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)

    response = citizen_client.post(reverse("my_appointment_cancel", args=[booking.pk]), follow=True)

    booking.refresh_from_db()
    slot.refresh_from_db()
    assert booking.status == Appointment.Status.CANCELLED and slot.booked == 0
    assert any("已取消12-01 10:00的预约" in m for m in messages_of(response))


def test_a_booking_within_the_cancel_limit_shows_no_cancel_button_and_is_refused(citizen_client, citizen, category,
                                                                                 matter, clock):
    slot = make_slot(category, MONDAY, start=dt.time(10, 30), end=dt.time(11, 0))
    booking = appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)

    page = text(citizen_client.get(reverse("my_queue")))
    response = citizen_client.post(reverse("my_appointment_cancel", args=[booking.pk]), follow=True)

    booking.refresh_from_db()
    assert "已过取消时限" in page and reverse("my_appointment_cancel", args=[booking.pk]) not in page
    assert booking.status == Appointment.Status.BOOKED
    assert any("不足1小时，不能取消" in m for m in messages_of(response))


def test_cancelling_someone_elses_booking_says_not_found(citizen_client, category, matter, clock):
    slot = make_slot(category, TUESDAY)
    booking = appointment_book(citizen=CitizenFactory(), slot_id=slot.pk, matter_id=matter.pk)

    response = citizen_client.post(reverse("my_appointment_cancel", args=[booking.pk]), follow=True)

    booking.refresh_from_db()
    assert booking.status == Appointment.Status.BOOKED
    assert any("预约不存在" in m for m in messages_of(response))


def test_cancel_urls_accept_only_post(citizen_client, citizen, category, clock):
    ticket = remote_ticket_issue(citizen=citizen, category_id=category.pk)

    assert citizen_client.get(reverse("my_ticket_cancel", args=[ticket.pk])).status_code == 405


# --- navigation ----------------------------------------------------------------------------------------------


def test_nav_shows_queue_link_to_everyone_and_my_queue_only_to_citizens(client, citizen, clerk, centre_1):
    anonymous = text(client.get(reverse("home")))
    client.force_login(clerk)
    staff = text(client.get(reverse("home")))
    client.force_login(citizen)
    signed_in = text(client.get(reverse("home")))

    assert "取号预约" in anonymous and reverse("my_queue") not in anonymous
    assert reverse("my_queue") not in staff
    assert f'href="{reverse("my_queue")}"' in signed_in


def test_demo_slots_make_the_booking_page_show_days(citizen_client, centre_1, category, matter, clock):
    QueuePolicy.objects.create(centre=centre_1, booking_days_ahead=3, slot_capacity=4)
    slots_generate(centre_id=centre_1.pk, start=MONDAY, days=4)

    response = citizen_client.get(reverse("appointment_new"), {"matter": matter.pk})

    days = [d.date for d, _label in response.context["days"]]
    assert days == [MONDAY, TUESDAY, dt.date(2026, 12, 2), dt.date(2026, 12, 3)]
    assert response.context["slots"][0].starts_at == dt.time(10, 30)  # 10:00 has started already

