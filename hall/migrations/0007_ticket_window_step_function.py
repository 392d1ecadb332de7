"""The window's everyday steps on its current ticket — start, finish, no-show — as one database function: lock the
window (this clerk on duty) and its current ticket if it is in one of the expected states, set the new state and
its time, and write the history row and the event; one round trip, plans cached by PL/pgSQL.

It returns no row when a condition fails; the service (hall/services/tickets.py) then runs its checks under the
window lock, which raise the reason in Chinese (or, if the state changed meanwhile, do the step the slow way).
"""

from django.db import migrations

WINDOW_STEP = r"""
CREATE OR REPLACE FUNCTION hall_ticket_window_step(
    p_window bigint, p_clerk bigint, p_centre bigint, p_expected text[], p_status text, p_kind text,
    p_now timestamptz, p_started_at timestamptz, p_finished_at timestamptz
) RETURNS SETOF hall_ticket
LANGUAGE plpgsql AS $fn$
DECLARE
    current_id bigint;
    stepped hall_ticket;
BEGIN
    -- Both rows locked: if another transaction changed them meanwhile, the conditions are re-checked on their
    -- latest versions.
    SELECT t.id INTO current_id
      FROM hall_window w JOIN hall_ticket t ON t.window_id = w.id
     WHERE w.id = p_window AND w.clerk_id = p_clerk AND w.centre_id = p_centre AND t.status = ANY(p_expected)
       FOR UPDATE OF w, t;
    IF NOT FOUND THEN
        RETURN;
    END IF;

    UPDATE hall_ticket
       SET status = p_status, started_at = COALESCE(p_started_at, started_at),
           finished_at = COALESCE(p_finished_at, finished_at), updated_at = p_now
     WHERE id = current_id
    RETURNING * INTO stepped;

    INSERT INTO hall_historicalticket (
        id, created_at, updated_at, service_date, sequence, number, source, priority_class, priority_group, status,
        issued_at, queued_at, called_at, started_at, finished_at, recall_count, holder_name, phone,
        near_notice_sent_at, token, centre_id, citizen_id, clerk_id, matter_id, window_id, category_id,
        transferred_from_id, history_date, history_change_reason, history_type, history_user_id
    ) VALUES (
        stepped.id, stepped.created_at, stepped.updated_at, stepped.service_date, stepped.sequence, stepped.number,
        stepped.source, stepped.priority_class, stepped.priority_group, stepped.status, stepped.issued_at,
        stepped.queued_at, stepped.called_at, stepped.started_at, stepped.finished_at, stepped.recall_count,
        stepped.holder_name, stepped.phone, stepped.near_notice_sent_at, stepped.token, stepped.centre_id,
        stepped.citizen_id, stepped.clerk_id, stepped.matter_id, stepped.window_id, stepped.category_id,
        stepped.transferred_from_id, p_now, p_kind, '~', p_clerk
    );

    INSERT INTO hall_ticketevent (ticket_id, kind, reason, created_at, actor_id, device_id, window_id)
    VALUES (stepped.id, p_kind, '', p_now, p_clerk, NULL, p_window);

    RETURN NEXT stepped;
END
$fn$;
"""

DROP = (
    "DROP FUNCTION IF EXISTS hall_ticket_window_step("
    "bigint, bigint, bigint, text[], text, text, timestamptz, timestamptz, timestamptz);"
)


class Migration(migrations.Migration):
    dependencies = [("hall", "0006_waiting_queue_index_with_id")]

    operations = [migrations.RunSQL(WINDOW_STEP, DROP)]
