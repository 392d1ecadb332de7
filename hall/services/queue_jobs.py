"""The queue's periodic jobs, called by Celery beat through hall/tasks.py. Each is a no-op on rerun."""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from ..models import Centre, Ticket
from .appointments import slots_generate
from .tickets import queue_policy
from .tidal import tidal_rebalance

CLOSE_STALE_SQL = """
UPDATE hall_ticket SET status = 'cancelled', updated_at = %(now)s
WHERE status = 'waiting' AND service_date < %(today)s
RETURNING id
"""


def tidal_rebalance_all_centres() -> dict[str, int]:
    totals = {"assigned": 0, "proposed": 0, "released": 0}
    for centre_id in Centre.objects.values_list("id", flat=True):
        for key, value in tidal_rebalance(centre_id=centre_id).items():
            totals[key] += value
    return totals


def slots_generate_all_centres(*, today: dt.date | None = None) -> int:
    """Keep every centre's slots open for booking as far ahead as its policy allows."""
    today = today or timezone.localdate()
    created = 0
    for centre_id in Centre.objects.values_list("id", flat=True):
        days = queue_policy(centre_id).booking_days_ahead + 1
        created += slots_generate(centre_id=centre_id, start=today, days=days)
    return created


@transaction.atomic
def tickets_cancel_stale(*, today: dt.date | None = None) -> int:
    """Waiting tickets of past days can never be called: cancel them in one statement, history in bulk."""
    today = today or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(CLOSE_STALE_SQL, {"now": timezone.now(), "today": today})
        ids = [row[0] for row in cursor.fetchall()]
    if ids:
        Ticket.history.bulk_history_create(list(Ticket.objects.filter(id__in=ids)), default_change_reason="day_closed")
    return len(ids)
