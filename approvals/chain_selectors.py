"""Reads for parallel approval chains (并联审批): the merged material list of a template (一张表单, shared
materials given once), a chain's report against the steps' statutory limits, and — for the chain pages and
API — the templates and chains an actor may see, and a chain's overview (steps by depth, clocks, findings,
notices, the actor's actions)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hall import workdays
from hall.models import Material, MatterStage, Role
from hall.permissions import is_manager_of
from hall.selectors import scope_to_actor

from . import chain_graph, deadlines, figures
from .models import (
    Application,
    CaseWarning,
    Chain,
    ChainFinding,
    ChainStep,
    ChainTemplate,
    ChainTemplateStep,
    CorrectionItem,
    CorrectionNotice,
    WarningPolicy,
)
from .models.policy import DEFAULT_YELLOW_SHARE
from .selectors import warning_colour_label


def material_key(name: str) -> str:
    """Materials of different matters are the same material when their names match (spaces ignored)."""
    return "".join((name or "").split())


@dataclass(frozen=True)
class MaterialUse:
    step_key: str
    matter_name: str
    department_name: str
    material_id: int
    required: bool
    deficiency_allowed: bool


@dataclass(frozen=True)
class ChainMaterial:
    """One line of the chain's single materials list, with the steps that need it."""

    name: str
    form: str
    required: bool
    # 容缺 only when every step that requires it allows it.
    deficiency_allowed: bool
    notes: str
    uses: tuple[MaterialUse, ...]

    @property
    def material_ids(self) -> tuple[int, ...]:
        return tuple(use.material_id for use in self.uses)


def chain_template_steps(template: ChainTemplate) -> list[ChainTemplateStep]:
    materials = Prefetch("matter__materials", queryset=Material.objects.order_by("position", "id"))
    return list(
        template.steps.select_related("matter__department")
        .prefetch_related("depends_on", materials)
        .order_by("position", "id")
    )


def template_graph(steps: list[ChainTemplateStep]) -> dict[str, list[str]]:
    """key → keys it depends on, in the steps' order (needs `depends_on` prefetched)."""
    return {step.key: [d.key for d in step.depends_on.all()] for step in steps}


def chain_materials(template: ChainTemplate, *, steps: list[ChainTemplateStep] | None = None) -> list[ChainMaterial]:
    """The union of the steps' materials, the same name given once, in the order the steps come."""
    steps = chain_template_steps(template) if steps is None else steps
    lines: dict[str, dict] = {}
    for step in steps:
        for material in step.matter.materials.all():
            line = lines.setdefault(
                material_key(material.name),
                {"name": material.name.strip(), "form": material.get_form_display(), "notes": material.notes,
                 "uses": []},
            )
            line["uses"].append(
                MaterialUse(
                    step_key=step.key,
                    matter_name=step.matter.name,
                    department_name=step.matter.department.name,
                    material_id=material.pk,
                    required=material.required,
                    deficiency_allowed=material.deficiency_allowed,
                )
            )
    merged = []
    for line in lines.values():
        uses = tuple(line["uses"])
        required = [use for use in uses if use.required]
        merged.append(
            ChainMaterial(
                name=line["name"],
                form=line["form"],
                required=bool(required),
                deficiency_allowed=bool(required) and all(use.deficiency_allowed for use in required),
                notes=line["notes"],
                uses=uses,
            )
        )
    return merged


# --- report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainStepReport:
    key: str
    matter_name: str
    department_name: str
    status: str
    status_label: str
    accepted_on: dt.date | None
    completed_on: dt.date | None
    statutory_days: int
    promised_days: int
    elapsed_working_days: int | None


@dataclass(frozen=True)
class ChainReport:
    chain: Chain
    accepted_on: dt.date
    completed_on: dt.date | None
    elapsed_working_days: int
    promised_days: int
    statutory_days_sum: int
    statutory_critical_path: int
    steps: tuple[ChainStepReport, ...]

    @property
    def faster_percent(self) -> int | None:
        """How much faster than the steps' statutory limits one after another (the seeds: 50 → 22 days is
        56 % faster)."""
        if self.statutory_days_sum <= 0:
            return None
        return round(100 * (self.statutory_days_sum - self.elapsed_working_days) / self.statutory_days_sum)


