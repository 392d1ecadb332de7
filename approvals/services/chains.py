"""Parallel approval chains (并联审批): one acceptance for the whole chain, steps that start when their
predecessors are done, the chain's completion, and the lead department's decision after a refusal.
Templates are in chain_templates.py; the chain's one notice and one clock stop in chain_notices.py.

Locking policy: every chain operation locks the chain row first, then its steps' cases ordered by id
(`_chain_lock`, `_step_cases_lock`). A single-case transition locks only its case, so the two never wait
on each other in opposite orders. Decisions on a chain's step go through `chain_step_decide`, which
holds the chain lock while the case completes and its successors start: two departments completing the
last two parallel steps at once are serialised there, and the successor starts exactly once."""

import datetime as dt
from functools import partial

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import InvalidTransition, NotFound, PermissionDeniedError, ValidationFailed
from hall.models import Notice, Role, Ticket, User
from hall.permissions import is_manager_of

from .. import chain_graph
from ..chain_selectors import chain_materials, chain_template_steps, material_key, template_graph
from ..models import (
    Application,
    ApplicationEvent,
    Chain,
    ChainStep,
    ChainTemplate,
    ChainTemplateStep,
)
from . import transitions
from .intake import _check_materials, _clean_applicant, _sign_commitment
from .transitions import _clean_comment, _move, ensure_centre_clerk

Status = Application.Status
ChainStatus = Chain.Status
DONE = (Status.COMPLETED, Status.DELIVERED)
CLOSED = (Status.COMPLETED, Status.DELIVERED, Status.NOT_ACCEPTED, Status.WITHDRAWN)


class LeadDecision(models.TextChoices):
    CONTINUE = "continue", gettext_lazy("继续办理")
    TERMINATE = "terminate", gettext_lazy("终止办理")


# --- locks and checks ----------------------------------------------------------------------------


def _chain_lock(chain_id: int) -> Chain:
    chain = (
        Chain.objects.select_for_update(of=("self",))
        .select_related("template", "lead_department")
        .filter(pk=chain_id)
        .first()
    )
    if chain is None:
        raise NotFound(_("并联审批件不存在。"))
    return chain


def _step_cases_lock(chain: Chain) -> list[ChainStep]:
    """The chain's steps with their cases locked, by id (after the chain: see the module docstring)."""
    return list(
        ChainStep.objects.select_for_update(of=("self", "application"))
        .filter(chain=chain)
        .select_related("application__matter", "application__department", "application__centre", "template_step")
        .order_by("application_id")
    )


def _ensure_lead_member(actor, chain: Chain) -> None:
    """The lead department's staff decide; the centre's managers may decide in its place."""
    if is_manager_of(actor, chain.centre_id):
        return
    if (
        getattr(actor, "role", None) not in (Role.CLERK, Role.APPROVER)
        or actor.centre_id != chain.centre_id
        or actor.department_id != chain.lead_department_id
    ):
        raise PermissionDeniedError(
            _("只有主办部门（%(department)s）的工作人员可以作出决定。") % {"department": chain.lead_department.name}
        )


def _save(instance: models.Model, *, actor, reason: str, fields: list[str]) -> None:
    instance._history_user = actor if getattr(actor, "pk", None) else None
    instance._change_reason = reason
    instance.save(update_fields=fields)


def _record(
    application: Application, *, actor, kind: str, comment: str = "", public_note: str = ""
) -> ApplicationEvent:
    """An event that does not change the case's status (a clock stop of the chain, for instance)."""
    return ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        from_status=application.status,
        to_status=application.status,
        stage_position=application.stage_position,
        actor=actor if getattr(actor, "pk", None) else None,
        department=application.department,
        comment=comment,
        public_note=public_note,
    )


def _notify_applicant_once(event: ApplicationEvent | None) -> None:
    """A chain-wide change is one message to the applicant, not one per department."""
    if event is not None:
        transaction.on_commit(partial(transitions._notify_applicant, event.application_id, event.pk), robust=True)


# --- acceptance ----------------------------------------------------------------------------------


def _serving_ticket(actor, ticket_id: int | None) -> Ticket | None:
    if ticket_id is None:
        return None
    ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket_id, centre_id=actor.centre_id).first()
    serving = (Ticket.Status.CALLED, Ticket.Status.SERVING)
    if ticket is None or ticket.status not in serving or ticket.clerk_id != actor.pk:
        raise InvalidTransition(_("只能为本窗口正在办理的号受理办件。"))
    return ticket


