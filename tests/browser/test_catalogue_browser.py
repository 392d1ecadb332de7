"""A citizen finds a matter from the front door and reads its guide, in Chinese."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from hall.models import Material, Matter, Window
from tests.hall.factories import (
    CentreFactory,
    DepartmentFactory,
    MaterialFactory,
    MatterFactory,
    MatterStageFactory,
    WindowFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def hall(transactional_db):
    centre = CentreFactory(code="jianghai", name="江海市政务服务中心", address="江海市崇川区世纪大道6号",
                           service_phone="0513-12345")
    amr = DepartmentFactory(centre=centre, code="amr", name="市场监督管理局")
    civil = DepartmentFactory(centre=centre, code="civil", name="民政局")
    matter = MatterFactory(
        centre=centre, department=amr, code="SC-001", name="有限责任公司设立登记", kind=Matter.Kind.LICENCE,
        statutory_days=15, promised_days=3, fee=Decimal("0"), online_apply=True, appointment=True,
        conditions="申请人符合法定条件、材料齐全、符合法定形式的，予以受理。",
    )
    MaterialFactory(matter=matter, position=1, name="公司登记（备案）申请书", form=Material.Form.ORIGINAL)
    MaterialFactory(matter=matter, position=2, name="公司章程", form=Material.Form.ORIGINAL, notes="全体股东签署")
    MaterialFactory(matter=matter, position=3, name="经营场所使用证明", form=Material.Form.COPY, copies=2,
                    deficiency_allowed=True, notes="容缺受理，5个工作日内补交")
    MaterialFactory(matter=matter, position=4, name="授权委托书", required=False, notes="委托他人办理时提供")
    for position, (name, share) in enumerate([("受理", 20), ("审核", 50), ("办结", 30)], start=1):
        MatterStageFactory(matter=matter, position=position, name=name, share_percent=share)
    WindowFactory(centre=centre, department=amr, number="11", name="市场监管专窗", location="一楼B区")
    WindowFactory(centre=centre, kind=Window.Kind.INTEGRATED, department=None, number="1", name="综合受理一号窗",
                  location="一楼A区")
    MatterFactory(centre=centre, department=amr, code="SC-002", name="个体工商户设立登记", instant=True)
    MatterFactory(centre=centre, department=civil, code="MZ-001", name="内地居民婚姻登记",
                  kind=Matter.Kind.PUBLIC_SERVICE, statutory_days=1, promised_days=0)
    MatterFactory(centre=centre, department=civil, code="MZ-009", name="未发布的事项", draft=True)
    return matter


def test_citizen_searches_the_catalogue_and_reads_a_matter(page, shot, hall):
    page.goto("/")
    expect(page).to_have_title(re.compile("首页"))
    expect(page.get_by_role("heading", name="我要办事")).to_be_visible()
    expect(page.get_by_text("江海市崇川区世纪大道6号")).to_be_visible()
    shot("home")

    page.get_by_placeholder(re.compile("输入事项名称")).fill("公司设立")
    page.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"/matters/\?q="))
    results = page.get_by_test_id("matter-results")
    expect(results.get_by_role("link", name="有限责任公司设立登记")).to_be_visible()
    expect(results.locator(".matter-item")).to_have_count(1)
    expect(page.get_by_text("共找到 1 项事项")).to_be_visible()
    shot("results")

    results.get_by_role("link", name="有限责任公司设立登记").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("有限责任公司设立登记")
    expect(page.get_by_test_id("matter-code")).to_have_text("SC-001")

    limits = page.get_by_test_id("limits")
    expect(limits).to_contain_text("承诺时限")
    expect(limits).to_contain_text("3 个工作日")
    expect(limits).to_contain_text("法定时限")
    expect(limits).to_contain_text("15 个工作日")
    expect(limits).to_contain_text("不收费")

    table = page.get_by_test_id("materials")
    headers = ["序号", "材料名称", "材料形式", "份数", "是否必需", "可容缺", "备注"]
    expect(table.locator("thead th")).to_have_text(headers)
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("公司登记（备案）申请书")
    expect(rows.nth(0)).to_contain_text("原件")
    expect(rows.nth(2)).to_contain_text("复印件")
    expect(rows.nth(2).locator("td").nth(3)).to_have_text("2")
    expect(rows.nth(2)).to_contain_text("可容缺")
    expect(rows.nth(3)).to_contain_text("非必需")

    expect(page.get_by_test_id("stages")).to_contain_text("占时限 50%")
    windows = page.get_by_test_id("windows")
    expect(windows.locator("li")).to_have_count(2)
    expect(windows.locator("li").first).to_contain_text("11号窗口")
    expect(windows).to_contain_text("一楼B区")
    expect(windows).to_contain_text("综合受理一号窗")
    expect(page.get_by_test_id("where")).to_contain_text("0513-12345")
    shot("matter")


def test_results_refresh_as_the_citizen_types_and_filters(page, shot, hall):
    page.goto("/matters/")
    results = page.get_by_test_id("matter-results")
    expect(results.locator(".matter-item")).to_have_count(3)
    shot("all")

    page.get_by_label("事项名称").press_sequentially("婚姻", delay=50)
    expect(results.locator(".matter-item")).to_have_count(1)
    expect(results).to_contain_text("内地居民婚姻登记")
    expect(page).to_have_url(re.compile(r"q=%E5%A9%9A%E5%A7%BB"))  # pushed into history: shareable, back works
    shot("typed")

    page.get_by_label("事项名称").fill("")
    page.get_by_label("事项类型").select_option(label="行政许可")
    expect(results.locator(".matter-item")).to_have_count(1)
    expect(results).to_contain_text("有限责任公司设立登记")
    expect(results).not_to_contain_text("未发布的事项")
    shot("filtered")


def test_elderly_mode_enlarges_the_text(page, shot, hall):
    page.goto(f"/matters/{hall.pk}/")
    page.get_by_test_id("elderly-toggle").click()
    expect(page.locator("body")).to_have_class(re.compile(r"\belderly\b"))
    expect(page).to_have_url(re.compile(rf"/matters/{hall.pk}/$"))
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 20
    shot("elderly")
    page.get_by_test_id("elderly-toggle").click()
    expect(page.locator("body")).not_to_have_class(re.compile(r"\belderly\b"))


def test_matter_page_fits_a_phone(page, shot, hall):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/matters/{hall.pk}/")
    expect(page.get_by_test_id("materials")).to_contain_text("经营场所使用证明")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    shot("matter")
