"""A citizen takes a remote ticket, watches it on "my queue", books an appointment and cancels the
ticket; the same pages in the elderly-friendly mode. Screenshots go to test-artifacts/."""
import datetime as dt
import re

import pytest
import time_machine
from django.db.models import F
from playwright.sync_api import expect

from hall.models import Appointment, AppointmentSlot, Ticket, Window
from hall.services.appointments import slots_generate
from tests.conftest import DEFAULT_PASSWORD
from tests.hall.calendar_helpers import seed_package_calendar_if_flushed
from tests.hall.factories import CentreFactory, CitizenFactory, DepartmentFactory, MatterFactory, StaffFactory
from tests.hall.queue_factories import QueueCategoryFactory, issue, serving_window

pytestmark = pytest.mark.browser

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY_MORNING = dt.datetime(2026, 12, 7, 10, 0, tzinfo=TZ)


@pytest.fixture
def clock():
    # The live server runs in this process, so it sees the travelled clock too; tick so htmx polls see time pass.
    with time_machine.travel(MONDAY_MORNING, tick=True) as traveller:
        yield traveller


@pytest.fixture
def hall(transactional_db, clock):
    seed_package_calendar_if_flushed()
    centre = CentreFactory(code="jianghai", name="江海市政务服务中心", address="江海市崇川区世纪大道6号",
                           service_phone="0513-12345")
    amr = DepartmentFactory(centre=centre, code="amr", name="市场监督管理局")
    social = DepartmentFactory(centre=centre, code="hrss", name="人力资源和社会保障局")
    licence = MatterFactory(centre=centre, department=amr, code="SC-001", name="食品经营许可", appointment=True)
    MatterFactory(centre=centre, department=social, code="SB-001", name="社会保障卡申领", appointment=True)
    market = QueueCategoryFactory(centre=centre, prefix="A", name="市场监管", position=1)
    market.matters.add(licence)
    social_category = QueueCategoryFactory(centre=centre, prefix="B", name="社保医保", position=2)
    social_category.matters.set(social.matters.all())
    clerk = StaffFactory(centre=centre, username="clerk5")
    window = serving_window(centre, clerk, [market], number="5")
    Window.objects.filter(pk=window.pk).update(location="一楼A区")
    serving_window(centre, StaffFactory(centre=centre), [social_category], number="8")
    for _ in range(4):
        issue(market)
    issue(social_category)
    slots_generate(centre_id=centre.pk, start=MONDAY_MORNING.date(), days=8)
    citizen = CitizenFactory(username="wangfang", real_name="王芳", phone="13812345678")
    return {"centre": centre, "citizen": citizen, "licence": licence}


def log_in(page, username):
    page.goto("/accounts/login/?next=/queue/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/queue/$"))


def test_citizen_takes_a_remote_ticket_books_and_cancels(page, shot, hall):
    page.goto("/queue/")
    expect(page.get_by_test_id("open-status")).to_contain_text("正在办理")
    expect(page.get_by_test_id("category-A")).to_contain_text("登录后网上取号")
    shot("visitor")

    log_in(page, "wangfang")
    row = page.get_by_test_id("category-A")
    expect(row).to_contain_text("4")
    expect(row.get_by_test_id("estimate")).to_contain_text("约 40 分钟")
    shot("queue-home")

    row.get_by_role("button", name=re.compile("网上取号")).click()
    expect(page).to_have_url(re.compile(r"/my/queue/$"))
    expect(page.get_by_role("status")).to_contain_text("取号成功：A005 号")
    ticket = page.get_by_test_id("ticket-A005")
    expect(ticket.get_by_test_id("position")).to_contain_text("前面还有 4 人")
    shot("my-ticket")

    page.get_by_role("link", name="预约办理").first.click()
    page.get_by_placeholder(re.compile("输入事项名称")).fill("食品")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name=re.compile("食品经营许可")).click()
    expect(page.get_by_test_id("chosen-matter")).to_contain_text("食品经营许可")
    expect(page.get_by_test_id("days")).to_contain_text("今天")
    page.get_by_test_id("days").get_by_role("link", name=re.compile("明天")).click()
    expect(page.get_by_test_id("booking-form")).to_contain_text("138****5678")
    shot("booking")

    page.get_by_test_id("slots").get_by_text("14:00–14:30").click()
    page.get_by_role("button", name="确认预约").click()
    code = page.get_by_test_id("booking-code")
    expect(code).to_have_text(re.compile(r"^\d{8}$"))
    expect(page.get_by_test_id("booking-time")).to_contain_text("2026年12月8日")
    expect(page.get_by_test_id("booking-time")).to_contain_text("14:00–14:30")
    expect(page.get_by_test_id("booking-windows")).to_contain_text("5号窗口")
    expect(page.get_by_test_id("check-in-note")).to_contain_text("请于预约时段开始前30分钟至结束前到取号机签到")
    shot("booked")
    booking_code = code.text_content()

    page.get_by_role("link", name="我的排队和预约").click()
    expect(page.get_by_test_id("upcoming")).to_contain_text(booking_code)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("ticket-A005").get_by_role("button", name=re.compile("取消排队")).click()
    expect(page.get_by_role("status")).to_contain_text("已取消 A005 号")
    expect(page.get_by_test_id("ticket-A005")).to_contain_text("已取消")
    assert Ticket.objects.get(number="A005").status == Ticket.Status.CANCELLED
    shot("cancelled")


