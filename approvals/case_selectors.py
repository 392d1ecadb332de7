"""Reads of single cases (办件) that depend on who asks, for the citizen and staff pages, the file view and the
cases API. Scoping happens here: a citizen reads only their own applications; staff (clerks, approvers,
managers; supervisors read-only) only the cases of their centres; callback operators, devices and strangers none.

`available_actions` says which buttons to offer. It mirrors the checks of approvals/services/transitions.py and
intake.py, which stay the authority: a refused action shows the service's Chinese message. What the pages show
of one case (clock, stages, timeline) is in approvals/case_pages.py."""

from django.db.models import Prefetch, QuerySet

from hall.models import Matter, Role, Ticket

from . import selectors as case_scope
from .models import (
    Application,
    ApplicationEvent,
    ClockStop,
    CorrectionItem,
    CorrectionNotice,
    MaterialFile,
)

Status = Application.Status
READ_ROLES = (Role.CLERK, Role.APPROVER, Role.MANAGER, Role.SUPERVISOR)
# approvals.services.transitions.ensure_centre_clerk / ensure_department_member
CENTRE_ROLES = (Role.CLERK, Role.APPROVER, Role.MANAGER)
DEPARTMENT_ROLES = (Role.CLERK, Role.APPROVER)


# --- who reads ------------------------------------------------------------------------------------


def _is_person(actor) -> bool:
    return (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and not getattr(actor, "is_device", False)
        and getattr(actor, "is_active", False)
    )


def is_case_staff(actor) -> bool:
    """Staff who read the cases of their centres: clerks, approvers, managers and supervisors (read-only)."""
    return _is_person(actor) and (bool(actor.is_superuser) or getattr(actor, "role", None) in READ_ROLES)


def may_accept_cases(actor) -> bool:
    """Who may accept at the window and pre-review online submissions (一窗受理: any clerk of the centre)."""
    return _is_person(actor) and (bool(actor.is_superuser) or getattr(actor, "role", None) in CENTRE_ROLES)


def is_citizen(actor) -> bool:
    return _is_person(actor) and getattr(actor, "role", None) == Role.CITIZEN


# --- lists ----------------------------------------------------------------------------------------
# Who sees which case is decided in approvals.selectors.applications_for_actor (the one place); these
# narrow it to one audience and add what the pages show.


def applications_for_citizen(*, actor) -> QuerySet[Application]:
    if not is_citizen(actor):
        return Application.objects.none()
    return case_scope.applications_for_actor(actor=actor).prefetch_related("clock_stops").order_by("-created_at", "-id")


def applications_for_staff(*, actor) -> QuerySet[Application]:
    if not is_case_staff(actor):
        return Application.objects.none()
    return case_scope.applications_for_actor(actor=actor).prefetch_related("clock_stops").order_by("-created_at", "-id")


def prereview_queue(*, actor) -> QuerySet[Application]:
    """Online submissions of the actor's centres awaiting pre-review (预审), the oldest first."""
    if not may_accept_cases(actor):
        return Application.objects.none()
    return (
        case_scope.applications_for_actor(actor=actor)
        .filter(source=Application.Source.ONLINE, status=Status.SUBMITTED)
        .order_by("submitted_at", "id")
    )


# --- one case -------------------------------------------------------------------------------------


def _with_details(queryset: QuerySet[Application]) -> QuerySet[Application]:
    notices = CorrectionNotice.objects.select_related("issued_by").prefetch_related(
        Prefetch("items", queryset=CorrectionItem.objects.select_related("material", "department"))
    )
    return queryset.select_related(
        "centre__warning_policy", "ticket", "deficiency", "extension__requested_by", "extension__approved_by",
        "chain_step__chain__template",
    ).prefetch_related(
        "matter__materials",
        "matter__stages",
        Prefetch("files", queryset=MaterialFile.objects.order_by("uploaded_at", "id")),
        Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor", "department").order_by("id")),
        Prefetch("clock_stops", queryset=ClockStop.objects.order_by("started_on", "id")),
        Prefetch("correction_notices", queryset=notices.order_by("-issued_at", "-id")),
        "warnings",
        "deficiency__materials",
    )


def application_for_citizen(*, actor, application_id: int) -> Application | None:
    """The citizen's own application with everything its page shows, or None (missing or someone else's)."""
    if not is_citizen(actor):
        return None
    return _with_details(case_scope.applications_for_actor(actor=actor)).filter(pk=application_id).first()


def application_for_staff(*, actor, application_id: int) -> Application | None:
    """A case of the staff member's centres with everything its page shows, or None."""
    if not is_case_staff(actor):
        return None
    return _with_details(case_scope.applications_for_actor(actor=actor)).filter(pk=application_id).first()


def material_file_for_actor(*, actor, file_id: int) -> MaterialFile | None:
    """A submitted file, for its applicant and for staff (supervisors too) of the case's centre; else None."""
    visible = case_scope.applications_for_actor(actor=actor).values("pk")
    return MaterialFile.objects.filter(pk=file_id, application_id__in=visible).first()


