"""Scale data generator: the demo hall's shape at city size, written set-based in SQL.

    python bench/generate.py catalogue --centres 12 --departments 40 --windows 170 --matters 1500
    python bench/generate.py queue --categories 8 --tickets-per-year 1000000   (after catalogue)
    python bench/generate.py cases --cases 1000000                              (after catalogue)
    python bench/generate.py cases --drop                                       (delete them again)

Creates centres `bench-1 … bench-N`, each with departments, windows of every kind and matters with materials
and stages (about half of them instant matters); `queue` gives centre bench-1 queue categories, each of its
170 windows a calling profile of 3 categories and a year of served tickets (1,000,000 by default), using INSERT … SELECT over generate_series: seconds, not
minutes, for hundreds of thousands of rows. Rerunning with the same arguments adds nothing (codes are unique
and inserts use ON CONFLICT DO NOTHING). `cases` gives centre bench-1 open approval cases shaped like a real
hall's (see generate_cases), four approvers and a head per department. Later issues add ratings here.
Run it against a scratch database (DATABASE_URL), never production.
"""
import argparse
import time

from _django import setup

setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

CATALOGUE_SQL = [
    (
        "centres",
        """
        INSERT INTO hall_centre (code, name, kind, address, service_phone, opens_at, closes_at,
                                 lunch_starts_at, lunch_ends_at, lunch_service, weekend_service, created_at, updated_at)
        SELECT 'bench-' || c, '压测政务服务中心' || c, CASE WHEN c = 1 THEN 'city' ELSE 'branch' END,
               '压测路' || c || '号', '0513-' || (10000 + c), '09:00', '17:00', '12:00', '13:30',
               c %% 2 = 0, c %% 3 = 0, now(), now()
        FROM generate_series(1, %(centres)s) AS c
        ON CONFLICT (code) DO NOTHING
        """,
    ),
    (
        "departments",
        """
        INSERT INTO hall_department (centre_id, code, name, short_name, is_active, created_at, updated_at)
        SELECT ce.id, 'd' || d, '压测部门' || d, '部门' || d, true, now(), now()
        FROM hall_centre ce CROSS JOIN generate_series(1, %(departments)s) AS d
        WHERE ce.code LIKE 'bench-%%'
        ON CONFLICT DO NOTHING
        """,
    ),
    (
        "windows",
        """
        INSERT INTO hall_window (centre_id, number, name, kind, department_id, location, is_active, status, pause_reason,
                                 created_at, updated_at)
        SELECT ce.id, w::text, '压测窗口' || w,
               (ARRAY['integrated','priority','tidal','pickup','dedicated'])[LEAST(1 + (w - 1) / 10, 5)],
               CASE WHEN w > 40 THEN de.id END, '大厅' || (1 + w / 30) || '楼', true, 'closed', '', now(), now()
        FROM hall_centre ce
        CROSS JOIN generate_series(1, %(windows)s) AS w
        LEFT JOIN hall_department de ON de.centre_id = ce.id AND de.code = 'd' || (1 + w %% %(departments)s)
        WHERE ce.code LIKE 'bench-%%'
        ON CONFLICT DO NOTHING
        """,
    ),
    (
        "matters",
        """
        INSERT INTO hall_matter (centre_id, department_id, code, name, kind, statutory_days, promised_days, fee,
                                 fee_basis, conditions, legal_basis, online_apply, appointment, mail_delivery,
                                 status, published_at, created_at, updated_at)
        SELECT ce.id, de.id, 'B' || lpad(m::text, 6, '0'), '压测事项' || m || '号（营业执照、证明、登记类）',
               (ARRAY['licence','public_service','convenience'])[1 + m %% 3],
               20, CASE WHEN m %% 2 = 0 THEN 0 ELSE 1 + m %% 10 END, (m %% 4) * 10, '', '', '',
               m %% 3 <> 0, m %% 2 = 0, m %% 5 = 0,
               CASE WHEN m %% 50 = 0 THEN 'draft' ELSE 'published' END, now(), now(), now()
        FROM hall_centre ce
        CROSS JOIN generate_series(1, %(matters)s) AS m
        JOIN hall_department de ON de.centre_id = ce.id AND de.code = 'd' || (1 + m %% %(departments)s)
        WHERE ce.code LIKE 'bench-%%'
        ON CONFLICT DO NOTHING
        """,
    ),
    (
        "materials",
        """
        INSERT INTO hall_material (matter_id, position, name, form, copies, required, deficiency_allowed, notes,
                                   created_at, updated_at)
        SELECT ma.id, p, (ARRAY['申请表','申请人身份证','营业执照','场所证明','委托书'])[p],
               (ARRAY['original','original_and_copy','copy','copy','original'])[p], 1, p < 5, p = 4, '', now(), now()
        FROM hall_matter ma CROSS JOIN generate_series(1, 5) AS p
        WHERE ma.code LIKE 'B%%' AND ma.centre_id IN (SELECT id FROM hall_centre WHERE code LIKE 'bench-%%')
          AND NOT EXISTS (SELECT 1 FROM hall_material x WHERE x.matter_id = ma.id)
        """,
    ),
    (
        "stages",
        """
        INSERT INTO hall_matterstage (matter_id, position, name, share_percent, created_at, updated_at)
        SELECT ma.id, s.position, s.name, s.share, now(), now()
        FROM hall_matter ma
        CROSS JOIN (VALUES (1, '受理', 20), (2, '审核', 40), (3, '审批', 30), (4, '办结', 10)) AS s(position, name, share)
        WHERE ma.code LIKE 'B%%' AND ma.centre_id IN (SELECT id FROM hall_centre WHERE code LIKE 'bench-%%')
        ON CONFLICT DO NOTHING
        """,
    ),
]


