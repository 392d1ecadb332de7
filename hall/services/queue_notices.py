"""The "3 people ahead" message: marked once per ticket in the database, sent after commit."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from common.sms import send_sms

from ..models import QueueCategory, Ticket
from .tickets import queue_policy


@dataclass(frozen=True)
class NearNotice:
    phone: str
    text: str


@transaction.atomic
def queue_mark_near_notices(*, category_id: int) -> list[NearNotice]:
    """Mark the waiting tickets of a category with at most N people ahead that have a phone and were not
    told yet. Returns the messages to send; a rerun marks nothing twice."""
    category = QueueCategory.objects.select_related("centre").filter(pk=category_id).first()
    if category is None:
        return []
    limit = queue_policy(category.centre_id).near_notice_people_ahead + 1
    class_rank = Case(
        When(priority_class=Ticket.PriorityClass.APPOINTMENT, then=Value(0)),
        When(priority_class=Ticket.PriorityClass.PRIORITY_GROUP, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    head_ids = list(
        Ticket.objects.filter(category_id=category_id, service_date=timezone.localdate(), status=Ticket.Status.WAITING)
        .annotate(class_rank=class_rank)
        .order_by("class_rank", "queued_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    due = (
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(id__in=head_ids, near_notice_sent_at__isnull=True, status=Ticket.Status.WAITING)
        .exclude(phone="")
    )
    notices = []
    now = timezone.now()
    for ticket in due:  # at most N + 1 rows
        ticket.near_notice_sent_at = now
        ticket._change_reason = "near_notice"
        ticket.save(update_fields=["near_notice_sent_at", "updated_at"])
        notices.append(
            NearNotice(
                phone=ticket.phone,
                text=_(
                    "【%(centre)s】您的 %(number)s 号即将被叫到（前方不超过%(ahead)d人），"
                    "请到%(category)s等候区留意叫号。"
                )
                % {
                    "centre": category.centre.name,
                    "number": ticket.number,
                    "ahead": limit - 1,
                    "category": category.name,
                },
            )
        )
    return notices


def queue_send_near_notices(*, category_id: int) -> int:
    """Mark, commit, then send (no SMS inside a transaction)."""
    notices = queue_mark_near_notices(category_id=category_id)
    for notice in notices:
        send_sms(notice.phone, notice.text)
    return len(notices)
