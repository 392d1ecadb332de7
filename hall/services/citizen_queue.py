"""The citizen's own queue actions: a remote ticket while the centre is open, and cancelling one's
own ticket or booking. Thin rules on top of hall/services/tickets.py and appointments.py: who may
do it and when; the state changes themselves stay in those modules."""

from django.utils.translation import gettext as _

from common.errors import InvalidTransition, NotFound, PermissionDeniedError

from ..citizen_queue_selectors import centre_open_status
from ..models import Appointment, QueueCategory, Ticket
from .appointments import appointment_cancel
from .tickets import ticket_cancel, ticket_issue


def _ensure_citizen(actor, message: str) -> None:
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_citizen", False):
        raise PermissionDeniedError(message)


def remote_ticket_issue(*, citizen, category_id: int) -> Ticket:
    """网上取号: a signed-in citizen takes a number of an active category while its centre is serving
    (working day or weekend service, opening hours, no lunch break unless 午间不休)."""
    _ensure_citizen(citizen, _("请先以办事群众身份登录再网上取号。"))
    category = QueueCategory.objects.filter(pk=category_id, is_active=True).select_related("centre").first()
    if category is None:
        raise NotFound(_("该业务类别不存在或已停用。"))
    status = centre_open_status(category.centre)
    if not status.is_open:
        raise InvalidTransition(_("当前不在办理时间，不能网上取号。%(reason)s") % {"reason": status.reason})
    return ticket_issue(
        category_id=category.pk,
        source=Ticket.Source.REMOTE,
        actor=citizen,
        citizen=citizen,
        phone=citizen.phone or "",
    )


def citizen_ticket_cancel(*, citizen, ticket_id: int) -> Ticket:
    """A citizen gives up their own waiting ticket. Someone else's ticket is "not found", so its
    existence is not revealed."""
    _ensure_citizen(citizen, _("请先以办事群众身份登录。"))
    if not Ticket.objects.filter(pk=ticket_id, citizen=citizen).exists():
        raise NotFound(_("该排队号不存在。"))
    return ticket_cancel(ticket_id=ticket_id, actor=citizen)


def citizen_appointment_cancel(*, citizen, appointment_id: int) -> Appointment:
    """A citizen cancels their own booking (until booking_cancel_hours before it starts)."""
    _ensure_citizen(citizen, _("请先以办事群众身份登录。"))
    if not Appointment.objects.filter(pk=appointment_id, citizen=citizen).exists():
        raise NotFound(_("预约不存在。"))
    return appointment_cancel(appointment_id=appointment_id, actor=citizen)
