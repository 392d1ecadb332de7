"""Device pages: sign-in with the device key, the guard on each page, the kiosk (categories, 绿色通道,
预约签到, the printed ticket), the call display and its state, the window pad."""
import datetime as dt
import re

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from hall.models import Appointment, AppointmentSlot, Device, Matter, Ticket, TicketEvent
from hall.services import tickets as ticket_services
from hall.services.appointments import appointment_book
from hall.services.device_sessions import FAILURE_LIMIT
from hall.services.devices import device_deactivate, device_rotate_key
from hall.services.windows import window_pause
from hall.templatetags.hall_qr import qr_svg_markup
from hall.views.devices import SESSION_DEVICE_ID, SESSION_DEVICE_KEY_PREFIX

from .device_helpers import WEDNESDAY_MORNING, call, make_device, png_upload, serve_and_finish, sign_in
from .factories import MatterFactory, StaffFactory
from .queue_factories import QueueCategoryFactory, issue, serving_window

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def clock():
    with time_machine.travel(WEDNESDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def category(centre_1):
    return QueueCategoryFactory(centre=centre_1, prefix="A", name="综合受理")


@pytest.fixture
def kiosk(manager_1, centre_1):
    return make_device(manager_1, centre_1, Device.Kind.KIOSK, name="一楼取号机")


@pytest.fixture
def display(manager_1, centre_1):
    return make_device(manager_1, centre_1, Device.Kind.DISPLAY, name="大厅大屏")


@pytest.fixture
def on_duty_clerk(centre_1, department_a):
    return StaffFactory(centre=centre_1, department=department_a, real_name="王小红", staff_number="NT0517")


@pytest.fixture
def window_5(centre_1, on_duty_clerk, category, clock):
    return serving_window(centre_1, on_duty_clerk, [category], number="5")


@pytest.fixture
def pad(manager_1, centre_1, window_5):
    return make_device(manager_1, centre_1, Device.Kind.WINDOW_PAD, window=window_5, name="5号窗评价器")


@pytest.fixture
def kiosk_client(client, kiosk):
    sign_in(client, kiosk[1])
    return client


@pytest.fixture
def display_client(client, display):
    sign_in(client, display[1])
    return client


@pytest.fixture
def pad_client(client, pad):
    sign_in(client, pad[1])
    return client


# ---------------------------------------------------------------- sign-in


@pytest.mark.parametrize(("kind", "page"), [("kiosk", "kiosk"), ("display", "display"), ("window_pad", "pad")])
def test_a_device_signs_in_with_its_key_and_lands_on_its_own_page(client, manager_1, centre_1, window_5, kind, page):
    _device, key = make_device(manager_1, centre_1, kind, window=window_5 if kind == "window_pad" else None)

    response = sign_in(client, key)

    assert response.status_code == 302 and response["Location"] == reverse(page)
    assert client.get(reverse(page)).status_code == 200


def test_the_session_holds_the_device_not_its_key(client, kiosk, settings):
    device, key = kiosk
    before = client.session
    before["seen"] = True
    before.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = before.session_key

    sign_in(client, key)

    session = client.session
    assert session[SESSION_DEVICE_ID] == device.pk and session[SESSION_DEVICE_KEY_PREFIX] == device.key_prefix
    assert key.split(".", 1)[1] not in str(dict(session.items()))
    assert session.session_key != before.session_key  # a new session id at sign-in


def test_sign_in_records_when_the_device_was_last_seen(client, kiosk, clock):
    device, key = kiosk

    sign_in(client, key)

    device.refresh_from_db()
    assert device.last_seen_at == WEDNESDAY_MORNING


def test_a_wrong_secret_is_refused_in_chinese(client, kiosk):
    device, _key = kiosk

    response = sign_in(client, f"{device.key_prefix}.not-the-secret")

    assert response.status_code == 200
    assert "设备密钥无效，请核对后重新输入。" in _text(response)
    assert SESSION_DEVICE_ID not in client.session


@pytest.mark.parametrize(
    "key", ["", "   ", "nodot", ".secret", "prefix.", "1234567890123.secret", "密钥.密钥", "a" * 199 + ".b", "x" * 5000]
)
def test_a_malformed_key_is_refused_in_chinese(client, kiosk, key):
    response = sign_in(client, key)

    assert response.status_code == 200
    assert re.search("请输入设备密钥。|设备密钥格式不正确", _text(response))
    assert SESSION_DEVICE_ID not in client.session


def test_a_deactivated_device_cannot_sign_in(client, kiosk, manager_1):
    device, key = kiosk
    device_deactivate(actor=manager_1, device_id=device.pk)

    response = sign_in(client, key)

    assert "该设备已停用，请联系中心管理人员。" in _text(response)
    assert SESSION_DEVICE_ID not in client.session


def test_sign_in_is_blocked_after_too_many_failures_from_one_address(client, kiosk):
    device, key = kiosk
    for _ in range(FAILURE_LIMIT):
        sign_in(client, f"{device.key_prefix}.wrong", REMOTE_ADDR="10.0.0.7")

    blocked = sign_in(client, key, REMOTE_ADDR="10.0.0.7")
    elsewhere = sign_in(client, key, REMOTE_ADDR="10.0.0.8")

    assert blocked.status_code == 429
    assert "设备密钥输错次数过多，请 15 分钟后再试。" in _text(blocked)
    assert elsewhere.status_code == 302


def test_failures_below_the_limit_do_not_block(client, kiosk):
    device, key = kiosk
    for _ in range(FAILURE_LIMIT - 1):
        sign_in(client, f"{device.key_prefix}.wrong", REMOTE_ADDR="10.0.0.7")

    assert sign_in(client, key, REMOTE_ADDR="10.0.0.7").status_code == 302


def test_a_key_in_the_url_signs_nothing_in(client, kiosk):
    _device, key = kiosk

    client.get(reverse("device_login"), {"key": key})

    assert SESSION_DEVICE_ID not in client.session
    assert client.get(reverse("kiosk")).status_code == 302


def test_the_sign_in_form_posts_the_key_in_the_body(client):
    html = _text(client.get(reverse("device_login")))

    assert 'method="post"' in html and 'type="password"' in html


def test_a_signed_in_device_sees_which_device_it_is_and_can_sign_out(kiosk_client, kiosk):
    html = _text(kiosk_client.get(reverse("device_login")))

    assert "本设备已登录为" in html and "一楼取号机" in html and "测试市政务服务中心" in html
    assert f'action="{reverse("device_logout")}"' in html


def test_sign_out_forgets_the_device(kiosk_client):
    response = kiosk_client.post(reverse("device_logout"))

    assert response.status_code == 302 and response["Location"] == reverse("device_login")
    assert SESSION_DEVICE_ID not in kiosk_client.session
    assert kiosk_client.get(reverse("kiosk")).status_code == 302


def test_sign_out_needs_a_post(kiosk_client):
    assert kiosk_client.get(reverse("device_logout")).status_code == 405
    assert SESSION_DEVICE_ID in kiosk_client.session


# ---------------------------------------------------------------- the guard


@pytest.mark.parametrize(
    "url_name", ["kiosk", "kiosk_priority", "kiosk_check_in", "display", "display_state", "pad", "pad_photo"]
)
def test_device_pages_send_a_browser_without_a_device_to_sign_in(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 302 and response["Location"] == reverse("device_login")


def test_a_person_logged_in_is_not_a_device(client, clerk):
    client.force_login(clerk)

    assert client.get(reverse("kiosk")).status_code == 302


@pytest.mark.parametrize("url_name", ["display", "display_state", "pad", "pad_photo"])
def test_a_kiosk_cannot_open_the_pages_of_other_device_kinds(kiosk_client, url_name):
    response = kiosk_client.get(reverse(url_name))

    assert response.status_code == 403
    assert "本设备不能打开此页面" in _text(response)


def test_a_display_cannot_issue_tickets(display_client, category):
    response = display_client.post(reverse("kiosk_issue"), {"category": category.pk})

    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_a_deactivated_device_is_sent_back_to_sign_in(kiosk_client, kiosk, manager_1):
    device, _key = kiosk
    device_deactivate(actor=manager_1, device_id=device.pk)

    response = kiosk_client.get(reverse("kiosk"), follow=True)

    assert response.redirect_chain == [(reverse("device_login"), 302)]
    assert "本设备已停用或密钥已更换，请重新登录。" in _text(response)
    assert SESSION_DEVICE_ID not in kiosk_client.session


def test_a_rotated_key_ends_the_signed_in_session(kiosk_client, kiosk, manager_1):
    device, _key = kiosk
    device_rotate_key(actor=manager_1, device_id=device.pk)

    assert kiosk_client.get(reverse("kiosk"))["Location"] == reverse("device_login")


def test_an_ended_session_tells_an_htmx_poll_to_go_to_sign_in(pad_client, pad, manager_1):
    device, _key = pad
    device_deactivate(actor=manager_1, device_id=device.pk)

    response = pad_client.get(reverse("pad"), HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and response["HX-Redirect"] == reverse("device_login")


def test_an_ended_session_answers_a_json_poll_with_401(display_client, display, manager_1):
    device, _key = display
    device_deactivate(actor=manager_1, device_id=device.pk)

    response = display_client.get(reverse("display_state"), HTTP_ACCEPT="application/json")

    assert response.status_code == 401
    assert response.json()["login_url"] == reverse("device_login")


# ---------------------------------------------------------------- kiosk


def test_kiosk_shows_its_centres_active_categories_with_waiting_counts(
    kiosk_client, centre_1, centre_2, category, clock
):
    QueueCategoryFactory(centre=centre_1, prefix="B", name="已停用类别", is_active=False)
    QueueCategoryFactory(centre=centre_2, prefix="C", name="外中心类别")
    issue(category)
    issue(category)

    html = _text(kiosk_client.get(reverse("kiosk")))

    assert "请选择要办理的业务" in html and "综合受理" in html
    assert "等候 <strong>2</strong> 人" in html
    assert "已停用类别" not in html and "外中心类别" not in html
    assert "绿色通道" in html and "预约签到" in html


def test_kiosk_issues_a_normal_ticket_and_shows_it(kiosk_client, kiosk, category, clock):
    response = kiosk_client.post(reverse("kiosk_issue"), {"category": category.pk})

    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("kiosk_ticket", args=[ticket.token])
    assert (ticket.number, ticket.source, ticket.priority_class) == ("A001", "kiosk", "normal")
    assert TicketEvent.objects.get(ticket=ticket, kind="issued").device_id == kiosk[0].pk


def test_kiosk_priority_page_offers_the_four_groups(kiosk_client):
    html = _text(kiosk_client.get(reverse("kiosk_priority")))

    for label in ("老年人", "残疾人", "孕妇", "军人"):
        assert label in html
    assert f'href="{reverse("kiosk")}?group=elderly"' in html


def test_kiosk_in_the_green_channel_issues_a_priority_ticket(kiosk_client, category, clock):
    html = _text(kiosk_client.get(reverse("kiosk"), {"group": "elderly"}))
    assert "绿色通道：老年人" in html and 'name="priority_group" value="elderly"' in html

    kiosk_client.post(reverse("kiosk_issue"), {"category": category.pk, "priority_group": "elderly"})

    ticket = Ticket.objects.get()
    assert (ticket.priority_class, ticket.priority_group) == ("priority_group", "elderly")


def test_kiosk_ignores_an_unknown_green_channel_group_in_the_address(kiosk_client, category):
    html = _text(kiosk_client.get(reverse("kiosk"), {"group": "<script>alert(1)</script>"}))

    assert "priority_group" not in html and "<script>alert" not in html


def test_kiosk_refuses_a_category_of_another_centre(kiosk_client, centre_2):
    foreign = QueueCategoryFactory(centre=centre_2, prefix="Z")

    response = kiosk_client.post(reverse("kiosk_issue"), {"category": foreign.pk})

    assert response.status_code == 403
    assert "该设备不属于此中心，不能取号。" in _text(response)
    assert not Ticket.objects.exists()


def test_kiosk_refuses_an_inactive_category_in_big_chinese(kiosk_client, centre_1):
    stopped = QueueCategoryFactory(centre=centre_1, prefix="S", is_active=False)

    response = kiosk_client.post(reverse("kiosk_issue"), {"category": stopped.pk})

    assert response.status_code == 404
    assert 'class="kiosk-failure-message"' in _text(response) and "该业务类别不存在或已停用。" in _text(response)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"category": "abc"},
        {"category": "-1"},
        {"category": "99999999999999999999"},
        {"category": "1 OR 1=1"},
        {"category": "{category}", "priority_group": "vip"},
        {"category": "{category}", "priority_group": "<script>"},
        {"category": "{category}" + "9" * 5000},
    ],
)
def test_kiosk_refuses_bad_input_and_issues_nothing(kiosk_client, category, data):
    data = {k: v.replace("{category}", str(category.pk)) for k, v in data.items()}

    response = kiosk_client.post(reverse("kiosk_issue"), data)

    assert response.status_code == 400
    assert "请重新选择要办理的业务。" in _text(response)
    assert not Ticket.objects.exists()


