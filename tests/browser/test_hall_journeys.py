"""The hall's two main journeys across devices, each device a browser of its own:
1. a ticket from the kiosk is called at the clerk workstation and the display shows it;
2. a citizen books online, checks in at the kiosk and is called ahead of the walk-in queue."""
import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from hall.models import Device, Role, Ticket
from tests.conftest import DEFAULT_PASSWORD
from tests.hall.calendar_helpers import seed_package_calendar_if_flushed
from tests.hall.device_helpers import make_device
from tests.hall.factories import CentreFactory, CitizenFactory, DepartmentFactory, MatterFactory, StaffFactory
from tests.hall.queue_factories import QueueCategoryFactory, issue, serving_window

pytestmark = pytest.mark.browser

TZ = dt.timezone(dt.timedelta(hours=8))
WEDNESDAY = dt.datetime(2026, 12, 9, 9, 45, tzinfo=TZ)


@pytest.fixture
def clock():
    # The live server runs in this process and sees the travelled clock; it ticks so polls see time pass.
    with time_machine.travel(WEDNESDAY, tick=True) as traveller:
        yield traveller


@pytest.fixture
def hall(transactional_db, clock):
    seed_package_calendar_if_flushed()
    centre = CentreFactory(code="jianghai", name="江海市政务服务中心")
    manager = StaffFactory(centre=centre, role=Role.MANAGER, is_staff=True)
    amr = DepartmentFactory(centre=centre, code="amr", name="市场监督管理局")
    licence = MatterFactory(centre=centre, department=amr, code="SC-003", name="食品经营许可", appointment=True)
    general = QueueCategoryFactory(centre=centre, prefix="A", name="市场监管", position=1)
    general.matters.add(licence)
    clerk = StaffFactory(centre=centre, username="lixiaomei", real_name="李晓梅", role=Role.CLERK)
    window = serving_window(centre, clerk, [general], number="11", open_it=False)
    return {"centre": centre, "manager": manager, "general": general, "window": window, "licence": licence}


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make(viewport=(1280, 900)):
        context = browser.new_context(
            locale="zh-CN", viewport={"width": viewport[0], "height": viewport[1]}, base_url=live_server.url
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def device_sign_in(page, key):
    page.goto("/devices/login/")
    page.get_by_label("设备密钥").fill(key)
    page.get_by_role("button", name="登录").click()


def log_in(page, username, next_url="/"):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()


def open_workstation(page, window_number):
    log_in(page, "lixiaomei", "/workstation/")
    page.get_by_test_id(f"window-{window_number}").get_by_role("button", name="开窗").click()
    expect(page.get_by_test_id("panel").get_by_test_id("window-status")).to_have_text("开放中")
    return page.get_by_test_id("panel")


def test_kiosk_ticket_is_called_at_the_workstation_and_shown_on_the_display(hall, new_page, shot):
    _kiosk, kiosk_key = make_device(hall["manager"], hall["centre"], Device.Kind.KIOSK, name="一楼取号机")
    _display, display_key = make_device(hall["manager"], hall["centre"], Device.Kind.DISPLAY, name="大厅大屏")
    kiosk, clerk, display = new_page((1080, 1920)), new_page(), new_page((1920, 1080))

    device_sign_in(kiosk, kiosk_key)
    kiosk.get_by_test_id("category-A").click()
    expect(kiosk.get_by_test_id("ticket-number")).to_have_text("A001")
    kiosk.screenshot(path="test-artifacts/journey-1-kiosk-ticket.png")

    device_sign_in(display, display_key)
    display.get_by_test_id("enable-audio").click()
    panel = open_workstation(clerk, "11")
    panel.get_by_role("button", name="叫号").click()
    expect(panel.get_by_test_id("ticket-number")).to_have_text("A001")
    clerk.screenshot(path="test-artifacts/journey-1-workstation-called.png")

    expect(display.get_by_test_id("latest-call")).to_contain_text("请 A001 号到 11 号窗口办理", timeout=2000)
    display.screenshot(path="test-artifacts/journey-1-display.png")
    assert Ticket.objects.get(number="A001").status == Ticket.Status.CALLED


def test_citizen_books_checks_in_at_the_kiosk_and_is_called_with_appointment_priority(hall, new_page, clock):
    from hall.models import AppointmentSlot

    AppointmentSlot.objects.create(
        centre=hall["centre"], category=hall["general"], date=WEDNESDAY.date(),
        starts_at=dt.time(10, 0), ends_at=dt.time(10, 30), capacity=10,
    )
    walk_ins = [issue(hall["general"]) for _ in range(3)]  # A001–A003 already waiting
    CitizenFactory(username="wangfang", real_name="王芳", phone="13812345678")
    _kiosk, kiosk_key = make_device(hall["manager"], hall["centre"], Device.Kind.KIOSK)
    citizen, kiosk, clerk = new_page(), new_page((1080, 1920)), new_page()

    log_in(citizen, "wangfang", "/queue/")
    citizen.goto(f"/appointments/new/?matter={hall['licence'].pk}")
    citizen.get_by_test_id("days").get_by_role("link", name=re.compile("今天")).click()
    citizen.get_by_test_id("slots").get_by_text("10:00–10:30").click()
    citizen.get_by_role("button", name="确认预约").click()
    code = citizen.get_by_test_id("booking-code")
    expect(code).to_have_text(re.compile(r"^\d{8}$"))
    booking_code = code.text_content()
    citizen.screenshot(path="test-artifacts/journey-2-booked.png")

    device_sign_in(kiosk, kiosk_key)
    kiosk.goto("/kiosk/check-in/")
    for digit in booking_code:
        kiosk.locator(f'[data-key="{digit}"]').click()
    kiosk.get_by_test_id("check-in-submit").click()
    expect(kiosk.get_by_test_id("ticket-number")).to_have_text("A004")
    kiosk.screenshot(path="test-artifacts/journey-2-checked-in.png")

    panel = open_workstation(clerk, "11")
    panel.get_by_role("button", name="叫号").click()
    expect(panel.get_by_test_id("ticket-number")).to_have_text("A004")  # before A001–A003: appointment priority
    clerk.screenshot(path="test-artifacts/journey-2-called-first.png")
    ticket = Ticket.objects.get(number="A004")
    assert ticket.priority_class == Ticket.PriorityClass.APPOINTMENT and ticket.status == Ticket.Status.CALLED
    assert all(Ticket.objects.get(pk=t.pk).status == Ticket.Status.WAITING for t in walk_ins)
