"""What the case pages and the cases API show of one case, computed from a case loaded by
approvals.case_selectors (`application_for_citizen` / `application_for_staff`) with no further queries: the
clock (remaining working days, due dates, the Art. 32 answer deadline, the warning colour), the stages with
their due dates, the materials with their files, the timeline, the open one-time notice and the actions."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import deadlines
from .case_selectors import (
    available_actions,
    chain_step_of,
    citizen_actions,
    deficiency_of,
    extension_of,
    is_case_staff,
)
from .models import Application, ApplicationEvent, CaseWarning, CorrectionItem, CorrectionNotice
from .models.policy import DEFAULT_YELLOW_SHARE

Status = Application.Status
WARNING_RANK = {CaseWarning.Level.YELLOW: 1, CaseWarning.Level.RED: 2, CaseWarning.Level.PURPLE: 3}
DEFAULT_STAGE_NAMES = (_("受理"), _("审核"), _("审批"))

EVENT_LABELS = {
    "created": _("创建申请"),
    "submitted": _("提交申请"),
    "resubmitted": _("补正后重新提交"),
    "accepted": _("受理"),
    "deemed_accepted": _("逾期视为受理"),
    "not_accepted": _("不予受理"),
    "correction_requested": _("一次性告知补正"),
    "review": _("进入审核"),
    "approval": _("报送审批"),
    "returned": _("退回上一环节"),
    "completed": _("办结"),
    "suspended": _("进入特别程序"),
    "resumed": _("恢复办理"),
    "extended": _("延长办理期限"),
    "withdrawn": _("申请人撤回"),
    "delivered": _("出件"),
    "deficiency_fulfilled": _("容缺材料已补齐"),
}


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


# --- the clock, as shown everywhere ---------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """Remaining working days and how to show them. `as_of` is the day the count is made from: today, or the
    day the clock stopped while a correction or special procedure lasts (those days are not counted)."""

    running: bool
    stopped: bool
    promised_due: dt.date | None
    statutory_due: dt.date | None
    remaining: int | None
    statutory_remaining: int | None
    answer_due: dt.date | None
    answer_remaining: int | None
    answer_overdue: bool
    colour: str  # green / yellow / red (deadlines.warning_level), "" when no clock runs

    @property
    def overdue(self) -> bool:
        return self.remaining is not None and self.remaining < 0

    @property
    def overdue_days(self) -> int:
        return -self.remaining if self.overdue else 0


def _yellow_share(application: Application) -> float:
    """The centre's warning policy when it was loaded with the case (select_related), else the default."""
    centre = application.centre
    policy = None
    if type(centre).warning_policy.is_cached(centre):
        policy = getattr(centre, "warning_policy", None) if hasattr(centre, "warning_policy") else None
    return float(policy.yellow_share if policy is not None else DEFAULT_YELLOW_SHARE)


def case_clock(application: Application, *, today: dt.date | None = None) -> Clock:
    today = today or timezone.localdate()
    status = application.status
    in_progress = status in Application.OPEN_STATUSES
    stopped = status == Status.SUSPENDED
    as_of = today
    if stopped:
        open_stops = [s for s in application.clock_stops.all() if s.ended_on is None]
        if open_stops:
            as_of = min(today, open_stops[0].started_on)
    remaining = statutory_remaining = None
    if in_progress and application.promised_due:
        remaining = deadlines.remaining_working_days(today=as_of, due=application.promised_due)
    if in_progress and application.statutory_due:
        statutory_remaining = deadlines.remaining_working_days(today=as_of, due=application.statutory_due)
    answer_due = application.online_answer_due if status == Status.SUBMITTED else None
    answer_remaining = deadlines.remaining_working_days(today=today, due=answer_due) if answer_due else None
    colour = ""
    if remaining is not None:
        colour = deadlines.warning_level(
            today=as_of,
            due=application.promised_due,
            limit_days=application.matter.promised_days,
            yellow_share=_yellow_share(application),
        ).value
    return Clock(
        running=in_progress and not stopped,
        stopped=stopped or status == Status.CORRECTION,
        promised_due=application.promised_due,
        statutory_due=application.statutory_due,
        remaining=remaining,
        statutory_remaining=statutory_remaining,
        answer_due=answer_due,
        answer_remaining=answer_remaining,
        answer_overdue=answer_due is not None and today > answer_due,
        colour=colour,
    )


@dataclass(frozen=True)
class CaseRow:
    """One line of a list: the case and its clock."""

    application: Application
    clock: Clock


def case_rows(applications, *, today: dt.date | None = None) -> list[CaseRow]:
    today = today or timezone.localdate()
    return [CaseRow(application=a, clock=case_clock(a, today=today)) for a in applications]


# --- the case page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageLine:
    position: int
    name: str
    share_percent: int | None
    due: dt.date | None
    state: str  # done / current / pending


@dataclass(frozen=True)
class MaterialLine:
    material: object
    files: list
    deficient: bool
    fulfilled: bool
    in_notice: bool


