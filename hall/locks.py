"""Row locks for the queue. Policy: lock the window before any of its tickets; tickets in id order;
`of=("self",)` whenever the query joins, so only the row itself is locked. An unknown id is a NotFound
with a Chinese message, never a server error."""
from django.utils.translation import gettext as _

from common.errors import NotFound

from .models import AppointmentSlot, Ticket, Window


def window_lock(window_id: int) -> Window:
    window = Window.objects.select_for_update(of=("self",)).select_related("centre").filter(pk=window_id).first()
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
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(window=window, status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING])
        .first()
    )


def slot_lock(slot_id: int) -> AppointmentSlot:
    slot = (
        AppointmentSlot.objects.select_for_update(of=("self",)).select_related("category", "centre")
        .filter(pk=slot_id).first()
    )
    if slot is None:
        raise NotFound(_("预约时段不存在。"))
    return slot