def chain_report(*, chain: Chain, today: dt.date | None = None) -> ChainReport:
    """Elapsed working days from acceptance to completion (or today) against the sum of the steps'
    statutory limits."""
    today = today or timezone.localdate()
    steps = list(
        ChainStep.objects.filter(chain=chain)
        .select_related("application__matter", "application__department", "template_step")
        .prefetch_related("template_step__depends_on")
        .order_by("template_step__position", "id")
    )
    rows = []
    for step in steps:
        application = step.application
        completed_on = timezone.localdate(application.completed_at) if application.completed_at else None
        started_on = application.accepted_on if step.started else None
        rows.append(
            ChainStepReport(
                key=step.template_step.key,
                matter_name=application.matter.name,
                department_name=application.department.name,
                status=application.status,
                status_label=application.get_status_display(),
                accepted_on=started_on,
                completed_on=completed_on,
                statutory_days=application.matter.statutory_days,
                promised_days=application.matter.promised_days,
                elapsed_working_days=(
                    workdays.working_days_between(started_on, completed_on or today) if started_on else None
                ),
            )
        )
    graph = {step.template_step.key: [d.key for d in step.template_step.depends_on.all()] for step in steps}
    statutory = {row.key: row.statutory_days for row in rows}
    return ChainReport(
        chain=chain,
        accepted_on=chain.accepted_on,
        completed_on=chain.completed_on,
        elapsed_working_days=workdays.working_days_between(chain.accepted_on, chain.completed_on or today),
        promised_days=chain.template.promised_days,
        statutory_days_sum=sum(statutory.values()),
        statutory_critical_path=chain_graph.critical_path(graph, statutory),
        steps=tuple(rows),
    )


# --- the chain pages and API: what the actor may see and do --------------------------------------------
# Who sees which chain is decided here (the centres of `hall.selectors.centre_ids_for_actor`); who may act
# mirrors approvals/services/chains.py and chain_notices.py, which stay the authority: a refused action shows
# the service's Chinese message.

CHAIN_READERS = (Role.CLERK, Role.APPROVER, Role.MANAGER, Role.SUPERVISOR)
CHAIN_ACCEPTORS = (Role.CLERK, Role.APPROVER, Role.MANAGER)
DEPARTMENT_ROLES = (Role.CLERK, Role.APPROVER)
Status = Application.Status
DONE = (Status.COMPLETED, Status.DELIVERED)
DECIDING = (Chain.Status.IN_PROGRESS, Chain.Status.STOPPED)


def _person(actor) -> bool:
    return (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and not getattr(actor, "is_device", False)
        and getattr(actor, "is_active", False)
    )


def is_chain_reader(actor) -> bool:
    """Clerks, approvers, managers and supervisors (read-only) of a centre read its chains."""
    return _person(actor) and (bool(actor.is_superuser) or getattr(actor, "role", None) in CHAIN_READERS)


def may_accept_chains(actor) -> bool:
    """一窗受理: any clerk of the centre accepts a whole chain at a window (managers too)."""
    return (
        _person(actor)
        and getattr(actor, "centre_id", None) is not None
        and (bool(actor.is_superuser) or getattr(actor, "role", None) in CHAIN_ACCEPTORS)
    )


def chain_templates_for_actor(*, actor) -> QuerySet[ChainTemplate]:
    """The active chain templates of the actor's own centre, for acceptance at its windows."""
    if not may_accept_chains(actor):
        return ChainTemplate.objects.none()
    return (
        ChainTemplate.objects.filter(centre_id=actor.centre_id, is_active=True)
        .select_related("lead_department")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=ChainTemplateStep.objects.select_related("matter__department")
                .prefetch_related("depends_on")
                .order_by("position", "id"),
            )
        )
        .order_by("name", "id")
    )


def chain_template_for_actor(*, actor, template_id: int) -> ChainTemplate | None:
    return chain_templates_for_actor(actor=actor).filter(pk=template_id).first()


def chains_for_actor(*, actor) -> QuerySet[Chain]:
    """The chains of the actor's centres, newest first, each with its steps counted and the sum of their
    statutory limits (one query)."""
    if not is_chain_reader(actor):
        return Chain.objects.none()
    return (
        scope_to_actor(Chain.objects.select_related("template", "lead_department"), actor)
        .annotate(
            steps_total=Count("steps"),
            steps_done=Count("steps", filter=Q(steps__application__status__in=DONE)),
            statutory_sum=Sum("steps__application__matter__statutory_days"),
        )
        .order_by("-accepted_on", "-id")
    )


def chain_elapsed_days(chain: Chain, *, today: dt.date) -> int:
    """Working days from acceptance to completion, or to today while the chain is open."""
    return workdays.working_days_between(chain.accepted_on, chain.completed_on or today)


@dataclass(frozen=True)
class ChainSpeed:
    """The centre's completed chains on average: elapsed working days against the sum of their steps'
    statutory limits (the seeds' "50 → 22 days, 56 % faster")."""

    count: int
    mean_elapsed: float
    mean_statutory: float

    @property
    def faster_percent(self) -> int | None:
        if not self.mean_statutory:
            return None
        return round(100 * (1 - self.mean_elapsed / self.mean_statutory))


