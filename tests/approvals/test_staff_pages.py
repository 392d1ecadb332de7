"""Staff pages: acceptance at the window, the pre-review list, and the case page with its actions (each a POST
to one service, redirecting with a Chinese message, or showing the service's Chinese refusal)."""

import datetime as dt

import pytest
from django.urls import reverse

from approvals.models import Application, ApplicationEvent, CaseWarning, ClockStop, CorrectionNotice
from approvals.services import intake, transitions
from hall.models import Matter, Role, Ticket

from ..hall.factories import CitizenFactory, MaterialFactory, MatterFactory, StaffFactory
from ..hall.queue_factories import QueueCategoryFactory, issue, serving_window
from .case_fixtures import *  # noqa: F403
from .case_fixtures import MONDAY, PERSON, TZ, upload
from .factories import ApplicationFactory, ChainStepFactory

pytestmark = pytest.mark.django_db
Status = Application.Status


def _text(response) -> str:
    return response.content.decode()


def _action(client, application, name, data=None, **kwargs):
    return client.post(reverse("case_action", args=[application.pk, name]), data or {}, **kwargs)


def _status(application) -> str:
    application.refresh_from_db()
    return application.status


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def approver_client(client, approver_a):
    client.force_login(approver_a)
    return client


# --- who may use the staff pages -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["case_accept_window", "case_prereview"])
def test_a_visitor_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["citizen", "supervisor", "callback_operator"])
def test_acceptance_is_for_window_staff_only(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("case_accept_window"))

    assert response.status_code == 403 and "仅供工作人员使用" in _text(response)


# --- acceptance at the window ----------------------------------------------------------------------------


def test_the_matter_list_holds_only_published_matters_of_the_clerks_centre(clerk_client, matter, centre_2):
    other_centre = MatterFactory(centre=centre_2, name="外中心事项")
    draft = MatterFactory(centre=matter.centre, department=matter.department, name="未发布事项",
                          status=Matter.Status.DRAFT)

    response = clerk_client.get(reverse("case_accept_window"))

    assert [m.pk for m in response.context["matters"]] == [matter.pk]
    assert other_centre.name not in _text(response) and draft.name not in _text(response)


def test_choosing_a_matter_shows_its_materials_as_checkboxes(clerk_client, matter, form, lease):
    html = _text(clerk_client.get(reverse("case_accept_window"), {"matter": matter.pk}))

    assert f'data-testid="provided-{form.pk}"' in html and f'data-testid="provided-{lease.pk}"' in html
    assert f'data-testid="deficient-{lease.pk}"' in html and f'data-testid="deficient-{form.pk}"' not in html


def test_an_instant_matter_says_it_completes_now(clerk_client, centre_1, department_a):
    instant = MatterFactory(centre=centre_1, department=department_a, promised_days=0, statutory_days=0)

    html = _text(clerk_client.get(reverse("case_accept_window"), {"matter": instant.pk}))

    assert 'data-testid="instant"' in html and "受理并当场办结" in html


def _accept_data(matter, materials, **extra):
    return {"matter": matter.pk, **PERSON, "provided": [m.pk for m in materials], **extra}


def test_accepting_goes_to_the_case_page_with_the_tracking_code(clerk_client, matter, materials, clock):
    response = clerk_client.post(reverse("case_accept_window"), _accept_data(matter, materials), follow=True)

    application = Application.objects.get()
    assert application.status == Status.ACCEPTED
    assert response.redirect_chain[-1][0] == reverse("case_detail", args=[application.pk])
    assert f"已受理，查询码 {application.tracking_code}" in _text(response) and "2026-11-16" in _text(response)


def test_a_missing_required_material_is_refused_and_nothing_is_saved(clerk_client, matter, form, lease, clock):
    response = clerk_client.post(reverse("case_accept_window"), _accept_data(matter, [form]))

    assert response.status_code == 400 and "缺少必需材料：场所证明" in _text(response)
    assert not Application.objects.exists()


