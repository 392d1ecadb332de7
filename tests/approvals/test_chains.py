"""Parallel approval chains (并联审批): templates, one acceptance, steps starting when their predecessors
are done, refusal and the lead department's decision, one notice with one clock stop, the report."""
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection

from approvals.chain_selectors import chain_materials, chain_report
from approvals.models import (
    Application,
    ApplicationEvent,
    Chain,
    ChainFinding,
    ChainStep,
    ChainTemplate,
    ChainTemplateStep,
    ClockStop,
    CorrectionNotice,
    DishonestyEntry,
)
from approvals.services import chain_notices, chain_templates, chains, intake, transitions
from common.errors import Conflict, InvalidTransition, NotFound, PermissionDeniedError, ValidationFailed
from hall.models import Matter, Notice, Role

from ..hall.factories import (
    DepartmentFactory,
    MaterialFactory,
    MatterFactory,
    MatterStageFactory,
    StaffFactory,
    make_credit_code,
)
from .factories import ChainFindingFactory

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
COMPANY = {"applicant_kind": "enterprise", "applicant_name": "江海示范餐饮有限公司",
           "credit_code": make_credit_code(42), "contact_phone": "13800000009"}


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ), tick=False) as traveller:
        yield traveller


def day(month, date, hour=10):
    return dt.datetime(2026, month, date, hour, 0, tzinfo=TZ)


def make_matter(department, name, *, statutory=5, promised=1, materials=(), instant=False):
    matter = MatterFactory(centre=department.centre, department=department, name=name, statutory_days=statutory,
                           promised_days=0 if instant else promised)
    stages = [("受理并当场办结", 100)] if instant else [("受理", 20), ("审核", 40), ("审批", 40)]
    for position, (stage, share) in enumerate(stages, start=1):
        MatterStageFactory(matter=matter, position=position, name=stage, share_percent=share)
    for position, (material, required, deficiency) in enumerate(materials, start=1):
        MaterialFactory(matter=matter, position=position, name=material, required=required,
                        deficiency_allowed=deficiency)
    return matter


@pytest.fixture
def department_c(centre_1):
    return DepartmentFactory(centre=centre_1, code="psb", name="公安局")


@pytest.fixture
def approver_c(centre_1, department_c):
    return StaffFactory(username="approver_c", role=Role.APPROVER, centre=centre_1, department=department_c)


@pytest.fixture
def licence(department_a):
    return make_matter(department_a, "有限责任公司设立登记", statutory=15, promised=1, materials=[
        ("申请表", True, False), ("申请人身份证", True, False), ("经营场所证明", True, True)])


@pytest.fixture
def seal(department_c):
    return make_matter(department_c, "公章刻制备案", statutory=5, promised=1, materials=[
        ("申请人身份证", True, False), ("印章样式", True, False)])


@pytest.fixture
def tax(department_b):
    return make_matter(department_b, "新办纳税人套餐", statutory=5, promised=1, materials=[
        ("申请人 身份证", True, False), ("银行开户信息", False, False)])


@pytest.fixture
def food(department_a):
    return make_matter(department_a, "食品经营许可", statutory=20, promised=5,
                       materials=[("食品安全管理制度", True, False)])


def business_steps(licence, seal, tax):
    return [
        {"key": "licence", "matter_id": licence.pk, "depends_on": []},
        {"key": "seal", "matter_id": seal.pk, "depends_on": ["licence"]},
        {"key": "tax", "matter_id": tax.pk, "depends_on": ["licence"]},
    ]


def create_template(actor, centre, lead, steps, *, code="startup", promised_days=3, name="企业开办"):
    return chain_templates.chain_template_create(actor=actor, centre_id=centre.pk, code=code, name=name,
                                                 lead_department_id=lead.pk, promised_days=promised_days, steps=steps)


@pytest.fixture
def template(manager_1, centre_1, department_a, licence, seal, tax):
    return create_template(manager_1, centre_1, department_a, business_steps(licence, seal, tax))


@pytest.fixture
def diamond(manager_1, centre_1, department_a, licence, seal, tax, food):
    """licence → (seal, tax in parallel) → food."""
    steps = [*business_steps(licence, seal, tax),
             {"key": "food", "matter_id": food.pk, "depends_on": ["tax", "seal"]}]
    return create_template(manager_1, centre_1, department_a, steps, code="food-shop", promised_days=10,
                           name="餐饮店开办")


def required_materials(template):
    return [line.material_ids[0] for line in chain_materials(template) if line.required]


def accept(template, clerk, **overrides):
    fields = {**COMPANY, "provided_material_ids": required_materials(template), **overrides}
    return chains.chain_accept(actor=clerk, template_id=template.pk, **fields)


def case(chain, key) -> Application:
    return ChainStep.objects.get(chain=chain, template_step__key=key).application


def step_of(chain, key) -> ChainStep:
    return ChainStep.objects.get(chain=chain, template_step__key=key)


def finish(application, approver, outcome="granted", comment=""):
    transitions.application_start_review(application_id=application.pk, actor=approver)
    transitions.application_submit_for_approval(application_id=application.pk, actor=approver)
    return chains.chain_step_decide(application_id=application.pk, actor=approver, outcome=outcome, comment=comment)


# --- templates -------------------------------------------------------------------------------

