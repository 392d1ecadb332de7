"""One one-time notice (一次性告知) and one clock stop for a whole parallel approval chain: each department
records its findings on its step, the lead window merges all of them into one notice and stops every
open step's clock the same day, and the applicant's resubmission restarts them all together.
Locking as in chains.py: the chain first, then its steps' cases by id."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from hall.models import Material

from ..chain_selectors import material_key
from ..models import Application, Chain, ChainFinding, ChainStep, ClockStop, CorrectionItem, CorrectionNotice
from .chains import (
    CLOSED,
    ChainStatus,
    Status,
    _chain_advance,
    _chain_lock,
    _notify_applicant_once,
    _record,
    _save,
    _step_cases_lock,
)
from .transitions import _clean_comment, _recompute_due_dates, ensure_centre_clerk, ensure_department_member


@transaction.atomic
def chain_step_report_finding(*, step_id: int, actor, material_id: int | None, problem: str) -> ChainFinding:
    """A department records a missing or wrong material on its step; the lead window later merges every
    department's findings into one notice."""
    problem = (problem or "").strip()
    if not problem or len(problem) > 300:
        raise ValidationFailed(_("请写明问题（300字以内）。"), field="problem")
    found = ChainStep.objects.filter(pk=step_id).values("chain_id").first()
    if found is None:
        raise NotFound(_("并联审批步骤不存在。"))
    chain = _chain_lock(found["chain_id"])
    step = next(s for s in _step_cases_lock(chain) if s.pk == step_id)
    application = step.application
    ensure_department_member(actor, application)
    if chain.status != ChainStatus.IN_PROGRESS:
        raise InvalidTransition(
            _("并联审批件当前为“%(status)s”，不能登记补正意见。") % {"status": chain.get_status_display()}
        )
    if application.status not in (Status.SUBMITTED, *Application.OPEN_STATUSES):
        raise InvalidTransition(_("该步骤已办结，不能登记补正意见。"))
    material = None
    if material_id is not None:
        material = Material.objects.filter(pk=material_id, matter_id=application.matter_id).first()
        if material is None:
            raise ValidationFailed(_("材料不属于该事项。"), field="material")
        if ChainFinding.objects.filter(step=step, material=material, notice__isnull=True).exists():
            raise Conflict(_("该材料的补正意见已登记，等待主办窗口统一告知。"), field="material")
    return ChainFinding.objects.create(chain=chain, step=step, material=material, problem=problem, found_by=actor)


@transaction.atomic
def chain_issue_notice(*, chain_id: int, actor, note: str = "") -> CorrectionNotice:
    """一次性告知 for the whole chain: every department's pending findings in one notice, and one clock stop
    — every open step's clock stops today, and all of them restart together at the resubmission."""
    note = _clean_comment(note)
    chain = _chain_lock(chain_id)
    ensure_centre_clerk(actor, chain)
    if chain.status != ChainStatus.IN_PROGRESS:
        raise InvalidTransition(
            _("并联审批件当前为“%(status)s”，不能出具一次性告知。") % {"status": chain.get_status_display()}
        )
    steps = _step_cases_lock(chain)
    findings = list(
        ChainFinding.objects.select_for_update(of=("self",))
        .filter(chain=chain, notice__isnull=True)
        .select_related("step__application")
        .order_by("id")
    )
    if not findings:
        raise ValidationFailed(_("各部门没有待告知的补正意见。"), field="findings")
    notice = CorrectionNotice(chain=chain, issued_by=actor, note=note)
    notice._history_user, notice._change_reason = actor, _("并联审批一次性告知")
    notice.save()
    items, seen = [], set()
    for finding in findings:
        item = (finding.step.application.department_id, finding.material_id, finding.problem)
        if item not in seen:
            seen.add(item)
            items.append(CorrectionItem(notice=notice, department_id=item[0], material_id=item[1], problem=item[2]))
    CorrectionItem.objects.bulk_create(items)
    ChainFinding.objects.filter(pk__in=[f.pk for f in findings]).update(notice=notice)
    today, now = timezone.localdate(), timezone.now()
    first_event = None
    for step in steps:
        application = step.application
        if application.status in CLOSED:
            continue
        if step.started and not application.clock_stops.filter(ended_on__isnull=True).exists():
            # A step already suspended for a special procedure keeps its own stop (one open stop per case).
            ClockStop.objects.create(
                application=application,
                kind=ClockStop.Kind.CORRECTION,
                started_on=today,
                reason=_("并联审批一次性告知补正"),
                notice_sent_at=now,
            )
        event = _record(
            application,
            actor=actor,
            kind="chain_correction_requested",
            comment=note,
            public_note=_("请按并联审批一次性告知书补正材料，补正期间暂停计时"),
        )
        first_event = first_event or event
    chain.status = ChainStatus.CORRECTION
    _save(chain, actor=actor, reason=_("并联审批一次性告知"), fields=["status", "updated_at"])
    _notify_applicant_once(first_event)
    return notice