QUEUE_SQL = [
    (
        "categories",
        """
        INSERT INTO hall_queuecategory (centre_id, prefix, name, position, is_active, tidal_waiting_threshold,
                                        tidal_wait_minutes_threshold, tidal_release_waiting, created_at, updated_at)
        SELECT ce.id, chr(64 + c), '压测业务' || c, c, true, 15, 30, 5, now(), now()
        FROM hall_centre ce CROSS JOIN generate_series(1, %(categories)s) AS c
        WHERE ce.code = 'bench-1'
        ON CONFLICT DO NOTHING
        """,
    ),
    (
        "window links",
        """
        INSERT INTO hall_windowcategory (window_id, category_id, position, is_tidal_assignment)
        SELECT w.id, qc.id, 1 + ((qc.position - 1 - w.number::int) %% %(categories)s + %(categories)s) %% %(categories)s, false
        FROM hall_window w JOIN hall_centre ce ON ce.id = w.centre_id AND ce.code = 'bench-1'
        JOIN hall_queuecategory qc ON qc.centre_id = ce.id
        WHERE ((qc.position - 1 - w.number::int) %% %(categories)s + %(categories)s) %% %(categories)s < 3
        ON CONFLICT DO NOTHING
        """,
    ),
    (
        "past tickets",
        """
        INSERT INTO hall_ticket (centre_id, category_id, service_date, sequence, number, source, priority_class,
                                 priority_group, status, issued_at, queued_at, called_at, started_at, finished_at,
                                 window_id, recall_count, holder_name, phone, token, created_at, updated_at)
        SELECT ce.id, qc.id, d.day, s.n, qc.prefix || lpad(s.n::text, 4, '0'), 'kiosk',
               CASE WHEN s.n %% 10 = 0 THEN 'appointment' WHEN s.n %% 10 = 1 THEN 'priority_group' ELSE 'normal' END,
               CASE WHEN s.n %% 10 = 1 THEN 'elderly' ELSE '' END, 'done',
               d.day + time '09:00' + s.n * interval '3 seconds', d.day + time '09:00' + s.n * interval '3 seconds',
               d.day + time '09:10' + s.n * interval '3 seconds', d.day + time '09:11' + s.n * interval '3 seconds',
               d.day + time '09:19' + s.n * interval '3 seconds',
               (SELECT wc.window_id FROM hall_windowcategory wc WHERE wc.category_id = qc.id ORDER BY wc.window_id
                LIMIT 1), 0, '', '', md5(qc.id || '-' || d.day || '-' || s.n), now(), now()
        FROM hall_centre ce
        JOIN hall_queuecategory qc ON qc.centre_id = ce.id
        CROSS JOIN (SELECT (current_date - g)::date AS day FROM generate_series(1, %(days)s) g) d
        CROSS JOIN generate_series(1, %(per_day)s) AS s(n)
        WHERE ce.code = 'bench-1' AND extract(isodow FROM d.day) < 6
        ON CONFLICT DO NOTHING
        """,
    ),
]


