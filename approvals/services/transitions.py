"""Every state change of an application (办件), one function per transition, each in the house order:
lock, check the actor and the state, mutate, save the changed fields with history, record an event,
tell the applicant after commit."""

import datetime as dt
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import InvalidTransition, PermissionDeniedError, ValidationFailed
from hall.models import Role

from .. import deadlines
from ..locks import application_lock
from ..models import Application, ApplicationEvent, ChainStep, ClockStop, ExtensionRequest

Status = Application.Status
MAX_COMMENT = 1000
SPECIAL_PROCEDURES = (
    ClockStop.Kind.HEARING,
    ClockStop.Kind.EXPERT_REVIEW,
    ClockStop.Kind.SITE_INSPECTION,
    ClockStop.Kind.TESTING,
)


# --- who may act ---------------------------------------------------------------------------------


def ensure_centre_clerk(actor, application: Application) -> None:
    """一窗受理: any window clerk (or manager) of the centre may accept for any department."""
    if getattr(actor, "is_superuser", False):
        return
    if (
        getattr(actor, "role", None) not in (Role.CLERK, Role.APPROVER, Role.MANAGER)
        or actor.centre_id != application.centre_id
    ):
        raise PermissionDeniedError(_("只有本中心的窗口工作人员可以办理受理。"))


def ensure_department_member(actor, application: Application) -> None:
    if getattr(actor, "is_superuser", False):
        return
    if (
        getattr(actor, "role", None) not in (Role.CLERK, Role.APPROVER)
        or actor.centre_id != application.centre_id
        or actor.department_id != application.department_id
    ):
        raise PermissionDeniedError(
            _("只有%(department)s的工作人员可以办理此环节。") % {"department": application.department.name}
        )


def ensure_department_head(actor, application: Application) -> None:
    ensure_department_member(actor, application)
    if not getattr(actor, "is_department_head", False) and not getattr(actor, "is_superuser", False):
        raise PermissionDeniedError(_("延长办理期限须经部门负责人批准。"))


def refuse_chain_step(application: Application) -> None:
    """A step of a parallel chain moves with its chain (one notice, one clock, successors), never alone."""
    if ChainStep.objects.filter(application_id=application.pk).exists():
        raise InvalidTransition(_("该办件是并联审批的一个环节，请在并联审批件中办理。"))


def ensure_applicant(actor, application: Application) -> None:
    if application.applicant_id is None or application.applicant_id != getattr(actor, "pk", None):
        raise PermissionDeniedError(_("只能操作自己的申请。"))


# --- helpers -------------------------------------------------------------------------------------


def _clean_comment(comment: str, *, required: bool = False, field: str = "comment") -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise ValidationFailed(_("请填写意见或理由。"), field=field)
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(_("意见不能超过1000个字。"), field=field)
    return comment


def _refuse_unless_can_move(application: Application, target: str) -> None:
    if not application.can_move_to(target):
        raise InvalidTransition(
            _("办件当前为“%(current)s”，不能改为“%(target)s”。")
            % {"current": application.get_status_display(), "target": Status(target).label}
        )


def _move(
    application: Application,
    target: str,
    *,
    actor,
    kind: str,
    fields: list[str],
    comment: str = "",
    public_note: str = "",
) -> ApplicationEvent:
    previous = application.status
    application.status = target
    application._history_user = actor if getattr(actor, "pk", None) else None
    application._change_reason = comment or kind
    application.save(update_fields=["status", *fields, "updated_at"])
    event = ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        from_status=previous,
        to_status=target,
        stage_position=application.stage_position,
        actor=actor if getattr(actor, "pk", None) else None,
        department=application.department,
        comment=comment,
        public_note=public_note,
    )
    transaction.on_commit(partial(_notify_applicant, application.pk, event.pk), robust=True)
    return event


def _notify_applicant(application_id: int, event_id: int) -> None:
    from ..tasks import notify_applicant_of_stage_change

    notify_applicant_of_stage_change.delay(application_id=application_id, event_id=event_id)


