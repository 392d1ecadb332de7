"""Single cases in the browser: a citizen applies online (form with a check-digit error, materials, upload,
提交预审); a clerk pre-reviews it and issues a one-time notice that the citizen sees and prints; an approver works
a case on the staff case page. Screenshots of every step go to test-artifacts/."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from approvals.models import Application
from approvals.services import intake, transitions
from hall.models import Role
from tests.conftest import DEFAULT_PASSWORD
from tests.hall.calendar_helpers import seed_package_calendar_if_flushed
from tests.hall.factories import (
    CentreFactory,
    CitizenFactory,
    DepartmentFactory,
    MaterialFactory,
    MatterFactory,
    MatterStageFactory,
    StaffFactory,
    make_credit_code,
)

pytestmark = pytest.mark.browser

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY_MORNING = dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
PDF = b"%PDF-1.4\n%test\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=True) as traveller:
        yield traveller


@pytest.fixture
def hall(transactional_db, clock, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    seed_package_calendar_if_flushed()
    centre = CentreFactory(code="jianghai", name="江海市政务服务中心", service_phone="0513-12345")
    amr = DepartmentFactory(centre=centre, code="amr", name="市场监督管理局")
    matter = MatterFactory(centre=centre, department=amr, code="SC-001", name="食品经营许可", statutory_days=20,
                           promised_days=10, online_apply=True)
    for position, (name, share) in enumerate([("受理", 20), ("审核", 40), ("审批", 40)], start=1):
        MatterStageFactory(matter=matter, position=position, name=name, share_percent=share)
    licence = MaterialFactory(matter=matter, position=1, name="营业执照", required=True, notes="复印件加盖公章")
    site = MaterialFactory(matter=matter, position=2, name="食品经营场所使用证明", required=True,
                           deficiency_allowed=True)
    plan = MaterialFactory(matter=matter, position=3, name="食品安全管理制度", required=False)
    citizen = CitizenFactory(username="wangfang", real_name="王芳", phone="13812345678",
                             id_number="11010519491231002X")
    clerk = StaffFactory(username="clerk1", real_name="李窗口", role=Role.CLERK, centre=centre, department=amr)
    approver = StaffFactory(username="approver1", real_name="赵审批", role=Role.APPROVER, centre=centre,
                            department=amr)
    return {"centre": centre, "matter": matter, "licence": licence, "site": site, "plan": plan, "citizen": citizen,
            "clerk": clerk, "approver": approver}


def log_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def test_citizen_applies_online_uploads_and_submits(page, shot, hall, tmp_path):
    matter = hall["matter"]
    page.goto(f"/matters/{matter.pk}/")
    expect(page.get_by_test_id("apply-online")).to_be_visible()
    shot("matter-page")

    log_in(page, "wangfang", f"/apply/{matter.pk}/")
    expect(page.get_by_label("申请人名称")).to_have_value("王芳")
    expect(page.get_by_label("身份证号")).to_have_value("11010519491231002X")
    shot("apply-form-prefilled")

    page.get_by_label("身份证号").fill("110105194912310021")
    page.get_by_test_id("create-draft").click()
    expect(page.locator('[data-field="id_number"]')).to_contain_text("校验位")
    shot("apply-form-check-digit-error")

    page.get_by_label("身份证号").fill("11010519491231002X")
    page.get_by_test_id("create-draft").click()
    expect(page).to_have_url(re.compile(r"/my/applications/\d+/materials/$"))
    expect(page.get_by_role("status")).to_contain_text("申请已保存为草稿")
    expect(page.get_by_test_id("missing")).to_contain_text("营业执照")
    shot("materials-empty")

    scan = tmp_path / "营业执照.pdf"
    scan.write_bytes(PDF)
    photo = tmp_path / "场所证明.png"
    photo.write_bytes(PNG)
    page.get_by_test_id(f"upload-{hall['licence'].pk}").locator("input[type=file]").set_input_files(str(scan))
    page.get_by_test_id(f"upload-{hall['licence'].pk}").get_by_role("button", name="上传").click()
    expect(page.get_by_role("status")).to_contain_text("已上传“营业执照.pdf”")
    bad = tmp_path / "病毒.exe"
    bad.write_bytes(b"MZ\x90\x00")
    page.get_by_test_id(f"upload-{hall['site'].pk}").locator("input[type=file]").set_input_files(str(bad))
    page.get_by_test_id(f"upload-{hall['site'].pk}").get_by_role("button", name="上传").click()
    expect(page.get_by_role("status")).to_contain_text("只能上传PDF、JPG或PNG文件")
    shot("materials-wrong-type")
    page.get_by_test_id(f"upload-{hall['site'].pk}").locator("input[type=file]").set_input_files(str(photo))
    page.get_by_test_id(f"upload-{hall['site'].pk}").get_by_role("button", name="上传").click()
    expect(page.get_by_role("status")).to_contain_text("已上传“场所证明.png”")
    expect(page.get_by_test_id("missing")).to_have_count(0)
    shot("materials-uploaded")

    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/my/applications/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("已提交预审")
    expect(page.get_by_test_id("status")).to_have_text("待预审")
    expect(page.get_by_test_id("clock")).to_contain_text("2026-11-09")
    expect(page.get_by_test_id("track-link")).to_have_attribute("href", re.compile(r"^/track/[0-9A-Z]{16}/$"))
    shot("submitted")

    page.goto("/my/applications/")
    expect(page.get_by_test_id("my-applications")).to_contain_text("食品经营许可")
    shot("my-applications")
    page.get_by_test_id("elderly-toggle").click()
    expect(page.locator("body")).to_have_class(re.compile("elderly"))
    page.get_by_role("link", name="食品经营许可").click()
    expect(page.get_by_test_id("status")).to_have_text("待预审")
    shot("case-page-elderly-mode")


def test_online_application_correction_resubmission_acceptance_and_tracking(page, shot, hall, tmp_path):
    citizen, matter = hall["citizen"], hall["matter"]
    draft = intake.application_create_draft(
        actor=citizen, matter_id=matter.pk, applicant_kind="person", applicant_name="王芳",
        id_number="11010519491231002X", contact_phone="13812345678",
    )
    intake.application_attach_file(application_id=draft.pk, actor=citizen, material_id=hall["licence"].pk,
                                   uploaded_file=SimpleUploadedFile("执照.pdf", PDF, content_type="application/pdf"))
    transitions.application_submit(application_id=draft.pk, actor=citizen)

    log_in(page, "clerk1", "/cases/pre-review/")
    expect(page.get_by_test_id("prereview-row")).to_have_count(1)
    shot("prereview-list")
    page.get_by_test_id("prereview-row").get_by_role("link", name="预审").click()
    expect(page.get_by_test_id("answer-due")).to_contain_text("2026-11-09")
    shot("prereview-case")

    panel = page.get_by_test_id("action-request-correction")
    panel.locator("summary").click()
    panel.locator("select[name=material_0]").select_option(label="食品经营场所使用证明")
    panel.locator("input[name=problem_0]").fill("未提交场所使用证明（租赁合同或产权证明）")
    panel.locator("input[name=problem_1]").fill("营业执照复印件未加盖公章")
    panel.locator("select[name=material_1]").select_option(label="营业执照")
    page.get_by_test_id("add-row").click()
    expect(page.locator("input[name=problem_3]")).to_be_visible()
    expect(page.locator("input[name=problem_0]")).to_have_value("未提交场所使用证明（租赁合同或产权证明）")
    page.get_by_test_id("do-request-correction").click()
    expect(page.get_by_role("status")).to_contain_text("已出具一次性告知书（共 2 项）")
    expect(page.get_by_test_id("status")).to_have_text("待补正")
    shot("notice-issued")

    page.context.clear_cookies()
    log_in(page, "wangfang", f"/my/applications/{draft.pk}/")
    expect(page.get_by_test_id("notice-item")).to_have_count(2)
    shot("citizen-notice")
    page.get_by_test_id("resubmit").click()
    expect(page.get_by_role("status")).to_contain_text("以下告知材料尚未重新上传")
    shot("citizen-resubmit-refused")
    site_scan, licence_scan = tmp_path / "租赁合同.pdf", tmp_path / "营业执照盖章.pdf"
    site_scan.write_bytes(PDF)
    licence_scan.write_bytes(PDF)
    for material, scan in ((hall["site"], site_scan), (hall["licence"], licence_scan)):
        form = page.get_by_test_id("notice").get_by_test_id(f"upload-{material.pk}")
        form.locator("input[type=file]").set_input_files(str(scan))
        form.get_by_role("button", name="上传补正文件").click()
        expect(page.get_by_role("status")).to_contain_text(f"已上传“{scan.name}”")
    expect(page.get_by_test_id("notice").locator("tr.is-answered")).to_have_count(2)
    shot("citizen-replacements-uploaded")
    page.goto(f"/my/applications/{draft.pk}/notice/")
    expect(page.get_by_test_id("notice-sheet")).to_contain_text("营业执照复印件未加盖公章")
    page.emulate_media(media="print")
    shot("notice-print")
    page.emulate_media(media="screen")
    page.goto(f"/my/applications/{draft.pk}/")
    page.get_by_test_id("resubmit").click()
    expect(page.get_by_role("status")).to_contain_text("补正材料已重新提交")
    expect(page.get_by_test_id("status")).to_have_text("待预审")
    shot("citizen-resubmitted")

    # The clerk accepts the resubmission; the public tracking page then shows every stage, no personal data.
    page.context.clear_cookies()
    log_in(page, "clerk1", f"/cases/{draft.pk}/")
    page.get_by_test_id("do-accept-online").click()
    expect(page.get_by_test_id("status")).to_have_text("已受理")
    shot("clerk-accepted")
    page.context.clear_cookies()
    draft.refresh_from_db()
    page.goto("/track/")
    page.get_by_test_id("tracking-form").locator("input").first.fill(draft.tracking_code)
    page.get_by_test_id("tracking-form").locator("button").click()
    events = page.get_by_test_id("events")
    for note in ("已提交，等待预审", "请按一次性告知书补正材料", "已补正，等待预审", "已受理"):
        expect(events).to_contain_text(note)
    expect(page.get_by_test_id("applicant")).to_have_text("王*")
    expect(page.get_by_test_id("due-date")).to_be_visible()
    content = page.content()
    assert "11010519491231002X" not in content and "13812345678" not in content and "营业执照复印件" not in content
    shot("tracking-page")


def test_approver_works_the_staff_case_page(page, shot, hall, clock):
    matter, clerk = hall["matter"], hall["clerk"]
    application = intake.application_accept_at_window(
        actor=clerk, matter_id=matter.pk, applicant_kind="enterprise", applicant_name="江海市某某餐饮有限公司",
        credit_code=make_credit_code(7), contact_phone="13912345678",
        provided_material_ids=[hall["licence"].pk], deficient_material_ids=[hall["site"].pk],
        commitment_deadline=dt.date(2026, 11, 9), comment="原件已核验，场所证明容缺",
    )

    log_in(page, "approver1", f"/cases/{application.pk}/")
    expect(page.get_by_test_id("status")).to_have_text("已受理")
    expect(page.get_by_test_id("remaining")).to_contain_text("剩余 10 个工作日")
    expect(page.get_by_test_id("internal-comment")).to_contain_text("原件已核验")
    expect(page.get_by_test_id("deficiency")).to_contain_text("2026-11-09")
    shot("case-accepted")

    page.get_by_test_id("action-start-review").get_by_label("意见").fill("材料齐全，进入审核")
    page.get_by_test_id("do-start-review").click()
    expect(page.get_by_role("status")).to_contain_text("已进入审核环节")
    expect(page.get_by_test_id("stage")).to_have_text("审核")
    shot("case-in-review")

    panel = page.get_by_test_id("action-return")
    panel.locator("summary").click()
    panel.get_by_test_id("do-return").click()
    expect(page.get_by_test_id("action-error")).to_contain_text("请填写意见或理由")
    shot("case-return-refused")

    page.get_by_test_id("do-submit-for-approval").click()
    page.get_by_test_id("action-decide").get_by_label("准予许可").check()
    page.get_by_test_id("do-decide").click()
    expect(page.get_by_role("status")).to_contain_text("已办结：准予许可")
    expect(page.get_by_test_id("delivery-blocked")).to_be_visible()
    shot("case-completed-waiting-for-deficiency")
    assert Application.objects.get(pk=application.pk).status == Application.Status.COMPLETED


def test_clerk_accepts_at_the_window_with_deficiency(page, shot, hall):
    log_in(page, "clerk1", "/cases/accept/")
    shot("accept-choose-matter")
    page.locator("#matter-select").select_option(label="SC-001 食品经营许可")
    expect(page.get_by_test_id("accept-form")).to_be_visible()
    shot("accept-form")

    form = page.get_by_test_id("accept-form")
    form.get_by_label("申请人名称").fill("王芳")
    form.get_by_label("身份证号").fill("11010519491231002X")
    form.get_by_label("联系电话").fill("13812345678")
    page.get_by_test_id(f"provided-{hall['licence'].pk}").check()
    page.get_by_test_id(f"deficient-{hall['site'].pk}").check()
    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("form-error")).to_have_count(0)
    expect(page.locator('[data-field="commitment_deadline"]')).to_contain_text("补齐期限")
    shot("accept-deadline-missing")

    page.get_by_label("容缺材料补齐期限").fill("2026-11-09")
    page.get_by_test_id("accept").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("已受理，查询码")
    expect(page.get_by_test_id("deficiency")).to_contain_text("食品经营场所使用证明")
    shot("accepted-case")
