"""Hall Celery tasks. Each is thin: it calls one service, which owns the rule and the transaction."""
from celery import shared_task
from django.utils import timezone

from .services.calendar import calendar_warn_if_next_year_provisional


@shared_task(ignore_result=False)
def calendar_check_next_year() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): warn managers from 1 December while next year is provisional."""
    return calendar_warn_if_next_year_provisional(today=timezone.localdate())