def _recompute_due_dates(application: Application, *, today: dt.date) -> None:
    # Only time after acceptance extends the limit: a correction before acceptance stopped no clock.
    accepted_on = application.accepted_on
    stops = [
        deadlines.ClockStop(max(s.started_on, accepted_on), s.ended_on)
        for s in application.clock_stops.all()
        if s.ended_on is None or s.ended_on > accepted_on
    ]
    application.stopped_days = deadlines.stopped_working_days(stops, today=today)
    matter = application.matter
    common = {"stopped_days": application.stopped_days, "extension_days": application.extension_days}
    application.promised_due = deadlines.due_date(
        accepted_on=application.accepted_on, limit_days=matter.promised_days, **common
    )
    application.statutory_due = deadlines.due_date(
        accepted_on=application.accepted_on, limit_days=matter.statutory_days, **common
    )


# --- transitions ---------------------------------------------------------------------------------


@transaction.atomic
def application_submit(*, application_id: int, actor) -> Application:
    """Online: the applicant sends a draft for pre-review; the Art. 32 five-day clock starts."""
    application = application_lock(application_id)
    ensure_applicant(actor, application)
    _refuse_unless_can_move(application, Status.SUBMITTED)
    now = timezone.now()
    application.submitted_at = now
    application.online_answer_due = deadlines.online_answer_deadline(submitted_on=timezone.localdate(now))
    _move(
        application,
        Status.SUBMITTED,
        actor=actor,
        kind="submitted",
        fields=["submitted_at", "online_answer_due"],
        public_note=_("已提交，等待预审"),
    )
    return application


def accept(application: Application, *, actor, accepted_on: dt.date, deemed: bool = False, comment: str = "") -> None:
    """The acceptance itself, for a locked application already checked: dates, first stage, event.
    Instant matters (即办件) are completed at once, at the window."""
    application.accepted_on = accepted_on
    application.deemed_accepted = deemed
    application.stage_position = 1
    application.handler = actor if getattr(actor, "pk", None) else None
    _recompute_due_dates(application, today=timezone.localdate())
    fields = [
        "accepted_on",
        "deemed_accepted",
        "stage_position",
        "handler",
        "promised_due",
        "statutory_due",
        "stopped_days",
    ]
    note = _("逾期未答复，依法视为已受理") if deemed else _("已受理")
    _move(
        application,
        Status.ACCEPTED,
        actor=actor,
        kind="deemed_accepted" if deemed else "accepted",
        fields=fields,
        comment=comment,
        public_note=note,
    )
    if application.matter.is_instant and not deemed:
        complete(application, actor=actor, outcome=Application.Outcome.GRANTED, comment=_("即办件当场办结"))


def complete(application: Application, *, actor, outcome: str, comment: str = "") -> None:
    now = timezone.now()
    application.outcome = outcome
    application.completed_at = now
    application.early_completion = deadlines.is_early_completion(
        completed_on=timezone.localdate(now), promised_due=application.promised_due
    )
    note = _("已办结：%(outcome)s") % {"outcome": Application.Outcome(outcome).label}
    _move(
        application,
        Status.COMPLETED,
        actor=actor,
        kind="completed",
        fields=["outcome", "completed_at", "early_completion"],
        comment=comment,
        public_note=note,
    )


@transaction.atomic
def application_reject_acceptance(*, application_id: int, actor, reason: str) -> Application:
    """不予受理, with the reason the applicant receives."""
    reason = _clean_comment(reason, required=True, field="reason")
    application = application_lock(application_id)
    ensure_centre_clerk(actor, application)
    refuse_chain_step(application)
    _refuse_unless_can_move(application, Status.NOT_ACCEPTED)
    application.not_accepted_reason = reason
    _move(
        application,
        Status.NOT_ACCEPTED,
        actor=actor,
        kind="not_accepted",
        fields=["not_accepted_reason"],
        comment=reason,
        public_note=_("不予受理"),
    )
    return application


@transaction.atomic
def application_start_review(*, application_id: int, actor, comment: str = "") -> Application:
    application = application_lock(application_id)
    ensure_department_member(actor, application)
    _refuse_unless_can_move(application, Status.REVIEW)
    if application.status != Status.ACCEPTED:
        raise InvalidTransition(_("只有已受理的办件可以进入审核。"))
    application.stage_position, application.handler = 2, actor
    _move(
        application,
        Status.REVIEW,
        actor=actor,
        kind="review",
        fields=["stage_position", "handler"],
        comment=_clean_comment(comment),
        public_note=_("审核中"),
    )
    return application