def test_kiosk_issue_needs_a_post(kiosk_client, category):
    assert kiosk_client.get(reverse("kiosk_issue"), {"category": category.pk}).status_code == 405
    assert not Ticket.objects.exists()


def test_the_printed_ticket_shows_centre_number_category_queue_and_time(kiosk_client, category, centre_1, clock):
    issue(category)
    issue(category)
    ticket = issue(category)

    html = _text(kiosk_client.get(reverse("kiosk_ticket", args=[ticket.token])))

    assert "测试市政务服务中心" in html and ">A003<" in html and "综合受理" in html
    assert 'data-testid="people-ahead">2 人<' in html
    assert 'data-testid="estimate">暂无开放窗口<' in html
    assert "2026-12-02 09:00" in html
    assert 'data-print' in html


def test_the_printed_ticket_estimates_the_wait_when_a_window_is_open(kiosk_client, category, window_5, clock):
    issue(category)
    ticket = issue(category)

    html = _text(kiosk_client.get(reverse("kiosk_ticket", args=[ticket.token])))

    assert 'data-testid="estimate">约 10 分钟<' in html  # 1 ahead × 10 min default ÷ 1 window


def test_the_printed_ticket_has_a_qr_code_of_its_live_page_drawn_inline(kiosk_client, category, clock):
    ticket = issue(category)

    html = kiosk_client.get(reverse("kiosk_ticket", args=[ticket.token])).content.decode()

    live_url = "http://testserver" + reverse("ticket_live", args=[ticket.token])
    assert qr_svg_markup(live_url, label="扫码查看排队进度", css_class="qr receipt-qr-code") in html
    assert "<img" not in html  # no external QR service