def test_a_manager_creates_a_template_with_its_graph(template, licence):
    steps = {s.key: s for s in template.steps.all()}

    assert template.promised_days == 3 and template.lead_department.code == "amr"
    assert [s.key for s in template.steps.order_by("position")] == ["licence", "seal", "tax"]
    assert list(steps["seal"].depends_on.all()) == [steps["licence"]]
    assert steps["licence"].matter == licence and not steps["licence"].depends_on.exists()
    assert template.history.first().history_user is not None


def test_steps_listed_out_of_order_are_saved_in_graph_order(manager_1, centre_1, department_a, licence, seal, tax):
    steps = list(reversed(business_steps(licence, seal, tax)))

    created = create_template(manager_1, centre_1, department_a, steps)

    assert [s.key for s in created.steps.order_by("position")] == ["licence", "tax", "seal"]


def _refused(exception, match, actor, centre, lead, steps, **kwargs):
    with pytest.raises(exception, match=match):
        create_template(actor, centre, lead, steps, **kwargs)
    assert not ChainTemplate.objects.exists() and not ChainTemplateStep.objects.exists()


def test_only_a_manager_of_the_centre_creates_templates(clerk, manager_2, centre_1, department_a, licence, seal, tax):
    _refused(PermissionDeniedError, "管理人员", clerk, centre_1, department_a, business_steps(licence, seal, tax))
    _refused(PermissionDeniedError, "管理人员", manager_2, centre_1, department_a, business_steps(licence, seal, tax))


def test_a_cycle_is_refused(manager_1, centre_1, department_a, licence, seal, tax):
    steps = business_steps(licence, seal, tax)
    steps[0]["depends_on"] = ["tax"]

    _refused(ValidationFailed, "循环依赖", manager_1, centre_1, department_a, steps)


def test_an_unknown_predecessor_key_is_refused(manager_1, centre_1, department_a, licence, seal, tax):
    steps = business_steps(licence, seal, tax)
    steps[1]["depends_on"] = ["bank"]

    _refused(ValidationFailed, "“bank”不存在", manager_1, centre_1, department_a, steps)


def test_a_duplicate_key_is_refused(manager_1, centre_1, department_a, licence, seal, tax):
    steps = business_steps(licence, seal, tax)
    steps[2]["key"] = "seal"

    _refused(ValidationFailed, "重复", manager_1, centre_1, department_a, steps)


def test_a_bad_step_key_is_refused(manager_1, centre_1, department_a, licence, seal, tax):
    steps = business_steps(licence, seal, tax)
    steps[2]["key"] = "税务"

    _refused(ValidationFailed, "步骤标识", manager_1, centre_1, department_a, steps)


def test_a_matter_of_another_centre_is_refused(manager_1, centre_1, centre_2, department_a, licence, seal):
    elsewhere = MatterFactory(centre=centre_2, name="外中心事项")
    steps = business_steps(licence, seal, elsewhere)

    _refused(ValidationFailed, "不属于本中心", manager_1, centre_1, department_a, steps)


def test_an_unpublished_matter_is_refused(manager_1, centre_1, department_a, licence, seal, tax):
    Matter.objects.filter(pk=tax.pk).update(status=Matter.Status.DRAFT)

    _refused(ValidationFailed, "未发布", manager_1, centre_1, department_a, business_steps(licence, seal, tax))


def test_an_unknown_matter_is_refused(manager_1, centre_1, department_a, licence, seal, tax):
    steps = business_steps(licence, seal, tax)
    steps[2]["matter_id"] = 999999

    _refused(ValidationFailed, "事项不存在", manager_1, centre_1, department_a, steps)


def test_a_duplicate_matter_is_refused(manager_1, centre_1, department_a, licence, seal):
    _refused(ValidationFailed, "重复", manager_1, centre_1, department_a, business_steps(licence, seal, seal))


def test_a_lead_department_with_no_step_is_refused(manager_1, centre_1, licence, seal, tax):
    idle = DepartmentFactory(centre=centre_1, name="城市管理局")

    _refused(ValidationFailed, "没有办理步骤", manager_1, centre_1, idle, business_steps(licence, seal, tax))


def test_a_lead_department_of_another_centre_is_refused(manager_1, centre_1, centre_2, licence, seal, tax):
    other = DepartmentFactory(centre=centre_2)

    _refused(ValidationFailed, "主办部门", manager_1, centre_1, other, business_steps(licence, seal, tax))


def test_a_promise_over_the_statutory_critical_path_is_refused(manager_1, centre_1, department_a, licence, seal, tax):
    # licence 15 + max(seal 5, tax 5) = 20 working days along the critical path.
    _refused(ValidationFailed, "关键路径（20个工作日）", manager_1, centre_1, department_a,
             business_steps(licence, seal, tax), promised_days=21)


def test_a_promise_under_the_steps_promised_critical_path_is_refused(
    manager_1, centre_1, department_a, licence, seal, tax
):
    _refused(ValidationFailed, "不能少于", manager_1, centre_1, department_a, business_steps(licence, seal, tax),
             promised_days=1)


@pytest.mark.parametrize("promised_days", [0, -1, "x", None, 366])
def test_a_promise_out_of_range_is_refused(manager_1, centre_1, department_a, licence, seal, tax, promised_days):
    _refused(ValidationFailed, "承诺总时限", manager_1, centre_1, department_a, business_steps(licence, seal, tax),
             promised_days=promised_days)


