"""The chain pages (并联审批): the centre's list, acceptance of a whole chain at the lead window (one form, one
materials list), and the chain page — steps as cards in graph order, the report against the statutory limits,
and each action as one POST to one service that redirects with a Chinese message or shows the service's
Chinese refusal with nothing changed."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from approvals.models import (
    Application,
    Chain,
    ChainFinding,
    ChainStep,
    ClockStop,
    CorrectionNotice,
    DeficiencyCommitment,
)
from approvals.services import chain_notices
from hall.models import Role
from hall.services.tickets import ticket_call_next

from ..hall.factories import StaffFactory
from ..hall.queue_factories import QueueCategoryFactory, issue, serving_window
from .chain_fixtures import *  # noqa: F403
from .chain_fixtures import COMPANY, accept, case, finish, material_id, step_of, to_approval
from .factories import ChainFactory, ChainTemplateFactory

pytestmark = pytest.mark.django_db
Status = Application.Status


def _text(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def _as(client, user):
    client.force_login(user)
    return client


def _accept_post(template, **extra):
    """The acceptance form: the applicant once, and 已收取 for every required line of the materials list."""
    from approvals.chain_selectors import chain_materials

    data = {"template": template.pk, **COMPANY}
    for line in chain_materials(template):
        data[f"material_{line.material_ids[0]}"] = "provided" if line.required else "missing"
    return {**data, **extra}


def _step_action(chain, key, action):
    return reverse("chain_step_action", args=[chain.pk, step_of(chain, key).pk, action])


def _chain_action(chain, action):
    return reverse("chain_action", args=[chain.pk, action])


# --- who may use the pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["chain_list", "chain_accept"])
def test_a_visitor_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["citizen", "callback_operator"])
def test_the_chain_pages_are_for_staff(client, request, chain, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("chain_list")).status_code == 403
    assert client.get(reverse("chain_detail", args=[chain.pk])).status_code == 403


def test_a_supervisor_reads_but_cannot_accept(client, supervisor, chain):
    client.force_login(supervisor)

    assert client.get(reverse("chain_detail", args=[chain.pk])).status_code == 200
    assert client.get(reverse("chain_accept")).status_code == 403


def test_a_chain_of_another_centre_is_not_found(client, chain, centre_2):
    client.force_login(StaffFactory(centre=centre_2, role=Role.MANAGER))

    assert client.get(reverse("chain_detail", args=[chain.pk])).status_code == 404
    assert client.post(_chain_action(chain, "issue-notice")).status_code == 404


# --- the list ---------------------------------------------------------------------------------------


def test_the_list_holds_the_centres_chains_with_their_progress(clerk_client, running, centre_2):
    foreign = ChainFactory(template=ChainTemplateFactory(centre=centre_2), applicant_name="外中心公司")

    html = _text(clerk_client.get(reverse("chain_list")))

    assert running.tracking_code in html and "企业开办" in html and foreign.tracking_code not in html
    assert "江********司" in html and "江海示范餐饮有限公司" not in html
    assert "1 / 3 个环节办结" in html and "0 / 25 个工作日" in html


def test_the_list_filters_by_status(clerk_client, running, stopped):
    assert running.tracking_code in _text(clerk_client.get(reverse("chain_list"), {"status": "stopped"}))
    assert running.tracking_code not in _text(clerk_client.get(reverse("chain_list"), {"status": "completed"}))
    assert clerk_client.get(reverse("chain_list"), {"status": "<bad>", "page": "x"}).status_code == 200


def test_the_list_shows_how_much_faster_completed_chains_were(clerk_client, running, approver_b, approver_c):
    finish(case(running, "tax"), approver_b)
    finish(case(running, "seal"), approver_c)

    response = clerk_client.get(reverse("chain_list"))

    summary = response.context["summary"]
    assert (summary.count, summary.mean_elapsed, summary.mean_statutory, summary.faster_percent) == (1, 0, 25, 100)
    assert 'data-testid="chain-summary"' in _text(response)


# --- acceptance -------------------------------------------------------------------------------------


def test_the_template_list_holds_only_active_templates_of_the_clerks_centre(clerk_client, template, centre_2):
    ChainTemplateFactory(centre=template.centre, is_active=False, name="停用模板")
    ChainTemplateFactory(centre=centre_2, name="外中心模板")

    response = clerk_client.get(reverse("chain_accept"))

    assert [t.pk for t in response.context["templates"]] == [template.pk]


def test_choosing_a_template_shows_one_form_and_one_materials_list(clerk_client, template):
    response = clerk_client.get(reverse("chain_accept"), {"template": template.pk})

    html = _text(response)
    names = [line.name for line, _field in response.context["form"].material_rows()]
    assert names == ["申请表", "申请人身份证", "经营场所证明", "印章样式", "银行开户信息"]
    assert "有限责任公司设立登记（市场监督管理局）、新办纳税人套餐（税务局）" in html  # the ID card, asked once
    assert html.count('name="applicant_name"') == 1
    assert "在“有限责任公司设立登记”办结后开始" in html


def test_only_a_line_every_step_may_miss_offers_deficiency(clerk_client, template):
    form = clerk_client.get(reverse("chain_accept"), {"template": template.pk}).context["form"]

    offers = {line.name: [v for v, _ in field.field.choices] for line, field in form.material_rows()}
    assert offers["经营场所证明"] == ["provided", "deficient", "missing"]
    assert offers["申请表"] == ["provided", "missing"]


def test_accepting_makes_the_chain_and_goes_to_its_page(clerk_client, template, clock):
    response = clerk_client.post(reverse("chain_accept"), _accept_post(template), follow=True)

    chain = Chain.objects.get()
    assert response.redirect_chain[-1][0] == reverse("chain_detail", args=[chain.pk])
    assert any("已受理“企业开办”并联审批" in m and chain.tracking_code in m for m in _messages(response))
    assert ChainStep.objects.filter(chain=chain).count() == 3
    assert case(chain, "licence").status == Status.ACCEPTED and case(chain, "seal").status == Status.SUBMITTED


def test_a_missing_required_material_is_refused_and_nothing_saved(clerk_client, template):
    data = _accept_post(template, **{f"material_{material_id(template, '印章样式')}": "missing"})

    response = clerk_client.post(reverse("chain_accept"), data)

    assert response.status_code == 400 and "缺少必需材料：印章样式" in _text(response)
    assert not Chain.objects.exists() and not Application.objects.exists()


def test_deficiency_without_a_deadline_is_refused(clerk_client, template):
    data = _accept_post(template, **{f"material_{material_id(template, '经营场所证明')}": "deficient"})

    response = clerk_client.post(reverse("chain_accept"), data)

    assert response.status_code == 400 and "容缺受理须约定今天以后的补齐期限" in _text(response)
    assert not Chain.objects.exists()


def test_deficiency_with_a_deadline_signs_the_commitment(clerk_client, template, clock):
    data = _accept_post(template, **{f"material_{material_id(template, '经营场所证明')}": "deficient",
                                     "commitment_deadline": "2026-11-10"})

    response = clerk_client.post(reverse("chain_accept"), data)

    assert response.status_code == 302
    commitment = DeficiencyCommitment.objects.get()
    assert commitment.application == case(Chain.objects.get(), "licence")
    assert commitment.deadline == dt.date(2026, 11, 10)


def test_deficiency_on_a_line_that_may_not_be_missing_is_refused(clerk_client, template):
    data = _accept_post(template, **{f"material_{material_id(template, '申请表')}": "deficient"})

    response = clerk_client.post(reverse("chain_accept"), data)

    assert response.status_code == 400 and "该材料不可容缺" in _text(response)
    assert not Chain.objects.exists()


def test_a_wrong_credit_code_is_explained_next_to_the_field(clerk_client, template):
    response = clerk_client.post(reverse("chain_accept"), _accept_post(template, credit_code="913206000000000000"))

    assert response.status_code == 400
    assert "校验位" in str(response.context["form"].errors["credit_code"])
    assert not Chain.objects.exists()


def test_a_template_of_another_centre_is_refused(clerk_client, template, centre_2):
    foreign = ChainTemplateFactory(centre=centre_2)

    response = clerk_client.post(reverse("chain_accept"), {**_accept_post(template), "template": foreign.pk})

    assert response.status_code == 400 and "请先选择本中心启用的并联审批模板" in _text(response)
    assert not Chain.objects.exists()


@pytest.mark.parametrize("extra", [
    {"applicant_name": "江海\x00公司"},
    {"applicant_name": "江" * 500},
    {"applicant_kind": "robot"},
    {"contact_phone": "12345"},
    {"commitment_deadline": "2026-13-45"},
    {"ticket": "abc"},
])
def test_bad_input_is_a_chinese_400_and_nothing_saved(clerk_client, template, extra):
    response = clerk_client.post(reverse("chain_accept"), _accept_post(template, **extra))

    assert response.status_code == 400
    assert re.search(r'role="alert"[^>]*>(<p>)?[^<]*[\u4e00-\u9fff]', _text(response))
    assert not Chain.objects.exists()


def test_acceptance_for_the_ticket_being_served_prefills_and_links_it(clerk_client, clerk, template, clock):
    category = QueueCategoryFactory(centre=template.centre)
    window = serving_window(template.centre, clerk, [category])
    issue(category, holder_name="江海示范餐饮有限公司", phone="13800000009")
    ticket = ticket_call_next(window_id=window.pk, actor=clerk)

    page = clerk_client.get(reverse("chain_accept"), {"template": template.pk, "ticket": ticket.pk})
    response = clerk_client.post(reverse("chain_accept"), _accept_post(template, ticket=ticket.pk))

    assert page.context["form"].initial["applicant_name"] == "江海示范餐饮有限公司"
    assert response.status_code == 302
    assert set(Application.objects.values_list("ticket_id", flat=True)) == {ticket.pk}


# --- the chain page -----------------------------------------------------------------------------------


def test_the_steps_are_cards_in_graph_order_with_their_predecessors(clerk_client, running):
    response = clerk_client.get(reverse("chain_detail", args=[running.pk]))

    columns = [[panel.card.key for panel in column] for column in response.context["columns"]]
    html = _text(response)
    assert columns == [["licence"], ["seal", "tax"]]
    assert "第 2 步 · 并联办理" in html and "前置：有限责任公司设立登记" in html
    assert re.search(r'data-testid="step-licence" data-state="done"', html)
    assert re.search(r'data-testid="step-tax" data-state="running"', html)


def test_each_running_step_shows_its_department_due_date_and_colour_in_words(clerk_client, running):
    html = _text(clerk_client.get(reverse("chain_detail", args=[running.pk])))

    card = re.search(r'data-testid="step-tax".*?</article>', html, re.S).group(0)
    assert "税务局" in card and "2026-11-03" in card and "剩余 1 个工作日" in card
    assert 'data-colour="green"' in card and "正常" in card


def test_a_waiting_step_says_what_it_waits_for(clerk_client, chain):
    html = _text(clerk_client.get(reverse("chain_detail", args=[chain.pk])))

    card = re.search(r'data-testid="step-seal".*?</article>', html, re.S).group(0)
    assert "等待前置环节办结" in card and 'data-testid="colour"' not in card


def test_the_report_compares_elapsed_days_with_the_statutory_sum(clerk_client, running):
    response = clerk_client.get(reverse("chain_detail", args=[running.pk]))

    report = response.context["report"]
    assert (report.elapsed_working_days, report.statutory_days_sum, report.statutory_critical_path) == (0, 25, 20)
    assert "全部办结后计算" in _text(response)




def test_a_department_sees_its_actions_on_its_own_step_only(client, running, approver_b):
    response = _as(client, approver_b).get(reverse("chain_detail", args=[running.pk]))

    panels = {panel.card.key: panel for column in response.context["columns"] for panel in column}
    assert panels["tax"].finding_form is not None and panels["tax"].decide_form is not None
    assert panels["seal"].finding_form is None and panels["seal"].decide_form is None
    assert "由主办部门（市场监督管理局）统一告知" in _text(response)


def test_a_supervisor_sees_no_actions(client, running, supervisor):
    response = _as(client, supervisor).get(reverse("chain_detail", args=[running.pk]))

    assert not response.context["overview"].actions
    assert "电子监察：只读" in _text(response)
    assert 'data-testid="action-' not in _text(response)


# --- a department's actions on its own step -------------------------------------------------------------


def test_a_department_reports_a_finding_on_its_step(client, running, approver_b):
    bank = material_id(running.template, "银行开户信息")

    response = _as(client, approver_b).post(_step_action(running, "tax", "finding"),
                                            {"material": bank, "problem": "缺少开户许可证"}, follow=True)

    finding = ChainFinding.objects.get()
    assert (finding.step, finding.problem, finding.material_id) == (step_of(running, "tax"), "缺少开户许可证", bank)
    assert any("已登记补正意见" in m for m in _messages(response))
    assert "缺少开户许可证" in _text(response)


def test_another_department_cannot_report_on_a_step(client, running, approver_c):
    response = _as(client, approver_c).post(_step_action(running, "tax", "finding"), {"problem": "缺少材料"})

    assert response.status_code == 403 and "只有税务局的工作人员可以办理此环节" in _text(response)
    assert not ChainFinding.objects.exists()


@pytest.mark.parametrize("data", [{"problem": ""}, {"problem": "问" * 301}, {"material": "abc", "problem": "x"},
                                  {"material": "999999", "problem": "x"}])
def test_a_bad_finding_is_refused_with_a_chinese_message(client, running, approver_b, data):
    response = _as(client, approver_b).post(_step_action(running, "tax", "finding"), data)

    assert response.status_code == 400 and 'data-testid="action-error"' in _text(response)
    assert not ChainFinding.objects.exists()


def test_a_department_decides_its_step_from_the_chain_page(client, running, approver_c):
    response = _as(client, approver_c).post(_step_action(running, "seal", "decide"), {"outcome": "granted"},
                                            follow=True)

    assert case(running, "seal").status == Status.COMPLETED
    assert any("本环节已办结：准予许可" in m for m in _messages(response))


def test_deciding_the_last_step_completes_the_chain(client, running, approver_b, approver_c):
    finish(case(running, "seal"), approver_c)

    response = _as(client, approver_b).post(_step_action(running, "tax", "decide"), {"outcome": "granted"},
                                            follow=True)

    running.refresh_from_db()
    assert running.status == Chain.Status.COMPLETED
    assert any("并联审批全部办结" in m for m in _messages(response))
    assert 'data-testid="steps-done">3 / 3' in _text(response)


def test_deciding_the_first_step_starts_its_successors_and_says_so(client, chain, approver_a):
    to_approval(case(chain, "licence"), approver_a)

    response = _as(client, approver_a).post(_step_action(chain, "licence", "decide"), {"outcome": "granted"},
                                            follow=True)

    assert any("后续环节已开始办理：公章刻制备案、新办纳税人套餐" in m for m in _messages(response))


def test_a_waiting_step_cannot_be_decided(client, chain, approver_c):
    response = _as(client, approver_c).post(_step_action(chain, "seal", "decide"), {"outcome": "granted"})

    assert response.status_code == 409 and "前置步骤尚未全部办结" in _text(response)
    assert case(chain, "seal").status == Status.SUBMITTED


def test_a_refusal_needs_a_reason(client, running, approver_b):
    response = _as(client, approver_b).post(_step_action(running, "tax", "decide"), {"outcome": "refused"})

    assert response.status_code == 400 and "请填写意见或理由" in _text(response)
    assert case(running, "tax").status == Status.ACCEPTED


def test_a_step_of_another_chain_or_an_unknown_action_is_not_found(clerk_client, running, template, clerk):
    other = accept(template, clerk)

    assert clerk_client.post(reverse("chain_step_action", args=[running.pk, step_of(other, "tax").pk,
                                                                "finding"])).status_code == 404
    assert clerk_client.post(_step_action(running, "tax", "explode")).status_code == 404
    assert clerk_client.post(_chain_action(running, "explode")).status_code == 404


# --- the lead department's actions ----------------------------------------------------------------------


@pytest.fixture
def with_findings(running, approver_b, approver_c):
    chain_notices.chain_step_report_finding(step_id=step_of(running, "tax").pk, actor=approver_b,
                                            material_id=material_id(running.template, "银行开户信息"),
                                            problem="缺少开户许可证")
    chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                            material_id=None, problem="印章样式不清晰")
    return running


def test_the_lead_merges_every_finding_into_one_notice(clerk_client, with_findings):
    response = clerk_client.post(_chain_action(with_findings, "issue-notice"), {"note": "请一次补齐"}, follow=True)

    notice = CorrectionNotice.objects.get(chain=with_findings)
    with_findings.refresh_from_db()
    assert with_findings.status == Chain.Status.CORRECTION and notice.items.count() == 2
    assert ClockStop.objects.filter(ended_on__isnull=True).count() == 2
    assert any("共 2 项" in m for m in _messages(response))
    assert "补正期间各环节暂停计时" in _text(response)


def test_only_the_lead_department_is_offered_the_notice(client, with_findings, approver_b):
    lead = _as(client, StaffFactory(role=Role.CLERK, centre=with_findings.centre,
                                    department=with_findings.lead_department))
    assert "issue-notice" in lead.get(reverse("chain_detail", args=[with_findings.pk])).context["overview"].actions

    other = _as(client, approver_b).get(reverse("chain_detail", args=[with_findings.pk]))
    assert "issue-notice" not in other.context["overview"].actions


def test_a_notice_without_findings_is_refused(clerk_client, running):
    response = clerk_client.post(_chain_action(running, "issue-notice"), {})

    assert response.status_code == 400 and "各部门没有待告知的补正意见" in _text(response)
    assert not CorrectionNotice.objects.exists()


def test_the_notice_prints_with_every_department(clerk_client, with_findings, clerk):
    chain_notices.chain_issue_notice(chain_id=with_findings.pk, actor=clerk)

    html = _text(clerk_client.get(reverse("chain_notice", args=[with_findings.pk])))

    assert "并联审批申请材料补正一次性告知书" in html
    assert "税务局" in html and "公安局" in html and "印章样式不清晰" in html


def test_the_chain_page_takes_a_fixed_number_of_queries(clerk_client, in_correction,
                                                        django_assert_max_num_queries):
    clerk_client.get(reverse("chain_detail", args=[in_correction.pk]))

    with django_assert_max_num_queries(16):
        html = _text(clerk_client.get(reverse("chain_detail", args=[in_correction.pk])))

    assert "缺少开户许可证" in html


def test_a_chain_without_a_notice_has_nothing_to_print(clerk_client, running):
    assert clerk_client.get(reverse("chain_notice", args=[running.pk])).status_code == 404


@pytest.fixture
def in_correction(with_findings, clerk):
    chain_notices.chain_issue_notice(chain_id=with_findings.pk, actor=clerk)
    with_findings.refresh_from_db()
    return with_findings


def test_the_resubmission_is_recorded_and_every_clock_restarts(clerk_client, in_correction):
    bank = material_id(in_correction.template, "银行开户信息")

    response = clerk_client.post(_chain_action(in_correction, "resubmit"), {"provided": [bank]}, follow=True)

    in_correction.refresh_from_db()
    assert in_correction.status == Chain.Status.IN_PROGRESS
    assert not ClockStop.objects.filter(ended_on__isnull=True).exists()
    assert any("各环节恢复计时" in m for m in _messages(response))


def test_a_resubmission_missing_a_listed_material_is_refused(clerk_client, in_correction):
    response = clerk_client.post(_chain_action(in_correction, "resubmit"), {})

    in_correction.refresh_from_db()
    assert response.status_code == 400 and "以下告知材料尚未补正：银行开户信息" in _text(response)
    assert in_correction.status == Chain.Status.CORRECTION


def test_a_resubmission_naming_a_material_outside_the_notice_is_refused(clerk_client, in_correction):
    response = clerk_client.post(_chain_action(in_correction, "resubmit"), {"provided": ["999999"]})

    assert response.status_code == 400 and "材料不属于该并联审批的事项" in _text(response)


def test_the_lead_continues_after_a_refusal(clerk_client, stopped):
    response = clerk_client.post(_chain_action(stopped, "lead-decide"), {"decision": "continue"}, follow=True)

    stopped.refresh_from_db()
    assert stopped.status == Chain.Status.IN_PROGRESS
    assert any("主办部门决定继续办理" in m for m in _messages(response))


def test_the_lead_terminates_with_a_reason(clerk_client, stopped):
    clerk_client.post(_chain_action(stopped, "lead-decide"), {"decision": "terminate", "comment": "申请人放弃"})

    stopped.refresh_from_db()
    assert stopped.status == Chain.Status.WITHDRAWN
    assert case(stopped, "seal").status == Status.WITHDRAWN


def test_terminating_without_a_reason_is_refused(clerk_client, stopped):
    response = clerk_client.post(_chain_action(stopped, "lead-decide"), {"decision": "terminate"})

    stopped.refresh_from_db()
    assert response.status_code == 400 and "请填写意见或理由" in _text(response)
    assert stopped.status == Chain.Status.STOPPED


def test_another_department_cannot_decide_for_the_lead(client, stopped, approver_b):
    response = _as(client, approver_b).post(_chain_action(stopped, "lead-decide"), {"decision": "continue"})

    stopped.refresh_from_db()
    assert response.status_code == 403 and "只有主办部门（市场监督管理局）的工作人员可以作出决定" in _text(response)
    assert stopped.status == Chain.Status.STOPPED


def test_the_stopped_chain_says_which_step_was_refused(clerk_client, stopped):
    html = _text(clerk_client.get(reverse("chain_detail", args=[stopped.pk])))

    assert "税务局对“新办纳税人套餐”作出不予许可决定" in html
    assert 'data-testid="action-lead-decide"' in html
    assert re.search(r'data-testid="step-tax" data-state="refused"', html)


def test_a_supervisor_cannot_act(client, stopped, supervisor):
    response = _as(client, supervisor).post(_chain_action(stopped, "lead-decide"), {"decision": "continue"})

    stopped.refresh_from_db()
    assert response.status_code == 403 and stopped.status == Chain.Status.STOPPED


def test_a_running_step_may_still_finish_while_the_chain_waits_for_the_lead(client, stopped, approver_c):
    page = _as(client, approver_c).get(reverse("chain_detail", args=[stopped.pk]))
    panels = {panel.card.key: panel for column in page.context["columns"] for panel in column}

    response = client.post(_step_action(stopped, "seal", "decide"), {"outcome": "granted"}, follow=True)

    assert panels["seal"].decide_form is not None and panels["seal"].finding_form is None
    assert case(stopped, "seal").status == Status.COMPLETED
    assert any("等待主办部门决定" in m for m in _messages(response))


def test_each_step_is_as_deep_as_its_longest_way_from_the_start():
    from approvals.chain_selectors import step_depths

    graph = {"project": [], "planning": ["project"], "land": ["project"], "fire": ["planning"],
             "permit": ["land", "fire", "project"]}

    assert step_depths(graph) == {"project": 0, "planning": 1, "land": 1, "fire": 2, "permit": 3}