def test_the_printed_ticket_goes_back_to_the_start_after_20_seconds(kiosk_client, category, clock):
    ticket = issue(category)

    html = _text(kiosk_client.get(reverse("kiosk_ticket", args=[ticket.token])))

    assert f'<meta http-equiv="refresh" content="20;url={reverse("kiosk")}">' in html


def test_the_printed_ticket_is_laid_out_for_an_80_mm_receipt_printer(kiosk_client, category, clock):
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/devices.css"), encoding="utf-8").read()

    assert "@media print" in css and "size: 80mm auto" in css


def test_a_kiosk_cannot_show_a_ticket_of_another_centre(kiosk_client, centre_2, clock):
    foreign = issue(QueueCategoryFactory(centre=centre_2, prefix="Z"))

    response = kiosk_client.get(reverse("kiosk_ticket", args=[foreign.token]))

    assert response.status_code == 404 and "未找到该号票。" in _text(response)


@pytest.mark.parametrize("token", ["nope", "x" * 40, "../../etc", "%00"])
def test_a_kiosk_ticket_page_with_a_wrong_token_is_404(kiosk_client, token):
    assert kiosk_client.get(f"/kiosk/tickets/{token}/").status_code == 404


# --- check-in


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


def test_check_in_page_has_an_on_screen_numeric_keypad(kiosk_client):
    html = _text(kiosk_client.get(reverse("kiosk_check_in")))

    assert "请输入 8 位预约码，或预约时填写的 11 位手机号" in html
    assert all(f'data-key="{digit}"' in html for digit in "0123456789")
    assert 'data-key="back"' in html and 'data-key="clear"' in html


