"""How the ticket services write: one statement (or one database function) per transition.

- `write`: a locked ticket's changed fields, its simple-history row and its TicketEvent in one UPDATE … RETURNING
  statement (common.history_sql);
- `call_next_statement`: the database function hall_ticket_call_next (migration 0005) — lock the window, pick
  the next ticket, mark it called, history and event;
- `window_step`: the database function hall_ticket_window_step (migration 0007) — start, finish or no-show of the
  window's current ticket, for the clerk on duty, history and event.

The two functions return nothing when a condition fails; the services then run their full checks under the
window lock, which raise the reason (tests/hall/test_calling_sql.py checks the rows equal the ORM's).
"""

from django.db import connection
from django.utils import timezone

from common.history_sql import instances_from_rows, update_with_history

from ..locks import BIGINT_MAX
from ..models import QueuePolicy, Ticket
from .windows import STAFF_WINDOW_ROLES

# Call-next reads, from each (category, priority class) queue the window serves, as many heads as the open windows
# serving it plus this margin, and locks the best one no other window holds (migration 0005).
CALL_NEXT_HEADS = 16
CALL_NEXT_SQL = "SELECT * FROM hall_ticket_call_next(%s, %s, %s, %s, %s, %s, %s, %s)"
WINDOW_STEP_SQL = "SELECT * FROM hall_ticket_window_step(%s, %s, %s, %s, %s, %s, %s, %s, %s)"
EVENT_SQL = (
    "INSERT INTO hall_ticketevent (ticket_id, kind, reason, created_at, actor_id, device_id, window_id) "
    "SELECT id, %s, %s, %s, %s, %s, %s FROM changed"
)
DEFAULT_AGEING_MINUTES = QueuePolicy._meta.get_field("ageing_minutes").default


def actor_id(actor) -> int | None:
    return actor.pk if getattr(actor, "pk", None) else None


def write(
    ticket: Ticket, kind: str, changes: dict, *, actor=None, window=None, device=None, reason: str = ""
) -> Ticket:
    """Apply `changes` to the (locked) ticket and save them, its history row and its event in one statement."""
    now = timezone.now()
    for name, value in changes.items():
        setattr(ticket, name, value)
    ticket.updated_at = now
    update_with_history(
        Ticket,
        {**changes, "updated_at": now},
        target="SELECT %s::bigint AS id",
        target_params=[ticket.pk],
        now=now,
        change_reason=kind,
        user_id=actor_id(actor),
        then=EVENT_SQL,
        then_params=[kind, reason, now, actor_id(actor), getattr(device, "pk", None), getattr(window, "pk", None)],
    )
    return ticket


def on_duty_fast_path(actor, window_id) -> bool:
    """The one-round-trip paths serve a clerk at their own window; superusers and refusals take the full checks."""
    return (
        isinstance(window_id, int)
        and 0 < window_id <= BIGINT_MAX
        and getattr(actor, "pk", None) is not None
        and not getattr(actor, "is_superuser", False)
        and getattr(actor, "role", None) in STAFF_WINDOW_ROLES
        and actor.centre_id is not None
    )


def _tickets(sql: str, params: list) -> Ticket | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        columns = [column.name for column in cursor.description]
    return instances_from_rows(Ticket, columns, rows)[0] if rows else None


def call_next_statement(window_id: int, actor, *, centre_id: int, any_clerk: bool) -> Ticket | None:
    """The called ticket, or None (nobody waiting, or the window is not open with this clerk on duty, or it still
    has a current ticket). `any_clerk`: the caller has checked the actor under the window lock."""
    now = timezone.now()
    return _tickets(
        CALL_NEXT_SQL,
        [window_id, actor.pk, any_clerk, centre_id, timezone.localdate(now), now, DEFAULT_AGEING_MINUTES,
         CALL_NEXT_HEADS],
    )


def window_step(window_id: int, actor, *, expected: tuple[str, ...], status: str, kind: str, started: bool = False,
                finished: bool = False) -> Ticket | None:
    """Start / finish / no-show the window's current ticket if it is in `expected` and the actor is on duty there
    (only call when `on_duty_fast_path`); None when a condition fails."""
    now = timezone.now()
    return _tickets(
        WINDOW_STEP_SQL,
        [window_id, actor.pk, actor.centre_id, list(expected), status, kind, now, now if started else None,
         now if finished else None],
    )
