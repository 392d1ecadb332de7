"""The hall's devices in a real browser: a kiosk issues a printable ticket, the call display shows and
speaks a call within 2 seconds, the window pad follows the clerk, and the ticket's live page on a phone."""
import re

import pytest
from playwright.sync_api import expect

from hall.models import Device, Role
from hall.services import tickets as ticket_services
from hall.services.windows import window_pause
from tests.hall.device_helpers import make_device
from tests.hall.factories import CentreFactory, StaffFactory
from tests.hall.queue_factories import QueueCategoryFactory, issue, serving_window

pytestmark = pytest.mark.browser

# Records what the page asks the browser to speak (headless Chromium has no voices to hear).
SPEECH_RECORDER = """
window.__spoken = [];
window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ""; this.rate = 1; };
Object.defineProperty(window, "speechSynthesis", {
  configurable: true,
  value: { speak: function (u) { window.__spoken.push({ text: u.text, lang: u.lang }); }, cancel: function () {} },
});
"""


@pytest.fixture
def hall(transactional_db):
    centre = CentreFactory(code="jianghai", name="江海市政务服务中心")
    manager = StaffFactory(centre=centre, role=Role.MANAGER, is_staff=True)
    clerk = StaffFactory(centre=centre, real_name="王小红", staff_number="NT0517")
    general = QueueCategoryFactory(centre=centre, prefix="A", name="综合受理")
    tax = QueueCategoryFactory(centre=centre, prefix="B", name="税务办理")
    QueueCategoryFactory(centre=centre, prefix="C", name="社保医保")
    QueueCategoryFactory(centre=centre, prefix="D", name="不动产登记")
    window = serving_window(centre, clerk, [general, tax], number="5")
    window.name = "综合受理五号窗"
    window.save()
    return {"centre": centre, "manager": manager, "clerk": clerk, "general": general, "tax": tax, "window": window}


def sign_in(page, key):
    page.goto("/devices/login/")
    page.get_by_label("设备密钥").fill(key)
    page.get_by_role("button", name="登录").click()


def test_kiosk_issues_a_green_channel_ticket_and_checks_nothing_in_without_a_booking(page, shot, hall):
    _device, key = make_device(hall["manager"], hall["centre"], Device.Kind.KIOSK, name="一楼取号机")
    for _ in range(3):
        issue(hall["general"])
    page.set_viewport_size({"width": 1080, "height": 1920})
    page.goto("/devices/login/")
    shot("sign-in")

    sign_in(page, key)
    expect(page.get_by_role("heading", name="请选择要办理的业务")).to_be_visible()
    expect(page.get_by_test_id("category-A")).to_contain_text("等候 3 人")
    shot("start")

    page.get_by_test_id("priority-link").click()
    shot("green-channel")
    page.get_by_test_id("group-elderly").click()
    expect(page.get_by_test_id("priority-banner")).to_contain_text("绿色通道：老年人")
    page.get_by_test_id("category-A").click()

    expect(page.get_by_test_id("ticket-number")).to_have_text("A004")
    expect(page.get_by_test_id("people-ahead")).to_have_text("0 人")
    expect(page.locator(".receipt-qr svg")).to_be_visible()
    shot("ticket")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 302, "height": 900})  # 80 mm at 96 dpi
    shot("ticket-printed")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1080, "height": 1920})

    page.goto("/kiosk/check-in/")
    for digit in "12345678":
        page.locator(f'[data-key="{digit}"]').click()
    expect(page.locator("#check-in-number")).to_have_value("12345678")
    shot("check-in-typed")
    page.get_by_test_id("check-in-submit").click()
    expect(page.get_by_test_id("check-in-error")).to_have_text("未找到今日在本中心的有效预约。")
    shot("check-in-unknown")


def test_kiosk_in_landscape(page, shot, hall):
    _device, key = make_device(hall["manager"], hall["centre"], Device.Kind.KIOSK)
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(page, key)
    expect(page.get_by_test_id("category-D")).to_be_visible()
    shot("start")