def test_a_single_step_is_not_a_chain(manager_1, centre_1, department_a, licence, seal, tax):
    _refused(ValidationFailed, "至少需要两个步骤", manager_1, centre_1, department_a,
             business_steps(licence, seal, tax)[:1])


@pytest.mark.parametrize("code", ["", "x", "Start Up", "企业开办"])
def test_a_bad_code_is_refused(manager_1, centre_1, department_a, licence, seal, tax, code):
    _refused(ValidationFailed, "模板编码", manager_1, centre_1, department_a, business_steps(licence, seal, tax),
             code=code)


def test_a_duplicate_code_is_refused(template, manager_1, centre_1, department_a, licence, seal, tax):
    with pytest.raises(ValidationFailed, match="已有编码"):
        create_template(manager_1, centre_1, department_a, business_steps(licence, seal, tax))
    assert ChainTemplate.objects.count() == 1


def test_a_missing_name_is_refused(manager_1, centre_1, department_a, licence, seal, tax):
    _refused(ValidationFailed, "模板名称", manager_1, centre_1, department_a, business_steps(licence, seal, tax),
             name=" ")


# --- one form, one materials list ---------------------------------------------------------------

def test_a_material_shared_by_several_matters_is_listed_once_with_the_steps_that_need_it(template):
    lines = {line.name: line for line in chain_materials(template)}

    assert list(lines) == ["申请表", "申请人身份证", "经营场所证明", "印章样式", "银行开户信息"]
    assert [use.step_key for use in lines["申请人身份证"].uses] == ["licence", "seal", "tax"]
    assert lines["经营场所证明"].deficiency_allowed and not lines["申请人身份证"].deficiency_allowed
    assert not lines["银行开户信息"].required


def test_acceptance_makes_one_case_per_step_and_starts_only_the_first(template, clerk, clock):
    chain = accept(template, clerk)

    assert chain.status == Chain.Status.IN_PROGRESS and chain.accepted_on == dt.date(2026, 11, 2)
    licence_case, seal_case = case(chain, "licence"), case(chain, "seal")
    assert licence_case.status == "accepted" and step_of(chain, "licence").started
    assert licence_case.promised_due == dt.date(2026, 11, 3) and licence_case.department.code == "amr"
    assert seal_case.status == "submitted" and not step_of(chain, "seal").started
    assert seal_case.accepted_on is None and seal_case.promised_due is None
    assert Application.objects.count() == 3
    assert {a.credit_code for a in Application.objects.all()} == {COMPANY["credit_code"]}


def test_a_shared_material_given_once_counts_for_every_step(template, clerk, clock):
    identity = next(line for line in chain_materials(template) if line.name == "申请人身份证")
    others = [pk for pk in required_materials(template) if pk not in identity.material_ids]

    chain = accept(template, clerk, provided_material_ids=[*others, identity.material_ids[-1]])

    assert chain.steps.count() == 3


def test_acceptance_with_a_material_missing_is_refused_and_nothing_saved(template, clerk, clock):
    stamp = next(line for line in chain_materials(template) if line.name == "印章样式")
    provided = [pk for pk in required_materials(template) if pk not in stamp.material_ids]

    with pytest.raises(ValidationFailed, match="缺少必需材料：印章样式"):
        accept(template, clerk, provided_material_ids=provided)
    assert not Chain.objects.exists() and not Application.objects.exists()


def test_a_material_of_another_matter_is_refused(template, clerk, clock):
    stray = MaterialFactory(matter=MatterFactory(centre=template.centre))

    with pytest.raises(ValidationFailed, match="不属于该并联审批"):
        accept(template, clerk, provided_material_ids=[*required_materials(template), stray.pk])
    assert not Chain.objects.exists()


def test_accept_with_deficiency_signs_a_commitment_on_the_steps_that_need_the_material(template, clerk, clock):
    lease = next(line for line in chain_materials(template) if line.name == "经营场所证明")
    provided = [pk for pk in required_materials(template) if pk not in lease.material_ids]

    chain = accept(template, clerk, provided_material_ids=provided, deficient_material_ids=[lease.material_ids[0]],
                   commitment_deadline=dt.date(2026, 11, 9))

    assert case(chain, "licence").deficiency.deadline == dt.date(2026, 11, 9)
    assert not hasattr(case(chain, "seal"), "deficiency")


def test_a_material_that_may_not_be_missing_is_refused_as_deficient(template, clerk, clock):
    stamp = next(line for line in chain_materials(template) if line.name == "印章样式")
    provided = [pk for pk in required_materials(template) if pk not in stamp.material_ids]

    with pytest.raises(ValidationFailed, match="不可容缺：印章样式"):
        accept(template, clerk, provided_material_ids=provided, deficient_material_ids=list(stamp.material_ids),
               commitment_deadline=dt.date(2026, 11, 9))
    assert not Chain.objects.exists()


def test_a_material_both_given_and_deficient_is_refused(template, clerk, clock):
    lease = next(line for line in chain_materials(template) if line.name == "经营场所证明")

    with pytest.raises(ValidationFailed, match="既已提交又容缺"):
        accept(template, clerk, deficient_material_ids=[lease.material_ids[0]],
               commitment_deadline=dt.date(2026, 11, 9))