def test_check_in_by_booking_code_gives_an_appointment_ticket(kiosk_client, kiosk, booking):
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 45, tzinfo=TZ), tick=False):
        response = kiosk_client.post(reverse("kiosk_check_in"), {"number": booking.code})

    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("kiosk_ticket", args=[ticket.token])
    assert (ticket.priority_class, ticket.source) == ("appointment", "appointment")
    booking.refresh_from_db()
    assert booking.status == Appointment.Status.CHECKED_IN


def test_check_in_by_phone_works_too(kiosk_client, booking, citizen):
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 15, tzinfo=TZ), tick=False):
        response = kiosk_client.post(reverse("kiosk_check_in"), {"number": citizen.phone})

    assert response.status_code == 302
    assert Ticket.objects.get().citizen == citizen


def test_check_in_outside_the_window_is_refused_in_big_chinese(kiosk_client, booking):
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ), tick=False):
        response = kiosk_client.post(reverse("kiosk_check_in"), {"number": booking.code})

    assert response.status_code == 409
    assert 'class="kiosk-error"' in _text(response) and "09:30–10:30" in _text(response)
    assert not Ticket.objects.exists()


def test_check_in_with_an_unknown_code_is_refused(kiosk_client, booking, clock):
    response = kiosk_client.post(reverse("kiosk_check_in"), {"number": "00000000"})

    assert response.status_code == 404
    assert "未找到今日在本中心的有效预约。" in _text(response)


