"""Catalogue services: every write by a manager of the centre, every refusal in Chinese with nothing saved."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.errors import InvalidTransition, NotFound, PermissionDeniedError, ValidationFailed
from hall.models import Centre, Department, Material, Matter, MatterStage, Window
from hall.services import catalogue as services
from hall.services.catalogue import MaterialSpec, StageSpec

from .factories import (
    DepartmentFactory,
    MaterialFactory,
    MatterFactory,
    MatterStageFactory,
    WindowFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_department(centre_2):
    return DepartmentFactory(centre=centre_2, code="amr2", name="分中心市场监管")


@pytest.fixture
def draft_matter(centre_1, department_a):
    return MatterFactory(centre=centre_1, department=department_a, code="SC-100", name="有限责任公司设立登记",
                         draft=True)


def _matter_kwargs(centre, department, **overrides):
    kwargs = dict(centre=centre, department=department, code="SC-200", name="食品经营许可", kind=Matter.Kind.LICENCE,
                  statutory_days=20, promised_days=5, fee=Decimal("0"))
    kwargs.update(overrides)
    return kwargs


# ---------------------------------------------------------------- centres

def test_centre_update_changes_address_and_hours_with_history(manager_1, centre_1):
    services.centre_update(actor=manager_1, centre_id=centre_1.pk,
                           data={"address": "世纪大道6号", "closes_at": dt.time(17, 30)})
    centre_1.refresh_from_db()
    assert centre_1.address == "世纪大道6号"
    assert centre_1.closes_at == dt.time(17, 30)
    assert centre_1.history.first().history_user == manager_1


def test_centre_update_refuses_opening_after_closing(manager_1, centre_1):
    with pytest.raises(ValidationFailed, match="开始办理时间必须早于结束办理时间"):
        services.centre_update(actor=manager_1, centre_id=centre_1.pk, data={"opens_at": dt.time(18, 0)})
    centre_1.refresh_from_db()
    assert centre_1.opens_at == dt.time(9, 0)


def test_centre_update_refuses_the_manager_of_another_centre(manager_2, centre_1):
    with pytest.raises(PermissionDeniedError):
        services.centre_update(actor=manager_2, centre_id=centre_1.pk, data={"address": "别处"})
    centre_1.refresh_from_db()
    assert centre_1.address == ""


def test_centre_update_refuses_the_code(manager_1, centre_1):
    with pytest.raises(ValidationFailed, match="不能修改字段"):
        services.centre_update(actor=manager_1, centre_id=centre_1.pk, data={"code": "elsewhere"})


def test_centre_create_is_for_superusers_only(manager_1):
    with pytest.raises(PermissionDeniedError):
        services.centre_create(actor=manager_1, code="town", name="某镇便民服务中心", kind=Centre.Kind.TOWNSHIP)
    assert not Centre.objects.filter(code="town").exists()


def test_centre_create_by_a_superuser(centre_1, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="Hall-pass-2026")
    centre = services.centre_create(actor=root, code="town", name="某镇便民服务中心", kind=Centre.Kind.TOWNSHIP,
                                    parent=centre_1, address="镇政府一楼")
    assert centre.parent == centre_1
    assert centre.address == "镇政府一楼"


# ---------------------------------------------------------------- departments

def test_department_create_records_who_created_it(manager_1, centre_1):
    department = services.department_create(actor=manager_1, centre=centre_1, code="civil", name="民政局")
    assert department.centre == centre_1
    assert department.history.first().history_user == manager_1


def test_department_create_refuses_a_code_used_in_the_centre(manager_1, centre_1, department_a):
    with pytest.raises(ValidationFailed, match="该中心已有编码为“amr”的部门"):
        services.department_create(actor=manager_1, centre=centre_1, code="amr", name="另一个局")
    assert Department.objects.filter(centre=centre_1).count() == 1


def test_department_create_refuses_a_name_used_in_the_centre(manager_1, centre_1, department_a):
    with pytest.raises(ValidationFailed, match="该中心已有名为“市场监督管理局”的部门"):
        services.department_create(actor=manager_1, centre=centre_1, code="amr-2", name="市场监督管理局")


def test_department_create_allows_the_same_code_in_another_centre(manager_2, centre_2, department_a):
    department = services.department_create(actor=manager_2, centre=centre_2, code="amr", name="市场监督管理局")
    assert department.centre == centre_2


@pytest.mark.parametrize("persona", ["manager_2", "supervisor", "clerk", "citizen"])
def test_department_create_refuses_anyone_but_the_centres_manager(request, persona, centre_1):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDeniedError):
        services.department_create(actor=actor, centre=centre_1, code="civil", name="民政局")
    assert not Department.objects.filter(code="civil").exists()


def test_department_update_renames(manager_1, department_a):
    services.department_update(actor=manager_1, department_id=department_a.pk, data={"short_name": "市监"})
    department_a.refresh_from_db()
    assert department_a.short_name == "市监"


def test_department_update_refuses_a_duplicate_code(manager_1, department_a, department_b):
    with pytest.raises(ValidationFailed, match="该中心已有编码为“amr”的部门"):
        services.department_update(actor=manager_1, department_id=department_b.pk, data={"code": "amr"})
    department_b.refresh_from_db()
    assert department_b.code == "tax"


def test_department_update_refuses_the_manager_of_another_centre(manager_2, department_a):
    with pytest.raises(PermissionDeniedError):
        services.department_update(actor=manager_2, department_id=department_a.pk, data={"name": "改名"})


def test_department_update_of_an_unknown_department_is_not_found(manager_1):
    with pytest.raises(NotFound, match="部门不存在"):
        services.department_update(actor=manager_1, department_id=999999, data={"name": "x"})


# ---------------------------------------------------------------- windows

def test_window_create_dedicated_window_of_a_department(manager_1, centre_1, department_a):
    window = services.window_create(actor=manager_1, centre=centre_1, number="5", name="市场监管专窗",
                                    department=department_a, location="一楼B区")
    assert window.kind == Window.Kind.DEDICATED
    assert window.history.first().history_user == manager_1


def test_window_create_refuses_a_number_used_in_the_centre(manager_1, centre_1, department_a):
    WindowFactory(centre=centre_1, department=department_a, number="5")
    with pytest.raises(ValidationFailed, match="该中心已有5号窗口。") as caught:
        services.window_create(actor=manager_1, centre=centre_1, number="5", name="另一个窗口",
                               department=department_a)
    assert caught.value.field == "number"
    assert Window.objects.filter(centre=centre_1).count() == 1


def test_window_create_allows_the_same_number_in_another_centre(manager_2, centre_2, other_department, department_a):
    WindowFactory(centre=department_a.centre, department=department_a, number="5")
    window = services.window_create(actor=manager_2, centre=centre_2, number="5", name="分中心5号",
                                    department=other_department)
    assert window.centre == centre_2


def test_window_create_refuses_a_dedicated_window_without_department(manager_1, centre_1):
    with pytest.raises(ValidationFailed, match="专窗必须属于本中心的一个部门"):
        services.window_create(actor=manager_1, centre=centre_1, number="7", name="专窗")
    assert not Window.objects.exists()


def test_window_create_refuses_a_department_of_another_centre(manager_1, centre_1, other_department):
    with pytest.raises(ValidationFailed, match="窗口所属部门必须是本中心的部门"):
        services.window_create(actor=manager_1, centre=centre_1, number="7", name="专窗",
                               department=other_department)
    assert not Window.objects.exists()


def test_window_create_integrated_window_needs_no_department(manager_1, centre_1):
    window = services.window_create(actor=manager_1, centre=centre_1, number="1", name="综合受理一号窗",
                                    kind=Window.Kind.INTEGRATED)
    assert window.department is None


def test_window_create_refuses_an_unknown_kind(manager_1, centre_1):
    with pytest.raises(ValidationFailed, match="类型"):
        services.window_create(actor=manager_1, centre=centre_1, number="1", name="窗口", kind="vip")
    assert not Window.objects.exists()


def test_window_create_refuses_the_manager_of_another_centre(manager_2, centre_1):
    with pytest.raises(PermissionDeniedError):
        services.window_create(actor=manager_2, centre=centre_1, number="1", name="窗口",
                               kind=Window.Kind.INTEGRATED)


def test_window_update_refuses_a_number_used_in_the_centre(manager_1, centre_1, department_a):
    WindowFactory(centre=centre_1, department=department_a, number="5")
    window = WindowFactory(centre=centre_1, department=department_a, number="6")
    with pytest.raises(ValidationFailed, match="该中心已有5号窗口。"):
        services.window_update(actor=manager_1, window_id=window.pk, data={"number": "5"})
    window.refresh_from_db()
    assert window.number == "6"


def test_window_update_refuses_turning_an_integrated_window_dedicated_without_department(manager_1, centre_1):
    window = WindowFactory(centre=centre_1, integrated=True, number="1")
    with pytest.raises(ValidationFailed, match="专窗必须属于本中心的一个部门"):
        services.window_update(actor=manager_1, window_id=window.pk, data={"kind": Window.Kind.DEDICATED})
    window.refresh_from_db()
    assert window.kind == Window.Kind.INTEGRATED


def test_window_update_closes_a_window(manager_1, centre_1):
    window = WindowFactory(centre=centre_1, integrated=True, number="1")
    services.window_update(actor=manager_1, window_id=window.pk, data={"is_active": False})
    window.refresh_from_db()
    assert window.is_active is False
    assert window.history.first().history_change_reason == "修改窗口"


# ---------------------------------------------------------------- matters

def test_matter_create_starts_as_a_draft(manager_1, centre_1, department_a):
    matter = services.matter_create(actor=manager_1, **_matter_kwargs(centre_1, department_a))
    assert matter.status == Matter.Status.DRAFT
    assert matter.history.first().history_user == manager_1


def test_matter_create_refuses_a_promise_beyond_the_statutory_limit(manager_1, centre_1, department_a):
    with pytest.raises(ValidationFailed, match="承诺时限不能超过法定时限") as caught:
        services.matter_create(actor=manager_1, **_matter_kwargs(centre_1, department_a, statutory_days=5,
                                                                 promised_days=6))
    assert caught.value.field == "promised_days"
    assert not Matter.objects.exists()


def test_matter_create_allows_an_instant_matter(manager_1, centre_1, department_a):
    matter = services.matter_create(actor=manager_1, **_matter_kwargs(centre_1, department_a, statutory_days=0,
                                                                      promised_days=0))
    assert matter.is_instant


def test_matter_create_refuses_a_department_of_another_centre(manager_1, centre_1, other_department):
    with pytest.raises(ValidationFailed, match="实施部门必须是本中心的部门"):
        services.matter_create(actor=manager_1, **_matter_kwargs(centre_1, other_department))
    assert not Matter.objects.exists()


def test_matter_create_refuses_a_negative_fee(manager_1, centre_1, department_a):
    with pytest.raises(ValidationFailed, match="收费金额不能为负数"):
        services.matter_create(actor=manager_1, **_matter_kwargs(centre_1, department_a, fee=Decimal("-1")))
    assert not Matter.objects.exists()


def test_matter_create_refuses_a_code_used_in_the_centre(manager_1, draft_matter, centre_1, department_a):
    with pytest.raises(ValidationFailed, match="该中心已有编码为“SC-100”的事项"):
        services.matter_create(actor=manager_1, **_matter_kwargs(centre_1, department_a, code="SC-100"))
    assert Matter.objects.count() == 1


def test_matter_create_refuses_an_unknown_kind(manager_1, centre_1, department_a):
    with pytest.raises(ValidationFailed, match="事项类型"):
        services.matter_create(actor=manager_1, **_matter_kwargs(centre_1, department_a, kind="secret"))
    assert not Matter.objects.exists()


def test_matter_create_refuses_a_limit_over_a_year(manager_1, centre_1, department_a):
    with pytest.raises(ValidationFailed, match="法定时限"):
        services.matter_create(actor=manager_1, **_matter_kwargs(centre_1, department_a, statutory_days=400))


@pytest.mark.parametrize("persona", ["manager_2", "supervisor", "clerk"])
def test_matter_create_refuses_anyone_but_the_centres_manager(request, persona, centre_1, department_a):
    with pytest.raises(PermissionDeniedError):
        services.matter_create(actor=request.getfixturevalue(persona), **_matter_kwargs(centre_1, department_a))
    assert not Matter.objects.exists()


def test_matter_update_changes_the_promise_with_history(manager_1, draft_matter):
    services.matter_update(actor=manager_1, matter_id=draft_matter.pk, data={"promised_days": 3})
    draft_matter.refresh_from_db()
    assert draft_matter.promised_days == 3
    record = draft_matter.history.first()
    assert (record.history_user, record.history_change_reason) == (manager_1, "修改事项")


def test_matter_update_refuses_a_promise_beyond_the_statutory_limit(manager_1, draft_matter):
    with pytest.raises(ValidationFailed, match="承诺时限不能超过法定时限"):
        services.matter_update(actor=manager_1, matter_id=draft_matter.pk, data={"statutory_days": 2})
    draft_matter.refresh_from_db()
    assert draft_matter.statutory_days == 20


def test_matter_update_refuses_setting_the_status(manager_1, draft_matter):
    with pytest.raises(ValidationFailed, match="不能修改字段：status"):
        services.matter_update(actor=manager_1, matter_id=draft_matter.pk, data={"status": Matter.Status.PUBLISHED})
    draft_matter.refresh_from_db()
    assert draft_matter.status == Matter.Status.DRAFT


def test_matter_update_refuses_the_manager_of_another_centre(manager_2, draft_matter):
    with pytest.raises(PermissionDeniedError):
        services.matter_update(actor=manager_2, matter_id=draft_matter.pk, data={"name": "改名"})


def test_matter_update_refuses_a_department_of_another_centre(manager_1, draft_matter, other_department):
    with pytest.raises(ValidationFailed, match="实施部门必须是本中心的部门"):
        services.matter_update(actor=manager_1, matter_id=draft_matter.pk, data={"department": other_department})


# ---------------------------------------------------------------- materials

def test_matter_set_materials_writes_the_list_in_order(manager_1, draft_matter):
    services.matter_set_materials(actor=manager_1, matter_id=draft_matter.pk, materials=[
        MaterialSpec(name="申请书"),
        MaterialSpec(name="营业执照", form=Material.Form.COPY, copies=2, deficiency_allowed=True, notes="加盖公章"),
    ])
    rows = list(draft_matter.materials.values_list("position", "name", "form", "copies", "deficiency_allowed"))
    assert rows == [(1, "申请书", "original", 1, False), (2, "营业执照", "copy", 2, True)]


def test_matter_set_materials_keeps_the_identity_of_updated_materials(manager_1, draft_matter):
    kept = MaterialFactory(matter=draft_matter, name="申请书")
    dropped = MaterialFactory(matter=draft_matter, name="旧表格")
    services.matter_set_materials(actor=manager_1, matter_id=draft_matter.pk, materials=[
        MaterialSpec(name="新材料"), MaterialSpec(id=kept.pk, name="申请书（新版）"),
    ])
    kept.refresh_from_db()
    assert (kept.position, kept.name) == (2, "申请书（新版）")
    assert not Material.objects.filter(pk=dropped.pk).exists()
    assert kept.history.first().history_user == manager_1


def test_matter_set_materials_refuses_deficiency_on_an_optional_material(manager_1, draft_matter):
    MaterialFactory(matter=draft_matter, name="申请书")
    with pytest.raises(ValidationFailed, match="“委托书”不是必需材料，不能设为可容缺"):
        services.matter_set_materials(actor=manager_1, matter_id=draft_matter.pk, materials=[
            MaterialSpec(name="委托书", required=False, deficiency_allowed=True),
        ])
    assert list(draft_matter.materials.values_list("name", flat=True)) == ["申请书"]


def test_matter_set_materials_refuses_a_material_of_another_matter(manager_1, draft_matter, centre_1, department_a):
    foreign = MaterialFactory(matter=MatterFactory(centre=centre_1, department=department_a))
    with pytest.raises(ValidationFailed, match="材料不属于该事项"):
        services.matter_set_materials(actor=manager_1, matter_id=draft_matter.pk,
                                      materials=[MaterialSpec(id=foreign.pk, name="偷梁换柱")])
    foreign.refresh_from_db()
    assert foreign.matter_id != draft_matter.pk


@pytest.mark.parametrize("spec, message", [
    (MaterialSpec(name="  "), "材料名称不能为空"),
    (MaterialSpec(name="申请书", copies=0), "份数应在1到99之间"),
    (MaterialSpec(name="申请书", form="fax"), "材料形式不正确"),
])
def test_matter_set_materials_refuses_a_malformed_material(manager_1, draft_matter, spec, message):
    with pytest.raises(ValidationFailed, match=message):
        services.matter_set_materials(actor=manager_1, matter_id=draft_matter.pk, materials=[spec])
    assert not draft_matter.materials.exists()


def test_matter_set_materials_refuses_the_manager_of_another_centre(manager_2, draft_matter):
    with pytest.raises(PermissionDeniedError):
        services.matter_set_materials(actor=manager_2, matter_id=draft_matter.pk, materials=[MaterialSpec("申请书")])
    assert not draft_matter.materials.exists()


# ---------------------------------------------------------------- stages

def test_matter_set_stages_writes_shares_summing_to_100(manager_1, draft_matter):
    services.matter_set_stages(actor=manager_1, matter_id=draft_matter.pk, stages=[
        StageSpec("受理", 20), StageSpec("审核", 50), StageSpec("办结", 30),
    ])
    assert list(draft_matter.stages.values_list("position", "name", "share_percent")) == [
        (1, "受理", 20), (2, "审核", 50), (3, "办结", 30),
    ]


def test_matter_set_stages_refuses_shares_not_summing_to_100(manager_1, draft_matter):
    MatterStageFactory(matter=draft_matter, position=1, name="受理", share_percent=100)
    with pytest.raises(ValidationFailed, match="各环节时限占比之和应为100%，现为90%"):
        services.matter_set_stages(actor=manager_1, matter_id=draft_matter.pk,
                                   stages=[StageSpec("受理", 40), StageSpec("审核", 50)])
    assert list(draft_matter.stages.values_list("name", "share_percent")) == [("受理", 100)]


def test_matter_set_stages_shortens_the_template(manager_1, draft_matter):
    for position, name in enumerate(["受理", "审核", "审批"], start=1):
        MatterStageFactory(matter=draft_matter, position=position, name=name, share_percent=[30, 30, 40][position - 1])
    services.matter_set_stages(actor=manager_1, matter_id=draft_matter.pk, stages=[StageSpec("受理", 100)])
    assert list(draft_matter.stages.values_list("name", "share_percent")) == [("受理", 100)]


def test_matter_set_stages_refuses_emptying_a_published_matter(manager_1, centre_1, department_a):
    matter = MatterFactory(centre=centre_1, department=department_a)
    MatterStageFactory(matter=matter, position=1)
    with pytest.raises(ValidationFailed, match="已发布的事项至少需要一个办理环节"):
        services.matter_set_stages(actor=manager_1, matter_id=matter.pk, stages=[])
    assert matter.stages.count() == 1


def test_matter_set_stages_refuses_the_manager_of_another_centre(manager_2, draft_matter):
    with pytest.raises(PermissionDeniedError):
        services.matter_set_stages(actor=manager_2, matter_id=draft_matter.pk, stages=[StageSpec("受理", 100)])
    assert not draft_matter.stages.exists()


# ---------------------------------------------------------------- publish / withdraw

def _with_stage(matter):
    MatterStageFactory(matter=matter, position=1, name="受理", share_percent=100)
    return matter


@pytest.mark.parametrize("status", [Matter.Status.DRAFT, Matter.Status.WITHDRAWN])
def test_matter_publish_from_draft_or_withdrawn(manager_1, draft_matter, status):
    Matter.objects.filter(pk=draft_matter.pk).update(status=status)
    matter = services.matter_publish(actor=manager_1, matter_id=_with_stage(draft_matter).pk)
    matter.refresh_from_db()
    assert matter.status == Matter.Status.PUBLISHED
    assert matter.published_at is not None
    record = matter.history.first()
    assert (record.history_user, record.history_change_reason, record.status) == (manager_1, "发布事项", "published")


def test_matter_publish_refuses_a_published_matter(manager_1, centre_1, department_a):
    matter = _with_stage(MatterFactory(centre=centre_1, department=department_a, published_at=None))
    with pytest.raises(InvalidTransition, match="事项当前为“已发布”，不能发布"):
        services.matter_publish(actor=manager_1, matter_id=matter.pk)
    matter.refresh_from_db()
    assert matter.published_at is None


def test_matter_publish_refuses_a_matter_without_stages(manager_1, draft_matter):
    with pytest.raises(ValidationFailed, match="事项至少需要一个办理环节才能发布"):
        services.matter_publish(actor=manager_1, matter_id=draft_matter.pk)
    draft_matter.refresh_from_db()
    assert draft_matter.status == Matter.Status.DRAFT


@pytest.mark.parametrize("persona", ["manager_2", "supervisor", "approver_a"])
def test_matter_publish_refuses_anyone_but_the_centres_manager(request, persona, draft_matter):
    with pytest.raises(PermissionDeniedError):
        services.matter_publish(actor=request.getfixturevalue(persona), matter_id=_with_stage(draft_matter).pk)
    draft_matter.refresh_from_db()
    assert draft_matter.status == Matter.Status.DRAFT


def test_matter_publish_locks_the_matter_row(manager_1, draft_matter):
    _with_stage(draft_matter)
    with CaptureQueriesContext(connection) as queries:
        services.matter_publish(actor=manager_1, matter_id=draft_matter.pk)
    first_matter_query = next(q["sql"] for q in queries.captured_queries if '"hall_matter"' in q["sql"])
    assert "FOR UPDATE" in first_matter_query


def test_matter_withdraw_from_published(manager_1, centre_1, department_a):
    matter = MatterFactory(centre=centre_1, department=department_a)
    services.matter_withdraw(actor=manager_1, matter_id=matter.pk, reason="职能调整")
    matter.refresh_from_db()
    assert matter.status == Matter.Status.WITHDRAWN
    record = matter.history.first()
    assert (record.history_user, record.history_change_reason) == (manager_1, "职能调整")


@pytest.mark.parametrize("status, label", [(Matter.Status.DRAFT, "草稿"), (Matter.Status.WITHDRAWN, "已下架")])
def test_matter_withdraw_refuses_a_matter_that_is_not_published(manager_1, draft_matter, status, label):
    Matter.objects.filter(pk=draft_matter.pk).update(status=status)
    with pytest.raises(InvalidTransition, match=f"事项当前为“{label}”，不能下架"):
        services.matter_withdraw(actor=manager_1, matter_id=draft_matter.pk)
    draft_matter.refresh_from_db()
    assert draft_matter.status == status


def test_matter_withdraw_refuses_the_manager_of_another_centre(manager_2, centre_1, department_a):
    matter = MatterFactory(centre=centre_1, department=department_a)
    with pytest.raises(PermissionDeniedError):
        services.matter_withdraw(actor=manager_2, matter_id=matter.pk)
    matter.refresh_from_db()
    assert matter.status == Matter.Status.PUBLISHED


def test_matter_withdraw_locks_the_matter_row(manager_1, centre_1, department_a):
    matter = MatterFactory(centre=centre_1, department=department_a)
    with CaptureQueriesContext(connection) as queries:
        services.matter_withdraw(actor=manager_1, matter_id=matter.pk)
    first_matter_query = next(q["sql"] for q in queries.captured_queries if '"hall_matter"' in q["sql"])
    assert "FOR UPDATE" in first_matter_query


def test_matter_transition_of_an_unknown_matter_is_not_found(manager_1):
    with pytest.raises(NotFound, match="事项不存在"):
        services.matter_publish(actor=manager_1, matter_id=999999)


def test_matter_stage_shares_are_unaffected_by_a_refused_publish(manager_1, draft_matter):
    MatterStageFactory(matter=draft_matter, position=1, share_percent=60)
    with pytest.raises(ValidationFailed, match="各环节时限占比之和应为100%才能发布"):
        services.matter_publish(actor=manager_1, matter_id=draft_matter.pk)
    assert MatterStage.objects.get(matter=draft_matter).share_percent == 60
    draft_matter.refresh_from_db()
    assert draft_matter.status == Matter.Status.DRAFT