def test_deficiency_needs_a_deadline(template, clerk, clock):
    lease = next(line for line in chain_materials(template) if line.name == "经营场所证明")
    provided = [pk for pk in required_materials(template) if pk not in lease.material_ids]

    with pytest.raises(ValidationFailed, match="补齐期限"):
        accept(template, clerk, provided_material_ids=provided, deficient_material_ids=[lease.material_ids[0]])
    assert not Chain.objects.exists()


def test_a_dishonest_applicant_cannot_use_deficiency_for_a_chain(template, clerk, centre_1, clock):
    DishonestyEntry.objects.create(centre=centre_1, credit_code=COMPANY["credit_code"], name="某公司",
                                   reason="虚假承诺", listed_on=dt.date(2026, 1, 1))
    lease = next(line for line in chain_materials(template) if line.name == "经营场所证明")
    provided = [pk for pk in required_materials(template) if pk not in lease.material_ids]

    with pytest.raises(PermissionDeniedError, match="失信"):
        accept(template, clerk, provided_material_ids=provided, deficient_material_ids=[lease.material_ids[0]],
               commitment_deadline=dt.date(2026, 11, 9))
    assert not Chain.objects.exists()


def test_a_withdrawn_matter_stops_acceptance_of_the_chain(template, clerk, tax):
    Matter.objects.filter(pk=tax.pk).update(status=Matter.Status.WITHDRAWN)

    with pytest.raises(ValidationFailed, match="已下架"):
        accept(template, clerk)


def test_staff_of_another_centre_cannot_accept_the_chain(template, centre_2):
    with pytest.raises(NotFound):
        accept(template, StaffFactory(centre=centre_2, role=Role.CLERK))


def test_a_citizen_cannot_accept_a_chain(template, citizen):
    with pytest.raises(PermissionDeniedError):
        accept(template, citizen)


def test_bad_applicant_data_is_refused(template, clerk):
    with pytest.raises(ValidationFailed, match="统一社会信用代码"):
        accept(template, clerk, credit_code="91320600000000001X")
    assert not Chain.objects.exists()


# --- steps start when their predecessors are done ---------------------------------------------

def test_parallel_steps_start_with_their_own_clocks_when_the_first_completes(template, clerk, approver_a, clock):
    chain = accept(template, clerk)
    clock.move_to(day(11, 3))

    finish(case(chain, "licence"), approver_a)

    seal_case, tax_case = case(chain, "seal"), case(chain, "tax")
    assert seal_case.status == tax_case.status == "accepted"
    assert seal_case.accepted_on == dt.date(2026, 11, 3) and seal_case.promised_due == dt.date(2026, 11, 4)
    assert seal_case.statutory_due == dt.date(2026, 11, 10)
    assert seal_case.handler is None
    assert step_of(chain, "seal").started and step_of(chain, "tax").started
    assert Chain.objects.get(pk=chain.pk).status == Chain.Status.IN_PROGRESS


def test_a_successor_waits_for_the_last_parallel_step_even_when_it_finished_first(
    diamond, clerk, approver_a, approver_b, approver_c, clock
):
    chain = accept(diamond, clerk)
    finish(case(chain, "licence"), approver_a)
    clock.move_to(day(11, 4))

    finish(case(chain, "tax"), approver_b)  # the step listed last in the template finishes first

    assert case(chain, "food").status == "submitted" and not step_of(chain, "food").started
    clock.move_to(day(11, 6))
    finish(case(chain, "seal"), approver_c)
    food_case = case(chain, "food")
    assert food_case.status == "accepted" and food_case.accepted_on == dt.date(2026, 11, 6)
    assert food_case.promised_due == dt.date(2026, 11, 13)
    assert food_case.events.filter(kind="accepted").count() == 1


def test_the_chain_completes_with_its_last_step(template, clerk, approver_a, approver_b, approver_c, clock):
    chain = accept(template, clerk)
    finish(case(chain, "licence"), approver_a)
    finish(case(chain, "seal"), approver_c)
    assert Chain.objects.get(pk=chain.pk).status == Chain.Status.IN_PROGRESS
    clock.move_to(day(11, 4))

    finish(case(chain, "tax"), approver_b)

    chain.refresh_from_db()
    assert chain.status == Chain.Status.COMPLETED and chain.completed_on == dt.date(2026, 11, 4)


def test_an_instant_successor_completes_as_it_starts_and_can_complete_the_chain(
    manager_1, centre_1, department_a, department_b, licence, clerk, approver_a, clock
):
    instant = make_matter(department_b, "税务登记信息确认", statutory=5, instant=True,
                          materials=[("申请人身份证", True, False)])
    steps = [{"key": "licence", "matter_id": licence.pk, "depends_on": []},
             {"key": "tax", "matter_id": instant.pk, "depends_on": ["licence"]}]
    chain = accept(create_template(manager_1, centre_1, department_a, steps, promised_days=2), clerk)

    finish(case(chain, "licence"), approver_a)

    assert case(chain, "tax").status == "completed" and case(chain, "tax").outcome == "granted"
    assert Chain.objects.get(pk=chain.pk).status == Chain.Status.COMPLETED


