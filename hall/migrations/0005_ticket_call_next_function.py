"""Call-next as one database function: lock the window, pick the best waiting ticket for it, mark it called, and
write its history row and its event, in one round trip with plans cached by PL/pgSQL.

It returns no row when nothing was called: nobody waiting, or the window is not open with this clerk on duty, or
it still has a current ticket (`p_any_clerk`: the service has checked the actor under the window lock, as for a
superuser at any window). The service (hall/services/tickets.py: ticket_call_next) then runs its checks under
the window lock and raises the reason in Chinese, or returns None when the queue is empty.

The calling rules (services/tickets.py documents them; tests/hall/test_calling_order.py and
test_queue_concurrency.py check them): categories whose "serve first after N minutes" rule has fired come first,
then the priority class (a normal ticket gains one class per `ageing` minutes of wait), then the window's category
order, then queue time, then id.

Each (category, priority class) queue is already in that order, so the best ticket is among the first few of each
queue: the pick reads the first tickets of every queue the window serves from the index — as many as the open
windows serving that queue, plus `heads` — and locks the best one no other window holds (`FOR UPDATE SKIP
LOCKED`). If some queue still had all of its candidates ahead of the pick, its next ticket might be better: the
attempt is rolled back (its subtransaction) and repeated with four times as many extra heads. That rollback
releases a ticket another window may have skipped meanwhile, so the margin keeps it from happening in practice
(a first version with 4 heads and no margin let a window call out of order under 20 concurrent windows).
"""

from django.db import migrations

