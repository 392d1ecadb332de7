"""Parallel approval chain templates (并联审批模板): a graph of steps over the centre's published matters,
a lead department (主办部门) and a promised total. Only a manager of the centre sets them up."""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import PermissionDeniedError, ValidationFailed
from hall.models import Department, Matter
from hall.permissions import is_manager_of

from .. import chain_graph
from ..models import ChainTemplate, ChainTemplateStep

TEMPLATE_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
STEP_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_STEPS = 20


def _clean_days(value) -> int:
    try:
        days = int(value) if not isinstance(value, bool | float) else None
    except (TypeError, ValueError):
        days = None
    if days is None or not 1 <= days <= 365:
        raise ValidationFailed(_("承诺总时限应为1至365个工作日。"), field="promised_days")
    return days


def _clean_steps(steps) -> list[tuple[str, int, list[str]]]:
    if not isinstance(steps, list | tuple) or len(steps) < 2:
        raise ValidationFailed(_("并联审批至少需要两个步骤。"), field="steps")
    if len(steps) > MAX_STEPS:
        raise ValidationFailed(_("并联审批最多%(max)d个步骤。") % {"max": MAX_STEPS}, field="steps")
    cleaned = []
    for spec in steps:
        key = str(spec.get("key") or "").strip()
        if not STEP_KEY_RE.match(key):
            raise ValidationFailed(
                _("步骤标识“%(key)s”只能使用小写字母、数字、下划线和连字符（40位以内）。") % {"key": key}, field="steps"
            )
        try:
            matter_id = int(spec.get("matter_id"))
        except (TypeError, ValueError):
            raise ValidationFailed(_("请为步骤“%(key)s”选择事项。") % {"key": key}, field="steps") from None
        depends_on = spec.get("depends_on") or []
        if isinstance(depends_on, str) or not all(isinstance(d, str) for d in depends_on):
            raise ValidationFailed(_("步骤“%(key)s”的前置步骤格式不正确。") % {"key": key}, field="steps")
        cleaned.append((key, matter_id, [d.strip() for d in depends_on]))
    return cleaned


def _template_matters(centre_id: int, cleaned: list[tuple[str, int, list[str]]]) -> dict[str, Matter]:
    found = Matter.objects.select_related("department").in_bulk([matter_id for _key, matter_id, _d in cleaned])
    matters: dict[str, Matter] = {}
    used: dict[int, str] = {}
    for key, matter_id, _depends in cleaned:
        matter = found.get(matter_id)
        if matter is None:
            raise ValidationFailed(_("步骤“%(key)s”的事项不存在。") % {"key": key}, field="steps")
        if matter.centre_id != centre_id:
            raise ValidationFailed(_("事项“%(matter)s”不属于本中心。") % {"matter": matter.name}, field="steps")
        if not matter.is_published:
            raise ValidationFailed(
                _("事项“%(matter)s”未发布，不能纳入并联审批（清单之外无审批）。") % {"matter": matter.name},
                field="steps",
            )
        if matter.pk in used:
            raise ValidationFailed(
                _("事项“%(matter)s”在步骤“%(first)s”和“%(second)s”中重复。")
                % {"matter": matter.name, "first": used[matter.pk], "second": key},
                field="steps",
            )
        used[matter.pk] = key
        matters[key] = matter
    return matters


@transaction.atomic
def chain_template_create(
    *, actor, centre_id: int, code: str, name: str, lead_department_id: int, promised_days: int, steps
) -> ChainTemplate:
    """A chain template: steps over published matters of the centre, a graph without cycles, a lead
    department (主办部门) that handles one of the steps, and a promised total no longer than the statutory
    limits along the critical path (and no shorter than the steps' own promised limits along it).
    `steps` is a list of {"key", "matter_id", "depends_on": [keys]}."""
    if not is_manager_of(actor, centre_id):
        raise PermissionDeniedError(_("只有本中心的管理人员可以设置并联审批模板。"))
    code = (code or "").strip()
    if not TEMPLATE_CODE_RE.match(code):
        raise ValidationFailed(_("模板编码只能使用小写字母、数字和连字符（2至40位）。"), field="code")
    if ChainTemplate.objects.filter(centre_id=centre_id, code=code).exists():
        raise ValidationFailed(_("本中心已有编码为“%(code)s”的并联审批模板。") % {"code": code}, field="code")
    name = (name or "").strip()
    if not 2 <= len(name) <= 100:
        raise ValidationFailed(_("请填写模板名称（2至100个字）。"), field="name")
    lead = Department.objects.filter(pk=lead_department_id, centre_id=centre_id, is_active=True).first()
    if lead is None:
        raise ValidationFailed(_("主办部门必须是本中心在驻的部门。"), field="lead_department")
    promised_days = _clean_days(promised_days)
    cleaned = _clean_steps(steps)
    order = chain_graph.topological_order([(key, depends) for key, _matter, depends in cleaned])
    matters = _template_matters(centre_id, cleaned)
    if not any(matter.department_id == lead.pk for matter in matters.values()):
        raise ValidationFailed(
            _("主办部门（%(department)s）在模板中没有办理步骤。") % {"department": lead.name}, field="lead_department"
        )
    graph = {key: depends for key, _matter, depends in cleaned}
    statutory = chain_graph.critical_path(graph, {key: m.statutory_days for key, m in matters.items()})
    if promised_days > statutory:
        raise ValidationFailed(
            _("承诺总时限（%(promised)d个工作日）不能超过各步骤法定时限的关键路径（%(statutory)d个工作日）。")
            % {"promised": promised_days, "statutory": statutory},
            field="promised_days",
        )
    promised = chain_graph.critical_path(graph, {key: m.promised_days for key, m in matters.items()})
    if promised_days < promised:
        raise ValidationFailed(
            _("承诺总时限（%(promised)d个工作日）不能少于各步骤承诺时限的关键路径（%(steps)d个工作日）。")
            % {"promised": promised_days, "steps": promised},
            field="promised_days",
        )
    template = ChainTemplate(
        centre_id=centre_id, code=code, name=name, lead_department=lead, promised_days=promised_days
    )
    template._history_user, template._change_reason = actor, _("新增并联审批模板")
    template.save()
    created: dict[str, ChainTemplateStep] = {}
    for position, key in enumerate(order, start=1):
        step = ChainTemplateStep(template=template, key=key, matter=matters[key], position=position)
        step._history_user, step._change_reason = actor, _("新增并联审批步骤")
        step.save()
        created[key] = step
    for key in order:
        if graph[key]:
            step = created[key]
            step._history_user = actor
            step.depends_on.set([created[d] for d in graph[key]])
    return template
