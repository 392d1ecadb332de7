"""A parallel approval chain (并联审批) in the browser, each person in a browser of their own: a clerk of the lead
window accepts the business start-up chain (企业开办: business licence, then seal engraving and tax registration
in parallel) with one form and one materials list; the approvers of the three departments each log in and finish
their step — from their inbox to the case page, or to the chain page — and the chain page shows every step done
and the chain completed. Screenshots of every step go to test-artifacts/."""

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from approvals.models import Application, Chain
from approvals.services import chain_templates
from hall.models import Role
from tests.conftest import DEFAULT_PASSWORD
from tests.hall.calendar_helpers import seed_package_calendar_if_flushed
from tests.hall.factories import (
    CentreFactory,
    DepartmentFactory,
    MaterialFactory,
    MatterFactory,
    MatterStageFactory,
    StaffFactory,
    make_credit_code,
)

pytestmark = pytest.mark.browser

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY_MORNING = dt.datetime(2026, 11, 2, 9, 30, tzinfo=TZ)
COMPANY_NAME = "江海示范餐饮有限公司"


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=True) as traveller:
        yield traveller


def _matter(department, code, name, *, statutory, stages, materials):
    matter = MatterFactory(centre=department.centre, department=department, code=code, name=name,
                           statutory_days=statutory, promised_days=1)
    shares = {1: [100], 3: [20, 40, 40]}[len(stages)]
    for position, (stage, share) in enumerate(zip(stages, shares, strict=True), start=1):
        MatterStageFactory(matter=matter, position=position, name=stage, share_percent=share)
    for position, (material, required) in enumerate(materials, start=1):
        MaterialFactory(matter=matter, position=position, name=material, required=required,
                        deficiency_allowed=material == "经营场所证明")
    return matter


@pytest.fixture
def hall(transactional_db, clock):
    seed_package_calendar_if_flushed()
    centre = CentreFactory(code="jianghai", name="江海市政务服务中心")
    amr = DepartmentFactory(centre=centre, code="amr", name="市场监督管理局")
    psb = DepartmentFactory(centre=centre, code="psb", name="公安局")
    tax = DepartmentFactory(centre=centre, code="tax", name="税务局")
    licence = _matter(amr, "QY-001", "有限责任公司设立登记", statutory=15, stages=("受理", "审核", "审批"),
                      materials=[("公司登记申请书", True), ("法定代表人身份证", True), ("经营场所证明", True)])
    seal = _matter(psb, "QY-002", "公章刻制备案", statutory=5, stages=("受理并审批",),
                   materials=[("印章样式", True), ("法定代表人身份证", True)])
    taxes = _matter(tax, "QY-003", "新办纳税人套餐", statutory=5, stages=("受理并审批",),
                    materials=[("法定代表人 身份证", True), ("银行开户信息", False)])
    manager = StaffFactory(centre=centre, role=Role.MANAGER, is_staff=True)
    template = chain_templates.chain_template_create(
        actor=manager, centre_id=centre.pk, code="startup", name="企业开办", lead_department_id=amr.pk,
        promised_days=3, steps=[
            {"key": "licence", "matter_id": licence.pk, "depends_on": []},
            {"key": "seal", "matter_id": seal.pk, "depends_on": ["licence"]},
            {"key": "tax", "matter_id": taxes.pk, "depends_on": ["licence"]},
        ],
    )
    StaffFactory(username="clerk1", real_name="李窗口", role=Role.CLERK, centre=centre, department=amr)
    StaffFactory(username="amr1", real_name="赵审批", role=Role.APPROVER, centre=centre, department=amr)
    StaffFactory(username="psb1", real_name="钱审批", role=Role.APPROVER, centre=centre, department=psb)
    StaffFactory(username="tax1", real_name="孙审批", role=Role.APPROVER, centre=centre, department=tax)
    return {"centre": centre, "template": template}


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make():
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                      base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def shoot(page, name):
    page.screenshot(path=f"test-artifacts/chain-journey-{name}.png", full_page=True)


def material(form, name):
    return form.get_by_test_id("material-row").filter(has=form.page.locator(".material-name", has_text=name))