# The open cases of centre bench-1, shaped like a real hall's (the seeds: promised limits are compressed and most
# cases finish early, so at any moment nearly all open cases have days to spare). Every draw is a slice of an md5
# of the case number, so every run deals the same shape. Dates are working days counted back and forward from
# the generation day (the last working day on or before today) by hall.workdays: `wd[k]` is the working day k
# days after it, `k` from -BACK to +FORWARD.
CASE_BACK, CASE_FORWARD = 40, 40
CASE_STAFF_PER_DEPARTMENT = 4
BENCH_CASES = "applicant_name LIKE '压测申请人%%'"

CASES_SQL = [
    (
        "case staff",
        """
        INSERT INTO hall_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                               date_joined, role, phone, real_name, id_number, applicant_kind, enterprise_name,
                               credit_code, is_department_head, staff_number, photo, centre_id, department_id)
        SELECT '!', false, 'bench-' || de.code || '-' || CASE WHEN k = 0 THEN 'head' ELSE 'approver-' || k END,
               '', '', '', false, true, now(), 'approver', '186' || lpad((de.id * 10 + k)::text, 8, '0'),
               '压测审批人' || de.code || '-' || k, '', 'person', '', '', k = 0, '', '', de.centre_id, de.id
        FROM hall_department de CROSS JOIN generate_series(0, %(staff)s) AS k
        WHERE de.centre_id = (SELECT id FROM hall_centre WHERE code = 'bench-1')
        ON CONFLICT DO NOTHING
        """,
    ),
    (
        "open cases",
        """
        WITH pool AS (
            SELECT array_agg(m.id ORDER BY m.id) AS ids FROM hall_matter m
            WHERE m.centre_id = (SELECT id FROM hall_centre WHERE code = 'bench-1') AND m.promised_days > 0
        ),
        approvers AS (
            SELECT u.department_id, array_agg(u.id ORDER BY u.id) AS ids FROM hall_user u
            WHERE u.username LIKE 'bench-d%%-approver-%%' GROUP BY u.department_id
        ),
        drawn AS (
            SELECT g, ma.id AS matter_id, ma.centre_id, ma.department_id, ma.promised_days AS l,
                   ma.statutory_days AS sl, ap.ids[1 + g %% array_length(ap.ids, 1)] AS handler_id,
                   ('x' || substr(h, 1, 7))::bit(28)::int %% 1000 AS band,
                   ('x' || substr(h, 8, 7))::bit(28)::int %% 1000 AS spread,
                   ('x' || substr(h, 15, 7))::bit(28)::int %% 1000 AS stop,
                   ('x' || substr(h, 22, 7))::bit(28)::int %% 1000 AS lag
            FROM generate_series(1, %(cases)s) AS g
            CROSS JOIN pool
            CROSS JOIN LATERAL (SELECT md5('case-shape-' || g) AS h) hashed
            JOIN hall_matter ma ON ma.id = pool.ids[1 + g %% array_length(pool.ids, 1)]
            JOIN approvers ap ON ap.department_id = ma.department_id
        ),
        timed AS (
            -- e: working days the clock has run since acceptance (the due date is l days after it)
            SELECT d.*,
                   CASE WHEN band < 20 THEN spread %% l
                        WHEN band < 960 THEN spread %% ((7 * l) / 10 + 1)
                        WHEN band < 990 THEN l - 1 - spread %% GREATEST(1, (3 * l + 9) / 10 - 1)
                        ELSE l + spread %% 5 END AS e,
                   CASE WHEN stop < 50 THEN 1 + stop %% 3 ELSE 0 END AS stopped,
                   g %% 3 = 0 AS online
            FROM drawn d
        ),
        staged AS (
            SELECT t.*,
                   CASE WHEN e <= (2 * l + 9) / 10 THEN 1 WHEN e <= (6 * l + 9) / 10 THEN 2 ELSE 3 END
                   - CASE WHEN lag < 30 AND band >= 20 AND band < 990 AND e > (2 * l + 9) / 10 THEN 1 ELSE 0 END
                   AS stage,
                   %(base)s - e - stopped AS accepted_k
            FROM timed t
        )
        INSERT INTO approvals_application (
            created_at, updated_at, applicant_kind, applicant_name, id_number, credit_code, contact_phone, source,
            status, tracking_code, stage_position, submitted_at, online_answer_due, accepted_on, deemed_accepted,
            promised_due, statutory_due, stopped_days, extension_days, suspended_from, not_accepted_reason, outcome,
            delivery_method, mail_tracking_number, centre_id, department_id, matter_id, handler_id)
        SELECT now(), now(), 'person', '压测申请人' || g, lpad((110105194900000000 + g)::text, 18, '0'), '',
               '139' || lpad((g %% 100000000)::text, 8, '0'), CASE WHEN online THEN 'online' ELSE 'window' END,
               CASE WHEN band < 20 THEN 'suspended' ELSE (ARRAY['accepted', 'review', 'approval'])[stage] END,
               translate(upper(substr(md5('case-' || g), 1, 16)), '01', 'GH'), stage,
               (wd[accepted_k] + time '09:00' + (g %% 420) * interval '1 minute') AT TIME ZONE %(tz)s,
               CASE WHEN online THEN wd[accepted_k + 5] END, wd[accepted_k], online AND lag >= 997,
               wd[accepted_k + stopped + l], wd[accepted_k + stopped + sl], stopped, 0,
               CASE WHEN band < 20 THEN (ARRAY['accepted', 'review', 'approval'])[stage] ELSE '' END, '', '', '', '',
               centre_id, department_id, matter_id, handler_id
        FROM staged CROSS JOIN (SELECT %(wd)s::date[] AS wd) cal
        ON CONFLICT (tracking_code) DO NOTHING
        """,
    ),
    # The table was empty when last analysed: without fresh statistics the next step's anti-join is quadratic.
    ("statistics", "ANALYZE approvals_application, approvals_applicationevent, hall_user"),
    (
        "case events",
        f"""
        INSERT INTO approvals_applicationevent (application_id, kind, from_status, to_status, stage_position,
                                                department_id, comment, public_note, created_at)
        SELECT a.id, 'accepted', 'submitted', 'accepted', 1, a.department_id, '', '已受理', a.submitted_at
        FROM approvals_application a
        WHERE a.{BENCH_CASES}
          AND NOT EXISTS (SELECT 1 FROM approvals_applicationevent e WHERE e.application_id = a.id)
        """,
    ),
]