# --- what the pages need --------------------------------------------------------------------------


def online_matter(*, matter_id: int) -> Matter | None:
    """A published matter offered online, with its materials, or None."""
    return (
        Matter.objects.filter(pk=matter_id, status=Matter.Status.PUBLISHED, online_apply=True)
        .select_related("centre", "department")
        .prefetch_related("materials")
        .first()
    )


def window_matters(*, actor) -> QuerySet[Matter]:
    """The published matters a clerk may accept: every matter of their own centre (一窗受理)."""
    if not may_accept_cases(actor) or getattr(actor, "centre_id", None) is None:
        return Matter.objects.none()
    return (
        Matter.objects.filter(centre_id=actor.centre_id, status=Matter.Status.PUBLISHED)
        .select_related("department")
        .order_by("department__code", "code")
    )


def window_matter(*, actor, matter_id: int) -> Matter | None:
    return window_matters(actor=actor).prefetch_related("materials").filter(pk=matter_id).first()


def serving_ticket_for_clerk(*, actor, ticket_id: int) -> Ticket | None:
    """The ticket this clerk has called or is serving, or None (the service checks it again on accept)."""
    if not may_accept_cases(actor):
        return None
    return (
        Ticket.objects.select_related("citizen", "matter", "window", "category")
        .filter(
            pk=ticket_id,
            centre_id=actor.centre_id,
            clerk_id=actor.pk,
            status__in=(Ticket.Status.CALLED, Ticket.Status.SERVING),
        )
        .first()
    )


def _centre_actor(actor, application: Application) -> bool:
    if not _is_person(actor):
        return False
    if actor.is_superuser:
        return True
    return getattr(actor, "role", None) in CENTRE_ROLES and actor.centre_id == application.centre_id


def _department_actor(actor, application: Application) -> bool:
    if not _is_person(actor):
        return False
    if actor.is_superuser:
        return True
    return (
        getattr(actor, "role", None) in DEPARTMENT_ROLES
        and actor.centre_id == application.centre_id
        and actor.department_id == application.department_id
    )


def extension_of(application: Application):
    return getattr(application, "extension", None) if hasattr(application, "extension") else None


def chain_step_of(application: Application):
    """The parallel chain step this case is, or None (needs `chain_step` loaded, as `_with_details` does)."""
    return getattr(application, "chain_step", None) if hasattr(application, "chain_step") else None


# A chain step moves with its chain (one notice, one clock): these go through the chain's pages. Deciding a
# step stays here: approvals.services.cases.case_decide lets the chain start its successors.
CHAIN_ONLY_ACTIONS = frozenset({"reject", "request-correction", "withdraw"})


def deficiency_of(application: Application):
    return getattr(application, "deficiency", None) if hasattr(application, "deficiency") else None


def available_actions(actor, application: Application) -> frozenset[str]:
    """The staff actions the actor may try in the case's state (needs the case from `application_for_staff`)."""
    status = application.status
    actions: set[str] = set()
    if _centre_actor(actor, application):
        if status == Status.SUBMITTED:
            actions |= {"accept-online", "request-correction", "reject"}
        if status == Status.CORRECTION:
            actions.add("reject")
        if status == Status.COMPLETED:
            actions.add("deliver")
        deficiency = deficiency_of(application)
        if deficiency is not None and deficiency.fulfilled_at is None and status not in (
            Status.WITHDRAWN, Status.NOT_ACCEPTED, Status.DELIVERED,
        ):
            actions.add("fulfil-deficiency")
    if _department_actor(actor, application):
        single_stage = len(application.matter.stages.all()) <= 1
        if status == Status.ACCEPTED:
            actions.add("start-review")
            if single_stage:
                actions.add("decide")
        if status == Status.REVIEW:
            actions |= {"submit-for-approval", "return"}
        if status == Status.APPROVAL:
            actions |= {"decide", "return"}
        if status in (Status.ACCEPTED, Status.REVIEW, Status.APPROVAL):
            actions.add("suspend")
        if status == Status.SUSPENDED:
            actions.add("resume")
        extension = extension_of(application)
        if status in Application.OPEN_STATUSES:
            if extension is None:
                actions.add("request-extension")
            elif extension.approved_at is None and (actor.is_superuser or actor.is_department_head):
                actions.add("approve-extension")
    if chain_step_of(application) is not None:
        actions -= CHAIN_ONLY_ACTIONS
    return frozenset(actions)


def citizen_actions(actor, application: Application) -> frozenset[str]:
    if application.applicant_id is None or application.applicant_id != getattr(actor, "pk", None):
        return frozenset()
    actions = set()
    if application.status in (Status.DRAFT, Status.CORRECTION):
        actions.add("upload")
    if application.status == Status.DRAFT:
        actions.add("submit")
    if application.status == Status.CORRECTION:
        actions.add("resubmit")
    if application.can_move_to(Status.WITHDRAWN):
        actions.add("withdraw")
    if chain_step_of(application) is not None:
        actions -= CHAIN_ONLY_ACTIONS
    return frozenset(actions)
