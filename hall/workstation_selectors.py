"""Reads for the clerk workstation and the window API: which windows a clerk may sit at, and one window's
state (status, current ticket, the categories it calls with their queues). Scoped to the actor's centres.

The `can_*` predicates say which buttons to offer; they mirror the checks of hall/services/tickets.py and
windows.py, which stay the authority (a refused action shows the service's message)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Value, When
from django.utils import timezone

from common.masking import mask_name

from .models import QueueCategory, QueuePolicy, Role, Ticket, Window, WindowCategory
from .queue_selectors import waiting_counts, window_categories, window_current_ticket, window_served_today
from .selectors import scope_to_actor

WINDOW_STAFF_ROLES = (Role.CLERK, Role.APPROVER, Role.MANAGER)
PICK_LIST_LIMIT = 100
DEFAULT_MAX_RECALLS = QueuePolicy._meta.get_field("max_recalls").default


# A ticket in these states has been called: its holder may be named to the clerk (masked).
CALLED_STATES = (
    Ticket.Status.CALLED, Ticket.Status.SERVING, Ticket.Status.DONE, Ticket.Status.NO_SHOW, Ticket.Status.TRANSFERRED,
)


def holder_name_for_clerk(ticket: Ticket | None) -> str:
    """The citizen's name is hidden from the clerk until the call, and masked after it (张*)."""
    if ticket is None or ticket.status not in CALLED_STATES:
        return ""
    return mask_name(ticket.holder_name)


def can_work_windows(actor) -> bool:
    """Who may sit at a window: the roles hall.services.windows.ensure_can_staff_window accepts."""
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "is_device", False):
        return False
    if not getattr(actor, "is_active", False):
        return False
    return bool(actor.is_superuser) or getattr(actor, "role", None) in WINDOW_STAFF_ROLES


def can_read_windows(actor) -> bool:
    """Who may read a window's state: window staff and supervisors (read-only) of the window's centres."""
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "is_device", False):
        return False
    return bool(actor.is_superuser) or getattr(actor, "role", None) in (*WINDOW_STAFF_ROLES, Role.SUPERVISOR)


def can_work_window(actor, window: Window) -> bool:
    """Working a window (not only reading it) is for window staff of its own centre: extra_centres grant reading."""
    return can_work_windows(actor) and (actor.is_superuser or actor.centre_id == window.centre_id)


def _windows_to_work(actor) -> QuerySet[Window]:
    qs = Window.objects.filter(is_active=True).select_related("clerk", "department")
    if getattr(actor, "is_superuser", False):
        return qs
    return qs.filter(centre_id=getattr(actor, "centre_id", None))


def workstation_windows(*, actor) -> list[Window]:
    """The active windows of the actor's own centre, each with its clerk and the categories it calls."""
    if not can_work_windows(actor):
        return []
    links = WindowCategory.objects.select_related("category").order_by("position", "id")
    return list(
        _windows_to_work(actor)
        .prefetch_related(Prefetch("category_links", queryset=links, to_attr="links"))
        .order_by("centre_id", "number")
    )


def window_for_actor(*, actor, window_id: int) -> Window | None:
    """One window the actor may read (their centres), with its clerk; None when it does not exist for them."""
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "is_device", False):
        return None
    qs = scope_to_actor(Window.objects.select_related("clerk", "centre"), actor)
    return qs.filter(pk=window_id).first()


@dataclass(frozen=True)
class CategoryQueue:
    id: int
    prefix: str
    name: str
    position: int
    is_tidal_assignment: bool
    serve_first_after_minutes: int | None
    waiting: int
    longest_wait_minutes: int


@dataclass(frozen=True)
class WindowState:
    window: Window
    ticket: Ticket | None
    categories: list[CategoryQueue]
    served_today: int
    max_recalls: int

    @property
    def waiting_total(self) -> int:
        return sum(c.waiting for c in self.categories)

    @property
    def holder_name(self) -> str:
        return holder_name_for_clerk(self.ticket)

    @property
    def is_open(self) -> bool:
        return self.window.status == Window.Status.OPEN

    @property
    def is_paused(self) -> bool:
        return self.window.status == Window.Status.PAUSED

    @property
    def is_closed(self) -> bool:
        return self.window.status == Window.Status.CLOSED

    def _ticket_is(self, *statuses) -> bool:
        return self.ticket is not None and self.ticket.status in statuses

    # What the services would accept right now, for a clerk on duty at this window.
    @property
    def can_call(self) -> bool:
        return self.is_open and self.ticket is None

    @property
    def can_recall(self) -> bool:
        return self._ticket_is(Ticket.Status.CALLED) and self.ticket.recall_count < self.max_recalls

    @property
    def can_start(self) -> bool:
        return self._ticket_is(Ticket.Status.CALLED)

    @property
    def can_finish(self) -> bool:
        return self._ticket_is(Ticket.Status.SERVING)

    @property
    def can_no_show(self) -> bool:
        return self._ticket_is(Ticket.Status.CALLED)

    @property
    def can_transfer(self) -> bool:
        return self._ticket_is(Ticket.Status.CALLED, Ticket.Status.SERVING)

    @property
    def can_pause(self) -> bool:
        return self.is_open and self.ticket is None

    @property
    def can_resume(self) -> bool:
        return self.is_paused

    @property
    def can_close(self) -> bool:
        return not self.is_closed and self.ticket is None