@transaction.atomic
def chain_resubmit(*, chain_id: int, actor, provided_material_ids: list[int] = ()) -> Chain:
    """The applicant's resubmission, recorded at the window and checked against the notice: every listed
    material must be among the ones handed in. The chain's clock stops all end today and every open case's
    due dates move by the working days stopped."""
    chain = _chain_lock(chain_id)
    ensure_centre_clerk(actor, chain)
    if chain.status != ChainStatus.CORRECTION:
        raise InvalidTransition(_("只有待补正的并联审批件可以登记补正材料。"))
    steps = _step_cases_lock(chain)
    notice = (
        CorrectionNotice.objects.select_for_update()
        .filter(chain=chain, answered_at__isnull=True)
        .order_by("-issued_at", "-id")
        .first()
    )
    matter_ids = [step.application.matter_id for step in steps]
    handed_in = Material.objects.filter(pk__in=set(provided_material_ids), matter_id__in=matter_ids)
    if handed_in.count() != len(set(provided_material_ids)):
        raise ValidationFailed(_("材料不属于该并联审批的事项。"), field="materials")
    names = {material_key(name) for name in handed_in.values_list("name", flat=True)}
    items = list(notice.items.select_related("material")) if notice else []
    unanswered = [
        item.material.name for item in items if item.material and material_key(item.material.name) not in names
    ]
    if unanswered:
        raise ValidationFailed(
            _("以下告知材料尚未补正：%(names)s") % {"names": "、".join(dict.fromkeys(unanswered))}, field="materials"
        )
    today, now = timezone.localdate(), timezone.now()
    if notice is not None:
        CorrectionItem.objects.filter(notice=notice).update(resolved=True)
        notice.answered_at = now
        _save(notice, actor=actor, reason=_("补正材料已提交"), fields=["answered_at"])
    first_event = None
    for step in steps:
        application = step.application
        if application.status in CLOSED:
            continue
        stop = application.clock_stops.filter(ended_on__isnull=True, kind=ClockStop.Kind.CORRECTION).first()
        if stop is not None:
            stop.ended_on = today
            _save(stop, actor=actor, reason=_("补正材料已提交"), fields=["ended_on"])
            _recompute_due_dates(application, today=today)
            _save(
                application,
                actor=actor,
                reason=_("补正后恢复计时"),
                fields=["stopped_days", "promised_due", "statutory_due", "updated_at"],
            )
        event = _record(application, actor=actor, kind="chain_resubmitted", public_note=_("已补正材料，恢复计时"))
        first_event = first_event or event
    chain.status = ChainStatus.IN_PROGRESS
    _save(chain, actor=actor, reason=_("补正材料已提交"), fields=["status", "updated_at"])
    _chain_advance(chain, actor=actor)
    _notify_applicant_once(first_event)
    return chain