def test_an_instant_first_step_completes_at_acceptance_and_starts_its_successors(
    manager_1, centre_1, department_a, department_b, clerk, clock
):
    instant = make_matter(department_a, "名称自主申报", statutory=1, instant=True, materials=[("申请表", True, False)])
    later = make_matter(department_b, "税务登记", statutory=5, promised=1, materials=[("申请表", True, False)])
    steps = [{"key": "name", "matter_id": instant.pk, "depends_on": []},
             {"key": "tax", "matter_id": later.pk, "depends_on": ["name"]}]

    chain = accept(create_template(manager_1, centre_1, department_a, steps, promised_days=1), clerk)

    assert case(chain, "name").status == "completed" and case(chain, "tax").status == "accepted"


def test_a_waiting_step_cannot_be_decided(template, clerk, approver_c):
    chain = accept(template, clerk)

    with pytest.raises(InvalidTransition, match="前置步骤尚未全部办结"):
        chains.chain_step_decide(application_id=case(chain, "seal").pk, actor=approver_c, outcome="granted")


def test_another_department_cannot_decide_a_step(template, clerk, approver_a, approver_b):
    chain = accept(template, clerk)
    licence_case = case(chain, "licence")
    transitions.application_start_review(application_id=licence_case.pk, actor=approver_a)
    transitions.application_submit_for_approval(application_id=licence_case.pk, actor=approver_a)

    with pytest.raises(PermissionDeniedError):
        chains.chain_step_decide(application_id=licence_case.pk, actor=approver_b, outcome="granted")
    assert case(chain, "licence").status == "approval"


def test_deciding_a_case_outside_any_chain_is_refused(clerk, approver_a, licence, clock):
    materials = list(licence.materials.values_list("pk", flat=True))
    single = intake.application_accept_at_window(actor=clerk, matter_id=licence.pk, **COMPANY,
                                                 provided_material_ids=materials)

    with pytest.raises(NotFound, match="不属于并联审批"):
        chains.chain_step_decide(application_id=single.pk, actor=approver_a, outcome="granted")


def test_a_step_returned_to_its_previous_stage_stays_in_the_chain(template, clerk, approver_a):
    chain = accept(template, clerk)
    licence_case = case(chain, "licence")
    transitions.application_start_review(application_id=licence_case.pk, actor=approver_a)
    transitions.application_submit_for_approval(application_id=licence_case.pk, actor=approver_a)

    transitions.application_return(application_id=licence_case.pk, actor=approver_a, reason="章程需补充核查")

    assert case(chain, "licence").status == "review"
    assert Chain.objects.get(pk=chain.pk).status == Chain.Status.IN_PROGRESS
    assert case(chain, "licence").events.last().comment == "章程需补充核查"


# --- a refused step stops the chain; the lead department decides ------------------------------

@pytest.fixture
def stopped(template, clerk, approver_a, approver_c):
    chain = accept(template, clerk)
    finish(case(chain, "licence"), approver_a)
    finish(case(chain, "seal"), approver_c, outcome="refused", comment="印章样式不符合规定")
    return Chain.objects.get(pk=chain.pk)


def test_a_refused_step_stops_the_chain_and_tells_the_lead_department(stopped, clerk, approver_a, approver_b):
    assert stopped.status == Chain.Status.STOPPED
    notices = Notice.objects.filter(kind="chain_stopped")
    assert {n.recipient for n in notices} == {clerk, approver_a}
    assert "公章刻制备案" in notices.first().title and stopped.tracking_code in notices.first().body
    assert not Notice.objects.filter(recipient=approver_b).exists()


def test_a_refused_first_step_keeps_its_successors_waiting(template, clerk, approver_a):
    chain = accept(template, clerk)

    finish(case(chain, "licence"), approver_a, outcome="refused", comment="名称不符合规定")

    assert Chain.objects.get(pk=chain.pk).status == Chain.Status.STOPPED
    assert case(chain, "seal").status == case(chain, "tax").status == "submitted"


def test_the_other_departments_may_still_complete_their_started_steps(stopped, approver_b):
    finish(case(stopped, "tax"), approver_b)

    assert case(stopped, "tax").status == "completed"
    assert Chain.objects.get(pk=stopped.pk).status == Chain.Status.STOPPED


def test_the_lead_department_continues_and_the_chain_goes_on(stopped, approver_a, approver_b):
    chains.chain_lead_decide(chain_id=stopped.pk, actor=approver_a, decision="continue", comment="改用备案印模")
    assert Chain.objects.get(pk=stopped.pk).status == Chain.Status.IN_PROGRESS

    finish(case(stopped, "tax"), approver_b)

    assert Chain.objects.get(pk=stopped.pk).status == Chain.Status.COMPLETED


def test_continuing_starts_the_successors_of_the_refused_step(template, clerk, approver_a):
    chain = accept(template, clerk)
    finish(case(chain, "licence"), approver_a, outcome="refused", comment="名称不符合规定")

    chains.chain_lead_decide(chain_id=chain.pk, actor=approver_a, decision="continue")

    assert case(chain, "seal").status == case(chain, "tax").status == "accepted"