def _check_merged_materials(template: ChainTemplate, steps, provided_ids: set[int], deficient_ids: set[int]):
    """The single materials list: a material is given once for every step that needs it. Returns the
    provided and deficient material names."""
    merged = chain_materials(template, steps=steps)
    by_id = {use.material_id: line for line in merged for use in line.uses}
    if (provided_ids | deficient_ids) - by_id.keys():
        raise ValidationFailed(_("材料不属于该并联审批的事项。"), field="materials")
    provided = {material_key(by_id[pk].name) for pk in provided_ids}
    deficient = {material_key(by_id[pk].name) for pk in deficient_ids}
    if provided & deficient:
        raise ValidationFailed(_("同一材料不能既已提交又容缺。"), field="materials")
    not_allowed = [line.name for line in merged if material_key(line.name) in deficient and not line.deficiency_allowed]
    if not_allowed:
        raise ValidationFailed(_("以下材料不可容缺：%(names)s") % {"names": "、".join(not_allowed)}, field="materials")
    missing = [line.name for line in merged if line.required and material_key(line.name) not in provided | deficient]
    if missing:
        raise ValidationFailed(_("缺少必需材料：%(names)s") % {"names": "、".join(missing)}, field="materials")
    return provided, deficient


@transaction.atomic
def chain_accept(
    *,
    actor,
    template_id: int,
    applicant_kind: str,
    applicant_name: str,
    contact_phone: str,
    id_number: str = "",
    credit_code: str = "",
    provided_material_ids: list[int] = (),
    deficient_material_ids: list[int] = (),
    commitment_deadline: dt.date | None = None,
    ticket_id: int | None = None,
    comment: str = "",
) -> Chain:
    """一窗受理 of a whole chain: one form, one materials list (a material shared by several matters is
    given once), one case per step for its department with its own limit. Steps without predecessors are
    accepted now; the others wait (submitted, not started) and are accepted — their clock starts — when
    every step they depend on is done."""
    if getattr(actor, "centre_id", None) is None:
        raise PermissionDeniedError(_("只有本中心的窗口工作人员可以办理受理。"))
    template = (
        ChainTemplate.objects.filter(pk=template_id, centre_id=actor.centre_id, is_active=True)
        .select_related("lead_department", "centre")
        .first()
    )
    if template is None:
        raise NotFound(_("该并联审批模板不存在或已停用。"))
    ensure_centre_clerk(actor, template)
    steps = chain_template_steps(template)
    withdrawn = [step.matter.name for step in steps if not step.matter.is_published]
    if withdrawn:
        raise ValidationFailed(
            _("以下事项已下架，暂不能受理该并联审批：%(names)s") % {"names": "、".join(withdrawn)}, field="template"
        )
    applicant = _clean_applicant(
        applicant_kind=applicant_kind,
        applicant_name=applicant_name,
        id_number=id_number,
        credit_code=credit_code,
        contact_phone=contact_phone,
    )
    comment = _clean_comment(comment)
    provided, deficient = _check_merged_materials(
        template, steps, set(provided_material_ids), set(deficient_material_ids)
    )
    ticket = _serving_ticket(actor, ticket_id)
    now = timezone.now()
    cases = []
    for step in steps:
        application = Application(
            centre_id=template.centre_id,
            matter=step.matter,
            department=step.matter.department,
            source=Application.Source.WINDOW,
            status=Status.SUBMITTED,
            submitted_at=now,
            ticket=ticket,
            applicant=ticket.citizen if ticket and ticket.citizen_id else None,
            **applicant,
        )
        materials = list(step.matter.materials.all())
        step_provided = {m.pk for m in materials if material_key(m.name) in provided}
        step_deficient = {m.pk for m in materials if m.required and material_key(m.name) in deficient}
        # The single-case rules on top: the dishonesty list and the commitment's deadline (容缺受理).
        _check_materials(
            application, provided=step_provided, deficient=step_deficient, commitment_deadline=commitment_deadline
        )
        cases.append((step, application, step_deficient))
    chain = Chain(
        template=template,
        centre_id=template.centre_id,
        lead_department=template.lead_department,
        applicant_name=applicant["applicant_name"],
        accepted_on=timezone.localdate(now),
        accepted_by=actor,
    )
    chain._history_user, chain._change_reason = actor, _("并联审批受理")
    chain.save()
    for step, application, step_deficient in cases:
        application._history_user, application._change_reason = actor, _("并联审批受理")
        application.save()
        ApplicationEvent.objects.create(
            application=application,
            kind="submitted",
            to_status=Status.SUBMITTED,
            actor=actor,
            department=application.department,
            comment=comment,
            public_note=_("并联审批窗口收件"),
        )
        if step_deficient:
            _sign_commitment(application, step_deficient, commitment_deadline)
        ChainStep.objects.create(chain=chain, template_step=step, application=application, started=False)
    _chain_advance(chain, actor=actor, at_acceptance=True)
    return chain