def test_accept_with_deficiency_needs_a_commitment_deadline(clerk_client, matter, form, lease, clock):
    data = _accept_data(matter, [form], deficient=[lease.pk])

    refused = clerk_client.post(reverse("case_accept_window"), data)
    accepted = clerk_client.post(reverse("case_accept_window"), {**data, "commitment_deadline": "2026-11-09"})

    assert refused.status_code == 400 and "补齐期限" in _text(refused)
    application = Application.objects.get()
    assert accepted.status_code == 302 and application.deficiency.deadline == dt.date(2026, 11, 9)


def test_an_instant_matter_is_completed_at_the_window(clerk_client, centre_1, department_a, clock):
    instant = MatterFactory(centre=centre_1, department=department_a, promised_days=0, statutory_days=0)

    response = clerk_client.post(reverse("case_accept_window"), _accept_data(instant, []), follow=True)

    assert Application.objects.get().status == Status.COMPLETED
    assert "即办件已受理并当场办结" in _text(response)


def test_a_matter_of_another_centre_cannot_be_accepted(clerk_client, centre_2, clock):
    elsewhere = MatterFactory(centre=centre_2)

    response = clerk_client.post(reverse("case_accept_window"), _accept_data(elsewhere, []))

    assert response.status_code == 400 and "请先选择本中心已发布的事项" in _text(response)
    assert not Application.objects.exists()


@pytest.fixture
def served_ticket(centre_1, clerk, matter, clock):
    category = QueueCategoryFactory(centre=centre_1, prefix="A", name="市场监管")
    category.matters.add(matter)
    window = serving_window(centre_1, clerk, [category], number="5")
    ticket = issue(category, holder_name="王芳", phone="13812345678", matter_id=matter.pk)
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.SERVING, window=window, clerk=clerk, called_at=MONDAY, started_at=MONDAY
    )
    return ticket


def test_the_ticket_being_served_preselects_its_holder_and_matter(clerk_client, served_ticket, matter, materials):
    response = clerk_client.get(reverse("case_accept_window"), {"ticket": served_ticket.pk})

    html = _text(response)
    assert response.context["matter"] == matter
    assert 'data-testid="ticket"' in html and served_ticket.number in html
    assert 'value="王芳"' in html and 'value="13812345678"' in html


def test_accepting_for_the_served_ticket_links_the_case_to_it(clerk_client, served_ticket, matter, materials):
    data = _accept_data(matter, materials, ticket=served_ticket.pk)

    clerk_client.post(reverse("case_accept_window"), data)

    assert Application.objects.get().ticket == served_ticket


def test_a_ticket_the_clerk_is_not_serving_is_not_preselected(client, centre_1, served_ticket):
    client.force_login(StaffFactory(centre=centre_1, role=Role.CLERK))

    response = client.get(reverse("case_accept_window"), {"ticket": served_ticket.pk})

    assert response.context["ticket"] is None and 'data-testid="ticket-refused"' in _text(response)


# --- pre-review --------------------------------------------------------------------------------------


def test_pre_review_lists_the_centres_online_submissions_oldest_first(clerk_client, citizen, matter, materials,
                                                                     centre_2, clock):
    first = intake.application_create_draft(actor=citizen, matter_id=matter.pk, **PERSON)
    second = intake.application_create_draft(actor=citizen, matter_id=matter.pk, **PERSON)
    transitions.application_submit(application_id=second.pk, actor=citizen)
    clock.shift(dt.timedelta(hours=1))
    transitions.application_submit(application_id=first.pk, actor=citizen)
    elsewhere = MatterFactory(centre=centre_2, online_apply=True)
    other = intake.application_create_draft(actor=citizen, matter_id=elsewhere.pk, **PERSON)
    transitions.application_submit(application_id=other.pk, actor=citizen)

    response = clerk_client.get(reverse("case_prereview"))

    assert [row.application.pk for row in response.context["rows"]] == [second.pk, first.pk]


def test_pre_review_marks_a_passed_art_32_deadline_red(clerk_client, online, clock):
    clock.move_to(dt.datetime(2026, 11, 10, 10, 0, tzinfo=TZ))

    html = _text(clerk_client.get(reverse("case_prereview")))

    assert "is-overdue" in html and "已逾期，视为受理" in html


# --- the case page ------------------------------------------------------------------------------------


