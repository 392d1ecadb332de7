"""Row locks for the queue. Policy: lock the window before any of its tickets; tickets in id order;
`of=("self",)` whenever the query joins, so only the row itself is locked. An unknown id is a NotFound
with a Chinese message, never a server error."""
from django.utils.translation import gettext as _

from common.errors import NotFound

from .models import AppointmentSlot, Ticket, Window

# Plain SQL: the window checks of every refused or slow-path transition run these; no ORM query building.
WINDOW_LOCK_SQL = "SELECT * FROM hall_window WHERE id = %s FOR UPDATE"
ACTIVE_TICKET_LOCK_SQL = (
    "SELECT * FROM hall_ticket WHERE window_id = %s AND status IN ('called', 'serving') FOR UPDATE"
)


BIGINT_MAX = 2**63 - 1


def window_lock(window_id: int) -> Window:
    """The window, locked."""
    in_range = isinstance(window_id, int) and 0 < window_id <= BIGINT_MAX
    window = next(iter(Window.objects.raw(WINDOW_LOCK_SQL, [window_id])), None) if in_range else None
    if window is None:
        raise NotFound(_("窗口不存在。"))
    return window


def ticket_lock(ticket_id: int) -> Ticket:
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("category", "centre").filter(pk=ticket_id).first()
    )
    if ticket is None:
        raise NotFound(_("排队号不存在。"))
    return ticket


def window_active_ticket_lock(window: Window) -> Ticket | None:
    """The ticket being called or served at a locked window, locked too."""
    return next(iter(Ticket.objects.raw(ACTIVE_TICKET_LOCK_SQL, [window.pk])), None)


def slot_lock(slot_id: int) -> AppointmentSlot:
    slot = (
        AppointmentSlot.objects.select_for_update(of=("self",)).select_related("category", "centre")
        .filter(pk=slot_id).first()
    )
    if slot is None:
        raise NotFound(_("预约时段不存在。"))
    return slot