# --- advancing -----------------------------------------------------------------------------------


def _graph_of(chain: Chain) -> dict[str, list[str]]:
    steps = list(ChainTemplateStep.objects.filter(template_id=chain.template_id).prefetch_related("depends_on"))
    return template_graph(sorted(steps, key=lambda s: (s.position, s.pk)))


def _step_start(step: ChainStep, *, actor, at_acceptance: bool) -> None:
    """Accept the step's case: its clock starts today. An instant matter (即办件) completes at once."""
    application = step.application
    comment = "" if at_acceptance else _("前置步骤已全部办结，本步骤开始办理")
    transitions.accept(application, actor=actor, accepted_on=timezone.localdate(), comment=comment)
    step.started = True
    step.save(update_fields=["started"])
    if not at_acceptance and application.status not in DONE and application.handler_id is not None:
        # Started by another department's completion: nobody of this department holds it yet.
        application.handler = None
        _save(application, actor=actor, reason=_("并联审批步骤开始"), fields=["handler", "updated_at"])


def _chain_advance(chain: Chain, *, actor, at_acceptance: bool = False) -> list[ChainStep]:
    """Start every waiting step whose predecessors are all done (again and again: an instant step
    completes as it starts), then complete the chain when no step is left open. The chain is locked.
    Returns the steps started."""
    if chain.status != ChainStatus.IN_PROGRESS:
        return []
    graph = _graph_of(chain)
    steps = {step.template_step.key: step for step in _step_cases_lock(chain)}
    started_now: list[ChainStep] = []
    while True:
        done = [key for key, step in steps.items() if step.application.status in DONE]
        started = [key for key, step in steps.items() if step.started]
        ready = [
            key
            for key in chain_graph.ready_steps(graph, done=done, started=started)
            if steps[key].application.status == Status.SUBMITTED
        ]
        if not ready:
            break
        for key in ready:
            _step_start(steps[key], actor=actor, at_acceptance=at_acceptance)
            started_now.append(steps[key])
    if all(step.application.status in CLOSED for step in steps.values()):
        chain.status = ChainStatus.COMPLETED
        chain.completed_on = timezone.localdate()
        _save(chain, actor=actor, reason=_("并联审批全部办结"), fields=["status", "completed_on", "updated_at"])
    return started_now


def _lead_recipients(chain: Chain):
    staff = User.objects.filter(
        centre_id=chain.centre_id,
        department_id=chain.lead_department_id,
        role__in=(Role.CLERK, Role.APPROVER),
        is_active=True,
    )
    if not staff.exists():
        # A lead department with nobody in the system yet: the centre's managers decide in its place.
        staff = User.objects.filter(centre_id=chain.centre_id, role=Role.MANAGER, is_active=True)
    return staff.order_by("pk")


def _notify_lead_of_refusal(chain: Chain, step: ChainStep) -> int:
    application = step.application
    title = _("并联审批“%(template)s”中止：%(matter)s不予许可") % {
        "template": chain.template.name,
        "matter": application.matter.name,
    }
    body = _(
        "查询码%(code)s。%(department)s对“%(matter)s”作出不予许可决定，并联审批已中止，"
        "请主办部门决定继续办理或终止。"
    ) % {
        "code": chain.tracking_code,
        "department": application.department.name,
        "matter": application.matter.name,
    }
    notices = [
        Notice(
            recipient=user,
            kind="chain_stopped",
            title=title[:200],
            body=body,
            dedupe_key=f"chain-stopped-{chain.pk}-{step.pk}",
        )
        for user in _lead_recipients(chain)
    ]
    return len(Notice.objects.bulk_create(notices, ignore_conflicts=True))


