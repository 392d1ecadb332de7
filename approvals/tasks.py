"""Approvals Celery tasks: thin, each calls one service."""

from celery import shared_task

from .services.notifications import notify_applicant


@shared_task(name="approvals.tasks.notify_applicant_of_stage_change", ignore_result=True)
def notify_applicant_of_stage_change(*, application_id: int, event_id: int) -> bool:
    return notify_applicant(application_id=application_id, event_id=event_id)


@shared_task(name="approvals.tasks.cases_raise_warnings", ignore_result=False)
def cases_raise_warnings() -> dict:
    """Every working hour (CELERY_BEAT_SCHEDULE): raise and send the new deadline warnings. On a day off the
    clock does not run, so there is nothing to do."""
    from django.utils import timezone

    from hall.workdays import is_working_day

    from .services.warnings import cases_raise_warnings as raise_warnings

    now = timezone.now()
    if not is_working_day(timezone.localdate(now)):
        return {"skipped": "non_working_day"}
    return raise_warnings(now=now).as_dict()
