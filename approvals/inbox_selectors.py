"""The department inbox as its page and API show it: the entries of approvals.selectors — `department_inbox`
for clerks and approvers, `centre_inbox` for managers and supervisors (their centre, optionally one
department) — filtered by warning colour and stage, one page of them, and the chain badge of every step of a
parallel chain on that page (one query for the page, not one per row)."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.utils import timezone

from common.masking import mask_name
from hall.models import Department

from .models import ChainStep
from .selectors import (
    CENTRE_INBOX_ROLES,
    INBOX_ROLES,
    WARNING_COLOURS,
    InboxEntry,
    centre_inbox,
    department_inbox,
    warning_colour_label,
)

PAGE_SIZE = 25


def _person(actor) -> bool:
    return (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and not getattr(actor, "is_device", False)
        and getattr(actor, "is_active", False)
    )


def has_department_inbox(actor) -> bool:
    return _person(actor) and actor.role in INBOX_ROLES and actor.department_id is not None


def has_centre_inbox(actor) -> bool:
    return _person(actor) and actor.role in CENTRE_INBOX_ROLES and actor.centre_id is not None


def may_read_inbox(actor) -> bool:
    """Clerks and approvers of a department read its inbox; managers and supervisors their centre's."""
    return has_department_inbox(actor) or has_centre_inbox(actor)


@dataclass(frozen=True)
class ChainBadge:
    chain_id: int
    tracking_code: str
    template_name: str
    step_key: str
    chain_status: str
    chain_status_label: str


@dataclass(frozen=True)
class InboxRow:
    entry: InboxEntry
    applicant: str  # masked: 张*, 江****司
    chain: ChainBadge | None

    @property
    def application(self):
        return self.entry.application

    @property
    def overdue_days(self) -> int:
        return max(0, -self.entry.remaining_days)


@dataclass
class InboxPage:
    rows: list[InboxRow]
    page: Page
    scope: str  # "department" or "centre"
    colour: str = ""
    stage: str = ""
    department: Department | None = None
    departments: list[Department] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    colour_counts: dict[str, int] = field(default_factory=dict)
    ignored_filters: bool = False

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def colour_choices(self) -> list[tuple[str, str, int]]:
        return [(c, warning_colour_label(c), self.colour_counts.get(c, 0)) for c in WARNING_COLOURS]


def _chain_badges(entries: list[InboxEntry]) -> dict[int, ChainBadge]:
    ids = [entry.application.pk for entry in entries]
    if not ids:
        return {}
    steps = ChainStep.objects.filter(application_id__in=ids).select_related("chain__template", "template_step")
    return {
        step.application_id: ChainBadge(
            chain_id=step.chain_id,
            tracking_code=step.chain.tracking_code,
            template_name=step.chain.template.name,
            step_key=step.template_step.key,
            chain_status=step.chain.status,
            chain_status_label=step.chain.get_status_display(),
        )
        for step in steps
    }


def inbox_for_actor(
    *,
    actor,
    department_id: int | None = None,
    colour: str = "",
    stage: str = "",
    page: int | str | None = 1,
    page_size: int = PAGE_SIZE,
    today: dt.date | None = None,
) -> InboxPage | None:
    """One page of the actor's inbox, most urgent first, or None when the actor has no inbox. A filter that
    names no colour or no department of the centre is ignored (and said so), never an error; a stage no case
is in gives an empty page."""
    if not may_read_inbox(actor):
        return None
    today = today or timezone.localdate()
    ignored = False
    departments: list[Department] = []
    department = None
    if has_department_inbox(actor):
        scope = "department"
        entries = department_inbox(actor=actor, today=today)
    else:
        scope = "centre"
        departments = list(Department.objects.filter(centre_id=actor.centre_id).order_by("code", "id"))
        department = next((d for d in departments if d.pk == department_id), None)
        ignored |= department_id is not None and department is None
        entries = centre_inbox(actor=actor, department_id=department.pk if department else None, today=today)
    stages = sorted({entry.stage_name for entry in entries if entry.stage_name})
    if stage:
        entries = [entry for entry in entries if entry.stage_name == stage]
    counts = {c: 0 for c in WARNING_COLOURS}
    for entry in entries:
        counts[entry.colour] = counts.get(entry.colour, 0) + 1
    if colour and colour not in WARNING_COLOURS:
        ignored, colour = True, ""
    if colour:
        entries = [entry for entry in entries if entry.colour == colour]
    current = Paginator(entries, page_size).get_page(page)
    badges = _chain_badges(list(current.object_list))
    rows = [
        InboxRow(entry=entry, applicant=mask_name(entry.application.applicant_name),
                 chain=badges.get(entry.application.pk))
        for entry in current.object_list
    ]
    return InboxPage(
        rows=rows,
        page=current,
        scope=scope,
        colour=colour,
        stage=stage,
        department=department,
        departments=departments,
        stages=stages,
        colour_counts=counts,
        ignored_filters=ignored,
    )
