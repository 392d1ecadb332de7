"""Approvals Celery tasks: thin, each calls one service."""

from celery import shared_task

from .services.notifications import notify_applicant


@shared_task(name="approvals.tasks.notify_applicant_of_stage_change", ignore_result=True)
def notify_applicant_of_stage_change(*, application_id: int, event_id: int) -> bool:
    return notify_applicant(application_id=application_id, event_id=event_id)
