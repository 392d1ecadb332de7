"""Call-next throughput and latency with 20 and 100 concurrent windows on 50,000 waiting tickets, beside
the same machine's floor measured in the same run through the same stack.

    python bench/generate.py catalogue && python bench/generate.py queue     # once, on a scratch database
    python bench/queue_bench.py --seconds 20

Each window is a thread with its own connection; the windows are spread over several client processes. A window's cycle is: call next (timed), then mark the
ticket no-show (untimed) so the window can call again — two transactions. The floor's cycle is the same
shape: two transactions, each a single-row `UPDATE … RETURNING` through Django's cursor. Throughput is
cycles per second over all windows; latency is that of the call-next transaction (or the floor's first
UPDATE). The waiting tickets are reset before each run.
"""
import argparse
import multiprocessing
import statistics
import threading
import time

from _django import setup

setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from hall.models import Centre, QueuePolicy, Role, User, Window  # noqa: E402
from hall.services.tickets import ticket_call_next, ticket_mark_no_show  # noqa: E402

WAITING_SQL = """
INSERT INTO hall_ticket (centre_id, category_id, service_date, sequence, number, source, priority_class,
                         priority_group, status, issued_at, queued_at, recall_count, holder_name, phone, token,
                         created_at, updated_at)
SELECT qc.centre_id, qc.id, %(today)s, 10000 + s.n, qc.prefix || (10000 + s.n), 'kiosk',
       CASE WHEN s.n %% 10 = 0 THEN 'appointment' WHEN s.n %% 10 = 1 THEN 'priority_group' ELSE 'normal' END,
       CASE WHEN s.n %% 10 = 1 THEN 'elderly' ELSE '' END, 'waiting',
       now() - (%(per_category)s - s.n) * interval '100 milliseconds',
       now() - (%(per_category)s - s.n) * interval '100 milliseconds',
       0, '', '', md5('bench-' || qc.id || '-' || s.n || '-' || random()), now(), now()
FROM hall_queuecategory qc CROSS JOIN generate_series(1, %(per_category)s) AS s(n)
WHERE qc.centre_id = %(centre)s
"""


def prepare(centre: Centre, *, waiting: int) -> list[tuple[int, User]]:
    """Open every window of the bench centre with a clerk of its own and lay `waiting` tickets for today."""
    QueuePolicy.objects.get_or_create(centre=centre)
    windows = list(Window.objects.filter(centre=centre, category_links__isnull=False).distinct().order_by("id"))
    password = make_password("bench-only")
    User.objects.bulk_create(
        [User(username=f"bench-clerk-{w.pk}", role=Role.CLERK, centre=centre, password=password) for w in windows],
        ignore_conflicts=True,
    )
    clerks = {u.username: u for u in User.objects.filter(username__startswith="bench-clerk-")}
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM hall_ticketevent WHERE ticket_id IN (SELECT id FROM hall_ticket "
                       "WHERE centre_id = %s AND service_date = %s)", [centre.pk, today])
        cursor.execute("DELETE FROM hall_ticket WHERE centre_id = %s AND service_date = %s", [centre.pk, today])
        categories = centre.queue_categories.count()
        cursor.execute(WAITING_SQL, {"today": today, "centre": centre.pk, "per_category": waiting // categories})
        for window in windows:
            cursor.execute(
                "UPDATE hall_window SET status = 'open', clerk_id = %s, pause_reason = '' WHERE id = %s",
                [clerks[f"bench-clerk-{window.pk}"].pk, window.pk],
            )
        # A fresh day's queue: the deleted rows of the previous run would sit at the head of every queue's index.
        cursor.execute("VACUUM (ANALYZE) hall_ticket, hall_ticketevent, hall_historicalticket")
    return [(w.pk, clerks[f"bench-clerk-{w.pk}"]) for w in windows]


def _run_share(args) -> tuple[int, list[float]]:
    """In a worker process: one thread per window of this share, from a common start time."""
    workers, seconds, cycle_name, start_at = args
    cycle = CYCLES[cycle_name]
    latencies: list[list[float]] = [[] for _ in workers]
    stop_at = start_at + seconds

    def body(index, worker):
        try:
            time.sleep(max(0.0, start_at - time.time()))
            while time.time() < stop_at:
                if cycle(worker, latencies[index]) is False:
                    break
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [x for per in latencies for x in per]


def run(workers: list, seconds: float, cycle_name: str, processes: int) -> tuple[float, list[float]]:
    """Spread the windows over several processes (threads share one GIL: a single process would measure
    the client, not the server), start them together, and collect every latency."""
    connection.close()
    shares = [workers[i::processes] for i in range(processes) if workers[i::processes]]
    start_at = time.time() + 2.0
    with multiprocessing.get_context("fork").Pool(len(shares)) as pool:
        results = pool.map(_run_share, [(share, seconds, cycle_name, start_at) for share in shares])
    flat = [x for per in results for x in per]
    return len(flat) / seconds, flat


def call_next_cycle(worker, latencies) -> bool:
    window_id, clerk = worker
    started = time.perf_counter()
    ticket = ticket_call_next(window_id=window_id, actor=clerk)
    latencies.append(time.perf_counter() - started)
    if ticket is None:
        return False
    ticket_mark_no_show(window_id=window_id, actor=clerk)
    return True


def floor_cycle(worker, latencies) -> bool:
    row_id = worker
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE bench_floor SET n = n + 1 WHERE id = %s RETURNING n", [row_id])
        cursor.fetchone()
    latencies.append(time.perf_counter() - started)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE bench_floor SET n = n + 1 WHERE id = %s RETURNING n", [row_id])
        cursor.fetchone()
    return True


CYCLES = {"call_next": call_next_cycle, "floor": floor_cycle}


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1] if len(values) > 1 else values[0]


def report(label: str, rate: float, latencies: list[float]) -> None:
    print(
        f"{label:<28} {rate:8.0f} cycles/s   p50 {percentile(latencies, 0.5) * 1000:6.1f} ms"
        f"   p99 {percentile(latencies, 0.99) * 1000:6.1f} ms   ({len(latencies)} calls)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--waiting", type=int, default=50_000)
    parser.add_argument("--windows", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--processes", type=int, default=4, help="client processes the windows are spread over")
    args = parser.parse_args()
    centre = Centre.objects.get(code="bench-1")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_floor (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0)")
        cursor.execute("INSERT INTO bench_floor (id) SELECT g FROM generate_series(1, 200) g ON CONFLICT DO NOTHING")
    print(f"PostgreSQL {connection.cursor().connection.server_version}, {args.waiting} waiting tickets, "
          f"{args.seconds:.0f} s per run, {args.processes} client processes, {multiprocessing.cpu_count()} cores")
    for count in args.windows:
        workers = prepare(centre, waiting=args.waiting)[:count]
        connection.close()
        rate, latencies = run(workers, args.seconds, "call_next", args.processes)
        report(f"call-next, {count} windows", rate, latencies)
        floor_rate, floor_latencies = run(list(range(1, count + 1)), args.seconds, "floor", args.processes)
        report(f"floor, {count} workers", floor_rate, floor_latencies)
        print(f"{'':<28} call-next / floor = {rate / floor_rate:.2f}")


if __name__ == "__main__":
    main()