def test_display_shows_and_speaks_a_call_within_two_seconds(page, shot, hall):
    _device, key = make_device(hall["manager"], hall["centre"], Device.Kind.DISPLAY, name="大厅大屏")
    page.add_init_script(SPEECH_RECORDER)
    page.set_viewport_size({"width": 1920, "height": 1080})
    for _ in range(4):
        issue(hall["general"])
    issue(hall["tax"])
    ticket_services.ticket_call_next(window_id=hall["window"].pk, actor=hall["clerk"])
    sign_in(page, key)
    expect(page.get_by_test_id("enable-audio")).to_be_visible()
    shot("audio-overlay")

    page.get_by_test_id("enable-audio").click()
    ticket_services.ticket_start(window_id=hall["window"].pk, actor=hall["clerk"])
    ticket_services.ticket_finish(window_id=hall["window"].pk, actor=hall["clerk"])
    ticket_services.ticket_call_next(window_id=hall["window"].pk, actor=hall["clerk"])

    expect(page.get_by_test_id("latest-call")).to_contain_text("请 A002 号到 5 号窗口办理", timeout=2000)
    expect(page.get_by_test_id("call-list")).to_contain_text("A001")
    page.wait_for_function("window.__spoken.some(u => u.text === '请A002号到5号窗口办理')", timeout=2000)
    spoken = page.evaluate("window.__spoken")
    assert {"text": "请A002号到5号窗口办理", "lang": "zh-CN"} in spoken
    assert all(u["text"] != "请A001号到5号窗口办理" for u in spoken)  # called before the screen started
    expect(page.locator("[data-speaking]")).to_contain_text("正在播报：请A002号到5号窗口办理")
    shot("called")

    ticket_services.ticket_recall(window_id=hall["window"].pk, actor=hall["clerk"])
    page.wait_for_function("window.__spoken.filter(u => u.text === '请A002号到5号窗口办理').length === 2", timeout=2000)
    expect(page.locator("[data-recall-tag]")).to_be_visible()


def test_window_pad_follows_the_clerk(page, shot, hall):
    _device, key = make_device(hall["manager"], hall["centre"], Device.Kind.WINDOW_PAD, window=hall["window"])
    window_id, clerk = hall["window"].pk, hall["clerk"]
    issue(hall["general"])
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, key)
    expect(page.get_by_test_id("pad-clerk-name")).to_have_text("王小红")
    shot("idle")

    ticket_services.ticket_call_next(window_id=window_id, actor=clerk)
    expect(page.get_by_test_id("pad-current-number")).to_have_text("A001", timeout=4000)
    shot("called")

    ticket_services.ticket_start(window_id=window_id, actor=clerk)
    ticket_services.ticket_finish(window_id=window_id, actor=clerk)
    expect(page.get_by_test_id("after-service")).to_contain_text("本次服务已完成，感谢您的耐心", timeout=4000)
    shot("after-service")

    window_pause(window_id=window_id, actor=clerk, reason="break")
    expect(page.get_by_test_id("pad-pause-reason")).to_have_text("休息", timeout=4000)
    shot("paused")


def test_ticket_live_page_on_a_phone(page, shot, hall):
    issue(hall["general"])
    ticket = issue(hall["general"])
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"/tickets/{ticket.token}/")
    expect(page.get_by_test_id("people-ahead")).to_have_text("1 人")
    shot("waiting")

    ticket_services.ticket_call_next(window_id=hall["window"].pk, actor=hall["clerk"])
    ticket_services.ticket_mark_no_show(window_id=hall["window"].pk, actor=hall["clerk"])
    ticket_services.ticket_call_next(window_id=hall["window"].pk, actor=hall["clerk"])
    expect(page.get_by_test_id("go-to-window")).to_have_text("请到 5 号窗口办理", timeout=12000)
    assert re.search(r"A002", page.get_by_test_id("ticket-number").inner_text())
    shot("called")
