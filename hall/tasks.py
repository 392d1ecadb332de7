"""Hall Celery tasks. Each is thin: it calls one service, which owns the rule and the transaction."""
from celery import shared_task
from django.utils import timezone

from .services import appointments as appointment_services
from .services import queue_jobs
from .services.calendar import calendar_warn_if_next_year_provisional
from .services.queue_notices import queue_send_near_notices as send_near_notices


@shared_task(ignore_result=False)
def calendar_check_next_year() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): warn managers from 1 December while next year is provisional."""
    return calendar_warn_if_next_year_provisional(today=timezone.localdate())


@shared_task(name="hall.tasks.queue_send_near_notices", ignore_result=True)
def queue_send_near_notices(*, category_id: int) -> int:
    """After a call: tell the tickets now 3 places from the front (once each)."""
    return send_near_notices(category_id=category_id)


@shared_task(name="hall.tasks.tidal_rebalance")
def tidal_rebalance() -> dict[str, int]:
    """Every minute: assign, propose or release tidal windows per the queues."""
    return queue_jobs.tidal_rebalance_all_centres()


@shared_task(name="hall.tasks.appointments_mark_no_shows")
def appointments_mark_no_shows() -> dict[str, int]:
    """Every 10 minutes: ended bookings without check-in become no-shows; repeat no-shows block booking."""
    return appointment_services.appointments_mark_no_shows()


@shared_task(name="hall.tasks.slots_generate")
def slots_generate() -> int:
    """Nightly: open the appointment slots as far ahead as each centre allows."""
    return queue_jobs.slots_generate_all_centres()


@shared_task(name="hall.tasks.tickets_cancel_stale")
def tickets_cancel_stale() -> int:
    """Nightly: waiting tickets of past days are cancelled."""
    return queue_jobs.tickets_cancel_stale()