def test_the_case_page_shows_header_deadlines_and_masked_applicant(approver_client, accepted):
    html = _text(approver_client.get(reverse("case_detail", args=[accepted.pk])))

    assert "食品经营许可" in html and "市场监督管理局" in html and "已受理" in html
    assert "2026-11-16" in html and "2026-11-30" in html and "剩余 10 个工作日" in html
    assert "110105********002X" in html and "11010519491231002X" not in html
    assert "138****0001" in html and "13800000001" not in html


def test_the_case_page_shows_internal_comments_to_staff(approver_client, accepted):
    html = _text(approver_client.get(reverse("case_detail", args=[accepted.pk])))

    assert 'data-testid="internal-comment"' in html and "窗口核验原件" in html


def test_the_case_page_shows_the_warning_colour(approver_client, accepted):
    CaseWarning.objects.create(application=accepted, stage_position=1, level="red", reason="deadline",
                               department=accepted.department, due_on=accepted.promised_due)

    html = _text(approver_client.get(reverse("case_detail", args=[accepted.pk])))

    assert "warn-card-red" in html and "红牌" in html


def test_the_case_page_query_count_is_pinned(approver_client, clerk, accepted, form, lease,
                                             django_assert_max_num_queries):
    url = reverse("case_detail", args=[accepted.pk])
    approver_client.get(url)
    with django_assert_max_num_queries(12):
        assert approver_client.get(url).status_code == 200
    application = intake.application_accept_at_window(
        actor=clerk, matter_id=accepted.matter_id, **PERSON, provided_material_ids=[form.pk],
        deficient_material_ids=[lease.pk], commitment_deadline=dt.date(2026, 11, 9),
    )
    for _ in range(4):
        transitions.application_start_review(application_id=application.pk, actor=clerk)
        transitions.application_return(application_id=application.pk, actor=clerk, reason="再核")
    transitions.application_request_extension(application_id=application.pk, actor=clerk, days=10, reason="论证")
    CaseWarning.objects.create(application=application, stage_position=1, level="yellow", reason="deadline",
                               department=application.department, due_on=application.promised_due)

    with django_assert_max_num_queries(13):  # + the 容缺 commitment's materials
        assert approver_client.get(reverse("case_detail", args=[application.pk])).status_code == 200


def test_another_centres_staff_get_a_404(client, accepted, centre_2):
    client.force_login(StaffFactory(centre=centre_2, role=Role.CLERK))

    assert client.get(reverse("case_detail", args=[accepted.pk])).status_code == 404
    assert _action(client, accepted, "start-review").status_code == 404


def test_a_citizen_gets_no_staff_case_page(client, citizen, accepted):
    Application.objects.filter(pk=accepted.pk).update(applicant=citizen)
    client.force_login(citizen)

    assert client.get(reverse("case_detail", args=[accepted.pk])).status_code == 403


def test_a_supervisor_reads_the_case_but_has_no_actions(client, supervisor, accepted):
    client.force_login(supervisor)

    response = client.get(reverse("case_detail", args=[accepted.pk]))
    refused = _action(client, accepted, "start-review")

    assert response.status_code == 200 and 'data-testid="no-actions"' in _text(response)
    assert "电子监察" in _text(response)
    assert refused.status_code == 403 and "工作人员可以办理此环节" in _text(refused)
    assert _status(accepted) == Status.ACCEPTED


def test_the_actions_offered_follow_the_state(approver_client, accepted):
    html = _text(approver_client.get(reverse("case_detail", args=[accepted.pk])))

    assert 'data-testid="action-start-review"' in html and 'data-testid="action-suspend"' in html
    assert 'data-testid="action-decide"' not in html  # three stages: review and approval come first
    assert 'data-testid="action-deliver"' not in html


def test_an_unknown_action_is_a_404(approver_client, accepted):
    assert _action(approver_client, accepted, "approve-everything").status_code == 404


# --- the department's stages ---------------------------------------------------------------------------


def test_start_review_redirects_with_a_success_message(approver_client, accepted):
    response = _action(approver_client, accepted, "start-review", {"comment": "材料齐全"}, follow=True)

    assert _status(accepted) == Status.REVIEW
    assert response.redirect_chain[-1][0] == reverse("case_detail", args=[accepted.pk])
    assert "已进入审核环节" in _text(response)