def _max_recalls(centre_id: int) -> int:
    # A read must not create the policy row (hall.services.tickets.queue_policy does): fall back to the default.
    value = QueuePolicy.objects.filter(centre_id=centre_id).values_list("max_recalls", flat=True).first()
    return DEFAULT_MAX_RECALLS if value is None else value


def window_state(window: Window) -> WindowState:
    """The window's status, current ticket and calling profile with live queue figures: five queries."""
    stats = {row["id"]: row for row in waiting_counts(window.centre_id)}
    categories = []
    for link in window_categories(window):
        row = stats.get(link.category_id, {})
        categories.append(
            CategoryQueue(
                id=link.category_id,
                prefix=link.category.prefix,
                name=link.category.name,
                position=link.position,
                is_tidal_assignment=link.is_tidal_assignment,
                serve_first_after_minutes=link.serve_first_after_minutes,
                waiting=row.get("waiting", 0),
                longest_wait_minutes=row.get("longest_wait_minutes", 0),
            )
        )
    return WindowState(
        window=window,
        ticket=window_current_ticket(window),
        categories=categories,
        served_today=window_served_today(window),
        max_recalls=_max_recalls(window.centre_id),
    )


@dataclass(frozen=True)
class WaitingTicket:
    id: int
    number: str
    category_prefix: str
    priority_label: str
    wait_minutes: int


@dataclass(frozen=True)
class TransferTarget:
    id: int
    label: str
    has_open_window: bool


@dataclass(frozen=True)
class WorkstationPanel:
    state: WindowState
    on_duty: bool
    may_work: bool
    waiting_tickets: list[WaitingTicket] = field(default_factory=list)
    transfer_targets: list[TransferTarget] = field(default_factory=list)


def _waiting_tickets(window: Window, category_ids: list[int]) -> list[WaitingTicket]:
    """The window's waiting tickets in queue order (class, then queue time), numbers only: no names."""
    if not category_ids:
        return []
    now = timezone.now()
    rank = Case(
        When(priority_class=Ticket.PriorityClass.APPOINTMENT, then=Value(0)),
        When(priority_class=Ticket.PriorityClass.PRIORITY_GROUP, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    rows = (
        Ticket.objects.filter(
            category_id__in=category_ids, service_date=timezone.localdate(now), status=Ticket.Status.WAITING
        )
        .annotate(rank=rank)
        .order_by("rank", "queued_at", "id")
        .select_related("category")[:PICK_LIST_LIMIT]
    )
    return [
        WaitingTicket(
            id=t.pk,
            number=t.number,
            category_prefix=t.category.prefix,
            priority_label=str(t.get_priority_class_display()),
            wait_minutes=max(0, int((now - t.queued_at) / dt.timedelta(minutes=1))),
        )
        for t in rows
    ]


def _transfer_targets(window: Window, ticket: Ticket | None) -> list[TransferTarget]:
    if ticket is None:
        return []
    open_window = Window.objects.filter(
        category_links__category=OuterRef("pk"), status=Window.Status.OPEN, is_active=True
    )
    rows = (
        QueueCategory.objects.filter(centre_id=window.centre_id, is_active=True)
        .exclude(pk=ticket.category_id)
        .annotate(has_open_window=Exists(open_window))
        .order_by("position", "prefix")
    )
    return [TransferTarget(id=c.pk, label=f"{c.prefix} {c.name}", has_open_window=c.has_open_window) for c in rows]


def workstation_panel(*, actor, window: Window) -> WorkstationPanel:
    """Everything the clerk's panel shows: the window state, the waiting numbers to pick from, and the
    categories a ticket may be transferred to (only when the clerk is on duty)."""
    state = window_state(window)
    may_work = can_work_window(actor, window)
    on_duty = may_work and window.clerk_id == actor.pk
    if not on_duty:
        return WorkstationPanel(state=state, on_duty=False, may_work=may_work)
    return WorkstationPanel(
        state=state,
        on_duty=True,
        may_work=True,
        waiting_tickets=_waiting_tickets(window, [c.id for c in state.categories]) if state.can_call else [],
        transfer_targets=_transfer_targets(window, state.ticket) if state.can_transfer else [],
    )
