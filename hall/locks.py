"""Row locks for the queue. Policy: lock the window before any of its tickets; tickets in id order;
`of=("self",)` whenever the query joins, so only the row itself is locked."""

from .models import AppointmentSlot, Ticket, Window


def window_lock(window_id: int) -> Window:
    return Window.objects.select_for_update(of=("self",)).select_related("centre").get(pk=window_id)


def ticket_lock(ticket_id: int) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("category", "centre").get(pk=ticket_id)


def window_active_ticket_lock(window: Window) -> Ticket | None:
    """The ticket being called or served at a locked window, locked too."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(window=window, status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING])
        .first()
    )


def slot_lock(slot_id: int) -> AppointmentSlot:
    return AppointmentSlot.objects.select_for_update(of=("self",)).select_related("category", "centre").get(pk=slot_id)
