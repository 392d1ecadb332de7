"""A clerk opens a window and serves a citizen from the workstation; a manager watches the live hall and
accepts a tidal proposal. Every click is an htmx POST that swaps the panel in place."""
import re

import pytest
from playwright.sync_api import expect

from hall.models import QueuePolicy, Role, Ticket, WindowEvent
from hall.services.tidal import tidal_rebalance
from tests.hall.factories import CentreFactory, StaffFactory
from tests.hall.queue_factories import QueueCategoryFactory, issue, serving_window

pytestmark = pytest.mark.browser

PASSWORD = "Hall-pass-2026"


@pytest.fixture
def hall(transactional_db):
    centre = CentreFactory(code="jianghai", name="江海市政务服务中心")
    clerk = StaffFactory(username="wangfang", real_name="王芳", role=Role.CLERK, centre=centre)
    colleague = StaffFactory(username="lilei", real_name="李雷", role=Role.CLERK, centre=centre)
    manager = StaffFactory(username="zhaomin", real_name="赵敏", role=Role.MANAGER, centre=centre, is_staff=True)
    general = QueueCategoryFactory(centre=centre, prefix="A", name="综合受理", position=1,
                                   tidal_waiting_threshold=3, tidal_release_waiting=1)
    estate = QueueCategoryFactory(centre=centre, prefix="B", name="不动产登记", position=2)
    window = serving_window(centre, clerk, [general, estate], number="5", open_it=False)
    serving_window(centre, colleague, [estate], number="6")
    serving_window(centre, colleague, [general], number="7", open_it=False)
    StaffFactory(username="tidal", role=Role.CLERK, centre=centre)
    issue(general, holder_name="张三丰", priority_class=Ticket.PriorityClass.PRIORITY_GROUP, priority_group="elderly")
    for _ in range(4):
        issue(general)
    issue(estate)
    return {"centre": centre, "clerk": clerk, "manager": manager, "window": window, "general": general}


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_clerk_opens_a_window_and_serves_a_citizen(page, shot, hall):
    log_in(page, "wangfang")
    page.goto("/workstation/")
    expect(page.get_by_test_id("window-5")).to_contain_text("关闭")
    shot("windows")

    page.get_by_test_id("window-5").get_by_role("button", name="开窗").click()
    panel = page.get_by_test_id("panel")
    expect(panel.get_by_test_id("window-status")).to_have_text("开放中")
    expect(panel.get_by_test_id("waiting-total")).to_have_text("6")
    shot("opened")

    panel.get_by_role("button", name="叫号").click()
    expect(page.get_by_test_id("flash")).to_have_text("已叫 A001 号。")
    expect(panel.get_by_test_id("ticket-number")).to_have_text("A001")
    expect(panel.get_by_test_id("holder")).to_have_text("张*丰")
    expect(panel.get_by_role("button", name="办结")).to_be_disabled()
    shot("called")

    panel.get_by_role("button", name="重呼").click()
    expect(panel.get_by_test_id("recalls")).to_have_text("1/3")
    panel.get_by_role("button", name="开始办理").click()
    expect(panel.get_by_role("button", name="办结")).to_be_enabled()
    shot("serving")

    panel.get_by_text("转移", exact=True).click()
    panel.get_by_label("转到业务类别").select_option(label="B 不动产登记")
    panel.get_by_label("原因（可不填）").fill("应办不动产登记")
    shot("transfer-form")
    panel.get_by_role("button", name="确认转移").click()
    expect(page.get_by_test_id("flash")).to_contain_text("新号 B002")
    expect(panel.get_by_test_id("current-ticket")).to_contain_text("当前没有号")

    panel.get_by_text("选号", exact=True).click()
    panel.get_by_label("不按顺序叫号").select_option(index=3)
    panel.get_by_label("原因（必填，将记录备查）").fill("行动不便，先办")
    panel.get_by_role("button", name="叫此号").click()
    expect(page.get_by_test_id("flash")).to_contain_text("不按顺序，原因已记录")
    panel.get_by_role("button", name="过号").click()
    expect(page.get_by_test_id("flash")).to_contain_text("已按过号处理")

    panel.get_by_text("暂停", exact=True).click()
    panel.get_by_label("暂停原因").select_option(label="休息")
    panel.get_by_role("button", name="确认暂停").click()
    expect(panel.get_by_test_id("window-status")).to_have_text(re.compile("暂停中：休息"))
    expect(panel.get_by_role("button", name="叫号")).to_be_disabled()
    shot("paused")

    assert Ticket.objects.get(number="A001").status == Ticket.Status.TRANSFERRED


def test_manager_watches_the_live_hall_and_accepts_a_tidal_proposal(page, shot, hall):
    centre = hall["centre"]
    QueuePolicy.objects.create(centre=centre, tidal_mode="propose")
    tidal = serving_window(centre, StaffFactory._meta.model.objects.get(username="tidal"), [], kind="tidal",
                           number="T1")
    tidal_rebalance(centre_id=centre.pk)
    log_in(page, "zhaomin")
    page.goto(f"/manage/hall/?window={tidal.pk}&category={hall['general'].pk}")

    live = page.get_by_test_id("live-hall")
    expect(live.get_by_test_id("waiting-total")).to_have_text("6")
    expect(live.get_by_test_id("category-A")).to_contain_text("5")
    expect(live.get_by_test_id("proposal-T1-A")).to_have_class(re.compile("lh-highlight"))
    shot("live-hall")

    live.get_by_role("button", name="同意调派").click()
    expect(page.get_by_test_id("flash")).to_have_text("已将 T1 号潮汐窗口调派给“综合受理”。")
    expect(live.get_by_test_id("tidal-T1")).to_contain_text("A 综合受理")
    expect(live.get_by_test_id("log")).to_contain_text("潮汐调派")
    shot("assigned")
    assert WindowEvent.objects.filter(window=tidal, kind="tidal_assigned").exists()