@pytest.mark.parametrize("number", ["", "1234", "123456789", "abcdefgh", "１２３４５６７８", "1" * 30])
def test_check_in_refuses_what_is_neither_a_code_nor_a_phone(kiosk_client, number, clock):
    response = kiosk_client.post(reverse("kiosk_check_in"), {"number": number})

    assert response.status_code == 400
    assert "请输入8位预约码或11位手机号。" in _text(response)
    assert not Ticket.objects.exists()


def test_a_refused_check_in_does_not_show_the_phone_number_again(kiosk_client, booking, citizen, clock):
    html = _text(kiosk_client.post(reverse("kiosk_check_in"), {"number": "13900000999"}))

    assert "13900000999" not in html


# ---------------------------------------------------------------- call display


def test_display_shows_the_latest_call_highlighted_and_the_waiting_counts(
    display_client, category, window_5, on_duty_clerk, clock
):
    issue(category)
    issue(category)
    call(window_5, on_duty_clerk)

    html = _text(display_client.get(reverse("display")))

    assert '<p class="display-latest-text" data-latest-text>请 A001 号到 5 号窗口办理</p>' in html
    assert "综合受理" in html and "<strong>1</strong> 人" in html
    assert "点击开启语音播报" in html and "js/display.js" in html


def test_display_state_gives_event_ids_and_the_text_to_speak(display_client, category, window_5, on_duty_clerk, clock):
    issue(category)
    call(window_5, on_duty_clerk)

    state = display_client.get(reverse("display_state")).json()

    [row] = state["calls"]
    assert row["event_id"] == TicketEvent.objects.get(kind="called").pk
    assert row["text"] == "请 A001 号到 5 号窗口办理" and row["spoken"] == "请A001号到5号窗口办理"
    assert state["waiting"] == [{"prefix": "A", "name": "综合受理", "waiting": 0}]


def test_display_lists_a_recalled_ticket_once_with_its_newest_event(
    display_client, category, centre_1, window_5, on_duty_clerk, clock
):
    issue(category)
    issue(category)
    call(window_5, on_duty_clerk)
    other_clerk = StaffFactory(centre=centre_1)
    window_6 = serving_window(centre_1, other_clerk, [category], number="6")
    call(window_6, other_clerk)
    ticket_services.ticket_recall(window_id=window_5.pk, actor=on_duty_clerk)

    calls = display_client.get(reverse("display_state")).json()["calls"]

    assert [(c["ticket_number"], c["kind"]) for c in calls] == [("A001", "recalled"), ("A002", "called")]
    assert calls[0]["event_id"] == TicketEvent.objects.get(kind="recalled").pk


def test_display_shows_only_its_own_centre(display_client, centre_2, clock):
    foreign_clerk = StaffFactory(centre=centre_2)
    foreign_category = QueueCategoryFactory(centre=centre_2, prefix="Z", name="外中心类别")
    foreign_window = serving_window(centre_2, foreign_clerk, [foreign_category], number="9")
    issue(foreign_category)
    call(foreign_window, foreign_clerk)

    state = display_client.get(reverse("display_state")).json()

    assert state["calls"] == [] and state["waiting"] == []


def test_display_state_query_count_is_pinned(
    display_client, category, window_5, on_duty_clerk, clock, django_assert_max_num_queries
):
    for _ in range(6):
        issue(category)
    for _ in range(3):
        serve_and_finish(window_5, on_duty_clerk)
    call(window_5, on_duty_clerk)
    display_client.get(reverse("display_state"))  # last_seen_at is written at most once a minute

    with django_assert_max_num_queries(4):  # session, device, calls, waiting counts
        assert display_client.get(reverse("display_state")).status_code == 200


# ---------------------------------------------------------------- window pad