def chain_speed_for_actor(*, actor, today: dt.date | None = None) -> ChainSpeed | None:
    """For the actor's own centre (two queries, in approvals.figures); None when no chain has completed."""
    if not is_chain_reader(actor) or getattr(actor, "centre_id", None) is None:
        return None
    done = figures.chain_durations(centre_id=actor.centre_id, today=today or timezone.localdate())
    if not done:
        return None
    return ChainSpeed(
        count=len(done),
        mean_elapsed=round(sum(d.elapsed_working_days for d in done) / len(done), 1),
        mean_statutory=round(sum(d.statutory_days_sum for d in done) / len(done), 1),
    )


def chain_for_actor(*, actor, chain_id: int) -> Chain | None:
    if not is_chain_reader(actor):
        return None
    return (
        scope_to_actor(Chain.objects.select_related("template", "lead_department", "centre", "accepted_by"), actor)
        .filter(pk=chain_id)
        .first()
    )


def step_depths(graph: dict[str, list[str]]) -> dict[str, int]:
    """How far each step is from the start: 0 for the steps without predecessors, else one more than its
    deepest predecessor. The overview shows one column per depth."""
    depth: dict[str, int] = {}

    def depth_of(key: str) -> int:
        if key not in depth:
            depth[key] = 1 + max((depth_of(d) for d in graph[key]), default=-1)
        return depth[key]

    for key in graph:
        depth_of(key)
    return depth


def is_lead_actor(actor, chain: Chain) -> bool:
    """The lead department's staff (主办部门), or a manager of the chain's centre in its place."""
    if not _person(actor):
        return False
    if actor.is_superuser or is_manager_of(actor, chain.centre_id):
        return True
    return (
        getattr(actor, "role", None) in DEPARTMENT_ROLES
        and actor.centre_id == chain.centre_id
        and actor.department_id == chain.lead_department_id
    )


def _department_actor(actor, application: Application) -> bool:
    if not _person(actor):
        return False
    if actor.is_superuser:
        return True
    return (
        getattr(actor, "role", None) in DEPARTMENT_ROLES
        and actor.centre_id == application.centre_id
        and actor.department_id == application.department_id
    )


@dataclass(frozen=True)
class StepCard:
    """One step of the chain as its card shows it."""

    step: ChainStep
    application: Application
    key: str
    depth: int
    depends_on: tuple[str, ...]  # keys of the steps it waits for
    predecessors: tuple[str, ...]  # their matter names
    state: str  # waiting / running / suspended / done / refused / closed
    state_label: str
    stage_name: str
    due: dt.date | None
    remaining: int | None
    colour: str  # green / yellow / red / purple, "" when no clock runs
    colour_label: str
    clock_stopped: bool
    findings: tuple[ChainFinding, ...]  # pending, not yet in a notice
    materials: tuple[Material, ...]
    may_report_finding: bool
    may_decide: bool

    @property
    def overdue_days(self) -> int:
        return -self.remaining if self.remaining is not None and self.remaining < 0 else 0


@dataclass(frozen=True)
class ChainOverview:
    chain: Chain
    report: ChainReport
    steps: tuple[StepCard, ...]
    columns: tuple[tuple[StepCard, ...], ...]
    pending_findings: tuple[ChainFinding, ...]
    notices: tuple[CorrectionNotice, ...]
    open_notice: CorrectionNotice | None
    resubmit_materials: tuple[Material, ...]
    is_lead: bool
    actions: frozenset[str]  # issue-notice / resubmit / lead-decide

    @property
    def steps_done(self) -> int:
        return sum(1 for card in self.steps if card.state == "done")


def _step_state(step: ChainStep, application: Application) -> tuple[str, str]:
    status = application.status
    if status == Status.SUBMITTED and not step.started:
        return "waiting", _("等待前置环节办结")
    if status in DONE:
        if application.outcome == Application.Outcome.REFUSED:
            return "refused", _("不予许可")
        return "done", _("已办结（准予许可）")
    if status == Status.SUSPENDED:
        return "suspended", _("特别程序中，停止计时")
    if status in (Status.NOT_ACCEPTED, Status.WITHDRAWN):
        return "closed", _("已终止")
    return "running", application.get_status_display()


def _stage_name(application: Application) -> str:
    if application.stage_position <= 0:
        return ""
    for stage in application.matter.stages.all():
        if stage.position == application.stage_position:
            return stage.name
    return ""