CALL_NEXT = r"""
CREATE OR REPLACE FUNCTION hall_ticket_call_next(
    p_window bigint, p_clerk bigint, p_any_clerk boolean, p_centre bigint, p_today date, p_now timestamptz,
    p_default_ageing integer, p_heads integer
) RETURNS SETOF hall_ticket
LANGUAGE plpgsql AS $fn$
DECLARE
    heads integer := GREATEST(p_heads, 1);
    ageing integer;
    picked bigint;
    ambiguous boolean;
    called hall_ticket;
BEGIN
    PERFORM 1 FROM hall_window
     WHERE id = p_window AND status = 'open' AND (clerk_id = p_clerk OR p_any_clerk) AND centre_id = p_centre
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- A statement of its own, after the lock: it sees what the window's previous holder committed.
    PERFORM 1 FROM hall_ticket WHERE window_id = p_window AND status IN ('called', 'serving');
    IF FOUND THEN
        RETURN;
    END IF;
    SELECT COALESCE(
        (SELECT ageing_minutes FROM hall_queuepolicy WHERE centre_id = p_centre), p_default_ageing
    ) INTO ageing;

    LOOP
        BEGIN
            WITH links AS (
                -- heads per queue: more than the open windows serving it can hold or take meanwhile (each holds
                -- at most one), so the "look further" retry (which releases its pick) practically never runs
                SELECT wc.category_id, wc.position, wc.serve_first_after_minutes,
                       heads + (SELECT count(*) FROM hall_windowcategory o JOIN hall_window ow ON ow.id = o.window_id
                                WHERE o.category_id = wc.category_id AND ow.status = 'open') AS per_queue
                FROM hall_windowcategory wc WHERE wc.window_id = p_window
            ),
            boosted AS (
                SELECT l.category_id FROM links l
                WHERE l.serve_first_after_minutes IS NOT NULL AND EXISTS (
                    SELECT 1 FROM hall_ticket w
                    WHERE w.category_id = l.category_id AND w.service_date = p_today AND w.status = 'waiting'
                      AND w.queued_at <= p_now - make_interval(mins => l.serve_first_after_minutes)
                )
            ),
            candidates AS MATERIALIZED (
                SELECT c.id, c.queued_at, l.position,
                       l.category_id NOT IN (SELECT category_id FROM boosted) AS later,
                       GREATEST(0, pc.rank - CASE WHEN pc.cls = 'normal'
                           THEN floor(extract(epoch FROM (p_now - c.queued_at)) / 60.0 / ageing)::int
                           ELSE 0 END) AS rank,
                       c.nth, l.per_queue, count(*) OVER (PARTITION BY l.category_id, pc.cls) AS in_queue
                FROM links l
                CROSS JOIN (VALUES ('appointment', 0), ('priority_group', 1), ('normal', 2)) AS pc(cls, rank)
                CROSS JOIN LATERAL (
                    SELECT w.id, w.queued_at, row_number() OVER (ORDER BY w.queued_at, w.id) AS nth
                    FROM hall_ticket w
                    WHERE w.category_id = l.category_id AND w.service_date = p_today AND w.status = 'waiting'
                      AND w.priority_class = pc.cls
                    ORDER BY w.queued_at, w.id
                    LIMIT l.per_queue
                ) c
            ),
            pick AS (
                SELECT t.id, c.later, c.rank, c.position, c.queued_at
                FROM (SELECT * FROM candidates ORDER BY later, rank, position, queued_at, id) c
                CROSS JOIN LATERAL (SELECT x.id FROM hall_ticket x WHERE x.id = c.id AND x.status = 'waiting') t
                ORDER BY c.later, c.rank, c.position, c.queued_at, c.id
                LIMIT 1
                FOR UPDATE OF t SKIP LOCKED
            )
            SELECT (SELECT id FROM pick),
                   EXISTS (
                       SELECT 1 FROM candidates q LEFT JOIN pick p ON true
                       WHERE q.in_queue = q.per_queue AND q.nth = q.per_queue
                         AND (p.id IS NULL
                              OR (q.later, q.rank, q.position, q.queued_at, q.id)
                                 < (p.later, p.rank, p.position, p.queued_at, p.id))
                   )
            INTO picked, ambiguous;
            IF ambiguous THEN
                RAISE EXCEPTION USING ERRCODE = 'SH001', MESSAGE = 'call-next: look further';
            END IF;
        EXCEPTION WHEN SQLSTATE 'SH001' THEN
            heads := heads * 4;
            CONTINUE;
        END;
        EXIT;
    END LOOP;

    IF picked IS NULL THEN
        RETURN;
    END IF;

    UPDATE hall_ticket
       SET status = 'called', window_id = p_window, clerk_id = p_clerk, called_at = p_now, recall_count = 0,
           updated_at = p_now
     WHERE id = picked
    RETURNING * INTO called;

    INSERT INTO hall_historicalticket (
        id, created_at, updated_at, service_date, sequence, number, source, priority_class, priority_group, status,
        issued_at, queued_at, called_at, started_at, finished_at, recall_count, holder_name, phone,
        near_notice_sent_at, token, centre_id, citizen_id, clerk_id, matter_id, window_id, category_id,
        transferred_from_id, history_date, history_change_reason, history_type, history_user_id
    ) VALUES (
        called.id, called.created_at, called.updated_at, called.service_date, called.sequence, called.number,
        called.source, called.priority_class, called.priority_group, called.status, called.issued_at,
        called.queued_at, called.called_at, called.started_at, called.finished_at, called.recall_count,
        called.holder_name, called.phone, called.near_notice_sent_at, called.token, called.centre_id,
        called.citizen_id, called.clerk_id, called.matter_id, called.window_id, called.category_id,
        called.transferred_from_id, p_now, 'called', '~', p_clerk
    );

    INSERT INTO hall_ticketevent (ticket_id, kind, reason, created_at, actor_id, device_id, window_id)
    VALUES (called.id, 'called', '', p_now, p_clerk, NULL, p_window);

    RETURN NEXT called;
END
$fn$;
"""

DROP = (
    "DROP FUNCTION IF EXISTS hall_ticket_call_next(bigint, bigint, boolean, bigint, date, timestamptz, integer, integer);"
)


class Migration(migrations.Migration):
    dependencies = [("hall", "0004_ticket_event_time_and_queue_index")]

    operations = [migrations.RunSQL(CALL_NEXT, DROP)]