def test_the_lead_department_terminates_and_every_open_step_is_closed(template, clerk, approver_a, approver_c):
    chain = accept(template, clerk)
    finish(case(chain, "licence"), approver_a, outcome="refused", comment="名称不符合规定")

    chains.chain_lead_decide(chain_id=chain.pk, actor=approver_a, decision="terminate", comment="申请人另行申请")

    assert Chain.objects.get(pk=chain.pk).status == Chain.Status.WITHDRAWN
    seal_case = case(chain, "seal")
    assert seal_case.status == "not_accepted" and seal_case.not_accepted_reason == "申请人另行申请"
    assert seal_case.events.last().kind == "chain_terminated"
    assert case(chain, "licence").status == "completed"


def test_terminating_withdraws_the_started_steps_and_ends_their_clock_stops(stopped, approver_a, approver_b):
    tax_case = case(stopped, "tax")
    transitions.application_start_review(application_id=tax_case.pk, actor=approver_b)
    transitions.application_suspend(application_id=tax_case.pk, actor=approver_b, kind="site_inspection",
                                    reason="核查经营场所")

    chains.chain_lead_decide(chain_id=stopped.pk, actor=approver_a, decision="terminate", comment="申请人放弃")

    assert case(stopped, "tax").status == "withdrawn"
    assert not ClockStop.objects.filter(application=tax_case, ended_on__isnull=True).exists()


def test_a_manager_of_the_centre_may_decide_in_the_lead_departments_place(stopped, manager_1):
    chains.chain_lead_decide(chain_id=stopped.pk, actor=manager_1, decision="continue")

    assert Chain.objects.get(pk=stopped.pk).status == Chain.Status.IN_PROGRESS


def test_a_manager_of_another_centre_cannot_decide(stopped, manager_2):
    with pytest.raises(PermissionDeniedError):
        chains.chain_lead_decide(chain_id=stopped.pk, actor=manager_2, decision="continue")


def test_only_the_lead_department_decides(stopped, approver_b):
    with pytest.raises(PermissionDeniedError, match="主办部门"):
        chains.chain_lead_decide(chain_id=stopped.pk, actor=approver_b, decision="continue")


def test_a_running_chain_needs_no_decision(template, clerk, approver_a):
    chain = accept(template, clerk)

    with pytest.raises(InvalidTransition, match="已中止"):
        chains.chain_lead_decide(chain_id=chain.pk, actor=approver_a, decision="continue")


def test_a_decision_must_be_continue_or_terminate(stopped, approver_a):
    with pytest.raises(ValidationFailed, match="继续办理或终止"):
        chains.chain_lead_decide(chain_id=stopped.pk, actor=approver_a, decision="pause")


def test_terminating_needs_a_reason(stopped, approver_a):
    with pytest.raises(ValidationFailed, match="理由"):
        chains.chain_lead_decide(chain_id=stopped.pk, actor=approver_a, decision="terminate")
    assert Chain.objects.get(pk=stopped.pk).status == Chain.Status.STOPPED


def test_a_completed_chain_takes_no_more_decisions(template, clerk, approver_a, approver_b, approver_c):
    chain = accept(template, clerk)
    for key, approver in [("licence", approver_a), ("seal", approver_c), ("tax", approver_b)]:
        finish(case(chain, key), approver)

    with pytest.raises(InvalidTransition):
        chains.chain_step_decide(application_id=case(chain, "tax").pk, actor=approver_b, outcome="granted")


# --- one notice and one clock stop for the whole chain -----------------------------------------

@pytest.fixture
def running(template, clerk, approver_a, clock):
    chain = accept(template, clerk)
    finish(case(chain, "licence"), approver_a)
    return chain


def _material(application, name):
    return application.matter.materials.get(name=name)


def test_findings_of_two_departments_become_one_notice_and_one_clock_stop(
    running, clerk, approver_b, approver_c, clock, django_capture_on_commit_callbacks
):
    seal_case, tax_case = case(running, "seal"), case(running, "tax")
    chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                            material_id=_material(seal_case, "印章样式").pk, problem="印章样式不清晰")
    chain_notices.chain_step_report_finding(step_id=step_of(running, "tax").pk, actor=approver_b,
                                            material_id=None, problem="银行账户信息与营业执照不一致")
    clock.move_to(day(11, 3))

    with django_capture_on_commit_callbacks() as callbacks:
        notice = chain_notices.chain_issue_notice(chain_id=running.pk, actor=clerk, note="请一次补齐")

    assert CorrectionNotice.objects.get() == notice and notice.chain_id == running.pk
    assert {(i.department.code, i.problem) for i in notice.items.all()} == {
        ("psb", "印章样式不清晰"), ("tax", "银行账户信息与营业执照不一致")}
    stops = ClockStop.objects.filter(kind="correction")
    assert {s.application_id for s in stops} == {seal_case.pk, tax_case.pk}
    assert {s.started_on for s in stops} == {dt.date(2026, 11, 3)}
    assert not ChainFinding.objects.filter(notice__isnull=True).exists()
    assert Chain.objects.get(pk=running.pk).status == Chain.Status.CORRECTION
    messages = [c for c in callbacks if getattr(c, "func", None) is transitions._notify_applicant]
    assert len(messages) == 1