def _card_clock(application: Application, *, today: dt.date, yellow_share: float) -> tuple:
    """Due date, remaining working days, colour and whether the clock stands: counted from the day an open
    clock stop began (the chain's notice or a special procedure), since stopped days do not count."""
    if application.status not in Application.OPEN_STATUSES or application.promised_due is None:
        return None, None, "", False
    open_stops = [stop for stop in application.clock_stops.all() if stop.ended_on is None]
    as_of = min([today, *(stop.started_on for stop in open_stops)])
    remaining = deadlines.remaining_working_days(today=as_of, due=application.promised_due)
    colour = deadlines.warning_level(
        today=as_of,
        due=application.promised_due,
        limit_days=application.matter.promised_days + application.extension_days,
        yellow_share=yellow_share,
    ).value
    purple = any(
        w.level == CaseWarning.Level.PURPLE and w.stage_position == application.stage_position
        for w in application.warnings.all()
    )
    return application.promised_due, remaining, "purple" if purple else colour, bool(open_stops)


def chain_overview(*, actor, chain: Chain, today: dt.date | None = None) -> ChainOverview:
    """Everything the chain page shows for a chain from `chain_for_actor`: the step cards in graph order with
    their clocks, the report against the statutory limits, the pending findings and the notices, and what
    the actor may do."""
    today = today or timezone.localdate()
    steps = list(
        ChainStep.objects.filter(chain=chain)
        .select_related("application__matter", "application__department", "application__handler", "template_step")
        .prefetch_related(
            "template_step__depends_on",
            "application__warnings",
            "application__clock_stops",
            Prefetch("application__matter__stages", queryset=MatterStage.objects.order_by("position")),
            Prefetch("application__matter__materials", queryset=Material.objects.order_by("position", "id")),
        )
        .order_by("template_step__position", "id")
    )
    findings = list(
        ChainFinding.objects.filter(chain=chain, notice__isnull=True)
        .select_related("material", "found_by", "step__application__department")
        .order_by("id")
    )
    notices = list(
        CorrectionNotice.objects.filter(chain=chain)
        .select_related("issued_by")
        .prefetch_related(
            Prefetch("items", queryset=CorrectionItem.objects.select_related("material", "department").order_by("id"))
        )
        .order_by("-issued_at", "-id")
    )
    policy = WarningPolicy.objects.filter(centre_id=chain.centre_id).values_list("yellow_share", flat=True).first()
    yellow_share = float(policy if policy is not None else DEFAULT_YELLOW_SHARE)
    graph = {s.template_step.key: [d.key for d in s.template_step.depends_on.all()] for s in steps}
    depths = step_depths(graph)
    names = {s.template_step.key: s.application.matter.name for s in steps}
    running = chain.status == Chain.Status.IN_PROGRESS
    cards = []
    for step in steps:
        application = step.application
        state, state_label = _step_state(step, application)
        due, remaining, colour, stopped = _card_clock(application, today=today, yellow_share=yellow_share)
        mine = _department_actor(actor, application)
        single_stage = len(application.matter.stages.all()) <= 1
        decidable = application.status == Status.APPROVAL or (application.status == Status.ACCEPTED and single_stage)
        cards.append(
            StepCard(
                step=step,
                application=application,
                key=step.template_step.key,
                depth=depths[step.template_step.key],
                depends_on=tuple(graph[step.template_step.key]),
                predecessors=tuple(names[key] for key in graph[step.template_step.key]),
                state=state,
                state_label=str(state_label),
                stage_name=_stage_name(application),
                due=due,
                remaining=remaining,
                colour=colour,
                colour_label=warning_colour_label(colour),
                clock_stopped=stopped or (chain.status == Chain.Status.CORRECTION and state == "running"),
                findings=tuple(f for f in findings if f.step_id == step.pk),
                materials=tuple(application.matter.materials.all()),
                may_report_finding=mine and running and state in ("waiting", "running", "suspended"),
                # A stopped chain waits for the lead's decision, but steps already running may still finish.
                may_decide=mine and chain.status in DECIDING and step.started and decidable,
            )
        )
    columns = tuple(
        tuple(card for card in cards if card.depth == depth) for depth in range(max(depths.values(), default=-1) + 1)
    )
    open_notice = next((n for n in notices if n.answered_at is None), None)
    is_lead = is_lead_actor(actor, chain)
    actions = set()
    if is_lead:
        if running and findings:
            actions.add("issue-notice")
        if chain.status == Chain.Status.CORRECTION:
            actions.add("resubmit")
        if chain.status == Chain.Status.STOPPED:
            actions.add("lead-decide")
    resubmit_materials = ()
    if open_notice is not None:
        seen = {}
        for item in open_notice.items.all():
            if item.material_id and item.material_id not in seen:
                seen[item.material_id] = item.material
        resubmit_materials = tuple(seen.values())
    return ChainOverview(
        chain=chain,
        report=chain_report(chain=chain, today=today),
        steps=tuple(cards),
        columns=columns,
        pending_findings=tuple(findings),
        notices=tuple(notices),
        open_notice=open_notice,
        resubmit_materials=resubmit_materials,
        is_lead=is_lead,
        actions=frozenset(actions),
    )