def test_a_chain_accepted_at_one_window_is_completed_by_three_departments(hall, new_page):
    clerk, amr, psb, tax = new_page(), new_page(), new_page(), new_page()

    # 1. The lead window accepts the whole chain: one form, one materials list.
    log_in(clerk, "clerk1", "/chains/accept/")
    clerk.locator("#template-select").select_option(value=str(hall["template"].pk))
    form = clerk.get_by_test_id("accept-form")
    expect(form).to_be_visible()
    expect(form.get_by_test_id("template-steps")).to_contain_text("在“有限责任公司设立登记”办结后开始")
    expect(form.get_by_test_id("material-row")).to_have_count(5)  # the ID card once for three matters
    expect(material(form, "法定代表人身份证")).to_contain_text("公章刻制备案（公安局）")
    form.get_by_label("申请人名称").fill(COMPANY_NAME)
    form.get_by_label("统一社会信用代码").fill(make_credit_code(42))
    form.get_by_label("联系电话").fill("13800000009")
    for name in ("公司登记申请书", "法定代表人身份证", "印章样式"):
        material(form, name).get_by_label("已收取").check()
    material(form, "经营场所证明").get_by_label("容缺").check()
    shoot(clerk, "01-accept-form")
    form.get_by_test_id("accept").click()
    expect(clerk.locator('[data-field="commitment_deadline"]')).to_contain_text("容缺受理须约定今天以后的补齐期限")
    shoot(clerk, "02-accept-refused-without-deadline")

    form = clerk.get_by_test_id("accept-form")
    material(form, "经营场所证明").get_by_label("已收取").check()
    form.get_by_test_id("accept").click()
    expect(clerk).to_have_url(re.compile(r"/chains/\d+/$"))
    expect(clerk.get_by_role("status")).to_contain_text("已受理“企业开办”并联审批")
    expect(clerk.get_by_test_id("step-licence")).to_have_attribute("data-state", "running")
    expect(clerk.get_by_test_id("step-seal")).to_contain_text("等待前置环节办结")
    expect(clerk.get_by_test_id("step-tax")).to_contain_text("等待前置环节办结")
    shoot(clerk, "03-chain-accepted")
    chain = Chain.objects.get()
    chain_path = f"/chains/{chain.pk}/"

    # 2. The licence department finds the case in its inbox and works it on the case page.
    log_in(amr, "amr1", "/cases/inbox/")
    row = amr.get_by_test_id("inbox-row").filter(has_text="有限责任公司设立登记")
    expect(row).to_contain_text("并联 · 企业开办")
    expect(row.get_by_test_id("colour")).to_have_text("正常")
    expect(row).to_contain_text("江********司")
    shoot(amr, "04-licence-inbox")
    row.get_by_test_id("open-case").click()
    expect(amr).to_have_url(re.compile(r"/cases/\d+/$"))
    amr.get_by_test_id("do-start-review").click()
    expect(amr.get_by_role("status")).to_contain_text("已进入审核环节")
    amr.get_by_test_id("do-submit-for-approval").click()
    amr.get_by_test_id("action-decide").get_by_label("准予许可").check()
    amr.get_by_test_id("do-decide").click()
    expect(amr.get_by_role("status")).to_contain_text("准予许可")
    shoot(amr, "05-licence-decided-on-the-case-page")

    # 3. Seal and tax are now running in parallel: the seal department decides from the chain page.
    log_in(psb, "psb1", "/cases/inbox/")
    row = psb.get_by_test_id("inbox-row").filter(has_text="公章刻制备案")
    expect(row).to_contain_text("剩余 1 个工作日")
    shoot(psb, "06-seal-inbox")
    row.get_by_test_id("chain-badge").click()
    expect(psb).to_have_url(re.compile(re.escape(chain_path) + "$"))
    expect(psb.get_by_test_id("step-licence")).to_have_attribute("data-state", "done")
    expect(psb.get_by_test_id("action-finding-tax")).to_have_count(0)  # not its step
    seal = psb.get_by_test_id("action-decide-seal")
    seal.get_by_label("准予许可").check()
    psb.get_by_test_id("do-decide-seal").click()
    expect(psb.get_by_role("status")).to_contain_text("本环节已办结：准予许可")
    expect(psb.get_by_test_id("step-seal")).to_have_attribute("data-state", "done")
    shoot(psb, "07-seal-decided-on-the-chain-page")

    # 4. The tax department finishes the last step from its inbox and the case page.
    log_in(tax, "tax1", "/cases/inbox/")
    row = tax.get_by_test_id("inbox-row").filter(has_text="新办纳税人套餐")
    row.get_by_test_id("open-case").click()
    tax.get_by_test_id("action-decide").get_by_label("准予许可").check()
    tax.get_by_test_id("do-decide").click()
    expect(tax.get_by_role("status")).to_contain_text("准予许可")
    shoot(tax, "08-tax-decided")
    tax.goto("/cases/inbox/")
    expect(tax.get_by_test_id("inbox-empty")).to_be_visible()

    # 5. The lead window sees every step done and the chain completed, faster than the statutory limits.
    clerk.goto(chain_path)
    expect(clerk.get_by_test_id("chain-status")).to_have_text("已办结")
    for key in ("licence", "seal", "tax"):
        expect(clerk.get_by_test_id(f"step-{key}")).to_have_attribute("data-state", "done")
    expect(clerk.get_by_test_id("steps-done")).to_have_text("3 / 3")
    expect(clerk.get_by_test_id("statutory-sum")).to_contain_text("25 个工作日")
    expect(clerk.get_by_test_id("faster")).to_have_text("100%")
    shoot(clerk, "09-chain-completed")
    clerk.goto("/chains/")
    expect(clerk.get_by_test_id("chain-row")).to_contain_text("3 / 3 个环节办结")
    shoot(clerk, "10-chain-list")

    chain.refresh_from_db()
    assert chain.status == Chain.Status.COMPLETED
    assert set(Application.objects.values_list("status", flat=True)) == {Application.Status.COMPLETED}