def test_my_queue_updates_itself_when_the_ticket_is_called(page, shot, hall, clock):
    log_in(page, "wangfang")
    page.get_by_test_id("category-A").get_by_role("button", name=re.compile("网上取号")).click()
    expect(page.get_by_test_id("ticket-A005")).to_contain_text("等候中")
    Ticket.objects.filter(number__in=["A001", "A002", "A003", "A004"]).update(status=Ticket.Status.CANCELLED)
    from hall.services.tickets import ticket_call_next

    window = Window.objects.get(number="5")
    ticket_call_next(window_id=window.pk, actor=window.clerk)

    expect(page.get_by_test_id("ticket-A005").get_by_test_id("call")).to_contain_text("5号窗口", timeout=15_000)
    shot("called")


def test_queue_pages_stay_usable_in_elderly_mode(page, shot, hall):
    log_in(page, "wangfang")
    page.get_by_test_id("elderly-toggle").click()
    expect(page.locator("body")).to_have_class(re.compile(r"\belderly\b"))
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    expect(page.get_by_test_id("category-A").get_by_role("button", name=re.compile("网上取号"))).to_be_visible()
    shot("queue-home")

    page.get_by_test_id("category-A").get_by_role("button", name=re.compile("网上取号")).click()
    expect(page.get_by_test_id("ticket-A005")).to_contain_text("前面还有 4 人")
    shot("my-queue")

    page.goto(f"/appointments/new/?matter={hall['licence'].pk}")
    expect(page.get_by_test_id("slots")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    shot("booking")
    page.get_by_test_id("slots").locator("label").first.click()
    page.get_by_role("button", name="确认预约").click()
    expect(page.get_by_test_id("booking-code")).to_have_text(re.compile(r"^\d{8}$"))
    shot("booked")


def test_queue_home_fits_a_phone(page, shot, hall):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/queue/")
    expect(page.get_by_test_id("category-B")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    shot("phone")


def test_a_slot_taken_meanwhile_is_refused_in_chinese(page, shot, hall):
    log_in(page, "wangfang")
    page.goto(f"/appointments/new/?matter={hall['licence'].pk}&date=2026-12-08")
    page.get_by_test_id("slots").get_by_text("09:00–09:30").click()
    AppointmentSlot.objects.filter(date=dt.date(2026, 12, 8), starts_at=dt.time(9)).update(booked=F("capacity"))

    page.get_by_role("button", name="确认预约").click()

    expect(page.get_by_test_id("booking-error")).to_contain_text("该时段已约满，请选择其他时段")
    expect(page.get_by_test_id("slots").locator("label", has_text="09:00–09:30")).to_contain_text("已约满")
    assert not Appointment.objects.exists()
    shot("refused")


def test_queue_home_says_plainly_when_the_centre_is_closed(page, shot, hall, clock):
    clock.move_to(dt.datetime(2026, 12, 7, 12, 15, tzinfo=TZ))
    log_in(page, "wangfang")

    expect(page.get_by_test_id("open-status")).to_contain_text("午休时间（12:00–13:30）")
    expect(page.get_by_role("button", name="暂停取号").first).to_be_disabled()
    shot("lunch")