def test_the_same_problem_reported_twice_is_listed_once(running, clerk, approver_c):
    for _ in range(2):
        chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                                material_id=None, problem="经办人授权不明")
    ChainFindingFactory(step=step_of(running, "tax"), problem="银行账户信息有误")

    notice = chain_notices.chain_issue_notice(chain_id=running.pk, actor=clerk)

    assert sorted(notice.items.values_list("problem", flat=True)) == ["经办人授权不明", "银行账户信息有误"]
    assert ChainFinding.objects.filter(notice=notice).count() == 3


def test_the_resubmission_ends_every_stop_together_and_moves_every_due_date(running, clerk, approver_c, clock):
    seal_case = case(running, "seal")
    stamp = _material(seal_case, "印章样式")
    chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                            material_id=stamp.pk, problem="印章样式不清晰")
    chain_notices.chain_issue_notice(chain_id=running.pk, actor=clerk)
    clock.move_to(day(11, 5))  # Monday → Thursday: 3 working days stopped

    chain_notices.chain_resubmit(chain_id=running.pk, actor=clerk, provided_material_ids=[stamp.pk])

    assert Chain.objects.get(pk=running.pk).status == Chain.Status.IN_PROGRESS
    assert set(ClockStop.objects.values_list("ended_on", flat=True)) == {dt.date(2026, 11, 5)}
    for key in ("seal", "tax"):  # accepted Mon 2 Nov: 1 promised + 3 stopped, 5 statutory + 3 stopped
        after = case(running, key)
        assert after.stopped_days == 3
        assert (after.promised_due, after.statutory_due) == (dt.date(2026, 11, 6), dt.date(2026, 11, 12))
    notice = CorrectionNotice.objects.get()
    assert notice.answered_at is not None and all(i.resolved for i in notice.items.all())


def test_a_resubmission_missing_a_listed_material_is_refused(running, clerk, approver_c):
    seal_case = case(running, "seal")
    chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                            material_id=_material(seal_case, "印章样式").pk, problem="印章样式不清晰")
    chain_notices.chain_issue_notice(chain_id=running.pk, actor=clerk)

    with pytest.raises(ValidationFailed, match="尚未补正：印章样式"):
        chain_notices.chain_resubmit(chain_id=running.pk, actor=clerk)
    assert Chain.objects.get(pk=running.pk).status == Chain.Status.CORRECTION
    assert ClockStop.objects.filter(ended_on__isnull=True).count() == 2


def test_a_resubmission_of_a_chain_not_in_correction_is_refused(running, clerk):
    with pytest.raises(InvalidTransition, match="待补正"):
        chain_notices.chain_resubmit(chain_id=running.pk, actor=clerk)


def test_steps_cannot_be_decided_while_the_chain_waits_for_correction(running, clerk, approver_c):
    seal_case = case(running, "seal")
    chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                            material_id=None, problem="经办人授权不明")
    chain_notices.chain_issue_notice(chain_id=running.pk, actor=clerk)
    transitions.application_start_review(application_id=seal_case.pk, actor=approver_c)
    transitions.application_submit_for_approval(application_id=seal_case.pk, actor=approver_c)

    with pytest.raises(InvalidTransition, match="补正期间"):
        chains.chain_step_decide(application_id=seal_case.pk, actor=approver_c, outcome="granted")


def test_a_notice_without_findings_is_refused(running, clerk):
    with pytest.raises(ValidationFailed, match="没有待告知"):
        chain_notices.chain_issue_notice(chain_id=running.pk, actor=clerk)
    assert not CorrectionNotice.objects.exists()


def test_a_second_notice_while_in_correction_is_refused(running, clerk, approver_c):
    chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                            material_id=None, problem="经办人授权不明")
    chain_notices.chain_issue_notice(chain_id=running.pk, actor=clerk)

    with pytest.raises(InvalidTransition):
        chain_notices.chain_issue_notice(chain_id=running.pk, actor=clerk)


def test_staff_of_another_centre_cannot_issue_the_notice(running, approver_c, centre_2):
    chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                            material_id=None, problem="经办人授权不明")

    with pytest.raises(PermissionDeniedError):
        chain_notices.chain_issue_notice(chain_id=running.pk, actor=StaffFactory(centre=centre_2, role=Role.CLERK))


def test_a_department_reports_findings_only_on_its_own_step(running, approver_b):
    with pytest.raises(PermissionDeniedError):
        chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_b,
                                                material_id=None, problem="印章样式不清晰")
    assert not ChainFinding.objects.exists()


def test_a_finding_on_a_completed_step_is_refused(running, approver_a):
    with pytest.raises(InvalidTransition, match="已办结"):
        chain_notices.chain_step_report_finding(step_id=step_of(running, "licence").pk, actor=approver_a,
                                                material_id=None, problem="章程缺页")


def test_a_finding_naming_a_material_of_another_matter_is_refused(running, approver_c):
    other = _material(case(running, "licence"), "申请表")

    with pytest.raises(ValidationFailed, match="材料不属于该事项"):
        chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                                material_id=other.pk, problem="缺页")


def test_the_same_material_is_reported_once_per_notice(running, approver_c):
    stamp = _material(case(running, "seal"), "印章样式")
    chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                            material_id=stamp.pk, problem="印章样式不清晰")

    with pytest.raises(Conflict):
        chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                                material_id=stamp.pk, problem="再次提醒")


@pytest.mark.parametrize("problem", ["", "  ", "问" * 301])
def test_a_finding_needs_a_problem(running, approver_c, problem):
    with pytest.raises(ValidationFailed, match="写明问题"):
        chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                                material_id=None, problem=problem)


