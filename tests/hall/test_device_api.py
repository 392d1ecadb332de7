"""Device API: kiosk categories, tickets and check-in; the display's state; the pad's state and photo.
Each endpoint is for one device kind and its own centre; bad input gets a Chinese 400."""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from hall.models import Appointment, AppointmentSlot, Device, Matter, Ticket, TicketEvent
from hall.services import tickets as ticket_services
from hall.services.appointments import appointment_book
from hall.services.devices import device_deactivate
from hall.services.windows import window_pause

from .device_helpers import WEDNESDAY_MORNING, api_client, call, make_device, png_upload, serve_and_finish
from .factories import MatterFactory, StaffFactory
from .queue_factories import QueueCategoryFactory, issue, serving_window

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
CATEGORIES = "/api/devices/kiosk/categories/"
TICKETS = "/api/devices/kiosk/tickets/"
CHECK_IN = "/api/devices/kiosk/check-in/"
DISPLAY_STATE = "/api/devices/display/state/"
PAD_STATE = "/api/devices/pad/state/"
PAD_PHOTO = "/api/devices/pad/clerk-photo/"


@pytest.fixture
def clock():
    with time_machine.travel(WEDNESDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def category(centre_1):
    return QueueCategoryFactory(centre=centre_1, prefix="A", name="综合受理")


@pytest.fixture
def clerk_5(centre_1, department_a):
    return StaffFactory(centre=centre_1, department=department_a, real_name="王小红", staff_number="NT0517")


@pytest.fixture
def window_5(centre_1, clerk_5, category, clock):
    return serving_window(centre_1, clerk_5, [category], number="5")


@pytest.fixture
def kiosk(manager_1, centre_1):
    device, key = make_device(manager_1, centre_1, Device.Kind.KIOSK)
    return device, api_client(key)


@pytest.fixture
def display(manager_1, centre_1):
    device, key = make_device(manager_1, centre_1, Device.Kind.DISPLAY)
    return device, api_client(key)


@pytest.fixture
def pad(manager_1, centre_1, window_5):
    device, key = make_device(manager_1, centre_1, Device.Kind.WINDOW_PAD, window=window_5)
    return device, api_client(key)


@pytest.fixture
def foreign_kiosk(manager_2, centre_2):
    device, key = make_device(manager_2, centre_2, Device.Kind.KIOSK)
    return device, api_client(key)


# ---------------------------------------------------------------- who may call what

ENDPOINTS = [("get", CATEGORIES), ("post", TICKETS), ("post", CHECK_IN), ("get", DISPLAY_STATE), ("get", PAD_STATE),
             ("get", PAD_PHOTO)]
KIND_OF = {CATEGORIES: "kiosk", TICKETS: "kiosk", CHECK_IN: "kiosk", DISPLAY_STATE: "display", PAD_STATE: "window_pad",
           PAD_PHOTO: "window_pad"}
MESSAGES = {
    "kiosk": "此接口仅供取号机使用。",
    "display": "此接口仅供叫号大屏使用。",
    "window_pad": "此接口仅供窗口评价器使用。",
}
GROUP_MESSAGE = "绿色通道类别不正确（老年人、残疾人、孕妇、军人）。"


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_device_endpoints_refuse_callers_without_a_device_key(method, url):
    response = getattr(APIClient(), method)(url)

    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_device_endpoints_refuse_a_logged_in_person(method, url, manager_1):
    client = APIClient()
    client.force_login(manager_1)

    response = getattr(client, method)(url)

    assert response.status_code in (401, 403)


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_each_endpoint_refuses_devices_of_other_kinds(method, url, kiosk, display, pad, category, clock):
    devices = {"kiosk": kiosk, "display": display, "window_pad": pad}
    for kind, (_device, client) in devices.items():
        if kind == KIND_OF[url]:
            continue
        response = getattr(client, method)(url, {"category": category.pk}, format="json")
        assert response.status_code == 403, (kind, url)
        assert response.json()["detail"] == MESSAGES[KIND_OF[url]]
    assert not Ticket.objects.exists()


def test_a_deactivated_kiosk_is_refused(kiosk, manager_1):
    device, client = kiosk
    device_deactivate(actor=manager_1, device_id=device.pk)

    response = client.get(CATEGORIES)

    assert response.status_code == 401 and response.json()["detail"] == "该设备已停用。"


# ---------------------------------------------------------------- kiosk


def test_kiosk_lists_its_centres_active_categories_with_waiting_counts(kiosk, category, centre_1, centre_2, clock):
    QueueCategoryFactory(centre=centre_1, prefix="B", is_active=False)
    QueueCategoryFactory(centre=centre_2, prefix="C")
    issue(category)

    response = kiosk[1].get(CATEGORIES)

    assert response.status_code == 200
    assert response.json() == [{"id": category.pk, "prefix": "A", "name": "综合受理", "waiting": 1}]


def test_kiosk_issues_a_ticket_with_its_queue_place_and_live_page(kiosk, category, window_5, clock):
    device, client = kiosk
    issue(category)

    response = client.post(TICKETS, {"category": category.pk}, format="json")

    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get(number="A002")
    assert body["number"] == "A002" and body["category"] == {"id": category.pk, "prefix": "A", "name": "综合受理"}
    assert (body["people_ahead"], body["open_windows"], body["estimated_minutes"]) == (1, 1, 10)
    assert body["estimate_text"] == "约 10 分钟" and body["priority_class"] == "normal"
    assert body["live_url"] == "http://testserver" + reverse("ticket_live", args=[ticket.token])
    assert body["centre_name"] == "测试市政务服务中心"
    assert ticket.source == "kiosk"
    assert TicketEvent.objects.get(ticket=ticket, kind="issued").device_id == device.pk


def test_kiosk_issues_a_green_channel_ticket(kiosk, category, clock):
    response = kiosk[1].post(
        TICKETS, {"category": category.pk, "priority_class": "priority_group", "priority_group": "military"},
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["priority_group"], response.json()["priority_group_display"]) == ("military", "军人")
    assert response.json()["estimate_text"] == "暂无开放窗口" and response.json()["estimated_minutes"] is None


def test_kiosk_of_another_centre_cannot_issue_our_tickets(foreign_kiosk, category, clock):
    response = foreign_kiosk[1].post(TICKETS, {"category": category.pk}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "该设备不属于此中心，不能取号。"
    assert not Ticket.objects.exists()


def test_kiosk_cannot_issue_appointment_priority(kiosk, category, clock):
    response = kiosk[1].post(TICKETS, {"category": category.pk, "priority_class": "appointment"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "取号机只能取普通号或绿色通道号。", "field": "priority_class"}
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "category", "请选择业务类别。"),
        ({"category": None}, "category", "请选择业务类别。"),
        ({"category": "abc"}, "category", "业务类别不正确。"),
        ({"category": -3}, "category", "业务类别不正确。"),
        ({"category": 10**30}, "category", "业务类别不正确。"),
        ({"category": "1" * 5000}, "category", "业务类别不正确。"),
        ({"category": [1, 2]}, "category", "业务类别不正确。"),
        ({"category": "{pk}", "priority_class": "vip"}, "priority_class", "取号机只能取普通号或绿色通道号。"),
        ({"category": "{pk}", "priority_group": "<script>"}, "priority_group", GROUP_MESSAGE),
        ({"category": "{pk}", "priority_class": "priority_group"}, "priority_group", None),
        ({"category": 999999}, None, "该业务类别不存在或已停用。"),
    ],
)
def test_kiosk_ticket_refuses_bad_input_in_chinese(kiosk, category, clock, body, field, message):
    body = {k: category.pk if v == "{pk}" else v for k, v in body.items()}

    response = kiosk[1].post(TICKETS, body, format="json")

    assert response.status_code in (400, 404)
    assert response.json().get("field") == field
    assert response.json()["detail"] == (message or "请选择绿色通道类别（老年人、残疾人、孕妇、军人）。")
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [("[1, 2, 3]", "application/json"), ("{not json", "application/json"), ("category=1", "text/plain")],
)
def test_kiosk_ticket_refuses_a_body_that_is_not_an_object(kiosk, category, payload, content_type, clock):
    response = kiosk[1].generic("POST", TICKETS, payload, content_type=content_type)

    assert response.status_code in (400, 415)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])
    assert not Ticket.objects.exists()


