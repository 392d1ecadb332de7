"""Citizen pages: apply online (form → draft → materials → 提交预审), my applications, the case page with the
one-time notice, resubmission and withdrawal, and the printable notice."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from approvals.models import Application, MaterialFile
from approvals.services import intake
from hall.models import Role

from ..hall.factories import CitizenFactory, MatterFactory, StaffFactory
from .case_fixtures import *  # noqa: F403
from .case_fixtures import PDF, PERSON, PNG, upload
from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


# --- apply online: the applicant form ----------------------------------------------------------------


def test_a_visitor_is_sent_to_log_in_before_applying(client, matter):
    response = client.get(reverse("apply_start", args=[matter.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_accounts_are_told_the_apply_pages_are_for_citizens(client, clerk, matter):
    client.force_login(clerk)

    response = client.get(reverse("apply_start", args=[matter.pk]))

    assert response.status_code == 403
    assert "仅供办事群众使用" in _text(response)


def test_a_matter_not_offered_online_cannot_be_applied_for(citizen_client, centre_1, department_a):
    offline = MatterFactory(centre=centre_1, department=department_a, online_apply=False)

    response = citizen_client.get(reverse("apply_start", args=[offline.pk]))

    assert response.status_code == 404
    assert "窗口办理" in _text(response)


def test_the_applicant_form_is_prefilled_from_the_account(client, matter, materials):
    citizen = CitizenFactory(real_name="李四", id_number="11010519491231002X", phone="13912345678")
    client.force_login(citizen)

    html = _text(client.get(reverse("apply_start", args=[matter.pk])))

    assert 'value="李四"' in html and 'value="11010519491231002X"' in html and 'value="13912345678"' in html
    assert "申请表" in html and "可容缺" in html


def test_applying_creates_a_draft_and_goes_to_the_materials(citizen_client, citizen, matter, materials, clock):
    response = citizen_client.post(reverse("apply_start", args=[matter.pk]), PERSON)

    draft = Application.objects.get()
    assert draft.status == Application.Status.DRAFT and draft.applicant == citizen
    assert response.status_code == 302 and response["Location"] == reverse("apply_materials", args=[draft.pk])


@pytest.mark.parametrize("field,value,message", [
    ("id_number", "110105194912310021", "校验位"),
    ("contact_phone", "12345", "11位手机号"),
    ("applicant_name", "张", "2至200个字"),
])
def test_bad_applicant_data_is_explained_in_chinese_and_nothing_is_saved(citizen_client, matter, field, value, message):
    response = citizen_client.post(reverse("apply_start", args=[matter.pk]), {**PERSON, field: value})

    assert response.status_code == 400
    assert message in _text(response)
    assert not Application.objects.exists()


def test_a_nul_character_is_refused_in_plain_chinese(citizen_client, matter):
    response = citizen_client.post(reverse("apply_start", args=[matter.pk]), {**PERSON, "applicant_name": "张\x00三"})

    assert response.status_code == 400 and "内容含有不允许的空字符" in _text(response)
    assert not Application.objects.exists()


def test_a_wrong_credit_code_check_digit_is_explained(citizen_client, matter):
    data = {"applicant_kind": "enterprise", "applicant_name": "某某有限公司", "credit_code": "91320600MA1MXXXX01",
            "contact_phone": "13800000001"}

    html = _text(citizen_client.post(reverse("apply_start", args=[matter.pk]), data))

    assert "统一社会信用代码不正确" in html and "GB 32100" in html
    assert not Application.objects.exists()


# --- the materials page, uploads and submission ------------------------------------------------------


def test_the_materials_page_marks_required_and_deficiency_materials(citizen_client, draft):
    html = _text(citizen_client.get(reverse("apply_materials", args=[draft.pk])))

    assert html.count('data-testid="material-row"') == 2
    assert "必需" in html and "可容缺" in html
    assert "以下必需材料尚未上传" in html


def test_uploading_a_pdf_stores_it_outside_the_web_root(citizen_client, draft, form, media):
    response = citizen_client.post(reverse("my_application_upload", args=[draft.pk]),
                                   {"material": form.pk, "file": upload("申请表.pdf")}, follow=True)

    stored = MaterialFile.objects.get()
    assert stored.material == form and stored.original_name == "申请表.pdf"
    assert str(media) in stored.file.path
    assert "已上传" in _text(response)


@pytest.mark.parametrize("name,content,content_type,message", [
    ("x.exe", b"MZ\x90\x00", "application/octet-stream", "只能上传PDF、JPG或PNG文件"),
    ("fake.pdf", b"MZ not a pdf", "application/pdf", "只能上传PDF、JPG或PNG文件"),
    ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf", "10MB"),
])
def test_a_wrong_or_oversized_file_is_refused_in_chinese(citizen_client, draft, form, name, content, content_type,
                                                         message):
    response = citizen_client.post(reverse("my_application_upload", args=[draft.pk]),
                                   {"material": form.pk, "file": upload(name, content, content_type)}, follow=True)

    assert message in _text(response)
    assert not MaterialFile.objects.exists()


def test_an_upload_without_a_file_is_refused(citizen_client, draft, form):
    response = citizen_client.post(reverse("my_application_upload", args=[draft.pk]), {"material": form.pk},
                                   follow=True)

    assert "请选择要上传的文件" in _text(response)


def test_submitting_sends_the_draft_to_pre_review_with_its_art_32_deadline(citizen_client, draft, form):
    citizen_client.post(reverse("my_application_upload", args=[draft.pk]),
                        {"material": form.pk, "file": upload("p.png", PNG, "image/png")})

    response = citizen_client.post(reverse("my_application_submit", args=[draft.pk]), follow=True)

    draft.refresh_from_db()
    assert draft.status == Application.Status.SUBMITTED
    assert "2026-11-09" in _text(response) and "已提交预审" in _text(response)


def test_submitting_twice_shows_the_services_refusal(citizen_client, online):
    response = citizen_client.post(reverse("my_application_submit", args=[online.pk]), follow=True)

    assert "不能改为" in _text(response)


# --- my applications -------------------------------------------------------------------------------


def test_my_applications_lists_only_my_own(citizen_client, citizen, online, matter, clock):
    other = CitizenFactory()
    intake.application_create_draft(actor=other, matter_id=matter.pk, **PERSON)

    response = citizen_client.get(reverse("my_applications"))

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [online]


def test_my_applications_show_remaining_working_days_of_accepted_cases(citizen_client, citizen, accepted):
    Application.objects.filter(pk=accepted.pk).update(applicant=citizen)

    html = _text(citizen_client.get(reverse("my_applications")))

    assert "剩余 10 个工作日" in html and "2026-11-16" in html


def test_my_applications_query_count_does_not_grow_with_the_list(citizen_client, citizen, matter, materials, clock,
                                                                 django_assert_max_num_queries):
    for _ in range(3):
        intake.application_create_draft(actor=citizen, matter_id=matter.pk, **PERSON)
    citizen_client.get(reverse("my_applications"))  # warm the working-day calendar
    for _ in range(12):
        intake.application_create_draft(actor=citizen, matter_id=matter.pk, **PERSON)

    with django_assert_max_num_queries(5):
        response = citizen_client.get(reverse("my_applications"))
    assert len(response.context["rows"]) == 15


# --- the case page -------------------------------------------------------------------------------------


def test_the_case_page_shows_status_deadline_and_the_tracking_link(citizen_client, citizen, accepted):
    Application.objects.filter(pk=accepted.pk).update(applicant=citizen)

    html = _text(citizen_client.get(reverse("my_application", args=[accepted.pk])))

    assert "已受理" in html and "2026-11-16" in html and "剩余 10 个工作日" in html
    assert f'href="/track/{accepted.tracking_code}/"' in html
    assert "110105********002X" in html and "11010519491231002X" not in html


def test_the_case_page_never_shows_internal_comments(citizen_client, citizen, accepted):
    Application.objects.filter(pk=accepted.pk).update(applicant=citizen)

    html = _text(citizen_client.get(reverse("my_application", args=[accepted.pk])))

    assert "窗口核验原件" not in html


def test_the_case_page_query_count_is_pinned(citizen_client, citizen, in_correction, lease,
                                             django_assert_max_num_queries):
    url = reverse("my_application", args=[in_correction.pk])
    citizen_client.get(url)
    with django_assert_max_num_queries(11):
        assert citizen_client.get(url).status_code == 200
    for _ in range(5):
        intake.application_attach_file(application_id=in_correction.pk, actor=citizen, material_id=lease.pk,
                                       uploaded_file=upload())

    with django_assert_max_num_queries(11):
        assert citizen_client.get(url).status_code == 200


def test_in_correction_the_page_lists_every_item_of_the_notice(citizen_client, in_correction):
    html = _text(citizen_client.get(reverse("my_application", args=[in_correction.pk])))

    assert html.count('data-testid="notice-item"') == 2
    assert "缺少场所证明" in html and "申请表未签字" in html and "请一并补正" in html
    assert "补正后重新提交" in html


def test_resubmitting_before_uploading_the_noticed_material_is_refused(citizen_client, in_correction):
    response = citizen_client.post(reverse("my_application_resubmit", args=[in_correction.pk]), follow=True)

    in_correction.refresh_from_db()
    assert in_correction.status == Application.Status.CORRECTION
    assert "以下告知材料尚未重新上传：场所证明" in _text(response)


def test_uploading_the_replacement_then_resubmitting_goes_back_to_pre_review(citizen_client, in_correction, lease,
                                                                            clock):
    clock.shift(dt.timedelta(days=1))
    citizen_client.post(reverse("my_application_upload", args=[in_correction.pk]),
                        {"material": lease.pk, "file": upload("lease.pdf")})

    response = citizen_client.post(reverse("my_application_resubmit", args=[in_correction.pk]), follow=True)

    in_correction.refresh_from_db()
    assert in_correction.status == Application.Status.SUBMITTED
    assert "补正材料已重新提交" in _text(response)


def test_a_replacement_uploaded_after_the_notice_marks_its_row(citizen_client, in_correction, lease, clock):
    clock.shift(dt.timedelta(minutes=5))
    citizen_client.post(reverse("my_application_upload", args=[in_correction.pk]),
                        {"material": lease.pk, "file": upload("租赁合同.pdf")})

    html = _text(citizen_client.get(reverse("my_application", args=[in_correction.pk])))

    assert html.count("is-answered") == 1 and "已上传补正文件" in html and "租赁合同.pdf" in html


def test_the_notice_prints_every_item(citizen_client, in_correction):
    response = citizen_client.get(reverse("my_application_notice", args=[in_correction.pk]))

    html = _text(response)
    assert response.status_code == 200
    assert "一次性告知书" in html and "缺少场所证明" in html and "申请表未签字" in html
    assert "第三十二条" in html


def test_a_case_without_a_notice_has_no_printable_notice(citizen_client, online):
    assert citizen_client.get(reverse("my_application_notice", args=[online.pk])).status_code == 404


# --- withdrawal --------------------------------------------------------------------------------------


def test_withdrawal_asks_for_confirmation_first(citizen_client, online):
    response = citizen_client.post(reverse("my_application_withdraw", args=[online.pk]), {"reason": "不办了"})

    online.refresh_from_db()
    assert response.status_code == 400 and "请勾选确认" in _text(response)
    assert online.status == Application.Status.SUBMITTED


def test_a_confirmed_withdrawal_withdraws_the_application(citizen_client, online):
    response = citizen_client.post(reverse("my_application_withdraw", args=[online.pk]),
                                   {"reason": "不办了", "confirm": "on"}, follow=True)

    online.refresh_from_db()
    assert online.status == Application.Status.WITHDRAWN
    assert "申请已撤回" in _text(response)


def test_a_completed_case_can_no_longer_be_withdrawn(citizen_client, citizen, accepted):
    Application.objects.filter(pk=accepted.pk).update(applicant=citizen, status=Application.Status.COMPLETED)

    get = citizen_client.get(reverse("my_application_withdraw", args=[accepted.pk]))
    post = citizen_client.post(reverse("my_application_withdraw", args=[accepted.pk]), {"confirm": "on"})

    assert "已不能撤回" in _text(get)
    assert "不能改为" in _text(post)
    accepted.refresh_from_db()
    assert accepted.status == Application.Status.COMPLETED


# --- someone else's application ------------------------------------------------------------------------


@pytest.mark.parametrize("name,method", [
    ("my_application", "get"), ("apply_materials", "get"), ("my_application_notice", "get"),
    ("my_application_withdraw", "get"), ("my_application_submit", "post"), ("my_application_resubmit", "post"),
    ("my_application_upload", "post"), ("my_application_withdraw", "post"),
])
def test_another_citizens_application_is_a_404_everywhere(client, in_correction, name, method):
    client.force_login(CitizenFactory())

    response = getattr(client, method)(reverse(name, args=[in_correction.pk]))

    assert response.status_code == 404
    in_correction.refresh_from_db()
    assert in_correction.status == Application.Status.CORRECTION


def test_a_staff_account_gets_no_citizen_case_page(client, in_correction, centre_1):
    client.force_login(StaffFactory(centre=centre_1, role=Role.CLERK))

    assert client.get(reverse("my_application", args=[in_correction.pk])).status_code == 403


def test_the_draft_page_moves_on_to_the_case_page_once_submitted(citizen_client, online):
    response = citizen_client.get(reverse("apply_materials", args=[online.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("my_application", args=[online.pk])


def test_the_matter_page_links_to_online_application(client, matter):
    html = _text(client.get(reverse("matter_detail", args=[matter.pk])))

    assert re.search(rf'href="{reverse("apply_start", args=[matter.pk])}"', html)


def test_the_window_case_of_a_citizen_appears_in_my_applications_too(citizen_client, citizen, accepted):
    Application.objects.filter(pk=accepted.pk).update(applicant=citizen)

    html = _text(citizen_client.get(reverse("my_applications")))

    assert "窗口受理" in html and accepted.tracking_code in html


@pytest.mark.parametrize("status", Application.Status.values)
def test_the_citizen_case_page_renders_in_every_state(citizen_client, citizen, matter, status):
    application = ApplicationFactory(matter=matter, applicant=citizen, status=status)
    url = reverse("apply_materials" if status == "draft" else "my_application", args=[application.pk])

    response = citizen_client.get(url)

    assert response.status_code == 200 and (status == "draft" or application.get_status_display() in _text(response))
