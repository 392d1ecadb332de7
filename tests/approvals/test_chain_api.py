"""The chains API (/api/chains/...): templates with their single materials list, the centre's chains and one
chain's overview, and one POST per operation calling one service. Another centre's chain is a 404; another
department's step or a department that does not lead is a 403 with the service's Chinese message; hostile,
oversized, wrong-typed or missing input is a Chinese 400 — never a 500 — and nothing is saved."""

import re

import pytest
from django.test import Client

from approvals.models import Application, Chain, ChainFinding, ChainStep, ClockStop, CorrectionNotice
from approvals.services import chain_notices
from hall.models import Role

from ..hall.factories import StaffFactory
from .chain_fixtures import *  # noqa: F403
from .chain_fixtures import COMPANY, accept, case, finish, material_id, required_material_ids, step_of, to_approval
from .factories import ChainFactory, ChainTemplateFactory

pytestmark = pytest.mark.django_db
Status = Application.Status
CJK = re.compile(r"[\u4e00-\u9fff]")


def api(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(client, url, data=None, **kwargs):
    kwargs.setdefault("content_type", "application/json")
    return client.post(url, data if data is not None else {}, **kwargs)


def assert_chinese_refusal(response, status=400):
    assert response.status_code == status, response.content
    assert CJK.search(response.json()["detail"]), response.json()


def chain_url(chain, op=""):
    return f"/api/chains/{chain.pk}/" + (f"{op}/" if op else "")


def step_url(chain, key, op):
    return f"/api/chains/{chain.pk}/steps/{step_of(chain, key).pk}/{op}/"


def accept_body(template, **overrides):
    return {"template_id": template.pk, **COMPANY, "provided_material_ids": required_material_ids(template),
            **overrides}


# --- reads -------------------------------------------------------------------------------------------------


def test_the_templates_come_with_their_graph_and_one_materials_list(clerk, template, centre_2):
    ChainTemplateFactory(centre=centre_2)

    body = api(clerk).get("/api/chains/templates/").json()

    assert [t["id"] for t in body] == [template.pk]
    assert [(s["key"], s["depends_on"]) for s in body[0]["steps"]] == [
        ("licence", []), ("seal", ["licence"]), ("tax", ["licence"])]
    id_card = next(line for line in body[0]["materials"] if line["name"] == "申请人身份证")
    assert [use["step_key"] for use in id_card["uses"]] == ["licence", "tax"]
    assert id_card["material_id"] == id_card["uses"][0]["material_id"]


def test_the_list_holds_only_the_centres_chains(clerk, running, centre_2):
    ChainFactory(template=ChainTemplateFactory(centre=centre_2))

    body = api(clerk).get("/api/chains/").json()

    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == running.pk and row["applicant_masked"] == "江********司"
    assert (row["steps_total"], row["steps_done"], row["statutory_days_sum"]) == (3, 1, 25)


def test_the_list_filters_by_status(clerk, stopped):
    assert api(clerk).get("/api/chains/", {"status": "stopped"}).json()["count"] == 1
    assert api(clerk).get("/api/chains/", {"status": "completed"}).json()["count"] == 0
    assert_chinese_refusal(api(clerk).get("/api/chains/", {"status": "lost"}))
    assert_chinese_refusal(api(clerk).get("/api/chains/", {"page": "x"}))


def test_the_detail_has_the_steps_by_depth_and_the_report(approver_b, running):
    body = api(approver_b).get(chain_url(running)).json()

    steps = {s["key"]: s for s in body["steps"]}
    assert {k: s["depth"] for k, s in steps.items()} == {"licence": 0, "seal": 1, "tax": 1}
    assert steps["tax"]["depends_on"] == ["licence"] and steps["tax"]["state"] == "running"
    assert steps["tax"]["colour"] == "green" and steps["tax"]["colour_label"] == "正常"
    assert steps["tax"]["remaining_working_days"] == 1 and steps["tax"]["promised_due"] == "2026-11-03"
    assert steps["tax"]["actions"] == ["decide", "finding"] and steps["seal"]["actions"] == []
    assert (body["elapsed_working_days"], body["statutory_days_sum"], body["statutory_critical_path"]) == (0, 25, 20)
    assert body["actions"] == []


def test_another_centres_chain_is_a_404(running, centre_2):
    outsider = StaffFactory(centre=centre_2, role=Role.MANAGER)

    assert_chinese_refusal(api(outsider).get(chain_url(running)), 404)
    assert_chinese_refusal(post(api(outsider), chain_url(running, "lead-decide"), {"decision": "continue"}), 404)
    assert_chinese_refusal(post(api(outsider), step_url(running, "tax", "decide"), {"outcome": "granted"}), 404)


@pytest.mark.parametrize("persona", ["citizen", "callback_operator"])
def test_people_outside_the_centres_staff_see_no_chain(request, running, persona):
    user = request.getfixturevalue(persona)

    assert api(user).get("/api/chains/").json()["count"] == 0
    assert_chinese_refusal(api(user).get(chain_url(running)), 404)


# --- acceptance --------------------------------------------------------------------------------------------


def test_a_clerk_accepts_a_whole_chain(clerk, template, clock):
    response = post(api(clerk), "/api/chains/accept/", accept_body(template))

    assert response.status_code == 201, response.content
    body = response.json()
    chain = Chain.objects.get()
    assert body["id"] == chain.pk and body["status"] == "in_progress"
    assert [s["state"] for s in body["steps"]] == ["running", "waiting", "waiting"]
    assert body["actions"] == [] and body["applicant_name"] == COMPANY["applicant_name"]


def test_a_missing_material_is_refused_in_chinese(clerk, template):
    ids = required_material_ids(template)[:-1]

    response = post(api(clerk), "/api/chains/accept/", accept_body(template, provided_material_ids=ids))

    assert_chinese_refusal(response)
    assert "缺少必需材料" in response.json()["detail"] and not Chain.objects.exists()


def test_a_template_of_another_centre_is_not_found(clerk, centre_2):
    foreign = ChainTemplateFactory(centre=centre_2)

    assert_chinese_refusal(post(api(clerk), "/api/chains/accept/", accept_body(foreign)), 404)


def test_a_citizen_cannot_accept(citizen, template):
    assert_chinese_refusal(post(api(citizen), "/api/chains/accept/", accept_body(template)), 403)
    assert not Chain.objects.exists()


HOSTILE = [
    [],
    "not an object",
    {"template_id": "abc"},
    {"template_id": 10**30},
    {"template_id": None},
    {"template_id": {"$gt": 0}},
    {"applicant_kind": "robot"},
    {"applicant_name": "江" * 500},
    {"applicant_name": "江海\x00公司"},
    {"credit_code": "913206000000000000"},
    {"credit_code": "'; DROP TABLE approvals_chain; --"},
    {"contact_phone": "123"},
    {"provided_material_ids": "1,2"},
    {"provided_material_ids": ["a"]},
    {"provided_material_ids": list(range(1, 300))},
    {"deficient_material_ids": [-1]},
    {"commitment_deadline": "tomorrow"},
    {"ticket_id": "x"},
    {"comment": "意" * 1001},
]


@pytest.mark.parametrize("payload", HOSTILE, ids=[str(i) for i in range(len(HOSTILE))])
def test_hostile_acceptance_input_is_a_chinese_400_and_nothing_saved(clerk, template, payload):
    body = accept_body(template, **payload) if isinstance(payload, dict) else payload

    assert_chinese_refusal(post(api(clerk), "/api/chains/accept/", body))
    assert not Chain.objects.exists() and not Application.objects.exists()


def test_a_malformed_json_body_is_a_chinese_400(clerk, template):
    assert_chinese_refusal(api(clerk).post("/api/chains/accept/", "{not json", content_type="application/json"))


def test_an_oversized_body_is_a_chinese_400(clerk, template, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    assert_chinese_refusal(post(api(clerk), "/api/chains/accept/", accept_body(template, comment="意" * 900)))


# --- a department's step ------------------------------------------------------------------------------------


def test_a_department_reports_a_finding_on_its_step(approver_b, running):
    bank = material_id(running.template, "银行开户信息")

    response = post(api(approver_b), step_url(running, "tax", "findings"),
                    {"material_id": bank, "problem": "缺少开户许可证"})

    assert response.status_code == 201, response.content
    assert [f["problem"] for f in response.json()["pending_findings"]] == ["缺少开户许可证"]
    assert ChainFinding.objects.get().material_id == bank


def test_another_departments_finding_is_a_403(approver_c, running):
    response = post(api(approver_c), step_url(running, "tax", "findings"), {"problem": "缺少材料"})

    assert_chinese_refusal(response, 403)
    assert "税务局" in response.json()["detail"] and not ChainFinding.objects.exists()


@pytest.mark.parametrize("payload", [{"problem": ""}, {"problem": "问" * 301}, {"problem": ["x"]},
                                     {"problem": "x", "material_id": "abc"}, {"problem": "x", "material_id": 999999}])
def test_a_bad_finding_is_a_chinese_400(approver_b, running, payload):
    assert_chinese_refusal(post(api(approver_b), step_url(running, "tax", "findings"), payload))
    assert not ChainFinding.objects.exists()


def test_a_step_of_another_chain_is_a_404(approver_b, running, template, clerk):
    other = accept(template, clerk)

    response = post(api(approver_b), f"/api/chains/{running.pk}/steps/{step_of(other, 'tax').pk}/findings/",
                    {"problem": "x"})

    assert_chinese_refusal(response, 404)


def test_deciding_the_first_step_starts_its_successors(approver_a, chain):
    to_approval(case(chain, "licence"), approver_a)

    response = post(api(approver_a), step_url(chain, "licence", "decide"), {"outcome": "granted"})

    assert response.status_code == 200, response.content
    states = {s["key"]: s["state"] for s in response.json()["steps"]}
    assert states == {"licence": "done", "seal": "running", "tax": "running"}


def test_deciding_the_last_step_completes_the_chain(approver_b, approver_c, running):
    finish(case(running, "seal"), approver_c)

    body = post(api(approver_b), step_url(running, "tax", "decide"), {"outcome": "granted"}).json()

    assert body["status"] == "completed" and body["completed_on"] == "2026-11-02"


def test_another_department_cannot_decide_a_step(approver_c, running):
    assert_chinese_refusal(post(api(approver_c), step_url(running, "tax", "decide"), {"outcome": "granted"}), 403)
    assert case(running, "tax").status == Status.ACCEPTED


def test_a_waiting_step_cannot_be_decided(approver_c, chain):
    response = post(api(approver_c), step_url(chain, "seal", "decide"), {"outcome": "granted"})

    assert_chinese_refusal(response, 409)
    assert "前置步骤" in response.json()["detail"]


@pytest.mark.parametrize("payload", [{}, {"outcome": "maybe"}, {"outcome": "refused"}, {"outcome": ["granted"]},
                                     {"outcome": "granted", "comment": "意" * 1001}])
def test_bad_decisions_are_a_chinese_400(approver_b, running, payload):
    assert_chinese_refusal(post(api(approver_b), step_url(running, "tax", "decide"), payload))
    assert case(running, "tax").status == Status.ACCEPTED


# --- the lead department --------------------------------------------------------------------------------------


@pytest.fixture
def with_findings(running, approver_b, approver_c):
    chain_notices.chain_step_report_finding(step_id=step_of(running, "tax").pk, actor=approver_b,
                                            material_id=material_id(running.template, "银行开户信息"),
                                            problem="缺少开户许可证")
    chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                            material_id=None, problem="印章样式不清晰")
    return running


def test_the_lead_merges_the_findings_into_one_notice(clerk, with_findings):
    body = post(api(clerk), chain_url(with_findings, "issue-notice"), {"note": "请一次补齐"}).json()

    assert body["status"] == "correction" and body["pending_findings"] == []
    assert len(body["notices"]) == 1 and len(body["notices"][0]["items"]) == 2
    assert {s["key"]: s["clock_stopped"] for s in body["steps"]} == {"licence": False, "seal": True, "tax": True}
    assert ClockStop.objects.filter(ended_on__isnull=True).count() == 2


def test_a_notice_without_findings_is_a_chinese_400(clerk, running):
    assert_chinese_refusal(post(api(clerk), chain_url(running, "issue-notice")))
    assert not CorrectionNotice.objects.exists()


def test_a_supervisor_cannot_issue_the_notice(supervisor, with_findings):
    assert_chinese_refusal(post(api(supervisor), chain_url(with_findings, "issue-notice")), 403)


def test_the_resubmission_restarts_every_clock(clerk, with_findings):
    chain_notices.chain_issue_notice(chain_id=with_findings.pk, actor=clerk)

    bank = material_id(with_findings.template, "银行开户信息")
    body = post(api(clerk), chain_url(with_findings, "resubmit"), {"provided_material_ids": [bank]}).json()

    assert body["status"] == "in_progress"
    assert not ClockStop.objects.filter(ended_on__isnull=True).exists()


def test_a_resubmission_missing_a_listed_material_is_a_chinese_400(clerk, with_findings):
    chain_notices.chain_issue_notice(chain_id=with_findings.pk, actor=clerk)

    response = post(api(clerk), chain_url(with_findings, "resubmit"), {"provided_material_ids": []})

    assert_chinese_refusal(response)
    assert "银行开户信息" in response.json()["detail"]


def test_a_resubmission_out_of_correction_is_a_409(clerk, running):
    assert_chinese_refusal(post(api(clerk), chain_url(running, "resubmit")), 409)


def test_the_lead_decides_after_a_refusal(clerk, stopped):
    body = post(api(clerk), chain_url(stopped, "lead-decide"), {"decision": "terminate", "comment": "申请人放弃"})

    assert body.json()["status"] == "withdrawn"
    assert ChainStep.objects.filter(chain=stopped, application__status=Status.WITHDRAWN).count() == 1


def test_the_lead_decision_is_offered_to_the_lead(clerk, stopped):
    assert api(clerk).get(chain_url(stopped)).json()["actions"] == ["lead-decide"]


def test_another_department_cannot_decide_for_the_lead(approver_b, stopped):
    response = post(api(approver_b), chain_url(stopped, "lead-decide"), {"decision": "continue"})

    assert_chinese_refusal(response, 403)
    assert "主办部门" in response.json()["detail"]


@pytest.mark.parametrize("payload", [{}, {"decision": "pause"}, {"decision": "terminate"},
                                     {"decision": "continue", "comment": "意" * 1001}, [], "x"])
def test_bad_lead_decisions_are_a_chinese_400(clerk, stopped, payload):
    assert_chinese_refusal(post(api(clerk), chain_url(stopped, "lead-decide"), payload))
    stopped.refresh_from_db()
    assert stopped.status == Chain.Status.STOPPED


def test_a_running_chain_needs_no_lead_decision(clerk, running):
    assert_chinese_refusal(post(api(clerk), chain_url(running, "lead-decide"), {"decision": "continue"}), 409)