def test_a_suspended_step_keeps_its_own_stop_when_the_chain_notice_is_issued(running, clerk, approver_b, approver_c):
    tax_case = case(running, "tax")
    transitions.application_start_review(application_id=tax_case.pk, actor=approver_b)
    transitions.application_suspend(application_id=tax_case.pk, actor=approver_b, kind="hearing", reason="听证")
    chain_notices.chain_step_report_finding(step_id=step_of(running, "seal").pk, actor=approver_c,
                                            material_id=None, problem="经办人授权不明")

    chain_notices.chain_issue_notice(chain_id=running.pk, actor=clerk)

    assert list(ClockStop.objects.filter(application=tax_case).values_list("kind", flat=True)) == ["hearing"]


# --- report ----------------------------------------------------------------------------------

def test_the_report_compares_elapsed_working_days_with_the_sum_of_statutory_limits(
    template, clerk, approver_a, approver_b, approver_c, clock
):
    chain = accept(template, clerk)
    clock.move_to(day(11, 3))
    finish(case(chain, "licence"), approver_a)
    clock.move_to(day(11, 4))
    finish(case(chain, "seal"), approver_c)
    finish(case(chain, "tax"), approver_b)

    report = chain_report(chain=Chain.objects.get(pk=chain.pk))

    assert report.elapsed_working_days == 2
    assert report.statutory_days_sum == 25 and report.statutory_critical_path == 20
    assert report.faster_percent == 92
    assert [row.elapsed_working_days for row in report.steps] == [1, 1, 1]


def test_the_report_of_a_running_chain_counts_to_today(template, clerk, clock):
    chain = accept(template, clerk)

    report = chain_report(chain=chain, today=dt.date(2026, 11, 9))

    assert report.completed_on is None and report.elapsed_working_days == 5
    assert [row.elapsed_working_days for row in report.steps] == [5, None, None]


def test_the_seeds_figure_50_to_22_days_is_56_percent_faster():
    from approvals.chain_selectors import ChainReport

    report = ChainReport(chain=None, accepted_on=None, completed_on=None, elapsed_working_days=22, promised_days=22,
                         statutory_days_sum=50, statutory_critical_path=40, steps=())

    assert report.faster_percent == 56


# --- concurrency -----------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_departments_completing_the_last_parallel_steps_at_once_start_the_successor_once(
    manager_1, centre_1, department_a, department_b, department_c, licence, seal, tax, food
):
    steps = [*business_steps(licence, seal, tax),
             {"key": "food", "matter_id": food.pk, "depends_on": ["tax", "seal"]}]
    diamond = create_template(manager_1, centre_1, department_a, steps, code="food-shop", promised_days=10)
    clerk = StaffFactory(centre=centre_1, role=Role.CLERK, department=department_a)
    approvers = {code: StaffFactory(centre=centre_1, role=Role.APPROVER, department=dept)
                 for code, dept in [("a", department_a), ("b", department_b), ("c", department_c)]}
    chain = accept(diamond, clerk)
    finish(case(chain, "licence"), approvers["a"])
    last = [(case(chain, "tax"), approvers["b"]), (case(chain, "seal"), approvers["c"])]
    for application, approver in last:
        transitions.application_start_review(application_id=application.pk, actor=approver)
        transitions.application_submit_for_approval(application_id=application.pk, actor=approver)
    start = threading.Barrier(2)

    def complete(pair):
        application, approver = pair
        start.wait()
        try:
            chains.chain_step_decide(application_id=application.pk, actor=approver, outcome="granted")
            return "granted"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(complete, last))

    assert outcomes == ["granted", "granted"]
    food_case = case(chain, "food")
    assert food_case.status == "accepted" and step_of(chain, "food").started
    assert ApplicationEvent.objects.filter(application=food_case, kind="accepted").count() == 1
    assert ChainStep.objects.filter(chain=chain, started=True).count() == 4


def test_a_chain_step_cannot_be_decided_or_withdrawn_alone(template, clerk, approver_a, citizen):
    chain = accept(template, clerk)
    licence_case = case(chain, "licence")
    transitions.application_start_review(application_id=licence_case.pk, actor=approver_a)
    transitions.application_submit_for_approval(application_id=licence_case.pk, actor=approver_a)
    Application.objects.filter(pk=licence_case.pk).update(applicant=citizen)

    with pytest.raises(InvalidTransition, match="并联审批"):
        transitions.application_decide(application_id=licence_case.pk, actor=approver_a, outcome="granted")
    with pytest.raises(InvalidTransition, match="并联审批"):
        transitions.application_withdraw(application_id=licence_case.pk, actor=citizen)


def test_case_decide_routes_a_chain_step_through_its_chain(template, clerk, approver_a):
    from approvals.services.cases import case_decide

    chain = accept(template, clerk)
    licence_case = case(chain, "licence")
    transitions.application_start_review(application_id=licence_case.pk, actor=approver_a)
    transitions.application_submit_for_approval(application_id=licence_case.pk, actor=approver_a)

    case_decide(application_id=licence_case.pk, actor=approver_a, outcome="granted")

    assert step_of(chain, "seal").started and case(chain, "seal").status == "accepted"