@transaction.atomic
def application_submit_for_approval(*, application_id: int, actor, comment: str = "") -> Application:
    application = application_lock(application_id)
    ensure_department_member(actor, application)
    if application.status != Status.REVIEW:
        raise InvalidTransition(_("只有审核中的办件可以报送审批。"))
    application.stage_position, application.handler = 3, actor
    _move(
        application,
        Status.APPROVAL,
        actor=actor,
        kind="approval",
        fields=["stage_position", "handler"],
        comment=_clean_comment(comment),
        public_note=_("审批中"),
    )
    return application


@transaction.atomic
def application_return(*, application_id: int, actor, reason: str) -> Application:
    """退回: send the case back one stage (approval → review → accepted), with a reason."""
    reason = _clean_comment(reason, required=True, field="reason")
    application = application_lock(application_id)
    ensure_department_member(actor, application)
    previous = {Status.APPROVAL: (Status.REVIEW, 2), Status.REVIEW: (Status.ACCEPTED, 1)}.get(application.status)
    if previous is None:
        raise InvalidTransition(_("只有审核或审批中的办件可以退回。"))
    application.stage_position = previous[1]
    _move(
        application,
        previous[0],
        actor=actor,
        kind="returned",
        fields=["stage_position"],
        comment=reason,
        public_note=_("退回上一环节"),
    )
    return application


@transaction.atomic
def application_decide(
    *, application_id: int, actor, outcome: str, comment: str = "", within_chain: bool = False
) -> Application:
    """办结: granted or refused, from approval (or straight from acceptance for a one-stage matter).
    A chain step is decided through `chains.chain_step_decide`, which locks the chain first and starts the
    successors; it passes `within_chain=True`."""
    if outcome not in Application.Outcome.values:
        raise ValidationFailed(_("请选择办理结果。"), field="outcome")
    comment = _clean_comment(comment, required=outcome == Application.Outcome.REFUSED)
    application = application_lock(application_id)
    ensure_department_member(actor, application)
    if not within_chain:
        refuse_chain_step(application)
    if application.status not in (Status.APPROVAL, Status.ACCEPTED) or (
        application.status == Status.ACCEPTED and application.matter.stages.count() > 1
    ):
        raise InvalidTransition(_("办件尚未到审批环节，不能办结。"))
    complete(application, actor=actor, outcome=outcome, comment=comment)
    return application


@transaction.atomic
def application_suspend(*, application_id: int, actor, kind: str, reason: str) -> Application:
    """特别程序 (行政许可法 Art. 45): hearing, expert review, site inspection or testing; the clock stops
    and the applicant is told so in writing (the notice is sent after commit)."""
    if kind not in SPECIAL_PROCEDURES:
        raise ValidationFailed(_("请选择特别程序类型。"), field="kind")
    reason = _clean_comment(reason, required=True, field="reason")
    application = application_lock(application_id)
    ensure_department_member(actor, application)
    _refuse_unless_can_move(application, Status.SUSPENDED)
    ClockStop.objects.create(
        application=application,
        kind=kind,
        started_on=timezone.localdate(),
        reason=reason,
        notice_sent_at=timezone.now(),
    )
    application.suspended_from = application.status
    label = ClockStop.Kind(kind).label
    _move(
        application,
        Status.SUSPENDED,
        actor=actor,
        kind="suspended",
        fields=["suspended_from"],
        comment=reason,
        public_note=_("进入%(procedure)s程序，所需时间不计入办理期限") % {"procedure": label},
    )
    return application


@transaction.atomic
def application_resume(*, application_id: int, actor, comment: str = "") -> Application:
    application = application_lock(application_id)
    ensure_department_member(actor, application)
    if application.status != Status.SUSPENDED:
        raise InvalidTransition(_("只有特别程序中的办件可以恢复办理。"))
    today = timezone.localdate()
    stop = application.clock_stops.filter(ended_on__isnull=True).first()
    if stop is not None:
        stop.ended_on = today
        stop._history_user = actor
        stop.save(update_fields=["ended_on"])
    _recompute_due_dates(application, today=today)
    target = application.suspended_from or Status.REVIEW
    application.suspended_from = ""
    _move(
        application,
        target,
        actor=actor,
        kind="resumed",
        fields=["suspended_from", "stopped_days", "promised_due", "statutory_due"],
        comment=_clean_comment(comment),
        public_note=_("特别程序结束，恢复计时"),
    )
    return application