def test_kiosk_ticket_refuses_an_oversized_body_in_chinese(kiosk, category, settings, clock):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    payload = '{"category": "' + "1" * 4096 + '"}'

    response = kiosk[1].generic("POST", TICKETS, payload, content_type="application/json")

    assert response.status_code == 400 and response.json() == {"detail": "请求内容过大。"}
    assert not Ticket.objects.exists()


@pytest.fixture
def booking(citizen, centre_1, department_a, category):
    matter = MatterFactory(centre=centre_1, department=department_a, appointment=True, status=Matter.Status.PUBLISHED)
    category.matters.add(matter)
    slot = AppointmentSlot.objects.create(
        centre=centre_1, category=category, date=dt.date(2026, 12, 2), starts_at=dt.time(10, 0),
        ends_at=dt.time(10, 30), capacity=10,
    )
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ), tick=False):
        return appointment_book(citizen=citizen, slot_id=slot.pk, matter_id=matter.pk)


def test_kiosk_checks_in_a_booking_by_code(kiosk, booking):
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 40, tzinfo=TZ), tick=False):
        response = kiosk[1].post(CHECK_IN, {"code": booking.code}, format="json")

    assert response.status_code == 201
    assert response.json()["priority_class"] == "appointment" and response.json()["number"] == "A001"
    booking.refresh_from_db()
    assert booking.status == Appointment.Status.CHECKED_IN