# --drop: the bench cases and everything hanging off them (their warnings' notices first), not the catalogue.
DROP_CASES_SQL = [
    (
        "notices",
        f"""
        DELETE FROM hall_notice n USING approvals_casewarning w JOIN approvals_application a ON a.id = w.application_id
        WHERE n.dedupe_key = 'case-warning-' || w.id AND a.{BENCH_CASES}
        """,
    ),
    (
        "warnings",
        f"DELETE FROM approvals_casewarning w USING approvals_application a WHERE a.id = w.application_id AND a.{BENCH_CASES}",
    ),
    (
        "events",
        f"DELETE FROM approvals_applicationevent e USING approvals_application a WHERE a.id = e.application_id AND a.{BENCH_CASES}",
    ),
    ("cases", f"DELETE FROM approvals_application WHERE {BENCH_CASES}"),
]


def generate_cases(*, cases: int) -> None:
    """Open cases of centre bench-1 shaped like a real hall's, dated from the generation day, with their staff:

    - 2 % suspended for a special procedure (Art. 45: the clock is stopped, no deadline warnings);
    - 94 % on time with days to spare: at most 70 % of the promised limit used, so at least the yellow share left;
    - 3 % near the due date: 1 working day to under 30 % of the limit left (yellow; on a 2-day limit there is no
      such day, so those stay green: about 2.4 % are yellow);
    - 1 % red: on the due day (0.2 %) or 1–4 working days overdue;
    - each case is in the stage its elapsed time falls in (受理 20 %, 审核 40 %, 审批 and the rest), except 3 % of the
      cases past the first stage, still one stage behind (a purple card), and the overdue ones, past their stage's
      share (purple too): about 2 % purple in all;
    - 5 % had 1–3 working days of clock stop (补正) earlier, which moved their due dates;
    - a third came in online, 0.3 % of those deemed accepted after going unanswered (Art. 32: a red card);
    - each case is held by one of the four approvers of its department, which also has a head: a warning tells both.

    The warning job's "full pass" on these writes about 55,000 warnings per million cases (two notices each).
    """
    from hall import workdays

    today = timezone.localdate()
    base = today if workdays.is_working_day(today) else workdays.add_working_days(today, -1)
    days = [workdays.add_working_days(base, k) for k in range(-CASE_BACK, CASE_FORWARD + 1)]
    params = {"cases": cases, "staff": CASE_STAFF_PER_DEPARTMENT, "wd": days, "base": CASE_BACK + 1,
              "tz": settings.TIME_ZONE}
    print(f"generation day {base} (the bench runs the job as of this day)")
    started_all = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for label, sql in CASES_SQL:
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = f"{cursor.rowcount:>9} rows" if cursor.rowcount >= 0 else " " * 14
            print(f"{label:<12} {rows}  {time.perf_counter() - started:7.2f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE approvals_application")
        cursor.execute("VACUUM ANALYZE approvals_applicationevent")
    print(f"{'total':<12} {'':>9}       {time.perf_counter() - started_all:7.2f} s")


