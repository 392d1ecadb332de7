"""Catalogue admin screens: scoped to the manager's centre, saved through the services, refusals as form errors."""
import re

import pytest
from django.urls import reverse

from hall.models import Material, Matter, MatterStage, Window

from .factories import DepartmentFactory, MatterFactory, MatterStageFactory, WindowFactory

pytestmark = pytest.mark.django_db


def _matter_post(matter=None, *, department, materials=(), stages=(), **fields):
    data = {
        "centre": department.centre_id, "department": department.pk, "code": "SC-300", "name": "食品经营许可",
        "kind": Matter.Kind.LICENCE, "statutory_days": 20, "promised_days": 5, "fee": "0", "fee_basis": "",
        "conditions": "", "legal_basis": "",
    }
    data.update(fields)
    existing_materials = list(matter.materials.all()) if matter else []
    existing_stages = list(matter.stages.all()) if matter else []
    for prefix, rows, existing in (("materials", materials, existing_materials),
                                   ("stages", stages, existing_stages)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(existing))
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for index, row in enumerate(rows):
            for key, value in row.items():
                if value is True:
                    value = "on"
                if value is not False:
                    data[f"{prefix}-{index}-{key}"] = value
            if index < len(existing):
                data[f"{prefix}-{index}-id"] = str(existing[index].pk)
            if matter is not None:
                data[f"{prefix}-{index}-matter"] = str(matter.pk)
    return data


