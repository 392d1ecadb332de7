"""Approvals reads. Who may see which case is decided here, and only here:

- a citizen sees their own applications; staff see their centre's (plus centres granted to them for
  reading), drafts excluded; supervisors (电子监察) read the same, and the services refuse them every write;
- a department's inbox: its open cases, most urgent first, with their warning colour and remaining days;
- the public tracking page (一码通) by tracking code: no account, nothing but the masked name, the stages,
  the departments, the public notes and the dates.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import NotFound
from common.masking import mask_name
from hall import workdays
from hall.models import MatterStage, Role
from hall.selectors import scope_to_actor

from . import deadlines
from .models import Application, ApplicationEvent, CaseWarning, Chain, ChainStep, WarningPolicy
from .models.policy import DEFAULT_YELLOW_SHARE

Status = Application.Status
CLOCK_RUNNING = (Status.ACCEPTED, Status.REVIEW, Status.APPROVAL)
CENTRE_READERS = (Role.CLERK, Role.APPROVER, Role.MANAGER, Role.SUPERVISOR)
INBOX_ROLES = (Role.CLERK, Role.APPROVER)
CENTRE_INBOX_ROLES = (Role.MANAGER, Role.SUPERVISOR)


def _signed_in(actor) -> bool:
    return (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and not getattr(actor, "is_device", False)
        and getattr(actor, "is_active", False)
    )


# --- staff and citizens ------------------------------------------------------------------------------------


def applications_for_actor(*, actor) -> QuerySet[Application]:
    """Citizen: own applications only. Clerks, approvers, managers and supervisors: their centres' cases
    (not other people's drafts). Everyone else (callback operators, devices, anonymous): nothing."""
    qs = Application.objects.select_related("matter", "department", "centre", "handler")
    if not _signed_in(actor):
        return qs.none()
    if actor.is_superuser:
        return qs.exclude(status=Status.DRAFT)
    if actor.role == Role.CITIZEN:
        return qs.filter(applicant=actor)
    if actor.role in CENTRE_READERS:
        return scope_to_actor(qs.exclude(status=Status.DRAFT), actor)
    return qs.none()


def application_detail_for_actor(*, actor, application_id) -> Application:
    """One case with everything its page shows, or NotFound (whether it exists or is not the actor's)."""
    events = ApplicationEvent.objects.select_related("actor", "department").order_by("id")
    application = (
        applications_for_actor(actor=actor)
        .filter(pk=application_id)
        .select_related("extension")
        .prefetch_related(
            Prefetch("events", queryset=events),
            "files",
            "clock_stops",
            "warnings",
            "correction_notices__items",
            "matter__stages",
        )
        .first()
    )
    if application is None:
        raise NotFound(_("办件不存在或您无权查看。"))
    return application


# A warning colour is never shown alone: every page and the API give its words too.
WARNING_COLOURS = ("green", "yellow", "red", "purple")
WARNING_COLOUR_LABELS = {
    "green": gettext_lazy("正常"),
    "yellow": gettext_lazy("黄牌预警"),
    "red": gettext_lazy("红牌预警"),
    "purple": gettext_lazy("紫牌（环节超时）"),
}


def warning_colour_label(colour: str) -> str:
    return str(WARNING_COLOUR_LABELS.get(colour, ""))


@dataclass(frozen=True)
class InboxEntry:
    application: Application
    remaining_days: int
    level: str  # green, yellow or red (deadlines.Level)
    purple: bool  # a purple card (紫牌) stands for the current stage
    clock_stopped: bool
    stage_name: str

    @property
    def colour(self) -> str:
        return CaseWarning.Level.PURPLE.value if self.purple else self.level

    @property
    def colour_label(self) -> str:
        return warning_colour_label(self.colour)

    @property
    def overdue(self) -> bool:
        return self.remaining_days < 0


def _stage_name(application: Application) -> str:
    for stage in application.matter.stages.all():
        if stage.position == application.stage_position:
            return stage.name
    return application.get_status_display()


def department_inbox(
    *, actor, today: dt.date | None = None, limit: int | None = None, offset: int = 0
) -> list[InboxEntry]:
    """The open cases of the actor's department, overdue first, then by promised due date. One query (the
    centre's yellow share and the purple card as subqueries) plus one prefetch of the matters' stages.
    `limit`/`offset` page in SQL (the partial index `application_open_inbox_idx` serves the order)."""
    if not _signed_in(actor) or actor.role not in INBOX_ROLES or actor.department_id is None:
        return []
    cases = Application.objects.filter(centre_id=actor.centre_id, department_id=actor.department_id)
    return _inbox_entries(cases, today=today or timezone.localdate(), limit=limit, offset=offset)


def department_inbox_count(*, actor) -> int:
    if not _signed_in(actor) or actor.role not in INBOX_ROLES or actor.department_id is None:
        return 0
    return Application.objects.filter(
        centre_id=actor.centre_id, department_id=actor.department_id, status__in=Application.OPEN_STATUSES
    ).count()


def centre_inbox(*, actor, department_id: int | None = None, today: dt.date | None = None) -> list[InboxEntry]:
    """Managers and supervisors (read-only): the open cases of their own centre, or of one of its departments,
    sorted and coloured as in `department_inbox`; the same two queries."""
    if not _signed_in(actor) or actor.role not in CENTRE_INBOX_ROLES or actor.centre_id is None:
        return []
    cases = Application.objects.filter(centre_id=actor.centre_id)
    if department_id is not None:
        cases = cases.filter(department_id=department_id)
    return _inbox_entries(cases, today=today or timezone.localdate())


def _inbox_entries(
    cases: QuerySet[Application], *, today: dt.date, limit: int | None = None, offset: int = 0
) -> list[InboxEntry]:
    share = WarningPolicy.objects.filter(centre_id=OuterRef("centre_id")).values("yellow_share")[:1]
    purple = CaseWarning.objects.filter(
        application_id=OuterRef("pk"), level=CaseWarning.Level.PURPLE, stage_position=OuterRef("stage_position")
    )
    rows = (
        cases.filter(status__in=Application.OPEN_STATUSES)
        .select_related("matter", "handler", "department")
        .prefetch_related(Prefetch("matter__stages", queryset=MatterStage.objects.order_by("position")))
        .annotate(
            yellow_share=Subquery(share),
            has_purple=Exists(purple),
        )
        # Overdue cases have the earliest due dates, so due-date order is "overdue first, then by due date".
        .order_by("promised_due", "id")
    )
    if limit is not None:
        rows = rows[offset : offset + limit]
    entries = []
    for application in rows:
        limit = application.matter.promised_days + application.extension_days
        level = deadlines.warning_level(
            today=today,
            due=application.promised_due,
            limit_days=limit,
            yellow_share=float(application.yellow_share or DEFAULT_YELLOW_SHARE),
        )
        entries.append(
            InboxEntry(
                application=application,
                remaining_days=deadlines.remaining_working_days(today=today, due=application.promised_due),
                level=level.value,
                purple=application.has_purple,
                clock_stopped=application.status == Status.SUSPENDED,
                stage_name=_stage_name(application),
            )
        )
    return entries


# --- public tracking (一码通) -------------------------------------------------------------------------------

TRACKING_CODE_RE = re.compile(r"^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{16}$")
UNTRACKED = (Status.DRAFT,)


def normalize_tracking_code(raw) -> str | None:
    """What a person types (spaces, dashes, lower case) → the code, or None when it cannot be one."""
    code = re.sub(r"[\s-]", "", str(raw or "")).upper()[:40]
    return code if TRACKING_CODE_RE.match(code) else None


@dataclass(frozen=True)
class TrackedEvent:
    at: dt.datetime
    department: str
    note: str


@dataclass(frozen=True)
class TrackedCase:
    tracking_code: str
    matter_name: str
    department_name: str
    applicant: str  # masked
    status: str
    status_label: str
    stage_label: str
    accepted_on: dt.date | None
    due_date: dt.date | None
    remaining_days: int | None
    answer_due: dt.date | None
    outcome_label: str
    completed_on: dt.date | None
    early_days: int | None
    delivery_label: str
    events: tuple[TrackedEvent, ...]

    @property
    def is_open(self) -> bool:
        return self.remaining_days is not None

    @property
    def overdue_days(self) -> int:
        return -self.remaining_days if self.remaining_days is not None and self.remaining_days < 0 else 0


@dataclass(frozen=True)
class TrackedChain:
    tracking_code: str
    name: str
    applicant: str  # masked
    lead_department: str
    status: str
    status_label: str
    accepted_on: dt.date
    completed_on: dt.date | None
    steps: tuple[TrackedCase, ...]


def _public_events(application: Application) -> tuple[TrackedEvent, ...]:
    # Only the public note ever leaves: never the internal comment, the actor or anything personal.
    return tuple(
        TrackedEvent(
            at=timezone.localtime(event.created_at),
            department=event.department.name if event.department_id else "",
            note=event.public_note,
        )
        for event in application.events.all()
        if event.public_note
    )


def _stage_words(application: Application, *, waiting: bool) -> str:
    status = application.status
    if waiting:
        return _("等待前置环节办结后开始")
    if status in CLOCK_RUNNING:
        names = {stage.position: stage.name for stage in application.matter.stages.all()}
        stage = names.get(application.stage_position, application.get_status_display())
        return _("%(stage)s环节（%(department)s办理中）") % {"stage": stage, "department": application.department.name}
    if status == Status.SUSPENDED:
        return _("特别程序中，所需时间不计入办理期限")
    if status == Status.SUBMITTED:
        return _("已提交，等待预审")
    if status == Status.COMPLETED:
        return _("已办结：%(outcome)s") % {"outcome": application.get_outcome_display()}
    return application.get_status_display()


def _tracked_case(application: Application, *, today: dt.date, waiting: bool = False) -> TrackedCase:
    status = application.status
    completed_on = timezone.localdate(application.completed_at) if application.completed_at else None
    running = status in CLOCK_RUNNING and not waiting
    early = None
    if completed_on and application.promised_due and completed_on < application.promised_due:
        early = workdays.working_days_between(completed_on, application.promised_due)
    return TrackedCase(
        tracking_code=application.tracking_code,
        matter_name=application.matter.name,
        department_name=application.department.name,
        applicant=mask_name(application.applicant_name),
        status=status,
        status_label=application.get_status_display(),
        stage_label=_stage_words(application, waiting=waiting),
        accepted_on=application.accepted_on,
        due_date=application.promised_due if status in Application.OPEN_STATUSES and not waiting else None,
        remaining_days=(
            deadlines.remaining_working_days(today=today, due=application.promised_due) if running else None
        ),
        answer_due=application.online_answer_due if status == Status.SUBMITTED else None,
        outcome_label=application.get_outcome_display() if application.outcome else "",
        completed_on=completed_on,
        early_days=early,
        delivery_label=application.get_delivery_method_display() if status == Status.DELIVERED else "",
        events=_public_events(application),
    )


def _public_events_prefetch(lookup: str = "events") -> Prefetch:
    return Prefetch(lookup, queryset=ApplicationEvent.objects.select_related("department").order_by("id"))


def tracking_lookup(*, code, today: dt.date | None = None) -> TrackedCase | TrackedChain | None:
    """The public view of a case or a chain by its tracking code; None for anything else (a malformed code
    costs no query, and every unknown code gets the same None)."""
    code = normalize_tracking_code(code)
    if code is None:
        return None
    today = today or timezone.localdate()
    stages = Prefetch("matter__stages", queryset=MatterStage.objects.order_by("position"))
    application = (
        Application.objects.filter(tracking_code=code)
        .exclude(status__in=UNTRACKED)
        .select_related("matter", "department")
        .prefetch_related(_public_events_prefetch(), stages)
        .first()
    )
    if application is not None:
        return _tracked_case(application, today=today)
    chain = Chain.objects.filter(tracking_code=code).select_related("template", "lead_department").first()
    if chain is None:
        return None
    steps = (
        ChainStep.objects.filter(chain=chain)
        .select_related("application__matter", "application__department", "template_step")
        .prefetch_related(
            _public_events_prefetch("application__events"),
            Prefetch("application__matter__stages", queryset=MatterStage.objects.order_by("position")),
        )
        .order_by("template_step__position", "id")
    )
    return TrackedChain(
        tracking_code=chain.tracking_code,
        name=chain.template.name,
        applicant=mask_name(chain.applicant_name),
        lead_department=chain.lead_department.name,
        status=chain.status,
        status_label=chain.get_status_display(),
        accepted_on=chain.accepted_on,
        completed_on=chain.completed_on,
        steps=tuple(
            _tracked_case(
                step.application,
                today=today,
                # A step waiting for its predecessors is a received (submitted) case whose clock has not started.
                waiting=not step.started and step.application.status in (Status.SUBMITTED, *Application.OPEN_STATUSES),
            )
            for step in steps
        ),
    )