@transaction.atomic
def application_request_extension(*, application_id: int, actor, days: int, reason: str) -> ExtensionRequest:
    """Art. 42: one extension (+10 working days; +15 for joint handling), pending the head's approval."""
    if days not in (deadlines.EXTENSION_DAYS_SINGLE, deadlines.EXTENSION_DAYS_JOINT):
        raise ValidationFailed(_("延长期限只能为10个或15个工作日。"), field="days")
    reason = _clean_comment(reason, required=True, field="reason")
    application = application_lock(application_id)
    ensure_department_member(actor, application)
    if application.status not in Application.OPEN_STATUSES:
        raise InvalidTransition(_("只有办理中的办件可以申请延期。"))
    if ExtensionRequest.objects.filter(application=application).exists():
        raise InvalidTransition(_("每件只能延期一次。"))
    return ExtensionRequest.objects.create(application=application, days=days, reason=reason[:300], requested_by=actor)


@transaction.atomic
def application_approve_extension(*, application_id: int, actor) -> Application:
    application = application_lock(application_id)
    ensure_department_head(actor, application)
    extension = ExtensionRequest.objects.select_for_update().filter(application=application).first()
    if extension is None or extension.approved_at is not None:
        raise InvalidTransition(_("没有待批准的延期申请。"))
    if application.status not in Application.OPEN_STATUSES:
        raise InvalidTransition(_("只有办理中的办件可以延期。"))
    now = timezone.now()
    extension.approved_by, extension.approved_at, extension.notified_at = actor, now, now
    extension._history_user = actor
    extension.save(update_fields=["approved_by", "approved_at", "notified_at"])
    application.extension_days = extension.days
    _recompute_due_dates(application, today=timezone.localdate(now))
    application._history_user, application._change_reason = actor, "extended"
    application.save(update_fields=["extension_days", "stopped_days", "promised_due", "statutory_due", "updated_at"])
    event = ApplicationEvent.objects.create(
        application=application,
        kind="extended",
        from_status=application.status,
        to_status=application.status,
        stage_position=application.stage_position,
        actor=actor,
        department=application.department,
        comment=extension.reason,
        public_note=_("经批准延长%(days)d个工作日：%(reason)s") % {"days": extension.days, "reason": extension.reason},
    )
    transaction.on_commit(partial(_notify_applicant, application.pk, event.pk), robust=True)
    return application


@transaction.atomic
def application_withdraw(*, application_id: int, actor, reason: str = "") -> Application:
    """The applicant withdraws at any point before completion."""
    application = application_lock(application_id)
    ensure_applicant(actor, application)
    refuse_chain_step(application)
    _refuse_unless_can_move(application, Status.WITHDRAWN)
    application.clock_stops.filter(ended_on__isnull=True).update(ended_on=timezone.localdate())
    _move(
        application,
        Status.WITHDRAWN,
        actor=actor,
        kind="withdrawn",
        fields=[],
        comment=_clean_comment(reason),
        public_note=_("申请人已撤回"),
    )
    return application


@transaction.atomic
def application_deliver(*, application_id: int, actor, method: str, mail_tracking_number: str = "") -> Application:
    """出件: picked up, mailed with a tracking number, or delivered home (priority groups, 送证上门).
    Refused while an accept-with-deficiency commitment is unmet."""
    if method not in Application.Delivery.values:
        raise ValidationFailed(_("请选择出件方式。"), field="method")
    mail_tracking_number = (mail_tracking_number or "").strip()
    if method == Application.Delivery.MAIL and not (4 <= len(mail_tracking_number) <= 40):
        raise ValidationFailed(_("邮寄送达须填写邮件单号。"), field="mail_tracking_number")
    application = application_lock(application_id)
    ensure_centre_clerk(actor, application)
    _refuse_unless_can_move(application, Status.DELIVERED)
    if (
        application.outcome == Application.Outcome.GRANTED
        and hasattr(application, "deficiency")
        and (application.deficiency.fulfilled_at is None)
    ):
        raise InvalidTransition(_("容缺材料尚未补齐，暂不能出件。"))
    application.delivery_method, application.mail_tracking_number = method, mail_tracking_number
    application.delivered_at = timezone.now()
    _move(
        application,
        Status.DELIVERED,
        actor=actor,
        kind="delivered",
        fields=["delivery_method", "mail_tracking_number", "delivered_at"],
        public_note=_("已出件：%(method)s") % {"method": Application.Delivery(method).label},
    )
    return application