def test_kiosk_checks_in_a_booking_by_phone_and_shows_no_personal_data(kiosk, booking, citizen):
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 10, tzinfo=TZ), tick=False):
        response = kiosk[1].post(CHECK_IN, {"phone": citizen.phone}, format="json")

    assert response.status_code == 201
    text = response.content.decode()
    assert citizen.phone not in text and citizen.real_name not in text


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 400, "请输入预约码或手机号。"),
        ({"code": "12ab"}, 400, "预约码为8位数字。"),
        ({"code": "1" * 500}, 400, "预约码为8位数字。"),
        ({"phone": "1" * 500}, 400, "手机号格式不正确。"),
        ({"code": "00000000"}, 404, "未找到今日在本中心的有效预约。"),
    ],
)
def test_kiosk_check_in_refuses_bad_or_unknown_input(kiosk, booking, clock, body, status, message):
    response = kiosk[1].post(CHECK_IN, body, format="json")

    assert response.status_code == status
    assert response.json()["detail"].startswith(message.rstrip("。"))
    assert not Ticket.objects.exists()


def test_kiosk_check_in_outside_the_window_is_a_conflict(kiosk, booking):
    with time_machine.travel(dt.datetime(2026, 12, 2, 11, 0, tzinfo=TZ), tick=False):
        response = kiosk[1].post(CHECK_IN, {"code": booking.code}, format="json")

    assert response.status_code == 409 and "09:30–10:30" in response.json()["detail"]


def test_a_kiosk_of_another_centre_finds_no_booking_of_ours(foreign_kiosk, booking):
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, tzinfo=TZ), tick=False):
        response = foreign_kiosk[1].post(CHECK_IN, {"code": booking.code}, format="json")

    assert response.status_code == 404
    assert not Ticket.objects.exists()


# ---------------------------------------------------------------- display


def test_display_state_has_calls_with_event_ids_spoken_text_and_waiting_counts(display, category, window_5, clerk_5,
                                                                               clock):
    issue(category)
    issue(category)
    call(window_5, clerk_5)

    body = display[1].get(DISPLAY_STATE).json()

    event = TicketEvent.objects.get(kind="called")
    assert body["calls"] == [
        {
            "event_id": event.pk, "kind": "called", "is_recall": False, "ticket_number": "A001", "window_number": "5",
            "text": "请 A001 号到 5 号窗口办理", "spoken": "请A001号到5号窗口办理",
            "called_at": "2026-12-02T09:00:00+08:00",
        }
    ]
    assert body["waiting"] == [{"prefix": "A", "name": "综合受理", "waiting": 1}]
    assert body["now"] == "2026-12-02T09:00:00+08:00"


