"""Cases API: reads scoped to the actor, one POST per operation calling one service, object-level permissions
(others' cases are 404; a department acts only on its own: 403 with the service's Chinese detail), and hostile,
oversized, wrong-typed or missing input answered 400 in Chinese — never 500."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from approvals.models import Application, CorrectionNotice, MaterialFile
from approvals.services import intake
from hall.models import Role

from ..hall.factories import CitizenFactory, MaterialFactory, MatterFactory, StaffFactory
from .case_fixtures import *  # noqa: F403
from .case_fixtures import PDF, PERSON, TZ, upload

pytestmark = pytest.mark.django_db
Status = Application.Status
CJK = re.compile(r"[\u4e00-\u9fff]")


def api(user=None) -> Client:
    client = Client(enforce_csrf_checks=False)
    if user is not None:
        client.force_login(user)
    return client


def post(client, url, data=None, **kwargs):
    kwargs.setdefault("content_type", "application/json")
    return client.post(url, data if data is not None else {}, **kwargs)


def op(application, name):
    return f"/api/cases/{application.pk}/{name}/"


def assert_chinese_refusal(response, status=400):
    assert response.status_code == status, response.content
    assert CJK.search(response.json()["detail"]), response.json()


# --- reads ---------------------------------------------------------------------------------------------


def test_a_citizen_lists_only_their_own_applications(citizen, online, matter, clock):
    intake.application_create_draft(actor=CitizenFactory(), matter_id=matter.pk, **PERSON)

    body = api(citizen).get("/api/cases/").json()

    assert body["count"] == 1 and [row["id"] for row in body["results"]] == [online.pk]
    assert body["results"][0]["applicant_id_masked"] == "110105********002X"
    assert body["results"][0]["contact_phone_masked"] == "138****0001"


def test_staff_list_their_centres_cases_with_remaining_working_days(clerk, accepted, centre_2, clock):
    other = StaffFactory(centre=centre_2, role=Role.CLERK)

    mine = api(clerk).get("/api/cases/").json()
    theirs = api(other).get("/api/cases/").json()

    assert [row["id"] for row in mine["results"]] == [accepted.pk]
    assert mine["results"][0]["remaining_working_days"] == 10
    assert theirs["count"] == 0


def test_the_list_filters_by_status_and_refuses_an_unknown_one(clerk, accepted, online):
    client = api(clerk)

    assert [r["id"] for r in client.get("/api/cases/", {"status": "submitted"}).json()["results"]] == [online.pk]
    assert_chinese_refusal(client.get("/api/cases/", {"status": "bogus"}))
    assert_chinese_refusal(client.get("/api/cases/", {"page": "x"}))


def test_a_callback_operator_sees_no_cases(callback_operator, accepted):
    assert api(callback_operator).get("/api/cases/").json()["count"] == 0


def test_anonymous_requests_are_refused(accepted):
    response = api().get("/api/cases/")

    assert response.status_code == 403 and CJK.search(response.json()["detail"])


def test_another_citizens_case_is_a_404(online):
    response = api(CitizenFactory()).get(f"/api/cases/{online.pk}/")

    assert_chinese_refusal(response, 404)


def test_a_citizen_never_sees_internal_comments_or_actors(citizen, online, clerk):
    intake.application_request_correction(application_id=online.pk, actor=clerk, items=[(None, "签字")],
                                          note="内部备注不外传")

    body = api(citizen).get(f"/api/cases/{online.pk}/").json()

    assert {event["comment"] for event in body["events"]} == {""}
    assert {event["actor_name"] for event in body["events"]} == {""}
    assert body["notices"][0]["items"][0]["problem"] == "签字"
    assert "resubmit" in body["actions"]


def test_staff_see_internal_comments_and_their_actions(approver_a, accepted):
    body = api(approver_a).get(f"/api/cases/{accepted.pk}/").json()

    assert "窗口核验原件" in {event["comment"] for event in body["events"]}
    assert {"start-review", "suspend", "request-extension"} <= set(body["actions"])
    assert body["stage_name"] == "受理"


def test_a_huge_id_in_the_path_is_a_404_not_a_500(citizen):
    assert api(citizen).get("/api/cases/99999999999999999999999/").status_code == 404


# --- citizen operations ---------------------------------------------------------------------------------


def test_the_online_journey_through_the_api(citizen, clerk, matter, form, lease, clock):
    client = api(citizen)
    created = post(client, "/api/cases/drafts/", {"matter_id": matter.pk, **PERSON})
    case_id = created.json()["id"]
    for material in (form, lease):
        uploaded = client.post(f"/api/cases/{case_id}/files/", {"material_id": material.pk, "file": upload()})
        assert uploaded.status_code == 201, uploaded.content
    submitted = post(client, f"/api/cases/{case_id}/submit/")
    accepted = post(api(clerk), f"/api/cases/{case_id}/accept-online/", {"comment": "预审通过"})

    assert created.status_code == 201 and created.json()["status"] == "draft"
    assert submitted.json()["status"] == "submitted" and submitted.json()["online_answer_due"] == "2026-11-09"
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["promised_due"] == "2026-11-16"


def test_a_draft_for_a_matter_not_offered_online_is_refused(citizen, centre_1, department_a):
    offline = MatterFactory(centre=centre_1, department=department_a, online_apply=False)

    response = post(api(citizen), "/api/cases/drafts/", {"matter_id": offline.pk, **PERSON})

    assert_chinese_refusal(response)
    assert "窗口" in response.json()["detail"]


def test_staff_cannot_create_drafts(clerk, matter):
    assert_chinese_refusal(post(api(clerk), "/api/cases/drafts/", {"matter_id": matter.pk, **PERSON}), 403)


def test_a_wrong_id_number_check_digit_is_explained(citizen, matter):
    response = post(api(citizen), "/api/cases/drafts/", {"matter_id": matter.pk, **PERSON,
                                                          "id_number": "110105194912310021"})

    assert_chinese_refusal(response)
    assert response.json()["field"] == "id_number" and "校验位" in response.json()["detail"]


HOSTILE_DRAFTS = [
    [],
    "not an object",
    {"matter_id": "abc"},
    {"matter_id": 10**30},
    {"matter_id": -1},
    {"matter_id": None},
    {"matter_id": True},
    {"matter_id": 1.5},
    {"matter_id": {"$gt": 0}},
    {"applicant_kind": "robot"},
    {"applicant_kind": ["person"]},
    {"applicant_name": "张" * 5000},
    {"applicant_name": ["张三"]},
    {"applicant_name": "张\x00三"},
    {"id_number": "1" * 100},
    {"id_number": "'; DROP TABLE approvals_application; --"},
]


@pytest.mark.parametrize("payload", HOSTILE_DRAFTS, ids=[str(i) for i in range(len(HOSTILE_DRAFTS))])
def test_hostile_draft_input_is_a_chinese_400_and_nothing_is_saved(citizen, matter, payload):
    body = {"matter_id": matter.pk, **PERSON, **payload} if isinstance(payload, dict) else payload

    response = post(api(citizen), "/api/cases/drafts/", body)

    assert_chinese_refusal(response)
    assert not Application.objects.exists()


def test_markup_in_a_name_is_stored_as_text_and_escaped_on_the_pages(citizen, clerk, matter, materials, clock):
    created = post(api(citizen), "/api/cases/drafts/", {"matter_id": matter.pk, **PERSON,
                                                         "applicant_name": "<script>alert(1)</script>"})
    post(api(citizen), op(Application.objects.get(), "submit"))

    html = api(clerk).get(reverse("case_detail", args=[created.json()["id"]])).content.decode()

    assert created.status_code == 201
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_nul_character_is_refused_in_plain_chinese(citizen, matter):
    body = {"matter_id": matter.pk, **PERSON, "applicant_name": "张\x00三"}

    response = post(api(citizen), "/api/cases/drafts/", body)

    assert response.json() == {"detail": "内容含有不允许的空字符，请删除后重试。", "field": "applicant_name"}


def test_a_malformed_json_body_is_a_chinese_400(citizen):
    response = api(citizen).post("/api/cases/drafts/", "{not json", content_type="application/json")

    assert_chinese_refusal(response)


def test_an_oversized_body_is_a_chinese_400(citizen, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    response = post(api(citizen), "/api/cases/drafts/", {"applicant_name": "张" * 4000})

    assert_chinese_refusal(response)


@pytest.mark.parametrize("name,content,content_type,message", [
    ("x.exe", b"MZ\x90\x00", "application/octet-stream", "PDF"),
    ("fake.png", b"GIF89a", "image/png", "PDF"),
    ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf", "10MB"),
    ("empty.pdf", b"", "application/pdf", "请选择要上传的文件"),
])
def test_a_wrong_or_oversized_upload_is_a_chinese_400(citizen, draft, form, name, content, content_type, message):
    response = api(citizen).post(f"/api/cases/{draft.pk}/files/",
                                 {"material_id": form.pk, "file": upload(name, content, content_type)})

    assert_chinese_refusal(response)
    assert message in response.json()["detail"]
    assert not MaterialFile.objects.exists()


@pytest.mark.parametrize("data", [{"material_id": 1}, {"file": "not-a-file", "material_id": 1}, {}])
def test_an_upload_without_a_file_is_a_chinese_400(citizen, draft, form, data):
    data = {**data, **({"material_id": form.pk} if "material_id" in data else {})}

    assert_chinese_refusal(api(citizen).post(f"/api/cases/{draft.pk}/files/", data))


def test_an_upload_sent_as_json_is_a_chinese_400(citizen, draft, form):
    assert_chinese_refusal(post(api(citizen), f"/api/cases/{draft.pk}/files/", {"material_id": form.pk}))


def test_a_material_of_another_matter_is_refused(citizen, draft, centre_1):
    foreign = MaterialFactory(matter=MatterFactory(centre=centre_1))
    response = api(citizen).post(f"/api/cases/{draft.pk}/files/", {"material_id": foreign.pk, "file": upload()})

    assert_chinese_refusal(response)
    assert response.json()["detail"] == "材料不属于该事项。"


def test_uploading_to_someone_elses_draft_is_a_404(draft, form):
    response = api(CitizenFactory()).post(f"/api/cases/{draft.pk}/files/", {"material_id": form.pk, "file": upload()})

    assert_chinese_refusal(response, 404)
    assert not MaterialFile.objects.exists()


def test_resubmission_is_checked_against_the_notice(citizen, in_correction, lease, clock):
    client = api(citizen)
    refused = post(client, op(in_correction, "resubmit"))
    clock.shift(dt.timedelta(hours=1))
    client.post(f"/api/cases/{in_correction.pk}/files/", {"material_id": lease.pk, "file": upload()})
    resubmitted = post(client, op(in_correction, "resubmit"))

    assert_chinese_refusal(refused)
    assert "场所证明" in refused.json()["detail"]
    assert resubmitted.status_code == 200 and resubmitted.json()["status"] == "submitted"


def test_withdrawal_and_a_second_withdrawal(citizen, online):
    client = api(citizen)

    first = post(client, op(online, "withdraw"), {"reason": "不办了"})
    second = post(client, op(online, "withdraw"))

    assert first.status_code == 200 and first.json()["status"] == "withdrawn"
    assert_chinese_refusal(second, 409)


@pytest.mark.parametrize("name", ["submit", "resubmit", "withdraw"])
def test_citizen_operations_on_anothers_case_are_404(online, name):
    assert_chinese_refusal(post(api(CitizenFactory()), op(online, name)), 404)
    online.refresh_from_db()
    assert online.status == Status.SUBMITTED


# --- staff operations -------------------------------------------------------------------------------------


def test_accept_at_window(clerk, matter, form, lease, clock):
    response = post(api(clerk), "/api/cases/accept-at-window/", {
        "matter_id": matter.pk, **PERSON, "provided_material_ids": [form.pk],
        "deficient_material_ids": [lease.pk], "commitment_deadline": "2026-11-09",
    })

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "accepted" and body["deficiency"]["material_ids"] == [lease.pk]
    assert re.fullmatch(r"[0-9A-Z]{16}", body["tracking_code"])


@pytest.mark.parametrize("payload,field", [
    ({"provided_material_ids": "1,2"}, "provided_material_ids"),
    ({"provided_material_ids": ["x"]}, "provided_material_ids"),
    ({"provided_material_ids": list(range(1, 300))}, "provided_material_ids"),
    ({"commitment_deadline": "next friday"}, "commitment_deadline"),
    ({"ticket_id": "A001"}, "ticket_id"),
    ({"comment": "意" * 1001}, "comment"),
])
def test_hostile_acceptance_input_is_a_chinese_400(clerk, matter, form, payload, field):
    response = post(api(clerk), "/api/cases/accept-at-window/", {"matter_id": matter.pk, **PERSON, **payload})

    assert_chinese_refusal(response)
    assert response.json().get("field") == field
    assert not Application.objects.exists()


def test_a_citizen_cannot_accept_at_the_window(citizen, matter, form, lease):
    response = post(api(citizen), "/api/cases/accept-at-window/", {"matter_id": matter.pk, **PERSON})

    assert_chinese_refusal(response, 403)


def test_another_department_gets_a_403_with_the_services_message(approver_b, accepted):
    response = post(api(approver_b), op(accepted, "start-review"))

    assert_chinese_refusal(response, 403)
    assert "只有市场监督管理局的工作人员可以办理此环节" in response.json()["detail"]


def test_another_centres_staff_get_a_404(accepted, centre_2):
    other = StaffFactory(centre=centre_2, role=Role.APPROVER)

    assert_chinese_refusal(post(api(other), op(accepted, "start-review")), 404)
    assert_chinese_refusal(api(other).get(f"/api/cases/{accepted.pk}/"), 404)


def test_the_department_path_through_every_transition(approver_a, department_a, centre_1, clerk, accepted, clock):
    client = api(approver_a)
    head = api(StaffFactory(centre=centre_1, role=Role.APPROVER, department=department_a, is_department_head=True))
    steps = [
        (client, "start-review", {"comment": "开始审核"}, "review"),
        (client, "suspend", {"procedure": "expert_review", "reason": "专家评审"}, "suspended"),
        (client, "resume", {}, "review"),
        (client, "request-extension", {"days": 10, "reason": "需专家论证"}, "review"),
        (head, "approve-extension", {}, "review"),
        (client, "submit-for-approval", {}, "approval"),
        (client, "return", {"reason": "补充核查"}, "review"),
        (client, "submit-for-approval", {}, "approval"),
        (client, "decide", {"outcome": "granted", "comment": "同意"}, "completed"),
        (api(clerk), "deliver", {"method": "mail", "mail_tracking_number": "SF1234567890"}, "delivered"),
    ]
    for actor_client, name, data, expected in steps:
        response = post(actor_client, op(accepted, name), data)
        assert response.status_code == 200, (name, response.content)
        assert response.json()["status"] == expected, name
    assert response.json()["extension"]["approved_at"] is not None
    assert response.json()["mail_tracking_number"] == "SF1234567890"


@pytest.mark.parametrize("name,data", [
    ("decide", {"outcome": "granted"}),
    ("submit-for-approval", {}),
    ("resume", {}),
    ("deliver", {"method": "pickup"}),
    ("accept-online", {}),
])
def test_a_transition_from_the_wrong_state_is_a_409(approver_a, accepted, name, data):
    response = post(api(approver_a), op(accepted, name), data)

    assert_chinese_refusal(response, 409)


@pytest.mark.parametrize("name,data,field", [
    ("decide", {"outcome": "maybe"}, "outcome"),
    ("decide", {}, "outcome"),
    ("suspend", {"procedure": "holiday", "reason": "x"}, "procedure"),
    ("request-extension", {"days": 7, "reason": "x"}, "days"),
    ("request-extension", {"days": "ten", "reason": "x"}, "days"),
    ("return", {"reason": ["a"]}, "reason"),
    ("deliver", {"method": "drone"}, "method"),
    ("start-review", {"comment": "意" * 1001}, "comment"),
])
def test_bad_transition_input_is_a_chinese_400(approver_a, accepted, name, data, field):
    response = post(api(approver_a), op(accepted, name), data)

    assert_chinese_refusal(response)
    assert response.json()["field"] == field
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED


def test_a_one_time_notice_through_the_api(clerk, online, lease):
    response = post(api(clerk), op(online, "request-correction"), {
        "items": [{"material_id": lease.pk, "problem": "缺少场所证明"}, {"material_id": None, "problem": "未签字"}],
        "note": "请补正",
    })

    assert response.status_code == 200 and response.json()["status"] == "correction"
    assert [i["problem"] for i in response.json()["notices"][0]["items"]] == ["缺少场所证明", "未签字"]


@pytest.mark.parametrize("items", [[], "缺少", [{"problem": ""}], [{"material_id": "x", "problem": "a"}],
                                   [{"problem": "a"}] * 51, [{"problem": "长" * 301}]])
def test_bad_notice_items_are_a_chinese_400(clerk, online, items):
    response = post(api(clerk), op(online, "request-correction"), {"items": items})

    assert_chinese_refusal(response)
    assert not CorrectionNotice.objects.exists()


def test_refusing_acceptance_needs_a_reason(clerk, online):
    refused = post(api(clerk), op(online, "reject"), {"reason": "  "})
    done = post(api(clerk), op(online, "reject"), {"reason": "不属于受理范围"})

    assert_chinese_refusal(refused)
    assert done.json()["status"] == "not_accepted" and done.json()["not_accepted_reason"] == "不属于受理范围"


def test_fulfilling_a_deficiency(clerk, matter, form, lease, clock):
    application = intake.application_accept_at_window(
        actor=clerk, matter_id=matter.pk, **PERSON, provided_material_ids=[form.pk],
        deficient_material_ids=[lease.pk], commitment_deadline=dt.date(2026, 11, 9),
    )

    first = post(api(clerk), op(application, "fulfil-deficiency"))
    second = post(api(clerk), op(application, "fulfil-deficiency"))

    assert first.json()["deficiency"]["fulfilled_at"] is not None
    assert_chinese_refusal(second, 409)


def test_a_supervisor_reads_but_cannot_act(supervisor, accepted):
    client = api(supervisor)

    assert client.get(f"/api/cases/{accepted.pk}/").json()["actions"] == []
    assert_chinese_refusal(post(client, op(accepted, "start-review")), 403)


def test_an_answer_late_online_acceptance_counts_from_arrival(clerk, online, clock):
    clock.move_to(dt.datetime(2026, 11, 12, 10, 0, tzinfo=TZ))
    Application.objects.filter(pk=online.pk).update(status=Status.SUBMITTED)

    response = post(api(clerk), op(online, "accept-online"), {
        "deficient_material_ids": [online.matter.materials.get(name="场所证明").pk],
        "commitment_deadline": "2026-11-20",
    })

    assert response.status_code == 200, response.content
    assert response.json()["deemed_accepted"] is True and response.json()["accepted_on"] == "2026-11-02"


def test_the_schema_documents_every_cases_operation(client):
    body = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()

    paths = {p for p in body["paths"] if p.startswith("/api/cases/")}
    assert {"/api/cases/", "/api/cases/{application_id}/", "/api/cases/drafts/", "/api/cases/accept-at-window/",
            "/api/cases/{application_id}/files/", "/api/cases/{application_id}/deliver/"} <= paths
    upload_body = body["paths"]["/api/cases/{application_id}/files/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload_body