def test_pad_shows_window_clerk_name_staff_number_and_a_placeholder_photo(pad_client, window_5):
    html = _text(pad_client.get(reverse("pad")))

    assert "5 号窗口" in html and window_5.name in html
    assert "王小红" in html and "工号 NT0517" in html
    assert 'data-testid="pad-photo-placeholder"' in html
    assert 'hx-trigger="every 2s"' in html


def test_pad_shows_the_clerks_photo_through_the_pad_only(pad_client, on_duty_clerk, settings, tmp_path, client):
    settings.MEDIA_ROOT = str(tmp_path)
    on_duty_clerk.photo = png_upload()
    on_duty_clerk.save()

    html = _text(pad_client.get(reverse("pad")))
    src = re.search(r'<img src="([^"]+)"', html).group(1)
    photo = pad_client.get(src)

    assert src.startswith(reverse("pad_photo") + "?v=")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert b"".join(photo.streaming_content).startswith(b"\x89PNG")


def test_pad_photo_is_404_without_a_photo(pad_client):
    assert pad_client.get(reverse("pad_photo")).status_code == 404


def test_pad_shows_a_paused_window_with_its_reason(pad_client, window_5, on_duty_clerk):
    window_pause(window_id=window_5.pk, actor=on_duty_clerk, reason="meeting")

    html = _text(pad_client.get(reverse("pad")))

    assert "暂停服务" in html and 'data-testid="pad-pause-reason">会议<' in html


def test_pad_shows_the_ticket_called_and_then_served(pad_client, category, window_5, on_duty_clerk, clock):
    issue(category)
    call(window_5, on_duty_clerk)
    called = _text(pad_client.get(reverse("pad")))
    ticket_services.ticket_start(window_id=window_5.pk, actor=on_duty_clerk)
    serving = _text(pad_client.get(reverse("pad")))

    assert "正在叫号" in called and 'data-testid="pad-current-number">A001<' in called
    assert "正在办理" in serving and 'data-testid="pad-current-number">A001<' in serving


def test_pad_shows_the_after_service_hand_off_once_the_service_is_finished(
    pad_client, category, window_5, on_duty_clerk, clock
):
    issue(category)
    serve_and_finish(window_5, on_duty_clerk)

    html = _text(pad_client.get(reverse("pad")))

    assert 'data-testid="after-service"' in html and "本次服务已完成，感谢您的耐心" in html
    assert "<button" not in html  # the rating buttons come with the evaluation issue


def test_pad_hand_off_gives_way_when_the_next_ticket_is_called(pad_client, category, window_5, on_duty_clerk, clock):
    issue(category)
    issue(category)
    serve_and_finish(window_5, on_duty_clerk)
    call(window_5, on_duty_clerk)

    html = _text(pad_client.get(reverse("pad")))

    assert "after-service" not in html and 'data-testid="pad-current-number">A002<' in html


def test_the_after_service_partial_renders_with_the_ticket_in_its_context(category, clock):
    ticket = issue(category)

    html = render_to_string("hall/devices/_pad_after_service.html", {"ticket": ticket})

    assert "本次服务已完成，感谢您的耐心" in html and "A001" in html


def test_pad_poll_answers_204_while_nothing_changed(pad_client):
    signature = re.search(r'data-signature="(\w+)"', pad_client.get(reverse("pad")).content.decode()).group(1)

    response = pad_client.get(reverse("pad"), {"v": signature}, HTTP_HX_REQUEST="true")

    assert response.status_code == 204


def test_pad_poll_gets_the_new_screen_when_something_changed(pad_client, category, window_5, on_duty_clerk, clock):
    signature = re.search(r'data-signature="(\w+)"', pad_client.get(reverse("pad")).content.decode()).group(1)
    issue(category)
    call(window_5, on_duty_clerk)

    response = pad_client.get(reverse("pad"), {"v": signature}, HTTP_HX_REQUEST="true")

    html = _text(response)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="pad-state"')
    assert "<html" not in html and "A001" in html


def test_pad_query_count_is_pinned(pad_client, category, window_5, on_duty_clerk, clock, django_assert_max_num_queries):
    issue(category)
    call(window_5, on_duty_clerk)
    pad_client.get(reverse("pad"))

    with django_assert_max_num_queries(5):  # session, device, window + clerk, current ticket, last finished
        assert pad_client.get(reverse("pad"), HTTP_HX_REQUEST="true").status_code == 200