def test_another_department_is_refused_with_the_services_message(client, approver_b, accepted):
    client.force_login(approver_b)

    response = _action(client, accepted, "start-review")

    assert response.status_code == 403 and "只有市场监督管理局的工作人员可以办理此环节" in _text(response)
    assert _status(accepted) == Status.ACCEPTED


def test_the_whole_path_to_delivery(approver_client, accepted, clock):
    _action(approver_client, accepted, "start-review")
    _action(approver_client, accepted, "submit-for-approval", {"comment": "审核通过"})
    clock.move_to(dt.datetime(2026, 11, 10, 10, 0, tzinfo=TZ))
    decided = _action(approver_client, accepted, "decide", {"outcome": "granted", "comment": "同意"}, follow=True)
    delivered = _action(approver_client, accepted, "deliver", {"method": "pickup"}, follow=True)

    assert "已办结：准予许可。提前办结。" in _text(decided)
    assert "已出件：窗口领取" in _text(delivered)
    assert _status(accepted) == Status.DELIVERED


def test_return_needs_a_reason(approver_client, accepted):
    _action(approver_client, accepted, "start-review")

    refused = _action(approver_client, accepted, "return", {"reason": ""})
    returned = _action(approver_client, accepted, "return", {"reason": "需补充核查"}, follow=True)

    assert refused.status_code == 400 and "请填写意见或理由" in _text(refused)
    assert "已退回上一环节" in _text(returned) and _status(accepted) == Status.ACCEPTED


def test_a_refusal_needs_a_comment(approver_client, accepted):
    _action(approver_client, accepted, "start-review")
    _action(approver_client, accepted, "submit-for-approval")

    response = _action(approver_client, accepted, "decide", {"outcome": "refused"})

    assert response.status_code == 400 and "请填写意见或理由" in _text(response)
    assert _status(accepted) == Status.APPROVAL


def test_a_wrong_outcome_is_refused_in_chinese(approver_client, accepted):
    response = _action(approver_client, accepted, "decide", {"outcome": "maybe"})

    assert response.status_code == 400 and "请选择办理结果" in _text(response)


def test_deciding_from_the_wrong_state_shows_the_services_message(approver_client, accepted):
    response = _action(approver_client, accepted, "decide", {"outcome": "granted"})

    assert response.status_code == 409 and "尚未到审批环节" in _text(response)


def test_suspend_and_resume_stop_and_restart_the_clock(approver_client, accepted, clock):
    _action(approver_client, accepted, "start-review")
    suspended = _action(approver_client, accepted, "suspend", {"kind": "hearing", "reason": "组织听证"}, follow=True)
    clock.move_to(dt.datetime(2026, 11, 6, 10, 0, tzinfo=TZ))
    page = _text(approver_client.get(reverse("case_detail", args=[accepted.pk])))
    resumed = _action(approver_client, accepted, "resume", follow=True)

    assert "停止计时" in _text(suspended)
    assert "计时暂停" in page and "听证" in page
    assert "2026-11-20" in _text(resumed) and _status(accepted) == Status.REVIEW
    assert ClockStop.objects.get().ended_on == dt.date(2026, 11, 6)


def test_extension_is_requested_then_approved_by_the_department_head(client, approver_a, department_a, centre_1,
                                                                     accepted):
    client.force_login(approver_a)
    requested = _action(client, accepted, "request-extension", {"days": "10", "reason": "需专家论证"}, follow=True)
    not_a_head = _text(client.get(reverse("case_detail", args=[accepted.pk])))
    head = StaffFactory(centre=centre_1, role=Role.APPROVER, department=department_a, is_department_head=True)
    client.force_login(head)
    approved = _action(client, accepted, "approve-extension", follow=True)

    assert "待部门负责人批准" in _text(requested)
    assert 'data-testid="action-approve-extension"' not in not_a_head
    assert "已批准延期，法定办结日期为 2026-12-14" in _text(approved)