def _errors(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# ---------------------------------------------------------------- access

def test_manager_sees_only_their_centres_matters(client, manager_1, department_a, centre_2):
    MatterFactory(centre=department_a.centre, department=department_a, name="本中心事项")
    MatterFactory(centre=centre_2, department=DepartmentFactory(centre=centre_2), name="别的中心事项")
    client.force_login(manager_1)
    html = client.get(reverse("admin:hall_matter_changelist")).content.decode()
    assert "本中心事项" in html and "别的中心事项" not in html


def test_manager_cannot_open_another_centres_matter(client, manager_2, department_a):
    matter = MatterFactory(centre=department_a.centre, department=department_a)
    client.force_login(manager_2)
    response = client.get(reverse("admin:hall_matter_change", args=[matter.pk]))
    assert response.status_code == 302  # the admin's "does not exist" redirect


def test_department_choices_are_limited_to_the_managers_centre(client, manager_1, department_a, centre_2):
    DepartmentFactory(centre=centre_2, name="别的中心的部门")
    client.force_login(manager_1)
    html = client.get(reverse("admin:hall_window_add")).content.decode()
    assert "市场监督管理局" in html and "别的中心的部门" not in html


def test_supervisor_views_but_cannot_change(client, supervisor, department_a):
    matter = MatterFactory(centre=department_a.centre, department=department_a, name="只读事项")
    client.force_login(supervisor)
    assert client.get(reverse("admin:hall_matter_changelist")).status_code == 200
    page = client.get(reverse("admin:hall_matter_change", args=[matter.pk])).content.decode()
    assert 'name="_save"' not in page
    response = client.post(reverse("admin:hall_matter_change", args=[matter.pk]),
                           _matter_post(matter, department=department_a, name="改名"))
    assert response.status_code == 403
    assert client.get(reverse("admin:hall_matter_history", args=[matter.pk])).status_code == 200
    matter.refresh_from_db()
    assert matter.name == "只读事项"


def test_supervisor_gets_no_publish_action(client, supervisor, department_a):
    client.force_login(supervisor)
    html = client.get(reverse("admin:hall_matter_changelist")).content.decode()
    assert 'value="publish"' not in html


def test_clerk_has_no_catalogue_admin(client, clerk):
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    assert client.get(reverse("admin:hall_matter_changelist")).status_code == 403


def test_nobody_deletes_a_matter(client, manager_1, department_a):
    matter = MatterFactory(centre=department_a.centre, department=department_a)
    client.force_login(manager_1)
    assert client.post(reverse("admin:hall_matter_delete", args=[matter.pk]), {"post": "yes"}).status_code == 403
    assert Matter.objects.filter(pk=matter.pk).exists()


# ---------------------------------------------------------------- saving through the services

def test_manager_adds_a_matter_with_materials_and_stages(client, manager_1, department_a):
    client.force_login(manager_1)
    data = _matter_post(
        department=department_a,
        materials=[{"position": "1", "name": "申请书", "form": "original", "copies": "1", "required": True},
                   {"position": "2", "name": "营业执照", "form": "copy", "copies": "2", "required": True,
                    "deficiency_allowed": True}],
        stages=[{"position": "1", "name": "受理", "share_percent": "40"},
                {"position": "2", "name": "审批", "share_percent": "60"}],
    )
    response = client.post(reverse("admin:hall_matter_add"), data)
    assert response.status_code == 302, _errors(response)
    matter = Matter.objects.get(code="SC-300")
    assert matter.status == Matter.Status.DRAFT
    assert list(matter.materials.values_list("name", "deficiency_allowed")) == [("申请书", False), ("营业执照", True)]
    assert list(matter.stages.values_list("name", "share_percent")) == [("受理", 40), ("审批", 60)]
    assert matter.history.first().history_user == manager_1


def test_admin_shows_the_promise_rule_as_a_form_error(client, manager_1, department_a):
    client.force_login(manager_1)
    response = client.post(reverse("admin:hall_matter_add"),
                           _matter_post(department=department_a, statutory_days=5, promised_days=10))
    assert response.status_code == 200
    assert "承诺时限不能超过法定时限。" in _errors(response)
    assert not Matter.objects.exists()


def test_admin_shows_stage_shares_not_summing_to_100(client, manager_1, department_a):
    client.force_login(manager_1)
    response = client.post(reverse("admin:hall_matter_add"), _matter_post(
        department=department_a, stages=[{"position": "1", "name": "受理", "share_percent": "90"}]))
    assert response.status_code == 200
    assert "各环节时限占比之和应为100%，现为90%。" in _errors(response)
    assert not Matter.objects.exists() and not MatterStage.objects.exists()


def test_admin_shows_deficiency_on_an_optional_material(client, manager_1, department_a):
    client.force_login(manager_1)
    response = client.post(reverse("admin:hall_matter_add"), _matter_post(
        department=department_a,
        materials=[{"position": "1", "name": "委托书", "form": "original", "copies": "1", "required": False,
                    "deficiency_allowed": True}]))
    assert "“委托书”不是必需材料，不能设为可容缺。" in _errors(response)
    assert not Material.objects.exists()


def test_admin_shows_a_duplicate_window_number(client, manager_1, department_a):
    WindowFactory(centre=department_a.centre, department=department_a, number="5")
    client.force_login(manager_1)
    response = client.post(reverse("admin:hall_window_add"), {
        "centre": department_a.centre_id, "number": "5", "name": "另一个窗口", "kind": Window.Kind.DEDICATED,
        "department": department_a.pk, "location": "", "is_active": "on",
    })
    html = _errors(response)
    assert response.status_code == 200
    assert "该中心已有5号窗口。" in html
    assert html.count("已存在") == 0
    assert Window.objects.count() == 1


def test_admin_edit_cannot_set_the_status(client, manager_1, department_a):
    matter = MatterFactory(centre=department_a.centre, department=department_a, code="SC-300", draft=True)
    client.force_login(manager_1)
    data = _matter_post(matter, department=department_a, name="新名称", status=Matter.Status.PUBLISHED)
    data.pop("centre")
    response = client.post(reverse("admin:hall_matter_change", args=[matter.pk]), data)
    assert response.status_code == 302, _errors(response)
    matter.refresh_from_db()
    assert (matter.name, matter.status) == ("新名称", Matter.Status.DRAFT)
    assert matter.history.first().history_user == manager_1


def test_a_service_refusal_at_save_time_reappears_on_the_form(client, manager_1, department_a, monkeypatch):
    from common.errors import Conflict
    from hall.services import catalogue

    def refuse(**kwargs):
        raise Conflict("数据已被他人修改，请刷新后重试。")

    monkeypatch.setattr(catalogue, "matter_create", refuse)
    client.force_login(manager_1)
    response = client.post(reverse("admin:hall_matter_add"), _matter_post(department=department_a))
    assert response.status_code == 200
    assert "数据已被他人修改，请刷新后重试。" in _errors(response)
    assert not Matter.objects.exists()


# ---------------------------------------------------------------- actions

def test_publish_action_publishes_through_the_service(client, manager_1, department_a):
    ready = MatterFactory(centre=department_a.centre, department=department_a, draft=True, name="可发布")
    MatterStageFactory(matter=ready, position=1)
    bare = MatterFactory(centre=department_a.centre, department=department_a, draft=True, name="无环节")
    client.force_login(manager_1)
    response = client.post(reverse("admin:hall_matter_changelist"),
                           {"action": "publish", "_selected_action": [ready.pk, bare.pk]}, follow=True)
    html = _errors(response)
    ready.refresh_from_db()
    bare.refresh_from_db()
    assert ready.status == Matter.Status.PUBLISHED and ready.history.first().history_user == manager_1
    assert bare.status == Matter.Status.DRAFT
    assert "已发布 1 项事项。" in html and "无环节：事项至少需要一个办理环节才能发布。" in html


def test_withdraw_action_refuses_a_draft(client, manager_1, department_a):
    draft = MatterFactory(centre=department_a.centre, department=department_a, draft=True, name="草稿")
    client.force_login(manager_1)
    response = client.post(reverse("admin:hall_matter_changelist"),
                           {"action": "withdraw", "_selected_action": [draft.pk]}, follow=True)
    assert "事项当前为“草稿”，不能下架。" in _errors(response)
    draft.refresh_from_db()
    assert draft.status == Matter.Status.DRAFT


def test_admin_screens_are_in_chinese(client, manager_1, department_a):
    client.force_login(manager_1)
    html = client.get(reverse("admin:hall_matter_add")).content.decode()
    for label in ["实施部门", "承诺时限（工作日）", "申请材料", "办理环节", "时限与收费"]:
        assert label in html


def test_admin_edits_and_removes_materials_keeping_their_identity(client, manager_1, department_a):
    matter = MatterFactory(centre=department_a.centre, department=department_a, code="SC-300", draft=True)
    first = Material.objects.create(matter=matter, position=1, name="申请书")
    Material.objects.create(matter=matter, position=2, name="旧表格")
    client.force_login(manager_1)
    data = _matter_post(
        matter, department=department_a,
        materials=[{"position": "1", "name": "申请书（新版）", "form": "original", "copies": "1", "required": True},
                   {"position": "2", "name": "旧表格", "form": "original", "copies": "1", "required": True,
                    "DELETE": True}],
    )
    data.pop("centre")
    response = client.post(reverse("admin:hall_matter_change", args=[matter.pk]), data)
    assert response.status_code == 302, _errors(response)
    assert list(matter.materials.values_list("pk", "name")) == [(first.pk, "申请书（新版）")]
