"""Celery tasks of the hall: thin wrappers that call one service each."""
from celery import shared_task

from .services import appointments as appointment_services
from .services import queue_jobs
from .services.queue_notices import queue_send_near_notices as send_near_notices


@shared_task(name="hall.tasks.queue_send_near_notices", ignore_result=True)
def queue_send_near_notices(*, category_id: int) -> int:
    return send_near_notices(category_id=category_id)


@shared_task(name="hall.tasks.tidal_rebalance")
def tidal_rebalance() -> dict[str, int]:
    return queue_jobs.tidal_rebalance_all_centres()


@shared_task(name="hall.tasks.appointments_mark_no_shows")
def appointments_mark_no_shows() -> dict[str, int]:
    return appointment_services.appointments_mark_no_shows()


@shared_task(name="hall.tasks.slots_generate")
def slots_generate() -> int:
    return queue_jobs.slots_generate_all_centres()


@shared_task(name="hall.tasks.tickets_cancel_stale")
def tickets_cancel_stale() -> int:
    return queue_jobs.tickets_cancel_stale()