def test_findings_of_two_departments_become_one_notice_and_a_refusal_goes_to_the_lead(hall, new_page):
    from approvals.services import chains, transitions
    from tests.approvals.chain_fixtures import required_material_ids

    template = hall["template"]
    chain = chains.chain_accept(
        actor=StaffFactory._meta.model.objects.get(username="clerk1"), template_id=template.pk,
        applicant_kind="enterprise", applicant_name=COMPANY_NAME, credit_code=make_credit_code(42),
        contact_phone="13800000009", provided_material_ids=required_material_ids(template),
    )
    licence = chain.steps.get(template_step__key="licence").application
    amr = StaffFactory._meta.model.objects.get(username="amr1")
    transitions.application_start_review(application_id=licence.pk, actor=amr)
    transitions.application_submit_for_approval(application_id=licence.pk, actor=amr)
    chains.chain_step_decide(application_id=licence.pk, actor=amr, outcome="granted")
    chain_path = f"/chains/{chain.pk}/"
    tax, psb, clerk = new_page(), new_page(), new_page()

    # Two departments record what is missing on their own steps.
    log_in(tax, "tax1", chain_path)
    finding = tax.get_by_test_id("action-finding-tax")
    finding.locator("summary").click()
    finding.get_by_label("材料").select_option(label="银行开户信息")
    finding.get_by_label("问题").fill("缺少银行开户许可证")
    finding.get_by_test_id("do-finding-tax").click()
    expect(tax.get_by_role("status")).to_contain_text("已登记补正意见")
    expect(tax.get_by_test_id("step-tax").get_by_test_id("step-findings")).to_contain_text("缺少银行开户许可证")
    shoot(tax, "notice-01-tax-finding")

    log_in(psb, "psb1", chain_path)
    finding = psb.get_by_test_id("action-finding-seal")
    finding.locator("summary").click()
    finding.get_by_test_id("do-finding-seal").click()
    expect(psb.get_by_test_id("step-error")).to_contain_text("请写明问题")
    finding = psb.get_by_test_id("action-finding-seal")
    finding.get_by_label("问题").fill("印章样式图案不清晰")
    finding.get_by_test_id("do-finding-seal").click()
    expect(psb.get_by_test_id("pending-findings")).to_contain_text("印章样式图案不清晰")

    # The lead window merges them into one notice: one clock stop for the whole chain.
    log_in(clerk, "clerk1", chain_path)
    expect(clerk.get_by_test_id("pending-findings").locator("tbody tr")).to_have_count(2)
    shoot(clerk, "notice-02-lead-sees-both-findings")
    clerk.get_by_test_id("action-issue-notice").get_by_label("说明（将告知申请人）").fill("请一次补齐后到主办窗口提交")
    clerk.get_by_test_id("do-issue-notice").click()
    expect(clerk.get_by_role("status")).to_contain_text("共 2 项")
    expect(clerk.get_by_test_id("chain-status")).to_have_text("待补正")
    expect(clerk.get_by_test_id("step-tax")).to_contain_text("计时暂停")
    shoot(clerk, "notice-03-one-notice-issued")
    clerk.get_by_test_id("notices").get_by_role("link", name="打印").click()
    expect(clerk.get_by_test_id("notice-sheet")).to_contain_text("缺少银行开户许可证")
    expect(clerk.get_by_test_id("notice-sheet")).to_contain_text("公安局")
    shoot(clerk, "notice-04-printable-notice")

    clerk.goto(chain_path)
    clerk.get_by_test_id("do-resubmit").click()
    expect(clerk.get_by_test_id("action-error")).to_contain_text("以下告知材料尚未补正：银行开户信息")
    clerk.get_by_test_id("action-resubmit").get_by_label("银行开户信息").check()
    clerk.get_by_test_id("do-resubmit").click()
    expect(clerk.get_by_role("status")).to_contain_text("各环节恢复计时")
    expect(clerk.get_by_test_id("chain-status")).to_have_text("办理中")
    shoot(clerk, "notice-05-resubmitted")

    # Tax refuses its step: the chain stops and the lead department decides to go on.
    tax.goto(chain_path)
    decide = tax.get_by_test_id("action-decide-tax")
    decide.get_by_label("不予许可", exact=True).check()
    decide.get_by_label("审批意见（不予许可须写明理由）").fill("经营范围涉及前置许可，暂不予办理")
    tax.get_by_test_id("do-decide-tax").click()
    expect(tax.get_by_role("status")).to_contain_text("并联审批已中止")
    clerk.goto(chain_path)
    expect(clerk.get_by_test_id("stopped-banner")).to_contain_text("税务局对“新办纳税人套餐”作出不予许可决定")
    shoot(clerk, "notice-06-stopped-for-the-lead")
    clerk.get_by_test_id("action-lead-decide").get_by_label("继续办理").check()
    clerk.get_by_test_id("do-lead-decide").click()
    expect(clerk.get_by_role("status")).to_contain_text("主办部门决定继续办理")
    expect(clerk.get_by_test_id("chain-status")).to_have_text("办理中")
    expect(clerk.get_by_test_id("step-tax")).to_have_attribute("data-state", "refused")
    shoot(clerk, "notice-07-continued")