def test_display_state_marks_a_recall_with_a_new_event_id(display, category, window_5, clerk_5, clock):
    issue(category)
    call(window_5, clerk_5)
    first = display[1].get(DISPLAY_STATE).json()["calls"][0]["event_id"]
    ticket_services.ticket_recall(window_id=window_5.pk, actor=clerk_5)

    [row] = display[1].get(DISPLAY_STATE).json()["calls"]

    assert row["event_id"] > first and row["is_recall"] and row["kind"] == "recalled"


def test_display_state_is_only_of_its_own_centre(manager_2, centre_2, category, window_5, clerk_5, clock):
    _device, key = make_device(manager_2, centre_2, Device.Kind.DISPLAY)
    issue(category)
    call(window_5, clerk_5)

    body = api_client(key).get(DISPLAY_STATE).json()

    assert body["calls"] == [] and body["waiting"] == []


def test_display_state_query_count_is_pinned(
    display, category, window_5, clerk_5, clock, django_assert_max_num_queries
):
    for _ in range(10):
        issue(category)
    for _ in range(4):
        serve_and_finish(window_5, clerk_5)
    call(window_5, clerk_5)
    display[1].get(DISPLAY_STATE)  # last_seen_at is written at most once a minute

    with django_assert_max_num_queries(3):  # device, calls, waiting counts
        assert display[1].get(DISPLAY_STATE).status_code == 200


# ---------------------------------------------------------------- pad


def test_pad_state_shows_window_clerk_status_and_no_ticket(pad, window_5):
    body = pad[1].get(PAD_STATE).json()

    assert body["window"] == {
        "id": window_5.pk, "number": "5", "name": window_5.name, "status": "open", "status_display": "开放",
        "pause_reason": "",
    }
    assert body["clerk"] == {"name": "王小红", "staff_number": "NT0517", "photo_url": None}
    assert body["current_ticket"] is None and body["last_finished_ticket_id"] is None


def test_pad_state_shows_the_current_ticket(pad, category, window_5, clerk_5, clock):
    issue(category)
    call(window_5, clerk_5)

    body = pad[1].get(PAD_STATE).json()

    assert body["current_ticket"] == {"number": "A001", "status": "called", "status_display": "已叫号"}


def test_pad_state_names_the_finished_ticket_for_the_hand_off(pad, category, window_5, clerk_5, clock):
    issue(category)
    ticket = serve_and_finish(window_5, clerk_5)

    body = pad[1].get(PAD_STATE).json()

    assert body["current_ticket"] is None and body["last_finished_ticket_id"] == ticket.pk


def test_pad_state_shows_a_pause_and_its_reason(pad, window_5, clerk_5):
    window_pause(window_id=window_5.pk, actor=clerk_5, reason="other", note="系统升级")

    window = pad[1].get(PAD_STATE).json()["window"]

    assert (window["status"], window["pause_reason"]) == ("paused", "其他：系统升级")


def test_pad_state_signature_changes_with_the_screen(pad, category, window_5, clerk_5, clock):
    before = pad[1].get(PAD_STATE).json()["signature"]
    same = pad[1].get(PAD_STATE).json()["signature"]
    issue(category)
    call(window_5, clerk_5)

    assert before == same != pad[1].get(PAD_STATE).json()["signature"]


def test_pad_state_gives_a_photo_url_that_serves_the_clerks_photo(pad, clerk_5, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    clerk_5.photo = png_upload()
    clerk_5.save()

    url = pad[1].get(PAD_STATE).json()["clerk"]["photo_url"]
    photo = pad[1].get(url)

    assert url.startswith("http://testserver" + PAD_PHOTO + "?v=")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"


def test_pad_photo_is_404_without_a_photo(pad):
    assert pad[1].get(PAD_PHOTO).status_code == 404


def test_pad_state_query_count_is_pinned(pad, category, window_5, clerk_5, clock, django_assert_max_num_queries):
    issue(category)
    serve_and_finish(window_5, clerk_5)
    pad[1].get(PAD_STATE)

    with django_assert_max_num_queries(4):  # device, window + clerk, current ticket, last finished
        assert pad[1].get(PAD_STATE).status_code == 200