def drop_cases() -> None:
    started_all = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for label, sql in DROP_CASES_SQL:
            started = time.perf_counter()
            cursor.execute(sql)
            print(f"{label:<12} {cursor.rowcount:>9} rows  {time.perf_counter() - started:7.2f} s")
    with connection.cursor() as cursor:  # FULL: give the space back, so a sequential scan reads only live rows
        cursor.execute("VACUUM FULL ANALYZE approvals_application")
        cursor.execute("VACUUM FULL ANALYZE approvals_applicationevent")
        cursor.execute("VACUUM ANALYZE approvals_casewarning")
    print(f"{'total':<12} {'':>9}       {time.perf_counter() - started_all:7.2f} s")


def generate_queue(*, categories: int, tickets_per_year: int) -> None:
    working_days = 250
    per_day = max(1, tickets_per_year // working_days // categories)
    params = {"categories": categories, "days": 365, "per_day": per_day}
    started_all = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for label, sql in QUEUE_SQL:
            started = time.perf_counter()
            cursor.execute(sql, params)
            print(f"{label:<12} {cursor.rowcount:>9} rows  {time.perf_counter() - started:7.2f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE hall_queuecategory, hall_windowcategory, hall_ticket")
    print(f"{'total':<12} {'':>9}       {time.perf_counter() - started_all:7.2f} s")


def generate_catalogue(*, centres: int, departments: int, windows: int, matters: int) -> None:
    params = {"centres": centres, "departments": departments, "windows": windows, "matters": matters}
    total_started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for label, sql in CATALOGUE_SQL:
            started = time.perf_counter()
            cursor.execute(sql, params)
            print(f"{label:<12} {cursor.rowcount:>9} rows  {time.perf_counter() - started:7.2f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE hall_centre, hall_department, hall_window, hall_matter, hall_material, hall_matterstage")
    print(f"{'total':<12} {'':>9}       {time.perf_counter() - total_started:7.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    catalogue = sub.add_parser("catalogue", help="centres, departments, windows, matters, materials, stages")
    catalogue.add_argument("--centres", type=int, default=12)
    catalogue.add_argument("--departments", type=int, default=40)
    catalogue.add_argument("--windows", type=int, default=170)
    catalogue.add_argument("--matters", type=int, default=1500)
    queue = sub.add_parser("queue", help="queue categories, window calling profiles, a year of served tickets")
    queue.add_argument("--categories", type=int, default=8)
    queue.add_argument("--tickets-per-year", type=int, default=1_000_000)
    cases = sub.add_parser(
        "cases", help="open approval cases (after catalogue), one event each, their staff",
        description=generate_cases.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cases.add_argument("--cases", type=int, default=1_000_000)
    cases.add_argument("--drop", action="store_true", help="delete the bench cases (and their warnings) instead")
    args = parser.parse_args()
    if args.what == "catalogue":
        generate_catalogue(
            centres=args.centres, departments=args.departments, windows=args.windows, matters=args.matters
        )


    if args.what == "cases":
        if args.drop:
            drop_cases()
        else:
            generate_cases(cases=args.cases)
    if args.what == "queue":
        generate_queue(categories=args.categories, tickets_per_year=args.tickets_per_year)


if __name__ == "__main__":
    main()