@dataclass(frozen=True)
class TimelineEntry:
    event: ApplicationEvent
    label: str


@dataclass(frozen=True)
class NoticeRow:
    """One item of the open one-time notice and the files uploaded for it since the notice was issued."""

    item: CorrectionItem
    fresh_files: list


@dataclass
class CaseView:
    application: Application
    clock: Clock
    stage_name: str
    stages: list[StageLine]
    materials: list[MaterialLine]
    other_files: list
    events: list
    clock_stops: list
    notices: list
    open_notice: CorrectionNotice | None
    deficiency: object | None
    extension: object | None
    warning_level: str
    warnings: list
    chain_step: object | None = None
    deficiency_candidates: list = field(default_factory=list)
    notice_rows: list[NoticeRow] = field(default_factory=list)
    actions: frozenset[str] = frozenset()


def stage_name(application: Application, position: int | None = None) -> str:
    position = application.stage_position if position is None else position
    if position <= 0:
        return str(_("预审")) if application.status in (Status.SUBMITTED, Status.CORRECTION) else ""
    stages = list(application.matter.stages.all())
    for stage in stages:
        if stage.position == position:
            return stage.name
    if position <= len(DEFAULT_STAGE_NAMES):
        return str(DEFAULT_STAGE_NAMES[position - 1])
    return str(position)


def _stage_lines(application: Application) -> list[StageLine]:
    stages = sorted(application.matter.stages.all(), key=lambda s: s.position)
    dues: list[dt.date | None] = [None] * len(stages)
    if application.accepted_on and stages:
        try:
            dues = deadlines.stage_due_dates(
                accepted_on=application.accepted_on,
                promised_days=application.matter.promised_days + application.extension_days,
                shares=[s.share_percent for s in stages],
                stopped_days=application.stopped_days,
            )
        except ValueError:  # shares that do not add up to 100: show the stages without their dates
            dues = [None] * len(stages)
    finished = application.status in (Status.COMPLETED, Status.DELIVERED)
    lines = []
    for stage, due in zip(stages, dues, strict=True):
        if finished or stage.position < application.stage_position:
            state = "done"
        elif stage.position == application.stage_position and application.status in Application.OPEN_STATUSES:
            state = "current"
        else:
            state = "pending"
        lines.append(StageLine(stage.position, stage.name, stage.share_percent, due, state))
    return lines


def case_view(application: Application, *, actor, today: dt.date | None = None) -> CaseView:
    """Everything the case pages show, from one application loaded by `application_for_*` (no further queries
    beyond those prefetches)."""
    files = list(application.files.all())
    notices = list(application.correction_notices.all())
    open_notice = notices[0] if notices and application.status == Status.CORRECTION else None
    noticed = {item.material_id for item in open_notice.items.all()} if open_notice else set()
    deficiency = deficiency_of(application)
    deficient_ids = {m.pk for m in deficiency.materials.all()} if deficiency else set()
    by_material: dict[int, list] = {}
    others = []
    for f in files:
        if f.material_id is None:
            others.append(f)
        else:
            by_material.setdefault(f.material_id, []).append(f)
    materials = [
        MaterialLine(
            material=m,
            files=by_material.get(m.pk, []),
            deficient=m.pk in deficient_ids,
            fulfilled=bool(deficiency and deficiency.fulfilled_at),
            in_notice=m.pk in noticed,
        )
        for m in application.matter.materials.all()
    ]
    warnings = sorted(application.warnings.all(), key=lambda w: (-WARNING_RANK.get(w.level, 0), -w.pk))
    uploaded = set(by_material)
    notice_rows = []
    if open_notice is not None:
        since = open_notice.issued_at
        notice_rows = [
            NoticeRow(item, [f for f in by_material.get(item.material_id, []) if f.uploaded_at >= since])
            for item in open_notice.items.all()
        ]
    candidates = [m for m in application.matter.materials.all() if m.deficiency_allowed and m.pk not in uploaded]
    return CaseView(
        application=application,
        clock=case_clock(application, today=today),
        stage_name=stage_name(application),
        stages=_stage_lines(application),
        materials=materials,
        other_files=others,
        events=[TimelineEntry(event, event_label(event.kind)) for event in application.events.all()],
        clock_stops=list(application.clock_stops.all()),
        notices=notices,
        open_notice=open_notice,
        deficiency=deficiency,
        extension=extension_of(application),
        warning_level=warnings[0].level if warnings else "",
        warnings=warnings,
        chain_step=chain_step_of(application),
        deficiency_candidates=candidates,
        notice_rows=notice_rows,
        actions=available_actions(actor, application) if is_case_staff(actor) else citizen_actions(actor, application),
    )


def latest_notice(application: Application, *, notice_id: int | None = None) -> CorrectionNotice | None:
    """The case's notice to print: the one asked for, else the latest (from the prefetched notices)."""
    notices = list(application.correction_notices.all())
    if notice_id is not None:
        return next((n for n in notices if n.pk == notice_id), None)
    return notices[0] if notices else None