def test_a_second_extension_is_refused(approver_client, accepted):
    _action(approver_client, accepted, "request-extension", {"days": "10", "reason": "需专家论证"})

    response = _action(approver_client, accepted, "request-extension", {"days": "15", "reason": "再延"})

    assert response.status_code == 409 and "每件只能延期一次" in _text(response)


def test_an_extension_of_the_wrong_length_is_refused(approver_client, accepted):
    response = _action(approver_client, accepted, "request-extension", {"days": "7", "reason": "x"})

    assert response.status_code == 400 and "10个或15个工作日" in _text(response)


def test_mail_delivery_needs_a_tracking_number(approver_client, accepted):
    Application.objects.filter(pk=accepted.pk).update(status=Status.COMPLETED, outcome="granted")

    refused = _action(approver_client, accepted, "deliver", {"method": "mail"})
    mailed = _action(approver_client, accepted, "deliver", {"method": "mail", "mail_tracking_number": "SF1234567890"})

    assert refused.status_code == 400 and "邮件单号" in _text(refused)
    assert mailed.status_code == 302 and _status(accepted) == Status.DELIVERED


def test_hand_out_waits_for_the_deficiency_materials(clerk_client, clerk, matter, form, lease, clock):
    application = intake.application_accept_at_window(
        actor=clerk, matter_id=matter.pk, **PERSON, provided_material_ids=[form.pk],
        deficient_material_ids=[lease.pk], commitment_deadline=dt.date(2026, 11, 9),
    )
    Application.objects.filter(pk=application.pk).update(status=Status.COMPLETED, outcome="granted")

    page = _text(clerk_client.get(reverse("case_detail", args=[application.pk])))
    refused = _action(clerk_client, application, "deliver", {"method": "pickup"})
    fulfilled = _action(clerk_client, application, "fulfil-deficiency", follow=True)
    delivered = _action(clerk_client, application, "deliver", {"method": "pickup"})

    assert 'data-testid="delivery-blocked"' in page and "容缺待补" in page
    assert refused.status_code == 409 and "容缺材料尚未补齐" in _text(refused)
    assert "容缺材料已补齐" in _text(fulfilled)
    assert delivered.status_code == 302 and _status(application) == Status.DELIVERED


# --- pre-review actions ---------------------------------------------------------------------------------


def test_the_pre_review_panel_offers_accept_notice_and_refusal(clerk_client, online):
    html = _text(clerk_client.get(reverse("case_detail", args=[online.pk])))

    for name in ("accept-online", "request-correction", "reject"):
        assert f'data-testid="action-{name}"' in html
    assert "2026-11-09" in html


def test_accepting_online_with_deficiency(clerk_client, online, lease):
    response = _action(clerk_client, online, "accept-online",
                       {"deficient": [lease.pk], "commitment_deadline": "2026-11-09"}, follow=True)

    assert "已受理，承诺 2026-11-16 前办结" in _text(response)
    online.refresh_from_db()
    assert online.status == Status.ACCEPTED and list(online.deficiency.materials.all()) == [lease]


def test_accepting_online_with_a_missing_material_shows_the_refusal(clerk_client, online):
    response = _action(clerk_client, online, "accept-online")

    assert response.status_code == 400 and "缺少必需材料：场所证明" in _text(response)
    assert _status(online) == Status.SUBMITTED


def test_a_one_time_notice_lists_every_row(clerk_client, online, lease, form):
    data = {"material_0": str(lease.pk), "problem_0": "缺少场所证明", "material_1": "", "problem_1": "申请表未签字",
            "material_2": "", "problem_2": "", "note": "请一次补齐"}

    response = _action(clerk_client, online, "request-correction", data, follow=True)

    notice = CorrectionNotice.objects.get()
    assert [(i.material_id, i.problem) for i in notice.items.all()] == [(lease.pk, "缺少场所证明"),
                                                                        (None, "申请表未签字")]
    assert "共 2 项" in _text(response) and _status(online) == Status.CORRECTION


