"""Fixtures for the chain pages and API tests (import with `from .chain_fixtures import *`).

A fixed clock (Monday 2 November 2026, 10:00 Beijing time) and the business start-up chain (企业开办) of
centre 1, made through the template service: the business licence (市场监督管理局, three stages) first, then
seal engraving (公安局, one stage) and tax registration (税务局, one stage) in parallel. The licence and the
tax matter both need the applicant's ID card — one line of the merged materials list."""

import datetime as dt

import pytest
import time_machine

from approvals.chain_selectors import chain_materials
from approvals.models import Application, ChainStep
from approvals.services import chain_templates, chains, transitions
from hall.models import Role

from ..hall.factories import (
    DepartmentFactory,
    MaterialFactory,
    MatterFactory,
    MatterStageFactory,
    StaffFactory,
    make_credit_code,
)

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
COMPANY = {"applicant_kind": "enterprise", "applicant_name": "江海示范餐饮有限公司",
           "credit_code": make_credit_code(42), "contact_phone": "13800000009"}


def make_matter(department, name, *, statutory=5, promised=1, materials=(), stages=("受理", "审核", "审批")):
    matter = MatterFactory(centre=department.centre, department=department, name=name, statutory_days=statutory,
                           promised_days=promised)
    shares = {1: [100], 3: [20, 40, 40]}[len(stages)]
    for position, (stage, share) in enumerate(zip(stages, shares, strict=True), start=1):
        MatterStageFactory(matter=matter, position=position, name=stage, share_percent=share)
    for position, (material, required, deficiency) in enumerate(materials, start=1):
        MaterialFactory(matter=matter, position=position, name=material, required=required,
                        deficiency_allowed=deficiency)
    return matter


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


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
    return make_matter(department_c, "公章刻制备案", statutory=5, promised=1, stages=("受理并审批",),
                       materials=[("印章样式", True, False)])


@pytest.fixture
def tax(department_b):
    return make_matter(department_b, "新办纳税人套餐", statutory=5, promised=1, stages=("受理并审批",),
                       materials=[("申请人 身份证", True, False), ("银行开户信息", False, False)])


@pytest.fixture
def template(manager_1, centre_1, department_a, licence, seal, tax):
    steps = [
        {"key": "licence", "matter_id": licence.pk, "depends_on": []},
        {"key": "seal", "matter_id": seal.pk, "depends_on": ["licence"]},
        {"key": "tax", "matter_id": tax.pk, "depends_on": ["licence"]},
    ]
    return chain_templates.chain_template_create(
        actor=manager_1, centre_id=centre_1.pk, code="startup", name="企业开办", lead_department_id=department_a.pk,
        promised_days=3, steps=steps,
    )


def required_material_ids(template) -> list[int]:
    return [line.material_ids[0] for line in chain_materials(template) if line.required]


def material_id(template, name) -> int:
    return next(line.material_ids[0] for line in chain_materials(template) if line.name == name)


def accept(template, clerk, **overrides):
    fields = {**COMPANY, "provided_material_ids": required_material_ids(template), **overrides}
    return chains.chain_accept(actor=clerk, template_id=template.pk, **fields)


@pytest.fixture
def chain(template, clerk, clock):
    return accept(template, clerk)


def step_of(chain, key) -> ChainStep:
    return ChainStep.objects.select_related("application").get(chain=chain, template_step__key=key)


def case(chain, key) -> Application:
    return step_of(chain, key).application


def to_approval(application, approver):
    transitions.application_start_review(application_id=application.pk, actor=approver)
    transitions.application_submit_for_approval(application_id=application.pk, actor=approver)


def finish(application, approver, outcome="granted", comment=""):
    if application.matter.stages.count() > 1:
        to_approval(application, approver)
    return chains.chain_step_decide(application_id=application.pk, actor=approver, outcome=outcome, comment=comment)


@pytest.fixture
def running(chain, approver_a):
    """The licence granted: seal and tax running in parallel."""
    finish(case(chain, "licence"), approver_a)
    chain.refresh_from_db()
    return chain


@pytest.fixture
def stopped(running, approver_b):
    """Tax refused: the chain waits for the lead department (市场监督管理局)."""
    finish(case(running, "tax"), approver_b, outcome="refused", comment="经营范围不符")
    running.refresh_from_db()
    return running