def chain_on_step_completed(*, application: Application, actor) -> Chain:
    """After a step's case completed, in the same transaction: a refusal stops the chain and tells the
    lead department; otherwise the successors whose predecessors are all done start, and the chain
    completes with its last step. Lock order: call it with the chain already locked (chain_step_decide
    does), since the case is locked here after the chain."""
    step = ChainStep.objects.filter(application_id=application.pk).first()
    if step is None:
        raise NotFound(_("该办件不属于并联审批。"))
    chain = _chain_lock(step.chain_id)
    steps = {s.pk: s for s in _step_cases_lock(chain)}
    step = steps[step.pk]
    if step.application.status not in DONE:
        raise InvalidTransition(_("该步骤尚未办结。"))
    if step.application.outcome == Application.Outcome.REFUSED:
        if chain.status == ChainStatus.IN_PROGRESS:
            chain.status = ChainStatus.STOPPED
            _save(chain, actor=actor, reason=_("步骤不予许可，并联审批中止"), fields=["status", "updated_at"])
        if chain.status == ChainStatus.STOPPED:
            _notify_lead_of_refusal(chain, step)
        return chain
    _chain_advance(chain, actor=actor)
    return chain


@transaction.atomic
def chain_step_decide(*, application_id: int, actor, outcome: str, comment: str = "") -> Application:
    """办结 of a chain's step (granted or refused), then the chain moves on — in one transaction, under the
    chain's lock."""
    found = ChainStep.objects.filter(application_id=application_id).values("chain_id", "started").first()
    if found is None:
        raise NotFound(_("该办件不属于并联审批。"))
    chain = _chain_lock(found["chain_id"])
    _step_cases_lock(chain)
    if chain.status == ChainStatus.CORRECTION:
        raise InvalidTransition(_("并联审批件正在补正，补正期间暂停办理。"))
    if chain.status in (ChainStatus.COMPLETED, ChainStatus.WITHDRAWN):
        raise InvalidTransition(
            _("并联审批件当前为“%(status)s”，不能再办结步骤。") % {"status": chain.get_status_display()}
        )
    if not found["started"]:
        raise InvalidTransition(_("该步骤的前置步骤尚未全部办结，还不能办理。"))
    application = transitions.application_decide(
        application_id=application_id, actor=actor, outcome=outcome, comment=comment, within_chain=True
    )
    chain_on_step_completed(application=application, actor=actor)
    return application


# --- the lead department's decision --------------------------------------------------------------


def _close_step(step: ChainStep, *, actor, reason: str) -> None:
    """Termination: a waiting case was never accepted (不予受理, with the reason); a started one is
    withdrawn. Either way its clock stops for good."""
    application = step.application
    today = timezone.localdate()
    for stop in application.clock_stops.filter(ended_on__isnull=True):
        stop.ended_on = today
        _save(stop, actor=actor, reason=reason, fields=["ended_on"])
    if application.status == Status.SUBMITTED:
        application.not_accepted_reason = reason
        _move(
            application,
            Status.NOT_ACCEPTED,
            actor=actor,
            kind="chain_terminated",
            fields=["not_accepted_reason"],
            comment=reason,
            public_note=_("并联审批已终止，本事项不予受理"),
        )
    else:
        _move(
            application,
            Status.WITHDRAWN,
            actor=actor,
            kind="chain_terminated",
            fields=[],
            comment=reason,
            public_note=_("并联审批已终止，本事项停止办理"),
        )


@transaction.atomic
def chain_lead_decide(*, chain_id: int, actor, decision: str, comment: str = "") -> Chain:
    """After a refused step the lead department (主办部门) decides: continue (the remaining steps go on;
    the refused step counts as closed for its successors) or terminate (every open step is closed)."""
    if decision not in LeadDecision.values:
        raise ValidationFailed(_("请选择继续办理或终止办理。"), field="decision")
    comment = _clean_comment(comment, required=decision == LeadDecision.TERMINATE)
    chain = _chain_lock(chain_id)
    _ensure_lead_member(actor, chain)
    if chain.status != ChainStatus.STOPPED:
        raise InvalidTransition(_("只有已中止的并联审批件需要主办部门决定。"))
    steps = _step_cases_lock(chain)
    if decision == LeadDecision.CONTINUE:
        chain.status = ChainStatus.IN_PROGRESS
        _save(chain, actor=actor, reason=comment or _("主办部门决定继续办理"), fields=["status", "updated_at"])
        _chain_advance(chain, actor=actor)
        return chain
    for step in steps:
        if step.application.status not in CLOSED:
            _close_step(step, actor=actor, reason=comment)
    chain.status = ChainStatus.WITHDRAWN
    _save(chain, actor=actor, reason=comment, fields=["status", "updated_at"])
    return chain