def test_add_row_shows_the_notice_form_again_with_one_more_row(clerk_client, online, lease):
    data = {"material_0": str(lease.pk), "problem_0": "缺少场所证明", "material_1": "", "problem_1": "",
            "material_2": "", "problem_2": "", "add_row": "1"}

    response = _action(clerk_client, online, "request-correction", data)

    html = _text(response)
    assert response.status_code == 200 and 'name="problem_3"' in html and 'value="缺少场所证明"' in html
    assert not CorrectionNotice.objects.exists()


def test_a_notice_without_rows_is_refused(clerk_client, online):
    response = _action(clerk_client, online, "request-correction", {"problem_0": "", "material_0": ""})

    assert response.status_code == 400 and "请列出需要补正的全部材料或问题" in _text(response)


def test_a_notice_row_naming_a_material_of_another_matter_is_refused(clerk_client, online, centre_1):
    foreign = MaterialFactory(matter=MatterFactory(centre=centre_1))

    response = _action(clerk_client, online, "request-correction",
                       {"material_0": str(foreign.pk), "problem_0": "x"})

    assert response.status_code == 400 and "材料不属于该事项" in _text(response)


def test_refusing_acceptance_needs_a_reason(clerk_client, online):
    refused = _action(clerk_client, online, "reject", {"reason": ""})
    done = _action(clerk_client, online, "reject", {"reason": "不属于本中心受理范围"}, follow=True)

    assert refused.status_code == 400 and "请填写意见或理由" in _text(refused)
    assert "已作出不予受理决定" in _text(done) and _status(online) == Status.NOT_ACCEPTED


def test_the_staff_copy_of_the_notice_prints(clerk_client, in_correction):
    response = clerk_client.get(reverse("case_notice", args=[in_correction.pk]))

    assert response.status_code == 200 and "缺少场所证明" in _text(response)


def test_a_resubmitted_case_shows_the_answered_notice(clerk_client, in_correction, citizen, lease, clock):
    clock.shift(dt.timedelta(hours=2))
    intake.application_attach_file(application_id=in_correction.pk, actor=citizen, material_id=lease.pk,
                                   uploaded_file=upload())
    intake.application_resubmit(application_id=in_correction.pk, actor=citizen)

    html = _text(clerk_client.get(reverse("case_detail", args=[in_correction.pk])))

    assert "已补正" in html and ApplicationEvent.objects.filter(kind="resubmitted").exists()


def test_drafts_are_not_visible_to_staff(clerk_client, draft):
    assert clerk_client.get(reverse("case_detail", args=[draft.pk])).status_code == 404


def test_citizen_accounts_cannot_post_staff_actions(client, in_correction):
    client.force_login(CitizenFactory())

    assert _action(client, in_correction, "reject", {"reason": "x"}).status_code == 403


def test_a_chain_step_leaves_notice_and_refusal_to_its_chain(client):
    step = ChainStepFactory(application__status=Status.SUBMITTED, application__accepted_on=None)
    application = step.application
    client.force_login(StaffFactory(centre=application.centre, role=Role.CLERK, department=application.department))

    html = _text(client.get(reverse("case_detail", args=[application.pk])))

    assert 'data-testid="chain-step"' in html and step.chain.template.name in html
    assert 'data-testid="action-accept-online"' in html
    assert 'data-testid="action-request-correction"' not in html and 'data-testid="action-reject"' not in html


def test_deciding_a_chain_step_goes_through_its_chain(client, monkeypatch):
    step = ChainStepFactory()
    application = step.application
    client.force_login(StaffFactory(centre=application.centre, role=Role.APPROVER, department=application.department))
    decided = []
    monkeypatch.setattr("approvals.services.chains.chain_on_step_completed",
                        lambda *, application, actor: decided.append(application.pk))

    response = _action(client, application, "decide", {"outcome": "granted"}, follow=True)

    assert "已办结：准予许可" in _text(response) and decided == [application.pk]


@pytest.mark.parametrize("status", [s for s in Status.values if s != "draft"])
def test_the_case_page_renders_in_every_state(approver_client, matter, status):
    application = ApplicationFactory(matter=matter, status=status, outcome="granted" if status in (
        "completed", "delivered") else "")

    response = approver_client.get(reverse("case_detail", args=[application.pk]))

    assert response.status_code == 200 and application.get_status_display() in _text(response)
